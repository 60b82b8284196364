"""The server side of the query workers: start the zygote, keep workers ready, enforce deadlines.

A query takes an idle worker, sends its request and reads the header, then the data
frames, each read bounded by the query's deadline. A worker that passes its deadline,
fails, or whose client went away mid-stream is killed (its work really stops) and
replaced by a fresh fork; the others keep serving.

A committed write does not replace the workers: its net change goes into a log by
generation (:mod:`.deltas`), is sent at once to the idle workers, and a busy worker gets
what it misses in front of its next query. A worker applies a change whole before it
reads its next request, and the change reaches every worker's channel before the write
is answered, so a query sent after a write's answer sees it (and none sees half of it).
"""


from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from atmp_graph.engine.deltas import MAX_SHIPPED_QUADS, DeltaLog
from atmp_graph.engine.wire import (
    LENGTH_SIZE,
    encode_message,
    recv_exactly,
    recv_message,
    send_message,
    unpack_length,
)
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from atmp_graph.store import Source

log = logging.getLogger(__name__)


class QueryFailed(Exception):
    """A query that could not be answered; ``code`` says why (syntax, timeout, ...)."""

    def __init__(self, code: str, message: str, *, offered: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offered = tuple(offered)


class StoreLoadError(RuntimeError):
    """The zygote could not load the data (a syntax error in a source file, a bad store dir)."""


@dataclass
class QueryRequest:
    query: str
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    accept: str | None = None
    format: str | None = None
    substitutions: dict[str, Node] | None = None


@dataclass
class _Worker:
    pid: int
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    generation: int

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.writer.close()


@dataclass
class QueryStream:
    """An answered query: its media type and an async iterator over the result bytes."""

    media_type: str
    kind: str
    chunks: AsyncIterator[bytes]
    body: bytes | None = None  # the whole result, when it was complete before the first byte was sent


class AnswerReaders:
    """Whole answers in terms of ``execute``, for the service's own pages and catalogue:
    shared by every backend (and the result cache), so they read answers alike."""

    execute: Callable[[QueryRequest], Awaitable[QueryStream]]

    async def read_all(self, request: QueryRequest) -> tuple[str, bytes]:
        """The whole answer of ``request``: its media type and bytes (for small internal queries)."""
        result = await self.execute(request)
        return result.media_type, b"".join([chunk async for chunk in result.chunks])

    async def select(self, query: str, *, substitutions: dict[str, Node] | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT query as rdflib terms; variables bound by ``substitutions``.

        The query runs like any other, with the same deadline.
        """
        _, body = await self.read_all(QueryRequest(query, format="json", substitutions=substitutions))
        return parse_json_results(body)

    async def construct(self, query: str, *, substitutions: dict[str, Node] | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query, variables bound by ``substitutions``."""
        _, body = await self.read_all(QueryRequest(query, format="ntriples", substitutions=substitutions))
        return Graph().parse(data=body, format="nt")


class QueryPool(AnswerReaders):
    """Pre-forked query workers over one loaded store."""

    def __init__(
        self,
        *,
        sources: Sequence[Source],
        store_dir: str | None,
        workers: int,
        timeout: float,
        max_result_bytes: int,
        infer: bool = True,
        writes: bool = False,
        shapes_dir: str | None = None,
        load_allow_list: Sequence[str] = (),
        max_load_bytes: int = 10 * 2**20,
    ) -> None:
        self._sources = list(sources)
        self._store_dir = store_dir
        self._size = workers
        self.timeout = timeout
        self._max_result_bytes = max_result_bytes
        self._infer = infer
        self.writes = writes
        self._shapes_dir = shapes_dir
        self._load = {"load_allow_list": list(load_allow_list), "max_load_bytes": max_load_bytes}
        # Committed changes the workers may still need, by generation (a worker's tag says which it holds).
        self._deltas = DeltaLog(max_quads=MAX_SHIPPED_QUADS)
        self._workers: dict[int, _Worker] = {}  # live workers by pid, idle or busy
        self._forking: list[int] = []  # the generation when each fork under way was asked for
        self._write_lock = asyncio.Lock()  # changes reach the log (and the workers) in commit order
        self._forked = 0
        self._caught_up = 0
        self._control: socket.socket | None = None
        self._control_lock = threading.Lock()
        self._zygote: subprocess.Popen[bytes] | None = None
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._busy = 0
        self._replacements: set[asyncio.Task[None]] = set()
        self.status: dict[str, Any] = {}

    # -- life cycle ----------------------------------------------------------
    async def start(self) -> None:
        """Start the zygote and load the data (unless done already), then fork the workers."""
        if self._zygote is None:
            await asyncio.to_thread(self.load)
        for worker in await asyncio.gather(*(self._fork() for _ in range(self._size))):
            self._idle.put_nowait(worker)

    def load(self) -> None:
        """Start the zygote and wait until it has loaded the data; ``StoreLoadError`` if it cannot."""
        ours, theirs = socket.socketpair()
        self._zygote = subprocess.Popen(
            [sys.executable, "-m", "atmp_graph.engine.zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self._control = ours
        send_message(ours, {
            "sources": [[str(s.path), s.graph] for s in self._sources],
            "store_dir": self._store_dir,
            "infer": self._infer,
            "writes": self.writes,
            "shapes_dir": self._shapes_dir,
            **self._load,
        })
        status = recv_message(ours)
        if status["status"] != "ready":
            self._zygote.wait()
            raise StoreLoadError(status.get("message", "the store could not be loaded"))
        self.status = status

    async def stop(self) -> None:
        for task in list(self._replacements):
            task.cancel()
        while not self._idle.empty():
            self._retire(self._idle.get_nowait())
        if self._control is not None:
            with contextlib.suppress(OSError):
                send_message(self._control, {"op": "stop"})
            self._control.close()
        if self._zygote is not None:
            try:
                await asyncio.to_thread(self._zygote.wait, 5)
            except subprocess.TimeoutExpired:
                self._zygote.kill()

    @property
    def ready(self) -> bool:
        return self._zygote is not None and self._zygote.poll() is None

    def worker_counts(self) -> dict[str, int]:
        """The pool's state for ``/health``: ``forked`` counts every worker forked since the start,
        ``caught_up`` the times a worker was sent committed changes instead."""
        return {"size": self._size, "idle": self._idle.qsize(), "busy": self._busy,
                "generation": self._deltas.generation, "forked": self._forked, "caught_up": self._caught_up,
                "changes_kept": len(self._deltas)}

    # -- workers -------------------------------------------------------------
    def _exchange(self, message: dict[str, Any], *,
                  max_fds: int) -> tuple[dict[str, Any], list[socket.socket], bytes]:
        """Send the zygote a request; its reply, the worker channels and the change bytes that came with it."""
        assert self._control is not None
        with self._control_lock:
            send_message(self._control, message)
            data, fds, _flags, _addr = socket.recv_fds(self._control, 65536, max_fds)
            if len(data) < LENGTH_SIZE:
                data += recv_exactly(self._control, LENGTH_SIZE - len(data))
            length = unpack_length(data[:LENGTH_SIZE])
            payload = data[LENGTH_SIZE:]
            if len(payload) < length:
                payload += recv_exactly(self._control, length - len(payload))
            reply = json.loads(payload[:length])
            extra = payload[length:]
            delta = reply.get("delta")
            if delta:  # the committed change follows the reply: N-Quads removed, then added
                size = int(delta["remove"]) + int(delta["add"])
                extra += recv_exactly(self._control, size - len(extra))
        return reply, [socket.socket(fileno=fd) for fd in fds], extra

    def _fork_blocking(self) -> tuple[int, int, socket.socket]:
        reply, sockets, _ = self._exchange({"op": "fork"}, max_fds=1)
        if not sockets:
            raise StoreLoadError("the zygote did not hand over a worker")
        return int(reply["pids"][0]), int(reply["generation"]), sockets[0]

    async def _adopt(self, pid: int, sock: socket.socket, generation: int) -> _Worker:
        sock.setblocking(False)
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=2**26)
        worker = _Worker(pid, reader, writer, generation)
        self._workers[pid] = worker
        self._forked += 1
        return worker

    async def _fork(self) -> _Worker:
        # The zygote says which generation the fork holds (it may be newer than the one this
        # process knows, when a write's answer is on its way). Until the fork is adopted, the
        # changes after the generation known now are kept for it.
        asked_at = self._deltas.generation
        self._forking.append(asked_at)
        try:
            pid, generation, sock = await asyncio.to_thread(self._fork_blocking)
            return await self._adopt(pid, sock, generation)
        finally:
            self._forking.remove(asked_at)

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        self._workers.pop(worker.pid, None)

    def _trim(self) -> None:
        """Drop the changes every worker (and every fork under way) has applied."""
        held = [worker.generation for worker in self._workers.values()] + self._forking
        self._deltas.trim(oldest_needed=min(held, default=self._deltas.generation))

    def _catch_up(self, worker: _Worker) -> bytes | None:
        """The changes ``worker`` misses, to send before its next request (marked as sent: the
        caller writes them); None if it is too far behind and must be forked anew."""
        missing = self._deltas.catch_up(worker.generation)
        if missing:
            self._caught_up += 1
            worker.generation = self._deltas.generation
        return missing

    def _release(self, worker: _Worker) -> None:
        """Put a worker back after a query, or replace it if it can no longer catch up."""
        if worker.generation < self._deltas.floor:
            self._replace(worker)
        else:
            self._idle.put_nowait(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and fork a fresh one in the background."""
        self._retire(worker)
        self._spawn()

    def _spawn(self) -> None:
        """Fork a fresh worker in the background (unless the pool is full by then)."""

        async def replace() -> None:
            try:
                fresh = await self._fork()
                if self._idle.qsize() + self._busy >= self._size:  # a write's fresh set filled the pool
                    self._retire(fresh)
                else:
                    self._idle.put_nowait(fresh)
            except (OSError, StoreLoadError) as error:
                log.error("could not replace a query worker: %s", error)

        task = asyncio.create_task(replace())
        self._replacements.add(task)
        task.add_done_callback(self._replacements.discard)

    # -- queries -------------------------------------------------------------
    async def execute(self, request: QueryRequest) -> QueryStream:
        """Run ``request``; raises ``QueryFailed`` for anything found before the first bytes."""
        deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    worker = await self._idle.get()
                    missing = self._catch_up(worker)
                    if missing is not None:
                        break
                    self._replace(worker)  # too far behind: a fresh fork is cheaper
        except TimeoutError:
            raise QueryFailed(
                "timeout", f"no query worker became free within the time limit of {self.timeout:g} s"
            ) from None
        self._busy += 1
        if missing:
            self._trim()
        try:
            message = {
                "op": "query",
                "query": request.query,
                "default_graphs": request.default_graphs,
                "named_graphs": request.named_graphs,
                "accept": request.accept,
                "format": request.format,
                "max_result_bytes": self._max_result_bytes,
                "substitutions": {k: v.n3() for k, v in (request.substitutions or {}).items()},
            }
            # The missing changes first: the worker applies them whole before it reads the query.
            worker.writer.write(missing + encode_message(message))
            header = await self._read_message(worker, deadline)
        except BaseException:
            self._busy -= 1
            self._replace(worker)
            raise
        if header["status"] != "ok":
            self._busy -= 1
            self._release(worker)
            raise QueryFailed(header["code"], header["message"], offered=header.get("offered", ()))
        if header.get("complete"):  # a small result, already here in full: no streaming needed
            body = b"".join([chunk async for chunk in self._stream(worker, deadline)])
            return QueryStream(header["media_type"], header["kind"], _once(body), body=body)
        return QueryStream(header["media_type"], header["kind"], self._stream(worker, deadline))

    # -- writes ----------------------------------------------------------------
    async def write(self, change: dict[str, Any]) -> dict[str, Any]:
        """Hand a write to the zygote (which runs one at a time) and bring the workers up to date.

        The change is in every idle worker's channel before the answer returns (busy ones get
        it in front of their next query), so a query sent after the answer sees it. Shielded:
        a caller that goes away must not leave the log without a committed change.
        """
        return await asyncio.shield(asyncio.ensure_future(self._write(change)))

    async def _write(self, change: dict[str, Any]) -> dict[str, Any]:
        async with self._write_lock:
            # Forks only for a change too large to ship, and only as many as can start at once:
            # a busy worker is replaced when it finishes, so forks for busy slots would be killed unused.
            wanted = max(0, self._size - self._busy)
            outcome, sockets, delta = await asyncio.to_thread(
                self._exchange, {"op": "write", "change": change, "fork": wanted}, max_fds=self._size)
            if outcome.get("status") == "committed" and outcome.get("change"):
                generation = int(outcome.pop("generation"))
                self.status["graphs"] = outcome.pop("graphs_after")
                shipped = outcome.pop("delta", None)
                if shipped is not None:
                    header = encode_message({"op": "apply", "generation": generation,
                                             "remove": shipped["remove"], "add": shipped["add"]})
                    self._deltas.commit(generation, header + delta, quads=int(shipped["quads"]))
                    self._refresh_idle()
                else:
                    self._deltas.commit(generation, None, quads=0)
                    fresh = [await self._adopt(pid, sock, generation)
                             for pid, sock in zip(outcome.pop("pids"), sockets)]
                    self._refill(fresh)
                self._trim()
            outcome.pop("graphs_after", None)
            outcome.pop("pids", None)
            outcome.pop("generation", None)
            return outcome

    def _refresh_idle(self) -> None:
        """Send the idle workers the changes they miss now: they apply them while idle."""
        idle = [self._idle.get_nowait() for _ in range(self._idle.qsize())]
        for worker in idle:
            missing = self._catch_up(worker)
            if missing is None:
                self._replace(worker)
                continue
            if missing:
                worker.writer.write(missing)
            self._idle.put_nowait(worker)

    def _refill(self, fresh: list[_Worker]) -> None:
        """Replace the idle workers by ``fresh`` forks of the new state (a change too large to ship)."""
        while not self._idle.empty():
            self._retire(self._idle.get_nowait())
        room = self._size - self._busy
        for worker in fresh[:room]:
            self._idle.put_nowait(worker)
        for worker in fresh[room:]:  # busy stale workers are replaced when they finish
            self._retire(worker)
        for _ in range(room - len(fresh)):  # idle slots freed while the write ran
            self._spawn()

    async def _stream(self, worker: _Worker, deadline: float) -> AsyncIterator[bytes]:
        finished = False
        try:
            while True:
                length = unpack_length(await self._read(worker, LENGTH_SIZE, deadline))
                if length == 0:
                    break
                yield await self._read(worker, length, deadline)
            trailer = await self._read_message(worker, deadline)
            finished = True
            if trailer["status"] != "ok":
                raise QueryFailed(trailer["code"], trailer["message"])
        finally:
            self._busy -= 1
            if finished:
                self._release(worker)
            else:  # timed out, failed, or the client went away: stop the work for real
                self._replace(worker)

    async def _read(self, worker: _Worker, size: int, deadline: float) -> bytes:
        try:
            async with asyncio.timeout_at(deadline):
                return await worker.reader.readexactly(size)
        except TimeoutError:
            raise QueryFailed(
                "timeout", f"the query ran past this service's time limit of {self.timeout:g} s and was stopped"
            ) from None
        except asyncio.IncompleteReadError:
            raise QueryFailed("worker_failed", "the query worker ended unexpectedly") from None

    async def _read_message(self, worker: _Worker, deadline: float) -> dict[str, Any]:
        length = unpack_length(await self._read(worker, LENGTH_SIZE, deadline))
        message: dict[str, Any] = json.loads(await self._read(worker, length, deadline))
        return message


async def _once(body: bytes) -> AsyncIterator[bytes]:
    yield body


def parse_json_results(body: bytes) -> list[dict[str, Node]]:
    """SPARQL 1.1 JSON results as rows of rdflib terms (unbound variables left out).

    >>> parse_json_results(b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"uri","value":"http://a"}}]}}')
    [{'x': rdflib.term.URIRef('http://a')}]
    """
    document = json.loads(body)
    rows = []
    for binding in document["results"]["bindings"]:
        row: dict[str, Node] = {}
        for name, term in binding.items():
            if term["type"] == "uri":
                row[name] = URIRef(term["value"])
            elif term["type"] == "bnode":
                row[name] = BNode(term["value"])
            else:
                row[name] = Literal(term["value"], lang=term.get("xml:lang"),
                                    datatype=URIRef(term["datatype"]) if "datatype" in term else None)
        rows.append(row)
    return rows
