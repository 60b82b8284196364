"""A remote SPARQL 1.1 store as the backend, spoken to only through the standard protocols:
the Query Protocol (https://www.w3.org/TR/sparql11-protocol/), Update
(https://www.w3.org/TR/sparql11-update/) and, for bulk uploads when configured, the Graph
Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/).

Queries are parsed here first (syntax errors, result kind, SERVICE/LOAD refusal happen
before anything is sent), sent with an explicit dataset (the served graphs, so that a
store's own system graphs never leak into the union default graph), and their answers
re-serialised into the negotiated format as they stream in: the store is asked for
SPARQL XML results or N-Triples, which every store writes, and the client gets exactly
the serialisations the embedded store writes. Differences of particular stores, and
what this module does about them, are in ``docs/backends.md``.

Writes and inference run on an in-memory working copy of the served graphs (the same
write engine as the embedded store: shape gate, incremental inference, change log), and
the resulting delta is applied through SPARQL Update, after an optimistic version check
in a small metadata graph so that two replicas never apply deltas computed on the same
state.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
import io
import queue
import socket
import urllib.parse
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pyoxigraph as ox
from rdflib.term import BNode, Node

from atmp_graph.backends.blank_nodes import upload_plan
from atmp_graph.backends.describe import DEPTH as DESCRIBE_DEPTH
from atmp_graph.backends.describe import describe_as_construct, is_describe, values_block
from atmp_graph.backends.http import AsyncHttpClient, HttpError, Response
from atmp_graph.engine.pool import AnswerReaders, QueryFailed, QueryRequest, QueryStream, StoreLoadError, parse_json_results
from atmp_graph.namespaces import CHANGES_GRAPH, GRAPH_BASE, INFERRED_GRAPH, PREFIXES
from atmp_graph.negotiation import NotAcceptable, ResultKind, negotiate
from atmp_graph.reasoning import ENTAILMENT_NOTE, ENTAILMENT_PROFILE, ENTAILMENT_REGIME, materialise
from atmp_graph.sparql_lexer import tokens
from atmp_graph.store import (
    DEFAULT_GRAPH,
    GraphStore,
    Quad,
    Source,
    query_kind,
    quads_n3,
    solutions_as_quads,
    sources_fingerprint,
    translate_results,
)

log = logging.getLogger(__name__)

META_GRAPH = GRAPH_BASE + "meta"
_META = META_GRAPH + "#"
EMPTY_GRAPH = GRAPH_BASE + "none"  # names no graph: an empty default graph on any store
SERVICE_GRAPHS = (INFERRED_GRAPH, CHANGES_GRAPH)
# Graphs a store keeps for itself (Virtuoso: its RDF views, LDP and service descriptions).
SYSTEM_GRAPH_PREFIXES = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                         "http://localhost:8890/", "urn:activitystreams-owl:map", "virtrdf:")
XML_RESULTS = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"
HOLD_BACK = 64 * 1024
FRAME_SIZE = 256 * 1024
MAX_GET_URL = 4000  # longer queries go by POST
INLINE_BYTES = 256 * 1024  # answers up to this size are translated in the event loop, at once
UPDATE_CHUNK_BYTES = 512 * 1024  # per Update request when uploading
FORMAT_VERSION = "remote-2"  # bump when what load() writes changes


@dataclass(frozen=True)
class RemoteConfig:
    """Where the store is and how to authenticate (user and password come from the environment)."""

    endpoint: str
    update_endpoint: str
    store_endpoint: str | None = None
    user: str | None = None
    password: str | None = None


Row = tuple[str, str, str, "str | None", bool]


class RemoteError(RuntimeError):
    """The store refused or failed a request this backend sent."""


class _ChallengeAuth(httpx.Auth):
    """HTTP authentication by whatever the store asks for: Digest (Virtuoso) or Basic (Fuseki, GraphDB)."""

    def __init__(self, user: str, password: str) -> None:
        self._digest = httpx.DigestAuth(user, password)
        self._basic = httpx.BasicAuth(user, password)
        self._scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme is None:
            response = yield request
            if response.status_code != 401:
                return
            challenge = response.headers.get("www-authenticate", "").lower()
            self._scheme = "digest" if challenge.startswith("digest") else "basic"
        chosen = self._digest if self._scheme == "digest" else self._basic
        yield from chosen.auth_flow(request)


class _Cancelled(OSError):
    pass


class _Job:
    """One query's answer travelling from the fetching thread to the event loop, in frames.

    The thread writes the translated result here (a binary file for pyoxigraph); the first
    frame is held back until ``HOLD_BACK`` bytes or the end, so that early errors still
    become a proper status. A bounded number of frames in flight gives back-pressure.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, *, limit: int) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[bytes | None | QueryFailed] = asyncio.Queue()
        self.room = threading.Semaphore(8)
        self.cancelled = threading.Event()
        self.limit = limit
        self.failure: QueryFailed | None = None
        self._buffer = bytearray()
        self._written = 0
        self._started = False

    # -- the fetching thread ---------------------------------------------------
    def write(self, data: bytes) -> int:
        if self.cancelled.is_set():
            raise _Cancelled("cancelled")
        self._written += len(data)
        if self._written > self.limit:
            self.failure = QueryFailed("too_large", f"the result is larger than this service's limit of "
                                                    f"{self.limit} bytes; narrow the query or add a LIMIT")
            raise _Cancelled(self.failure.message)
        self._buffer += data
        if len(self._buffer) >= (FRAME_SIZE if self._started else HOLD_BACK):
            self._emit(bytes(self._buffer))
            self._buffer.clear()
            self._started = True
        return len(data)

    def flush(self) -> None:
        pass

    def _emit(self, item: bytes | None | QueryFailed) -> None:
        while not self.room.acquire(timeout=0.5):
            if self.cancelled.is_set():
                raise _Cancelled("cancelled")
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is listening
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def finish(self) -> None:
        if self._buffer:
            self._emit(bytes(self._buffer))
        self._emit(None)

    def fail(self, failure: QueryFailed) -> None:
        with contextlib.suppress(_Cancelled):
            self._emit(failure)

    # -- the event loop ----------------------------------------------------------
    async def next(self, deadline: float, timeout: float) -> bytes | None:
        try:
            async with asyncio.timeout_at(deadline):
                item = await self.queue.get()
        except TimeoutError:
            self.cancelled.set()
            raise QueryFailed("timeout", f"the query ran past this service's time limit of {timeout:g} s "
                                         "and was stopped") from None
        self.room.release()
        if isinstance(item, QueryFailed):
            raise item
        return item


