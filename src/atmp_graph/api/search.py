"""``GET /search`` (JSON or an HTML results page) and ``GET /suggest`` (autocompletion).

Both answer from the in-memory ``SearchIndex`` built at start-up from the labels,
alternative labels, acronyms and definitions of every IRI in the data, in all languages.
"""

from __future__ import annotations

import asyncio

from collections import defaultdict
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from rdflib import Literal
from rdflib.term import Node
from starlette.responses import JSONResponse, Response

from atmp_graph.api.errors import ApiError
from atmp_graph.api.web import Templates, WebDep
from atmp_graph.backends import Backend
from atmp_graph.engine.pool import QueryRequest, parse_json_results
from atmp_graph.namespaces import ATMP, KB, PREFIXES
from atmp_graph.negotiation import choose
from atmp_graph.search_index import Entry, Hit, SearchIndex
from atmp_graph.termview import CLASS_TYPES, PROPERTY_TYPES, curie

TEXTS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?p ?text WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel skos:hiddenLabel skos:notation skos:definition }
  ?s ?p ?text .
  FILTER(isIRI(?s) && isLiteral(?text))
}"""

TYPES_QUERY = """
SELECT DISTINCT ?s ?type WHERE { ?s a ?type . FILTER(isIRI(?s) && isIRI(?type)) }"""

_FIELD_NAMES = {
    "http://www.w3.org/2000/01/rdf-schema#label": "label",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel": "altLabel",
    "http://www.w3.org/2004/02/skos/core#hiddenLabel": "hiddenLabel",
    "http://www.w3.org/2004/02/skos/core#notation": "notation",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
}
KINDS = ("class", "property", "individual")


def kind_of(types: frozenset[str]) -> str:
    """class, property, ontology or individual, from the IRIs of a thing's types."""
    if types & {str(t) for t in CLASS_TYPES}:
        return "class"
    if types & {str(t) for t in PROPERTY_TYPES}:
        return "property"
    if "http://www.w3.org/2002/07/owl#Ontology" in types:
        return "ontology"
    return "individual"


async def load_search_index(pool: Backend) -> SearchIndex:
    """The index over all labelled IRIs in the pool's data (with asserted and inferred types).

    The answers are parsed and the index built in a thread: on a large KB that takes
    seconds, which must not stall the event loop (``/health`` and queries answer meanwhile).
    """
    _, texts = await pool.read_all(QueryRequest(TEXTS_QUERY, format="json"))
    _, types = await pool.read_all(QueryRequest(TYPES_QUERY, format="json"))
    return await asyncio.to_thread(
        lambda: index_from_rows(parse_json_results(texts), parse_json_results(types)))


def index_from_rows(texts: Iterable[dict[str, Node]], type_rows: Iterable[dict[str, Node]]) -> SearchIndex:
    """The index from the rows of ``TEXTS_QUERY`` and ``TYPES_QUERY``."""
    types: dict[str, set[str]] = defaultdict(set)
    for row in type_rows:
        types[str(row["s"])].add(str(row["type"]))
    frozen = {iri: frozenset(t) for iri, t in types.items()}
    entries = []
    for row in texts:
        text = row["text"]
        lang = (text.language or "") if isinstance(text, Literal) else ""
        entries.append(Entry(str(row["s"]), _FIELD_NAMES[str(row["p"])], str(text), lang))
    kinds = {iri: kind_of(t) for iri, t in frozen.items()}
    return SearchIndex.build(entries, kinds=kinds, types=frozen)


def local_path(iri: str) -> str | None:
    """The path of this service's page for ``iri``, if it is one of ours.

    >>> local_path("https://w3id.org/atmp/kb/Kymriah"), local_path("http://example.org/x")
    ('/kb/Kymriah', None)
    """
    for namespace, path in ((str(ATMP), "/ontology/"), (str(KB), "/kb/")):
        if iri.startswith(namespace) and len(iri) > len(namespace) and "/" not in iri[len(namespace):]:
            return path + iri[len(namespace):]
    return None


