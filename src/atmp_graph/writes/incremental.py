"""Keeping the inferred graph up to date after a write, without recomputing it all.

When a change only adds instance data (no schema triples, nothing removed), the new
entailments are exactly what the rules derive with at least one premise among the
added triples: semi-naive rounds seeded with them as the first delta (the same rules
and SPARQL templates as :mod:`atmp_graph.reasoning`). Removals and schema edits can
withdraw entailments, so they recompute the inferred graph from scratch.

>>> from atmp_graph.store import GraphStore
>>> from atmp_graph.reasoning import materialise
>>> store = GraphStore.in_memory()
>>> store.load_data(b'''@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   <urn:CarT> rdfs:subClassOf <urn:Gtmp> . <urn:Gtmp> rdfs:subClassOf <urn:Atmp> .''',
...   "text/turtle", graph="urn:g")
>>> _ = materialise(store)
>>> added = store.apply_delta(remove=[], add=store.parse_quads(
...     b"<urn:k> a <urn:CarT> .", "text/turtle", graph="urn:g"))[1]
>>> update_inferences(store, removed=[], added=added).mode
'incremental'
>>> sorted(str(r["c"]) for r in store.select(
...     "SELECT ?c WHERE { GRAPH <https://w3id.org/atmp/graph/inferred> { <urn:k> a ?c } }"))
['urn:Atmp', 'urn:Gtmp']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from atmp_graph.namespaces import INFERRED_GRAPH, PREFIXES
from atmp_graph.reasoning import materialise
from atmp_graph.reasoning.materialise import _list_rules, scratch_graphs
from atmp_graph.reasoning.rules import TRIVIAL_FILTER, Rule, evaluated_rules
from atmp_graph.store import GraphStore, Quad, store_literal_n3

_SCHEMA_NAMESPACES = ("http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2002/07/owl#")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# RDFS/OWL predicates that are not schema axioms: annotations and instance-level OWL terms.
_INSTANCE_TERMS = tuple("http://www.w3.org/2000/01/rdf-schema#" + name
                        for name in ("label", "comment", "seeAlso", "isDefinedBy")) + (
    "http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2002/07/owl#differentFrom")


def _touches_schema(quad: Quad) -> bool:
    predicate = quad.predicate.value
    if predicate.startswith(_SCHEMA_NAMESPACES) and predicate not in _INSTANCE_TERMS:
        return True
    obj = getattr(quad.object, "value", "")
    return predicate == _RDF_TYPE and obj.startswith(_SCHEMA_NAMESPACES)


@dataclass
class InferenceChange:
    """How the inferred graph was brought up to date, and what changed in it (to undo it)."""

    mode: str  # incremental or recomputed
    removed: list[Quad] = field(default_factory=list)
    added: list[Quad] = field(default_factory=list)

    def undo(self, store: GraphStore) -> None:
        store.apply_delta(remove=self.added, add=self.removed)


def update_inferences(store: GraphStore, *, removed: Sequence[Quad], added: Sequence[Quad],
                      target: str = INFERRED_GRAPH) -> InferenceChange:
    """Bring ``target`` up to date after a change, incrementally when only instance data was added."""
    if removed or any(_touches_schema(q) for q in added):
        before = set(store.graph_quads(target))
        materialise(store, target_graph=target)
        after = set(store.graph_quads(target))
        return InferenceChange("recomputed", removed=list(before - after), added=list(after - before))
    if not added:
        return InferenceChange("incremental")
    delta, new, derived = scratch_graphs(target)
    work = (delta, new, derived)
    sources = tuple(g for g in store.named_graphs() if g not in (target, *work))
    using = (*sources, target)
    store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in work))
    # An added triple that used to be inferred is now asserted: the inferred graph never repeats one.
    no_longer_inferred, _ = store.apply_delta(remove=store.retarget(added, target), add=store.retarget(added, delta))
    rules = evaluated_rules(list_rules=_list_rules(store, using))
    while True:
        store.update(f"DROP SILENT GRAPH <{new}>")
        triples = [(q.subject, q.predicate, q.object) for q in store.graph_quads(delta)]
        outputs = (new, target, derived)
        updates = [_seeded_insert(rule, atom, triples, outputs, using)
                   or rule.insert(delta_atom=atom, delta_graph=delta, new_graphs=outputs, using=using)
                   for rule in rules for atom in range(len(rule.atoms))
                   if _matches(rule.atoms[atom], triples)]
        if updates:
            store.update(" ;\n".join(updates))
        found = store.ask(f"ASK {{ GRAPH <{new}> {{ ?s ?p ?o }} }}")
        delta, new = new, delta
        if not found:
            break
    # Trivial triples (such as x owl:sameAs x) derived on the way are not kept.
    store.update(
        f"DELETE {{ GRAPH <{target}> {{ ?s ?p ?o }} GRAPH <{derived}> {{ ?s ?p ?o }} }} WHERE {{ "
        f"GRAPH <{derived}> {{ ?s ?p ?o }} FILTER ({TRIVIAL_FILTER}) }}")
    newly_inferred = store.retarget(store.graph_quads(derived), target)
    store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in work))
    return InferenceChange("incremental", removed=no_longer_inferred, added=newly_inferred)


def _pattern(atom: str) -> list[str] | None:
    parts = atom.split()
    return parts if len(parts) == 3 else None


def _bindings(atom: str, triple: tuple[object, object, object]) -> dict[str, object] | None:
    """The variables of ``atom`` bound by matching it against ``triple``; None if it does not match."""
    pattern = _pattern(atom)
    if pattern is None:
        return {}
    bound: dict[str, object] = {}
    for token, term in zip(pattern, triple):
        if token.startswith(("?", "$")):
            if token in bound and bound[token] != term:
                return None
            bound[token] = term
        else:
            constant = _expand(token)
            if constant is None or getattr(term, "value", None) != constant:
                return None
    return bound


def _matches(atom: str, triples: Sequence[tuple[object, object, object]]) -> bool:
    """Whether a delta atom can match any delta triple (a rule variant that cannot fire is skipped)."""
    return _pattern(atom) is None or any(_bindings(atom, t) is not None for t in triples)


def _seeded_insert(rule: Rule, index: int, triples: Sequence[tuple[object, object, object]],
                   outputs: tuple[str, ...], using: tuple[str, ...]) -> str:
    """The rule variant with atom ``index`` replaced by the delta's bindings as a VALUES block.

    The delta of a small write is a handful of triples: handing them to the engine as
    constants lets it start every join from them. Returns "" when the bindings cannot be
    written as VALUES (blank nodes), and the caller uses the delta graph instead.
    """
    rows = [b for t in triples if (b := _bindings(rule.atoms[index], t)) is not None]
    names = list(dict.fromkeys(name for row in rows for name in row))
    cells = []
    for row in rows:
        terms = [_sparql_term(row[name]) for name in names]
        if any(term is None for term in terms):
            return ""
        cells.append("(" + " ".join(str(t) for t in terms) + ")")
    values = f"VALUES ({' '.join(names)}) {{ {' '.join(dict.fromkeys(cells))} }}" if names else ""
    body = [values] + [f"{atom} ." for j, atom in enumerate(rule.atoms) if j != index] + [rule.condition]
    filters = f"FILTER ({rule.head_filter})" if rule.head_filter else ""
    targets = " ".join(f"GRAPH <{g}> {{ {rule.head} }}" for g in outputs)
    using_clauses = " ".join(f"USING <{g}>" for g in using)
    return (f"INSERT {{ {targets} }}\n{using_clauses}\nWHERE {{\n" + "\n".join(body)
            + f"\n{filters}\nFILTER NOT EXISTS {{ {rule.head} }}\n}}")


def _sparql_term(term: object) -> str | None:
    value = getattr(term, "value", None)
    kind = type(term).__name__
    if kind == "NamedNode":
        return f"<{value}>"
    if kind == "Literal":
        return store_literal_n3(term)
    return None  # blank nodes cannot be written in VALUES


def _expand(token: str) -> str | None:
    """The IRI of a constant in a rule atom, None for a variable or anything unknown."""
    if token == "a":
        return _RDF_TYPE
    if token.startswith("<") and token.endswith(">"):
        return token[1:-1]
    prefix, colon, local = token.partition(":")
    if colon and not token.startswith(("?", "$")) and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return None
