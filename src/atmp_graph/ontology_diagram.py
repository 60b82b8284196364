"""Class diagrams of the ATMP ontology, generated from the Turtle sources.

Writes a Mermaid ``classDiagram`` (for Markdown pages) or a Graphviz ``digraph``
with the named subclass hierarchy of the ``atmp:`` classes and, optionally, the
object properties whose domain and range are named classes. Defined classes
(those with an ``owl:equivalentClass`` axiom, classified by the reasoner) are
marked ``<<defined>>``; deprecated ones ``<<deprecated>>``.

>>> from rdflib import Graph
>>> g = Graph().parse(data='''
...     @prefix atmp: <https://w3id.org/atmp/ontology/> .
...     @prefix owl: <http://www.w3.org/2002/07/owl#> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     atmp:Product a owl:Class . atmp:Trial a owl:Class .
...     atmp:CarT a owl:Class ; rdfs:subClassOf atmp:Product .
...     atmp:investigates a owl:ObjectProperty ; rdfs:domain atmp:Trial ; rdfs:range atmp:Product .
... ''', format="turtle")
>>> print(mermaid(g))
classDiagram
  direction LR
  class CarT
  class Product
  class Trial
  Product <|-- CarT
  Trial --> Product : investigates
>>> print(mermaid(g, depth=0, properties=False))
classDiagram
  direction LR
  class Product
  class Trial

Command line: ``python -m atmp_graph.ontology_diagram [--format mermaid|dot]
[--depth N] [--no-properties] [--output FILE] [ONTOLOGY_DIR]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection

from atmp_graph.namespaces import ATMP, BUNDLED_ONTOLOGY_DIR


@dataclass(frozen=True)
class ClassNode:
    """One ``atmp:`` class as drawn: its local name, parents and stereotype."""

    name: str
    parents: tuple[str, ...]
    stereotype: str | None


@dataclass(frozen=True)
class Association:
    """An object property drawn as an arrow from its domain class to its range class."""

    domain: str
    range: str
    label: str


def load_ontology(directory: Path = BUNDLED_ONTOLOGY_DIR) -> Graph:
    """Parse the TBox sources of ``directory``: ``*.ttl`` and ``modules/*.ttl`` (not ``kb/``).

    Raises ``FileNotFoundError`` when the directory holds no Turtle file.
    """
    files = sorted(directory.glob("*.ttl")) + sorted(directory.glob("modules/*.ttl"))
    if not files:
        raise FileNotFoundError(f"no ontology Turtle files in {directory}")
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


# Reused vocabularies whose classes appear as parents, drawn as ``prov_Entity`` etc.
_REUSED = {"http://www.w3.org/ns/prov#": "prov_", "http://www.w3.org/ns/org#": "org_"}


def _local(iri: object) -> str | None:
    text = str(iri)
    if isinstance(iri, URIRef) and text.startswith(str(ATMP)):
        return text[len(str(ATMP)) :]
    return None


def _node_name(iri: object) -> str | None:
    """Local name of an ``atmp:`` class, or ``prov_X`` / ``org_X`` for a reused class."""
    local = _local(iri)
    if local is not None or not isinstance(iri, URIRef):
        return local
    for namespace, prefix in _REUSED.items():
        if str(iri).startswith(namespace):
            return prefix + str(iri)[len(namespace) :]
    return None


def _named_parents(graph: Graph, subject: URIRef) -> set[str]:
    """Named superclasses: ``rdfs:subClassOf`` targets and the named genus of an equivalent intersection."""
    parents = {_node_name(o) for o in graph.objects(subject, RDFS.subClassOf)}
    for equivalent in graph.objects(subject, OWL.equivalentClass):
        for members in graph.objects(equivalent, OWL.intersectionOf):
            parents.update(_node_name(item) for item in Collection(graph, members))  # type: ignore[arg-type]
    return {p for p in parents if p}


def class_nodes(graph: Graph) -> dict[str, ClassNode]:
    """The ``atmp:`` classes of ``graph`` by local name, with their named parents.

    A defined class's parent is the named class of its equivalent intersection (its genus).
    Reused PROV-O and ORG parents become nodes of their own, stereotyped ``reused``.
    """
    nodes: dict[str, ClassNode] = {}
    for subject in set(graph.subjects(RDF.type, OWL.Class)):
        name = _local(subject)
        if name is None or not isinstance(subject, URIRef):
            continue
        parents = sorted(_named_parents(graph, subject))
        if (subject, OWL.deprecated, Literal(True)) in graph:
            stereotype: str | None = "deprecated"
        elif any(True for _ in graph.objects(subject, OWL.equivalentClass)):
            stereotype = "defined"
        else:
            stereotype = None
        nodes[name] = ClassNode(name, tuple(parents), stereotype)
    for reused in {p for node in list(nodes.values()) for p in node.parents if p not in nodes}:
        nodes[reused] = ClassNode(reused, (), "reused")
    return nodes


def depths(nodes: dict[str, ClassNode]) -> dict[str, int]:
    """Distance of each class from a root (a class without ``atmp:`` parents), shortest path.

    Breadth-first from the roots, so a class with several parents gets its shortest distance.
    """
    result: dict[str, int] = {name: 0 for name, node in nodes.items() if not node.parents}
    frontier = set(result)
    level = 0
    while frontier:
        level += 1
        frontier = {
            name
            for name, node in nodes.items()
            if name not in result and any(parent in frontier for parent in node.parents)
        }
        result.update({name: level for name in frontier})
    return result


def associations(graph: Graph, shown: set[str]) -> list[Association]:
    """Object properties whose named domain and range are both among the ``shown`` classes."""
    arrows: list[Association] = []
    for prop in set(graph.subjects(RDF.type, OWL.ObjectProperty)):
        label = _local(prop)
        if label is None:
            continue
        for domain in (_local(d) for d in graph.objects(prop, RDFS.domain)):
            for range_ in (_local(r) for r in graph.objects(prop, RDFS.range)):
                if domain in shown and range_ in shown and domain and range_:
                    arrows.append(Association(domain, range_, label))
    return sorted(arrows, key=lambda a: (a.domain, a.range, a.label))


def _selection(graph: Graph, depth: int | None) -> tuple[dict[str, ClassNode], set[str]]:
    nodes = class_nodes(graph)
    level = depths(nodes)
    shown = {name for name in nodes if depth is None or level.get(name, 0) <= depth}
    return nodes, shown


def mermaid(graph: Graph, *, depth: int | None = None, properties: bool = True) -> str:
    """A Mermaid class diagram of ``graph``'s ``atmp:`` classes down to ``depth`` (all if None)."""
    nodes, shown = _selection(graph, depth)
    lines = ["classDiagram", "  direction LR"]
    for name in sorted(shown):
        stereotype = nodes[name].stereotype
        lines.append(f"  class {name}" + (f" {{\n    <<{stereotype}>>\n  }}" if stereotype else ""))
    for name in sorted(shown):
        lines.extend(f"  {parent} <|-- {name}" for parent in nodes[name].parents if parent in shown)
    if properties:
        lines.extend(f"  {a.domain} --> {a.range} : {a.label}" for a in associations(graph, shown))
    return "\n".join(lines)


def graphviz(graph: Graph, *, depth: int | None = None, properties: bool = True) -> str:
    """The same diagram as :func:`mermaid` in Graphviz DOT syntax."""
    nodes, shown = _selection(graph, depth)
    lines = ["digraph atmp {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for name in sorted(shown):
        style = {"defined": ", style=rounded", "deprecated": ", style=dashed", "reused": ", style=filled"}.get(
            nodes[name].stereotype or "", ""
        )
        lines.append(f'  "{name}" [label="{name}"{style}];')
    for name in sorted(shown):
        lines.extend(
            f'  "{name}" -> "{parent}" [arrowhead=empty];' for parent in nodes[name].parents if parent in shown
        )
    if properties:
        lines.extend(
            f'  "{a.domain}" -> "{a.range}" [label="{a.label}", style=dotted];' for a in associations(graph, shown)
        )
    lines.append("}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print or write a diagram; exit 0, or 2 when the ontology cannot be read."""
    parser = argparse.ArgumentParser(prog="python -m atmp_graph.ontology_diagram", description=__doc__.splitlines()[0])
    parser.add_argument("ontology_dir", nargs="?", type=Path, default=BUNDLED_ONTOLOGY_DIR)
    parser.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    parser.add_argument("--depth", type=int, default=None, help="deepest hierarchy level to draw (0 = roots)")
    parser.add_argument("--no-properties", action="store_true", help="draw the class hierarchy only")
    parser.add_argument("--output", type=Path, default=None, help="write to this file instead of stdout")
    args = parser.parse_args(argv)
    try:
        graph = load_ontology(args.ontology_dir)
    except (OSError, SyntaxError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    render = mermaid if args.format == "mermaid" else graphviz
    text = render(graph, depth=args.depth, properties=not args.no_properties) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
