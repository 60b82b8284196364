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

from atmp_graph.namespaces import INFERRED_GRAPH
from atmp_graph.reasoning import materialise
from atmp_graph.reasoning.materialise import _list_rules, scratch_graphs
from atmp_graph.reasoning.rules import TRIVIAL_FILTER, evaluated_rules
from atmp_graph.store import GraphStore, Quad

_SCHEMA_NAMESPACES = ("http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2002/07/owl#")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Instance-level OWL terms: adding them only adds entailments.
_INSTANCE_TERMS = ("http://www.w3.org/2002/07/owl#sameAs", "http://www.w3.org/2002/07/owl#differentFrom")


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
        store.update(" ;\n".join(
            rule.insert(delta_atom=atom, delta_graph=delta, new_graphs=(new, target, derived), using=using)
            for rule in rules for atom in range(len(rule.atoms))))
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
