"""Why a class is unsatisfiable: the asserted axioms that make it a subclass of two disjoint classes.

HermiT (through owlready2) says *which* classes are unsatisfiable but gives no
justification. The most common cause in a curated ontology is a class that ends up
under two disjoint classes; this module finds such pairs by walking the asserted
axioms (``rdfs:subClassOf``, ``owl:equivalentClass`` both ways, ``owl:intersectionOf``
members) and the disjointness axioms (``owl:disjointWith``, ``owl:AllDisjointClasses``,
``owl:complementOf``), and returns the chain of axioms as Turtle-like lines.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
...   @prefix ex: <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   ex:A owl:disjointWith ex:B . ex:C rdfs:subClassOf ex:A , ex:B .''', format="turtle")
>>> for line in explain_unsatisfiable(g, URIRef("http://example.org/C")): print(line)
<http://example.org/C> rdfs:subClassOf <http://example.org/A>
<http://example.org/C> rdfs:subClassOf <http://example.org/B>
<http://example.org/A> owl:disjointWith <http://example.org/B>
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from atmp_graph.namespaces import PREFIXES

_Edge = tuple[Node, str]  # (the superclass, the axiom that makes it one)


def explain_unsatisfiable(graph: Graph, cls: URIRef, *, limit: int = 3) -> list[str]:
    """Axioms (one per line) that put ``cls`` under two disjoint classes; ``[]`` if none is found."""
    parents = _ancestors(graph, cls)
    lines: list[str] = []
    found = 0
    for left, right, axiom in _disjoint_pairs(graph):
        if left in parents and right in parents:
            for line in [*_path(parents, cls, left), *_path(parents, cls, right), axiom]:
                if line not in lines:
                    lines.append(line)
            found += 1
            if found == limit:
                break
    if OWL.Nothing in parents:
        lines.extend(line for line in _path(parents, cls, OWL.Nothing) if line not in lines)
    return lines


def term(node: Node) -> str:
    """A node as Turtle, with the project's prefixes (blank nodes shown as ``[]``).

    >>> term(URIRef("http://www.w3.org/2002/07/owl#Thing")), term(URIRef("http://example.org/x"))
    ('owl:Thing', '<http://example.org/x>')
    """
    if isinstance(node, BNode):
        return "[]"
    text = str(node)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(namespace) and text[len(namespace):].replace("_", "").replace("-", "").isalnum():
            return f"{prefix}:{text[len(namespace):]}"
    return node.n3()


def _superclasses(graph: Graph, node: Node) -> Iterator[_Edge]:
    for parent in graph.objects(node, RDFS.subClassOf):
        yield parent, f"{term(node)} rdfs:subClassOf {term(parent)}"
    for other in graph.objects(node, OWL.equivalentClass):
        yield other, f"{term(node)} owl:equivalentClass {term(other)}"
    for other in graph.subjects(OWL.equivalentClass, node):
        yield other, f"{term(other)} owl:equivalentClass {term(node)}"
    for members in graph.objects(node, OWL.intersectionOf):
        for member in Collection(graph, members):
            yield member, f"{term(node)} owl:intersectionOf ( ... {term(member)} ... )"


def _ancestors(graph: Graph, cls: Node) -> dict[Node, tuple[Node, str] | None]:
    """Every class reachable from ``cls``, each with the step that first reached it (breadth first)."""
    parents: dict[Node, tuple[Node, str] | None] = {cls: None}
    queue = deque([cls])
    while queue:
        node = queue.popleft()
        for parent, axiom in _superclasses(graph, node):
            if parent not in parents:
                parents[parent] = (node, axiom)
                queue.append(parent)
    return parents


def _path(parents: dict[Node, tuple[Node, str] | None], start: Node, end: Node) -> list[str]:
    steps = []
    node = end
    while node != start:
        step = parents[node]
        if step is None:
            break
        node, axiom = step
        steps.append(axiom)
    return list(reversed(steps))


def _disjoint_pairs(graph: Graph) -> Iterator[tuple[Node, Node, str]]:
    for left, right in graph.subject_objects(OWL.disjointWith):
        yield left, right, f"{term(left)} owl:disjointWith {term(right)}"
    for left, right in graph.subject_objects(OWL.complementOf):
        yield left, right, f"{term(left)} owl:complementOf {term(right)}"
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in graph.objects(axiom, OWL.members):
            classes = list(Collection(graph, members))
            listed = " ".join(term(c) for c in classes)
            for i, left in enumerate(classes):
                for right in classes[i + 1:]:
                    yield left, right, f"[] a owl:AllDisjointClasses ; owl:members ( {listed} )"
