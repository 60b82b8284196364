"""SPARQL 1.1 Query Protocol at ``/sparql`` (https://www.w3.org/TR/sparql11-protocol/).

Three ways to send a query (GET ``?query=``, POST form, POST ``application/sparql-query``),
``default-graph-uri`` / ``named-graph-uri`` in any number, results negotiated by
``Accept`` (or a ``format`` parameter) and streamed from a query worker.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.types import Send

from atmp_graph.api.access import check_read_access
from atmp_graph.api.deps import PoolDep, SettingsDep
from atmp_graph.api.errors import ApiError
from atmp_graph.api.params import absolute_iri, parse_form
from atmp_graph.api.updates import run_update
from atmp_graph.api.service_description import RDFLIB_FORMATS, describe_service
from atmp_graph.engine.pool import QueryFailed, QueryRequest
from atmp_graph.namespaces import INFERRED_GRAPH
from atmp_graph.negotiation import GRAPH_TYPES, choose, media_type_for_format
from atmp_graph.query_safety import check as check_federation
from atmp_graph.settings import Settings

log = logging.getLogger(__name__)

_FORM = "application/x-www-form-urlencoded"
_QUERY_BODY = "application/sparql-query"
_UPDATE_BODY = "application/sparql-update"


class ResultStream(StreamingResponse):
    """Streams a result; a failure after the status was sent cuts the response short.

    A client then sees an incomplete body (a protocol error), never a result that
    merely looks complete.
    """

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for chunk in self.body_iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except QueryFailed as failure:
            log.warning("result stream cut short (%s): %s", failure.code, failure.message)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


@dataclass
class ProtocolRequest:
    """The parameters of one protocol request, whichever way they came."""

    params: list[tuple[str, str]]
    query_from_body: str | None = None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.params if key == name]

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise ApiError(400, f"the parameter {name!r} was given {len(values)} times; give it once")
        return values[0] if values else None

    def graphs(self, name: str) -> list[str] | None:
        values = self.all(name)
        return [absolute_iri(name, iri) for iri in values] or None


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def _read_request(request: Request) -> ProtocolRequest:
    url_params = list(request.query_params.multi_items())
    if request.method == "GET":
        return ProtocolRequest(url_params)
    content_type = _content_type(request)
    body = await request.body()
    if content_type == _FORM:
        return ProtocolRequest(url_params + parse_form(body))
    if content_type == _QUERY_BODY:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "the query body is not valid UTF-8") from None
        return ProtocolRequest(url_params, query_from_body=text)
    if content_type == _UPDATE_BODY:
        try:
            return ProtocolRequest(url_params + [("update", body.decode("utf-8"))])
        except UnicodeDecodeError:
            raise ApiError(400, "the update body is not valid UTF-8") from None
    raise ApiError(
        400,
        f"unsupported Content-Type {content_type or '(none)'!r} for POST /sparql; use {_FORM}, "
        f"{_QUERY_BODY} or {_UPDATE_BODY}",
    )


def _service_description(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
    offers = GRAPH_TYPES + ("text/html",)
    fmt = request.query_params.get("format")
    media_type = media_type_for_format(fmt, "graph") if fmt else choose(request.headers.get("accept"), offers)
    if media_type == "text/html":
        return RedirectResponse("/", status_code=303)
    if media_type is None:
        raise ApiError(406, "the service description is available as " + ", ".join(GRAPH_TYPES))
    endpoint = str(request.url_for("sparql_query"))
    inference = pool.status.get("inference") or {}
    graph = describe_service(
        endpoint,
        pool.status.get("graphs", {}),
        federation=bool(settings.federation_allow_list),
        entailment_regime=inference.get("entailment_regime"),
    )
    body = graph.serialize(format=RDFLIB_FORMATS[media_type])
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})


def _wants_inference(value: str | None) -> bool:
    if value is None or value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise ApiError(400, f"infer must be true or false, not {value!r}")


def sparql_router() -> APIRouter:
    router = APIRouter(tags=["SPARQL"])

    @router.api_route("/sparql", methods=["GET", "POST"], name="sparql_query", summary="SPARQL 1.1 Query Protocol")
    async def sparql(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
        """Run a SPARQL query; without one, describe the service (SPARQL 1.1 Service Description)."""
        protocol = await _read_request(request)
        if protocol.all("update"):
            if request.method != "POST" or protocol.all("query"):
                raise ApiError(400, "an update is sent by POST, without a 'query' parameter")
            updates = protocol.all("update")
            if len(updates) > 1:
                raise ApiError(400, "the parameter 'update' was given 2 times; give it once")
            return await run_update(request, pool, settings, updates[0], protocol.params)
        check_read_access(request, settings)
        query = protocol.query_from_body if protocol.query_from_body is not None else protocol.one("query")
        if protocol.query_from_body is not None and protocol.all("query"):
            raise ApiError(400, "give the query either in the body or as the 'query' parameter, not both")
        if query is None:
            if request.method == "POST":
                raise ApiError(400, "missing the 'query' parameter")
            return _service_description(request, pool, settings)
        if not query.strip():
            raise ApiError(400, "the 'query' parameter is empty")
        if len(query) > settings.max_query_length:
            raise ApiError(413, f"the query is longer than this service's limit of {settings.max_query_length} characters")
        check_federation(query, allow=settings.federation_allow_list)
        default_graphs = protocol.graphs("default-graph-uri")
        named_graphs = protocol.graphs("named-graph-uri")
        if not _wants_inference(protocol.one("infer")):
            asserted = [g for g in pool.status.get("graphs", {}) if g != INFERRED_GRAPH]
            default_graphs = default_graphs if default_graphs is not None else asserted
            named_graphs = named_graphs if named_graphs is not None else asserted
        result = await pool.execute(
            QueryRequest(
                query=query,
                default_graphs=default_graphs,
                named_graphs=named_graphs,
                accept=request.headers.get("accept"),
                format=protocol.one("format"),
            )
        )
        if result.body is not None:  # small and complete: a plain response, no streaming machinery
            return Response(result.body, media_type=result.media_type, headers={"Vary": "Accept"})
        return ResultStream(result.chunks, media_type=result.media_type, headers={"Vary": "Accept"})

    return router
