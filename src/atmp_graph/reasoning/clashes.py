"""Concrete contradictions in a materialised store: the OWL 2 RL rules whose head is *false*.

HermiT says *whether* the ontology and data are inconsistent; these queries say *where*,
for the contradictions the RL rules can see (an individual in two disjoint classes, an
irreflexive property used reflexively, ...). Run them on a store after
:func:`atmp_graph.reasoning.materialise` so that inferred types count.

>>> from atmp_graph.store import GraphStore
>>> from atmp_graph.reasoning import materialise
>>> store = GraphStore.in_memory()
>>> store.load_data(b'''@prefix ex: <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
...   ex:Autologous owl:disjointWith ex:Allogeneic . ex:p a ex:Autologous , ex:Allogeneic .''',
...   "text/turtle", graph="urn:ex:g")
>>> _ = materialise(store)
>>> [clash.rule for clash in find_clashes(store)]
['cax-dw']
"""

from __future__ import annotations

from dataclasses import dataclass

from atmp_graph.reasoning.explain import term
from atmp_graph.store import GraphStore

# rule name -> (query selecting ?x ?a ?b, message template over the same names)
CLASH_QUERIES: dict[str, tuple[str, str]] = {
    "cax-dw": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?a owl:disjointWith ?b . ?x a ?a . ?x a ?b }",
        "{x} is an instance of {a} and of {b}, which are disjoint ({a} owl:disjointWith {b})",
    ),
    "cax-adc": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?d a owl:AllDisjointClasses ; owl:members ?l . "
        "?l rdf:rest*/rdf:first ?a . ?l rdf:rest*/rdf:first ?b . FILTER (STR(?a) < STR(?b)) ?x a ?a . ?x a ?b }",
        "{x} is an instance of {a} and of {b}, members of the same owl:AllDisjointClasses axiom",
    ),
    "cls-com": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?a owl:complementOf ?b . ?x a ?a . ?x a ?b }",
        "{x} is an instance of {a} and of its complement {b}",
    ),
    "cls-nothing2": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?x a owl:Nothing BIND(owl:Nothing AS ?a) BIND(owl:Nothing AS ?b) }",
        "{x} is an instance of owl:Nothing",
    ),
    "prp-irp": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?a a owl:IrreflexiveProperty . ?x ?a ?x BIND(?x AS ?b) }",
        "{x} {a} {x}, but {a} is irreflexive",
    ),
    "prp-asyp": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?a a owl:AsymmetricProperty . ?x ?a ?b . ?b ?a ?x }",
        "{x} {a} {b} and {b} {a} {x}, but {a} is asymmetric",
    ),
    "eq-diff1": (
        "SELECT DISTINCT ?x ?a ?b WHERE { ?x owl:sameAs ?b . ?x owl:differentFrom ?b BIND(owl:sameAs AS ?a) }",
        "{x} is both the same as and different from {b}",
    ),
}


@dataclass(frozen=True)
class Clash:
    """One contradiction: the OWL 2 RL rule that detects it and a sentence saying what it is."""

    rule: str
    message: str


def find_clashes(store: GraphStore, *, limit: int = 20) -> list[Clash]:
    """Up to ``limit`` contradictions visible in the store's union graph (asserted plus inferred)."""
    clashes: list[Clash] = []
    for rule, (query, template) in CLASH_QUERIES.items():
        for row in store.select(query + f" LIMIT {int(limit)}"):
            names = {name: term(row[name]) for name in ("x", "a", "b") if name in row}
            clashes.append(Clash(rule, template.format(**names)))
            if len(clashes) >= limit:
                return clashes
    return clashes
