"""Writes: SPARQL 1.1 Update (``/update``, and POST ``/sparql``) and the Graph Store HTTP
Protocol (``/store``, https://www.w3.org/TR/sparql11-http-rdf-update/), plus ``/changes``.

Writes are off unless a write token is configured. Each write is one shape-checked
transaction in the zygote: it is committed whole (and journaled) or refused with 422
and the SHACL results it would have caused, leaving the store unchanged.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from atmp_graph.api.deps import PoolDep, SettingsDep
from atmp_graph.api.errors import ApiError
from atmp_graph.api.access import check_read_access, require_role
from atmp_graph.api.params import absolute_iri, parse_form
from atmp_graph.api.sparql_routes import ResultStream
from atmp_graph.api.updates import answer, run_update
from atmp_graph.engine.pool import QueryRequest
from atmp_graph.namespaces import CHANGES_GRAPH
from atmp_graph.negotiation import GRAPH_TYPES, choose
from atmp_graph.store import DEFAULT_GRAPH, RDF_MEDIA_TYPES, rdf_format

_UPDATE_BODY = "application/sparql-update"
_FORM = "application/x-www-form-urlencoded"


def _target_graph(request: Request) -> str:
    """The graph a Graph Store request names: ``?graph=IRI`` or ``?default``, exactly one."""
    params = request.query_params
    graphs = params.getlist("graph")
    has_default = "default" in params
    if has_default == bool(graphs) or len(graphs) > 1:
        raise ApiError(400, "name exactly one graph: ?graph=IRI or ?default")
    return DEFAULT_GRAPH if has_default else absolute_iri("graph", graphs[0])


def write_router() -> APIRouter:
    router = APIRouter(tags=["writes"])

    @router.post("/update", summary="SPARQL 1.1 Update")
    async def update(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        params = list(request.query_params.multi_items())
        if content_type == _UPDATE_BODY:
            return await run_update(request, pool, settings, body.decode("utf-8", "replace"), params)
        if content_type == _FORM:
            params += parse_form(body)
            updates = [v for k, v in params if k == "update"]
            if len(updates) != 1:
                raise ApiError(400, "give exactly one 'update' parameter")
            return await run_update(request, pool, settings, updates[0], params)
        raise ApiError(400, f"unsupported Content-Type {content_type or '(none)'!r}; use {_UPDATE_BODY} or {_FORM}")

    @router.api_route("/store", methods=["GET", "HEAD"], summary="Graph Store Protocol: read a graph")
    async def store_get(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
        check_read_access(request, settings)
        graph = _target_graph(request)
        if graph != DEFAULT_GRAPH and graph not in pool.status.get("graphs", {}):
            raise ApiError(404, f"there is no graph <{graph}>")
        media_type = choose(request.headers.get("accept"), GRAPH_TYPES)
        if media_type is None:
            raise ApiError(406, "graphs are available as " + ", ".join(GRAPH_TYPES))
        result = await pool.execute(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=[graph],
                                                 format=media_type))
        if request.method == "HEAD":
            async for _ in result.chunks:
                pass
            return Response(media_type=media_type, headers={"Vary": "Accept"})
        return ResultStream(result.chunks, media_type=media_type, headers={"Vary": "Accept"})

    @router.api_route("/store", methods=["PUT", "POST"], summary="Graph Store Protocol: replace or add to a graph")
    async def store_put(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
        agent = require_role(request, settings, "write")
        graph = _target_graph(request)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if rdf_format(media_type).supports_datasets:
                raise ValueError
        except ValueError:
            raise ApiError(415, f"cannot read {media_type or '(no Content-Type)'!r} into a graph; send one of "
                                + ", ".join(t for t in RDF_MEDIA_TYPES if t not in ("application/n-quads",
                                                                                    "application/trig"))) from None
        existed = graph == DEFAULT_GRAPH or graph in pool.status.get("graphs", {})
        outcome = await pool.write({"kind": request.method.lower(), "agent": agent, "graph": graph or None,
                                    "data_text": (await request.body()).decode("latin-1"), "media_type": media_type})
        if outcome["status"] == "committed" and not existed:
            return answer(outcome, created=True)
        if outcome["status"] == "committed":
            return Response(status_code=204)
        return answer(outcome)

    @router.delete("/store", summary="Graph Store Protocol: delete a graph")
    async def store_delete(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
        agent = require_role(request, settings, "write")
        graph = _target_graph(request)
        outcome = await pool.write({"kind": "delete", "agent": agent, "graph": graph or None})
        if outcome["status"] == "committed":
            return Response(status_code=204)
        return answer(outcome)

    @router.get("/changes", summary="The change log: committed writes, newest first")
    async def changes(request: Request, pool: PoolDep, settings: SettingsDep, limit: int = 100) -> list[dict[str, Any]]:
        check_read_access(request, settings)
        if not 1 <= limit <= 10000:
            raise ApiError(400, "limit must be between 1 and 10000")
        rows = await pool.select(
            f"""PREFIX prov: <http://www.w3.org/ns/prov#>
            SELECT ?change ?agent ?time ?kind ?added ?removed (GROUP_CONCAT(STR(?graph); separator=" ") AS ?graphs)
            WHERE {{ GRAPH <{CHANGES_GRAPH}> {{
              ?change a prov:Activity ; prov:wasAssociatedWith ?agent ; prov:endedAtTime ?time ;
                      <http://purl.org/dc/terms/type> ?kind ; atmp:triplesAdded ?added ; atmp:triplesRemoved ?removed .
              OPTIONAL {{ ?change prov:used ?graph }} }} }}
            GROUP BY ?change ?agent ?time ?kind ?added ?removed ORDER BY DESC(?time) LIMIT {limit}""")
        return [{"change": str(r["change"]), "agent": str(r["agent"]), "time": str(r["time"]),
                 "kind": str(r["kind"]), "added": int(str(r["added"])), "removed": int(str(r["removed"])),
                 "graphs": str(r.get("graphs", "")).split()} for r in rows]

    return router
