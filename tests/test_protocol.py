"""SPARQL 1.1 Protocol through a real server: methods, datasets, negotiation, errors."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from conftest import Server

PRODUCTS = "https://w3id.org/atmp/graph/file/products.ttl"
TARGETS = "https://w3id.org/atmp/graph/file/targets.ttl"
EX = "http://example.org/"
LABELS = "SELECT ?label WHERE { ?x rdfs:label ?label } ORDER BY ?label"
ALL_LABELS = ["B-cell maturation antigen", "BCMA", "Abecma", "CD19", "Kymriah", "Yescarta"]


def labels(response_json: dict[str, object]) -> list[str]:
    bindings = response_json["results"]["bindings"]  # type: ignore[index]
    return sorted(b["label"]["value"] for b in bindings)  # type: ignore[union-attr]


# -- the three ways to send a query ------------------------------------------------
def test_get_query(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": LABELS})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert labels(response.json()) == sorted(ALL_LABELS)


def test_post_form(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.post("/sparql", data={"query": LABELS, "default-graph-uri": TARGETS})
    assert response.status_code == 200
    assert labels(response.json()) == sorted(["B-cell maturation antigen", "BCMA", "CD19"])


def test_post_direct(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.post(
            "/sparql",
            content=LABELS.encode(),
            params={"default-graph-uri": PRODUCTS},
            headers={"Content-Type": "application/sparql-query; charset=utf-8"},
        )
    assert response.status_code == 200
    assert labels(response.json()) == ["Abecma", "Kymriah", "Yescarta"]


# -- the RDF dataset of the request ---------------------------------------------------
def test_default_graph_is_union_of_all_graphs(protocol_server: Server) -> None:
    query = f"SELECT ?label WHERE {{ <{EX}kymriah> <{EX}target> ?t . ?t rdfs:label ?label }}"
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": query})
    assert labels(response.json()) == ["CD19"]


def test_several_default_graph_uris_merge(protocol_server: Server) -> None:
    query = f"SELECT ?label WHERE {{ <{EX}kymriah> <{EX}target> ?t . ?t rdfs:label ?label }}"
    with protocol_server.client() as client:
        one = client.get("/sparql", params={"query": query, "default-graph-uri": PRODUCTS})
        both = client.get("/sparql", params=[("query", query), ("default-graph-uri", PRODUCTS),
                                             ("default-graph-uri", TARGETS)])
    assert labels(one.json()) == []
    assert labels(both.json()) == ["CD19"]


def test_named_graph_uri_restricts_graph_clause(protocol_server: Server) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    with protocol_server.client() as client:
        everything = client.get("/sparql", params={"query": query}).json()
        restricted = client.get("/sparql", params={"query": query, "named-graph-uri": TARGETS}).json()
        default_empty = client.get("/sparql", params={"query": LABELS, "named-graph-uri": TARGETS}).json()
    assert sorted(b["g"]["value"] for b in everything["results"]["bindings"]) == [PRODUCTS, TARGETS]
    assert [b["g"]["value"] for b in restricted["results"]["bindings"]] == [TARGETS]
    assert labels(default_empty) == []  # named graphs alone give an empty default graph


# -- content negotiation ---------------------------------------------------------------
@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/*", "text/csv"),
    ("*/*", "application/sparql-results+json"),
    ("application/json, */*;q=0.1", "application/sparql-results+json"),
])
def test_select_negotiation(protocol_server: Server, accept: str, expected: str) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": LABELS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Accept" in response.headers["vary"]
    values = parse_select(response.text, expected)
    assert sorted(values) == sorted(ALL_LABELS)


def parse_select(body: str, media_type: str) -> list[str]:
    if media_type == "application/sparql-results+json":
        return [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]]
    if media_type == "application/sparql-results+xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        return [lit.text or "" for lit in ET.fromstring(body).iter(ns + "literal")]
    if media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == ["label"]
        return [row[0] for row in rows[1:]]
    rows = [line.split("\t") for line in body.splitlines()]
    assert rows[0] == ["?label"]
    return [Literal(row[0].split("@")[0].strip('"')).value for row in rows[1:]]


def test_format_parameter_overrides_accept(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": LABELS, "format": "csv"},
                              headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"].startswith("text/csv")


def test_ask_in_json_and_xml(protocol_server: Server) -> None:
    query = f"ASK {{ <{EX}kymriah> <{EX}target> <{EX}CD19> }}"
    with protocol_server.client() as client:
        as_json = client.get("/sparql", params={"query": query})
        as_xml = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+xml"})
    assert as_json.json() == {"head": {}, "boolean": True}
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert ET.fromstring(as_xml.text).find(ns + "boolean").text == "true"  # type: ignore[union-attr]


CONSTRUCT = f"CONSTRUCT {{ ?p <{EX}hasTarget> ?t }} WHERE {{ ?p <{EX}target> ?t }}"


def expected_construct() -> Graph:
    g = Graph()
    for product, target in [("kymriah", "CD19"), ("yescarta", "CD19"), ("abecma", "BCMA")]:
        g.add((URIRef(EX + product), URIRef(EX + "hasTarget"), URIRef(EX + target)))
    return g


@pytest.mark.parametrize("media_type, rdflib_format", [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
    ("application/n-quads", "nquads"),
    ("application/trig", "trig"),
])
def test_construct_in_every_rdf_format(protocol_server: Server, media_type: str, rdflib_format: str) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph()
    graph.parse(data=response.content, format=rdflib_format)
    assert isomorphic(graph, expected_construct())


def test_construct_defaults_to_turtle_and_describe_works(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        construct = client.get("/sparql", params={"query": CONSTRUCT})
        describe = client.get("/sparql", params={"query": f"DESCRIBE <{EX}CD19>"})
    assert construct.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=describe.text, format="turtle")
    assert (URIRef(EX + "CD19"), RDFS.label, Literal("CD19", lang="en")) in graph


def test_unsatisfiable_accept_is_406_listing_offers(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "image/png"})
        select = client.get("/sparql", params={"query": LABELS}, headers={"Accept": "text/turtle"})
    assert response.status_code == 406
    assert "text/turtle" in response.text and "application/ld+json" in response.text
    assert select.status_code == 406
    assert "application/sparql-results+json" in select.text


# -- service description and health ------------------------------------------------
def test_service_description(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql")
        as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    result = graph.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        SELECT ?endpoint ?name WHERE {
          ?service a sd:Service ; sd:endpoint ?endpoint ; sd:feature sd:UnionDefaultGraph ;
                   sd:supportedLanguage sd:SPARQL11Query ;
                   sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON> ;
                   sd:defaultDataset/sd:namedGraph/sd:name ?name }""")
    rows = {(str(e), str(n)) for e, n in result}  # type: ignore[misc]
    assert rows == {(protocol_server.url + "/sparql", PRODUCTS), (protocol_server.url + "/sparql", TARGETS)}
    assert isomorphic(Graph().parse(data=as_jsonld.text, format="json-ld"), graph)


