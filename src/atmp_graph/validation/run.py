"""Validate files end to end: load, pick an engine, and annotate results for curators.

>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> _ = (tmp / "data.ttl").write_text("@prefix ex: <http://ex.org/> .\\nex:a a ex:C .\\n")
>>> _ = (tmp / "shapes.ttl").write_text('''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <http://ex.org/S> sh:targetClass <http://ex.org/C> ;
...   sh:property [ sh:path <http://ex.org/name> ; sh:minCount 1 ] .''')
>>> report = validate_sources(user_sources([tmp / "data.ttl"]), shapes=[tmp / "shapes.ttl"])
>>> [(r.component_name, r.location.line, r.expected) for r in report.results]
[('MinCount', 2, 'at least 1 value for <http://ex.org/name>')]
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal as TypingLiteral

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from atmp_graph.store import GraphStore, Source, media_type_for_path, user_sources
from atmp_graph.validation.explain import expected, hint, short, short_path
from atmp_graph.validation.fast import UnsupportedShapeError, validate_store
from atmp_graph.validation.report import Report, ValidationResult
from atmp_graph.validation.shapes import Constraint, Shape, load_shapes, read_shapes_graph
from atmp_graph.validation.sourcemap import SourceIndex

__all__ = ["EngineChoice", "load_store", "validate_sources", "validate_store_with", "user_sources"]

EngineChoice = TypingLiteral["auto", "fast", "pyshacl"]


def load_store(sources: Sequence[Source]) -> GraphStore:
    """Load ``sources`` into a new in-memory store.

    A syntax error is raised as ``SyntaxError`` whose ``filename``, ``lineno`` and
    ``offset`` point into the offending file; a missing file as ``FileNotFoundError``.
    """
    store = GraphStore.in_memory()
    for source in sources:
        if not source.path.is_file():
            raise FileNotFoundError(f"{source.path}: no such file")
        try:
            store.load_sources([source])
        except SyntaxError:
            raise _located_syntax_error(source.path) from None
    return store


def validate_sources(
    sources: Sequence[Source], *, shapes: Sequence[Path], engine: EngineChoice = "auto"
) -> Report:
    """Validate the union of ``sources`` against the shapes files (or directories) ``shapes``."""
    shapes_graph = read_shapes_graph(shapes)
    store = load_store(sources)
    report = validate_store_with(store, shapes_graph, engine=engine)
    index = None
    if report.results:
        focus_nodes = {str(r.focus) for r in report.results}
        index = SourceIndex.from_files([(s.path, display_name(s.path)) for s in sources], only=focus_nodes)
    return annotate(report, store, load_shapes(shapes_graph), index)


def validate_store_with(store: GraphStore, shapes_graph: Graph, *, engine: EngineChoice = "auto") -> Report:
    """Run one engine on a loaded store; ``auto`` uses the fast path unless a shape needs pySHACL."""
    from atmp_graph.validation import engine_pyshacl  # pySHACL is slow to import: only when it runs

    if engine != "pyshacl":
        try:
            return validate_store(store, load_shapes(shapes_graph))
        except UnsupportedShapeError as error:
            if engine == "fast":
                raise
            note = f"pySHACL used because the fast path does not translate: {error}"
            report = engine_pyshacl.validate_graph(to_rdflib(store), shapes_graph)
            return replace(report, notes=report.notes + (note,))
    return engine_pyshacl.validate_graph(to_rdflib(store), shapes_graph)


def to_rdflib(store: GraphStore) -> Graph:
    """The union of the store's graphs as one rdflib graph (pySHACL validates one graph)."""
    graph = Graph()
    for name in store.named_graphs():
        buffer = io.BytesIO()
        store.dump_graph(name, buffer)
        graph.parse(data=buffer.getvalue(), format="nt")
    return graph


def annotate(report: Report, store: GraphStore, shapes: Sequence[Shape], index: SourceIndex | None) -> Report:
    """Fill each result's label, location, expected value, fix hint and (if empty) message."""
    by_shape: dict[tuple[Node, URIRef], list[tuple[Shape, Constraint]]] = {}
    for shape in shapes:
        for constraint in shape.constraints:
            by_shape.setdefault((shape.node, constraint.component), []).append((shape, constraint))
    labels: dict[Node, str | None] = {}
    annotated = []
    for result in report.results:
        if result.focus not in labels:
            labels[result.focus] = _label(store, result.focus)
        fields: dict[str, object] = {
            "label": labels[result.focus],
            "location": index.locate(result.focus, result.path) if index else None,
        }
        candidates = by_shape.get((result.shape, result.component), [])
        if candidates:
            shape, constraint = _matching(candidates, result.message)
            fields["expected"] = expected(constraint, result.path)
            fields["hint"] = constraint.hint or shape.hint or hint(constraint, result.path, result.focus)
            owner = short(shape.parent if shape.parent is not None else shape.node)
            fields["rule"] = f"{owner} {result.component_name}" + (f" {short_path(result.path)}" if result.path else "")
            if not result.message:
                fields["message"] = f"{result.component_name} constraint not met: expected {fields['expected']}"
        annotated.append(replace(result, **fields))  # type: ignore[arg-type]
    annotated.sort(key=_display_order)
    return report.with_results(tuple(annotated))


def _matching(candidates: list[tuple[Shape, Constraint]], message: str) -> tuple[Shape, Constraint]:
    """The constraint a result came from: several SPARQL constraints of one shape differ by message."""
    for shape, constraint in candidates:
        if constraint.messages and message and _template_prefix(constraint.messages[0]) in message:
            return shape, constraint
    return candidates[0]


def _template_prefix(template: str) -> str:
    return template.split("{", 1)[0]


def display_name(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _label(store: GraphStore, focus: Node) -> str | None:
    if not hasattr(focus, "n3") or isinstance(focus, Literal):
        return None
    try:
        rows = list(store.select(
            "SELECT ?s ?label WHERE { ?s rdfs:label|skos:prefLabel ?label }", substitutions={"s": focus}
        ))
    except TypeError:
        return None
    labels = sorted((r["label"] for r in rows if isinstance(r.get("label"), Literal)),
                    key=lambda t: (getattr(t, "language", None) not in (None, "en"), str(t)))
    return str(labels[0]) if labels else None


def _display_order(result: ValidationResult) -> tuple[str, int, str, str]:
    location = result.location
    return (
        location.file if location else "~",
        (location.line or 0) if location else 0,
        str(result.focus),
        str(result.component),
    )


def _located_syntax_error(path: Path) -> SyntaxError:
    """Re-parse a file that failed to bulk-load, to get the error's line and column."""
    try:
        GraphStore.in_memory().load_data(path.read_bytes(), media_type_for_path(path), graph="urn:x-atmp:check")
    except SyntaxError as error:
        message = error.msg if error.msg else str(error)
        return SyntaxError(message, (str(path), error.lineno or 0, error.offset or 0, None))
    except ValueError as error:  # a dataset format: fall back to the bulk loader's message
        return SyntaxError(str(error), (str(path), 0, 0, None))
    return SyntaxError("syntax error", (str(path), 0, 0, None))
