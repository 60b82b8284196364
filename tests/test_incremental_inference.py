"""Incremental inference after a write gives exactly what a full recomputation gives."""

from __future__ import annotations

import pytest
from rdflib import BNode
from rdflib.term import Node

from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, INFERRED_GRAPH
from atmp_graph.reasoning import materialise
from atmp_graph.store import GraphStore, bundled_sources
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
