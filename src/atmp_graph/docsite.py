"""A static HTML documentation of the ontology: one page per term, an index, the class tree,
and the changes against a previous release. Built in-process from the bundled sources (with
the OWL 2 RL entailments, so inferred parents show) using the service's own templates.

>>> changes(Graph(), Graph()).added
[]
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from atmp_graph.api.pages import _INCOMING, _INFERRED, _TREE, class_tree, ontology_meta, property_list
from atmp_graph.api.search import TEXTS_QUERY, TYPES_QUERY, index_from_rows
from atmp_graph.api.web import STATIC_DIR, WebState, template_environment
from atmp_graph.loading import build_store
from atmp_graph.namespaces import ATMP, INFERRED_GRAPH, ONTOLOGY_GRAPH
from atmp_graph.store import GraphStore, Source
from atmp_graph.termview import build_view, curie

_DECLARED = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)


@dataclass
class Changes:
    """Terms added, removed, newly deprecated, relabelled or redefined since the previous release."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    relabelled: list[tuple[str, str, str]] = field(default_factory=list)
    redefined: list[str] = field(default_factory=list)


def _terms(graph: Graph) -> set[URIRef]:
    return {s for t in _DECLARED for s in graph.subjects(RDF.type, t)
            if isinstance(s, URIRef) and str(s).startswith(str(ATMP))}


def _english(graph: Graph, term: URIRef, predicate: URIRef) -> str:
    values = sorted(str(o) for o in graph.objects(term, predicate)
                    if isinstance(o, Literal) and (o.language or "en").startswith("en"))
    return values[0] if values else ""


def changes(current: Graph, previous: Graph) -> Changes:
    """What changed in the ``atmp:`` terms from ``previous`` to ``current``."""
    now, before = _terms(current), _terms(previous)
    result = Changes(added=sorted(map(str, now - before)), removed=sorted(map(str, before - now)))
    for term in sorted(now & before):
        was = any(str(o).lower() == "true" for o in previous.objects(term, OWL.deprecated))
        if not was and any(str(o).lower() == "true" for o in current.objects(term, OWL.deprecated)):
            result.deprecated.append(str(term))
        old, new = _english(previous, term, RDFS.label), _english(current, term, RDFS.label)
        if old != new:
            result.relabelled.append((str(term), old, new))
        if _english(previous, term, SKOS.definition) != _english(current, term, SKOS.definition):
            result.redefined.append(str(term))
    return result


def _link(iri: str) -> str | None:
    namespace = str(ATMP)
    if iri.startswith(namespace) and "/" not in iri[len(namespace):] and len(iri) > len(namespace):
        return iri[len(namespace):] + ".html"
    return None


def build_site(out: Path, *, sources: list[Source], previous: Path | None = None) -> int:
    """Write the site into ``out``; the number of term pages written."""
    store, _ = build_store(sources, store_dir=None, infer=True)
    index = index_from_rows(store.select(TEXTS_QUERY), store.select(TYPES_QUERY))
    web = WebState(index=index, context={})
    env = template_environment()
    common: dict[str, Any] = {"static_site": True, "static_root": ".", "home_href": "index.html"}
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(STATIC_DIR / "site.css", out / "site.css")

    ontology = _graph(store, ONTOLOGY_GRAPH)
    rows = list(store.select(_TREE))
    meta = ontology_meta(ontology)
    tree = _relink(class_tree(rows, web))
    properties = [{**p, "href": _link(p["iri"]) or p["iri"]} for p in property_list(rows, web)]
    terms = sorted(_terms(ontology), key=lambda t: (index.label(str(t)) or curie(str(t))).casefold())
    for term in terms:
        view = build_view(
            term, _asserted_description(store, term),
            inferred=[(r["p"], r["o"]) for r in store.select(_INFERRED, substitutions={"term": term})],
            incoming=[(r["s"], r["p"], r["g"] == URIRef(INFERRED_GRAPH))
                      for r in store.select(_INCOMING, substitutions={"term": term})],
            labels=index.label, link=_link)
        name = str(term)[len(str(ATMP)):]
        (out / f"{name}.html").write_text(env.get_template("term.html").render(
            view=view, path=name, formats={}, lang="en", **common), encoding="utf-8")
    entries = [{"label": index.label(str(t)) or curie(str(t)), "href": _link(str(t)), "curie": curie(str(t)),
                "kind": web.index.kinds.get(str(t), "thing")} for t in terms]
    previous_graph = Graph().parse(previous) if previous else None
    change_list = changes(ontology, previous_graph) if previous_graph is not None else None
    pages = {
        "index.html": env.get_template("docs_index.html").render(meta=meta, entries=entries, **common),
        "tree.html": env.get_template("docs_tree.html").render(meta=meta, classes=tree, properties=properties,
                                                                **common),
        "changes.html": env.get_template("docs_changes.html").render(
            meta=meta, changes=change_list, previous=previous.name if previous else None,
            label=lambda iri: index.label(iri) or curie(iri), href=lambda iri: _link(iri) or iri, **common),
    }
    for filename, html in pages.items():
        (out / filename).write_text(html, encoding="utf-8")
    return len(terms)


def _graph(store: GraphStore, graph: str) -> Graph:
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def _asserted_description(store: GraphStore, term: URIRef) -> Graph:
    """The concise bounded description of ``term`` without the inferred graph."""
    description = Graph()
    for triple in store.construct("DESCRIBE ?term", substitutions={"term": term}):
        description.add(triple)
    inferred = Graph()
    for triple in store.construct(
        f"CONSTRUCT {{ ?term ?p ?o }} WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?term ?p ?o }} }}",
        substitutions={"term": term},
    ):
        inferred.add(triple)
    return description - inferred


def _relink(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**n, "href": _link(n["iri"]) or n["iri"], "children": _relink(n["children"])} for n in nodes]

