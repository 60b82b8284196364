"""The fast path: SHACL shapes translated into SPARQL and run by pyoxigraph.

Each (shape, constraint) pair becomes one SELECT query whose rows are the
violations, so the work stays inside the SPARQL engine instead of iterating focus
nodes in Python. Targets follow https://www.w3.org/TR/shacl/#targets with the class
hierarchy of the data graph (``rdf:type/rdfs:subClassOf*``); constraint semantics
follow https://www.w3.org/TR/shacl/#core-components and, for ``sh:sparql``,
https://www.w3.org/TR/shacl/#sparql-constraints (``$this`` is pre-bound by joining
the query with the focus nodes, so ``$this`` must occur in a triple pattern).

Constants come from the shapes graph (trusted configuration) and are written with
:func:`.shapes.sparql_term`, which refuses IRIs that could break out of ``<...>``;
data never enters query text.

>>> from atmp_graph.store import GraphStore
>>> from rdflib import Graph
>>> store = GraphStore.in_memory()
>>> store.load_data(b'<http://ex.org/a> a <http://ex.org/C> .', "text/turtle", graph="http://ex.org/g")
>>> shapes = load_shapes(Graph().parse(format="turtle", data='''
...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .
...   ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .'''))
>>> [(str(r.focus), r.component_name) for r in validate_store(store, shapes).results]
[('http://ex.org/a', 'MinCount')]
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from atmp_graph.store import GraphStore
from atmp_graph.validation.report import SH, Report, ValidationResult
from atmp_graph.validation.paths import iri
from atmp_graph.validation.shapes import Constraint, Shape, load_shapes, sparql_term

__all__ = ["UnsupportedShapeError", "validate_store", "load_shapes"]

# XSD datatypes whose lexical form can be checked with a SPARQL cast.
_CASTABLE = {XSD.boolean, XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.date, XSD.dateTime, XSD.time}
_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}
_COMPARISONS = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}
_PLAIN_SELECT = re.compile(
    r"^\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(?P<projection>[^{]*?)\s*WHERE\s*\{(?P<body>.*)\}\s*$", re.I | re.S
)
_PROJECTION = re.compile(r"^(\s*SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?)(.*?)(\bWHERE\b|\{)", re.I | re.S)


class UnsupportedShapeError(NotImplementedError):
    """A shape uses a SHACL feature the fast path does not translate."""


def validate_store(store: GraphStore, shapes: Sequence[Shape], *, focus: Collection[Node] | None = None) -> Report:
    """Validate the union of the store's graphs against ``shapes``.

    With ``focus``, only those nodes are validated (as focus nodes of the shapes that
    target them): the write path checks what a change can affect. Blank nodes cannot be
    named in a query, so a focus set holding one validates everything.

    Raises :class:`UnsupportedShapeError` before running anything if a shape needs
    a feature listed in :data:`.shapes.UNSUPPORTED`.
    """
    unsupported = sorted({f"{shape.node} uses sh:{name}" for shape in shapes for name in shape.unsupported})
    if unsupported:
        raise UnsupportedShapeError("; ".join(unsupported))
    by_node = {shape.node: shape for shape in shapes if shape.parent is None}
    classes = _SubclassCache(store)
    restrict = _focus_values(focus)
    results: list[ValidationResult] = []
    for shape in shapes:
        # Through sh:property a shape validates its parent's focus nodes; on its own, its own targets.
        if shape.parent is None:
            targets = shape.targets
        else:
            targets = by_node[shape.parent].targets if shape.parent in by_node else ()
        if not targets:
            continue
        target = restrict + _target_pattern(targets, classes)
        for constraint in shape.constraints:
            results.extend(_check(store, shape, constraint, target, classes))
    return Report(results=tuple(results), engine="fast")


def _focus_values(focus: Collection[Node] | None) -> str:
    if focus is None or any(not isinstance(node, (URIRef, Literal)) for node in focus):
        return ""
    return f"VALUES ?this {{ {' '.join(sparql_term(node) for node in focus)} }} "


class _SubclassCache:
    """``C`` and its subclasses in the data graph, as a SPARQL ``VALUES`` list."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store
        self._cache: dict[Node, str] = {}

    def values(self, cls: Node) -> str:
        if cls not in self._cache:
            rows = self._store.select(
                "SELECT DISTINCT ?c ?super WHERE { ?c rdfs:subClassOf* ?super }", substitutions={"super": cls}
            )
            found = {row["c"] for row in rows if isinstance(row.get("c"), URIRef)} | {cls}
            self._cache[cls] = " ".join(sparql_term(c) for c in sorted(found, key=str))
        return self._cache[cls]