def test_service_description_redirects_browsers(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_health(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        health = client.get("/health").json()
    assert health["status"] == "ok" and health["ready"] is True
    assert health["graphs"] == {PRODUCTS: 12, TARGETS: 5}
    assert health["triples"] == 17
    assert health["version"]
    assert health["search_index"] in ("building", "ready")
    with protocol_server.client() as client:  # a search waits for the index; then health says it is ready
        assert client.get("/search", params={"q": "x"}, headers={"Accept": "application/json"}).status_code == 200
        assert client.get("/health").json()["search_index"] == "ready"


def test_home_page_is_html(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'action="/sparql"' in response.text


# -- errors ------------------------------------------------------------------------
def test_syntax_error_has_line_and_column(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    assert response.status_code == 400
    assert "syntax error" in response.text
    assert re.search(r"at 3:\d+", response.text)  # line 3, where the pattern breaks off
    assert "Traceback" not in response.text


@pytest.mark.parametrize("make_request, fragment", [
    (lambda c: c.post("/sparql", data={"default-graph-uri": TARGETS}), "missing the 'query' parameter"),
    (lambda c: c.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]), "given 2 times"),
    (lambda c: c.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}), "Content-Type"),
    (lambda c: c.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"}), "absolute IRI"),
    (lambda c: c.get("/sparql", params={"query": "  "}), "empty"),
    (lambda c: c.get("/sparql", params={"query": "ASK {}", "format": "png"}), "format 'png'"),
    (lambda c: c.post("/sparql", content=b"ASK {}", params={"query": "ASK {}"},
                      headers={"Content-Type": "application/sparql-query"}), "not both"),
])
def test_bad_requests_are_4xx_with_a_message(protocol_server: Server, make_request, fragment) -> None:  # type: ignore[no-untyped-def]
    with protocol_server.client() as client:
        response = make_request(client)
    assert 400 <= response.status_code < 500
    assert fragment in response.text


def test_update_is_refused_while_writes_are_off(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        direct = client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
        form = client.post("/sparql", data={"update": "CLEAR ALL"})
        still_there = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()
    assert direct.status_code == 403 and form.status_code == 403
    assert "writes are disabled" in direct.text
    assert still_there["boolean"] is True


def test_body_limit_is_413(protocol_server: Server) -> None:
    big = "ASK {}" + " " * (11 * 1024 * 1024)
    with protocol_server.client() as client:
        response = client.post("/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert "limit" in response.text


def test_json_errors_on_request(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": "SELEC"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "syntax error" in response.json()["message"]


def test_cors_for_reads_without_credentials(protocol_server: Server) -> None:
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://yasgui.example"})
        preflight = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                                       "Access-Control-Request-Method": "POST"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert preflight.status_code == 200


def test_query_length_limit() -> None:
    from conftest import running_server

    with running_server("--no-bundled", env={"ATMP_GRAPH_MAX_QUERY_LENGTH": "200"}) as server, server.client() as client:
        short = client.post("/sparql", data={"query": "ASK {}"})
        long = client.post("/sparql", data={"query": "ASK {}" + " " * 300})
    assert short.status_code == 200
    assert long.status_code == 413 and "200 characters" in long.text
