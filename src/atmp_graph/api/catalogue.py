"""The query catalogue: every ``queries/*.rq`` as ``GET /queries/{name}``, listed at ``GET /queries``.

One route per query is generated when the app is built, so the OpenAPI description
lists each query with its summary and typed parameters. Parameter values are checked
against their declared type and allowed values (400 otherwise) and bound with
substitutions. Results are negotiated like ``/sparql``; ``Accept: application/json``
or ``format=simple`` gives a plain JSON list of objects instead.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from rdflib import Literal, URIRef
from rdflib.term import Node
from starlette.responses import JSONResponse, Response

from atmp_graph.api.deps import PoolDep
from atmp_graph.api.errors import ApiError
from atmp_graph.api.sparql_routes import ResultStream
from atmp_graph.api.web import Templates
from atmp_graph.engine.pool import QueryRequest
from atmp_graph.named_queries import NamedQuery, load_named_queries
from atmp_graph.negotiation import choose

SIMPLE = "application/json"
_SCHEMA_TYPES = {
    "iri": {"type": "string", "format": "iri"},
    "literal": {"type": "string"},
    "integer": {"type": "integer"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}
# Offers for SELECT/ASK results; SIMPLE is a plain list of objects (or {"boolean": ...}).
_SOLUTION_OFFERS = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                    "text/tab-separated-values", SIMPLE)


def load_catalogue(directory: Path) -> dict[str, NamedQuery]:
    return load_named_queries(directory) if directory.is_dir() else {}


def plain(term: Node) -> Any:
    """A JSON value for an RDF term: IRIs as strings, typed literals as numbers, booleans or strings.

    >>> plain(Literal(3)), plain(URIRef("http://x")), plain(Literal("CRS", lang="en"))
    (3, 'http://x', 'CRS')
    """
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, bool | int | float):
            return value
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, datetime.date | datetime.datetime):
            return value.isoformat()
        return str(term)
    return str(term)


def describe_query(query: NamedQuery, base: str = "") -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "summary": query.summary,
        "form": query.form,
        "url": f"{base}/queries/{query.name}",
        "inference": query.inference or None,
        "uses": list(query.uses),
        "params": [{"name": p.name, "type": p.type, "description": p.description, "default": p.default,
                    "values": list(p.values) or None, "required": p.required} for p in query.params],
        "sparql": query.sparql,
    }


def _openapi_parameters(query: NamedQuery) -> list[dict[str, Any]]:
    parameters = []
    for p in query.params:
        schema: dict[str, Any] = dict(_SCHEMA_TYPES[p.type])
        if p.values:
            schema["enum"] = list(p.values)
        if p.default is not None:
            schema["default"] = p.default if p.type in ("iri", "literal", "date") else p.default
        parameters.append({"name": p.name, "in": "query", "required": p.required,
                           "description": p.description or p.name, "schema": schema})
    parameters.append({"name": "format", "in": "query", "required": False,
                       "description": "simple (a JSON list of objects), json, xml, csv, tsv, or for graph "
                                      "results turtle, ntriples, jsonld, rdfxml; else chosen by Accept",
                       "schema": {"type": "string"}})
    return parameters


def _route(query: NamedQuery) -> Any:
    async def run(request: Request, pool: PoolDep) -> Response:
        given = {k: v for k, v in request.query_params.items() if k != "format"}
        for key in given:
            if len(request.query_params.getlist(key)) > 1:
                raise ApiError(400, f"the parameter {key!r} was given more than once; give it once")
        try:
            bound = query.bind(given)
        except ValueError as error:
            raise ApiError(400, str(error)) from None
        fmt = request.query_params.get("format")
        graph_result = query.form in ("CONSTRUCT", "DESCRIBE")
        simple = fmt == "simple" or (fmt is None and not graph_result
                                     and choose(request.headers.get("accept"), _SOLUTION_OFFERS) == SIMPLE)
        if simple:
            if graph_result:
                raise ApiError(400, "format=simple is for SELECT and ASK queries; use turtle or jsonld")
            if query.form == "ASK":
                _, body = await pool.read_all(QueryRequest(query.sparql, format="json", substitutions=bound))
                return JSONResponse({"boolean": bool(json.loads(body).get("boolean"))})
            rows = await pool.select(query.sparql, substitutions=bound)
            return JSONResponse([{k: plain(v) for k, v in row.items()} for row in rows],
                                headers={"Vary": "Accept"})
        result = await pool.execute(QueryRequest(query.sparql, accept=request.headers.get("accept"),
                                                 format=fmt, substitutions=bound))
        return ResultStream(result.chunks, media_type=result.media_type, headers={"Vary": "Accept"})

    run.__name__ = "query_" + query.name.replace("-", "_")
    return run


def catalogue_router(catalogue: dict[str, NamedQuery], templates: Templates) -> APIRouter:
    router = APIRouter(tags=["named queries"])

    @router.get("/queries", summary="The catalogue of named queries")
    def listing(request: Request) -> Response:
        """Every named query with its title, summary, parameters and SPARQL text (JSON; HTML for browsers)."""
        media = choose(request.headers.get("accept"), ("application/json", "text/html"))
        entries = [describe_query(q) for q in catalogue.values()]
        if media == "text/html":
            return templates.response("queries.html", queries=entries)
        return JSONResponse({"queries": entries}, headers={"Vary": "Accept"})

    for query in catalogue.values():
        description = query.summary
        if query.uses:
            description += "\n\nUsed by: " + "; ".join(query.uses)
        if query.inference == "required":
            description += "\n\nAnswers correctly only over the materialised OWL 2 RL entailments."
        router.add_api_route(
            f"/queries/{query.name}", _route(query), methods=["GET"], summary=query.title,
            description=description, operation_id="query_" + query.name.replace("-", "_"),
            openapi_extra={"parameters": _openapi_parameters(query)},
            responses={200: {"description": "the query's results",
                             "content": {t: {} for t in _SOLUTION_OFFERS}}, 400: {"description": "a bad parameter"}},
        )

    @router.get("/queries/{name}", include_in_schema=False)
    def unknown(name: str) -> Response:
        raise ApiError(404, f"there is no named query {name!r}; GET /queries lists them")

    return router
