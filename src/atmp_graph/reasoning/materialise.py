"""Materialise the OWL 2 RL entailments of the asserted graphs into the inferred graph.

The rules of :mod:`atmp_graph.reasoning.rules` run as SPARQL Updates inside the store
(pyoxigraph), to a fixpoint, with semi-naive evaluation: the first round evaluates
every rule over everything; each later round evaluates, for every rule and every
body atom, the variant whose atom matches only the triples new in the previous round
(the *delta* graph) while the other atoms match everything. A derived triple is kept
only if no asserted graph and not the inferred graph already hold it, so the inferred
graph never repeats an asserted triple and asserted graphs are never written.

>>> from atmp_graph.store import GraphStore
>>> store = GraphStore.in_memory()
>>> store.load_data(b'''
...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   <urn:ex:CarT> rdfs:subClassOf <urn:ex:Gtmp> . <urn:ex:Gtmp> rdfs:subClassOf <urn:ex:Atmp> .
...   <urn:ex:kymriah> a <urn:ex:CarT> .''', "text/turtle", graph="urn:ex:asserted")
>>> report = materialise(store)
>>> report.inferred_triples, report.rounds
(3, 3)
>>> sorted(str(row["c"]) for row in store.select(
...     "SELECT ?c WHERE { GRAPH <https://w3id.org/atmp/graph/inferred> { <urn:ex:kymriah> a ?c } }"))
['urn:ex:Atmp', 'urn:ex:Gtmp']
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from atmp_graph.namespaces import INFERRED_GRAPH
from atmp_graph.reasoning.rules import CHAIN_LENGTHS_QUERY, RULES, TRIVIAL_FILTER, Rule, chain_rule
from atmp_graph.store import GraphStore

# SPARQL 1.1 Entailment Regimes: the regime IRI and the OWL 2 profile IRI to advertise
# (https://www.w3.org/TR/sparql11-entailment/, https://www.w3.org/TR/sparql11-service-description/).
ENTAILMENT_REGIME = "http://www.w3.org/ns/entailment/OWL-RDF-Based"
ENTAILMENT_PROFILE = "http://www.w3.org/ns/owl-profile/RL"
# What "restricted" means, in one line for Service Descriptions and /health.
ENTAILMENT_NOTE = (
    "OWL 2 RL/RDF rules (eq, prp, cls, cax, scm tables) materialised in the inferred graph; "
    "trivial, axiomatic and datatype (dt-*) triples, prp-key and inconsistency rules are not applied "
    "(see docs/reasoning.md)"
)

_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|^`\\]*$')


@dataclass(frozen=True)
class MaterialisationReport:
    """What one :func:`materialise` run did."""

    target_graph: str
    source_graphs: tuple[str, ...]
    asserted_triples: int
    inferred_triples: int
    rounds: int
    derived_per_round: tuple[int, ...]
    seconds: float
    rules: tuple[str, ...]
    entailment_regime: str = ENTAILMENT_REGIME
    entailment_profile: str = ENTAILMENT_PROFILE
    note: str = field(default=ENTAILMENT_NOTE)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary (for ``/health`` and the CLI)."""
        return {
            "target_graph": self.target_graph,
            "source_graphs": list(self.source_graphs),
            "asserted_triples": self.asserted_triples,
            "inferred_triples": self.inferred_triples,
            "rounds": self.rounds,
            "derived_per_round": list(self.derived_per_round),
            "seconds": round(self.seconds, 3),
            "rules": list(self.rules),
            "entailment_regime": self.entailment_regime,
            "entailment_profile": self.entailment_profile,
            "note": self.note,
        }


def scratch_graphs(target_graph: str) -> tuple[str, str]:
    """The two work graphs (delta, new) used while materialising into ``target_graph``; dropped at the end."""
    return target_graph + "/work/delta", target_graph + "/work/new"


def materialise(
    store: GraphStore,
    *,
    target_graph: str = INFERRED_GRAPH,
    source_graphs: Sequence[str] | None = None,
) -> MaterialisationReport:
    """Clear ``target_graph`` and fill it with the entailments of ``source_graphs`` (default: all other graphs).

    Raises ``ValueError`` if a graph name is not an absolute IRI or the target is among the sources.
    """
    started = time.perf_counter()
    delta_graph, new_graph = scratch_graphs(target_graph)
    work = (target_graph, delta_graph, new_graph)
    if source_graphs is None:
        sources = tuple(g for g in store.named_graphs() if g not in work)
    else:
        sources = tuple(source_graphs)
    for graph in (*sources, *work):
        if not _IRI.match(graph):
            raise ValueError(f"not an absolute IRI usable as a graph name: {graph!r}")
    if set(sources) & set(work):
        raise ValueError(f"the target graph {target_graph} (or its work graphs) cannot also be a source")

    store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in work))
    using = (*sources, target_graph)
    derived: list[int] = []
    names: list[str] = []
    first = True
    while sources:
        rules = RULES + tuple(chain_rule(n) for n in _chain_lengths(store, sources))
        names = [rule.name for rule in rules]
        store.update(" ;\n".join(_round_updates(rules, first=first, delta=delta_graph, new=new_graph, using=using)))
        count = _count(store, new_graph)
        if count == 0:
            break
        derived.append(count)
        store.update(
            f"ADD <{new_graph}> TO <{target_graph}> ;\n"
            f"DROP SILENT GRAPH <{delta_graph}> ;\n"
            f"MOVE SILENT <{new_graph}> TO <{delta_graph}>"
        )
        first = False
    # Trivial triples derived on the way (e.g. x owl:sameAs x through owl:sameAs chains) are removed.
    store.update(
        f"DELETE {{ GRAPH <{target_graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{target_graph}> {{ ?s ?p ?o }} "
        f"FILTER ({TRIVIAL_FILTER}) }} ;\n" + " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in work[1:])
    )
    return MaterialisationReport(
        target_graph=target_graph,
        source_graphs=sources,
        asserted_triples=sum(_count(store, g) for g in sources),
        inferred_triples=_count(store, target_graph),
        rounds=len(derived) + (1 if sources else 0),
        derived_per_round=tuple(derived),
        seconds=time.perf_counter() - started,
        rules=tuple(names),
    )


def _round_updates(rules: Sequence[Rule], *, first: bool, delta: str, new: str, using: tuple[str, ...]) -> list[str]:
    """The updates of one round: each rule over everything (first round) or once per atom over the delta."""
    updates = []
    for rule in rules:
        variants: Sequence[int | None] = [None] if first else range(len(rule.atoms))
        for atom in variants:
            updates.append(rule.insert(delta_atom=atom, delta_graph=delta, new_graph=new, using=using))
    return updates


def _count(store: GraphStore, graph: str) -> int:
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[graph])
    return int(next(rows)["n"].toPython())  # type: ignore[attr-defined]


def _chain_lengths(store: GraphStore, sources: Sequence[str]) -> list[int]:
    """The distinct lengths of the property chains (owl:propertyChainAxiom) in the sources."""
    rows = store.select(CHAIN_LENGTHS_QUERY, default_graphs=sources)
    return sorted({int(row["length"].toPython()) for row in rows if "length" in row})  # type: ignore[attr-defined]
