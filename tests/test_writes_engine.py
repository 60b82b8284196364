"""The write engine in-process: net changes, counts kept up to date, shapes chosen by focus,
entailments updated in the same transaction, a journal that replays to the same state, and a
net change per commit that turns a copy of the state before into the state after, exactly."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, BUNDLED_SHAPES_DIR, INFERRED_GRAPH
from atmp_graph.reasoning import materialise
from atmp_graph.store import GraphStore, bundled_sources, encode_nquads
from atmp_graph.validation.fast import validate_store
from atmp_graph.validation.shapes import load_shapes, read_shapes_graph
from atmp_graph.writes.journal import Journal
from atmp_graph.writes.transaction import Change, WriteEngine
from bench.kbgen import TBOX, generate

B = "http://example.org/bench/"
DATA = "urn:data"
SHAPES = f"""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{B}> .
ex:ProductShape a sh:NodeShape ; sh:targetClass ex:GeneTherapyMedicinalProduct ;
    sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#label> ; sh:minCount 1 ] ;
    sh:property [ sh:path ex:targets ; sh:class ex:Antigen ] .
"""
PREFIX = f"PREFIX ex: <{B}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"


def _update(n: int, kind: str) -> str:
    """One small write of the kind a curation tool sends (some of them break the shapes)."""
    product = f"ex:new{n % 5}"
    return PREFIX + {
        "insert": f'INSERT DATA {{ GRAPH <{DATA}> {{ {product} a ex:CarTCellProduct ; rdfs:label "New {n}" ; '
                  f"ex:targets ex:antigen{n % 2} ; ex:hasVector ex:vector0 }} }}",
        "unnamed": f"INSERT DATA {{ GRAPH <{DATA}> {{ ex:bad{n} a ex:TcrTCellProduct }} }}",
        "bad_target": f"INSERT DATA {{ GRAPH <{DATA}> {{ ex:product1 ex:targets \"antigen {n}\" }} }}",
        "relabel": f'WITH <{DATA}> DELETE {{ {product} rdfs:label ?l }} INSERT {{ {product} rdfs:label "Renamed {n}" }} '
                   f"WHERE {{ {product} rdfs:label ?l }}",
        "delete": f"DELETE WHERE {{ GRAPH <{DATA}> {{ {product} ?p ?o }} }}",
        "link": f"INSERT DATA {{ GRAPH <{DATA}> {{ ex:org{n % 4} ex:partOf ex:org{n % 4 + 1} . "
                f"ex:trial{n % 3} ex:tests {product} }} }}",
        "unlink": f"DELETE DATA {{ GRAPH <{DATA}> {{ ex:org{n % 4} ex:partOf ex:org{n % 4 + 1} }} }}",
        "alias": f"INSERT DATA {{ GRAPH <{DATA}> {{ {product} <http://www.w3.org/2002/07/owl#sameAs> ex:product2 }} }}",
        "toggle": f"INSERT DATA {{ GRAPH <{DATA}> {{ ex:t{n} ex:p 1 }} }} ; DELETE DATA {{ GRAPH <{DATA}> {{ ex:t{n} ex:p 1 }} }}",
        "reassert": f'DELETE DATA {{ GRAPH <{DATA}> {{ ex:product1 rdfs:label "Product 1" }} }} ; '
                    f'INSERT DATA {{ GRAPH <{DATA}> {{ ex:product1 rdfs:label "Product 1" }} }}',
    }[kind]


KINDS = ["insert", "unnamed", "bad_target", "relabel", "delete", "link", "unlink", "alias", "toggle", "reassert"]


def _store() -> GraphStore:
    store = GraphStore.in_memory()
    store.load_data(TBOX.encode(), "text/turtle", graph="urn:tbox")
    store.load_data(generate(200).encode(), "application/n-triples", graph=DATA)
    materialise(store)
    return store


def _asserted(store: GraphStore) -> set[tuple[str, ...]]:
    return {(g, str(q.subject), str(q.predicate), str(q.object))
            for g in store.named_graphs() if g != INFERRED_GRAPH for q in store.graph_quads(g)}


def _inferred(store: GraphStore) -> set[str]:
    return {str(q) for q in store.graph_quads(INFERRED_GRAPH)}


def _everything(store: GraphStore) -> set[str]:
    """Every quad of every graph (the change log and the entailments too), blank node labels included."""
    return {str(q) for g in [None, *store.named_graphs()] for q in store.graph_quads(g)}


def _ship(outcome: dict[str, object], mirror: GraphStore) -> None:
    """Apply a commit's net change to ``mirror`` the way a query worker does."""
    net = outcome["net"]
    mirror.apply_nquads(remove=encode_nquads(net.removed), add=encode_nquads(net.added))  # type: ignore[attr-defined]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.sampled_from(KINDS)), min_size=1, max_size=8))
