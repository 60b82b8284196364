"""The validation report: engine-neutral results, as Python objects and as a SHACL report graph.

Both engines (:mod:`.fast` and :mod:`.engine_pyshacl`) produce a :class:`Report`;
the writers in :mod:`.formats` read it. The fields follow the SHACL results
vocabulary (https://www.w3.org/TR/shacl/#results-validation-result); ``path`` is the
result path written as a SPARQL property path, so that two engines can be compared.

>>> from rdflib import URIRef
>>> r = ValidationResult(focus=URIRef("http://ex.org/a"), path="<http://ex.org/p>",
...     component=SH.MinCountConstraintComponent, value=None, severity=SH.Violation,
...     message="needs a p", shape=URIRef("http://ex.org/S"))
>>> report = Report(results=(r,), engine="fast")
>>> report.conforms, report.count(SH.Violation), r.severity_name
(False, 1, 'violation')
>>> len(report.to_graph())
10
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal as TypingLiteral

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from atmp_graph.validation.paths import SH, path_from_sparql

__all__ = ["SH", "EngineName", "Location", "Report", "ValidationResult"]


EngineName = TypingLiteral["fast", "pyshacl"]
SEVERITY_ORDER = (SH.Violation, SH.Warning, SH.Info)
_NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float}


@dataclass(frozen=True)
class Location:
    """Where a resource is written: a file and (when found) a 1-based line."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, plus curator-facing annotations filled in later."""

    focus: Node
    path: str | None
    component: URIRef
    value: Node | None
    severity: URIRef
    message: str
    shape: Node
    # Filled by the runner for display; not part of the comparison key.
    expected: str = ""
    hint: str = ""
    label: str | None = None
    location: Location | None = None
    rule: str = ""

    @property
    def severity_name(self) -> str:
        """``violation``, ``warning`` or ``info``."""
        return str(self.severity).rsplit("#", 1)[-1].lower()

    @property
    def component_name(self) -> str:
        """The constraint component's local name without the suffix, e.g. ``MinCount``."""
        return str(self.component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")

    def key(self) -> tuple[str, str, str, str]:
        """The (focus node, path, constraint component, value) used to compare engines."""
        return (_term_key(self.focus), self.path or "", str(self.component), _term_key(self.value))


@dataclass(frozen=True)
class Report:
    """The outcome of validating one data graph against one shapes graph."""

    results: tuple[ValidationResult, ...]
    engine: EngineName
    notes: tuple[str, ...] = field(default=())

    @property
    def conforms(self) -> bool:
        """SHACL conformance: no result of any severity."""
        return not self.results

    def count(self, severity: URIRef) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def failed(self, *, fail_on: TypingLiteral["violation", "warning", "info"] = "violation") -> bool:
        """Whether a gate should fail: any result at ``fail_on`` severity or worse."""
        worst = SEVERITY_ORDER[: SEVERITY_ORDER.index(SH[fail_on.capitalize()]) + 1]
        return any(r.severity in worst for r in self.results)

    def keys(self) -> set[tuple[str, str, str, str]]:
        return {r.key() for r in self.results}

    def with_results(self, results: tuple[ValidationResult, ...]) -> Report:
        return replace(self, results=results)

    def to_graph(self) -> Graph:
        """The report as a SHACL validation report graph (``sh:ValidationReport``)."""
        graph = Graph()
        graph.bind("sh", SH)
        report = BNode()
        graph.add((report, RDF.type, SH.ValidationReport))
        graph.add((report, SH.conforms, Literal(self.conforms)))
        for result in self.results:
            node = BNode()
            graph.add((report, SH.result, node))
            graph.add((node, RDF.type, SH.ValidationResult))
            graph.add((node, SH.focusNode, result.focus))
            graph.add((node, SH.sourceConstraintComponent, result.component))
            graph.add((node, SH.resultSeverity, result.severity))
            graph.add((node, SH.sourceShape, result.shape))
            graph.add((node, SH.resultMessage, Literal(result.message)))
            if result.value is not None:
                graph.add((node, SH.value, result.value))
            if result.path is not None:
                _add_path(graph, node, result.path)
        return graph


def _add_path(graph: Graph, node: BNode, path: str) -> None:
    """``sh:resultPath`` as a SHACL path (an IRI, or the blank-node structure of a complex path)."""
    graph.add((node, SH.resultPath, path_from_sparql(path, graph)))


def _term_key(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:"  # blank node labels differ between engines; compare them as one
    if isinstance(term, Literal) and term.datatype in _NUMERIC:
        # Engines keep different lexical forms ("0.0" and "0"); compare by value.
        try:
            return f"{float(term.toPython())!r}^^{term.datatype}"
        except (TypeError, ValueError):
            return str(term.n3())  # type: ignore[no-untyped-call]
    return str(term.n3())  # type: ignore[no-untyped-call]
