"""The reference engine: pySHACL (https://github.com/RDFLib/pySHACL), the one module that imports it.

Runs pySHACL on an rdflib graph and turns its ``sh:ValidationReport`` into a
:class:`.report.Report`. The data graph must already hold the class hierarchy
(``rdfs:subClassOf``) so that subclass instances are targets of their superclass's
shapes; no inference is asked of pySHACL.

>>> from rdflib import Graph
>>> data = Graph().parse(format="turtle", data='''@prefix ex: <http://ex.org/> .
...   ex:a a ex:D . ex:D <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:C .''')
>>> shapes = Graph().parse(format="turtle", data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .
...   ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .''')
>>> [(str(r.focus), r.component_name) for r in validate_graph(data, shapes).results]
[('http://ex.org/a', 'MinCount')]
"""

from __future__ import annotations

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from atmp_graph.validation.report import SH, Report, ValidationResult
from atmp_graph.validation.paths import path_to_sparql


def validate_graph(data: Graph, shapes: Graph) -> Report:
    """Validate ``data`` against ``shapes`` with pySHACL (SHACL Core and SHACL-SPARQL)."""
    _, results_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        abort_on_first=False,
        allow_warnings=False,
        allow_infos=False,
    )
    if isinstance(results_graph, Exception):  # pySHACL returns some failures instead of raising them
        raise ValueError(f"pySHACL could not validate: {results_graph}")
    if not isinstance(results_graph, Graph):
        raise TypeError("pySHACL returned no report graph")
    results = [_result(results_graph, node) for node in results_graph.subjects(RDF.type, SH.ValidationResult)]
    results.sort(key=lambda r: r.key())
    return Report(results=tuple(results), engine="pyshacl")


def _result(graph: Graph, node: Node) -> ValidationResult:
    path = graph.value(node, SH.resultPath)
    component = graph.value(node, SH.sourceConstraintComponent)
    severity = graph.value(node, SH.resultSeverity)
    focus = graph.value(node, SH.focusNode)
    shape = graph.value(node, SH.sourceShape)
    if focus is None or shape is None or not isinstance(component, URIRef):
        raise ValueError("pySHACL result without focus node, shape or component")
    messages = sorted(graph.objects(node, SH.resultMessage), key=lambda m: (getattr(m, "language", None) not in (None, "en"), str(m)))
    return ValidationResult(
        focus=focus,
        path=None if path is None else path_to_sparql(graph, path),
        component=component,
        value=graph.value(node, SH.value),
        severity=severity if isinstance(severity, URIRef) else SH.Violation,
        message=str(messages[0]) if messages and isinstance(messages[0], Literal) else "",
        shape=shape,
    )
