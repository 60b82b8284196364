"""The RDF store: the one module that talks to pyoxigraph.

Everything else sees rdflib terms, bytes and media types. A :class:`GraphStore`
holds the bundled ontology and KB in their named graphs, user files in one graph
each, and answers SPARQL with the union of all graphs as the default graph.

>>> store = GraphStore.in_memory()
>>> store.load_data(b'<http://ex.org/a> <http://ex.org/p> "1" .', "text/turtle", graph="http://ex.org/g")
>>> store.graph_sizes()
{'http://ex.org/g': 1}
>>> [str(row["s"]) for row in store.select("SELECT ?s WHERE { ?s ?p ?o }")]
['http://ex.org/a']
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, BinaryIO, cast

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib import Literal as RdfLiteral
from rdflib import URIRef
from rdflib.term import Node

from atmp_graph.namespaces import KB_GRAPH, ONTOLOGY_GRAPH, PREFIXES, graph_for_file
from atmp_graph.negotiation import ResultKind

if TYPE_CHECKING:
    from atmp_graph.settings import Settings

# Media types the store can write, by result kind (first is the default).
RESULTS_MEDIA_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_MEDIA_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
# Extra names accepted on input for the same formats.
_INPUT_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/n3": "text/turtle",
    "text/plain": "application/n-triples",
    "application/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
    "application/x-trig": "application/trig",
}
_EXTENSIONS = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".jsonld": "application/ld+json",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
}


@dataclass(frozen=True)
class Source:
    """A file to load and the named graph it goes into."""

    path: Path
    graph: str


def bundled_sources(ontology_dir: Path) -> list[Source]:
    """The bundled files: ``ontology/*.ttl`` (and ``modules/``) and ``ontology/kb/*.ttl``."""
    tbox = sorted(ontology_dir.glob("*.ttl")) + sorted(ontology_dir.glob("modules/*.ttl"))
    abox = sorted(ontology_dir.glob("kb/*.ttl"))
    return [Source(p, ONTOLOGY_GRAPH) for p in tbox] + [Source(p, KB_GRAPH) for p in abox]


def user_sources(paths: Iterable[Path]) -> list[Source]:
    """Each ``--data`` file in a named graph of its own."""
    return [Source(p, graph_for_file(p)) for p in paths]


def sources_for(settings: Settings) -> list[Source]:
    """What the service loads: the bundled ontology and KB (unless disabled) and ``--data`` files."""
    bundled = bundled_sources(settings.ontology_dir) if settings.bundled else []
    return bundled + user_sources(settings.data_files)


def media_type_for_path(path: PurePath) -> str:
    """The RDF media type of a file, from its extension; ``ValueError`` if unknown."""
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"{path}: unknown RDF file extension {path.suffix!r}") from None


def rdf_format(media_type: str) -> ox.RdfFormat:
    """The pyoxigraph format for an input media type; ``ValueError`` if unsupported."""
    base = media_type.split(";")[0].strip().lower()
    base = _INPUT_ALIASES.get(base, base)
    try:
        return RDF_MEDIA_TYPES[base]
    except KeyError:
        raise ValueError(f"unsupported RDF media type {media_type!r}") from None


def sources_fingerprint(sources: Sequence[Source]) -> str:
    """A digest of the sources' names, graphs and contents: changes when any source does."""
    digest = hashlib.sha256()
    for source in sources:
        digest.update(f"{source.path.resolve()}\0{source.graph}\0".encode())
        digest.update(hashlib.sha256(source.path.read_bytes()).digest())
    return digest.hexdigest()


class GraphStore:
    """A pyoxigraph store with the project's graph conventions."""

    def __init__(self, store: ox.Store, *, path: Path | None = None) -> None:
        self._store = store
        self.path = path

    # -- opening -------------------------------------------------------------
    @classmethod
    def in_memory(cls) -> GraphStore:
        return cls(ox.Store())

    @classmethod
    def on_disk(cls, path: Path) -> GraphStore:
        """Open (or create) a persistent read-write store in ``path``."""
        path.mkdir(parents=True, exist_ok=True)
        return cls(ox.Store(str(path)), path=path)

    @classmethod
    def read_only(cls, path: Path) -> GraphStore:
        """Open an existing on-disk store for reading only."""
        return cls(ox.Store.read_only(str(path)), path=path)

    # -- loading -------------------------------------------------------------
    def load_sources(self, sources: Sequence[Source]) -> None:
        """Bulk-load files into their graphs; raises ``SyntaxError`` naming the file."""
        for source in sources:
            fmt = rdf_format(media_type_for_path(source.path))
            try:
                self._store.bulk_load(
                    path=str(source.path), format=fmt, to_graph=ox.NamedNode(source.graph)
                )
            except SyntaxError as error:
                raise SyntaxError(f"{source.path}: {error}") from None

    def dump_dataset(self, output: BinaryIO) -> None:
        """Every quad as N-Quads (blank nodes keep their identifiers within the dump)."""
        self._store.dump(output, ox.RdfFormat.N_QUADS)

    def load_dataset(self, path: Path) -> None:
        """Add the quads of an N-Quads file written by :meth:`dump_dataset`.

        Only for dumps this program wrote itself: IRIs are not validated again, and blank
        nodes get fresh identifiers, consistent across the whole file.
        """
        self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)

    def load_data(self, data: bytes, media_type: str, *, graph: str, base_iri: str | None = None) -> None:
        """Parse ``data`` and add it to ``graph``; ``SyntaxError`` with line/column if malformed."""
        fmt = rdf_format(media_type)
        if fmt.supports_datasets:
            raise ValueError(f"{media_type} holds a dataset; load it without a target graph")
        self._store.load(data, format=fmt, to_graph=ox.NamedNode(graph), base_iri=base_iri)

    def clear(self) -> None:
        """Remove every graph (and the recorded fingerprint)."""
        self._store.clear()
        if self.path is not None and (self.path / FINGERPRINT_FILE).exists():
            (self.path / FINGERPRINT_FILE).unlink()

    def record_fingerprint(self, fingerprint: str) -> None:
        """Flush an on-disk store and remember what it was built from."""
        if self.path is None:
            raise ValueError("only an on-disk store records a fingerprint")
        self._store.flush()
        (self.path / FINGERPRINT_FILE).write_text(json.dumps({"fingerprint": fingerprint}))

    def fingerprint(self) -> str | None:
        """The fingerprint recorded by :meth:`record_fingerprint`, if any."""
        if self.path is None or not (self.path / FINGERPRINT_FILE).exists():
            return None
        return cast(str, json.loads((self.path / FINGERPRINT_FILE).read_text())["fingerprint"])

    # -- reading -------------------------------------------------------------
    def graph_sizes(self) -> dict[str, int]:
        """Triple count per named graph."""
        rows = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        )
        sizes = {}
        for row in cast(ox.QuerySolutions, rows):
            sizes[cast(ox.NamedNode, row["g"]).value] = int(cast(ox.Literal, row["n"]).value)
        return sizes

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def _run(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        substitutions: dict[str, Node] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate with the protocol's dataset rules (union default graph unless graphs are named)."""
        kwargs: dict[str, object] = {"prefixes": PREFIXES}
        if default_graphs is not None:
            kwargs["default_graph"] = [_graph_node(g) for g in default_graphs]
        elif named_graphs is not None:
            # The protocol: named-graph-uri alone gives an empty default graph.
            kwargs["default_graph"] = []
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): _to_ox(v) for k, v in substitutions.items()}
        return self._store.query(query, **kwargs)  # type: ignore[arg-type]

    def execute(
        self,
        query: str,
        output: BinaryIO,
        *,
        choose_media_type: Callable[[ResultKind], str],
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: dict[str, Node] | None = None,
    ) -> None:
        """Evaluate ``query`` and stream its serialisation into ``output``.

        ``choose_media_type(kind)`` is called once the query is parsed and its result
        kind is known; it returns the media type to write (or raises to refuse).
        ``substitutions`` binds variables to terms before evaluation (never pasted
        into the query text).
        """
        results = self._run(
            query, default_graphs=default_graphs, named_graphs=named_graphs, substitutions=substitutions
        )
        if isinstance(results, ox.QueryTriples):
            media_type = choose_media_type("graph")
            results.serialize(output, RDF_MEDIA_TYPES[media_type])
        else:
            kind: ResultKind = "boolean" if isinstance(results, ox.QueryBoolean) else "solutions"
            results.serialize(output, RESULTS_MEDIA_TYPES[choose_media_type(kind)])

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: dict[str, Node] | None = None,
    ) -> Iterator[dict[str, Node]]:
        """Rows of a SELECT query as dicts of rdflib terms (unbound variables left out)."""
        results = self._run(query, default_graphs=default_graphs, named_graphs=named_graphs, substitutions=substitutions)
        if not isinstance(results, ox.QuerySolutions):
            raise ValueError("select() needs a SELECT query")
        names = [v.value for v in results.variables]
        for solution in results:
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = _to_rdflib(term)
            yield row

    def ask(self, query: str, *, substitutions: dict[str, Node] | None = None) -> bool:
        results = self._run(query, default_graphs=None, named_graphs=None, substitutions=substitutions)
        if not isinstance(results, ox.QueryBoolean):
            raise ValueError("ask() needs an ASK query")
        return bool(results)

    def construct(self, query: str, *, substitutions: dict[str, Node] | None = None) -> Graph:
        """The triples of a CONSTRUCT or DESCRIBE query as an rdflib graph."""
        results = self._run(query, default_graphs=None, named_graphs=None, substitutions=substitutions)
        if not isinstance(results, ox.QueryTriples):
            raise ValueError("construct() needs a CONSTRUCT or DESCRIBE query")
        graph = Graph()
        for triple in results:
            graph.add((_to_rdflib(triple.subject), _to_rdflib(triple.predicate), _to_rdflib(triple.object)))
        return graph

    # -- writing -------------------------------------------------------------
    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update (callers are responsible for access control)."""
        self._store.update(update, prefixes=PREFIXES)

    def dump_graph(self, graph: str, output: BinaryIO, media_type: str = "application/n-triples") -> None:
        self._store.dump(output, RDF_MEDIA_TYPES[media_type], from_graph=ox.NamedNode(graph))

    def backup(self, target: Path) -> None:
        """A consistent copy of an on-disk store in the new directory ``target`` (RocksDB checkpoint)."""
        if self.path is None:
            raise ValueError("only an on-disk store can be backed up")
        self._store.backup(str(target))

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()


    # -- quad-level changes (the write path) ------------------------------------
    def construct_quads(
        self,
        query: str,
        *,
        into_graph: str | None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        substitutions: dict[str, Node] | None = None,
    ) -> list[Quad]:
        """The triples of a CONSTRUCT query as quads of ``into_graph`` (None: the default graph)."""
        results = self._run(query, default_graphs=default_graphs, named_graphs=named_graphs, substitutions=substitutions)
        if not isinstance(results, ox.QueryTriples):
            raise ValueError("construct_quads() needs a CONSTRUCT query")
        graph = ox.NamedNode(into_graph) if into_graph else ox.DefaultGraph()
        return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in results]

    def graph_quads(self, graph: str | None) -> list[Quad]:
        """Every quad of one graph (None: the default graph)."""
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return list(self._store.quads_for_pattern(None, None, None, name))

    def parse_quads(self, data: bytes, media_type: str, *, graph: str | None, base_iri: str | None = None) -> list[Quad]:
        """Parse RDF without adding it; ``SyntaxError`` with line and column if malformed."""
        fmt = rdf_format(media_type)
        target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        if fmt.supports_datasets:
            raise ValueError(f"{media_type} holds a dataset; send a graph format (Turtle, N-Triples, RDF/XML, JSON-LD)")
        return [ox.Quad(q.subject, q.predicate, q.object, target)
                for q in ox.parse(data, format=fmt, base_iri=base_iri)]

    def apply_delta(self, *, remove: Iterable[Quad], add: Iterable[Quad]) -> tuple[list[Quad], list[Quad]]:
        """Remove then add quads; returns what really changed (removed present, added absent)."""
        removed = [q for q in dict.fromkeys(remove) if q in self._store]
        for quad in removed:
            self._store.remove(quad)
        added = [q for q in dict.fromkeys(add) if q not in self._store]
        self._store.extend(added)
        return removed, added

    def apply_nquads(self, *, remove: bytes, add: bytes) -> None:
        """Remove then add the quads of two N-Quads documents written by :func:`encode_nquads`
        (a committed change shipped to a query worker: blank nodes keep their identifiers).

        >>> store = GraphStore.in_memory()
        >>> q = ox.Quad(ox.BlankNode("b1"), ox.NamedNode("http://p"), ox.Literal("x"), ox.NamedNode("http://g"))
        >>> store.apply_nquads(remove=b"", add=encode_nquads([q]))
        >>> store.graph_quads("http://g") == [q]
        True
        >>> store.apply_nquads(remove=encode_nquads([q]), add=b"")
        >>> store.graph_quads("http://g")
        []
        """
        for quad in ox.parse(remove, format=ox.RdfFormat.N_QUADS):
            self._store.remove(quad)
        self._store.extend(ox.parse(add, format=ox.RdfFormat.N_QUADS))

    def check_update_syntax(self, update: str, *, base_iri: str | None = None) -> None:
        """Parse ``update`` (by running it on an empty scratch store); ``SyntaxError`` with line and column.

        Callers must have refused LOAD targets first: the scratch run would fetch them.
        """
        try:
            ox.Store().update(update, base_iri=base_iri, prefixes=PREFIXES)
        except SyntaxError:
            raise
        except (RuntimeError, OSError, ValueError):
            pass  # parsed; the scratch run failed on an empty store (e.g. DROP of a missing graph)

    def retarget(self, quads: Iterable[Quad], graph: str | None) -> list[Quad]:
        """The same triples in another graph (None: the default graph)."""
        name = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        return [ox.Quad(q.subject, q.predicate, q.object, name) for q in quads]

    def quads_from_triples(self, triples: Iterable[tuple[Node, Node, Node]], *, graph: str) -> list[Quad]:
        """rdflib triples as quads of ``graph``."""
        name = ox.NamedNode(graph)
        return [ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), name) for s, p, o in triples]  # type: ignore[arg-type]

    def isomorphic(self, other: GraphStore) -> bool:
        """Whether both stores hold the same quads, up to the names of blank nodes."""
        mine, theirs = (ox.Dataset(store._store) for store in (self, other))
        for dataset in (mine, theirs):
            dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        return mine == theirs

    def copy_into(self, other: GraphStore) -> None:
        """Copy every quad into ``other``, blank node identifiers included."""
        other._store.extend(self._store.quads_for_pattern(None, None, None, None))

    def nodes_linking_to(self, nodes: Iterable[Node]) -> set[Node]:
        """The IRIs with a triple whose object is one of ``nodes`` (one hop backwards)."""
        targets = [ox.NamedNode(str(n)) for n in nodes if isinstance(n, URIRef)]
        found: set[Node] = set()
        for target in targets:
            for quad in self._store.quads_for_pattern(None, None, target, None):
                if isinstance(quad.subject, ox.NamedNode) and quad.predicate != _RDF_TYPE:
                    found.add(URIRef(quad.subject.value))
        return found

    def touched_nodes(self, quads: Iterable[Quad], *, objects: bool = True) -> set[Node]:
        """The subjects and node objects of ``quads``, as rdflib terms (focus nodes of a change).

        Classes (objects of ``rdf:type``) are left out: a new instance does not change
        what can be said of its class, and a class is linked to by all its instances.
        """
        nodes: set[Node] = set()
        for quad in quads:
            nodes.add(_to_rdflib(quad.subject))
            if objects and not isinstance(quad.object, ox.Literal) and quad.predicate != _RDF_TYPE:
                nodes.add(_to_rdflib(quad.object))
        return nodes

Quad = ox.Quad


def encode_nquads(quads: Iterable[Quad]) -> bytes:
    """Quads as N-Quads that keep blank node identifiers (read back by :meth:`GraphStore.apply_nquads`)."""
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


def store_literal_n3(term: object) -> str:
    """A store literal in SPARQL syntax (for VALUES blocks built from stored terms)."""
    return _to_rdflib(term).n3()


def encode_quad(quad: Quad) -> list[object]:
    """A quad as JSON-ready data that keeps blank node identifiers (for the journal).

    >>> q = ox.Quad(ox.BlankNode("b1"), ox.NamedNode("http://p"), ox.Literal("x", language="de"), ox.DefaultGraph())
    >>> decode_quad(encode_quad(q)) == q
    True
    """
    return [_encode_term(quad.subject), _encode_term(quad.predicate), _encode_term(quad.object),
            None if isinstance(quad.graph_name, ox.DefaultGraph) else _encode_term(quad.graph_name)]


def decode_quad(data: list[object]) -> Quad:
    s, p, o, g = data
    return ox.Quad(_decode_term(s), _decode_term(p), _decode_term(o),  # type: ignore[arg-type]
                   ox.DefaultGraph() if g is None else _decode_term(g))  # type: ignore[arg-type]


def _encode_term(term: object) -> list[str]:
    if isinstance(term, ox.NamedNode):
        return ["i", term.value]
    if isinstance(term, ox.BlankNode):
        return ["b", term.value]
    if isinstance(term, ox.Literal):
        if term.language:
            return ["l", term.value, "@" + term.language]
        return ["l", term.value, term.datatype.value]
    raise TypeError(f"cannot encode {term!r}")


def _decode_term(data: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    assert isinstance(data, list)
    if data[0] == "i":
        return ox.NamedNode(data[1])
    if data[0] == "b":
        return ox.BlankNode(data[1])
    if data[2].startswith("@"):
        return ox.Literal(data[1], language=data[2][1:])
    return ox.Literal(data[1], datatype=ox.NamedNode(data[2]))

FINGERPRINT_FILE = "atmp-graph-sources.json"


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DEFAULT_GRAPH = ""  # names the store's own default graph where a graph IRI is expected


def _graph_node(name: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if name == DEFAULT_GRAPH else ox.NamedNode(name)


def _to_rdflib(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported RDF term {term!r}")


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RdfLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


# -- helpers for a remote store (atmp_graph.backends.remote) --------------------------
def query_kind(query: str, *, substitutions: dict[str, Node] | None = None) -> ResultKind:
    """Parse ``query`` (with the project's prefixes) and say what it returns, without data.

    ``SyntaxError`` with line and column, as for the embedded store.

    >>> query_kind("ASK { ?s ?p ?o }"), query_kind("DESCRIBE atmp:Foo"), query_kind("SELECT * {}")
    ('boolean', 'graph', 'solutions')
    """
    empty = ox.Store()
    subs = {ox.Variable(k): _to_ox(v) for k, v in (substitutions or {}).items()}
    results = empty.query(query, prefixes=PREFIXES, substitutions=subs)  # type: ignore[arg-type]
    if isinstance(results, ox.QueryTriples):
        return "graph"
    return "boolean" if isinstance(results, ox.QueryBoolean) else "solutions"


def translate_results(source: BinaryIO, output: BinaryIO, *, kind: ResultKind, from_type: str, to_type: str) -> None:
    """Re-serialise a result read from ``source`` (``from_type``) into ``to_type``, streaming.

    >>> import io
    >>> out = io.BytesIO()
    >>> translate_results(io.BytesIO(b'<urn:a> <urn:p> "x"@en .'), out, kind="graph",
    ...                   from_type="application/n-triples", to_type="application/n-quads")
    >>> out.getvalue()
    b'<urn:a> <urn:p> "x"@en .\\n'
    """
    if kind == "graph":
        ox.serialize(ox.parse(source, format=RDF_MEDIA_TYPES[from_type]), output,  # type: ignore[arg-type]
                     format=RDF_MEDIA_TYPES[to_type])
        return
    results = ox.parse_query_results(source, format=RESULTS_MEDIA_TYPES[from_type])  # type: ignore[arg-type]
    results.serialize(output, RESULTS_MEDIA_TYPES[to_type])


def quads_n3(quads: Iterable[Quad]) -> list[tuple[str, str, str, str | None, bool]]:
    """Quads as SPARQL term texts (subject, predicate, object, graph IRI), and whether one is a
    blank node: for SPARQL Update requests to a remote store."""
    rows = []
    for quad in quads:
        graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None
        blank = isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
        rows.append((str(quad.subject), str(quad.predicate), str(quad.object), graph, blank))
    return rows


def solutions_as_quads(source: BinaryIO | bytes, *, media_type: str) -> list[Quad]:
    """Quads from the solutions of ``SELECT ?g ?s ?p ?o`` (one request keeps blank nodes consistent)."""
    results = ox.parse_query_results(source, format=RESULTS_MEDIA_TYPES[media_type])  # type: ignore[arg-type]
    if not isinstance(results, ox.QuerySolutions):
        raise ValueError("expected solutions")
    return [ox.Quad(row["s"], row["p"], row["o"], row["g"])  # type: ignore[arg-type]
            for row in results]
