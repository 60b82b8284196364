"""The reference materialisation: ``owlrl`` (pure Python), filtered to what we derive.

Used by the agreement tests and the benchmark, never by the service. owlrl's OWL 2 RL
closure is computed without axiomatic and datatype-axiom triples; its inferences are
the closure minus the input graph, and we drop the triples that
:func:`atmp_graph.reasoning.rules.is_trivial` calls trivial (which our rules never
derive). What remains must equal our inferred graph.

Blank nodes: compare graphs whose blank nodes were skolemised first (:func:`skolemised`),
because the store and rdflib name blank nodes differently.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   <urn:ex:A> rdfs:subClassOf <urn:ex:B> . <urn:ex:a> a <urn:ex:A> .''', format="turtle")
>>> sorted(str(o) for s, p, o in owlrl_inferences(g))
['urn:ex:B']
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from atmp_graph.reasoning.rules import is_trivial

Triple = tuple[Node, Node, Node]
# xsd:string (a plain constant: pytest's doctest collector trips over rdflib's closed XSD namespace)
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def owlrl_inferences(graph: Graph) -> set[Triple]:
    """The non-trivial triples owlrl's OWL 2 RL closure adds to ``graph`` (``graph`` is not modified)."""
    closure = Graph()
    for triple in graph:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)
    return normalised(triple for triple in closure if triple not in graph and not is_trivial(triple))


def normalised(triples: Iterable[Triple]) -> set[Triple]:
    """The triples with ``"x"^^xsd:string`` written as the plain literal ``"x"`` (the same RDF 1.1 term).

    The store returns string literals typed; rdflib parses them untyped, and compares
    the two as different.

    >>> normalised([(URIRef("urn:s"), URIRef("urn:p"), Literal("x", datatype=XSD_STRING))])
    {(rdflib.term.URIRef('urn:s'), rdflib.term.URIRef('urn:p'), rdflib.term.Literal('x'))}
    """
    return {tuple(_plain(term) for term in triple) for triple in triples}  # type: ignore[misc]


def _plain(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype == XSD_STRING and not term.language:
        return Literal(str(term))
    return term


def skolemised(graph: Graph) -> Graph:
    """``graph`` with its blank nodes replaced by stable IRIs, so two engines can be compared triple by triple."""
    return graph.skolemize()
