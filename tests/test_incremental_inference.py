"""Incremental inference after a write gives exactly what a full recomputation gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import BNode
from rdflib.term import Node

from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, INFERRED_GRAPH
from atmp_graph.reasoning import materialise
from atmp_graph.store import GraphStore, Quad, bundled_sources
from atmp_graph.writes.incremental import update_inferences
from bench.kbgen import TBOX, generate

B = "http://example.org/bench/"
ADDITIONS = [
    # a new product, only linked to a trial: typed, investigational, chain-derived target
    f"<{B}newProduct> a <{B}CarTCellProduct> ; <{B}targets> <{B}antigen0> . <{B}newTrial> <{B}tests> <{B}newProduct> .",
    # an organisation in a partOf chain and a symmetric collaboration
    f"<{B}newOrg> <{B}partOf> <{B}org15> ; <{B}collaboratesWith> <{B}org3> .",
    # an alias: owl:sameAs spreads the facts of both names
    f"<{B}product7> <http://www.w3.org/2002/07/owl#sameAs> <{B}productAliasNew> .",
]


def inferred(store: GraphStore) -> set[tuple[str, str, str]]:
    """The inferred triples, blank nodes (the TBox's restrictions) named by what the TBox says of them."""
    names: dict[str, str] = {}
    for row in store.select("SELECT ?b ?p ?o WHERE { GRAPH <urn:tbox> { ?b ?p ?o FILTER(isBlank(?b)) } }"):
        names.setdefault(str(row["b"]), "")
        names[str(row["b"])] += f"[{row['p']} {row['o'] if not isinstance(row['o'], BNode) else '_'}]"

    def name(term: Node) -> str:
        return "".join(sorted(names.get(str(term), "?"))) if isinstance(term, BNode) else str(term)

    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    return {(name(r["s"]), str(r["p"]), name(r["o"])) for r in rows}


def fresh(turtle_parts: list[bytes]) -> GraphStore:
    store = GraphStore.in_memory()
    store.load_data(TBOX.encode(), "text/turtle", graph="urn:tbox")
    for index, part in enumerate(turtle_parts):
        store.load_data(part, "text/turtle", graph=f"urn:data{index}")
    return store


@pytest.mark.parametrize("addition", ADDITIONS)
def test_incremental_equals_full_recomputation(addition: str) -> None:
    base = generate(3000).encode()
    incremental = fresh([base])
    materialise(incremental)
    added = incremental.apply_delta(remove=[], add=incremental.parse_quads(addition.encode(), "text/turtle",
                                                                           graph="urn:data0"))[1]
    change = update_inferences(incremental, removed=[], added=added)
    assert change.mode == "incremental" and change.added
    # undoing the change restores the inferred graph exactly
    snapshot = inferred(incremental)
    change.undo(incremental)
    change_again = update_inferences(incremental, removed=[], added=added)
    assert inferred(incremental) == snapshot and change_again.mode == "incremental"
    reference = fresh([base, addition.encode()])
    materialise(reference)
    assert inferred(incremental) == inferred(reference)
    assert len(inferred(incremental)) > 0


def test_removals_and_schema_changes_recompute() -> None:
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(BUNDLED_ONTOLOGY_DIR))
    materialise(store)
    schema = store.parse_quads(b"<urn:X> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <urn:Y> .",
                               "text/turtle", graph="https://w3id.org/atmp/graph/kb")
    before = inferred_plain(store)
    change = update_inferences(store, removed=[], added=schema)
    assert change.mode == "recomputed"
    change.undo(store)
    assert inferred_plain(store) == before
    assert update_inferences(store, removed=schema, added=[]).mode == "recomputed"


def inferred_plain(store: GraphStore) -> set[tuple[str, str, str]]:
    rows = store.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in rows}


# -- removals (DRed) and mixed changes against a full recomputation ------------------------
_VOCAB = {
    "products": [f"product{i}" for i in range(6)] + ["productAliasX"],
    "trials": [f"trial{i}" for i in range(4)],
    "orgs": [f"org{i}" for i in range(5)],
    "antigens": ["antigen0", "antigen1"],
    "vectors": ["vector0", "vector1"],
}
_PRODUCT_TYPES = ["CarTCellProduct", "TcrTCellProduct", "GeneTherapyMedicinalProduct", "Cd19DirectedProduct",
                  "InvestigationalMedicinalProduct", "EngineeredTCellProduct"]


def _candidate_triples() -> list[str]:
    """Triples over a few individuals of the generated data, through every kind of axiom of the TBox."""
    v = _VOCAB
    rdf_type, same = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://www.w3.org/2002/07/owl#sameAs>"
    out = [f"<{B}{p}> {rdf_type} <{B}{c}> ." for p in v["products"] for c in _PRODUCT_TYPES]
    out += [f"<{B}{p}> <{B}targets> <{B}{a}> ." for p in v["products"] for a in v["antigens"]]
    out += [f"<{B}{p}> <{B}hasVector> <{B}{x}> ." for p in v["products"][:3] for x in v["vectors"]]
    out += [f"<{B}{p}> <{B}testedIn> <{B}{t}> ." for p in v["products"] for t in v["trials"][:2]]
    out += [f"<{B}{t}> <{B}tests> <{B}{p}> ." for p in v["products"] for t in v["trials"][2:]]
    out += [f"<{B}{t}> <{B}{s}> <{B}{o}> ." for t in v["trials"] for o in v["orgs"][:2] for s in ("sponsor", "leadSponsor")]
    out += [f"<{B}{a}> <{B}partOf> <{B}{b}> ." for a in v["orgs"] for b in v["orgs"] if a != b]
    out += [f"<{B}{a}> <{B}collaboratesWith> <{B}{b}> ." for a in v["orgs"][:3] for b in v["orgs"][1:4]]
    out += [f"<{B}{o}> {rdf_type} <{B}{c}> ." for o in v["orgs"] for c in ("Company", "AcademicInstitution")]
    out += [f"<{B}{a}> {same} <{B}{b}> ." for a in v["products"] for b in v["products"][3:] if a != b]
    out += [f"<{B}{a}> {same} <{B}{b}> ." for a in v["orgs"][:2] for b in v["orgs"][3:]]
    return out


