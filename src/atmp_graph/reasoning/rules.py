"""OWL 2 RL rules as SPARQL templates, for semi-naive evaluation inside the store.

Each :class:`Rule` is one rule of the OWL 2 RL/RDF rule tables
(https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules)
with a single head triple. Its body is a list of *atoms* (triple patterns that can
match newly derived triples, so each gets a "delta" variant) plus an optional
*condition* (list walks, filters) that is always read from the whole graph.

Triples that hold in every OWL interpretation and carry no information about the
data (``?c rdfs:subClassOf ?c``, ``?x rdf:type owl:Thing``, ...) are never derived:
see :func:`is_trivial` and ``docs/reasoning.md``.

>>> RULES_BY_NAME["cax-sco"].head
'?x rdf:type ?c2'
>>> print(RULES_BY_NAME["cax-sco"].where(delta_atom=1, delta_graph="urn:d"))
?c1 rdfs:subClassOf ?c2 .
GRAPH <urn:d> { ?x rdf:type ?c1 . }
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, Literal, URIRef
from rdflib.term import Node

# Predicates whose reflexive triples (x P x) are trivially true, hence never derived.
REFLEXIVE_TRIVIAL = (OWL.sameAs, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty)
# Built-in vocabularies: triples *about* their terms are axiomatic (e.g. ``rdfs:label a owl:AnnotationProperty``).
BUILTIN_NAMESPACES = (str(RDF), str(RDFS), str(OWL), "http://www.w3.org/2001/XMLSchema#")

# The properties whose reflexive rdfs:subPropertyOf holds by rule scm-op / scm-dp
# (owlrl also counts rdf:Property, as do we).
_DECLARED_PROPERTY = "VALUES ?ptype { owl:ObjectProperty owl:DatatypeProperty rdf:Property }"


@dataclass(frozen=True)
class Rule:
    """One OWL 2 RL rule: ``atoms`` (and ``condition``) imply the ``head`` triple."""

    name: str
    head: str
    atoms: tuple[str, ...]
    condition: str = ""
    # Extra filter on the head's variables (e.g. to avoid a trivial triple).
    head_filter: str = ""
    spec_rule: str = field(default="")

    @property
    def family(self) -> str:
        """The rule's table in the OWL 2 RL spec: ``eq``, ``prp``, ``cls``, ``cax`` or ``scm``."""
        return (self.spec_rule or self.name).split("-")[0]

    def where(self, *, delta_atom: int | None, delta_graph: str) -> str:
        """The body as a SPARQL group: atom ``delta_atom`` read from ``delta_graph`` (None: all from the full graph)."""
        lines = []
        for index, atom in enumerate(self.atoms):
            lines.append(f"GRAPH <{delta_graph}> {{ {atom} . }}" if index == delta_atom else f"{atom} .")
        if self.condition:
            lines.append(self.condition)
        return "\n".join(lines)

    def insert(
        self, *, delta_atom: int | None, delta_graph: str, new_graphs: tuple[str, ...], using: tuple[str, ...]
    ) -> str:
        """A SPARQL Update inserting the head's new instances (not in ``using``) into each of ``new_graphs``."""
        using_clauses = " ".join(f"USING <{g}>" for g in using)
        named = f"USING NAMED <{delta_graph}>" if delta_atom is not None else ""
        filters = f"FILTER ({self.head_filter})" if self.head_filter else ""
        targets = " ".join(f"GRAPH <{g}> {{ {self.head} }}" for g in new_graphs)
        return (
            f"INSERT {{ {targets} }}\n{using_clauses} {named}\nWHERE {{\n"
            f"{self.where(delta_atom=delta_atom, delta_graph=delta_graph)}\n{filters}\n"
            f"FILTER NOT EXISTS {{ {self.head} }}\n}}"
        )


def _not_same(a: str, b: str) -> str:
    return f"!sameTerm({a}, {b})"