def _target_pattern(targets: Sequence[tuple[str, Node]], classes: _SubclassCache) -> str:
    parts = []
    for kind, value in targets:
        if kind == "targetClass":
            parts.append(f"{{ VALUES ?_tc {{ {classes.values(value)} }} ?this a ?_tc }}")
        elif kind == "targetNode":
            parts.append(f"{{ VALUES ?this {{ {sparql_term(value)} }} }}")
        elif kind == "targetSubjectsOf":
            parts.append(f"{{ ?this {sparql_term(value)} ?_to }}")
        else:
            parts.append(f"{{ ?_ts {sparql_term(value)} ?this }}")
    # A plain join, not a DISTINCT subquery: pyoxigraph then streams the focus nodes into the
    # constraint pattern. A node reached twice (two target kinds, or typed with a class and its
    # subclass) is collapsed by the DISTINCT / GROUP BY of every query below.
    return parts[0] if len(parts) == 1 else "{ " + " UNION ".join(parts) + " }"


def _check(
    store: GraphStore, shape: Shape, constraint: Constraint, target: str, classes: _SubclassCache
) -> Iterator[ValidationResult]:
    name = constraint.name
    if name == "sparql":
        yield from _check_sparql(store, shape, constraint, target)
        return
    path = shape.path
    values = f"?this {path} ?value ." if path else "BIND(?this AS ?value)"
    if name in ("minCount", "maxCount"):
        count = int(constraint.value)  # type: ignore[call-overload]
        if path is None:
            return
        if name == "minCount" and count == 1:
            # OPTIONAL + !BOUND rather than FILTER NOT EXISTS: pyoxigraph evaluates a path inside
            # NOT EXISTS without the outer binding (quadratic), but joins OPTIONAL by hash.
            query = f"SELECT DISTINCT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?value }} FILTER(!BOUND(?value)) }}"
        elif name == "minCount":
            query = (f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?value }} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {count})")
        elif count == 1:
            # Two different values, by a self-join: about twice as fast as GROUP BY on pyoxigraph.
            query = (f"SELECT DISTINCT ?this WHERE {{ {target} ?this {path} ?value . ?this {path} ?_other . "
                     f"FILTER(!sameTerm(?value, ?_other)) }}")
        else:
            query = (f"SELECT ?this WHERE {{ {target} ?this {path} ?value }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {count})")
        yield from _rows(store, query, shape, constraint, with_value=False)
    elif name == "hasValue":
        wanted = sparql_term(constraint.value)
        if path is None:
            query = f"SELECT DISTINCT ?this WHERE {{ {target} FILTER(!sameTerm(?this, {wanted})) }}"
            yield from _rows(store, query, shape, constraint, with_value=False)
        else:
            query = (f"SELECT DISTINCT ?this WHERE {{ {target} OPTIONAL "
                     f"{{ ?this {path} ?value FILTER(sameTerm(?value, {wanted})) }} FILTER(!BOUND(?value)) }}")
            yield from _rows(store, query, shape, constraint, with_value=False)
    elif name == "uniqueLang":
        if constraint.value != Literal(True) or path is None:
            return
        query = (f"SELECT DISTINCT ?this WHERE {{ {target} {values} FILTER(isLiteral(?value) && lang(?value) != \"\") "
                 f"BIND(LCASE(lang(?value)) AS ?_l) }} GROUP BY ?this ?_l HAVING (COUNT(DISTINCT ?value) > 1)")
        yield from _rows(store, query, shape, constraint, with_value=False)
    else:
        extra, condition = _value_condition(constraint, classes)
        query = f"SELECT DISTINCT ?this ?value WHERE {{ {target} {values} {extra} FILTER({condition}) }}"
        yield from _rows(store, query, shape, constraint, with_value=True)


