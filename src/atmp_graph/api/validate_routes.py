"""``POST /validate``: SHACL validation of a request body, answered as JSON or as a SHACL report graph.

The body is RDF in any format the store reads (by ``Content-Type``); it is validated
against the bundled shapes together with the bundled ontology, so that the class
hierarchy applies. The answer is ``application/json`` (the same document as
``atmp-graph validate --format json``) or, by ``Accept``, a ``sh:ValidationReport``
graph in Turtle, JSON-LD, N-Triples or RDF/XML. A conforming and a non-conforming
body both get 200: the report says which. Errors go through :mod:`.errors`.

Validation is blocking work; it runs in the thread pool, never in the event loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from rdflib import Graph
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from atmp_graph.api.errors import ApiError
from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, BUNDLED_SHAPES_DIR, ONTOLOGY_GRAPH
from atmp_graph.negotiation import choose
from atmp_graph.store import bundled_sources, rdf_format
from atmp_graph.validation.formats.json_report import as_dict
from atmp_graph.validation.report import Report
from atmp_graph.validation.run import annotate, load_store, validate_store_with
from atmp_graph.validation.shapes import Shape, load_shapes, read_shapes_graph
from atmp_graph.validation.sourcemap import SourceIndex

REQUEST_GRAPH = "https://w3id.org/atmp/graph/request"
BODY_NAME = "request body"
# Report media types we answer with, in order of preference, and rdflib's name for each.
_REPORT_TYPES = {
    "application/json": None,
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def validate_router(*, shapes: list[Path] | None = None, ontology_dir: Path | None = BUNDLED_ONTOLOGY_DIR) -> APIRouter:
    """A router with ``POST /validate`` using ``shapes`` (default: bundled) and the TBox in ``ontology_dir``."""
    router = APIRouter(tags=["validation"])
    shapes_paths = shapes or [BUNDLED_SHAPES_DIR]
    load_once = _Once(lambda: _read_shapes(shapes_paths))

    @router.post(
        "/validate",
        summary="Validate RDF against the SHACL shapes",
        responses={200: {"content": {t: {} for t in _REPORT_TYPES}}},
    )
    async def validate(request: Request) -> Response:
        answer_type = choose(request.headers.get("accept"), tuple(_REPORT_TYPES))
        if answer_type is None:
            raise ApiError(406, "the report is available as " + ", ".join(_REPORT_TYPES))
        content_type = request.headers.get("content-type")
        if not content_type:
            raise ApiError(415, "say the body's RDF format with Content-Type (e.g. text/turtle)")
        body = await request.body()
        report = await run_in_threadpool(_validate, body, content_type, load_once, ontology_dir)
        if answer_type == "application/json":
            return JSONResponse(as_dict(report))
        rdf_name = _REPORT_TYPES[answer_type] or "turtle"
        graph = report.to_graph()
        return Response(graph.serialize(format=rdf_name), media_type=answer_type)

    return router


def _validate(body: bytes, content_type: str, load_shapes_once: _Once, ontology_dir: Path | None) -> Report:
    try:
        fmt = rdf_format(content_type)
    except ValueError as error:
        raise ApiError(415, str(error)) from None
    if fmt.supports_datasets and fmt.media_type == "application/ld+json":
        body, content_type = _json_ld_as_n_triples(body), "application/n-triples"
    elif fmt.supports_datasets:
        raise ApiError(415, f"{content_type} holds a dataset; send a single graph (Turtle, N-Triples, RDF/XML, JSON-LD)")
    tbox = [s for s in bundled_sources(ontology_dir) if s.graph == ONTOLOGY_GRAPH] if ontology_dir else []
    store = load_store(tbox)
    try:
        store.load_data(body, content_type, graph=REQUEST_GRAPH)
    except SyntaxError as error:
        where = f"line {error.lineno}, column {error.offset}: " if error.lineno else ""
        raise ApiError(400, f"the body is not valid {content_type.split(';')[0]}: {where}{error.msg}") from None
    shapes_graph, shapes = load_shapes_once()
    report = validate_store_with(store, shapes_graph)
    index = SourceIndex()
    if report.results and content_type.split(";")[0].strip() in ("text/turtle", "application/n-triples"):
        index.add_text(BODY_NAME, body.decode("utf-8", errors="replace"))
    return annotate(report, store, shapes, index)


def _json_ld_as_n_triples(body: bytes) -> bytes:
    """JSON-LD bodies are read as one graph (named graphs inside are merged); remote contexts are refused."""
    try:
        document = json.loads(body)
    except ValueError as error:
        raise ApiError(400, f"the body is not valid JSON: {error}") from None
    if _has_remote_context(document):
        raise ApiError(400, "the JSON-LD body names a remote @context; this service never fetches URLs, inline the context")
    try:
        graph = Graph().parse(data=body, format="json-ld")
    except (ValueError, SyntaxError, TypeError) as error:
        raise ApiError(400, f"the body is not valid JSON-LD: {error}") from None
    return graph.serialize(format="nt", encoding="utf-8")


def _has_remote_context(node: object) -> bool:
    if isinstance(node, dict):
        context = node.get("@context")
        contexts = context if isinstance(context, list) else [context]
        if any(isinstance(c, str) for c in contexts) or "@import" in node:
            return True
        return any(_has_remote_context(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_remote_context(v) for v in node)
    return False


def _read_shapes(paths: list[Path]) -> tuple[Graph, list[Shape]]:
    graph = read_shapes_graph(paths)
    return graph, load_shapes(graph)


class _Once:
    """Compute a value on first use (per router, not per process), thread-safe."""

    def __init__(self, make: Callable[[], tuple[Graph, list[Shape]]]) -> None:
        self._make = make
        self._value: tuple[Graph, list[Shape]] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> tuple[Graph, list[Shape]]:
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value
