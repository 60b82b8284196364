"""Materialise the OWL 2 RL entailments of the asserted graphs into the inferred graph.

The rules of :mod:`atmp_graph.reasoning.rules` run as SPARQL Updates inside the store
(pyoxigraph), to a fixpoint, with semi-naive evaluation: a first round evaluates every
rule over everything; each later round evaluates, for every rule and every body atom,
the variant whose atom matches only the triples that are new since the previous round
(the *delta*) while the other atoms match everything. The schema rules (scm-*) run to
their own fixpoint first, so class and property hierarchies are closed before instance
triples flow through them. A derived triple is kept only if no source graph and not the
inferred graph already hold it: the inferred graph never repeats an asserted triple, and
the source graphs are only read.

While it runs, work graphs named ``<target>/work/...`` exist (see :func:`scratch_graphs`);
callers that serve queries at the same time should materialise before publishing the
store (the service does it at load, and after each write under its write lock).

>>> from atmp_graph.store import GraphStore
>>> store = GraphStore.in_memory()
>>> store.load_data(b'''
...   @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...   <urn:ex:CarT> rdfs:subClassOf <urn:ex:Gtmp> . <urn:ex:Gtmp> rdfs:subClassOf <urn:ex:Atmp> .
...   <urn:ex:kymriah> a <urn:ex:CarT> .''', "text/turtle", graph="urn:ex:asserted")
>>> report = materialise(store)
>>> report.inferred_triples
3
>>> sorted(str(row["c"]) for row in store.select(
...     "SELECT ?c WHERE { GRAPH <https://w3id.org/atmp/graph/inferred> { <urn:ex:kymriah> a ?c } }"))
['urn:ex:Atmp', 'urn:ex:Gtmp']
>>> store.graph_sizes()["urn:ex:asserted"]
3
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rdflib import OWL, URIRef

from atmp_graph.namespaces import INFERRED_GRAPH
from atmp_graph.reasoning.rules import (
    LIST_LENGTHS_QUERY,
    TRIVIAL_FILTER,
    Rule,
    chain_rule,
    evaluated_rules,
    intersection_rule,
)
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


def scratch_graphs(target_graph: str) -> tuple[str, str, str]:
    """The work graphs used while materialising into ``target_graph``, dropped at the end.

    ``a`` and ``b`` take turns holding a round's delta and collecting the next one's;
    ``schema`` collects what the schema rules derive before the instance rules run.
    """
    return target_graph + "/work/a", target_graph + "/work/b", target_graph + "/work/schema"


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
    work = (target_graph, *scratch_graphs(target_graph))
    others = tuple(g for g in store.named_graphs() if g not in work)
    sources = others if source_graphs is None else tuple(source_graphs)
    for graph in (*sources, *work):
        if not _IRI.match(graph):
            raise ValueError(f"not an absolute IRI usable as a graph name: {graph!r}")
    if set(sources) & set(work):
        raise ValueError(f"the target graph {target_graph} (or its work graphs) cannot also be a source")

    store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in work))
    delta, new, schema_graph = scratch_graphs(target_graph)
    # The schema first (scm-* rules, into their own graph), so that class and property
    # hierarchies are closed before instances flow through them; then everything (which
    # also catches any schema triple the instance rules derive) into the target.
    schema = _Fixpoint(store, work=(delta, new), target=schema_graph, using=(*sources, schema_graph))
    schema.run(lambda: evaluated_rules(families=["scm"]))
    everything_read = (*sources, schema_graph, target_graph)
    everything = _Fixpoint(store, work=(delta, new), target=target_graph, using=everything_read)
    rules = everything.run(lambda: evaluated_rules(list_rules=_list_rules(store, everything_read)))
    store.update(f"ADD <{schema_graph}> TO <{target_graph}>")
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
        rounds=len(schema.derived_per_round) + len(everything.derived_per_round),
        derived_per_round=tuple(schema.derived_per_round + everything.derived_per_round),
        seconds=time.perf_counter() - started,
        rules=tuple(rule.name for rule in rules),
    )


class _Fixpoint:
    """Semi-naive rounds: rules read the union of ``using``; new triples go to ``target``.

    The delta of a round is the set of triples new in the previous round, written to one
    of the two ``work`` graphs, except after a first (naive) round, when the delta is
    ``target`` itself: a superset of the true delta (still correct), and it saves
    writing the bulk of all inferences, which the first round derives, twice.

    One more saving in the round after the naive one: cax-sco over the delta's type
    triples is skipped when the naive round derived no rdfs:subClassOf triple. cax-sco
    ran last in that round, so it saw every type triple of the delta, with a subclass
    relation that was already transitively closed (the schema rules ran to a fixpoint
    first): applying it again to its own conclusions adds nothing.
    """

    def __init__(self, store: GraphStore, *, work: tuple[str, str], target: str, using: tuple[str, ...]) -> None:
        self.store, self.work, self.target, self.using = store, work, target, using
        self.derived_per_round: list[int] = []

    def run(self, rules_now: Callable[[], tuple[Rule, ...]]) -> tuple[Rule, ...]:
        """Apply the rules (re-read each round: list-shaped rules depend on the data) until nothing is new."""
        delta: str | None = None
        skip: set[tuple[str, int | None]] = set()
        while True:
            rules = rules_now()
            if delta is None:
                before, new = _count(self.store, self.target), self.target
                outputs: tuple[str, ...] = (self.target,)
            else:
                new = self.work[1] if delta == self.work[0] else self.work[0]
                self.store.update(f"DROP SILENT GRAPH <{new}>")
                outputs = (new, self.target)
            updates = [
                rule.insert(delta_atom=atom, delta_graph=delta or "", new_graphs=outputs, using=self.using)
                for rule in rules
                for atom in ([None] if delta is None else range(len(rule.atoms)))
                if (rule.name, atom) not in skip
            ]
            self.store.update(" ;\n".join(updates))
            count = _count(self.store, new) - (before if delta is None else 0)
            self.derived_per_round.append(count)
            skip = set()
            if delta is None and rules[-1].name == "cax-sco":
                if not self.store.ask(_NEW_SUBCLASS_AXIOM, substitutions={"g": URIRef(new)}):
                    skip = {("cax-sco", 1)}
            if delta in self.work:
                self.store.update(f"DROP SILENT GRAPH <{delta}>")
            delta = new
            if count == 0:
                return rules


_NEW_SUBCLASS_AXIOM = "ASK { GRAPH ?g { ?a rdfs:subClassOf ?b } }"


def _list_rules(store: GraphStore, graphs: Sequence[str]) -> tuple[Rule, ...]:
    """One prp-spo2 template per property-chain length and one cls-int1 per intersection length in ``graph``."""
    makers = {str(OWL.propertyChainAxiom): chain_rule, str(OWL.intersectionOf): intersection_rule}
    rules: list[Rule] = []
    for prop, make in makers.items():
        rows = store.select(LIST_LENGTHS_QUERY, default_graphs=graphs, substitutions={"property": URIRef(prop)})
        lengths = {int(row["length"].toPython()) for row in rows if "length" in row}  # type: ignore[attr-defined]
        rules.extend(make(n) for n in sorted(lengths))
    return tuple(rules)


def _count(store: GraphStore, graph: str) -> int:
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graphs=[graph])
    return int(next(rows)["n"].toPython())  # type: ignore[attr-defined]
