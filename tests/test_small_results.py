"""A result that is complete before its first byte is sent comes as one plain response (with
its length); a larger one still streams. Both carry the whole, correct result."""

from __future__ import annotations

import json

from conftest import Server

JSON = {"Accept": "application/sparql-results+json"}


def test_a_small_result_is_one_response_with_its_length(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert "Accept" in response.headers["vary"]
        assert int(response.headers["content-length"]) == len(response.content)
        assert response.json()["boolean"] is True

        count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        as_json = client.get("/sparql", params=count, headers=JSON).json()["results"]["bindings"][0]["n"]["value"]
        csv = client.get("/sparql", params=count, headers={"Accept": "text/csv"})
        assert csv.headers["content-type"].startswith("text/csv")
        assert int(csv.headers["content-length"]) == len(csv.content)
        assert csv.text.splitlines() == ["n", as_json]


def test_a_large_result_still_streams_in_full(protocol_server: Server) -> None:
    query = "SELECT ?a ?b ?c WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }"  # triples cubed: well over 64 KiB
    with protocol_server.client() as client:
        count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}
        triples = int(client.get("/sparql", params=count, headers=JSON).json()["results"]["bindings"][0]["n"]["value"])
        response = client.get("/sparql", params={"query": query}, headers=JSON)
        assert response.status_code == 200
        assert "content-length" not in response.headers
        assert response.headers.get("transfer-encoding") == "chunked"
        assert len(json.loads(response.content)["results"]["bindings"]) == triples**3
