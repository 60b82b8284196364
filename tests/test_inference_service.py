"""The service answers with entailments by default, and asserted triples on request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rdflib import Graph, URIRef

from conftest import DATA, Server, running_server

EX = "http://example.org/"
ATMPS = f"SELECT ?x WHERE {{ ?x a <{EX}AdvancedTherapyMedicinalProduct> }} ORDER BY ?x"
ASSERTED = "https://w3id.org/atmp/graph/file/products.ttl"
INFERRED = "https://w3id.org/atmp/graph/inferred"
FIXTURE = str(DATA / "inference" / "products.ttl")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server("--no-bundled", "--data", FIXTURE) as running:
        yield running


def xs(response_json: dict[str, object]) -> list[str]:
    return [b["x"]["value"] for b in response_json["results"]["bindings"]]  # type: ignore[index]


def test_entailments_are_in_the_default_graph(server: Server) -> None:
    with server.client() as client:
        assert xs(client.get("/sparql", params={"query": ATMPS}).json()) == [EX + "kymriah", EX + "someAtmp"]


def test_asserted_only_by_infer_false_or_by_naming_graphs(server: Server) -> None:
    with server.client() as client:
        by_flag = client.get("/sparql", params={"query": ATMPS, "infer": "false"}).json()
        by_graph = client.get("/sparql", params={"query": ATMPS, "default-graph-uri": ASSERTED}).json()
        graphs = client.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                                "infer": "false"}).json()
        bad = client.get("/sparql", params={"query": ATMPS, "infer": "perhaps"})
    assert xs(by_flag) == xs(by_graph) == [EX + "someAtmp"]
    assert [b["g"]["value"] for b in graphs["results"]["bindings"]] == [ASSERTED]
    assert bad.status_code == 400 and "infer must be true or false" in bad.text


def test_inferred_graph_holds_only_new_triples(server: Server) -> None:
    query = f"ASK {{ GRAPH <{INFERRED}> {{ <{EX}kymriah> a <{EX}CarTCellProduct> }} }}"
    with server.client() as client:
        assert client.get("/sparql", params={"query": query}).json()["boolean"] is False


def test_health_and_service_description_state_the_regime(server: Server) -> None:
    with server.client() as client:
        health = client.get("/health").json()
        description = Graph().parse(data=client.get("/sparql").text, format="turtle")
    assert health["entailment"]["entailment_regime"] == "http://www.w3.org/ns/entailment/OWL-RDF-Based"
    assert health["graphs"][INFERRED] == health["entailment"]["inferred_triples"] > 0
    regime = URIRef("http://www.w3.org/ns/sparql-service-description#defaultEntailmentRegime")
    assert list(description.objects(None, regime)) == [URIRef("http://www.w3.org/ns/entailment/OWL-RDF-Based")]


def test_no_infer_serves_asserted_triples_only() -> None:
    with running_server("--no-bundled", "--no-infer", "--data", FIXTURE) as server, server.client() as client:
        assert xs(client.get("/sparql", params={"query": ATMPS}).json()) == [EX + "someAtmp"]
        assert client.get("/health").json()["entailment"] is None
