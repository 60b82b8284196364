"""Shape-checked write transactions, run inside the zygote (the single owner of the store).

A write is computed against the current state one operation at a time (each sees the
effects of the ones before, as SPARQL Update requires), with an undo log. Then the
entailments are recomputed and the data validated; a change that adds a SHACL
violation is undone as a whole and refused with the new results. A committed change
is written to the journal (fsync) before it is acknowledged, and recorded as PROV-O
in the change-log graph. The outcome of a commit carries its exact net change
(:class:`NetChange`: asserted, entailed and change-log quads), which the query workers
apply whole before their next query, so readers never see a half-applied change.

The cost of a small write does not grow with the store: the entailments are updated
incrementally (:mod:`.incremental`), only the shapes that target a node the change can
affect are run, and only for those nodes, and the per-graph triple counts are kept up
to date from the change rather than counted again.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node
from rdflib.namespace import OWL, RDF, XSD

from atmp_graph.namespaces import CHANGES_GRAPH, INFERRED_GRAPH, PREFIXES
from atmp_graph.sparql_lexer import Token, tokens
from atmp_graph.store import GraphStore, Quad
from atmp_graph.validation.fast import validate_store
from atmp_graph.validation.report import SH, ValidationResult, _term_key
from atmp_graph.validation.shapes import Shape, sparql_term
from atmp_graph.writes.errors import WriteRefused
from atmp_graph.writes.fetch import fetch_document
from atmp_graph.writes.incremental import IncrementalReasoner
from atmp_graph.writes.journal import Journal
from atmp_graph.writes.update_plan import Operation, split_template, split_update

PROV = "http://www.w3.org/ns/prov#"
# Above this many changed triples a write validates everything instead of its focus nodes.
MAX_FOCUSED_CHANGE = 5000
PROTECTED_GRAPHS = (INFERRED_GRAPH, CHANGES_GRAPH)


@dataclass
class Change:
    """One write request, as the server hands it to the zygote."""

    kind: str  # update, put, post, delete
    agent: str
    update: str | None = None
    graph: str | None = None  # GSP target (None: the default graph)
    data_text: str = ""  # the body, decoded as latin-1 so it travels as JSON unchanged
    media_type: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)


@dataclass
class _Undo:
    steps: list[tuple[list[Quad], list[Quad]]] = field(default_factory=list)

    def record(self, removed: list[Quad], added: list[Quad]) -> None:
        self.steps.append((removed, added))

    def rollback(self, store: GraphStore) -> None:
        for removed, added in reversed(self.steps):
            store.apply_delta(remove=added, add=removed)

    def net(self) -> tuple[list[Quad], list[Quad]]:
        """What the steps changed in all: quads present before and gone now, absent before and present now.

        A quad added by one operation and removed by a later one (or the reverse) is no change.
        """
        first: dict[Quad, bool] = {}  # quad -> was present before the change
        last: dict[Quad, bool] = {}  # quad -> present after it
        for removed, added in self.steps:
            for quad in removed:
                first.setdefault(quad, True)
                last[quad] = False
            for quad in added:
                first.setdefault(quad, False)
                last[quad] = True
        return ([q for q, was in first.items() if was and not last[q]],
                [q for q, was in first.items() if not was and last[q]])


@dataclass
class NetChange:
    """Everything a committed write changed in the store: the quads present before and gone
    now, and those absent before and present now (asserted, inferred and change-log graphs).

    Applying ``removed`` then ``added`` to a copy of the state before the write gives the
    state after it, quad for quad (blank node identifiers included).
    """

    removed: list[Quad]
    added: list[Quad]

    def __len__(self) -> int:
        return len(self.removed) + len(self.added)


class WriteEngine:
    def __init__(self, store: GraphStore, *, shapes: Sequence[Shape], journal: Journal | None, infer: bool,
                 update_base: str, load_allow_list: Sequence[str] = (), max_load_bytes: int = 10 * 2**20,
                 graph_sizes: dict[str, int] | None = None) -> None:
        self.store = store
        self.shapes = shapes
        self.journal = journal
        self.infer = infer
        self.update_base = update_base
        self.load_allow_list = tuple(load_allow_list)
        self.max_load_bytes = max_load_bytes
        self._sizes = dict(graph_sizes) if graph_sizes is not None else None
        self._read = predicates_read(shapes)
        self.reasoner = IncrementalReasoner(store) if infer else None
        if self.reasoner is not None:
            self.reasoner.prepare()
        self._baseline = self._violations()

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph, as :meth:`GraphStore.graph_sizes` counts them (kept up to date by
        each committed change instead of counted again: a count reads the whole store)."""
        if self._sizes is None:
            self._sizes = self.store.graph_sizes()
        return dict(sorted(self._sizes.items()))

    def _count(self, removed: Sequence[Quad], added: Sequence[Quad]) -> None:
        if self._sizes is None:
            return
        for quads, step in ((removed, -1), (added, 1)):
            for quad in quads:
                if isinstance(quad.graph_name, ox.NamedNode):
                    name = quad.graph_name.value
                    self._sizes[name] = self._sizes.get(name, 0) + step
        self._sizes = {name: size for name, size in self._sizes.items() if size > 0}

    def _violations(self, focus: set[Node] | None = None) -> dict[tuple[str, str, str, str], ValidationResult]:
        if not self.shapes:
            return {}
        report = validate_store(self.store, self._shapes_for(focus), focus=focus)
        return {r.key(): r for r in report.results if r.severity == SH.Violation}

    def _shapes_for(self, focus: set[Node] | None) -> Sequence[Shape]:
        """The shapes that target at least one of ``focus`` (with the property shapes under them).

        The others could only report on nodes outside the focus; skipping them gives the
        same results for the focus nodes and saves most of the queries of a small write.
        """
        if focus is None or not all(isinstance(node, URIRef) for node in focus):
            return self.shapes
        if not focus:
            return []
        nodes = " ".join(sparql_term(node) for node in focus)
        # With the entailments kept, a node's types already include every superclass (but owl:Thing).
        types = "rdf:type" if self.reasoner is not None else "rdf:type/rdfs:subClassOf*"
        classes = {row["c"] for row in self.store.select(
            f"SELECT DISTINCT ?c WHERE {{ VALUES ?this {{ {nodes} }} ?this {types} ?c }}")} | {OWL.Thing}
        wanted: dict[str, set[Node]] = {"targetSubjectsOf": set(), "targetObjectsOf": set()}
        for shape in self.shapes:
            for kind, value in shape.targets:
                if kind in wanted:
                    wanted[kind].add(value)
        used: dict[str, set[Node]] = {kind: set() for kind in wanted}
        for kind, pattern in (("targetSubjectsOf", "?this ?p ?o"), ("targetObjectsOf", "?s ?p ?this")):
            if wanted[kind]:
                predicates = " ".join(sparql_term(p) for p in wanted[kind])
                used[kind] = {row["p"] for row in self.store.select(
                    f"SELECT DISTINCT ?p WHERE {{ VALUES ?this {{ {nodes} }} VALUES ?p {{ {predicates} }} {pattern} }}")}

        def targets_focus(shape: Shape) -> bool:
            for kind, value in shape.targets:
                if (kind == "targetClass" and value in classes) or (kind == "targetNode" and value in focus) \
                        or (kind in used and value in used[kind]):
                    return True
            return False

        chosen = {shape.node for shape in self.shapes if shape.parent is None and targets_focus(shape)}
        return [shape for shape in self.shapes
                if (shape.node if shape.parent is None else shape.parent) in chosen]

    def _focus(self, changed: list[Quad]) -> set[Node] | None:
        """The nodes whose validation a change can affect: those it touches, and those linking to
        a node whose own triples changed (a value's type or properties can break its referrer).

        None (validate everything) when the change is too large for a focused check to pay off.
        """
        if len(changed) > MAX_FOCUSED_CHANGE:
            return None
        touched = self.store.touched_nodes(changed)
        # A node's referrers can only notice triples whose predicate some shape reads (an inverse
        # property's entailment on a popular value, say, concerns no shape and no referrer).
        seen = changed if self._read is None else [q for q in changed if q.predicate.value in self._read]
        return touched | self.store.nodes_linking_to(self.store.touched_nodes(seen, objects=False))

    # -- computing the effect of a request ---------------------------------------
    def _apply_update(self, change: Change, undo: _Undo) -> None:
        assert change.update is not None
        self.store.check_update_syntax(change.update, base_iri=self.update_base)
        for operation in split_update(change.update):
            removed, added = self._operation_delta(operation, change)
            _refuse_protected(removed + added)
            undo.record(*self.store.apply_delta(remove=removed, add=added))

    def _operation_delta(self, op: Operation, change: Change) -> tuple[list[Quad], list[Quad]]:
        if op.kind in ("insert_data", "delete_data"):
            template = op.insert_template if op.kind == "insert_data" else op.delete_template
            quads = self._instantiate(op, template or "", "{}", default_graphs=None, named_graphs=None)
            return (quads, []) if op.kind == "delete_data" else ([], quads)
        if op.kind in ("delete_where", "modify"):
            if (change.using or change.using_named) and (op.using or op.using_named or op.with_graph):
                raise WriteRefused(400, "using-graph-uri/using-named-graph-uri cannot be combined with "
                                        "USING or WITH in the update")
            default = op.using or change.using or ([op.with_graph] if op.with_graph else None)
            named = op.using_named or change.using_named or None
            where = "{" + (op.where or "") + "}"
            remove = self._instantiate(op, op.delete_template or "", where, default_graphs=default,
                                       named_graphs=named, with_graph=op.with_graph)
            add = self._instantiate(op, op.insert_template or "", where, default_graphs=default,
                                    named_graphs=named, with_graph=op.with_graph)
            return remove, add
        return self._graph_management(op)

    def _instantiate(self, op: Operation, template: str, where: str, *, default_graphs: list[str] | None,
                     named_graphs: list[str] | None, with_graph: str | None = None) -> list[Quad]:
        quads: list[Quad] = []
        for part in split_template(template, op):
            query = f"{op.prologue}CONSTRUCT {{ {part.triples} }} WHERE {where}"
            graph = part.graph if part.graph is not None else with_graph
            if graph is not None and graph.startswith(("?", "$")):
                names = self.store.select(f"{op.prologue}SELECT DISTINCT {graph} WHERE {where}",
                                          default_graphs=default_graphs, named_graphs=named_graphs)
                for row in names:
                    value = row.get(graph[1:])
                    if isinstance(value, URIRef):
                        quads += self.store.construct_quads(query, into_graph=str(value), default_graphs=default_graphs,
                                                            named_graphs=named_graphs, substitutions={graph[1:]: value})
                continue
            quads += self.store.construct_quads(query, into_graph=graph, default_graphs=default_graphs,
                                                named_graphs=named_graphs)
        return quads

    def _graph_management(self, op: Operation) -> tuple[list[Quad], list[Quad]]:
        named = [g for g in self.store.named_graphs() if g not in PROTECTED_GRAPHS]

        def graphs(ref: str | None) -> list[str | None]:
            if ref == "DEFAULT":
                return [None]
            if ref == "NAMED":
                return list(named)
            if ref == "ALL":
                return [None, *named]
            if ref in PROTECTED_GRAPHS:
                raise WriteRefused(403, f"<{ref}> is maintained by the service and cannot be written")
            if ref not in named and not op.silent and op.kind not in ("create",):
                raise WriteRefused(404, f"there is no graph <{ref}>")
            return [ref]

        if op.kind in ("clear", "drop"):
            return [q for g in graphs(op.target) for q in self.store.graph_quads(g)], []
        if op.kind == "create":
            if op.target in named and not op.silent:
                raise WriteRefused(409, f"the graph <{op.target}> already exists")
            return [], []
        if op.kind == "load":
            assert op.target is not None
            try:
                data, media_type = fetch_document(op.target, allow=self.load_allow_list, max_bytes=self.max_load_bytes)
                destination = None if op.destination in (None, "DEFAULT") else op.destination
                return [], self.store.parse_quads(data, media_type, graph=destination, base_iri=op.target)
            except (WriteRefused, SyntaxError, ValueError):
                if op.silent:
                    return [], []
                raise
        source = graphs(op.target)[0]
        destination = None if op.destination == "DEFAULT" else op.destination
        if destination in PROTECTED_GRAPHS:
            raise WriteRefused(403, f"<{destination}> is maintained by the service and cannot be written")
        if source == destination:
            return [], []
        moved = [q for q in self.store.retarget(self.store.graph_quads(source), destination)]
        remove: list[Quad] = []
        if op.kind in ("copy", "move"):
            remove += self.store.graph_quads(destination)
        if op.kind == "move":
            remove += self.store.graph_quads(source)
        return remove, moved

    def _apply_graph_store(self, change: Change, undo: _Undo) -> None:
        if change.graph in PROTECTED_GRAPHS:
            raise WriteRefused(403, f"<{change.graph}> is maintained by the service and cannot be written")
        current = self.store.graph_quads(change.graph)
        if change.kind == "delete":
            if not current:
                raise WriteRefused(404, f"there is no graph <{change.graph}>" if change.graph else "the default graph is empty")
            undo.record(*self.store.apply_delta(remove=current, add=[]))
            return
        assert change.media_type is not None
        new = self.store.parse_quads(change.data_text.encode("latin-1"), change.media_type, graph=change.graph, base_iri=change.graph)
        undo.record(*self.store.apply_delta(remove=current if change.kind == "put" else [], add=new))

    # -- the transaction ------------------------------------------------------------
    def execute(self, change: Change) -> dict[str, Any]:
        """Apply ``change`` if it keeps the data valid; the answer says what happened."""
        started = time.perf_counter()
        undo = _Undo()
        try:
            if change.kind == "update":
                self._apply_update(change, undo)
            else:
                self._apply_graph_store(change, undo)
        except BaseException:
            undo.rollback(self.store)
            raise
        removed, added = undo.net()
        if not removed and not added:
            return {"status": "committed", "added": 0, "removed": 0, "seconds": _since(started), "change": None}
        change_id, provenance = self._provenance(change, removed, added)
        provenance = self.store.apply_delta(remove=[], add=provenance)[1]
        try:
            # The change log is data like any other: its entailments are kept too, as a restart would.
            inference = None if self.reasoner is None else self.reasoner.update(removed=removed,
                                                                                added=added + provenance)
        except BaseException:
            self.store.apply_delta(remove=provenance, add=[])
            undo.rollback(self.store)
            raise
        changed = removed + added + (inference.removed + inference.added if inference else [])
        focus = self._focus(changed)
        if focus is not None:
            focus.discard(URIRef(change_id))
        violations = self._violations(focus)
        new = [r for key, r in violations.items() if key not in self._baseline]
        if new:
            if inference is not None:
                inference.undo(self.store)
            self.store.apply_delta(remove=provenance, add=[])
            undo.rollback(self.store)
            return {"status": "rejected", "results": [_result_json(r) for r in new]}
        if focus is None:
            self._baseline = violations
        else:  # the focus nodes' results are replaced by the new ones
            focus_keys = {_term_key(node) for node in focus}
            self._baseline = {k: r for k, r in self._baseline.items() if k[0] not in focus_keys} | violations
        if self.journal is not None:
            self.journal.append(removed=removed, added=added + provenance)
        # The three parts touch disjoint graphs (asserted ones, the change log, the inferred
        # graph), and each lists only quads that really changed: together, the exact net change.
        net = NetChange(removed + (inference.removed if inference else []),
                        added + provenance + (inference.added if inference else []))
        self._count(net.removed, net.added)
        return {
            "status": "committed",
            "change": change_id,
            "added": len(added),
            "removed": len(removed),
            "graphs": sorted({_graph_name(q) for q in removed + added}),
            "inference": None if inference is None else inference.mode,
            "seconds": _since(started),
            "net": net,  # not JSON: the zygote ships it to the workers and takes it out of the answer
        }

    def _provenance(self, change: Change, removed: list[Quad], added: list[Quad]) -> tuple[str, list[Quad]]:
        """The change as a ``prov:Activity`` in the change-log graph."""
        change_iri = URIRef(f"https://w3id.org/atmp/change/{uuid.uuid4()}")
        now = Literal(datetime.now(UTC).isoformat(timespec="milliseconds"), datatype=XSD.dateTime)
        triples = [
            (change_iri, RDF.type, URIRef(PROV + "Activity")),
            (change_iri, URIRef(PROV + "wasAssociatedWith"), Literal(change.agent)),
            (change_iri, URIRef(PROV + "endedAtTime"), now),
            (change_iri, URIRef("http://purl.org/dc/terms/type"), Literal(change.kind)),
            (change_iri, URIRef("https://w3id.org/atmp/ontology/triplesAdded"), Literal(len(added))),
            (change_iri, URIRef("https://w3id.org/atmp/ontology/triplesRemoved"), Literal(len(removed))),
        ]
        for graph in sorted({_graph_name(q) for q in removed + added}):
            triples.append((change_iri, URIRef(PROV + "used"), URIRef(graph) if graph else Literal("default graph")))
        return str(change_iri), self.store.quads_from_triples(triples, graph=CHANGES_GRAPH)


