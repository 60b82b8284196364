"""The consistency gate: HermiT (through owlready2, the one module that imports it).

:func:`check_consistency` loads RDF files into a fresh owlready2 world, runs HermiT and
reports whether the ontology and data are consistent, which classes are unsatisfiable
(with the asserted axioms that explain it, where :mod:`atmp_graph.reasoning.explain`
finds them: owlready2 gives no justification), and which named classes the reasoner
moved in the hierarchy. When the ontology is inconsistent, the OWL 2 RL contradictions
found by :mod:`atmp_graph.reasoning.clashes` say where. HermiT runs in Java; without a
Java runtime the report's status is ``"java-missing"``, and nothing else is attempted.

Literals whose datatype HermiT does not support (``xsd:date``, ``xsd:gYear``... are
outside the OWL 2 datatype map) are ignored by HermiT (its ``--ignoreUnsupportedDatatypes``).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import owlready2
from rdflib import Graph, URIRef

from atmp_graph.reasoning.clashes import find_clashes
from atmp_graph.reasoning.explain import explain_unsatisfiable, term
from atmp_graph.reasoning.materialise import materialise
from atmp_graph.store import GraphStore, media_type_for_path

Status = Literal["consistent", "unsatisfiable", "inconsistent", "java-missing"]

JAVA_MISSING_MESSAGE = (
    "Java is missing: the HermiT reasoner needs a Java runtime (install one with `make java`, "
    "or apt-get install default-jre-headless); consistency was NOT checked"
)


@dataclass(frozen=True)
class UnsatisfiableClass:
    """A class that can have no instance, with the axioms that explain it (empty if none was found)."""

    iri: str
    explanation: tuple[str, ...]


@dataclass(frozen=True)
class HierarchyChange:
    """A named class whose named superclasses differ after reasoning."""

    iri: str
    asserted_parents: tuple[str, ...]
    inferred_parents: tuple[str, ...]


@dataclass(frozen=True)
class ConsistencyReport:
    """What HermiT found. ``consistent`` is None when it could not run (no Java)."""

    status: Status
    message: str
    unsatisfiable: tuple[UnsatisfiableClass, ...] = ()
    hierarchy_changes: tuple[HierarchyChange, ...] = ()
    contradictions: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    seconds: float = 0.0
    reasoner: str = field(default="HermiT (owlready2 " + owlready2.VERSION + ")")

    @property
    def consistent(self) -> bool | None:
        return None if self.status == "java-missing" else self.status != "inconsistent"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (``atmp-graph reason --format json``)."""
        return {
            "status": self.status,
            "consistent": self.consistent,
            "message": self.message,
            "unsatisfiable": [{"class": u.iri, "explanation": list(u.explanation)} for u in self.unsatisfiable],
            "hierarchy_changes": [
                {"class": h.iri, "asserted_parents": list(h.asserted_parents), "inferred_parents": list(h.inferred_parents)}
                for h in self.hierarchy_changes
            ],
            "contradictions": list(self.contradictions),
            "files": list(self.files),
            "seconds": round(self.seconds, 3),
            "reasoner": self.reasoner,
        }


def java_available() -> bool:
    """Whether owlready2's Java executable can be found."""
    return shutil.which(owlready2.JAVA_EXE) is not None


def check_consistency(paths: Sequence[Path]) -> ConsistencyReport:
    """Run HermiT over the RDF files ``paths`` (one ontology: their union).

    Raises ``SyntaxError`` (naming the file) if a file does not parse, ``ValueError`` for
    an unknown file type and ``RuntimeError`` if HermiT fails for another reason.
    """
    started = time.perf_counter()
    files = tuple(str(p) for p in paths)
    graph = _parse(paths)
    if not java_available():
        return ConsistencyReport("java-missing", JAVA_MISSING_MESSAGE, files=files)
    with tempfile.TemporaryDirectory(prefix="atmp-hermit-") as tmp:
        path = Path(tmp) / "ontology.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            before = _named_parents(world)
            try:
                owlready2.sync_reasoner_hermit(
                    world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True
                )
            except owlready2.OwlReadyInconsistentOntologyError:
                contradictions = tuple(c.message for c in find_clashes(_materialised(graph)))
                message = "inconsistent: the ontology and data have no model"
                if not contradictions:
                    message += " (no OWL 2 RL contradiction pinpoints it: look at the latest edit)"
                return ConsistencyReport(
                    "inconsistent", message, contradictions=contradictions, files=files,
                    seconds=time.perf_counter() - started,
                )
            except owlready2.OwlReadyJavaError as error:
                raise RuntimeError(f"HermiT failed: {error}") from None
            unsatisfiable = tuple(
                UnsatisfiableClass(c.iri, tuple(explain_unsatisfiable(graph, URIRef(c.iri))))
                for c in sorted(world.inconsistent_classes(), key=lambda c: str(c.iri))
                if isinstance(c, owlready2.ThingClass) and c is not owlready2.Nothing
            )
            unsat_iris = {u.iri for u in unsatisfiable}
            after = _named_parents(world)
        finally:
            world.close()
    changes = tuple(
        HierarchyChange(iri, tuple(sorted(before.get(iri, ()))), tuple(sorted(parents)))
        for iri, parents in sorted(after.items())
        if iri not in unsat_iris and set(parents) != set(before.get(iri, ()))
    )
    if unsatisfiable:
        status: Status = "unsatisfiable"
        message = f"consistent, but {len(unsatisfiable)} unsatisfiable class(es): " + ", ".join(
            term(URIRef(u.iri)) for u in unsatisfiable
        )
    else:
        status, message = "consistent", "consistent, every class satisfiable"
    return ConsistencyReport(
        status, message, unsatisfiable, changes, files=files, seconds=time.perf_counter() - started
    )


def _parse(paths: Sequence[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        media_type = media_type_for_path(path)
        rdflib_format = {"application/n-triples": "nt", "application/ld+json": "json-ld"}.get(media_type, media_type)
        try:
            graph.parse(path, format=rdflib_format)
        except FileNotFoundError:
            raise
        except Exception as error:  # rdflib raises many parser-specific types
            raise SyntaxError(f"{path}: {error}") from None
    return graph


def _named_parents(world: owlready2.World) -> dict[str, set[str]]:
    """For each named class, its named direct superclasses (owl:Thing left out)."""
    parents: dict[str, set[str]] = {}
    for cls in world.classes():
        if not str(cls.iri).startswith("http"):
            continue
        parents[cls.iri] = {
            p.iri for p in cls.is_a if isinstance(p, owlready2.ThingClass) and p is not owlready2.Thing
        }
    return parents


def _materialised(graph: Graph) -> GraphStore:
    store = GraphStore.in_memory()
    store.load_data(graph.serialize(format="nt").encode(), "application/n-triples", graph="urn:atmp:reasoning:input")
    materialise(store)
    return store