def _not_thing(var: str) -> str:
    return f"!sameTerm({var}, owl:Thing)"


_MEMBER = "rdf:rest*/rdf:first"

RULES: tuple[Rule, ...] = (
    # -- Table 4: equality ---------------------------------------------------
    Rule("eq-sym", "?y owl:sameAs ?x", ("?x owl:sameAs ?y",), head_filter=_not_same("?x", "?y")),
    Rule(
        "eq-trans", "?x owl:sameAs ?z", ("?x owl:sameAs ?y", "?y owl:sameAs ?z"), head_filter=_not_same("?x", "?z")
    ),
    Rule("eq-rep-s", "?s2 ?p ?o", ("?s owl:sameAs ?s2", "?s ?p ?o"), head_filter=_not_same("?s", "?s2")),
    Rule("eq-rep-p", "?s ?p2 ?o", ("?p owl:sameAs ?p2", "?s ?p ?o"), head_filter=_not_same("?p", "?p2")),
    Rule("eq-rep-o", "?s ?p ?o2", ("?o owl:sameAs ?o2", "?s ?p ?o"), head_filter=_not_same("?o", "?o2")),
    # -- Table 5: properties -------------------------------------------------
    Rule("prp-dom", "?x rdf:type ?c", ("?p rdfs:domain ?c", "?x ?p ?y"), head_filter=_not_thing("?c")),
    Rule("prp-rng", "?y rdf:type ?c", ("?p rdfs:range ?c", "?x ?p ?y"), head_filter=_not_thing("?c")),
    Rule(
        "prp-fp",
        "?y1 owl:sameAs ?y2",
        ("?p rdf:type owl:FunctionalProperty", "?x ?p ?y1", "?x ?p ?y2"),
        head_filter=_not_same("?y1", "?y2"),
    ),
    Rule(
        "prp-ifp",
        "?x1 owl:sameAs ?x2",
        ("?p rdf:type owl:InverseFunctionalProperty", "?x1 ?p ?y", "?x2 ?p ?y"),
        head_filter=_not_same("?x1", "?x2"),
    ),
    Rule("prp-symp", "?y ?p ?x", ("?p rdf:type owl:SymmetricProperty", "?x ?p ?y")),
    Rule("prp-trp", "?x ?p ?z", ("?p rdf:type owl:TransitiveProperty", "?x ?p ?y", "?y ?p ?z")),
    Rule("prp-spo1", "?x ?p2 ?y", ("?p1 rdfs:subPropertyOf ?p2", "?x ?p1 ?y")),
    Rule("prp-eqp1", "?x ?p2 ?y", ("?p1 owl:equivalentProperty ?p2", "?x ?p1 ?y")),
    Rule("prp-eqp2", "?x ?p1 ?y", ("?p1 owl:equivalentProperty ?p2", "?x ?p2 ?y")),
    Rule("prp-inv1", "?y ?p2 ?x", ("?p1 owl:inverseOf ?p2", "?x ?p1 ?y")),
    Rule("prp-inv2", "?y ?p1 ?x", ("?p1 owl:inverseOf ?p2", "?x ?p2 ?y")),
    # -- Table 6: classes ----------------------------------------------------
    Rule(
        "cls-int2",
        "?x rdf:type ?ci",
        ("?c owl:intersectionOf ?l", "?x rdf:type ?c"),
        condition=f"?l {_MEMBER} ?ci .",
        head_filter=_not_thing("?ci"),
    ),
    Rule(
        "cls-uni",
        "?x rdf:type ?c",
        ("?c owl:unionOf ?l", "?x rdf:type ?ci"),
        condition=f"?l {_MEMBER} ?ci .",
        head_filter=_not_thing("?c"),
    ),
    Rule(
        "cls-svf1",
        "?u rdf:type ?r",
        ("?r owl:someValuesFrom ?y", "?r owl:onProperty ?p", "?u ?p ?v", "?v rdf:type ?y"),
    ),
    Rule("cls-svf2", "?u rdf:type ?r", ("?r owl:someValuesFrom owl:Thing", "?r owl:onProperty ?p", "?u ?p ?v")),
    Rule(
        "cls-avf",
        "?v rdf:type ?y",
        ("?r owl:allValuesFrom ?y", "?r owl:onProperty ?p", "?u rdf:type ?r", "?u ?p ?v"),
        head_filter=_not_thing("?y"),
    ),
    Rule("cls-hv1", "?u ?p ?y", ("?r owl:hasValue ?y", "?r owl:onProperty ?p", "?u rdf:type ?r")),
    Rule("cls-hv2", "?u rdf:type ?r", ("?r owl:hasValue ?y", "?r owl:onProperty ?p", "?u ?p ?y")),
    Rule(
        "cls-maxc2",
        "?y1 owl:sameAs ?y2",
        ("?r owl:maxCardinality ?n", "?r owl:onProperty ?p", "?u rdf:type ?r", "?u ?p ?y1", "?u ?p ?y2"),
        condition="FILTER (?n = 1)",
        head_filter=_not_same("?y1", "?y2"),
    ),
    Rule(
        "cls-maxqc3",
        "?y1 owl:sameAs ?y2",
        (
            "?r owl:maxQualifiedCardinality ?n",
            "?r owl:onProperty ?p",
            "?r owl:onClass ?c",
            "?u rdf:type ?r",
            "?u ?p ?y1",
            "?y1 rdf:type ?c",
            "?u ?p ?y2",
            "?y2 rdf:type ?c",
        ),
        condition="FILTER (?n = 1 && " + _not_thing("?c") + ")",
        head_filter=_not_same("?y1", "?y2"),
    ),
    Rule(
        "cls-maxqc4",
        "?y1 owl:sameAs ?y2",
        (
            "?r owl:maxQualifiedCardinality ?n",
            "?r owl:onProperty ?p",
            "?r owl:onClass owl:Thing",
            "?u rdf:type ?r",
            "?u ?p ?y1",
            "?u ?p ?y2",
        ),
        condition="FILTER (?n = 1)",
        head_filter=_not_same("?y1", "?y2"),
    ),
    Rule("cls-oo", "?y rdf:type ?c", ("?c owl:oneOf ?l",), condition=f"?l {_MEMBER} ?y .", head_filter=_not_thing("?c")),
    # -- Table 7: class axioms -----------------------------------------------
    Rule("cax-sco", "?x rdf:type ?c2", ("?c1 rdfs:subClassOf ?c2", "?x rdf:type ?c1"), head_filter=_not_thing("?c2")),
    Rule(
        "cax-eqc1", "?x rdf:type ?c2", ("?c1 owl:equivalentClass ?c2", "?x rdf:type ?c1"), head_filter=_not_thing("?c2")
    ),
    Rule(
        "cax-eqc2", "?x rdf:type ?c1", ("?c1 owl:equivalentClass ?c2", "?x rdf:type ?c2"), head_filter=_not_thing("?c1")
    ),
    # -- Table 9: schema vocabulary ------------------------------------------
    Rule(
        "scm-sco",
        "?c1 rdfs:subClassOf ?c3",
        ("?c1 rdfs:subClassOf ?c2", "?c2 rdfs:subClassOf ?c3"),
        head_filter=f"{_not_same('?c1', '?c3')} && {_not_thing('?c3')} && !sameTerm(?c1, owl:Nothing)",
    ),
    Rule(
        "scm-eqc1a",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:equivalentClass ?c2",),
        head_filter=f"{_not_same('?c1', '?c2')} && {_not_thing('?c2')} && !sameTerm(?c1, owl:Nothing)",
        spec_rule="scm-eqc1",
    ),
    Rule(
        "scm-eqc1b",
        "?c2 rdfs:subClassOf ?c1",
        ("?c1 owl:equivalentClass ?c2",),
        head_filter=f"{_not_same('?c1', '?c2')} && {_not_thing('?c1')} && !sameTerm(?c2, owl:Nothing)",
        spec_rule="scm-eqc1",
    ),
    Rule(
        "scm-eqc2",
        "?c1 owl:equivalentClass ?c2",
        ("?c1 rdfs:subClassOf ?c2", "?c2 rdfs:subClassOf ?c1"),
        head_filter=_not_same("?c1", "?c2"),
    ),
    Rule(
        "scm-spo",
        "?p1 rdfs:subPropertyOf ?p3",
        ("?p1 rdfs:subPropertyOf ?p2", "?p2 rdfs:subPropertyOf ?p3"),
        head_filter=_not_same("?p1", "?p3"),
    ),
    Rule(
        "scm-eqp1a",
        "?p1 rdfs:subPropertyOf ?p2",
        ("?p1 owl:equivalentProperty ?p2",),
        head_filter=_not_same("?p1", "?p2"),
        spec_rule="scm-eqp1",
    ),
    Rule(
        "scm-eqp1b",
        "?p2 rdfs:subPropertyOf ?p1",
        ("?p1 owl:equivalentProperty ?p2",),
        head_filter=_not_same("?p1", "?p2"),
        spec_rule="scm-eqp1",
    ),
    Rule(
        "scm-eqp2",
        "?p1 owl:equivalentProperty ?p2",
        ("?p1 rdfs:subPropertyOf ?p2", "?p2 rdfs:subPropertyOf ?p1"),
        head_filter=_not_same("?p1", "?p2"),
    ),
    Rule("scm-dom1", "?p rdfs:domain ?c2", ("?p rdfs:domain ?c1", "?c1 rdfs:subClassOf ?c2"), head_filter=_not_thing("?c2")),
    Rule("scm-dom2", "?p1 rdfs:domain ?c", ("?p2 rdfs:domain ?c", "?p1 rdfs:subPropertyOf ?p2"), head_filter=_not_thing("?c")),
    Rule("scm-rng1", "?p rdfs:range ?c2", ("?p rdfs:range ?c1", "?c1 rdfs:subClassOf ?c2"), head_filter=_not_thing("?c2")),
    Rule("scm-rng2", "?p1 rdfs:range ?c", ("?p2 rdfs:range ?c", "?p1 rdfs:subPropertyOf ?p2"), head_filter=_not_thing("?c")),
    Rule(
        "scm-hv",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:hasValue ?i", "?c1 owl:onProperty ?p1", "?c2 owl:hasValue ?i", "?c2 owl:onProperty ?p2",
         "?p1 rdfs:subPropertyOf ?p2"),
        head_filter=_not_same("?c1", "?c2"),
    ),
    # The same rule where ?p1 = ?p2 (the reflexive rdfs:subPropertyOf of scm-op/scm-dp, which we do not store).
    Rule(
        "scm-hv-refl",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:hasValue ?i", "?c1 owl:onProperty ?p", "?c2 owl:hasValue ?i", "?c2 owl:onProperty ?p",
         "?p rdf:type ?ptype"),
        condition=_DECLARED_PROPERTY,
        head_filter=_not_same("?c1", "?c2"),
        spec_rule="scm-hv",
    ),
    Rule(
        "scm-svf1",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:someValuesFrom ?y1", "?c1 owl:onProperty ?p", "?c2 owl:someValuesFrom ?y2", "?c2 owl:onProperty ?p",
         "?y1 rdfs:subClassOf ?y2"),
        head_filter=_not_same("?c1", "?c2"),
    ),
    # scm-svf1 with ?y1 = ?y2 (the reflexive rdfs:subClassOf of scm-cls, which we do not store).
    Rule(
        "scm-svf1-refl",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:someValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:someValuesFrom ?y", "?c2 owl:onProperty ?p",
         "?y rdf:type owl:Class"),
        head_filter=_not_same("?c1", "?c2"),
        spec_rule="scm-svf1",
    ),
    Rule(
        "scm-svf2",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:someValuesFrom ?y", "?c1 owl:onProperty ?p1", "?c2 owl:someValuesFrom ?y", "?c2 owl:onProperty ?p2",
         "?p1 rdfs:subPropertyOf ?p2"),
        head_filter=_not_same("?c1", "?c2"),
    ),
    Rule(
        "scm-svf2-refl",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:someValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:someValuesFrom ?y", "?c2 owl:onProperty ?p",
         "?p rdf:type ?ptype"),
        condition=_DECLARED_PROPERTY,
        head_filter=_not_same("?c1", "?c2"),
        spec_rule="scm-svf2",
    ),
    Rule(
        "scm-avf1",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:allValuesFrom ?y1", "?c1 owl:onProperty ?p", "?c2 owl:allValuesFrom ?y2", "?c2 owl:onProperty ?p",
         "?y1 rdfs:subClassOf ?y2"),
        head_filter=_not_same("?c1", "?c2"),
    ),
    Rule(
        "scm-avf1-refl",
        "?c1 rdfs:subClassOf ?c2",
        ("?c1 owl:allValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:allValuesFrom ?y", "?c2 owl:onProperty ?p",
         "?y rdf:type owl:Class"),
        head_filter=_not_same("?c1", "?c2"),
        spec_rule="scm-avf1",
    ),
    Rule(
        "scm-avf2",
        "?c2 rdfs:subClassOf ?c1",
        ("?c1 owl:allValuesFrom ?y", "?c1 owl:onProperty ?p1", "?c2 owl:allValuesFrom ?y", "?c2 owl:onProperty ?p2",
         "?p1 rdfs:subPropertyOf ?p2"),
        head_filter=_not_same("?c1", "?c2"),
    ),
    Rule(
        "scm-avf2-refl",
        "?c2 rdfs:subClassOf ?c1",
        ("?c1 owl:allValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:allValuesFrom ?y", "?c2 owl:onProperty ?p",
         "?p rdf:type ?ptype"),
        condition=_DECLARED_PROPERTY,
        head_filter=_not_same("?c1", "?c2"),
        spec_rule="scm-avf2",
    ),
    Rule(
        "scm-int",
        "?c rdfs:subClassOf ?ci",
        ("?c owl:intersectionOf ?l",),
        condition=f"?l {_MEMBER} ?ci .",
        head_filter=f"{_not_same('?c', '?ci')} && {_not_thing('?ci')}",
    ),
    Rule(
        "scm-uni",
        "?ci rdfs:subClassOf ?c",
        ("?c owl:unionOf ?l",),
        condition=f"?l {_MEMBER} ?ci .",
        head_filter=f"{_not_same('?c', '?ci')} && {_not_thing('?c')} && !sameTerm(?ci, owl:Nothing)",
    ),
)

RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}

# Rules whose every conclusion another pair of rules also draws, one round later. They
# are correct but not evaluated: each costs as much as cax-sco over the whole ABox.
SUBSUMED_RULES: dict[str, str] = {
    "cax-eqc1": "scm-eqc1 turns c1 owl:equivalentClass c2 into c1 rdfs:subClassOf c2, then cax-sco",
    "cax-eqc2": "scm-eqc1 turns c1 owl:equivalentClass c2 into c2 rdfs:subClassOf c1, then cax-sco",
    "cls-int2": "scm-int gives c rdfs:subClassOf ci for each member ci, then cax-sco",
    "cls-uni": "scm-uni gives ci rdfs:subClassOf c for each member ci, then cax-sco",
    "prp-eqp1": "scm-eqp1 turns p1 owl:equivalentProperty p2 into p1 rdfs:subPropertyOf p2, then prp-spo1",
    "prp-eqp2": "scm-eqp1 turns p1 owl:equivalentProperty p2 into p2 rdfs:subPropertyOf p1, then prp-spo1",
}


def evaluated_rules(*, list_rules: Sequence[Rule] = (), families: Sequence[str] | None = None) -> tuple[Rule, ...]:
    """What one round evaluates, in order: ``RULES`` but the subsumed ones, plus ``list_rules``.

    cax-sco comes last so that it sees every type triple the other rules derived in the
    same round (see ``materialise._Fixpoint``).

    >>> [rule.name for rule in evaluated_rules(families=["cax"])]
    ['cax-sco']
    """
    chosen = [rule for rule in (*RULES, *list_rules) if families is None or rule.family in families]
    chosen = [rule for rule in chosen if rule.name not in SUBSUMED_RULES]
    return tuple(rule for rule in chosen if rule.name != "cax-sco") + tuple(
        rule for rule in chosen if rule.name == "cax-sco"
    )


