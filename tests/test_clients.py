"""Standard SPARQL clients against a real server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import GET, JSON, POST, TURTLE, XML, SPARQLWrapper

from conftest import Server

EX = "http://example.org/"
QUERY = f"SELECT ?p WHERE {{ ?p <{EX}target> <{EX}CD19> }} ORDER BY ?p"


def test_sparqlwrapper_select_json_get_and_post(protocol_server: Server) -> None:
    for method in (GET, POST):
        client = SPARQLWrapper(protocol_server.url + "/sparql")
        client.setMethod(method)
        client.setQuery(QUERY)
        client.setReturnFormat(JSON)
        result = client.queryAndConvert()
        values = [b["p"]["value"] for b in result["results"]["bindings"]]  # type: ignore[index]
        assert values == [EX + "kymriah", EX + "yescarta"], method


def test_sparqlwrapper_select_xml(protocol_server: Server) -> None:
    client = SPARQLWrapper(protocol_server.url + "/sparql")
    client.setQuery(QUERY)
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]  # type: ignore[union-attr]
    assert uris == [EX + "kymriah", EX + "yescarta"]


def test_sparqlwrapper_construct_turtle(protocol_server: Server) -> None:
    client = SPARQLWrapper(protocol_server.url + "/sparql")
    client.setQuery(f"CONSTRUCT WHERE {{ <{EX}CD19> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert (URIRef(EX + "CD19"), URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("CD19", lang="en")) in graph


def test_rdflib_sparqlstore(protocol_server: Server) -> None:
    store = SPARQLStore(protocol_server.url + "/sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(QUERY))
    assert [str(row[0]) for row in rows] == [EX + "kymriah", EX + "yescarta"]  # type: ignore[index]
    assert (URIRef(EX + "abecma"), URIRef(EX + "target"), URIRef(EX + "BCMA")) in graph
    ask = graph.query(f"ASK {{ <{EX}abecma> <{EX}target> <{EX}CD19> }}")
    assert ask.askAnswer is False