class _Reader:
    """A binary file over a streamed response, for pyoxigraph's parsers.

    With ``fix_blank_nodes``, Virtuoso's blank node labels in SPARQL XML results
    (``<bnode>nodeID://b10000</bnode>``, not a valid label) lose their ``nodeID://`` prefix.
    The text ``<bnode>`` cannot occur escaped-free anywhere else in an XML results document.
    """

    PATTERN = b"<bnode>nodeID://"

    def __init__(self, chunks: Iterator[bytes], cancelled: threading.Event, *, fix_blank_nodes: bool) -> None:
        self._chunks = chunks
        self._cancelled = cancelled
        self._fix = fix_blank_nodes
        self._buffer = b""
        self._done = False

    def _more(self) -> None:
        if self._cancelled.is_set():
            raise _Cancelled("cancelled")
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self._done = True
            chunk = b""
        self._buffer += chunk

    def read(self, size: int = -1) -> bytes:
        keep = len(self.PATTERN) - 1 if self._fix else 0
        while not self._done and (size < 0 or len(self._buffer) < size + keep):
            self._more()
        if self._fix:
            self._buffer = self._buffer.replace(self.PATTERN, b"<bnode>")
        if size < 0 or self._done:
            size = len(self._buffer) if size < 0 else size
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readable(self) -> bool:
        return True


class _RecordingStore(GraphStore):
    """A working copy that remembers the net quads added and removed since :meth:`reset`
    (through ``apply_delta``, the write engine's only way to change asserted data)."""

    def reset(self) -> None:
        self.removed: set[Quad] = set()
        self.added: set[Quad] = set()

    def apply_delta(self, *, remove: Any, add: Any) -> tuple[list[Quad], list[Quad]]:
        removed, added = super().apply_delta(remove=remove, add=add)
        for quad in removed:
            if quad in self.added:
                self.added.discard(quad)
            else:
                self.removed.add(quad)
        for quad in added:
            if quad in self.removed:
                self.removed.discard(quad)
            else:
                self.added.add(quad)
        return removed, added


def _has_dataset_clause(query: str) -> bool:
    return any(t.kind == "word" and t.text.upper() == "FROM" for t in tokens(query))


def _with_values(query: str, values: str) -> str:
    r"""``query`` with the ``values`` block first in its WHERE group, so that bindings reach its
    FILTERs as pyoxigraph's substitutions do (a trailing VALUES joins too late for them, and
    Virtuoso refuses one after ASK); trailing when there is no group (``DESCRIBE ?x``).

    >>> _with_values("ASK { ?s ?p ?o FILTER(?o > ?min) }", "VALUES (?min) { (1) }")
    'ASK { VALUES (?min) { (1) } ?s ?p ?o FILTER(?o > ?min) }'
    >>> _with_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "VALUES (?s) { (<urn:a>) }")
    'CONSTRUCT { ?s ?p ?o } WHERE { VALUES (?s) { (<urn:a>) } ?s ?p ?o }'
    >>> _with_values("DESCRIBE ?x", "VALUES (?x) { (<urn:a>) }")
    'DESCRIBE ?x\nVALUES (?x) { (<urn:a>) }'
    """
    toks = tokens(query)
    words = [i for i, t in enumerate(toks) if t.kind == "word" and t.text.upper() == "WHERE"]
    start = words[0] if words else 0
    braces = [t for t in toks[start:] if t.text == "{"]
    if not braces:
        return f"{query}\n{values}"
    at = braces[0].start + 1
    return f"{query[:at]} {values}{query[at:]}"


# The triples of the blank nodes given (ROWS) and of the blank nodes they lead to: two levels
# of a DESCRIBE per round on Virtuoso (one level costs it 5 ms to compile, 12 levels seconds).
_TWO_LEVELS = ("CONSTRUCT { ?atmp_b ?atmp_p ?atmp_o . ?atmp_c ?atmp_q ?atmp_r } WHERE { "
               "VALUES (?atmp_b ?atmp_b) { ROWS } { ?atmp_b ?atmp_p ?atmp_o } UNION "
               "{ ?atmp_b ?atmp_l ?atmp_c FILTER(isBlank(?atmp_c)) ?atmp_c ?atmp_q ?atmp_r } }")


def _prologue(query: str) -> str:
    """Declarations of the built-in prefixes that ``query`` uses (the store is sent no others:
    fewer bytes to encode, send and parse per query).

    >>> _prologue("SELECT ?x { ?x rdfs:label 'a:b' ; a skos:Concept }")
    'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\\n'
    """
    used = {t.text.split(":", 1)[0] for t in tokens(query) if t.kind == "pname"}
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if name in used)


