"""``POST /validate`` on a bare FastAPI app: formats in, JSON or a SHACL report graph out, clear 4xx errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Graph, Literal
from rdflib.namespace import RDF

from atmp_graph.api.errors import install_error_handlers
from atmp_graph.api.validate_routes import validate_router
from atmp_graph.validation.report import SH

FIXTURES = Path(__file__).parent / "data" / "shapes"
INVALID = (FIXTURES / "trials-invalid.ttl").read_bytes()
VALID = (FIXTURES / "trials-valid.ttl").read_bytes()


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    # Without the bundled ontology, so that only the posted data is judged.
    app.include_router(validate_router(ontology_dir=None))
    return TestClient(app)


def test_json_report_for_turtle_body(client: TestClient) -> None:
    response = client.post("/validate", content=INVALID, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["conforms"] is False and document["summary"]["violations"] == 9
    nct = [r for r in document["results"] if r["path"] == "<https://w3id.org/atmp/ontology/nctNumber>"]
    assert nct[0]["file"] == "request body" and nct[0]["line"] == 13


def test_conforming_body(client: TestClient) -> None:
    response = client.post("/validate", content=VALID, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200 and response.json()["conforms"] is True


def test_report_graph_by_content_negotiation(client: TestClient) -> None:
    response = client.post("/validate", content=INVALID,
                           headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    [report] = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms) == Literal(False)
    assert len(list(graph.objects(report, SH.result))) == 9


def test_other_input_formats(client: TestClient) -> None:
    source = Graph().parse(data=INVALID, format="turtle")
    for media_type, name in (("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
                             ("application/rdf+xml", "xml")):
        response = client.post("/validate", content=source.serialize(format=name).encode(),
                               headers={"Content-Type": media_type})
        assert response.status_code == 200, response.text
        assert response.json()["summary"]["violations"] == 9


def test_syntax_error_is_400_with_line_and_column(client: TestClient) -> None:
    response = client.post("/validate", content=b"<urn:a> <urn:b> .\n", headers={"Content-Type": "text/turtle"})
    assert response.status_code == 400
    assert "line 1, column" in response.text and "Traceback" not in response.text


def test_unsupported_media_types(client: TestClient) -> None:
    assert client.post("/validate", content=VALID, headers={"Content-Type": "text/csv"}).status_code == 415
    assert client.post("/validate", content=VALID).status_code == 415
    response = client.post("/validate", content=VALID, headers={"Content-Type": "text/turtle", "Accept": "image/png"})
    assert response.status_code == 406


def test_remote_json_ld_context_is_refused_not_fetched(client: TestClient) -> None:
    body = b'{"@context": "https://schema.org/", "@id": "urn:x:a", "name": "x"}'
    response = client.post("/validate", content=body, headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 400 and "remote @context" in response.text