def _list_walk(subject: str, prop: str, items: Sequence[str]) -> str:
    """Triple patterns walking an RDF list of exactly ``len(items)`` members, bound to ``items`` in order."""
    lines = [f"{subject} {prop} ?l0 ."]
    for i, item in enumerate(items):
        rest = "rdf:nil" if i == len(items) - 1 else f"?l{i + 1}"
        lines.append(f"?l{i} rdf:first {item} ; rdf:rest {rest} .")
    return "\n".join(lines)


def chain_rule(length: int) -> Rule:
    """Rule prp-spo2 for property chains of ``length`` properties (one template per length).

    The chain's properties are read from its RDF list, so no IRI is pasted into the query.

    >>> chain_rule(2).head
    '?u0 ?p ?u2'
    >>> chain_rule(2).atoms
    ('?u0 ?q1 ?u1', '?u1 ?q2 ?u2')
    """
    if length < 1:
        raise ValueError(f"a property chain needs at least one property, not {length}")
    walk = _list_walk("?p", "owl:propertyChainAxiom", [f"?q{i + 1}" for i in range(length)])
    atoms = tuple(f"?u{i} ?q{i + 1} ?u{i + 1}" for i in range(length))
    return Rule(f"prp-spo2-{length}", f"?u0 ?p ?u{length}", atoms, condition=walk, spec_rule="prp-spo2")


