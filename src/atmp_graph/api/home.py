"""``GET /``: a plain HTML page to run a query from a browser (no JavaScript needed)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from starlette.responses import HTMLResponse

from atmp_graph import __version__

_EXAMPLE = """PREFIX atmp: <https://w3id.org/atmp/ontology/>
SELECT ?class ?label WHERE {
  ?class a owl:Class ; rdfs:label ?label .
  FILTER(lang(?label) = "en")
} ORDER BY ?label LIMIT 50"""

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>atmp-graph</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
textarea{{width:100%;font-family:monospace}}</style></head>
<body>
<h1>atmp-graph</h1>
<p>Knowledge graph of CAR-T and TCR-T cell therapies as gene therapy medicinal products (version {version}).
The SPARQL 1.1 endpoint is <a href="/sparql"><code>/sparql</code></a>; its service description is served there
without a query. The <a href="/docs">API documentation</a> lists every endpoint.</p>
<form action="/sparql" method="get">
<label for="query">SPARQL query</label>
<textarea id="query" name="query" rows="12">{example}</textarea>
<label for="format">Result format</label>
<select id="format" name="format">
<option value="json">JSON</option><option value="xml">XML</option><option value="csv">CSV</option>
<option value="tsv">TSV</option><option value="turtle">Turtle (CONSTRUCT/DESCRIBE)</option>
</select>
<button type="submit">Run</button>
</form>
</body></html>
"""

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def home_router() -> APIRouter:
    router = APIRouter(tags=["web"])

    @router.get("/", response_class=HTMLResponse, summary="The web page")
    def home() -> HTMLResponse:
        return HTMLResponse(_PAGE.format(version=escape(__version__), example=escape(_EXAMPLE)), headers=SECURITY_HEADERS)

    return router
