"""Build the FastAPI application: ``create_app(settings)``; the store opens in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from atmp_graph import __version__
from atmp_graph.api.deps import PoolDep
from atmp_graph.api.errors import BodyTooLarge, install_error_handlers
from atmp_graph.api.web import install_web, start_web_state, web_state_status
from atmp_graph.api.sparql_routes import sparql_router
from atmp_graph.api.validate_routes import validate_router
from atmp_graph.api.write_routes import write_router
from atmp_graph.backends import Backend, make_backend
from atmp_graph.settings import Settings
from atmp_graph.store import sources_for

__all__ = ["create_app", "make_pool", "sources_for"]

log = logging.getLogger(__name__)


class BodyLimit:
    """Refuse request bodies above the limit with 413, by Content-Length or while reading."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _send_413(send, self.limit)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, limited_receive, send)


async def _send_413(send: Send, limit: int) -> None:
    body = f"the request body is larger than this service's limit of {limit} bytes\n".encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


def make_pool(settings: Settings) -> Backend:
    """The backend the settings choose (embedded query workers, or a remote SPARQL store)."""
    return make_backend(settings)


def with_result_cache(pool: Backend, settings: Settings) -> Backend:
    """``pool`` behind a cache of small answers when the settings ask for one (embedded store only)."""
    if settings.result_cache_mb <= 0:
        return pool
    if settings.backend != "embedded":
        log.warning("--result-cache-mb is ignored: a remote store can change without this service knowing")
        return pool
    from atmp_graph.result_cache import CachedBackend

    return CachedBackend(pool, max_bytes=int(settings.result_cache_mb * 2**20))


def create_app(settings: Settings | None = None, *, pool: Backend | None = None) -> FastAPI:
    """The service for ``settings``; ``pool`` may be one whose data is already loaded."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal pool
        pool = with_result_cache(pool or make_pool(settings), settings)
        await pool.start()
        app.state.web = start_web_state(pool)
        app.state.pool = pool
        try:
            yield
        finally:
            app.state.web.cancel()
            await pool.stop()

    app = FastAPI(
        title="atmp-graph",
        version=__version__,
        description="Knowledge graph of CAR-T and TCR-T cell therapies as gene therapy medicinal products.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=settings.cors_allow_credentials,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "Authorization"],
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.include_router(sparql_router())
    app.include_router(write_router())
    app.include_router(validate_router(shapes=sorted(settings.shapes_dir.glob("*.ttl")),
                                       ontology_dir=settings.ontology_dir if settings.bundled else None))
    install_web(app)

    @app.get("/health", tags=["service"], summary="Liveness and readiness")
    async def health(pool: PoolDep, request: Request) -> dict[str, Any]:
        graphs: dict[str, int] = pool.status.get("graphs", {})
        return {
            "status": "ok" if pool.ready else "degraded",
            "ready": pool.ready,
            "version": __version__,
            "triples": sum(graphs.values()),
            "graphs": graphs,
            "load_seconds": pool.status.get("load_seconds"),
            "reloaded": pool.status.get("reloaded"),
            "replayed_changes": pool.status.get("replayed_changes", 0),
            "entailment": pool.status.get("inference"),
            "workers": pool.worker_counts(),
            "query_timeout_seconds": pool.timeout,
            "writes_enabled": pool.writes,
            "backend": pool.status.get("backend", {"kind": "embedded"}),
            "search_index": web_state_status(request.app.state.web),
            **({"result_cache": pool.cache_counts()} if hasattr(pool, "cache_counts") else {}),
        }

    return app