def test_random_writes_keep_counts_entailments_and_journal_exact(writes: list[tuple[int, str]]) -> None:
    """After any sequence of small writes (accepted and refused): the kept counts equal a fresh
    count, the inferred graph equals a full materialisation, and replaying the journal on the
    initial data gives the same asserted graphs."""
    import tempfile

    store = _store()
    initial, mirror = GraphStore.in_memory(), GraphStore.in_memory()
    store.copy_into(initial)
    store.copy_into(mirror)
    journal = Journal(Path(tempfile.mkdtemp()) / "journal.jsonl")
    shapes = load_shapes(Graph().parse(data=SHAPES, format="turtle"))
    engine = WriteEngine(store, shapes=shapes, journal=journal, infer=True, update_base=B,
                         graph_sizes=store.graph_sizes())
    for n, kind in writes:
        before = _asserted(store)
        outcome = engine.execute(Change(kind="update", agent="test", update=_update(n, kind)))
        if kind in ("unnamed", "bad_target"):
            assert outcome["status"] == "rejected" and _asserted(store) == before
        else:
            assert outcome["status"] == "committed"
        if kind in ("toggle", "reassert"):  # operations that cancel out change nothing
            assert outcome["change"] is None and _asserted(store) == before
        if outcome.get("change"):
            _ship(outcome, mirror)
        else:
            assert "net" not in outcome
        assert _everything(mirror) == _everything(store)  # what the workers apply is the change, exactly
        assert engine.graph_sizes() == store.graph_sizes()
    reference = GraphStore.in_memory()
    reference.apply_delta(remove=[], add=[q for g in store.named_graphs() if g != INFERRED_GRAPH
                                          for q in store.graph_quads(g)])
    materialise(reference)
    assert _inferred(store) == _inferred(reference)
    for removed, added in journal.entries():
        initial.apply_delta(remove=removed, add=added)
    assert _asserted(initial) == _asserted(store)


def test_a_write_then_its_undo_in_one_request_is_no_change(tmp_path: Path) -> None:
    store = _store()
    journal = Journal(tmp_path / "journal.jsonl")
    engine = WriteEngine(store, shapes=[], journal=journal, infer=True, update_base=B)
    before = _asserted(store), _inferred(store)
    outcome = engine.execute(Change(kind="update", agent="test", update=_update(1, "toggle")))
    assert outcome["change"] is None and (_asserted(store), _inferred(store)) == before
    assert list(journal.entries()) == []
    # a triple added, removed and added again is one addition, in the journal too
    again = PREFIX + " ; ".join(f"{op} DATA {{ GRAPH <{DATA}> {{ ex:t ex:p 1 }} }}" for op in ("INSERT", "DELETE", "INSERT"))
    outcome = engine.execute(Change(kind="update", agent="test", update=again))
    assert outcome["added"] == 1 and outcome["removed"] == 0
    [(removed, added)] = list(journal.entries())
    assert removed == [] and sum(str(q.subject) == f"<{B}t>" for q in added) == 1


