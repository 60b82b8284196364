"""``POST /validate`` on the running service."""

from __future__ import annotations

from rdflib import Graph, URIRef

from conftest import DATA, running_server

SH = "http://www.w3.org/ns/shacl#"


def test_validate_endpoint_reports_violations_as_json_and_graph() -> None:
    env = {"ATMP_GRAPH_SHAPES_DIR": str(DATA / "writes" / "shapes")}
    body = b'@prefix ex: <http://example.org/> . ex:p7 a ex:Product .'
    with running_server("--no-bundled", env=env) as server, server.client() as client:
        as_json = client.post("/validate", content=body, headers={"Content-Type": "text/turtle"})
        as_graph = client.post("/validate", content=body, headers={"Content-Type": "text/turtle",
                                                                   "Accept": "text/turtle"})
        valid = client.post("/validate", content=body + b' ex:p7 ex:name "seven" .',
                            headers={"Content-Type": "text/turtle"})
        broken = client.post("/validate", content=b"ex:p7 a", headers={"Content-Type": "text/turtle"})
    assert as_json.status_code == 200
    report = as_json.json()
    assert report["conforms"] is False
    graph = Graph().parse(data=as_graph.text, format="turtle")
    assert (None, URIRef(SH + "focusNode"), URIRef("http://example.org/p7")) in graph
    assert valid.json()["conforms"] is True
    assert broken.status_code == 400