@functools.lru_cache(maxsize=1024)
def _encoded(name: str, value: str) -> str:
    """A form parameter, URL-encoded once (the dataset's graphs repeat on every query)."""
    return f"{urllib.parse.quote_plus(name)}={urllib.parse.quote_plus(value)}"


class RemoteBackend(AnswerReaders):
    """The service's data in a remote SPARQL 1.1 store."""

    def __init__(self, config: RemoteConfig, *, sources: Sequence[Source], timeout: float, max_result_bytes: int,
                 infer: bool = True, writes: bool = False, shapes_dir: str | None = None,
                 load_allow_list: Sequence[str] = (), max_load_bytes: int = 10 * 2**20,
                 connections: int = 32, graph_refresh_seconds: float = 30.0) -> None:
        self.config = config
        self._sources = list(sources)
        self.timeout = timeout
        self._max_result_bytes = max_result_bytes
        self._infer = infer
        self.writes = writes
        self._engine_config = {"shapes_dir": shapes_dir, "infer": infer, "load_allow_list": list(load_allow_list),
                               "max_load_bytes": max_load_bytes}
        self._connections = connections
        self._refresh_every = graph_refresh_seconds
        auth = _ChallengeAuth(config.user, config.password or "") if config.user else None
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        # No Nagle delay: a POST's headers and body go out as two writes.
        nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        self._client = httpx.Client(auth=auth, timeout=httpx.Timeout(60.0, connect=10.0), follow_redirects=False,
                                    transport=httpx.HTTPTransport(limits=limits, socket_options=nodelay))
        self._http = AsyncHttpClient(user=config.user, password=config.password, max_idle=connections)
        self._loaded = False
        self._stopped = False
        self._reachable = True
        self._busy = 0
        self._dialect = "generic"
        self._row_limit: str | None = None
        self._copy: tuple[_RecordingStore, Any] | None = None
        self._copy_version: str | None = None
        self._write_lock = asyncio.Lock()
        # One thread per query in flight (they block on the store's answer), started once.
        self._threads = ThreadPoolExecutor(max_workers=connections, thread_name_prefix="remote-query")
        self._refresher: asyncio.Task[None] | None = None
        self._jobs: weakref.WeakSet[_Job] = weakref.WeakSet()
        self.status: dict[str, Any] = {}

    # -- life cycle ----------------------------------------------------------
    def load(self) -> None:
        """Check the store, load the sources into it when they changed, and read its graphs.

        ``StoreLoadError`` when the store cannot be reached or refuses, or a source is malformed.
        """
        started = time.perf_counter()
        try:
            server = self._probe()
            meta = self._read_meta()
            fingerprint = f"{sources_fingerprint(self._sources)}:{'inferred' if self._infer else 'asserted'}:" \
                          f"{FORMAT_VERSION}"
            if meta.get("sourcesFingerprint") == fingerprint:
                reloaded, inference = False, self._regime(reused=True) if self._infer else None
            else:
                reloaded, inference = True, self._reload(fingerprint, meta)
            graphs = self._graph_sizes()
        except httpx.HTTPError as error:
            raise StoreLoadError(f"cannot reach the SPARQL store at {self.config.endpoint}: {error}") from None
        except RemoteError as error:
            raise StoreLoadError(f"the SPARQL store at {self.config.endpoint} refused a request: {error}") from None
        except (SyntaxError, OSError, ValueError) as error:
            raise StoreLoadError(str(error)) from None
        limitations = self._limitations()
        for line in limitations:
            log.warning("remote backend: %s", line)
        self.status = {
            "graphs": graphs,
            "load_seconds": round(time.perf_counter() - started, 3),
            "reloaded": reloaded,
            "replayed_changes": 0,
            "inference": inference,
            "backend": {"kind": "sparql", "endpoint": self.config.endpoint,
                        "update_endpoint": self.config.update_endpoint,
                        "store_endpoint": self.config.store_endpoint, "server": server,
                        "dialect": self._dialect, "limitations": limitations},
        }
        self._loaded = True

    async def start(self) -> None:
        if not self._loaded:
            await asyncio.to_thread(self.load)
        self._refresher = asyncio.create_task(self._refresh_graphs_periodically())

    async def stop(self) -> None:
        self._stopped = True
        if self._refresher is not None:
            self._refresher.cancel()
        for job in list(self._jobs):
            job.cancelled.set()
        await asyncio.to_thread(self._threads.shutdown, wait=True, cancel_futures=True)
        self._http.close()
        await asyncio.to_thread(self._client.close)

    @property
    def ready(self) -> bool:
        return self._loaded and not self._stopped and self._reachable

    def worker_counts(self) -> dict[str, int]:
        return {"size": self._connections, "idle": max(0, self._connections - self._busy), "busy": self._busy}

    def _limitations(self) -> list[str]:
        notes = [
            "blank nodes keep their identity within the store, but a write that changes a triple with a blank "
            "node rewrites every blank-node triple of the served graphs (SPARQL cannot name a stored blank node)",
            "a query cut off at the time limit is abandoned by this service; the store may evaluate it until it "
            "notices the closed connection" + (" (Virtuoso is also sent its own timeout)"
                                              if self._dialect == "virtuoso" else ""),
            "a write's changes reach the store in a few Update requests: a query running meanwhile can see "
            "part of them",
            "the store has no default graph of its own here: Graph Store requests with ?default and updates "
            "without a GRAPH are refused; the default graph of queries is the union of the served graphs",
        ]
        if self._row_limit:
            notes.append(f"the store cuts answers at {self._row_limit} rows (Virtuoso's ResultSetMaxRows): a SELECT "
                         "cut there is refused with an error, but a CONSTRUCT or DESCRIBE answer may be cut without "
                         "notice; raise ResultSetMaxRows in virtuoso.ini")
        if self.writes or self._infer:
            notes.append("inference and write validation run on an in-memory copy of the served graphs in the "
                         "replica that does them, so they need the data to fit in that replica's memory; "
                         "reads do not")
        return notes

    def _regime(self, *, reused: bool) -> dict[str, Any]:
        return {"entailment_regime": ENTAILMENT_REGIME, "entailment_profile": ENTAILMENT_PROFILE,
                "note": ENTAILMENT_NOTE, "reused_from_store": reused}

    # -- talking to the store (blocking; run in threads) ---------------------------
    def _probe(self) -> str:
        response = self._client.post(self.config.endpoint, data={"query": "ASK {}"},
                                     headers={"Accept": XML_RESULTS})
        if response.status_code in (401, 403):
            raise RemoteError(f"{response.status_code}: check ATMP_GRAPH_REMOTE_USER / ATMP_GRAPH_REMOTE_PASSWORD")
        if response.status_code != 200:
            raise RemoteError(f"{response.status_code} {response.text[:300]}")
        server = str(response.headers.get("server", ""))
        if "virtuoso" in server.lower():
            self._dialect = "virtuoso"
            self._row_limit = self._virtuoso_row_limit()
        return server

    def _virtuoso_row_limit(self) -> str | None:
        """Virtuoso's ResultSetMaxRows if it is below 10,100 rows (its default is 10,000), else None:
        it marks a SELECT answer it cut (X-SPARQL-MaxRows) but not a CONSTRUCT or DESCRIBE one."""
        numbers = " ".join(str(n) for n in range(101))
        query = f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {numbers} }} VALUES ?b {{ {' '.join(str(n) for n in range(100))} }} }}"
        response = self._client.post(self.config.endpoint, data={"query": query}, headers={"Accept": "text/csv"})
        limit = response.headers.get("x-sparql-maxrows")
        return str(limit) if limit else None

    def _select(self, query: str, params: Sequence[tuple[str, str]] = ()) -> list[dict[str, Node]]:
        response = self._client.post(self.config.endpoint, data=_form([("query", query), *params]),
                                     headers={"Accept": "application/sparql-results+json"})
        if response.status_code != 200:
            raise RemoteError(f"{response.status_code} {response.text[:500]}")
        _refuse_cut_answer(response)
        return parse_json_results(response.content)

    def _update(self, text: str) -> None:
        response = self._client.post(self.config.update_endpoint, data={"update": text},
                                     timeout=httpx.Timeout(600.0, connect=10.0))
        if response.status_code >= 300:
            raise RemoteError(f"{response.status_code} {response.text[:500]}")

    def _read_meta(self) -> dict[str, Any]:
        rows = self._select(f"SELECT ?p ?o WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> ?p ?o }} }}")
        meta: dict[str, Any] = {"loaded": []}
        for row in rows:
            name = str(row["p"]).removeprefix(_META)
            if name == "loadedGraph":
                meta["loaded"].append(str(row["o"]))
            else:
                meta[name] = str(row["o"])
        return meta

    def _remote_graphs(self) -> list[str]:
        rows = self._select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(g for g in (str(r["g"]) for r in rows) if self._served(g))

    def _served(self, graph: str) -> bool:
        return graph != META_GRAPH and not graph.startswith(SYSTEM_GRAPH_PREFIXES)

    def _graph_sizes(self) -> dict[str, int]:
        rows = self._select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return dict(sorted((str(r["g"]), int(str(r["n"]))) for r in rows if self._served(str(r["g"]))))

    def _fetch_quads(self, graphs: Sequence[str]) -> list[Quad]:
        """Every quad of ``graphs`` in one request, so blank nodes shared between graphs stay shared."""
        if not graphs:
            return []
        values = " ".join(f"<{g}>" for g in graphs)
        query = f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}"
        with self._client.stream("POST", self.config.endpoint, data={"query": query},
                                 headers={"Accept": XML_RESULTS}, timeout=httpx.Timeout(600.0, connect=10.0)) as r:
            if r.status_code != 200:
                raise RemoteError(f"{r.status_code} {r.read()[:500]!r}")
            _refuse_cut_answer(r)
            reader = _Reader(r.iter_bytes(), threading.Event(), fix_blank_nodes=True)
            return solutions_as_quads(reader, media_type=XML_RESULTS)  # type: ignore[arg-type]

    # -- loading ------------------------------------------------------------------
    def _reload(self, fingerprint: str, meta: dict[str, Any]) -> dict[str, Any] | None:
        """Replace the graphs loaded from the sources (and the inferred graph) in the store."""
        log.info("loading %d source files into the SPARQL store at %s", len(self._sources), self.config.endpoint)
        store = GraphStore.in_memory()
        store.load_sources(self._sources)
        ours = {source.graph for source in self._sources}
        previous = set(meta.get("loaded", []))
        keep = [g for g in self._remote_graphs() if g not in ours | previous and g not in SERVICE_GRAPHS]
        report = None
        if self._infer:
            store.apply_delta(remove=[], add=self._fetch_quads(keep))  # reason over what is there already
            report = materialise(store).as_dict()
        replaced = sorted(ours | (previous - set(keep)) | ({INFERRED_GRAPH} if self._infer else set()))
        upload = [q for g in sorted(ours) + ([INFERRED_GRAPH] if self._infer else []) for q in store.graph_quads(g)]
        version = str(uuid.uuid4())
        self._send_changes(drop=replaced, removed=[], added=upload)
        self._write_meta(fingerprint=fingerprint, version=version, loaded=sorted(ours))
        self._copy = None
        return report

    def _write_meta(self, *, fingerprint: str, version: str, loaded: Sequence[str]) -> None:
        triples = [f'<{META_GRAPH}> <{_META}sourcesFingerprint> "{fingerprint}"',
                   f'<{META_GRAPH}> <{_META}version> "{version}"']
        triples += [f"<{META_GRAPH}> <{_META}loadedGraph> <{g}>" for g in loaded]
        self._update(f"DROP SILENT GRAPH <{META_GRAPH}> ;\n"
                     f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{ {' .'.join(triples)} }} }}")

    def _send_changes(self, *, drop: Sequence[str], removed: Sequence[Quad], added: Sequence[Quad],
                      blank_nodes: Sequence[Quad] | None = None) -> None:
        """Apply a delta through Update requests of bounded size.

        Triples without blank nodes go as ``DELETE DATA`` / ``INSERT DATA``. Blank-node triples
        go in bounded requests that keep each blank node one node, across graphs too
        (``blank_nodes.upload_plan``); ``blank_nodes`` replaces every blank-node triple of the
        served graphs with the given ones.
        """
        operations = [" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in drop)] if drop else []
        plain_removed = [row for row in quads_n3(removed) if not row[4]]
        added_rows = quads_n3(added)
        if blank_nodes is not None:
            operations.append(
                "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } "
                f"VALUES ?g {{ {' '.join(f'<{g}>' for g in self._remote_graphs())} }} "
                "FILTER(isBlank(?s) || isBlank(?o)) }")
            added_rows = [row for row in added_rows if not row[4]] + quads_n3(blank_nodes)
        operations += _data_blocks("DELETE DATA", plain_removed)
        operations += _data_blocks("INSERT DATA", [row for row in added_rows if not row[4]])
        # Blank-node triples in bounded requests that keep each blank node one node (blank_nodes.py).
        blank_ops, posts = upload_plan([row for row in added_rows if row[4]], key=str(uuid.uuid4()),
                                       by_post=bool(self.config.store_endpoint))
        operations += blank_ops
        # One operation per request: Virtuoso compiles a whole request at once and refuses it when
        # the generated SQL passes 10,000 lines, however the operations are split.
        for operation in operations:
            self._update(operation)
        for graph, document in posts:
            self._post_graph(graph, document)

    def _post_graph(self, graph: str, ntriples: str) -> None:
        """Add triples to ``graph`` with the Graph Store Protocol (POST, N-Triples as Turtle)."""
        assert self.config.store_endpoint is not None
        response = self._client.post(self.config.store_endpoint, params={"graph": graph},
                                     content=ntriples.encode("utf-8"),
                                     headers={"Content-Type": "text/turtle; charset=utf-8"},
                                     timeout=httpx.Timeout(600.0, connect=10.0))
        if response.status_code >= 300:
            raise RemoteError(f"Graph Store POST: {response.status_code} {response.text[:500]}")

    # -- queries ------------------------------------------------------------------
    def _dataset(self, request: QueryRequest) -> list[tuple[str, str]]:
        """The protocol's dataset parameters: always explicit, so the default graph is the union of
        the served graphs on every store (Virtuoso's own union would include its system graphs)."""
        default, named = request.default_graphs, request.named_graphs
        if default is None and named is None:
            if _has_dataset_clause(request.query):
                return []
            served = list(self.status.get("graphs", {}))
            default, named = served, served
        elif default is None:
            default = []
        elif named is None:
            named = list(self.status.get("graphs", {}))
        default = [g for g in default if g != DEFAULT_GRAPH] or [EMPTY_GRAPH]
        named = named or [EMPTY_GRAPH]
        return [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]

    def _query_text(self, request: QueryRequest, kind: ResultKind, *, depth: int = DESCRIBE_DEPTH) -> str:
        terms: dict[str, str] = {}
        for name, term in (request.substitutions or {}).items():
            if isinstance(term, BNode):
                raise QueryFailed("evaluation", f"?{name} cannot be bound to a blank node on a remote store")
            terms[name] = term.n3()
        text = _prologue(request.query) + request.query
        repeat = self._dialect == "virtuoso"
        if kind == "graph" and is_describe(request.query):
            return describe_as_construct(text, substitutions=terms, repeat_single=repeat, depth=depth)
        if terms:
            return _with_values(text, values_block(terms, repeat_single=repeat))
        return text

    async def execute(self, request: QueryRequest) -> QueryStream:
        """Send ``request`` to the store; raises ``QueryFailed`` for anything found before the first bytes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            kind = query_kind(request.query, substitutions=request.substitutions)
        except SyntaxError as error:
            raise QueryFailed("syntax", f"SPARQL syntax error: {error}") from None
        except (ValueError, TypeError) as error:
            raise QueryFailed("evaluation", f"query evaluation failed: {error}") from None
        try:
            media_type = negotiate(kind, accept=request.accept, format=request.format)
        except NotAcceptable as error:
            raise QueryFailed("not_acceptable", str(error), offered=error.offered) from None
        if kind == "graph" and is_describe(request.query):
            return await self._describe(request, media_type, deadline)
        params = [("query", self._query_text(request, kind)), *self._params(request)]
        accept = N_TRIPLES if kind == "graph" else XML_RESULTS
        self._busy += 1
        response: Response | None = None
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._query_request(params, accept)
                source_type = await self._check_answer(response, accept)
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) <= INLINE_BYTES:  # small: translate here, at once
                    body = await response.read()
                    response.close()
                    self._busy -= 1
                    data = self._translate(body, kind=kind, from_type=source_type, to_type=media_type)
                    return QueryStream(media_type, kind, _once(data), body=data)
        except BaseException as error:
            self._busy -= 1
            if response is not None:
                response.close()
            if isinstance(error, TimeoutError):
                raise self._timed_out() from None
            if isinstance(error, HttpError | OSError):
                raise QueryFailed("remote", f"the SPARQL store could not be reached: {error}") from None
            raise
        # Large or of unknown length: a thread translates what this loop reads, frame by frame.
        job = _Job(loop, limit=self._max_result_bytes)
        self._jobs.add(job)
        feed: queue.Queue[bytes | None | BaseException] = queue.Queue(maxsize=16)
        pump = asyncio.create_task(self._pump(response, feed, job))
        self._threads.submit(self._translate_stream, job, feed, kind, source_type, media_type)
        try:
            first = await job.next(deadline, self.timeout)
        except BaseException:
            job.cancelled.set()
            pump.cancel()
            self._busy -= 1
            raise
        return QueryStream(media_type, kind, self._stream(job, first, deadline, pump))

    def _params(self, request: QueryRequest) -> list[tuple[str, str]]:
        """The dataset, and Virtuoso's own time limit in milliseconds (see docs/backends.md)."""
        params = self._dataset(request)
        if self._dialect == "virtuoso":
            params.append(("timeout", str(int(self.timeout * 1000))))
        return params

    async def _describe(self, request: QueryRequest, media_type: str, deadline: float) -> QueryStream:
        """DESCRIBE as the Concise Bounded Description, without the 12-level query when it can.

        On Virtuoso, in rounds: the resources' triples and one blank-node level, then two levels
        from the blank nodes reached per request, naming stored blank nodes as Virtuoso allows (``<nodeID://b1>``); the
        12-level query (``describe.py``) costs it seconds of compilation (0.5 s for a resource that
        does not exist), each round one indexed lookup. On other stores: one blank-node level, and
        the 12 levels only when a blank node of that level leads to another.
        """
        params = self._params(request)
        parts: list[bytes] = []
        size = 0

        async def fetch(query: str) -> list[ox.Quad]:
            nonlocal size
            response = await self._query_request([("query", query), *params], N_TRIPLES)
            try:
                await self._check_answer(response, N_TRIPLES)
                body = await response.read()
            finally:
                response.close()
            size += len(body)
            if size > self._max_result_bytes:
                raise QueryFailed("too_large", f"the result is larger than this service's limit of "
                                               f"{self._max_result_bytes} bytes; narrow the query")
            parts.append(body)
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))

        self._busy += 1
        try:
            async with asyncio.timeout_at(deadline):
                if self._dialect != "virtuoso":
                    triples = await fetch(self._query_text(request, "graph", depth=1))
                    if any(isinstance(t.subject, ox.BlankNode) and isinstance(t.object, ox.BlankNode)
                           for t in triples):
                        parts.clear()
                        await fetch(self._query_text(request, "graph"))
                else:
                    triples = await fetch(self._query_text(request, "graph", depth=1))
                    seen: set[str] = set()
                    while True:
                        seen.update(t.subject.value for t in triples if isinstance(t.subject, ox.BlankNode))
                        new = sorted({t.object.value for t in triples if isinstance(t.object, ox.BlankNode)} - seen)
                        if not new:
                            break
                        seen.update(new)
                        # two columns: Virtuoso loses a lone blank node in a one-column VALUES (docs/backends.md)
                        rows = " ".join(f"(<nodeID://{label}> <nodeID://{label}>)" for label in new)
                        triples = await fetch(_TWO_LEVELS.replace("ROWS", rows))
        except TimeoutError:
            raise self._timed_out() from None
        except (HttpError, OSError) as error:
            raise QueryFailed("remote", f"the SPARQL store could not be reached: {error}") from None
        except SyntaxError as error:
            raise QueryFailed("remote", f"the SPARQL store's answer could not be read: {error}") from None
        finally:
            self._busy -= 1
        data = self._translate(b"".join(parts), kind="graph", from_type=N_TRIPLES, to_type=media_type)
        return QueryStream(media_type, "graph", _once(data), body=data)

    async def _query_request(self, params: list[tuple[str, str]], accept: str) -> Response:
        """GET when the URL stays short (cacheable by proxies), POST otherwise."""
        encoded = "&".join(f"query={urllib.parse.quote_plus(value)}" if name == "query" else _encoded(name, value)
                           for name, value in params)
        if len(encoded) + len(self.config.endpoint) < MAX_GET_URL:
            separator = "&" if "?" in self.config.endpoint else "?"
            return await self._http.request("GET", f"{self.config.endpoint}{separator}{encoded}",
                                            headers={"Accept": accept})
        return await self._http.request("POST", self.config.endpoint, body=encoded.encode(),
                                        headers={"Accept": accept,
                                                 "Content-Type": "application/x-www-form-urlencoded"})

    async def _check_answer(self, response: Response, accept: str) -> str:
        """The answer's media type; ``QueryFailed`` for a refusal, a cut or partial answer, a wrong format."""
        if response.status != 200:
            body = await response.read()
            raise self._refusal(response.status, body[:2000].decode("utf-8", "replace"))
        if response.headers.get("x-sparql-maxrows"):  # Virtuoso cut the answer at ResultSetMaxRows
            raise QueryFailed("remote", "the SPARQL store cut the answer at its limit of "
                                        f"{response.headers['x-sparql-maxrows']} rows; add a LIMIT, or raise "
                                        "the store's limit (Virtuoso: ResultSetMaxRows)")
        if response.headers.get("x-sql-state", "").upper().startswith("S1T"):  # Virtuoso's partial answer
            raise self._timed_out()
        source_type = str(response.headers.get("content-type", accept)).split(";")[0].strip().lower()
        if source_type != accept:
            raise QueryFailed("remote", f"the SPARQL store answered in {source_type}, not {accept}")
        return source_type

    def _timed_out(self) -> QueryFailed:
        return QueryFailed("timeout", f"the query ran past this service's time limit of {self.timeout:g} s "
                                      "and was stopped")

    def _translate(self, body: bytes, *, kind: ResultKind, from_type: str, to_type: str) -> bytes:
        if kind != "graph":
            body = body.replace(_Reader.PATTERN, b"<bnode>")
        output = io.BytesIO()
        try:
            translate_results(io.BytesIO(body), output, kind=kind, from_type=from_type, to_type=to_type)
        except (OSError, SyntaxError, ValueError) as error:
            raise QueryFailed("remote", f"the SPARQL store's answer could not be read: {error}") from None
        if output.tell() > self._max_result_bytes:
            raise QueryFailed("too_large", f"the result is larger than this service's limit of "
                                           f"{self._max_result_bytes} bytes; narrow the query or add a LIMIT")
        return output.getvalue()

    async def _pump(self, response: Response, feed: queue.Queue[bytes | None | BaseException],
                    job: _Job) -> None:
        """Read the answer into ``feed`` for the translating thread (bounded: waits while it is full)."""

        async def put(item: bytes | None | BaseException) -> None:
            while True:
                try:
                    feed.put_nowait(item)
                    return
                except queue.Full:
                    if job.cancelled.is_set():
                        raise _Cancelled("cancelled") from None
                    await asyncio.sleep(0.005)

        try:
            async for chunk in response.chunks():
                await put(chunk)
            await put(None)
        except (OSError, asyncio.IncompleteReadError) as error:
            with contextlib.suppress(_Cancelled):
                await put(HttpError(f"the SPARQL store's answer broke off: {error}"))
        except _Cancelled:
            pass
        finally:
            response.close()

    async def _stream(self, job: _Job, first: bytes | None, deadline: float,
                      pump: asyncio.Task[None]) -> AsyncIterator[bytes]:
        try:
            chunk = first
            while chunk is not None:
                yield chunk
                chunk = await job.next(deadline, self.timeout)
        finally:
            job.cancelled.set()
            pump.cancel()
            self._busy -= 1

    def _translate_stream(self, job: _Job, feed: queue.Queue[bytes | None | BaseException], kind: ResultKind,
                          source_type: str, media_type: str) -> None:
        """In a thread: translate the answer arriving in ``feed`` into ``media_type``, frame by frame."""
        try:
            reader = _Reader(_drain(feed, job.cancelled), job.cancelled, fix_blank_nodes=kind != "graph")
            translate_results(reader, job, kind=kind, from_type=source_type,  # type: ignore[arg-type]
                              to_type=media_type)
            job.finish()
        except HttpError as error:
            job.fail(QueryFailed("remote", str(error)))
        except (OSError, SyntaxError, ValueError) as error:
            if job.failure is not None:
                job.fail(job.failure)
            elif not job.cancelled.is_set():
                job.fail(QueryFailed("remote", f"the SPARQL store's answer could not be read: {error}"))

    def _refusal(self, status: int, text: str) -> QueryFailed:
        first = " ".join(text.split())[:500]
        if "S1T00" in text or "timeout" in text.lower() and "SR171" in text:
            return QueryFailed("timeout", f"the query ran past this service's time limit of {self.timeout:g} s")
        if status in (400, 500) and ("SPARQL" in text or "37000" in text or "error" in text.lower()):
            return QueryFailed("evaluation", f"the SPARQL store could not evaluate the query: {first}")
        if status in (401, 403):
            return QueryFailed("remote", "the SPARQL store refused this service's credentials")
        return QueryFailed("remote", f"the SPARQL store answered {status}: {first}")

    async def _refresh_graphs_periodically(self) -> None:
        """Graphs created or dropped by other replicas join the default graph within a refresh period;
        a store that stops answering makes this replica not ready (``/health``) until it answers again."""
        while True:
            await asyncio.sleep(self._refresh_every)
            try:
                self.status["graphs"] = await asyncio.to_thread(self._graph_sizes)
                self._reachable = True
            except (httpx.HTTPError, RemoteError) as error:
                self._reachable = False  # /health says degraded until the store answers again
                log.warning("the SPARQL store did not answer: %s", error)

    # -- writes -------------------------------------------------------------------
    async def write(self, change: dict[str, Any]) -> dict[str, Any]:
        """Run a write on the working copy and apply its delta to the store (one at a time per replica)."""
        if not self.writes:
            return {"status": "error", "http": 403, "message": "writes are not enabled"}
        if change.get("kind") in ("put", "post", "delete") and not change.get("graph"):
            return {"status": "error", "http": 400, "message": "this service keeps its data in a remote SPARQL "
                    "store without a default graph of its own; name a graph (?graph=IRI)"}
        async with self._write_lock:
            try:
                return await asyncio.to_thread(self._write_blocking, change)
            except (httpx.HTTPError, RemoteError) as error:
                self._copy = None
                log.error("a write could not be applied to the SPARQL store: %s", error)
                return {"status": "error", "http": 503, "message": f"the SPARQL store did not take the write: {error}"}

    def _working_copy(self) -> tuple[_RecordingStore, Any, str | None]:
        from atmp_graph.engine.zygote import write_engine

        version = self._read_meta().get("version")
        if self._copy is None or version != self._copy_version:
            store = cast(_RecordingStore, _RecordingStore.in_memory())
            store.reset()
            store.apply_delta(remove=[], add=self._fetch_quads(self._remote_graphs()))
            self._copy = (store, write_engine(store, self._engine_config))
            self._copy_version = version
        return self._copy[0], self._copy[1], version

    def _write_blocking(self, change: dict[str, Any]) -> dict[str, Any]:
        from atmp_graph.engine.zygote import handle_write

        for _attempt in range(3):
            store, engine, version = self._working_copy()
            store.reset()
            inferred_before = set(store.graph_quads(INFERRED_GRAPH)) if self._infer else set()
            outcome = handle_write(engine, {"change": change})
            outcome.pop("graphs_after", None)
            outcome.pop("net", None)  # the embedded workers' copy of the delta; this backend sends its own
            if outcome["status"] != "committed" or not outcome.get("change"):
                return outcome
            removed, added = set(store.removed), set(store.added)
            if self._infer:
                inferred_after = set(store.graph_quads(INFERRED_GRAPH))
                removed |= inferred_before - inferred_after
                added |= inferred_after - inferred_before
            if any(not getattr(q.graph_name, "value", None) for q in removed | added):
                self._copy = None
                return {"status": "error", "http": 400, "message": "this service keeps its data in a remote SPARQL "
                        "store without a default graph of its own; write into a named graph (GRAPH <...>)"}
            new_version = str(uuid.uuid4())
            if not self._claim(version, new_version):
                self._copy = None  # another replica wrote first: redo the write on its result
                continue
            blank = [q for q in removed | added if quads_n3([q])[0][4]]
            self._send_changes(drop=[], removed=sorted(removed, key=str), added=sorted(added, key=str),
                               blank_nodes=self._blank_quads(store) if blank else None)
            self._copy_version = new_version
            self.status["graphs"] = self._graph_sizes()
            return outcome
        self._copy = None
        return {"status": "error", "http": 503, "message": "the store kept changing under this write; try again"}

    def _blank_quads(self, store: GraphStore) -> list[Quad]:
        return [q for g in store.named_graphs() if self._served(g) for q in store.graph_quads(g)
                if quads_n3([q])[0][4]]

    def _claim(self, expected: str | None, new: str) -> bool:
        """Compare-and-set the store's version: true when this replica's write is the next one."""
        predicate = f"<{_META}version>"
        if expected is None:
            self._update(f'INSERT DATA {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> {predicate} "{new}" }} }}')
        else:
            self._update(
                f"DELETE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> {predicate} ?v }} }} "
                f'INSERT {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> {predicate} "{new}" }} }} '
                f'WHERE {{ GRAPH <{META_GRAPH}> {{ <{META_GRAPH}> {predicate} ?v FILTER(STR(?v) = "{expected}") }} }}')
        return self._read_meta().get("version") == new


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _drain(feed: queue.Queue[bytes | None | BaseException], cancelled: threading.Event) -> Iterator[bytes]:
    """The chunks put in ``feed`` until its end (None), for a thread; raises what the reader put."""
    while True:
        try:
            item = feed.get(timeout=0.5)
        except queue.Empty:
            if cancelled.is_set():
                raise _Cancelled("cancelled") from None
            continue
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


