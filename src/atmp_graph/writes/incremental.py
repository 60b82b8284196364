"""Keeping the inferred graph up to date after a write, without recomputing it all.

The inferred graph holds what the OWL 2 RL rules of :mod:`atmp_graph.reasoning.rules`
derive from the other graphs and is not asserted there. A write that changes instance
data only (no schema triples) is followed incrementally, with the same rules:

* **Additions**: semi-naive rounds seeded with the added triples. Each round evaluates,
  for every rule and every body atom that can match a triple of the round's delta, the
  rule with that atom replaced by the delta's bindings (a ``VALUES`` block, or the
  engine's substitutions for a row holding a blank node) and the other atoms read from
  the whole store; what is new is inserted and is the next round's delta.
* **Removals** (DRed, "delete and re-derive", Gupta, Mumick and Subrahmanian, SIGMOD
  1993): first *over-delete*, to a fixpoint, every inferred triple with a derivation
  that uses a removed triple or an over-deleted one, evaluated against the state before
  the removal (the removed triples sit in a scratch graph meanwhile); remove those; then
  *re-derive* each of them (and each removed asserted triple) that some rule still
  concludes in one step from what remains, and run the additions' rounds from the
  re-derived triples and the added ones, which restores everything still entailed.

Schema changes (class or property axioms, RDF lists) change the rules' own inputs and
recompute the inferred graph from scratch (:func:`atmp_graph.reasoning.materialise`).

>>> from atmp_graph.store import GraphStore
>>> store = GraphStore.in_memory()
>>> store.load_data(b'''@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   <urn:CarT> rdfs:subClassOf <urn:Gtmp> . <urn:Gtmp> rdfs:subClassOf <urn:Atmp> .''',
...   "text/turtle", graph="urn:g")
>>> _ = materialise(store)
>>> added = store.apply_delta(remove=[], add=store.parse_quads(
...     b"<urn:k> a <urn:CarT> .", "text/turtle", graph="urn:g"))[1]
>>> update_inferences(store, removed=[], added=added).mode
'incremental'
>>> query = "SELECT ?c WHERE { GRAPH <https://w3id.org/atmp/graph/inferred> { <urn:k> a ?c } }"
>>> sorted(str(r["c"]) for r in store.select(query))
['urn:Atmp', 'urn:Gtmp']
>>> removed = store.apply_delta(remove=added, add=[])[0]
>>> update_inferences(store, removed=removed, added=[]).removed != []
True
>>> list(store.select(query))
[]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Union

import pyoxigraph as ox

from atmp_graph.namespaces import INFERRED_GRAPH, PREFIXES
from atmp_graph.reasoning import materialise
from atmp_graph.reasoning.materialise import _list_rules
from atmp_graph.reasoning.rules import BUILTIN_NAMESPACES, RULES, Rule, evaluated_rules
from atmp_graph.store import GraphStore, Quad

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SCHEMA_NAMESPACES = (_RDFS, _OWL)
_RDF_TYPE = _RDF + "type"
# RDF lists carry the members of intersections, unions, property chains and oneOf: rule inputs.
_LIST_TERMS = (_RDF + "first", _RDF + "rest")
# RDFS/OWL predicates that are not schema axioms: annotations and instance-level OWL terms.
_INSTANCE_TERMS = tuple(_RDFS + name for name in ("label", "comment", "seeAlso", "isDefinedBy")) + (
    _OWL + "sameAs", _OWL + "differentFrom")
# The trivial triples the materialisation never keeps (the same test as rules.is_trivial, on store terms).
_REFLEXIVE = frozenset(_OWL + n for n in ("sameAs", "equivalentClass", "equivalentProperty")) | {
    _RDFS + "subClassOf", _RDFS + "subPropertyOf"}
_ABOUT_CLASS = frozenset((_RDF_TYPE, _RDFS + "subClassOf", _RDFS + "domain", _RDFS + "range"))
_THING, _NOTHING = ox.NamedNode(_OWL + "Thing"), ox.NamedNode(_OWL + "Nothing")

# The classes whose instances rules read as schema (rdf:type atoms with a constant class), and the
# property declarations of scm-hv/svf/avf (rules._DECLARED_PROPERTY).
_SCHEMA_TYPES = frozenset(
    atom.split()[2].replace("owl:", _OWL).replace("rdfs:", _RDFS)
    for rule in RULES for atom in rule.atoms
    if atom.split()[1] in ("a", "rdf:type") and atom.split()[2].startswith(("owl:", "rdfs:"))
) | {_OWL + "ObjectProperty", _OWL + "DatatypeProperty", _RDF + "Property", _OWL + "Class"}

Term = Union[ox.NamedNode, ox.BlankNode, ox.Literal]
Triple = tuple[Term, Term, Term]
Row = dict[str, Term]


def _touches_schema(triple: Triple) -> bool:
    """Whether rules read ``triple`` as schema: a class or property axiom, a declaration such as
    ``p a owl:TransitiveProperty``, or a node of an RDF list (the members of intersections,
    unions, chains)."""
    predicate = triple[1].value
    if predicate in _LIST_TERMS:
        return True
    if predicate == _RDF_TYPE:
        return getattr(triple[2], "value", None) in _SCHEMA_TYPES
    return predicate.startswith(_SCHEMA_NAMESPACES) and predicate not in _INSTANCE_TERMS


def _trivial(triple: Triple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, ox.Literal):
        return True
    name = predicate.value
    if name in _REFLEXIVE and subject == obj:
        return True
    if name in _ABOUT_CLASS and obj == _THING:
        return True
    if name == _RDFS + "subClassOf" and subject == _NOTHING:
        return True
    return isinstance(subject, ox.NamedNode) and subject.value.startswith(BUILTIN_NAMESPACES)


@dataclass
class InferenceChange:
    """How the inferred graph was brought up to date, and what changed in it (to undo it)."""

    mode: str  # incremental or recomputed
    removed: list[Quad] = field(default_factory=list)
    added: list[Quad] = field(default_factory=list)

    def undo(self, store: GraphStore) -> None:
        store.apply_delta(remove=self.added, add=self.removed)


# -- rules, parsed once --------------------------------------------------------------
@dataclass(frozen=True)
class _Atom:
    """A triple pattern: each position a variable name (``str``) or a constant term."""

    text: str
    terms: tuple[str | ox.NamedNode, ...]

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(t for t in self.terms if isinstance(t, str)))

    @property
    def predicate(self) -> ox.NamedNode | None:
        return self.terms[1] if isinstance(self.terms[1], ox.NamedNode) else None

    def match(self, triple: Triple) -> Row | None:
        """The variables bound by matching this pattern against ``triple``; None if it does not match."""
        bound: Row = {}
        for token, term in zip(self.terms, triple):
            if isinstance(token, str):
                if bound.setdefault(token, term) != term:
                    return None
            elif token != term:
                return None
        return bound

    def instantiate(self, row: Row) -> Triple | None:
        """The pattern with its variables replaced from ``row``; None if that is not an RDF triple."""
        s, p, o = (row[t] if isinstance(t, str) else t for t in self.terms)
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            return None
        return (s, p, o)


def _token(token: str) -> str | ox.NamedNode:
    """A variable's name, or the constant a token of a rule names."""
    if token.startswith(("?", "$")):
        return token[1:]
    if token == "a":
        return ox.NamedNode(_RDF_TYPE)
    if token.startswith("<") and token.endswith(">"):
        return ox.NamedNode(token[1:-1])
    prefix, colon, local = token.partition(":")
    if not colon or prefix not in PREFIXES:
        raise ValueError(f"unknown constant {token!r} in a rule")
    return ox.NamedNode(PREFIXES[prefix] + local)


