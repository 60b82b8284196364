"""The server side of the query workers: start the zygote, keep workers ready, enforce deadlines.

A query takes an idle worker, sends its request and reads the header, then the data
frames, each read bounded by the query's deadline. A worker that passes its deadline,
fails, or whose client went away mid-stream is killed (its work really stops) and
replaced by a fresh fork; the others keep serving.
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
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

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


class QueryPool:
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
        self._generation = 0  # bumped by each committed write: older workers hold stale snapshots
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
            self._idle.get_nowait().kill()
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
        return {"size": self._size, "idle": self._idle.qsize(), "busy": self._busy}

    # -- workers -------------------------------------------------------------
    def _exchange(self, message: dict[str, Any], *, max_fds: int) -> tuple[dict[str, Any], list[socket.socket]]:
        """Send the zygote a request; its reply and the worker channels that came with it."""
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
        return json.loads(payload), [socket.socket(fileno=fd) for fd in fds]

    def _fork_blocking(self) -> tuple[int, socket.socket]:
        reply, sockets = self._exchange({"op": "fork"}, max_fds=1)
        if not sockets:
            raise StoreLoadError("the zygote did not hand over a worker")
        return int(reply["pids"][0]), sockets[0]

    async def _adopt(self, pid: int, sock: socket.socket, generation: int) -> _Worker:
        sock.setblocking(False)
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=2**26)
        return _Worker(pid, reader, writer, generation)

    async def _fork(self) -> _Worker:
        # Tag with the generation known before forking: a fork racing a write is then
        # at worst replaced once more, never taken for fresh when it is stale.
        generation = self._generation
        pid, sock = await asyncio.to_thread(self._fork_blocking)
        return await self._adopt(pid, sock, generation)

    def _release(self, worker: _Worker) -> None:
        """Put a worker back after a query, or replace it if a write made its snapshot stale."""
        if worker.generation == self._generation:
            self._idle.put_nowait(worker)
        else:
            self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and fork a fresh one in the background."""
        worker.kill()
        self._spawn()

    def _spawn(self) -> None:
        """Fork a fresh worker in the background (unless the pool is full by then)."""

        async def replace() -> None:
            try:
                fresh = await self._fork()
                if self._idle.qsize() + self._busy >= self._size:  # a write's fresh set filled the pool
                    fresh.kill()
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
                worker = await self._idle.get()
        except TimeoutError:
            raise QueryFailed(
                "timeout", f"no query worker became free within the time limit of {self.timeout:g} s"
            ) from None
        self._busy += 1
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
            worker.writer.write(encode_message(message))
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
        """Hand a write to the zygote (which runs one at a time) and refresh the workers.

        The zygote forks workers of the new state for the free slots right after it commits;
        they replace the idle ones before the answer returns, so a query sent after the answer
        sees the change, without waiting for forks queued behind other writes.
        """
        # Only as many as can start at once: a busy worker is replaced when it finishes, so forks
        # for busy slots would be killed unused (the zygote's forks are the costly part of a write).
        wanted = max(0, self._size - self._busy)
        outcome, sockets = await asyncio.to_thread(
            self._exchange, {"op": "write", "change": change, "fork": wanted}, max_fds=self._size)
        if outcome.get("status") == "committed" and outcome.get("change"):
            self._generation += 1
            self.status["graphs"] = outcome.pop("graphs_after")
            fresh = [await self._adopt(pid, sock, self._generation) for pid, sock in zip(outcome.pop("pids"), sockets)]
            while not self._idle.empty():
                self._idle.get_nowait().kill()
            room = self._size - self._busy
            for worker in fresh[:room]:
                self._idle.put_nowait(worker)
            for worker in fresh[room:]:  # busy stale workers are replaced when they finish
                worker.kill()
            for _ in range(room - len(fresh)):  # idle slots freed while the write ran
                self._spawn()
        outcome.pop("graphs_after", None)
        outcome.pop("pids", None)
        return outcome

    async def read_all(self, request: QueryRequest) -> tuple[str, bytes]:
        """The whole answer of ``request``: its media type and bytes (for small internal queries)."""
        result = await self.execute(request)
        return result.media_type, b"".join([chunk async for chunk in result.chunks])

    async def select(self, query: str, *, substitutions: dict[str, Node] | None = None) -> list[dict[str, Node]]:
        """Rows of a SELECT query as rdflib terms; variables bound by ``substitutions``.

        For the service's own pages and catalogue: the query runs in a worker with the
        same deadline as any other.
        """
        _, body = await self.read_all(QueryRequest(query, format="json", substitutions=substitutions))
        return parse_json_results(body)

    async def construct(self, query: str, *, substitutions: dict[str, Node] | None = None) -> Graph:
        """The graph of a CONSTRUCT or DESCRIBE query, variables bound by ``substitutions``."""
        _, body = await self.read_all(QueryRequest(query, format="ntriples", substitutions=substitutions))
        return Graph().parse(data=body, format="nt")

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
