"""SHACL property paths (https://www.w3.org/TR/shacl/#property-paths) and their SPARQL form.

Both engines report a result's path as SPARQL property-path text, so that results can
be compared; the report graph turns the text back into SHACL's RDF structure.

>>> g = Graph().parse(format="turtle", data='''@prefix sh: <http://www.w3.org/ns/shacl#> .
...   <urn:s> sh:path ( <http://ex.org/p> [ sh:inversePath <http://ex.org/q> ] ) .''')
>>> path_to_sparql(g, g.value(URIRef("urn:s"), SH.path))
'<http://ex.org/p>/(^<http://ex.org/q>)'
"""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
_SAFE_IRI = re.compile(r'^[^\x00-\x20<>"{}|^`\\]*$')


def path_to_sparql(graph: Graph, path: Node) -> str:
    """A SHACL path (https://www.w3.org/TR/shacl/#property-paths) as a SPARQL property path."""
    if isinstance(path, URIRef):
        return iri(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_group(graph, p) for p in Collection(graph, path))
    for predicate, operator in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return _group(graph, inner) + operator
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _group(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(_group(graph, p) for p in Collection(graph, alternatives))
    raise ValueError(f"not a SHACL path: {path!r}")


def path_from_sparql(text: str, graph: Graph) -> Node:
    """The inverse of :func:`path_to_sparql`: add the SHACL path's RDF to ``graph`` and return its node.

    >>> g = Graph()
    >>> node = path_from_sparql("<http://ex.org/p>/(^<http://ex.org/q>)", g)
    >>> path_to_sparql(g, node)
    '<http://ex.org/p>/(^<http://ex.org/q>)'
    """
    parser = _PathParser(text, graph)
    node = parser.alternative()
    if parser.pos != len(text):
        raise ValueError(f"not a SPARQL property path written by path_to_sparql: {text!r}")
    return node


class _PathParser:
    def __init__(self, text: str, graph: Graph) -> None:
        self.text, self.graph, self.pos = text, graph, 0

    def _list(self, items: list[Node]) -> Node:
        head = BNode()
        Collection(self.graph, head, items)
        return head

    def alternative(self) -> Node:
        items = [self.sequence()]
        while self.text.startswith("|", self.pos):
            self.pos += 1
            items.append(self.sequence())
        if len(items) == 1:
            return items[0]
        node = BNode()
        self.graph.add((node, SH.alternativePath, self._list(items)))
        return node

    def sequence(self) -> Node:
        items = [self.unary()]
        while self.text.startswith("/", self.pos):
            self.pos += 1
            items.append(self.unary())
        return items[0] if len(items) == 1 else self._list(items)

    def unary(self) -> Node:
        if self.text.startswith("^", self.pos):
            self.pos += 1
            node = BNode()
            self.graph.add((node, SH.inversePath, self.primary()))
            return node
        inner = self.primary()
        for operator, predicate in (("*", SH.zeroOrMorePath), ("+", SH.oneOrMorePath), ("?", SH.zeroOrOnePath)):
            if self.text.startswith(operator, self.pos):
                self.pos += 1
                node = BNode()
                self.graph.add((node, predicate, inner))
                return node
        return inner

    def primary(self) -> Node:
        if self.text.startswith("(", self.pos):
            self.pos += 1
            node = self.alternative()
            if not self.text.startswith(")", self.pos):
                raise ValueError(f"unbalanced parenthesis in path {self.text!r}")
            self.pos += 1
            return node
        if self.text.startswith("<", self.pos):
            end = self.text.index(">", self.pos)
            value = URIRef(self.text[self.pos + 1:end])
            self.pos = end + 1
            return value
        raise ValueError(f"unexpected text in path {self.text!r} at {self.pos}")


def iri(term: URIRef) -> str:
    """``<term>`` for a SPARQL query; ``ValueError`` for characters an IRI may not hold."""
    if not _SAFE_IRI.match(str(term)):
        raise ValueError(f"unsafe IRI in shapes: {str(term)!r}")
    return f"<{term}>"


def _group(graph: Graph, path: Node) -> str:
    text = path_to_sparql(graph, path)
    return text if isinstance(path, URIRef) else f"({text})"