def intersection_rule(length: int) -> Rule:
    """Rule cls-int1 for intersections of ``length`` classes: a conjunctive rule, one template per length.

    >>> intersection_rule(2).atoms
    ('?x rdf:type ?c1', '?x rdf:type ?c2')
    """
    if length < 1:
        raise ValueError(f"an intersection needs at least one class, not {length}")
    walk = _list_walk("?c", "owl:intersectionOf", [f"?c{i + 1}" for i in range(length)])
    atoms = tuple(f"?x rdf:type ?c{i + 1}" for i in range(length))
    return Rule(
        f"cls-int1-{length}", "?x rdf:type ?c", atoms, condition=walk, head_filter=_not_thing("?c"), spec_rule="cls-int1"
    )


# How long the lists of a list-valued property (owl:propertyChainAxiom, owl:intersectionOf) are.
LIST_LENGTHS_QUERY = """
SELECT DISTINCT ?property (COUNT(?member) AS ?length) WHERE {
  ?s ?property ?l .
  ?l rdf:rest* ?node . ?node rdf:first ?member .
} GROUP BY ?property ?s ?l
"""


# Rules of the OWL 2 RL tables that are deliberately not applied, with the reason.
SKIPPED_RULES: dict[str, str] = {
    "eq-ref": "x owl:sameAs x for every term: trivially true, multiplies the graph",
    "scm-cls": "c rdfs:subClassOf c / owl:Thing, owl:Nothing rdfs:subClassOf c, c owl:equivalentClass c: trivial "
    "(the rules that would use them non-trivially are applied in their reflexive form: scm-hv/svf/avf '-refl')",
    "scm-op": "p rdfs:subPropertyOf p, p owl:equivalentProperty p: trivial",
    "scm-dp": "p rdfs:subPropertyOf p, p owl:equivalentProperty p: trivial",
    "cls-thing": "owl:Thing a owl:Class: axiomatic",
    "cls-nothing1": "owl:Nothing a owl:Class: axiomatic",
    "prp-ap": "built-in annotation properties typed owl:AnnotationProperty: axiomatic",
    "prp-key": "owl:hasKey: owlrl (the reference) mis-implements it (it compares all keys but the last), so "
    "there is no reference to agree with; keys are checked by SHACL shapes instead",
    "dt-type1": "datatype declarations of the built-in datatypes: axiomatic",
    "dt-type2": "literal rdf:type datatype: a literal cannot be a subject in RDF 1.1",
    "dt-eq": "literal owl:sameAs literal: literal subject",
    "dt-diff": "literal owl:differentFrom literal: literal subject",
    "dt-not-type": "ill-typed literals are a consistency matter: reported by SHACL and HermiT",
}
# Rules that only detect inconsistency (their head is false): HermiT's job, see atmp_graph.reasoning.hermit.
INCONSISTENCY_RULES = (
    "eq-diff1", "eq-diff2", "eq-diff3", "prp-irp", "prp-asyp", "prp-pdw", "prp-adp", "prp-npa1", "prp-npa2",
    "cls-nothing2", "cls-com", "cls-maxc1", "cls-maxqc1", "cls-maxqc2", "cax-dw", "cax-adc",
)


