"""Dereferenceable IRIs: ``/ontology/{name}``, ``/kb/{name}`` and ``/ontology`` with content negotiation.

A term IRI answers ``200`` with the representation the client asked for (HTML for
browsers; Turtle, N-Triples, RDF/XML or JSON-LD for programs), ``Vary: Accept`` and a
``Content-Location`` naming the format-specific URL (``/ontology/X.ttl`` ...), which can
also be requested directly. We answer 200 rather than 303 because a 303 costs every
client a second round trip and the representations are descriptions that say what they
describe (the same IRI as subject), which is how W3C's "Cool URIs" 200-with-conneg
variant and most current vocabularies behave.

The description is the concise bounded description of the term in the asserted graphs
(its statements, following blank nodes such as OWL restrictions) plus the labels of the
things it links to.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Request
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node
from starlette.responses import Response

from atmp_graph.api.deps import PoolDep
from atmp_graph.api.errors import ApiError
from atmp_graph.api.search import local_path
from atmp_graph.api.web import SECURITY_HEADERS, Templates, WebDep, WebState
from atmp_graph.backends import Backend
from atmp_graph.engine.pool import QueryRequest
from atmp_graph.namespaces import ATMP, CHANGES_GRAPH, INFERRED_GRAPH, KB, ONTOLOGY_GRAPH, ONTOLOGY_IRI, PREFIXES
from atmp_graph.negotiation import choose
from atmp_graph.termview import build_view, curie

HTML = "text/html"
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
# Ties (Accept: */* or no Accept) go to Turtle: programs rarely ask for HTML by accident, browsers always ask.
OFFERS = RDF_TYPES + (HTML, "application/xhtml+xml")
EXTENSIONS = {"ttl": "text/turtle", "nt": "application/n-triples", "rdf": "application/rdf+xml",
              "owl": "application/rdf+xml", "jsonld": "application/ld+json", "html": HTML}
EXTENSION_OF = {"text/turtle": "ttl", "application/n-triples": "nt", "application/rdf+xml": "rdf",
                "application/ld+json": "jsonld", HTML: "html"}
RDFLIB_FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
                  "application/ld+json": "json-ld"}

_INFERRED = f"""
SELECT ?term ?p ?o WHERE {{
  GRAPH <{INFERRED_GRAPH}> {{ ?term ?p ?o }}
  FILTER(?p IN (<{RDF.type}>, <{RDFS.subClassOf}>, <{RDFS.subPropertyOf}>) && isIRI(?o))
}}"""
_INCOMING = f"""
SELECT ?term ?s ?p ?g WHERE {{
  GRAPH ?g {{ ?s ?p ?term }}
  FILTER(isIRI(?s) && ?g != <{CHANGES_GRAPH}>)
}} LIMIT 3000"""
_CONTEXT = f"""
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?type ?range WHERE {{
  GRAPH <{ONTOLOGY_GRAPH}> {{
    ?term a ?type .
    VALUES ?type {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty owl:NamedIndividual }}
    OPTIONAL {{ ?term rdfs:range ?range FILTER(isIRI(?range)) }}
  }}
  FILTER(STRSTARTS(STR(?term), "{ATMP}"))
}}"""


def asserted_graphs(pool: Backend) -> list[str]:
    return [g for g in pool.status.get("graphs", {}) if g not in (INFERRED_GRAPH, CHANGES_GRAPH)]


async def load_context(pool: Backend) -> dict[str, Any]:
    """A JSON-LD context for the ontology: the prefixes and one short name per ``atmp:`` term.

    Object properties have ``"@type": "@id"``; datatype properties with an XSD range
    carry it, so values compact to plain JSON strings.
    """
    context: dict[str, Any] = dict(PREFIXES)
    for row in await pool.select(_CONTEXT):
        name = str(row["term"])[len(str(ATMP)):]
        if not name or "/" in name or name in PREFIXES:
            continue
        entry = context.get(name) if isinstance(context.get(name), dict) else None
        entry = entry or {"@id": "atmp:" + name}
        if row["type"] == OWL.ObjectProperty:
            entry["@type"] = "@id"
        elif row["type"] == OWL.DatatypeProperty and "range" in row and str(row["range"]).startswith(str(XSD)):
            entry["@type"] = "xsd:" + str(row["range"])[len(str(XSD)):]
        context[name] = entry
    return context


def context_for(graph: Graph, context: dict[str, Any]) -> dict[str, Any]:
    """The prefixes plus the entries of ``context`` for the terms that ``graph`` uses."""
    used = {str(n) for triple in graph for n in triple if isinstance(n, URIRef)}
    atmp = str(ATMP)
    return {name: entry for name, entry in context.items()
            if not isinstance(entry, dict) or atmp + str(entry.get("@id", ""))[len("atmp:"):] in used}


def serialise(graph: Graph, media_type: str, *, context: dict[str, Any] | None = None) -> bytes:
    """``graph`` in ``media_type``, with the project's prefixes (and the JSON-LD ``context``)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    if media_type == "application/ld+json":
        return graph.serialize(format="json-ld", context=context_for(graph, context or dict(PREFIXES)),
                               auto_compact=True, encoding="utf-8")
    return graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")


