"""Running a write in the zygote and answering for it (shared by /update, /sparql and /store)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import JSONResponse, Response

from atmp_graph.api.access import require_role
from atmp_graph.api.errors import ApiError
from atmp_graph.api.params import absolute_iri
from atmp_graph.backends import Backend
from atmp_graph.query_safety import check as check_federation
from atmp_graph.settings import Settings


def answer(outcome: dict[str, Any], *, created: bool = False) -> Response:
    if outcome["status"] == "rejected":
        return JSONResponse(
            {"status": 422, "message": "the change was refused: it would break the shapes; nothing was applied",
             "conforms": False, "results": outcome["results"]},
            status_code=422,
        )
    if outcome["status"] == "error":
        raise ApiError(int(outcome["http"]), str(outcome["message"]))
    if created:
        return Response(status_code=201)
    return JSONResponse({k: v for k, v in outcome.items() if k != "status"}, status_code=200)


async def run_update(request: Request, pool: Backend, settings: Settings, update: str,
                     params: list[tuple[str, str]]) -> Response:
    agent = require_role(request, settings, "write")
    if not update.strip():
        raise ApiError(400, "the update is empty")
    if len(update) > settings.max_query_length:
        raise ApiError(413, f"the update is longer than this service's limit of {settings.max_query_length} characters")
    check_federation(update, allow=settings.federation_allow_list)
    using = [absolute_iri("using-graph-uri", v) for k, v in params if k == "using-graph-uri"]
    using_named = [absolute_iri("using-named-graph-uri", v) for k, v in params if k == "using-named-graph-uri"]
    outcome = await pool.write({"kind": "update", "agent": agent, "update": update, "using": using,
                                "using_named": using_named})
    return answer(outcome)