def test_shapes_chosen_by_focus_report_what_all_shapes_report() -> None:
    """The engine runs only the shapes that target a focus node; on the bundled KB and shapes, for
    random focus sets, the results are those of validating the same focus with every shape."""
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(BUNDLED_ONTOLOGY_DIR))
    materialise(store)
    shapes = load_shapes(read_shapes_graph(sorted(BUNDLED_SHAPES_DIR.glob("*.ttl"))))
    engine = WriteEngine(store, shapes=shapes, journal=None, infer=False, update_base=B)
    subjects = sorted({row["s"] for row in store.select("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")},
                      key=str)
    rng = random.Random(6)
    # the KB has violations of its own (the gate compares against them): some focus sets must hit them
    assert validate_store(store, shapes).results
    for size in (1, 2, 5, 20, 60):
        for _ in range(4):
            focus = set(rng.sample(subjects, size)) | {URIRef("https://w3id.org/atmp/kb/Kymriah")}
            chosen = engine._shapes_for(focus)
            assert len(chosen) < len(shapes)
            everything = {r.key() for r in validate_store(store, shapes, focus=focus).results}
            assert {r.key() for r in validate_store(store, chosen, focus=focus).results} == everything


def test_a_change_to_a_value_is_checked_on_its_referrers() -> None:
    """Removing the type of a node breaks the products that point to it (sh:class): refused,
    though the write touches only the value, while triples no shape reads do not drag every
    referrer into the check."""
    store = GraphStore.in_memory()
    store.load_data(f"""@prefix ex: <{B}> . ex:p1 a ex:Product ; ex:uses ex:v1 . ex:p2 a ex:Product ; ex:uses ex:v1 .
                        ex:v1 a ex:Vector .""".encode(), "text/turtle", graph=DATA)
    shapes = load_shapes(Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{B}> .
        ex:S sh:targetClass ex:Product ; sh:property [ sh:path ex:uses ; sh:class ex:Vector ] ."""))
    engine = WriteEngine(store, shapes=shapes, journal=None, infer=False, update_base=B)
    untyped = engine.execute(Change(kind="update", agent="t", update=PREFIX + f"DELETE DATA {{ GRAPH <{DATA}> {{ ex:v1 a ex:Vector }} }}"))
    assert untyped["status"] == "rejected"
    assert sorted(r["focus"] for r in untyped["results"]) == [f"{B}p1", f"{B}p2"]
    focus = engine._focus(store.parse_quads(f"<{B}v1> <{B}note> \"x\" .".encode(), "application/n-triples", graph=DATA))
    assert focus == {URIRef(f"{B}v1")}
    # a SPARQL constraint with a variable predicate on another node: every change counts again
    sparql = load_shapes(Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <{B}> .
        ex:T sh:targetClass ex:Product ; sh:sparql [ sh:select "SELECT $this WHERE {{ $this <{B}uses> ?v . ?v ?p ?o }}" ] ."""))
    wide = WriteEngine(store, shapes=sparql, journal=None, infer=False, update_base=B)
    assert wide._focus(store.parse_quads(f"<{B}v1> <{B}note> \"x\" .".encode(), "application/n-triples",
                                         graph=DATA)) == {URIRef(f"{B}v1"), URIRef(f"{B}p1"), URIRef(f"{B}p2")}


def test_the_net_change_of_a_schema_change_is_exact() -> None:
    """A schema change re-materialises the entailments; the net change still takes a copy of the
    state before to the state after (new and lost entailments, blank nodes, the change log)."""
    store = _store()
    mirror = GraphStore.in_memory()
    store.copy_into(mirror)
    engine = WriteEngine(store, shapes=[], journal=None, infer=True, update_base=B)
    writes = [
        f"INSERT DATA {{ GRAPH <urn:tbox> {{ ex:CarTCellProduct rdfs:subClassOf ex:Engineered }} }}",
        f"INSERT DATA {{ GRAPH <{DATA}> {{ ex:b1 ex:note [ ex:text \"blank\" ] }} }}",
        f"DELETE DATA {{ GRAPH <urn:tbox> {{ ex:CarTCellProduct rdfs:subClassOf ex:Engineered }} }}",
        f"DELETE WHERE {{ GRAPH <{DATA}> {{ ex:b1 ex:note ?n . ?n ex:text ?t }} }}",
    ]
    modes = []
    for update in writes:
        outcome = engine.execute(Change(kind="update", agent="test", update=PREFIX + update))
        assert outcome["status"] == "committed" and outcome["change"]
        modes.append(outcome["inference"])
        _ship(outcome, mirror)
        assert _everything(mirror) == _everything(store)
    assert modes == ["recomputed", "incremental", "recomputed", "incremental"]
