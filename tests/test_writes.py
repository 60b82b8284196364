"""Writes through a real server: credentials, SPARQL Update, Graph Store Protocol, the shape gate."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from conftest import DATA, Server, running_server

EX = "http://example.org/"
WRITER = "writer-token-0123456789"
READER = "reader-token-0123456789"
TOKENS = {"ATMP_GRAPH_TOKENS": f"{WRITER}:write,{READER}:read",
          "ATMP_GRAPH_SHAPES_DIR": str(DATA / "writes" / "shapes")}
DATA_GRAPH = "https://w3id.org/atmp/graph/file/products.ttl"
WRITE = {"Authorization": f"Bearer {WRITER}"}
UPDATE = {**WRITE, "Content-Type": "application/sparql-update"}


@pytest.fixture(scope="module")
def server(backend: str) -> Iterator[Server]:
    with running_server("--no-bundled", "--no-infer", "--data", str(DATA / "writes" / "products.ttl"),
                        env=TOKENS, backend=backend) as running:
        yield running


def dump(client: httpx.Client) -> str:
    """A canonical dump of every quad (sorted N-Quads-like lines)."""
    rows = client.get("/sparql", params={"query": "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"}).json()
    lines = sorted(json.dumps([b[v]["value"] for v in ("g", "s", "p", "o")]) + json.dumps(b["o"])
                   for b in rows["results"]["bindings"])
    return "\n".join(lines)


def names(client: httpx.Client) -> list[str]:
    query = f"SELECT ?n WHERE {{ ?p <{EX}name> ?n }} ORDER BY ?n"
    return [b["n"]["value"] for b in client.get("/sparql", params={"query": query}).json()["results"]["bindings"]]


def test_writes_are_off_without_write_credentials() -> None:
    with running_server("--no-bundled", env={"ATMP_GRAPH_TOKENS": f"{READER}:read"}) as server:
        with server.client() as client:
            response = client.post("/update", content=b"INSERT DATA { <urn:a> <urn:b> 1 }",
                                   headers={"Authorization": f"Bearer {READER}",
                                            "Content-Type": "application/sparql-update"})
            health = client.get("/health").json()
    assert response.status_code == 403 and "writes are disabled" in response.text
    assert health["writes_enabled"] is False


def test_credentials(server: Server) -> None:
    body = f"INSERT DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p3> a <{EX}Product> ; <{EX}name> \"three\" }} }}"
    basic = base64.b64encode(f"curator:{WRITER}".encode()).decode()
    with server.client() as client:
        anonymous = client.post("/update", content=body, headers={"Content-Type": "application/sparql-update"})
        wrong = client.post("/update", content=body, headers={"Authorization": "Bearer not-a-valid-token-at-all",
                                                              "Content-Type": "application/sparql-update"})
        reader = client.post("/update", content=body, headers={"Authorization": f"Bearer {READER}",
                                                               "Content-Type": "application/sparql-update"})
        assert names(client) == ["one", "two"]
        by_basic = client.post("/update", content=body, headers={"Authorization": f"Basic {basic}",
                                                                 "Content-Type": "application/sparql-update"})
        assert names(client) == ["one", "three", "two"]
        client.post("/update", content=f"DELETE DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p3> a <{EX}Product> ; "
                                        f"<{EX}name> \"three\" }} }}", headers=UPDATE)
    assert anonymous.status_code == 401 and "WWW-Authenticate" in anonymous.headers
    assert wrong.status_code == 401
    assert reader.status_code == 403
    assert by_basic.status_code == 200 and by_basic.json()["added"] == 2


def test_update_forms_and_operations(server: Server) -> None:
    g = "http://example.org/scratch"
    with server.client() as client:
        steps = [
            client.post("/update", content=f"PREFIX ex: <{EX}> INSERT DATA {{ GRAPH <{g}> {{ ex:a ex:v 1 . ex:b ex:v 2 }} }}",
                        headers=UPDATE),
            client.post("/update", data={"update": f"PREFIX ex: <{EX}> WITH <{g}> DELETE {{ ?s ex:v ?o }} "
                                                   f"INSERT {{ ?s ex:v2 ?o }} WHERE {{ ?s ex:v ?o FILTER(?o > 1) }}"},
                        headers=WRITE),
            client.post("/sparql", content=f"PREFIX ex: <{EX}> DELETE WHERE {{ GRAPH <{g}> {{ ex:a ?p ?o }} }}",
                        headers=UPDATE),
            client.post("/sparql", data={"update": f"COPY <{g}> TO <{g}/copy>"}, headers=WRITE),
        ]
        assert [s.status_code for s in steps] == [200, 200, 200, 200], [s.text for s in steps]
        query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'http://example.org/scratch')) }"
        rows = client.get("/sparql", params={"query": query}).json()["results"]["bindings"]
        assert sorted((r["g"]["value"], r["s"]["value"], r["p"]["value"], r["o"]["value"]) for r in rows) == [
            (g, EX + "b", EX + "v2", "2"), (g + "/copy", EX + "b", EX + "v2", "2")]
        dropped = client.post("/update", content=f"DROP GRAPH <{g}> ; DROP GRAPH <{g}/copy>", headers=UPDATE)
        assert dropped.status_code == 200 and dropped.json()["removed"] == 2
        assert client.get("/sparql", params={"query": query}).json()["results"]["bindings"] == []


def test_using_graph_uri_restricts_the_where_clause(server: Server) -> None:
    with server.client() as client:
        response = client.post(
            "/update", params={"using-graph-uri": "http://example.org/empty"},
            content=f"INSERT {{ GRAPH <urn:x> {{ ?p <{EX}seen> true }} }} WHERE {{ ?p a <{EX}Product> }}",
            headers=UPDATE)
        assert response.status_code == 200 and response.json()["added"] == 0


@pytest.mark.parametrize("update, status, fragment", [
    ("INSERT DATA { <urn:a> <urn:b> }", 400, "syntax error"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", 400, "allow-list"),
    ("LOAD <file:///etc/passwd>", 400, "allow-list"),
    ("INSERT DATA { GRAPH <https://w3id.org/atmp/graph/inferred> { <urn:a> <urn:b> 1 } }", 403, "maintained by"),
    ("DROP GRAPH <http://example.org/no-such-graph>", 404, "no graph"),
    ("", 400, "empty"),
])
def test_bad_updates_are_refused_and_change_nothing(server: Server, update: str, status: int, fragment: str) -> None:
    with server.client() as client:
        before = dump(client)
        response = client.post("/update", content=update.encode(), headers=UPDATE)
        assert dump(client) == before
    assert response.status_code == status, response.text
    assert fragment in response.text


def test_syntax_error_names_line_and_column(server: Server) -> None:
    with server.client() as client:
        response = client.post("/update", content=b"INSERT DATA {\n  <urn:a> <urn:b> \n}", headers=UPDATE)
    assert response.status_code == 400
    assert "3:" in response.text or "line 3" in response.text


def test_shape_gate_refuses_a_breaking_change_whole(server: Server) -> None:
    breaking = (f"INSERT DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p9> a <{EX}Product> }} }} ; "
                f"DELETE DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p1> <{EX}name> \"one\" }} }}")
    with server.client() as client:
        before = dump(client)
        response = client.post("/update", content=breaking, headers=UPDATE)
        after = dump(client)
        fixing = client.post("/update", content=f"INSERT DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p9> a <{EX}Product> ; "
                                                f"<{EX}name> \"nine\" }} }}", headers=UPDATE)
        client.post("/update", content=f"DELETE WHERE {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p9> ?p ?o }} }}", headers=UPDATE)
    assert response.status_code == 422
    report = response.json()
    assert report["conforms"] is False
    assert sorted((r["focus"], r["constraint"]) for r in report["results"]) == [
        (EX + "p1", "MinCount"), (EX + "p9", "MinCount")]
    assert "A product needs a name" in report["results"][0]["message"]
    assert after == before  # nothing of it was applied
    assert fixing.status_code == 200


def test_graph_store_protocol(server: Server) -> None:
    g = "http://example.org/gsp"
    turtle = f"<{EX}x> <{EX}label> \"x\" .".encode()
    with server.client() as client:
        assert client.get("/store", params={"graph": g}).status_code == 404
        created = client.put("/store", params={"graph": g}, content=turtle,
                             headers={**WRITE, "Content-Type": "text/turtle"})
        replaced = client.put("/store", params={"graph": g}, content=turtle,
                              headers={**WRITE, "Content-Type": "text/turtle"})
        added = client.post("/store", params={"graph": g}, content=f"<{EX}y> <{EX}label> \"y\" .".encode(),
                            headers={**WRITE, "Content-Type": "application/n-triples"})
        got = client.get("/store", params={"graph": g}, headers={"Accept": "application/ld+json"})
        head = client.head("/store", params={"graph": g})
        malformed = client.put("/store", params={"graph": g}, content=b"<urn:a> <urn:b> .",
                               headers={**WRITE, "Content-Type": "text/turtle"})
        unknown = client.put("/store", params={"graph": g}, content=b"a,b",
                             headers={**WRITE, "Content-Type": "text/csv"})
        both = client.get("/store", params={"graph": g, "default": ""})
        anonymous = client.delete("/store", params={"graph": g})
        deleted = client.delete("/store", params={"graph": g}, headers=WRITE)
        missing = client.delete("/store", params={"graph": g}, headers=WRITE)
        default = client.get("/store", params={"default": ""})
    assert (created.status_code, replaced.status_code, added.status_code) == (201, 204, 204)
    graph = Graph().parse(data=got.text, format="json-ld")
    assert set(graph.objects(None, URIRef(EX + "label"))) == {Literal("x"), Literal("y")}
    assert head.status_code == 200 and head.content == b""
    assert malformed.status_code == 400 and "line 1" in malformed.text
    assert unknown.status_code == 415
    assert both.status_code == 400
    assert anonymous.status_code == 401
    assert (deleted.status_code, missing.status_code) == (204, 404)
    assert default.status_code == 200


def test_changes_are_logged_as_provenance(server: Server) -> None:
    with server.client() as client:
        client.post("/update", content=b"INSERT DATA { GRAPH <http://example.org/log> { <urn:a> <urn:b> 1 } }",
                    headers=UPDATE)
        changes = client.get("/changes").json()
        prov = client.get("/sparql", params={"query": "ASK { GRAPH <https://w3id.org/atmp/graph/changes> { "
                                                      "?c a <http://www.w3.org/ns/prov#Activity> } }"}).json()
        client.post("/update", content=b"DROP GRAPH <http://example.org/log>", headers=UPDATE)
    newest = changes[0]
    assert newest["kind"] == "update" and newest["added"] == 1 and newest["removed"] == 0
    assert newest["graphs"] == ["http://example.org/log"]
    assert newest["agent"].startswith("token:") and WRITER not in newest["agent"]
    assert prov["boolean"] is True


def test_body_limit_applies_to_writes(server: Server) -> None:
    with server.client() as client:
        response = client.put("/store", params={"graph": "http://example.org/big"},
                              content=b"#" * (11 * 1024 * 1024), headers={**WRITE, "Content-Type": "text/turtle"})
    assert response.status_code == 413


def test_load_from_an_allow_listed_endpoint(protocol_server: Server) -> None:
    source = f"{protocol_server.url}/store?graph=https%3A%2F%2Fw3id.org%2Fatmp%2Fgraph%2Ffile%2Fproducts.ttl"
    env = {**TOKENS, "ATMP_GRAPH_FEDERATION_ALLOW_LIST": json.dumps([protocol_server.url + "/"])}
    with running_server("--no-bundled", "--no-infer", env=env) as server, server.client() as client:
        loaded = client.post("/update", content=f"LOAD <{source}> INTO GRAPH <http://example.org/loaded>", headers=UPDATE)
        elsewhere = client.post("/update", content=b"LOAD <http://127.0.0.1:9/x.ttl>", headers=UPDATE)
        count = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://example.org/loaded> "
                                                       "{ ?s ?p ?o } }"}).json()["results"]["bindings"][0]["n"]["value"]
    assert loaded.status_code == 200, loaded.text
    assert count == "12"
    assert elsewhere.status_code == 400 and "allow-list" in elsewhere.text
