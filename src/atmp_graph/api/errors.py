"""The one place where exceptions become HTTP responses.

Clients get a status and a message that says what was wrong; never a stack trace.
Messages are plain text (what SPARQL clients show their users), or JSON when the
client asks for ``application/json``.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response

from atmp_graph.engine.pool import QueryFailed
from atmp_graph.query_safety import FederationRefused

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the service refuses, with the status and message the client sees."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than this service's limit of {limit} bytes")


# How a failed query maps to HTTP.
_QUERY_STATUS = {
    "syntax": 400,
    "not_acceptable": 406,
    "too_large": 413,
    "evaluation": 400,
    "timeout": 503,
    "worker_failed": 503,
}


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/plain" not in accept:
        return JSONResponse({"status": status, "message": message}, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(request, exc.status, exc.message, exc.headers)

    async def query_failed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, QueryFailed)
        status = _QUERY_STATUS.get(exc.code, 503)
        return error_response(request, status, exc.message)

    async def federation_refused(request: Request, exc: Exception) -> Response:
        return error_response(request, 400, str(exc))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg')}" for err in exc.errors()
        )
        return error_response(request, 400, f"invalid request: {problems}")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal error; the service log has the details")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(QueryFailed, query_failed)
    app.add_exception_handler(FederationRefused, federation_refused)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
