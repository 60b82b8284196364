"""Reading SHACL shapes into a small model both engines' results can be described with.

Covers what the fast path translates (SHACL Core value, cardinality, string and
property-pair constraints, and SHACL-SPARQL constraints; see
https://www.w3.org/TR/shacl/#core-components and #sparql-constraints). Anything else
is listed in :attr:`Shape.unsupported` so callers can fall back to pyshacl.

>>> g = Graph().parse(format="turtle", data='''
... @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .
... ex:S a sh:NodeShape ; sh:targetClass ex:C ;
...   sh:property [ sh:path ( ex:p [ sh:inversePath ex:q ] ) ; sh:minCount 1 ] .''')
>>> [s] = [s for s in load_shapes(g) if s.path]
>>> s.path, [c.name for c in s.constraints], s.parent == URIRef("http://ex.org/S")
('<http://ex.org/p>/(^<http://ex.org/q>)', ['minCount'], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from atmp_graph.validation.paths import SH, iri, path_to_sparql

# Parameter name -> its constraint component (one-parameter components).
COMPONENTS: dict[str, URIRef] = {
    "minCount": SH.MinCountConstraintComponent,
    "maxCount": SH.MaxCountConstraintComponent,
    "class": SH.ClassConstraintComponent,
    "datatype": SH.DatatypeConstraintComponent,
    "nodeKind": SH.NodeKindConstraintComponent,
    "pattern": SH.PatternConstraintComponent,
    "minInclusive": SH.MinInclusiveConstraintComponent,
    "maxInclusive": SH.MaxInclusiveConstraintComponent,
    "minExclusive": SH.MinExclusiveConstraintComponent,
    "maxExclusive": SH.MaxExclusiveConstraintComponent,
    "minLength": SH.MinLengthConstraintComponent,
    "maxLength": SH.MaxLengthConstraintComponent,
    "in": SH.InConstraintComponent,
    "hasValue": SH.HasValueConstraintComponent,
    "languageIn": SH.LanguageInConstraintComponent,
    "uniqueLang": SH.UniqueLangConstraintComponent,
    "lessThan": SH.LessThanConstraintComponent,
    "lessThanOrEquals": SH.LessThanOrEqualsConstraintComponent,
    "sparql": SH.SPARQLConstraintComponent,
}
# Core parameters the fast path does not translate (pyshacl handles them).
UNSUPPORTED = ("node", "not", "and", "or", "xone", "qualifiedValueShape", "closed", "equals", "disjoint")
FIX_HINT = URIRef("https://w3id.org/atmp/shapes/fixHint")  # atmpsh:fixHint, declared in shapes/prefixes.ttl
_TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")


@dataclass(frozen=True)
class Constraint:
    """One constraint of a shape: its parameter name and value(s).

    ``values`` holds one term, except for ``in`` and ``languageIn`` (the list
    members) and ``sparql`` (the constraint node). ``flags`` goes with ``pattern``.
    """

    name: str
    values: tuple[Node, ...]
    flags: str = ""
    query: str = ""
    prefixes: str = ""
    messages: tuple[str, ...] = ()
    hint: str = ""

    @property
    def component(self) -> URIRef:
        return COMPONENTS[self.name]

    @property
    def value(self) -> Node:
        return self.values[0]


@dataclass(frozen=True)
class Shape:
    """A node or property shape with its own targets and constraints."""

    node: Node
    path: str | None
    targets: tuple[tuple[str, Node], ...]
    constraints: tuple[Constraint, ...]
    severity: URIRef
    messages: tuple[str, ...]
    parent: Node | None = None
    hint: str = ""
    unsupported: tuple[str, ...] = field(default=())

    @property
    def message(self) -> str:
        return self.messages[0] if self.messages else ""


def read_shapes_graph(paths: Sequence[Path]) -> Graph:
    """Parse shapes files (a directory means its ``*.ttl`` files) into one graph.

    Raises ``SyntaxError`` naming the file when one is not valid Turtle, and
    ``FileNotFoundError`` when a path does not exist.
    """
    graph = Graph()
    for path in paths:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such shapes file or directory")
        files = sorted(path.glob("*.ttl")) if path.is_dir() else [path]
        for file in files:
            try:
                graph.parse(file, format="turtle")
            except Exception as error:  # rdflib raises several unrelated types for bad syntax
                raise SyntaxError(f"{file}: {error}") from None
    return graph


def load_shapes(graph: Graph) -> list[Shape]:
    """Every active shape in ``graph``: node shapes, and property shapes with their parent."""
    shapes: list[Shape] = []
    seen: set[tuple[Node, Node | None]] = set()
    node_shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    for predicate in _TARGETS:
        node_shapes.update(s for s in graph.subjects(SH[predicate], None) if (s, SH.path, None) not in graph)
    node_shapes.update(s for s in graph.subjects(SH.property, None))
    for shape in sorted(node_shapes, key=str):
        if _deactivated(graph, shape):
            continue
        shapes.append(_read_shape(graph, shape, parent=None))
        for prop in sorted(graph.objects(shape, SH.property), key=str):
            if not _deactivated(graph, prop) and (prop, shape) not in seen:
                seen.add((prop, shape))
                shapes.append(_read_shape(graph, prop, parent=shape))
    # Property shapes with targets of their own.
    for prop in sorted(set(graph.subjects(SH.path, None)), key=str):
        if _own_targets(graph, prop) and not _deactivated(graph, prop):
            shapes.append(_read_shape(graph, prop, parent=None))
    return shapes


def sparql_term(term: Node) -> str:
    """A shapes-graph constant (IRI or literal) written for a SPARQL query."""
    if isinstance(term, URIRef):
        return iri(term)
    if isinstance(term, Literal):
        return str(term.n3())  # type: ignore[no-untyped-call]  # rdflib escapes quotes and newlines
    raise ValueError(f"a blank node cannot be a constraint parameter: {term!r}")


def _deactivated(graph: Graph, shape: Node) -> bool:
    return bool(graph.value(shape, SH.deactivated) == Literal(True))


def _own_targets(graph: Graph, shape: Node) -> tuple[tuple[str, Node], ...]:
    targets = [(name, value) for name in _TARGETS for value in graph.objects(shape, SH[name])]
    if (shape, RDF.type, RDFS.Class) in graph or (shape, RDF.type, OWL.Class) in graph:
        targets.append(("targetClass", shape))  # implicit class target
    return tuple(sorted(targets, key=lambda t: (t[0], str(t[1]))))


def _read_shape(graph: Graph, shape: Node, *, parent: Node | None) -> Shape:
    path_node = graph.value(shape, SH.path)
    constraints: list[Constraint] = []
    for name in COMPONENTS:
        for value in sorted(graph.objects(shape, SH[name]), key=str):
            constraints.append(_constraint(graph, name, value, shape))
    unsupported = tuple(name for name in UNSUPPORTED if (shape, SH[name], None) in graph)
    if path_node is not None and (shape, SH.property, None) in graph:
        unsupported += ("property (nested in a property shape)",)
    severity = graph.value(shape, SH.severity)
    messages = _texts(graph.objects(shape, SH.message))
    hint = graph.value(shape, FIX_HINT)
    return Shape(
        node=shape,
        path=None if path_node is None else path_to_sparql(graph, path_node),
        targets=_own_targets(graph, shape),
        constraints=tuple(constraints),
        severity=severity if isinstance(severity, URIRef) else SH.Violation,
        messages=messages,
        parent=parent,
        hint=str(hint) if hint is not None else "",
        unsupported=unsupported,
    )


def _constraint(graph: Graph, name: str, value: Node, shape: Node) -> Constraint:
    if name in ("in", "languageIn"):
        return Constraint(name, tuple(Collection(graph, value)))
    if name == "pattern":
        flags = graph.value(shape, SH.flags)
        return Constraint(name, (value,), flags=str(flags) if flags is not None else "")
    if name == "sparql":
        select = graph.value(value, SH.select)
        if select is None:
            raise ValueError(f"SPARQL constraint of {shape!r} has no sh:select")
        prefixes = "".join(
            f"PREFIX {graph.value(decl, SH.prefix)}: {iri(URIRef(str(graph.value(decl, SH.namespace))))}\n"
            for ontology in graph.objects(value, SH.prefixes)
            for decl in graph.objects(ontology, SH.declare)
        )
        messages = _texts(graph.objects(value, SH.message))
        hint = graph.value(value, FIX_HINT)
        return Constraint(name, (value,), query=str(select), prefixes=prefixes, messages=messages,
                          hint=str(hint) if hint is not None else "")
    return Constraint(name, (value,))


def _texts(terms: Iterable[Node]) -> tuple[str, ...]:
    """Messages, English or untagged first."""
    literals = [t for t in terms if isinstance(t, Literal)]
    literals.sort(key=lambda t: (t.language not in (None, "en"), str(t)))
    return tuple(str(t) for t in literals)
