"""Uploading triples with blank nodes to a remote store in bounded requests.

SPARQL cannot name a stored blank node: each request (an ``INSERT {...} WHERE {}`` or a
Graph Store POST) makes fresh blank nodes of its labels. Triples that share a blank node
must therefore arrive together, or later requests must find the node again. Inference makes
sets of triples joined by one blank node that grow with the data (every class and instance
of an OWL restriction points at the restriction's node), and Virtuoso refuses a template of
more than about 300 triples, so such a set cannot go in one request.

So: a set of triples joined by blank nodes (a *component*) that fits in one request and lies
in one graph goes whole, packed with others; a larger one, or one spread over several graphs
(the ontology's restriction nodes are shared with the inferred graph), goes in several
``INSERT ... WHERE`` requests whose templates mark each new blank node with a unique key
triple, later requests binding the node by its key in their WHERE; the keys are deleted at
the end. All of it is standard SPARQL 1.1 Update.
"""

from __future__ import annotations

from collections.abc import Sequence

from atmp_graph.namespaces import GRAPH_BASE

Row = tuple[str, str, str, "str | None", bool]

KEY = f"<{GRAPH_BASE}meta#uploadKey>"
GROUP = 100  # template triples (and key patterns) per request: Virtuoso's limit is about 300
POST_BYTES = 4 * 2**20  # per Graph Store POST


def components(rows: Sequence[Row]) -> list[list[Row]]:
    """``rows`` split into sets joined by shared blank-node labels (over all graphs).

    >>> rows = [("_:a", "<p>", "_:b", "g", True), ("<x>", "<p>", "_:c", "g", True), ("_:b", "<q>", "1", "h", True)]
    >>> [[r[0] for r in c] for c in components(rows)]
    [['_:a', '_:b'], ['<x>']]
    """
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        parent.setdefault(label, label)
        while parent[label] != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for row in rows:
        labels = [t for t in (row[0], row[2]) if t.startswith("_:")]
        for label in labels[1:]:
            parent[find(label)] = find(labels[0])
    found: dict[str, list[Row]] = {}
    for row in rows:
        found.setdefault(find(row[0] if row[0].startswith("_:") else row[2]), []).append(row)
    return list(found.values())


def _in_graph(graph: str | None, triples: Sequence[str]) -> str:
    return f"GRAPH <{graph}> {{ {' '.join(triples)} }}" if graph else " ".join(triples)


def upload_plan(rows: Sequence[Row], *, key: str, by_post: bool, size: int = GROUP,
                post_bytes: int = POST_BYTES) -> tuple[list[str], list[tuple[str, str]]]:
    """The Update operations and Graph Store POSTs ``(graph, N-Triples)`` that add ``rows``,
    each of bounded size; ``key`` (unique per upload) names the blank nodes found again.

    >>> rows = [("<x>", "<p>", "_:r", "g", True), ("<y>", "<p>", "_:r", "g", True), ("_:r", "<q>", "1", "h", True)]
    >>> for op in upload_plan(rows, key="k", by_post=False, size=2)[0]: print(op)
    INSERT { GRAPH <g> { _:r <https://w3id.org/atmp/graph/meta#uploadKey> "k-0" . <x> <p> _:r . } } WHERE {}
    INSERT { GRAPH <g> { <y> <p> ?b0 . } } WHERE { GRAPH <g> { ?b0 <https://w3id.org/atmp/graph/meta#uploadKey> "k-0" } }
    INSERT { GRAPH <h> { ?b0 <q> 1 . } } WHERE { GRAPH <g> { ?b0 <https://w3id.org/atmp/graph/meta#uploadKey> "k-0" } }
    DELETE { GRAPH <g> { ?b <https://w3id.org/atmp/graph/meta#uploadKey> ?k } } WHERE { GRAPH <g> { ?b <https://w3id.org/atmp/graph/meta#uploadKey> ?k } }
    """
    operations: list[str] = []
    documents: dict[str, list[list[str]]] = {}
    sizes: dict[str, int] = {}
    groups: dict[str | None, list[Row]] = {}
    keyed: dict[str, tuple[str | None, str]] = {}  # blank label -> (graph of its key, key literal)
    for component in components(rows):
        graphs = {row[3] for row in component}
        if len(graphs) > 1 or len(component) > size:
            operations += _linked_inserts(component, keyed, key=key, size=size)
            continue
        graph = next(iter(graphs))
        if by_post and graph:
            lines = [f"{s} {p} {o} ." for s, p, o, _, _ in component]
            length = sum(len(line) + 1 for line in lines)
            if not documents.get(graph) or sizes[graph] + length > post_bytes:
                documents.setdefault(graph, []).append([])
                sizes[graph] = 0
            documents[graph][-1] += lines
            sizes[graph] += length
            continue
        group = groups.setdefault(graph, [])
        if group and len(group) + len(component) > size:
            operations.append(_insert(graph, [f"{s} {p} {o} ." for s, p, o, _, _ in group], {}))
            group.clear()
        group += component
    for graph, group in groups.items():
        if group:
            operations.append(_insert(graph, [f"{s} {p} {o} ." for s, p, o, _, _ in group], {}))
    for graph in sorted({g for g, _ in keyed.values()}, key=str):
        pattern = _in_graph(graph, [f"?b {KEY} ?k"])
        operations.append(f"DELETE {{ {pattern} }} WHERE {{ {pattern} }}")
    posts = [(graph, "\n".join(lines) + "\n") for graph, docs in documents.items() for lines in docs]
    return operations, posts


def _insert(graph: str | None, triples: Sequence[str], found: dict[str, tuple[str | None, str]]) -> str:
    """``INSERT { GRAPH <graph> { triples } } WHERE { the key of each node in found }``."""
    where = " ".join(_in_graph(g, [f"{var} {KEY} {literal}"]) for var, (g, literal) in found.items())
    return f"INSERT {{ {_in_graph(graph, triples)} }} WHERE {{{' ' + where + ' ' if where else ''}}}"


def _linked_inserts(component: Sequence[Row], keyed: dict[str, tuple[str | None, str]], *, key: str,
                    size: int) -> list[str]:
    """A component in requests of at most ``size`` template triples and key patterns, one graph each."""
    operations: list[str] = []
    triples: list[str] = []
    found: dict[str, tuple[str | None, str]] = {}  # variable -> where its node's key is
    variables: dict[str, str] = {}  # label -> variable, in this request
    current: str | None = None
    for row in sorted(component, key=lambda r: r[3] or ""):
        s, p, o, graph, _ = row
        labels = [t for t in dict.fromkeys((s, o)) if t.startswith("_:")]
        cost = 1 + sum(1 for label in labels if label not in variables)
        if triples and (graph != current or len(triples) + len(found) + cost > size):
            operations.append(_insert(current, triples, found))
            triples, found, variables = [], {}, {}
        current = graph
        terms = {}
        for label in labels:
            if label in variables:
                pass
            elif label in keyed:  # made by an earlier request: bind it by its key
                variables[label] = f"?b{len(found)}"
                found[variables[label]] = keyed[label]
            else:  # new here: made by this request's template, with its key
                literal = f'"{key}-{len(keyed)}"'
                keyed[label] = (graph, literal)
                variables[label] = label
                triples.append(f"{label} {KEY} {literal} .")
            terms[label] = variables[label]
        triples.append(f"{terms.get(s, s)} {p} {terms.get(o, o)} .")
    if triples:
        operations.append(_insert(current, triples, found))
    return operations
