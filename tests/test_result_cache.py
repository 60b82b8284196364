"""The optional cache of small answers: repeated queries are answered from it, a write empties it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from test_writes import DATA_GRAPH, EX, TOKENS, UPDATE, names

from atmp_graph.engine.pool import QueryRequest, QueryStream
from atmp_graph.result_cache import CachedBackend
from conftest import DATA, running_server


def _cache(client: Any) -> dict[str, int]:
    return dict(client.get("/health").json()["result_cache"])


def test_a_repeated_query_is_answered_from_the_cache_until_a_write() -> None:
    with running_server("--no-bundled", "--no-infer", "--data", str(DATA / "writes" / "products.ttl"),
                        "--result-cache-mb", "1", env=TOKENS) as server, server.client() as client:
        before = names(client)
        start = _cache(client)
        assert names(client) == before and names(client) == before
        after = _cache(client)
        assert after["hits"] - start["hits"] >= 2 and after["entries"] >= 1
        insert = f'INSERT DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p9> a <{EX}Product> ; <{EX}name> "nine" }} }}'
        assert client.post("/update", content=insert, headers=UPDATE).status_code == 200
        # read-your-writes: the answer sent after the write's answer includes it, on every repetition
        assert all(names(client) == sorted([*before, "nine"]) for _ in range(5))
        refused = client.post("/update", content=f"INSERT DATA {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p10> a <{EX}Product> }} }}",
                              headers=UPDATE)
        assert refused.status_code == 422  # the shapes refuse a product without a name; nothing changed
        assert names(client) == sorted([*before, "nine"])
        delete = f"DELETE WHERE {{ GRAPH <{DATA_GRAPH}> {{ <{EX}p9> ?p ?o }} }}"
        assert client.post("/update", content=delete, headers=UPDATE).status_code == 200
        assert names(client) == before


def test_volatile_queries_are_evaluated_each_time() -> None:
    with running_server("--no-bundled", "--result-cache-mb", "1") as server, server.client() as client:
        start = _cache(client)
        query = "SELECT (STRUUID() AS ?u) {}"
        for _ in range(3):
            assert client.get("/sparql", params={"query": query}).status_code == 200
        assert _cache(client)["hits"] == start["hits"] and _cache(client)["entries"] == start["entries"]


def test_without_the_option_there_is_no_cache() -> None:
    with running_server("--no-bundled") as server, server.client() as client:
        assert "result_cache" not in client.get("/health").json()


class _Counting:
    """A backend stand-in that counts evaluations and answers after a pause."""

    timeout, writes, status = 30.0, True, {}  # type: ignore[var-annotated]

    def __init__(self) -> None:
        self.evaluations = 0
        self.state = b"old"

    async def execute(self, request: QueryRequest) -> QueryStream:
        self.evaluations += 1
        state = self.state
        await asyncio.sleep(0.05)

        async def once() -> AsyncIterator[bytes]:
            yield state

        return QueryStream("text/csv", "bindings", once(), body=state)

    async def write(self, change: dict[str, Any]) -> dict[str, Any]:
        self.state = b"new"
        return {"status": "committed"}


def test_identical_misses_are_evaluated_once_but_never_shared_across_a_write() -> None:
    async def scenario() -> tuple[list[bytes | None], int, bytes | None]:
        inner = _Counting()
        cache = CachedBackend(inner, max_bytes=10_000)  # type: ignore[arg-type]
        request = QueryRequest("SELECT * {}", accept="text/csv")
        first = [asyncio.create_task(cache.execute(request)) for _ in range(8)]
        await asyncio.sleep(0.01)
        await cache.write({})  # commits while the eight are in flight
        late = await cache.execute(request)  # sent after the write's answer: must see "new"
        results = [(await task).body for task in first]
        return results, inner.evaluations, late.body

    results, evaluations, late = asyncio.run(scenario())
    assert results == [b"old"] * 8
    assert late == b"new"
    assert evaluations == 2  # one for the eight identical queries, one after the write


def test_the_cache_stays_within_its_size() -> None:
    async def scenario() -> CachedBackend:
        cache = CachedBackend(_Counting(), max_bytes=400)  # type: ignore[arg-type]
        for n in range(50):
            await cache.execute(QueryRequest(f"SELECT * {{}} LIMIT {n}", accept="text/csv"))
        return cache

    counts = asyncio.run(scenario()).cache_counts()
    assert 0 < counts["bytes"] <= 400 and 0 < counts["entries"] < 50


def test_workers_do_not_repeat_each_others_random_values() -> None:
    """Each query worker is a fork of one process: UUID(), STRUUID(), RAND() must still differ."""
    with running_server("--no-bundled", "--workers", "4") as server, server.client() as client:
        query = "SELECT (STRUUID() AS ?u) (RAND() AS ?r) {}"
        rows = [client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0] for _ in range(12)]
    assert len({row["u"]["value"] for row in rows}) == 12
    assert len({row["r"]["value"] for row in rows}) == 12