def predicates_read(shapes: Sequence[Shape]) -> frozenset[str] | None:
    """The IRIs the shapes can read as predicates, over-approximated by every IRI they mention
    (paths, parameters, targets, SPARQL constraints) plus rdf:type and rdfs:subClassOf; None
    when a SPARQL constraint may have a variable predicate on a node other than the focus node
    (then anything may matter).

    >>> from rdflib import Graph
    >>> from atmp_graph.validation.shapes import load_shapes
    >>> shapes = load_shapes(Graph().parse(format="turtle", data='''
    ...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .
    ...   ex:S sh:targetClass ex:C ; sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .'''))
    >>> sorted(p for p in predicates_read(shapes) if "ex.org" in p)
    ['http://ex.org/C', 'http://ex.org/a', 'http://ex.org/b']
    """
    found = {str(RDF.type), "http://www.w3.org/2000/01/rdf-schema#subClassOf"}
    for shape in shapes:
        found |= set(re.findall(r"<([^<>\s]+)>", shape.path or ""))
        found |= {str(value) for _, value in shape.targets if isinstance(value, URIRef)}
        for constraint in shape.constraints:
            found |= {str(value) for value in constraint.values if isinstance(value, URIRef)}
            if not constraint.query:
                continue
            prefixes = dict(PREFIXES)
            for name, namespace in re.findall(r"PREFIX\s+([\w.-]*):\s*<([^<>]*)>", constraint.prefixes, re.I):
                prefixes[name] = namespace
            body = constraint.query[constraint.query.find("{"):]
            toks = [t for t in tokens(body) if t.kind not in ("comment",)]
            if _variable_predicate(toks):
                return None
            for token in toks:
                if token.kind == "iri":
                    found.add(token.text[1:-1])
                elif token.kind == "pname":
                    prefix, _, local = token.text.partition(":")
                    if prefix in prefixes:
                        found.add(prefixes[prefix] + local)
    return frozenset(found)