def _wanted(request: Request, extension: str | None) -> str:
    if extension is not None:
        return EXTENSIONS[extension]
    fmt = request.query_params.get("format")
    if fmt:
        if fmt in EXTENSIONS:
            return EXTENSIONS[fmt]
        if fmt in OFFERS:
            return fmt
        raise ApiError(400, f"format {fmt!r} is not offered; use one of {', '.join(EXTENSIONS)} or a media type")
    chosen = choose(request.headers.get("accept"), OFFERS)
    if chosen is None:
        raise ApiError(406, "this resource is available as " + ", ".join(RDF_TYPES + (HTML,)),
                       headers={"Vary": "Accept"})
    return HTML if chosen == "application/xhtml+xml" else chosen


def _split_extension(name: str) -> tuple[str, str | None]:
    stem, dot, extension = name.rpartition(".")
    if dot and stem and extension in EXTENSIONS:
        return stem, extension
    return name, None


def _headers(path: str, media_type: str) -> dict[str, str]:
    alternates = ", ".join(f'<{path}.{EXTENSION_OF[t]}>; rel="alternate"; type="{t}"' for t in EXTENSION_OF)
    return {"Vary": "Accept", "Content-Location": f"{path}.{EXTENSION_OF[media_type]}", "Link": alternates}


async def describe(pool: Backend, term: URIRef) -> Graph:
    """The concise bounded description of ``term`` in the asserted graphs."""
    _, body = await pool.read_all(QueryRequest("DESCRIBE ?term", default_graphs=asserted_graphs(pool),
                                               format="ntriples", substitutions={"term": term}))
    return Graph().parse(data=body, format="nt")


def with_labels(graph: Graph, web: WebState, term: URIRef) -> Graph:
    """Add the labels of the IRIs that ``graph`` links to (objects and predicates)."""
    linked = {n for _, p, o in graph for n in (p, o) if isinstance(n, URIRef) and n != term}
    for iri in linked:
        for entry in web.index.entries_of(str(iri), "label"):
            graph.add((iri, RDFS.label, Literal(entry.text, lang=entry.lang or None)))
    return graph


def pages_router(templates: Templates) -> APIRouter:
    router = APIRouter(tags=["linked data"])

    def not_found(request: Request, web: WebState, iri: str, name: str) -> Response:
        if _wanted_html(request):
            words = "".join(" " + c if c.isupper() else c for c in name).strip()
            hits = web.index.search(words, limit=8) if words else []
            return templates.response("not_found.html", status=404, iri=iri, name=name,
                                      suggestions=[(h.iri, web.index.label(h.iri) or curie(h.iri),
                                                    local_path(h.iri) or h.iri) for h in hits])
        raise ApiError(404, f"{iri} is not described here; GET /search?q=... finds terms by label")

    def _wanted_html(request: Request) -> bool:
        try:
            return _wanted(request, None) == HTML
        except ApiError:
            return False

    async def term_response(request: Request, pool: Backend, web: WebState, namespace: str, base: str,
                            name: str) -> Response:
        stem, extension = _split_extension(name)
        iri = URIRef(namespace + stem)
        media_type = _wanted(request, extension)
        graph = await describe(pool, iri)
        if not len(graph):
            return not_found(request, web, str(iri), stem)
        path = f"{base}/{stem}"
        if media_type != HTML:
            body = await asyncio.to_thread(lambda: serialise(with_labels(graph, web, iri), media_type,
                                                             context=web.context))
            return Response(body, media_type=media_type, headers=_headers(path, media_type))
        inferred, incoming = await asyncio.gather(pool.select(_INFERRED, substitutions={"term": iri}),
                                                  pool.select(_INCOMING, substitutions={"term": iri}))
        lang = "de" if request.query_params.get("lang") == "de" else "en"

        def render() -> str:
            view = build_view(
                iri, graph,
                inferred=[(r["p"], r["o"]) for r in inferred],
                incoming=[(r["s"], r["p"], r["g"] == URIRef(INFERRED_GRAPH)) for r in incoming],
                labels=lambda i, lg: web.index.label(i, lg),
                link=local_path, lang=lang)
            return templates.render("term.html", view=view, path=path, formats=EXTENSION_OF, lang=lang)

        html = await asyncio.to_thread(render)
        return Response(html, media_type="text/html; charset=utf-8",
                        headers={**SECURITY_HEADERS, **_headers(path, HTML)})

    async def ontology_response(request: Request, pool: Backend, web: WebState, extension: str | None) -> Response:
        media_type = _wanted(request, extension)
        if ONTOLOGY_GRAPH not in pool.status.get("graphs", {}):
            raise ApiError(404, "no ontology is loaded in this service")
        if media_type == HTML:
            rows = await pool.select(_TREE)
            header = await describe(pool, URIRef(ONTOLOGY_IRI))
            html = await asyncio.to_thread(lambda: templates.render(
                "ontology.html", classes=class_tree(rows, web), meta=ontology_meta(header),
                properties=property_list(rows, web), formats=EXTENSION_OF))
            return Response(html, media_type="text/html; charset=utf-8",
                            headers={**SECURITY_HEADERS, **_headers("/ontology", HTML)})
        _, body = await pool.read_all(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=[ONTOLOGY_GRAPH],
                                                   format="ntriples"))

        def convert() -> bytes:
            if media_type == "application/n-triples":
                return body
            return serialise(Graph().parse(data=body, format="nt"), media_type, context=web.context)

        headers = _headers("/ontology", media_type)
        headers["Content-Disposition"] = f'inline; filename="atmp.{EXTENSION_OF[media_type]}"'
        return Response(await asyncio.to_thread(convert), media_type=media_type, headers=headers)

    @router.get("/ontology", summary="The whole ontology (HTML overview or RDF by Accept)")
    async def ontology(request: Request, pool: PoolDep, web: WebDep) -> Response:
        return await ontology_response(request, pool, web, None)

    def download_route(extension: str) -> Any:
        async def download(request: Request, pool: PoolDep, web: WebDep) -> Response:
            return await ontology_response(request, pool, web, extension)

        return download

    for extension in ("ttl", "owl", "rdf", "jsonld", "nt"):
        router.add_api_route(f"/ontology.{extension}", download_route(extension), methods=["GET"],
                             summary=f"The whole ontology as {EXTENSIONS[extension]}")

    @router.get("/ontology/context.jsonld", summary="The JSON-LD context of the ontology")
    def context(web: WebDep) -> Response:
        return Response(json.dumps({"@context": web.context}, indent=2), media_type="application/ld+json")

    @router.get("/ontology/{name}", summary="An ontology term (class, property or value), negotiated")
    async def ontology_term(name: str, request: Request, pool: PoolDep, web: WebDep) -> Response:
        """``https://w3id.org/atmp/ontology/{name}``: HTML for browsers, RDF for programs (by Accept or
        by a ``.ttl``/``.nt``/``.rdf``/``.jsonld``/``.html`` suffix)."""
        return await term_response(request, pool, web, str(ATMP), "/ontology", name)

    @router.get("/kb/{name}", summary="A knowledge-base individual, negotiated")
    async def kb_term(name: str, request: Request, pool: PoolDep, web: WebDep) -> Response:
        """``https://w3id.org/atmp/kb/{name}``: HTML for browsers, RDF for programs."""
        return await term_response(request, pool, web, str(KB), "/kb", name)

    return router