_BASE = generate(200)
_CANDIDATES = _candidate_triples() + [line for line in _BASE.splitlines() if line.strip()]


def _asserted_copy(store: GraphStore) -> GraphStore:
    """The same asserted graphs, blank node identifiers included, materialised from scratch."""
    reference = GraphStore.in_memory()
    reference.apply_delta(remove=[], add=[q for g in store.named_graphs() if g != INFERRED_GRAPH
                                          for q in store.graph_quads(g)])
    materialise(reference)
    return reference


def _inferred_raw(store: GraphStore) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object)) for q in store.graph_quads(INFERRED_GRAPH)}


def _parse(store: GraphStore, indexes: list[int]) -> list[Quad]:
    return store.parse_quads("\n".join(_CANDIDATES[i] for i in indexes).encode(), "application/n-triples",
                             graph="urn:data0")


changes = st.lists(st.tuples(st.lists(st.integers(0, len(_CANDIDATES) - 1), max_size=4),
                             st.lists(st.integers(0, len(_CANDIDATES) - 1), max_size=4),
                             st.booleans()), min_size=1, max_size=4)


@settings(max_examples=30, deadline=None)
@given(changes)
def test_random_changes_match_full_recomputation(sequence: list[tuple[list[int], list[int], bool]]) -> None:
    """Random insertions and deletions (of generated and new triples, sameAs links, chains, symmetric,
    transitive and inverse properties, hasValue classes): after each change the inferred graph is
    exactly what materialising the asserted graphs from scratch gives; undoing a change restores it."""
    store = fresh([_BASE.encode()])
    materialise(store)
    for remove_at, add_at, undo in sequence:
        before = _inferred_raw(store)
        removed, added = store.apply_delta(remove=_parse(store, remove_at), add=_parse(store, add_at))
        change = update_inferences(store, removed=removed, added=added)
        assert change.mode == "incremental"
        assert _inferred_raw(store) == _inferred_raw(_asserted_copy(store))
        if undo:
            change.undo(store)
            store.apply_delta(remove=added, add=removed)
            assert _inferred_raw(store) == before


def test_removal_withdraws_exactly_what_lost_its_support() -> None:
    """DRed: a type with a second derivation stays, one without goes; a removed assertion that is
    still entailed moves into the inferred graph."""
    store = fresh([_BASE.encode()])
    materialise(store)
    product = f"<{B}product1>"
    two_ways = store.parse_quads(f"{product} <{B}targets> <{B}antigen0> .".encode(), "application/n-triples",
                                 graph="urn:data0")
    store.apply_delta(remove=[], add=two_ways)
    materialise(store)
    gtmp = f"<{B}GeneTherapyMedicinalProduct>"
    asserted_gtmp = store.parse_quads(f"{product} a {gtmp} .".encode(), "text/turtle", graph="urn:data0")
    store.apply_delta(remove=[], add=asserted_gtmp)
    materialise(store)
    removed = store.apply_delta(remove=two_ways + asserted_gtmp, add=[])[0]
    change = update_inferences(store, removed=removed, added=[])
    assert change.mode == "incremental"
    now = _inferred_raw(store)
    subject = f"{B}product1"
    # still a GTMP (it is a CAR-T product): no longer asserted, so now inferred
    assert (f"<{subject}>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", gtmp) in now
    # no longer CD19-directed: that needed the removed target
    assert (f"<{subject}>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", f"<{B}Cd19DirectedProduct>") not in now
    assert now == _inferred_raw(_asserted_copy(store))


def test_removing_every_premise_of_a_derivation_at_once() -> None:
    """Both links of a transitive chain, and both halves of a property chain, removed in one change:
    what they jointly derived goes (over-deletion reads the state before the removal)."""
    store = fresh([_BASE.encode()])
    links = (f"<{B}orgA> <{B}partOf> <{B}orgB> . <{B}orgB> <{B}partOf> <{B}orgC> . "
             f"<{B}trialA> <{B}tests> <{B}productA> . <{B}productA> <{B}targets> <{B}antigen1> .")
    quads = store.parse_quads(links.encode(), "text/turtle", graph="urn:data0")
    store.apply_delta(remove=[], add=quads)
    materialise(store)
    joint = [(f"<{B}orgA>", f"<{B}partOf>", f"<{B}orgC>"), (f"<{B}trialA>", f"<{B}investigatesTarget>", f"<{B}antigen1>")]
    assert all(triple in _inferred_raw(store) for triple in joint)
    removed = store.apply_delta(remove=quads, add=[])[0]
    update_inferences(store, removed=removed, added=[])
    assert not any(triple in _inferred_raw(store) for triple in joint)
    assert _inferred_raw(store) == _inferred_raw(_asserted_copy(store))