def _atom(text: str) -> _Atom:
    tokens = text.split()
    if len(tokens) != 3:
        raise ValueError(f"a rule atom must be a plain triple pattern, not {text!r}")
    return _Atom(text, tuple(_token(t) for t in tokens))


_NOT_SAME = re.compile(r"^!sameTerm\(\s*(\S+?)\s*,\s*(\S+?)\s*\)$")


def _head_check(head_filter: str) -> Callable[[Row], bool]:
    """The rule's head filter, a conjunction of ``!sameTerm(a, b)``, as a test on a row."""
    pairs = []
    for part in filter(None, (p.strip() for p in head_filter.split("&&"))):
        match = _NOT_SAME.match(part)
        if match is None:
            raise ValueError(f"head filter not understood by the incremental reasoner: {part!r}")
        pairs.append((_token(match.group(1)), _token(match.group(2))))

    def check(row: Row) -> bool:
        return all((row[a] if isinstance(a, str) else a) != (row[b] if isinstance(b, str) else b) for a, b in pairs)
    return check


def _is_schema_atom(atom: _Atom) -> bool:
    """An atom over schema triples (class and property axioms): its matches change only with the schema."""
    predicate, obj = atom.terms[1], atom.terms[2]
    if not isinstance(predicate, ox.NamedNode):
        return False
    if predicate.value == _RDF_TYPE:
        return isinstance(obj, ox.NamedNode) and obj.value.startswith(_SCHEMA_NAMESPACES)
    return predicate.value.startswith(_SCHEMA_NAMESPACES) and predicate.value not in _INSTANCE_TERMS