_THIS = ("$this", "?this")


def _variable_predicate(toks: list[Token]) -> bool:
    """Whether a pattern may have a variable predicate on another node than the focus node
    (``$this ?p ?o`` reads only the focus node's own triples, which make it a focus node when
    they change). Over-approximate: a pair of variables not after ``$this`` counts, say in VALUES.

    >>> _variable_predicate(tokens("{ $this ?p ?o . ?o a ?c }")), _variable_predicate(tokens("{ $this ex:p ?o . ?o ?q ?z }"))
    (False, True)
    """
    padded = [None, *toks, None, None]
    for before, first, second, third in zip(padded, padded[1:], padded[2:], padded[3:]):
        if first is None or second is None or second.kind != "var":
            continue
        if first.kind == "var":
            if first.text not in _THIS and (before is None or before.text not in _THIS):
                return True
        elif (first.kind in ("iri", "pname") or first.text in (";", "[")) and third is not None \
                and third.kind in ("var", "iri", "pname", "string"):
            return True
    return False


def _refuse_protected(quads: list[Quad]) -> None:
    for quad in quads:
        graph = _graph_name(quad)
        if graph in PROTECTED_GRAPHS:
            raise WriteRefused(403, f"<{graph}> is maintained by the service and cannot be written")


def _graph_name(quad: Quad) -> str:
    name = getattr(quad.graph_name, "value", None)
    return str(name) if name is not None else ""


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 4)


def _result_json(result: ValidationResult) -> dict[str, Any]:
    return {
        "focus": str(result.focus),
        "path": result.path,
        "constraint": result.component_name,
        "value": None if result.value is None else str(result.value),
        "severity": result.severity_name,
        "message": result.message,
        "shape": str(result.shape),
    }


def load_journal_into(store: GraphStore, path: Path) -> int:
    """Replay committed changes from a journal; returns how many were applied."""
    journal = Journal(path)
    count = 0
    for removed, added in journal.entries():
        store.apply_delta(remove=removed, add=added)
        count += 1
    return count
