"""The start-up cache of the materialised dataset: a cached start serves exactly what a fresh
one does, and any change to a source file is seen (the cache is then rebuilt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import running_server

from atmp_graph.loading import build_store
from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, INFERRED_GRAPH
from atmp_graph.store import Source, bundled_sources

SCHEMA = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<http://example.org/CarT> rdfs:subClassOf <http://example.org/Gtmp> .
<http://example.org/Gtmp> rdfs:subClassOf <http://example.org/Atmp> .
"""
FACTS = "<http://example.org/kymriah> a <http://example.org/CarT> .\n"


def classes_of(store: object, thing: str) -> set[str]:
    query = f"SELECT ?c WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ <{thing}> a ?c }} }}"
    return {str(row["c"]) for row in store.select(query)}  # type: ignore[attr-defined]


def test_a_cached_start_holds_exactly_what_a_fresh_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = bundled_sources(BUNDLED_ONTOLOGY_DIR)
    monkeypatch.setenv("ATMP_GRAPH_CACHE_DIR", str(tmp_path / "cache"))
    first, first_status = build_store(sources, store_dir=None)
    assert "reused_from_cache" not in first_status["inference"]
    assert any((tmp_path / "cache").glob("*.nq"))
    cached, cached_status = build_store(sources, store_dir=None)
    assert cached_status["inference"]["reused_from_cache"] is True
    assert cached_status["inference"]["inferred_triples"] == first_status["inference"]["inferred_triples"]

    monkeypatch.setenv("ATMP_GRAPH_CACHE_DIR", "")  # no cache: parse and materialise again
    fresh, fresh_status = build_store(sources, store_dir=None)
    assert "reused_from_cache" not in fresh_status["inference"]
    assert cached.graph_sizes() == fresh.graph_sizes()
    assert cached.graph_sizes()[INFERRED_GRAPH] > 0
    assert cached.isomorphic(fresh)  # the same quads, blank nodes included (up to their names)


def test_a_changed_source_is_loaded_and_materialised_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATMP_GRAPH_CACHE_DIR", str(tmp_path / "cache"))
    schema, facts = tmp_path / "schema.ttl", tmp_path / "facts.ttl"
    schema.write_text(SCHEMA)
    facts.write_text(FACTS)
    sources = [Source(schema, "http://example.org/graph/schema"), Source(facts, "http://example.org/graph/facts")]
    build_store(sources, store_dir=None)
    store, status = build_store(sources, store_dir=None)
    assert status["inference"]["reused_from_cache"] is True
    assert classes_of(store, "http://example.org/kymriah") == {"http://example.org/Gtmp", "http://example.org/Atmp"}

    facts.write_text(FACTS + "<http://example.org/abecma> a <http://example.org/Gtmp> .\n")
    store, status = build_store(sources, store_dir=None)
    assert "reused_from_cache" not in status["inference"]
    assert classes_of(store, "http://example.org/abecma") == {"http://example.org/Atmp"}

    schema.write_text(SCHEMA.replace("Atmp", "Medicine"))
    store, status = build_store(sources, store_dir=None)
    assert "reused_from_cache" not in status["inference"]
    assert classes_of(store, "http://example.org/kymriah") == {"http://example.org/Gtmp", "http://example.org/Medicine"}


def test_a_damaged_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ATMP_GRAPH_CACHE_DIR", str(cache))
    schema, facts = tmp_path / "schema.ttl", tmp_path / "facts.ttl"
    schema.write_text(SCHEMA)
    facts.write_text(FACTS)
    sources = [Source(schema, "http://example.org/graph/schema"), Source(facts, "http://example.org/graph/facts")]
    expected, _ = build_store(sources, store_dir=None)
    [dump] = cache.glob("*.nq")
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])  # cut mid-file
    store, status = build_store(sources, store_dir=None)
    assert "reused_from_cache" not in status["inference"]
    assert store.isomorphic(expected)


def test_the_service_starts_from_the_cache_and_answers_the_same(tmp_path: Path) -> None:
    env = {"ATMP_GRAPH_CACHE_DIR": str(tmp_path / "cache")}
    query = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }" % INFERRED_GRAPH}
    answers = []
    for _ in range(2):
        with running_server(env=env) as server, server.client() as client:
            health = client.get("/health").json()
            answers.append((health["graphs"], client.get("/sparql", params=query).json()["results"]["bindings"]))
            reused = health["entailment"].get("reused_from_cache", False)
    assert reused is True  # the second start
    assert answers[0] == answers[1]
    assert answers[0][0][INFERRED_GRAPH] > 0