@dataclass
class _Plan:
    """A rule split for evaluation in Python: its schema part joined once, its instance atoms per change.

    ``table`` holds the solutions of the schema atoms and the rule's condition (list walks,
    filters on schema values), read from the store when the reasoner starts; a change of
    instance data matches the instance atoms against the change and looks up the rest.
    """

    rule: Rule
    atoms: tuple[_Atom, ...]  # the instance atoms
    head: _Atom
    check: Callable[[Row], bool]
    table: list[Row]
    _steps: dict[int | None, tuple[tuple[str, ...], tuple[_Atom, ...]]] = field(default_factory=dict)
    _indexes: dict[int | None, dict[tuple[Term, ...], list[Row]]] = field(default_factory=dict)

    def steps(self, start: int | None) -> tuple[tuple[str, ...], tuple[_Atom, ...]]:
        """For a start from instance atom ``start`` (None: from the head), the variables shared with
        the schema table and the order in which to look up the other atoms (most bound first)."""
        if start not in self._steps:
            begun = self.head if start is None else self.atoms[start]
            schema_names = set(self.table[0]) if self.table else set()
            bound = set(begun.variables) | schema_names
            shared = tuple(sorted(set(begun.variables) & schema_names))
            rest = [a for i, a in enumerate(self.atoms) if start is None or i != start]
            order = []
            while rest:
                atom = max(rest, key=lambda a: sum(not isinstance(t, str) or t in bound for t in a.terms))
                rest.remove(atom)
                order.append(atom)
                bound |= set(atom.variables)
            self._steps[start] = (shared, tuple(order))
        return self._steps[start]

    def schema_rows(self, row: Row, start: int | None) -> list[Row]:
        """The schema solutions that agree with ``row`` (the bindings of the start atom or head)."""
        shared = self.steps(start)[0]
        index = self._indexes.get(start)
        if index is None:
            index = {}
            for solution in self.table:
                index.setdefault(tuple(solution[n] for n in shared), []).append(solution)
            self._indexes[start] = index
        return index.get(tuple(row[n] for n in shared), [])


