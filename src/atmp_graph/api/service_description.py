"""The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/)."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from atmp_graph import __version__

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VOID = Namespace("http://rdfs.org/ns/void#")

_RESULT_FORMATS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
    "N-Quads",
    "TriG",
)
# rdflib serialiser names for the RDF media types we negotiate.
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


def describe_service(
    endpoint: str,
    graphs: dict[str, int],
    *,
    entailment_regime: str | None = None,
    updates: bool = False,
    federation: bool = False,
) -> Graph:
    """The ``sd:Service`` description of the endpoint at ``endpoint``."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, DCTERMS.title, Literal("atmp-graph SPARQL endpoint")))
    g.add((service, DCTERMS.hasVersion, Literal(__version__)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if federation:  # SERVICE works only towards allow-listed endpoints
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    for name in _RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    if updates:
        g.add((service, SD.supportedLanguage, SD.SPARQL11Update))
        for name in ("Turtle", "N-Triples", "RDF_XML", "JSON-LD", "N-Quads", "TriG"):
            g.add((service, SD.inputFormat, FORMATS[name]))
    if entailment_regime:
        g.add((service, SD.defaultEntailmentRegime, URIRef(entailment_regime)))

    dataset = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(sum(graphs.values()), datatype=XSD.integer)))
    for name, size in sorted(graphs.items()):
        _add_named_graph(g, dataset, name, size)
    return g


def _add_named_graph(g: Graph, dataset: BNode, name: str, size: int) -> None:
    named = BNode()
    graph = BNode()
    g.add((dataset, SD.namedGraph, named))
    g.add((named, RDF.type, SD.NamedGraph))
    g.add((named, SD.name, URIRef(name)))
    g.add((named, SD.graph, graph))
    g.add((graph, RDF.type, SD.Graph))
    g.add((graph, VOID.triples, Literal(size, datatype=XSD.integer)))


def graph_names(description: Graph) -> Iterable[str]:
    """The named graphs a description lists (for clients and tests)."""
    return sorted(str(o) for o in description.objects(None, SD.name))