# The same test as :func:`is_trivial`, as a SPARQL expression over ``?s ?p ?o``: used to
# remove trivial triples that the rules derived along the way (e.g. through owl:sameAs).
TRIVIAL_FILTER = (
    "isLiteral(?s)"
    " || (sameTerm(?s, ?o) && ?p IN (owl:sameAs, rdfs:subClassOf, owl:equivalentClass, rdfs:subPropertyOf,"
    " owl:equivalentProperty))"
    " || (sameTerm(?o, owl:Thing) && ?p IN (rdf:type, rdfs:subClassOf, rdfs:domain, rdfs:range))"
    " || (sameTerm(?s, owl:Nothing) && sameTerm(?p, rdfs:subClassOf))"
    # All four built-in namespaces start with http://www.w3.org/: one cheap test first.
    ' || (isIRI(?s) && STRSTARTS(STR(?s), "http://www.w3.org/") && ('
    + " || ".join(f'STRSTARTS(STR(?s), "{ns}")' for ns in BUILTIN_NAMESPACES)
    + "))"
)


def is_trivial(triple: tuple[Node, Node, Node]) -> bool:
    """Whether a triple is one the materialisation deliberately never derives.

    These are: reflexive ``owl:sameAs``, ``rdfs:subClassOf``, ``owl:equivalentClass``,
    ``rdfs:subPropertyOf``, ``owl:equivalentProperty``; anything typed, sub-classed,
    given a domain or range of ``owl:Thing``; ``owl:Nothing rdfs:subClassOf`` anything;
    triples about the built-in RDF/RDFS/OWL/XSD terms (axiomatic); triples with a literal subject.

    >>> from rdflib import URIRef
    >>> x = URIRef("https://w3id.org/atmp/kb/x")
    >>> is_trivial((x, OWL.sameAs, x)), is_trivial((x, RDF.type, OWL.Thing)), is_trivial((x, RDF.type, OWL.Class))
    (True, True, False)
    """
    subject, predicate, obj = triple
    if isinstance(subject, Literal):
        return True
    if predicate in REFLEXIVE_TRIVIAL and subject == obj:
        return True
    if predicate in (RDF.type, RDFS.subClassOf, RDFS.domain, RDFS.range) and obj == OWL.Thing:
        return True
    if predicate == RDFS.subClassOf and subject == OWL.Nothing:
        return True
    return isinstance(subject, URIRef) and str(subject).startswith(BUILTIN_NAMESPACES)
