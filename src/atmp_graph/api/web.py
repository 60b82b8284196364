"""The human-facing part of the service: templates, the state built at start-up, and mounting.

``load_web_state(pool)`` runs once in the app's lifespan after the pool has loaded the
data: it builds the search index (which also gives every page the labels of the things
it links to) and the JSON-LD context of the ontology. ``install_web(app)`` mounts the
linked-data pages, search, the query catalogue, the web UI and its static files.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import Depends, FastAPI, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from atmp_graph import __version__
from atmp_graph.api.errors import ApiError
from atmp_graph.backends import Backend
from atmp_graph.namespaces import BUNDLED_QUERIES_DIR
from atmp_graph.search_index import SearchIndex

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# Every HTML page carries these. Scripts and styles come from this service only; YASGUI
# sets inline styles and uses data: images for its icons.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@dataclass
class WebState:
    """What the pages need beyond the store: the search index and the ontology's JSON-LD context."""

    index: SearchIndex
    context: dict[str, Any]


async def load_web_state(pool: Backend) -> WebState:
    """Build the search index and JSON-LD context from the loaded data (once, at start-up)."""
    from atmp_graph.api.pages import load_context
    from atmp_graph.api.search import load_search_index

    return WebState(index=await load_search_index(pool), context=await load_context(pool))


def start_web_state(pool: Backend) -> asyncio.Task[WebState]:
    """Build the web state in the background, so that start-up does not wait for it.

    ``/health`` and ``/sparql`` answer meanwhile; a page that needs the state waits for
    it in :func:`get_web` (a fraction of a second after start-up, once).
    """
    return asyncio.create_task(load_web_state(pool), name="web-state")


def web_state_status(state: WebState | asyncio.Task[WebState]) -> str:
    """``ready``, ``building`` or ``failed``: whether search and pages can answer at once."""
    if isinstance(state, WebState):
        return "ready"
    if not state.done():
        return "building"
    return "failed" if state.cancelled() or state.exception() is not None else "ready"


async def get_web(request: Request) -> WebState:
    state = request.app.state.web
    if isinstance(state, WebState):
        return state
    try:  # shielded: a client that goes away must not cancel the build for everyone
        return cast(WebState, await asyncio.shield(state))
    except Exception as error:
        log.error("the search index and page context could not be built: %s", error)
        raise ApiError(503, "the search index is not available: it could not be built from the data") from None


WebDep = Annotated[WebState, Depends(get_web)]


def template_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """A Jinja2 environment with HTML autoescaping and the project's filters."""
    from atmp_graph.termview import curie

    env = Environment(loader=FileSystemLoader(templates_dir), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["version"] = __version__
    env.filters["curie"] = curie
    return env


class Templates:
    """Renders pages into HTML responses with the security headers."""

    def __init__(self, env: Environment | None = None) -> None:
        self.env = env or template_environment()

    def render(self, template: str, /, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def response(self, template: str, /, *, status: int = 200, headers: dict[str, str] | None = None,
                 **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(template, **context), status_code=status,
                            headers={**SECURITY_HEADERS, **(headers or {})})


def install_web(app: FastAPI, *, queries_dir: Path = BUNDLED_QUERIES_DIR) -> None:
    """Mount the pages, search, catalogue, web UI and static files on ``app``."""
    from atmp_graph.api.catalogue import catalogue_router, load_catalogue
    from atmp_graph.api.home import home_router
    from atmp_graph.api.navigator_routes import navigator_router
    from atmp_graph.api.pages import pages_router
    from atmp_graph.api.search import search_router

    templates = Templates()
    catalogue = load_catalogue(queries_dir)
    app.include_router(home_router(templates, catalogue))
    app.include_router(search_router(templates))
    app.include_router(catalogue_router(catalogue, templates))
    app.include_router(pages_router(templates))
    app.include_router(navigator_router(templates))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
