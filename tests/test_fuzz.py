"""Property-based tests: whatever a client sends, the answer is a 2xx or a 4xx with a message, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, Server, running_server

WRITER = "writer-token-0123456789"
ENV = {"ATMP_GRAPH_TOKENS": f"{WRITER}:write", "ATMP_GRAPH_SHAPES_DIR": str(DATA / "writes" / "shapes"),
       "ATMP_GRAPH_TIMEOUT": "5"}
SEEDS = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10",
    "PREFIX ex: <http://example.org/> SELECT (COUNT(*) AS ?n) WHERE { ?p a ex:Product ; ex:name ?n } GROUP BY ?p",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isIRI(?s)) }",
    "ASK { ?s <http://example.org/name> \"one\" }",
    "DESCRIBE <http://example.org/p1>",
]
UPDATE_SEEDS = [
    "INSERT DATA { GRAPH <http://example.org/fuzz> { <http://example.org/a> <http://example.org/b> 1 } }",
    "DELETE WHERE { GRAPH <http://example.org/fuzz> { ?s ?p ?o } }",
    "WITH <http://example.org/fuzz> DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o }",
    "CLEAR SILENT GRAPH <http://example.org/fuzz>",
    "COPY DEFAULT TO <http://example.org/fuzz>",
]
RDF_SEEDS = [
    b'<http://example.org/x> <http://example.org/name> "x" .',
    b'@prefix ex: <http://example.org/> . ex:x a ex:Product ; ex:name "x"@en .',
    b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
    b'{"@id": "http://example.org/x", "http://example.org/name": "x"}',
]
MEDIA_TYPES = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
               "application/n-quads", "text/plain", "application/json", "image/png", ""]
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server("--no-bundled", "--no-infer", "--data", str(DATA / "writes" / "products.ttl"),
                        env=ENV) as running:
        yield running


@st.composite
def mutated(draw: st.DrawFn, seeds: list[str]) -> str:
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 4))):
        position = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and text:
            text = text[:position] + text[position + 1:]
        else:
            text = text[:position] + draw(st.sampled_from(list("{}<>\"'?.;:#\\ \n\x00é") + ["SERVICE", "GRAPH"])) \
                + text[position:]
    return text


def assert_client_error_at_most(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{status}: {response.text[:300]}"  # type: ignore[attr-defined]
    if status >= 400:
        assert response.text.strip()  # type: ignore[attr-defined]


@FUZZ
@given(query=st.one_of(st.text(max_size=200), mutated(SEEDS)),
       accept=st.sampled_from(["*/*", "text/csv", "application/sparql-results+xml", "text/turtle", "bogus", ""]))
def test_queries_never_5xx(server: Server, query: str, accept: str) -> None:
    with server.client() as client:
        assert_client_error_at_most(client.get("/sparql", params={"query": query}, headers={"Accept": accept}))
        assert_client_error_at_most(client.post("/sparql", content=query.encode("utf-8", "surrogatepass"),
                                                headers={"Content-Type": "application/sparql-query"}))


@FUZZ
@given(update=st.one_of(st.text(max_size=200), mutated(UPDATE_SEEDS)))
def test_updates_never_5xx(server: Server, update: str) -> None:
    with server.client() as client:
        response = client.post("/update", content=update.encode("utf-8", "surrogatepass"),
                               headers={"Authorization": f"Bearer {WRITER}", "Content-Type": "application/sparql-update"})
        assert_client_error_at_most(response)


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), st.sampled_from(RDF_SEEDS)),
       media_type=st.sampled_from(MEDIA_TYPES), method=st.sampled_from(["PUT", "POST"]))
def test_graph_store_bodies_never_5xx(server: Server, body: bytes, media_type: str, method: str) -> None:
    with server.client() as client:
        response = client.request(method, "/store", params={"graph": "http://example.org/fuzz-gsp"}, content=body,
                                  headers={"Authorization": f"Bearer {WRITER}", "Content-Type": media_type})
        assert_client_error_at_most(response)