def resolve_type(value: str) -> str:
    """An IRI from a CURIE with one of our prefixes or an absolute IRI; ``ValueError`` otherwise."""
    prefix, _, name = value.partition(":")
    if prefix in PREFIXES and not name.startswith("//"):
        return PREFIXES[prefix] + name
    if value.startswith(("http://", "https://", "urn:")):
        return value
    raise ValueError(f"type must be one of {', '.join(KINDS)}, a class CURIE such as atmp:RegulatoryAuthority, "
                     f"or an absolute IRI; not {value!r}")


def hit_json(hit: Hit, index: SearchIndex, lang: str | None) -> dict[str, Any]:
    return {
        "iri": hit.iri,
        "curie": curie(hit.iri),
        "label": index.label(hit.iri, lang or "en") or curie(hit.iri),
        "kind": index.kinds.get(hit.iri, "thing"),
        "match": hit.match,
        "matched": hit.matched,
        "field": hit.field,
        "lang": hit.lang or None,
        "score": hit.score,
        "page": local_path(hit.iri) or hit.iri,
    }


def search_router(templates: Templates) -> APIRouter:
    router = APIRouter(tags=["search"])

    @router.get("/search", summary="Search labels, acronyms and definitions",
                responses={200: {"content": {"application/json": {}, "text/html": {}}}})
    def search(
        request: Request,
        web: WebDep,
        q: Annotated[str, Query(max_length=200, description="the words to find; exact matches come first")] = "",
        type: Annotated[str | None, Query(
            description="class, property, individual, or a class (CURIE or IRI) whose members to find")] = None,
        lang: Annotated[str | None, Query(pattern="^[A-Za-z]{2,3}$",
                                          description="only texts in this language (and untagged ones)")] = None,
        limit: Annotated[int, Query(ge=1, le=200, description="at most this many results")] = 20,
        format: Annotated[str | None, Query(pattern="^(json|html)$", description="json or html (else by Accept)")] = None,
    ) -> Response:
        """Find terms and individuals: exact label or acronym matches first, then labels that start
        with the query, then word-prefix matches, then definitions, then similar spellings."""
        media = {"json": "application/json", "html": "text/html"}.get(format or "") or choose(
            request.headers.get("accept"), ("application/json", "text/html"))
        if media is None:
            raise ApiError(406, "search results are available as application/json or text/html")
        kind: str | None = None
        type_iri: str | None = None
        if type:
            if type in KINDS:
                kind = type
            else:
                try:
                    type_iri = resolve_type(type)
                except ValueError as error:
                    raise ApiError(400, str(error)) from None
        hits = web.index.search(q, kind=kind, type_iri=type_iri, lang=lang, limit=limit) if q.strip() else []
        results = [hit_json(hit, web.index, lang) for hit in hits]
        if media == "text/html":
            return templates.response("search.html", query=q, type=type or "", lang=lang or "", limit=limit,
                                      results=results, kinds=KINDS, headers={"Vary": "Accept"})
        if not q.strip():
            raise ApiError(400, "give the words to search for in the 'q' parameter")
        return JSONResponse({"query": q, "count": len(results), "results": results},
                            headers={"Vary": "Accept"})

    @router.get("/suggest", summary="Autocompletion: names that start with the typed text")
    def suggest(
        web: WebDep,
        q: Annotated[str, Query(min_length=1, max_length=100, description="the text typed so far")],
        lang: Annotated[str | None, Query(pattern="^[A-Za-z]{2,3}$")] = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> JSONResponse:
        """Labels and acronyms starting with ``q`` (or with a word starting with it), best first."""
        hits = web.index.suggest(q, lang=lang, limit=limit)
        return JSONResponse({"query": q, "suggestions": [
            {"text": hit.matched, "label": web.index.label(hit.iri, lang or "en") or hit.matched,
             "iri": hit.iri, "curie": curie(hit.iri), "page": local_path(hit.iri) or hit.iri}
            for hit in hits]})

    return router