class _Delta:
    """A set of triples indexed by predicate, for matching rule atoms against it."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.triples = set(triples)
        self.by_predicate: dict[Term, list[Triple]] = {}
        for triple in self.triples:
            self.by_predicate.setdefault(triple[1], []).append(triple)

    def matching(self, atom: _Atom) -> Iterable[Triple]:
        predicate = atom.predicate
        return self.triples if predicate is None else self.by_predicate.get(predicate, ())

    def lookup(self, s: Term | None, p: Term | None, o: Term | None) -> Iterator[Triple]:
        for triple in (self.triples if p is None else self.by_predicate.get(p, ())):
            if (s is None or triple[0] == s) and (o is None or triple[2] == o):
                yield triple


# -- the reasoner -------------------------------------------------------------------
class IncrementalReasoner:
    """Keeps ``target`` equal to the materialisation of the store's other graphs, change by change.

    The schema part of each rule is read from the store once (and again after a schema
    change); what a change derives is then computed in Python with index lookups in the
    store, never by scanning it.
    """

    def __init__(self, store: GraphStore, *, target: str = INFERRED_GRAPH) -> None:
        self.store = store
        self.target = target
        self._raw: ox.Store = store._store  # the engine's store itself: lookups by index, store terms
        self._target_node = ox.NamedNode(target)
        self._plans: list[_Plan] | None = None
        self._graphs: set[ox.NamedNode] = set()

    def prepare(self) -> None:
        """Read the schema part of every rule (done by the first change otherwise)."""
        self._plans_now()

    def update(self, *, removed: Sequence[Quad], added: Sequence[Quad]) -> InferenceChange:
        """Bring the inferred graph up to date after asserted quads were ``removed`` and ``added``."""
        if any(_touches_schema(_triple(q)) for q in (*removed, *added)):
            return self._recompute(set(), set())
        if not removed and not added:
            return InferenceChange("incremental")
        plans = self._plans_now()
        self._graphs = self._dataset()
        taken_out: set[Triple] = set()  # from the inferred graph
        put_in: set[Triple] = set()
        # An added triple that used to be inferred is now asserted: the inferred graph never repeats one.
        added_triples = {_triple(q) for q in added}
        taken_out |= self._remove(t for t in added_triples if self._inferred(t))
        gone = {t for t in map(_triple, removed) if not self._asserted(t)} - added_triples
        restart: set[Triple] = set()
        if gone:
            over = self._over_delete(plans, gone)
            taken_out |= self._remove(over)
            restart = self._rederive(plans, over | gone)
            put_in |= self._insert(restart)
        put_in |= self._forward(plans, restart | added_triples)
        trivial = {t for t in put_in if _trivial(t)}
        self._remove(trivial)
        put_in -= trivial
        if any(_touches_schema(t) for t in (taken_out | put_in)):
            # An instance change that changed the schema (owl:sameAs between classes, say): start over.
            return self._recompute(taken_out - put_in, put_in - taken_out)
        return InferenceChange("incremental", removed=self._quads(taken_out - put_in),
                               added=self._quads(put_in - taken_out))

    # -- the three steps ------------------------------------------------------------
    def _forward(self, plans: Sequence[_Plan], seed: set[Triple]) -> set[Triple]:
        """Semi-naive rounds from ``seed``: everything newly derivable, inserted into the inferred graph."""
        derived: set[Triple] = set()
        delta = _Delta(seed)
        while delta.triples:
            found = {h for h in self._round(plans, delta, None) if not self._held(h)} - derived
            self._insert(found)
            derived |= found
            delta = _Delta(found)
        return derived

    def _over_delete(self, plans: Sequence[_Plan], gone: set[Triple]) -> set[Triple]:
        """Every inferred triple with a derivation through ``gone`` or through another such triple.

        Rules read the state before the removal: the removed triples count as present, and
        nothing leaves the inferred graph until the fixpoint.
        """
        before = _Delta(gone)
        over: set[Triple] = set()
        delta = before
        while delta.triples:
            found = {h for h in self._round(plans, delta, before) if self._inferred(h)} - over
            over |= found
            delta = _Delta(found)
        return over

    def _rederive(self, plans: Sequence[_Plan], candidates: set[Triple]) -> set[Triple]:
        """The candidates some rule concludes in one step from what the store holds now, and that it
        does not assert."""
        found: set[Triple] = set()
        pool = _Delta(t for t in candidates if not self._held(t))
        for plan in plans:
            for triple in pool.matching(plan.head):
                if triple in found:
                    continue
                row = plan.head.match(triple)
                if row is not None and any(True for _ in self._solutions(plan, row, None, None)):
                    found.add(triple)
        return found

    # -- evaluation -------------------------------------------------------------------
    def _round(self, plans: Sequence[_Plan], delta: _Delta, extra: _Delta | None) -> set[Triple]:
        """The heads of every rule with one instance atom matched in ``delta`` and the others anywhere."""
        found: set[Triple] = set()
        for plan in plans:
            for index, atom in enumerate(plan.atoms):
                for triple in delta.matching(atom):
                    row = atom.match(triple)
                    if row is None:
                        continue
                    for solution in self._solutions(plan, row, index, extra):
                        head = plan.head.instantiate(solution)
                        if head is not None:
                            found.add(head)
        return found

    def _solutions(self, plan: _Plan, row: Row, start: int | None, extra: _Delta | None) -> Iterator[Row]:
        """Extensions of ``row`` (the bindings of instance atom ``start``, or of the head) by the schema
        table and the other atoms matched in the store (and ``extra``), that pass the head filter."""
        order = plan.steps(start)[1]
        for schema in plan.schema_rows(row, start):
            for solution in self._join({**schema, **row}, order, 0, extra):
                if plan.check(solution):
                    yield solution

    def _join(self, row: Row, atoms: tuple[_Atom, ...], at: int, extra: _Delta | None) -> Iterator[Row]:
        if at == len(atoms):
            yield row
            return
        atom = atoms[at]
        s, p, o = (row.get(t) if isinstance(t, str) else t for t in atom.terms)
        for triple in self._lookup(s, p, o, extra):
            bound = atom.match(triple)
            if bound is not None and all(row.get(k, v) == v for k, v in bound.items()):
                yield from self._join({**row, **bound}, atoms, at + 1, extra)

    def _lookup(self, s: Term | None, p: Term | None, o: Term | None, extra: _Delta | None) -> Iterator[Triple]:
        if isinstance(s, ox.Literal) or not isinstance(p, (ox.NamedNode, type(None))):
            return  # no triple has a literal subject or a predicate that is not an IRI
        seen: set[Triple] = set()
        for quad in self._raw.quads_for_pattern(s, p, o, None):  # type: ignore[arg-type]
            if quad.graph_name in self._graphs:
                triple = _triple(quad)
                if triple not in seen:
                    seen.add(triple)
                    yield triple
        if extra is not None:
            for triple in extra.lookup(s, p, o):
                if triple not in seen:
                    yield triple

    # -- the store ----------------------------------------------------------------------
    def _dataset(self) -> set[ox.NamedNode]:
        prefix = self.target + "/work/"
        return {ox.NamedNode(g) for g in self.store.named_graphs() if not g.startswith(prefix)}

    def _plans_now(self) -> list[_Plan]:
        if self._plans is None:
            sources = [g for g in self.store.named_graphs() if g != self.target and not g.startswith(self.target + "/")]
            self._plans = []
            for rule in evaluated_rules(list_rules=_list_rules(self.store, (*sources, self.target))):
                plan = self._plan(rule, [ox.NamedNode(g) for g in (*sources, self.target)])
                if plan is not None:
                    self._plans.append(plan)
        return self._plans

    def _plan(self, rule: Rule, dataset: list[ox.NamedNode]) -> _Plan | None:
        """The rule's plan; None if it cannot fire from instance data (no instance atom, no schema match)."""
        atoms = [_atom(a) for a in rule.atoms]
        schema = [a for a in atoms if _is_schema_atom(a)]
        instance = tuple(a for a in atoms if not _is_schema_atom(a))
        if not instance:
            return None
        table: list[Row] = [{}]
        if schema or rule.condition:
            query = "SELECT DISTINCT * WHERE {\n" + "\n".join(f"{a.text} ." for a in schema) + f"\n{rule.condition}\n}}"
            solutions = self._raw.query(query, prefixes=PREFIXES, default_graph=dataset)  # type: ignore[arg-type]
            names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
            table = [{n: s[n] for n in names if s[n] is not None} for s in solutions]  # type: ignore[union-attr]
            if not table:
                return None
        return _Plan(rule, instance, _atom(rule.head), _head_check(rule.head_filter), table)

    def _recompute(self, taken_out: set[Triple], put_in: set[Triple]) -> InferenceChange:
        """Materialise from scratch; the change is measured against the graph as it was before
        this update (``taken_out`` and ``put_in`` undone)."""
        self._plans = None
        before = set(self.store.graph_quads(self.target))
        before = (before - set(self._quads(put_in))) | set(self._quads(taken_out))
        materialise(self.store, target_graph=self.target)
        after = set(self.store.graph_quads(self.target))
        return InferenceChange("recomputed", removed=list(before - after), added=list(after - before))

    def _inferred(self, triple: Triple) -> bool:
        return _quad(triple, self._target_node) in self._raw

    def _asserted(self, triple: Triple) -> bool:
        return any(_quad(triple, g) in self._raw for g in self._graphs if g != self._target_node)

    def _held(self, triple: Triple) -> bool:
        """Whether the store holds ``triple``, asserted or inferred."""
        if isinstance(triple[0], ox.Literal):
            return False
        return any(q.graph_name in self._graphs for q in self._raw.quads_for_pattern(*triple, None))  # type: ignore[arg-type,misc]

    def _insert(self, triples: Iterable[Triple]) -> set[Triple]:
        quads = [_quad(t, self._target_node) for t in triples]
        self._raw.extend(quads)
        return {_triple(q) for q in quads}

    def _remove(self, triples: Iterable[Triple]) -> set[Triple]:
        """Take ``triples`` out of the inferred graph; returns those that were in it."""
        taken: set[Triple] = set()
        for triple in triples:
            quad = _quad(triple, self._target_node)
            if quad in self._raw:
                self._raw.remove(quad)
                taken.add(triple)
        return taken

    def _quads(self, triples: Iterable[Triple]) -> list[Quad]:
        return [_quad(t, self._target_node) for t in triples]


def _quad(triple: Triple, graph: ox.NamedNode) -> Quad:
    return ox.Quad(*triple, graph)  # type: ignore[arg-type]  # rules never put a literal in subject position


def _triple(quad: Quad) -> Triple:
    return (quad.subject, quad.predicate, quad.object)  # type: ignore[return-value]


def update_inferences(store: GraphStore, *, removed: Sequence[Quad], added: Sequence[Quad],
                      target: str = INFERRED_GRAPH) -> InferenceChange:
    """Bring ``target`` up to date after a change (see the module's docstring)."""
    return IncrementalReasoner(store, target=target).update(removed=removed, added=added)


__all__ = ["IncrementalReasoner", "InferenceChange", "update_inferences"]
