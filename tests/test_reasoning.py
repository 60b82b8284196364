"""OWL 2 RL materialisation (atmp_graph.reasoning): per-rule-family fixtures, agreement with
owlrl on the fixtures and on the bundled ontology + KB, the inferred graph's contract, and the
competency questions that only inference answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, Literal, URIRef
from rdflib.term import Node

from atmp_graph.namespaces import ATMP, BUNDLED_ONTOLOGY_DIR, INFERRED_GRAPH, KB_GRAPH, ONTOLOGY_GRAPH
from atmp_graph.reasoning import ENTAILMENT_PROFILE, ENTAILMENT_REGIME, materialise
from atmp_graph.reasoning.materialise import scratch_graphs
from atmp_graph.reasoning.reference import normalised, owlrl_inferences, skolemised
from atmp_graph.reasoning.rules import RULES, SKIPPED_RULES, SUBSUMED_RULES, is_trivial
from atmp_graph.store import GraphStore, bundled_sources

DATA = Path(__file__).parent / "data" / "reasoning"
FAMILIES = ["eq", "prp", "cls", "cax", "scm"]
ASSERTED = "https://w3id.org/atmp/graph/test/asserted"

Triple = tuple[Node, Node, Node]


def store_with(graph: Graph, *, name: str = ASSERTED) -> GraphStore:
    store = GraphStore.in_memory()
    store.load_data(graph.serialize(format="nt").encode(), "application/n-triples", graph=name)
    return store


def inferred(store: GraphStore, graph: str = INFERRED_GRAPH) -> set[Triple]:
    return normalised(store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))


def graph_triples(store: GraphStore, graph: str) -> set[Triple]:
    return inferred(store, graph)


def fixture(family: str) -> Graph:
    return skolemised(Graph().parse(DATA / f"{family}.ttl"))


def bundled_graph() -> Graph:
    sources = bundled_sources(BUNDLED_ONTOLOGY_DIR)
    graph = Graph()
    for source in sources:
        graph.parse(source.path)
    return skolemised(graph)


# --- each rule family ------------------------------------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
def test_fixture_entails_the_expected_triples(family: str) -> None:
    store = store_with(fixture(family))
    materialise(store)
    expected = normalised(Graph().parse(DATA / f"{family}-expected.ttl"))
    assert expected, "each fixture lists at least one expected inference"
    assert expected - inferred(store) == set()


@pytest.mark.parametrize("family", FAMILIES)
def test_fixture_agrees_with_owlrl(family: str) -> None:
    graph = fixture(family)
    store = store_with(graph)
    materialise(store)
    ours, reference = inferred(store), owlrl_inferences(graph)
    assert ours - reference == set(), "we derive something owlrl does not"
    assert reference - ours == set(), "owlrl derives something we do not"


def test_bundled_ontology_and_kb_agree_with_owlrl() -> None:
    sources = bundled_sources(BUNDLED_ONTOLOGY_DIR)
    assert any(s.graph == ONTOLOGY_GRAPH for s in sources) and any(s.graph == KB_GRAPH for s in sources), (
        "the bundled ontology and KB are part of the agreement test"
    )
    graph = bundled_graph()
    store = store_with(graph)
    report = materialise(store)
    ours, reference = inferred(store), owlrl_inferences(graph)
    assert report.inferred_triples == len(ours) > 0
    assert sorted(ours - reference) == []
    assert sorted(reference - ours) == []


# --- the inferred graph's contract -----------------------------------------------------------------


def test_inferred_graph_is_separate_and_asserted_graphs_are_untouched() -> None:
    graph = fixture("cls")
    store = store_with(graph)
    store.load_data(
        b"<http://example.org/kymriah> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        b"<http://example.org/EngineeredTCellProduct> .",
        "application/n-triples",
        graph="https://w3id.org/atmp/graph/test/other",
    )
    before = {g: graph_triples(store, g) for g in store.named_graphs()}
    report = materialise(store)
    after = {g: graph_triples(store, g) for g in store.named_graphs() if g != INFERRED_GRAPH}
    assert after == before, "materialising writes to no graph but the inferred one, and leaves no work graph"
    assert set(report.source_graphs) == set(before)
    ours = inferred(store)
    # The type asserted in the other graph is entailed too (cls-uni), yet not repeated in the inferred graph.
    assert not ours & set().union(*before.values())
    assert report.asserted_triples == sum(len(t) for t in before.values())


def test_on_disk_store_gives_the_same_inferences(tmp_path: Path) -> None:
    graph = fixture("cls")
    store = GraphStore.on_disk(tmp_path / "store")
    store.load_data(graph.serialize(format="nt").encode(), "application/n-triples", graph=ASSERTED)
    materialise(store)
    assert inferred(store) == owlrl_inferences(graph)


def test_materialising_again_recomputes_from_scratch() -> None:
    store = store_with(fixture("cax"))
    first = materialise(store)
    again = materialise(store)
    assert again.inferred_triples == first.inferred_triples
    store.update(f"CLEAR GRAPH <{ASSERTED}>")
    assert materialise(store).inferred_triples == 0
    assert inferred(store) == set()


def test_inferred_graph_holds_no_trivial_triple() -> None:
    store = store_with(bundled_graph())
    materialise(store)
    assert [t for t in inferred(store) if is_trivial(t)] == []
    # The kind of triple that is deliberately left out: every individual is an owl:Thing.
    assert not store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ ?x a owl:Thing }} }}")


def test_source_graphs_limit_what_is_read() -> None:
    tbox = Graph().parse(data="""
        @prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ex:CarT rdfs:subClassOf ex:Gtmp .""", format="turtle")
    store = store_with(tbox, name="https://w3id.org/atmp/graph/test/tbox")
    store.load_data(b"<http://example.org/x> a <http://example.org/CarT> .", "text/turtle",
                    graph="https://w3id.org/atmp/graph/test/abox")
    report = materialise(store, source_graphs=["https://w3id.org/atmp/graph/test/abox"])
    assert report.inferred_triples == 0
    report = materialise(store)
    assert inferred(store) == {(URIRef("http://example.org/x"), RDF.type, URIRef("http://example.org/Gtmp"))}


def test_other_target_graph_and_bad_graph_names() -> None:
    store = store_with(fixture("cax"))
    target = "https://w3id.org/atmp/graph/test/closure"
    report = materialise(store, target_graph=target)
    assert report.target_graph == target and len(inferred(store, target)) == report.inferred_triples == 11
    assert INFERRED_GRAPH not in store.named_graphs()
    with pytest.raises(ValueError, match="cannot also be a source"):
        materialise(store, target_graph=target, source_graphs=[ASSERTED, target])
    with pytest.raises(ValueError, match="absolute IRI"):
        materialise(store, source_graphs=["not an iri>"])
    assert not set(scratch_graphs(target)) & set(store.named_graphs())


def test_report_advertises_the_regime_and_the_rules() -> None:
    report = materialise(store_with(fixture("prp")))
    data = report.as_dict()
    assert data["entailment_regime"] == ENTAILMENT_REGIME == "http://www.w3.org/ns/entailment/OWL-RDF-Based"
    assert data["entailment_profile"] == ENTAILMENT_PROFILE == "http://www.w3.org/ns/owl-profile/RL"
    assert "prp-spo2-2" in report.rules and "cax-sco" in report.rules
    assert report.rounds == len(report.derived_per_round) and report.derived_per_round[-1] == 0
    assert sum(report.derived_per_round) >= report.inferred_triples
    # Every rule of the spec tables we name is either evaluated, subsumed or deliberately skipped.
    names = {rule.name for rule in RULES}
    assert not names & set(SKIPPED_RULES) and set(SUBSUMED_RULES) <= names


def test_same_as_with_a_literal_is_not_materialised() -> None:
    # prp-fp over two literal values would make a literal the subject of owl:sameAs (dt-eq territory).
    graph = Graph()
    ex = "http://example.org/"
    graph.add((URIRef(ex + "age"), RDF.type, OWL.FunctionalProperty))
    graph.add((URIRef(ex + "x"), URIRef(ex + "age"), Literal(1)))
    graph.add((URIRef(ex + "x"), URIRef(ex + "age"), Literal(2)))
    store = store_with(graph)
    materialise(store)
    assert inferred(store) == set()
    assert owlrl_inferences(graph) == set()  # owlrl derives them too, but only with literal subjects


# --- competency questions that rely on inference -----------------------------------------------------


@pytest.fixture(scope="module")
def bundled_store() -> GraphStore:
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(BUNDLED_ONTOLOGY_DIR))
    materialise(store)
    return store


def instances(store: GraphStore, cls: URIRef, *, asserted_only: bool = False) -> set[Node]:
    graphs = [ONTOLOGY_GRAPH, KB_GRAPH] if asserted_only else None
    rows = store.select("SELECT ?x ?class WHERE { ?x a ?class }", default_graphs=graphs, substitutions={"class": cls})
    return {row["x"] for row in rows}


def test_all_atmps_include_products_asserted_only_as_car_t(bundled_store: GraphStore) -> None:
    car_t = instances(bundled_store, ATMP.CarTCellProduct, asserted_only=True)
    assert car_t, "the KB has CAR-T products"
    atmps = instances(bundled_store, ATMP.AdvancedTherapyMedicinalProduct)
    assert car_t <= atmps
    assert not car_t <= instances(bundled_store, ATMP.AdvancedTherapyMedicinalProduct, asserted_only=True), (
        "some CAR-T product is an ATMP only by inference"
    )
    assert car_t <= instances(bundled_store, ATMP.GeneTherapyMedicinalProduct)


def test_products_only_linked_to_a_trial_are_investigational(bundled_store: GraphStore) -> None:
    # The KB says "trial investigatesProduct product"; the IMP definition (a medicinal product
    # investigated in some clinical trial) uses the inverse property, and the range of
    # investigatesProduct makes the product a medicinal product.
    linked = {
        row["p"]
        for row in bundled_store.select(
            "SELECT ?p WHERE { { ?p atmp:isInvestigatedIn ?t } UNION { ?t atmp:investigatesProduct ?p } "
            "?t a/rdfs:subClassOf* atmp:ClinicalTrial }",
            default_graphs=[ONTOLOGY_GRAPH, KB_GRAPH],
        )
    }
    assert linked, "the KB links products to trials"
    imps = instances(bundled_store, ATMP.InvestigationalMedicinalProduct)
    assert linked <= imps
    assert not instances(bundled_store, ATMP.InvestigationalMedicinalProduct, asserted_only=True) >= linked


def test_inferred_types_cover_every_asserted_subclass_path(bundled_store: GraphStore) -> None:
    # For every class, instances via the (asserted) subclass path are instances by inference.
    via_paths = bundled_store.select(
        "SELECT ?x ?c WHERE { ?x a ?d . ?d rdfs:subClassOf+ ?c . FILTER(isIRI(?c) && ?c != owl:Thing) }",
        default_graphs=[ONTOLOGY_GRAPH, KB_GRAPH],
    )
    missing = [
        (row["x"], row["c"])
        for row in via_paths
        if not bundled_store.ask("ASK { ?x a ?c }", substitutions={"x": row["x"], "c": row["c"]})
    ]
    assert missing == []
