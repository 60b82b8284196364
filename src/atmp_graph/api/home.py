"""``GET /``: the web UI, YASGUI served from this service (no CDN), with the named queries as tabs.

The page sets up YASGUI against this service's ``/sparql`` with the project's prefixes
preloaded (also offered to YASQE's prefix autocompletion from ``/prefixes.json`` instead
of prefix.cc) and an autocompleter for ``atmp:``/``kb:`` names backed by ``/suggest``.
Without JavaScript the page still offers a plain query form.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from starlette.responses import HTMLResponse, JSONResponse

from atmp_graph.api.web import SECURITY_HEADERS, Templates
from atmp_graph.named_queries import NamedQuery
from atmp_graph.namespaces import PREFIXES

__all__ = ["SECURITY_HEADERS", "home_router"]

START_QUERY = """SELECT ?class ?label WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?class), STR(atmp:)) && lang(?label) = "en")
} ORDER BY ?label LIMIT 50"""


def prefix_lines() -> str:
    """The project's prefixes as SPARQL PREFIX lines.

    >>> prefix_lines().splitlines()[0]
    'PREFIX atmp: <https://w3id.org/atmp/ontology/>'
    """
    return "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items())


def home_router(templates: Templates, catalogue: dict[str, NamedQuery]) -> APIRouter:
    router = APIRouter(tags=["web"])

    @router.get("/", response_class=HTMLResponse, summary="The web UI (YASGUI)")
    def home() -> HTMLResponse:
        config = {
            "endpoint": "/sparql",
            "start": prefix_lines() + "\n\n" + START_QUERY,
            "examples": [{"name": q.title, "query": q.sparql, "summary": q.summary} for q in catalogue.values()],
        }
        # Inside <script type="application/json">: only "</" could end the element early.
        data = json.dumps(config).replace("</", "<\\/")
        return templates.response("home.html", config=data, start=config["start"], examples=config["examples"])

    @router.get("/prefixes.json", summary="The project's prefixes (prefix.cc format, for YASQE)")
    def prefixes() -> JSONResponse:
        return JSONResponse(PREFIXES)

    return router
