"""An optional cache of small, complete query answers, emptied by every committed write.

Dashboards, term pages and catalogue queries send the same query again and again; on a
CPU-bound query the answer then costs a dictionary look-up instead of an evaluation. It
is off unless ``--result-cache-mb`` is given, and only for the embedded store, where
every write passes through this process: a remote store can be changed behind our back
(another replica, another client), so no answer of it is kept.

What is kept: answers complete in their first frame (the pool's ``QueryStream.body``,
at most 64 KiB), keyed by everything that shapes them (query text, dataset, accepted
media type, ``format``, bound parameters). Never kept: queries whose answer differs from
one evaluation to the next (``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``)
and federated ones (``SERVICE``: the remote data can change).

Consistency: a write bumps the generation and empties the cache before its answer is
returned, so a query sent after a write's answer never sees an answer computed before
it. An answer is stored only under the generation its query started in, and only if no
write committed meanwhile. Identical queries that miss at the same time are evaluated
once; the others wait for that answer (single flight).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


from atmp_graph.backends import Backend
from atmp_graph.engine.pool import AnswerReaders, QueryRequest, QueryStream, _once
from atmp_graph.sparql_lexer import tokens

VOLATILE_WORDS = ("NOW", "RAND", "UUID", "STRUUID", "BNODE", "SERVICE")


def cacheable(query: str) -> bool:
    """Whether two evaluations of ``query`` on the same data give the same answer.

    >>> cacheable("SELECT ?s { ?s ?p ?o } LIMIT 1"), cacheable("SELECT (NOW() AS ?t) {}")
    (True, False)
    >>> cacheable('SELECT ?s { ?s <urn:p> "NOW()" }')  # a word inside a string is no call
    True
    """
    try:
        return not any(token.is_word(*VOLATILE_WORDS) for token in tokens(query))
    except SyntaxError:
        return False


def request_key(request: QueryRequest) -> Hashable:
    return (request.query, tuple(request.default_graphs or ()) if request.default_graphs is not None else None,
            tuple(request.named_graphs or ()) if request.named_graphs is not None else None,
            request.accept, request.format,
            tuple(sorted((name, term.n3()) for name, term in (request.substitutions or {}).items())))


class CachedBackend(AnswerReaders):
    """``inner`` with small answers kept until the next write (see the module's docstring)."""

    def __init__(self, inner: Backend, *, max_bytes: int) -> None:
        self.inner = inner
        self.max_bytes = max_bytes
        self.generation = 0
        self._answers: OrderedDict[Hashable, tuple[str, str, bytes]] = OrderedDict()
        self._bytes = 0
        self._pending: dict[tuple[int, Hashable], asyncio.Future[tuple[str, str, bytes] | None]] = {}
        self.hits = self.misses = 0

    # -- what the API reads of a backend, passed through ----------------------------------
    @property
    def timeout(self) -> float:
        return self.inner.timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self.inner.timeout = value

    @property
    def writes(self) -> bool:
        return self.inner.writes

    @writes.setter
    def writes(self, value: bool) -> None:
        self.inner.writes = value

    @property
    def status(self) -> dict[str, Any]:
        return self.inner.status

    @status.setter
    def status(self, value: dict[str, Any]) -> None:
        self.inner.status = value

    @property
    def ready(self) -> bool:
        return self.inner.ready

    def load(self) -> None:
        self.inner.load()

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    def worker_counts(self) -> dict[str, int]:
        return self.inner.worker_counts()

    def cache_counts(self) -> dict[str, int]:
        return {"entries": len(self._answers), "bytes": self._bytes, "max_bytes": self.max_bytes,
                "hits": self.hits, "misses": self.misses}

    # -- queries --------------------------------------------------------------------------
    async def execute(self, request: QueryRequest) -> QueryStream:
        if not cacheable(request.query):
            return await self.inner.execute(request)
        key, generation = request_key(request), self.generation
        if (answer := self._answers.get(key)) is not None:
            self._answers.move_to_end(key)
            self.hits += 1
            return _answer(answer)
        flight = (generation, key)  # never share an answer computed before a write with a query after it
        if (pending := self._pending.get(flight)) is not None:
            shared = await asyncio.shield(pending)
            if shared is not None:
                self.hits += 1
                return _answer(shared)
            return await self.inner.execute(request)  # the first one's answer was not kept
        self.misses += 1
        future: asyncio.Future[tuple[str, str, bytes] | None] = asyncio.get_running_loop().create_future()
        self._pending[flight] = future
        kept: tuple[str, str, bytes] | None = None
        try:
            result = await self.inner.execute(request)
            if result.body is not None:  # the waiters started with this one: the answer is theirs too
                kept = (result.media_type, result.kind, result.body)
                if generation == self.generation:  # but it is kept only if no write committed meanwhile
                    self._keep(key, kept)
            return result
        finally:
            del self._pending[flight]
            future.set_result(kept)

    def _keep(self, key: Hashable, answer: tuple[str, str, bytes]) -> None:
        size = len(answer[2]) + len(str(key))
        if size > self.max_bytes:
            return
        self._answers[key] = answer
        self._bytes += size
        while self._bytes > self.max_bytes:
            old_key, old = self._answers.popitem(last=False)
            self._bytes -= len(old[2]) + len(str(old_key))

    # -- writes ---------------------------------------------------------------------------
    async def write(self, change: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.inner.write(change)
        finally:  # refused writes change nothing, but emptying is cheap and always safe
            self.generation += 1
            self._answers.clear()
            self._bytes = 0


def _answer(answer: tuple[str, str, bytes]) -> QueryStream:
    media_type, kind, body = answer
    return QueryStream(media_type, kind, _once(body), body=body)
