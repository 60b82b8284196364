"""The remote backend answers as the embedded store does, quickly, on a real Virtuoso
(docs/backends.md): DESCRIBE as the Concise Bounded Description, named-query parameters bound
before UNIONs, and blank nodes that keep their identity across graphs and across the bounded
requests of an upload."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from atmp_graph.backends.blank_nodes import KEY, upload_plan
from conftest import running_server
from virtuoso_server import virtuoso

ATMP = "https://w3id.org/atmp/ontology/"
DESCRIBED = [
    f"DESCRIBE <{ATMP}LentivirallyModifiedProduct>",  # restrictions in an intersectionOf list: 4 levels
    "DESCRIBE <https://w3id.org/atmp/kb/ViralVectorCarTReleaseSpecification>",
    f"DESCRIBE ?c WHERE {{ ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{ATMP}GeneticallyModifiedCellProduct> }}",
]
# Named queries whose parameters meet a UNION (Virtuoso 7.2 loses the rows of a branch that
# does not mention a parameter bound by a one-column VALUES), and release-test-comparison,
# whose restrictions are blank nodes shared by the ontology graph and the inferred graph.
NAMED = ["release-test-comparison", "target-antigen-safety", "approval-timeline", "amendments-and-repeals",
         "legal-acts-defining-concept", "procedure-authorities-and-legal-basis"]


def _answers(client: httpx.Client) -> tuple[list[Graph], dict[str, list[Any]], float]:
    graphs, started = [], time.perf_counter()
    for query in DESCRIBED:
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, response.text
        graphs.append(Graph().parse(data=response.text, format="nt"))
    describe_seconds = time.perf_counter() - started
    rows: dict[str, list[Any]] = {}
    for name in NAMED:
        response = client.get(f"/queries/{name}", params={"format": "simple"})
        assert response.status_code == 200, response.text
        # Virtuoso writes boolean constants as 1/0 (an inherent difference, docs/backends.md)
        rows[name] = sorted(tuple(sorted((k, int(v) if isinstance(v, bool) else v) for k, v in row.items()))
                            for row in response.json())
    return graphs, rows, describe_seconds


def test_describe_and_named_queries_answer_as_on_the_embedded_store() -> None:
    with running_server() as server, server.client() as client:
        expected_graphs, expected_rows, _ = _answers(client)
    with running_server(backend="virtuoso") as server, server.client() as client:
        graphs, rows, seconds = _answers(client)
    assert len(expected_graphs[0]) > 20 and any(n.startswith("_:") for n in expected_graphs[0].serialize(
        format="nt").split())  # the class has nested blank nodes to follow
    for query, expected, got in zip(DESCRIBED, expected_graphs, graphs, strict=True):
        assert isomorphic(expected, got), query
    assert len(expected_rows["release-test-comparison"]) == 7
    for name in NAMED:
        assert rows[name] == expected_rows[name], name
    # The 12-level CBD query took Virtuoso 0.5-7 s to compile per DESCRIBE; a round per level takes ms.
    assert seconds < 3, seconds


def _hub_rows(count: int) -> list[tuple[str, str, str, str | None, bool]]:
    """``count`` triples pointing at one blank node, which has a two-element list of its own."""
    rows: list[tuple[str, str, str, str | None, bool]] = [
        (f"<urn:x{i}>", "<urn:p>", "_:hub", "urn:g", True) for i in range(count)]
    rows += [("_:hub", "<urn:list>", "_:l1", "urn:h", True), ("_:l1", "<urn:first>", "1", "urn:h", True),
             ("_:l1", "<urn:rest>", "_:l2", "urn:h", True), ("_:l2", "<urn:first>", "2", "urn:h", True)]
    return rows


def test_an_upload_plan_is_bounded_and_finds_its_blank_nodes_again() -> None:
    operations, posts = upload_plan(_hub_rows(1000), key="k", by_post=True, size=50)
    assert not posts  # spread over two graphs and too large for one request: keyed inserts
    inserts = [op for op in operations if op.startswith("INSERT")]
    assert len(inserts) >= 1000 // 50
    for op in inserts:
        template = op.split(" WHERE ")[0]
        assert template.count(" . ") <= 50 and template.count("GRAPH") == 1
    assert sum("_:hub" in op for op in inserts) == 1  # made once (with its key), then bound by the key
    assert [op.split(" WHERE ")[0] for op in operations[-2:]] == [  # the keys go at the end
        f"DELETE {{ GRAPH <urn:{g}> {{ ?b {KEY} ?k }} }}" for g in "gh"]
    small, posts = upload_plan(_hub_rows(3)[:3], key="k", by_post=True)
    assert not small and len(posts) == 1 and posts[0][1].count("_:hub") == 3


@pytest.mark.parametrize("store_endpoint", [False, True])
def test_a_blank_node_shared_by_thousands_of_triples_is_uploaded_as_one_node(tmp_path: Path,
                                                                            store_endpoint: bool) -> None:
    """Before: one INSERT template of 3,000 triples, which Virtuoso refuses (10,000 lines of SQL)."""
    data = tmp_path / "hub.ttl"
    lines = [f"<urn:x{i}> <urn:p> _:hub ." for i in range(3000)]
    lines += ["_:hub <urn:list> ( 1 2 3 ) .", "<urn:y> <urn:q> [ <urn:r> [ <urn:s> 1 ] ] ."]
    data.write_text("\n".join(lines) + "\n")
    with virtuoso() as store:
        args = ["--no-bundled", "--no-infer", "--data", str(data), "--backend", "sparql", "--endpoint",
                store.auth_endpoint, *(["--store-endpoint", store.store_endpoint] if store_endpoint else [])]
        env = {"ATMP_GRAPH_REMOTE_USER": store.user, "ATMP_GRAPH_REMOTE_PASSWORD": store.password}
        with running_server(*args, env=env, ready_timeout=180) as server, server.client() as client:
            def count(query: str) -> int:
                response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
                assert response.status_code == 200, response.text
                return int(response.text.split()[1])

            assert count("SELECT (COUNT(*) AS ?n) { ?x <urn:p> ?b FILTER(isBlank(?b)) }") == 3000
            assert count("SELECT (COUNT(DISTINCT ?b) AS ?n) { ?x <urn:p> ?b }") == 1
            assert count("SELECT (COUNT(*) AS ?n) { ?x <urn:p> ?b . ?b <urn:list>/rdf:rest*/rdf:first ?v }"
                         ) == 3 * 3000
            assert count("SELECT (COUNT(*) AS ?n) { <urn:y> <urn:q>/<urn:r>/<urn:s> 1 }") == 1
            assert count(f"SELECT (COUNT(*) AS ?n) {{ GRAPH ?g {{ ?b {KEY} ?k }} }}") == 0


def test_a_single_parameter_reaches_every_branch_of_a_union() -> None:
    """Bound by ``VALUES ?product { <x> }`` Virtuoso 7.2 dropped the second branch's rows
    (the one without ``?product``); the answer must be the one with the IRI written in."""
    import asyncio

    from pydantic import SecretStr
    from rdflib import URIRef

    from atmp_graph.backends.base import make_backend
    from atmp_graph.settings import Settings
    from conftest import PROTOCOL_FILES

    bound = ("SELECT ?product ?value WHERE { { ?product <http://example.org/target> ?value } "
             "UNION { <http://example.org/abecma> <http://example.org/domain> ?value } }")
    written = bound.replace("?product <", "<http://example.org/kymriah> <").replace("?product ?value", "?value")

    async def answers(settings: Settings) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        backend = make_backend(settings)
        await backend.start()
        try:
            rows = await backend.select(bound, substitutions={"product": URIRef("http://example.org/kymriah")})
            return [dict(row) for row in rows], [dict(row) for row in await backend.select(written)]
        finally:
            await backend.stop()

    with virtuoso() as store:
        rows, expected = asyncio.run(answers(Settings(
            bundled=False, infer=False, data_files=PROTOCOL_FILES, backend="sparql", endpoint=store.auth_endpoint,
            remote_user=store.user, remote_password=SecretStr(store.password))))
    assert len(expected) == 2  # CD19 from the first branch, 4-1BB from the second
    assert sorted(str(row["value"]) for row in rows) == sorted(str(row["value"]) for row in expected)
    assert {str(row["product"]) for row in rows} == {"http://example.org/kymriah"}


def test_describe_follows_nested_blank_nodes_on_virtuoso_and_on_a_generic_store(tmp_path: Path) -> None:
    """Both ways of answering DESCRIBE (rounds on Virtuoso; one level, then 12 only when needed,
    on other stores) give the Concise Bounded Description, here computed by rdflib."""
    import asyncio

    from pydantic import SecretStr
    from rdflib import URIRef

    from atmp_graph.backends.base import make_backend
    from atmp_graph.settings import Settings

    data = tmp_path / "nested.ttl"
    data.write_text("<urn:a> <urn:p> [ <urn:q> ( 1 [ <urn:r> [ <urn:s> 2 ] ] ) ] ; <urn:t> \"x\" .\n"
                    "<urn:b> <urn:p> 1 ; <urn:u> <urn:a> .\n")
    source = Graph().parse(data)

    async def describe(settings: Settings) -> dict[tuple[str, str], Graph]:
        backend = make_backend(settings)
        await backend.start()
        answers = {}
        try:
            for dialect in ("virtuoso", "generic"):
                backend._dialect = dialect  # type: ignore[attr-defined]  # as if another store
                for iri in ("urn:a", "urn:b"):
                    answers[dialect, iri] = await backend.construct(f"DESCRIBE <{iri}>")
        finally:
            await backend.stop()
        return answers

    with virtuoso() as store:
        answers = asyncio.run(describe(Settings(
            bundled=False, infer=False, data_files=[data], backend="sparql", endpoint=store.auth_endpoint,
            remote_user=store.user, remote_password=SecretStr(store.password))))
    assert len(source.cbd(URIRef("urn:a"))) == 9  # five blank-node levels
    for (dialect, iri), graph in answers.items():
        assert isomorphic(graph, source.cbd(URIRef(iri))), (dialect, iri)
