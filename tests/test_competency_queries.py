"""Competency questions: every named query in ``queries/`` answers what the curated content says.

Each ``queries/NAME.rq`` has ``tests/data/competency/NAME.json`` with its expected answers,
derived by hand from the KB files (not copied from query output). A file holds ``columns``
(the projection, in order) and ``cases``: the first case runs the query with its parameter
defaults, later ones with other values. Rows are lists of strings: IRIs as CURIEs with the
project prefixes (``kb:Kymriah``), literals as their lexical form, ``null`` where the query
leaves a variable unbound. Rows are compared in order when the query has ORDER BY, as
multisets otherwise.

Queries whose header says ``inference: required`` answer correctly only over the
materialised entailments; their cases also give ``asserted_rows``, the (different, smaller)
answer over the asserted ontology and KB graphs alone, which proves that the inference
matters. Queries marked ``inference: none`` give the same answer either way.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from atmp_graph.named_queries import NamedQuery, parse_named_query
from atmp_graph.namespaces import (
    BUNDLED_ONTOLOGY_DIR,
    BUNDLED_QUERIES_DIR,
    KB_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
)
from atmp_graph.reasoning import materialise
from atmp_graph.store import GraphStore, bundled_sources

EXPECTED_DIR = Path(__file__).parent / "data" / "competency"
QUERY_PATHS = sorted(BUNDLED_QUERIES_DIR.glob("*.rq"))
ASSERTED_GRAPHS = [ONTOLOGY_GRAPH, KB_GRAPH]
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)

Row = tuple[str | None, ...]


@pytest.fixture(scope="module")
def store() -> GraphStore:
    """The bundled ontology and KB with their OWL 2 RL entailments materialised (once per module)."""
    store = GraphStore.in_memory()
    store.load_sources(bundled_sources(BUNDLED_ONTOLOGY_DIR))
    materialise(store)
    return store


def named_query(path: Path) -> NamedQuery:
    return parse_named_query(path.stem, path.read_text(encoding="utf-8"), path=path)


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXPECTED_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


def compact(term: Node) -> str:
    """An IRI as a CURIE with the project prefixes (longest namespace wins), a literal as its lexical form."""
    if isinstance(term, URIRef):
        text = str(term)
        matches = [(ns, prefix) for prefix, ns in PREFIXES.items() if text.startswith(ns)]
        if matches:
            namespace, prefix = max(matches, key=lambda m: len(m[0]))
            return f"{prefix}:{text[len(namespace):]}"
        return text
    if isinstance(term, Literal):
        return str(term)
    raise AssertionError(f"unexpected term in an answer: {term!r}")


def run(store: GraphStore, query: NamedQuery, params: dict[str, str], columns: list[str], *,
        asserted_only: bool = False) -> list[Row]:
    rows = store.select(query.sparql, substitutions=query.bind(params),
                        default_graphs=ASSERTED_GRAPHS if asserted_only else None)
    return [tuple(compact(row[c]) if c in row else None for c in columns) for row in rows]


def same_answer(query: NamedQuery, got: list[Row], want: list[Row]) -> bool:
    if _ORDER_BY.search(query.sparql):
        return got == want
    return Counter(got) == Counter(want)


def cases() -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for path in QUERY_PATHS:
        file = EXPECTED_DIR / f"{path.stem}.json"
        if file.exists():
            found.extend((path.stem, i) for i in range(len(expected(path.stem)["cases"])))
    return found


# --- the catalogue and its headers -----------------------------------------------------------------


def test_there_are_at_least_twenty_queries_each_with_expected_answers() -> None:
    names = {p.stem for p in QUERY_PATHS}
    assert len(names) >= 20
    assert names == {p.stem for p in EXPECTED_DIR.glob("*.json")}, "one expected-answer file per query, no strays"


@pytest.mark.parametrize("path", QUERY_PATHS, ids=lambda p: p.stem)
def test_header_is_complete_and_parameters_are_projected(path: Path) -> None:
    query = named_query(path)
    assert query.title and query.title != query.name, "a '# title:' line"
    assert query.summary, "a '# summary:' line"
    assert query.uses, "at least one '# use:' line"
    assert query.inference in ("required", "none"), "'# inference: required' or '# inference: none'"
    assert query.form == "SELECT"
    projected = [str(v) for v in prepareQuery(query.sparql).algebra["PV"]]
    for param in query.params:
        assert param.name in projected, f"parameter {param.name!r} must be in the SELECT projection"
        assert not param.required, f"parameter {param.name!r} needs a default so the query runs as is"
        assert param.description, f"parameter {param.name!r} needs a description"
    body = "\n".join(line for line in query.sparql.splitlines()
                     if not line.startswith("#") and not line.upper().startswith("PREFIX"))
    for prefix, namespace in PREFIXES.items():
        if re.search(rf"(?<![\w-]){prefix}:\w", body):
            assert f"PREFIX {prefix}: <{namespace}>" in query.sparql, f"declare PREFIX {prefix}: for other SPARQL tools"
    assert projected == expected(path.stem)["columns"], "the expected-answer file lists the projection in order"


def test_every_case_file_starts_with_the_defaults_and_uses_declared_parameters() -> None:
    for path in QUERY_PATHS:
        query = named_query(path)
        data = expected(path.stem)
        assert data["cases"][0]["params"] == {}, f"{path.stem}: the first case runs the defaults"
        for case in data["cases"]:
            query.bind(case["params"])  # raises on an unknown or malformed parameter
            assert all(len(row) == len(data["columns"]) for row in case["rows"]), path.stem


def test_at_least_five_queries_rely_on_inference() -> None:
    required = [p.stem for p in QUERY_PATHS if named_query(p).inference == "required"]
    assert len(required) >= 5
    for name in required:
        assert "asserted_rows" in expected(name)["cases"][0], f"{name}: show the answer without inference"


# --- the answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "index"), cases(), ids=lambda v: str(v))
def test_query_returns_its_expected_answer(store: GraphStore, name: str, index: int) -> None:
    query = named_query(BUNDLED_QUERIES_DIR / f"{name}.rq")
    data = expected(name)
    case = data["cases"][index]
    want = [tuple(row) for row in case["rows"]]
    got = run(store, query, case["params"], data["columns"])
    assert same_answer(query, got, want), f"{name} {case['params']}: got {got}"


@pytest.mark.parametrize(("name", "index"), cases(), ids=lambda v: str(v))
def test_inference_makes_the_difference_where_the_header_says_so(store: GraphStore, name: str, index: int) -> None:
    query = named_query(BUNDLED_QUERIES_DIR / f"{name}.rq")
    data = expected(name)
    case = data["cases"][index]
    full = [tuple(row) for row in case["rows"]]
    asserted = run(store, query, case["params"], data["columns"], asserted_only=True)
    if "asserted_rows" in case:
        want = [tuple(row) for row in case["asserted_rows"]]
        assert same_answer(query, asserted, want), f"{name} {case['params']} without inference: got {asserted}"
        # Different rows, not just a different order: the entailments change what is answered.
        assert set(want) != set(full), f"{name} {case['params']}: inference changes nothing here"
        assert query.inference == "required", f"{name}: it needs inference, so its header must say so"
    elif query.inference == "none":
        assert same_answer(query, asserted, full), f"{name} is marked 'inference: none' but needs it: {asserted}"


def test_docs_list_every_query() -> None:
    listing = (Path(__file__).parents[1] / "docs" / "queries.md").read_text(encoding="utf-8")
    missing = [p.stem for p in QUERY_PATHS if f"`{p.stem}`" not in listing]
    assert missing == [], "add these queries to docs/queries.md"