_TREE = f"""
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?type ?parent WHERE {{
  GRAPH <{ONTOLOGY_GRAPH}> {{
    ?term a ?type . VALUES ?type {{ owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }}
    OPTIONAL {{ ?term rdfs:subClassOf|rdfs:subPropertyOf ?parent FILTER(isIRI(?parent)) }}
  }}
  FILTER(STRSTARTS(STR(?term), "{ATMP}"))
}}"""


def class_tree(rows: list[dict[str, Node]], web: WebState) -> list[dict[str, Any]]:
    """Nested ``{iri, label, href, children}`` for the ``atmp:`` classes, roots first, by label."""
    classes = {str(r["term"]) for r in rows if r["type"] == OWL.Class}
    children: dict[str, set[str]] = {c: set() for c in classes}
    has_parent: set[str] = set()
    for row in rows:
        child, parent = str(row["term"]), str(row.get("parent", ""))
        if child in classes and parent in classes and parent != child:
            children[parent].add(child)
            has_parent.add(child)

    def node(iri: str, seen: frozenset[str]) -> dict[str, Any]:
        kids = [node(k, seen | {k}) for k in children[iri] if k not in seen]
        return {"iri": iri, "label": web.index.label(iri) or curie(iri), "href": local_path(iri) or iri,
                "children": sorted(kids, key=lambda n: str(n["label"]).casefold())}

    roots = [node(c, frozenset({c})) for c in classes if c not in has_parent]
    return sorted(roots, key=lambda n: str(n["label"]).casefold())


def property_list(rows: list[dict[str, Node]], web: WebState) -> list[dict[str, str]]:
    kinds = {OWL.ObjectProperty: "object", OWL.DatatypeProperty: "datatype", OWL.AnnotationProperty: "annotation"}
    found = {(str(r["term"]), kinds[r["type"]]) for r in rows if r["type"] in kinds}  # type: ignore[index]
    return sorted(({"iri": iri, "kind": kind, "label": web.index.label(iri) or curie(iri),
                    "href": local_path(iri) or iri} for iri, kind in found), key=lambda p: p["label"].casefold())


def ontology_meta(header: Graph) -> dict[str, str]:
    """Title, description, version and licence from the ontology header."""
    from rdflib.namespace import DCTERMS

    subject = URIRef(ONTOLOGY_IRI)
    values = {
        "title": header.value(subject, DCTERMS.title),
        "description": header.value(subject, DCTERMS.description),
        "version": header.value(subject, OWL.versionInfo),
        "version_iri": header.value(subject, OWL.versionIRI),
        "license": header.value(subject, DCTERMS.license),
    }
    return {k: str(v) for k, v in values.items() if v is not None}