def _refuse_cut_answer(response: httpx.Response) -> None:
    """``RemoteError`` when Virtuoso marks an answer as cut at its ResultSetMaxRows."""
    if response.headers.get("x-sparql-maxrows"):
        raise RemoteError(f"the store cut an answer at {response.headers['x-sparql-maxrows']} rows; raise its "
                          "limit (Virtuoso: ResultSetMaxRows in virtuoso.ini)")


def _form(params: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Form parameters, repeated names kept (httpx takes a list per name)."""
    form: dict[str, list[str]] = {}
    for name, value in params:
        form.setdefault(name, []).append(value)
    return form


def _quad_pattern(rows: Sequence[Row]) -> str:
    by_graph: dict[str | None, list[str]] = {}
    for s, p, o, g, _ in rows:
        by_graph.setdefault(g, []).append(f"{s} {p} {o} .")
    return " ".join(f"GRAPH <{g}> {{ {' '.join(triples)} }}" if g else " ".join(triples)
                    for g, triples in by_graph.items())


def _data_blocks(keyword: str, rows: Sequence[Row]) -> list[str]:
    """``INSERT DATA`` / ``DELETE DATA`` operations of at most about ``UPDATE_CHUNK_BYTES`` each."""
    blocks: list[str] = []
    current: list[Row] = []
    size = 0
    for row in rows:
        current.append(row)
        size += len(row[0]) + len(row[1]) + len(row[2]) + 4
        if size > UPDATE_CHUNK_BYTES // 2:
            blocks.append(f"{keyword} {{ {_quad_pattern(current)} }}")
            current, size = [], 0
    if current:
        blocks.append(f"{keyword} {{ {_quad_pattern(current)} }}")
    return blocks