def _value_condition(constraint: Constraint, classes: _SubclassCache) -> tuple[str, str]:
    """An extra pattern and a FILTER expression that is true for a violating ``?value``."""
    name, value = constraint.name, constraint.value
    if name == "class":
        return "", f"NOT EXISTS {{ VALUES ?_k {{ {classes.values(value)} }} ?value a ?_k }}"
    if name == "datatype":
        condition = f"!isLiteral(?value) || datatype(?value) != {sparql_term(value)}"
        if value in _CASTABLE:
            condition += f" || !COALESCE(isLiteral({sparql_term(value)}(STR(?value))), false)"
        return "", condition
    if name == "nodeKind":
        return "", "!" + _NODE_KINDS[URIRef(str(value))]
    if name == "pattern":
        flags = sparql_term(Literal(constraint.flags))
        return "", f"isBlank(?value) || !REGEX(STR(?value), {sparql_term(value)}, {flags})"
    if name in _COMPARISONS:
        return "", f"!COALESCE(?value {_COMPARISONS[name]} {sparql_term(value)}, false)"
    if name in ("minLength", "maxLength"):
        op = ">=" if name == "minLength" else "<="
        return "", f"isBlank(?value) || !(STRLEN(STR(?value)) {op} {int(value)})"  # type: ignore[call-overload]
    if name == "in":
        allowed = " || ".join(f"sameTerm(?value, {sparql_term(v)})" for v in constraint.values)
        return "", f"!({allowed or 'false'})"
    if name == "languageIn":
        tags = " || ".join(f"langMatches(lang(?value), {sparql_term(Literal(str(v)))})" for v in constraint.values)
        return "", f"!isLiteral(?value) || !({tags or 'false'})"
    if name in ("lessThan", "lessThanOrEquals"):
        op = "<" if name == "lessThan" else "<="
        return f"?this {sparql_term(value)} ?_other .", f"!COALESCE(?value {op} ?_other, false)"
    raise UnsupportedShapeError(f"sh:{name}")


def _check_sparql(store: GraphStore, shape: Shape, constraint: Constraint, target: str) -> Iterator[ValidationResult]:
    inner = constraint.query.replace("$this", "?this")
    if shape.path:
        inner = inner.replace("$PATH", shape.path)
    body = _inlinable_body(inner)
    if body is not None:
        # Pre-binding by inlining: the target pattern and the constraint's pattern form one group,
        # so the engine looks up each focus node's triples instead of evaluating the whole query.
        query = f"{constraint.prefixes}SELECT DISTINCT ?this ?value ?path WHERE {{ {target} {body} }}"
    else:
        match = _PROJECTION.match(inner)
        if match and "?this" not in match.group(2) and "*" not in match.group(2):
            inner = match.group(1) + "?this " + inner[len(match.group(1)):]
        query = f"{constraint.prefixes}SELECT DISTINCT ?this ?value ?path WHERE {{ {target} {{ {inner} }} }}"
    for row in store.select(query):
        focus = row["this"]
        # Unbound ?value: the value node is the focus node (https://www.w3.org/TR/shacl/#sparql-constraints-validation).
        value = _plain(row.get("value", focus))
        path = row.get("path")
        bindings = {"this": focus, "value": value, "path": path}
        message = _fill(constraint.messages[0] if constraint.messages else shape.message, bindings)
        yield ValidationResult(
            focus=focus,
            path=iri(path) if isinstance(path, URIRef) else shape.path,
            component=constraint.component,
            value=value,
            severity=shape.severity,
            message=message,
            shape=shape.node,
        )


def _inlinable_body(select: str) -> str | None:
    """The WHERE group of a plain ``SELECT vars WHERE { ... }`` (no modifiers, no expressions in
    the projection, ``?value``/``?path`` projected when used), else None."""
    match = _PLAIN_SELECT.match(select)
    if match is None:
        return None
    projection, body = match.group("projection"), match.group("body")
    if "(" in projection or "*" in projection:
        return None
    for name in ("?value", "?path"):
        if re.search(re.escape(name) + r"\b", body) and not re.search(re.escape(name) + r"\b", projection):
            return None
    return body


def _rows(store: GraphStore, query: str, shape: Shape, constraint: Constraint, *, with_value: bool) -> Iterator[ValidationResult]:
    for row in store.select(query):
        yield ValidationResult(
            focus=row["this"],
            path=shape.path,
            component=constraint.component,
            value=_plain(row.get("value")) if with_value else None,
            severity=shape.severity,
            message=shape.message,
            shape=shape.node,
        )


def _plain(term: Node | None) -> Node | None:
    """``"x"^^xsd:string`` as the simple literal ``"x"`` (the same term in RDF 1.1, as rdflib writes it)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def _fill(template: str, bindings: dict[str, Node | None]) -> str:
    """Replace ``{?name}`` / ``{$name}`` in a SPARQL constraint's message with result values."""
    def term(match: re.Match[str]) -> str:
        bound = bindings.get(match.group(1))
        return "" if bound is None else (str(bound) if not isinstance(bound, URIRef) else f"<{bound}>")
    return re.sub(r"\{[?$](\w+)\}", term, template)

