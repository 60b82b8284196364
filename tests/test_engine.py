"""The query pool used by the service's own routes: bound parameters, worker failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from rdflib import Literal, URIRef

from atmp_graph.engine.pool import QueryFailed, QueryPool
from atmp_graph.store import user_sources
from conftest import PROTOCOL_FILES

EX = "http://example.org/"


def with_pool(test: Callable[[QueryPool], Coroutine[Any, Any, None]]) -> None:
    async def run() -> None:
        pool = QueryPool(sources=user_sources(PROTOCOL_FILES), store_dir=None, workers=2, timeout=10,
                         max_result_bytes=10**8)
        await pool.start()
        try:
            await test(pool)
        finally:
            await pool.stop()
    asyncio.run(run())


def test_select_with_bound_parameter() -> None:
    async def check(pool: QueryPool) -> None:
        rows = await pool.select("SELECT ?product ?target WHERE { ?product <http://example.org/target> ?target }",
                                 substitutions={"target": URIRef(EX + "BCMA")})
        assert rows == [{"product": URIRef(EX + "abecma"), "target": URIRef(EX + "BCMA")}]
        # A literal that looks like SPARQL is only ever a value.
        hostile = Literal('x" } ; DROP ALL ; SELECT * { "')
        assert await pool.select("SELECT ?label WHERE { ?x rdfs:label ?label }",
                                 substitutions={"label": hostile}) == []
    with_pool(check)


def test_construct_with_bound_parameter() -> None:
    async def check(pool: QueryPool) -> None:
        graph = await pool.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                     substitutions={"s": URIRef(EX + "CD19")})
        assert set(graph.subjects()) == {URIRef(EX + "CD19")}
        assert len(graph) == 2
    with_pool(check)


def test_unprojected_parameter_is_a_clear_error_and_worker_survives() -> None:
    async def check(pool: QueryPool) -> None:
        with pytest.raises(QueryFailed) as failure:
            await pool.select("SELECT ?label WHERE { ?x rdfs:label ?label }", substitutions={"x": URIRef(EX + "CD19")})
        assert failure.value.code == "evaluation"
        assert "?x" in failure.value.message
        assert pool.worker_counts()["idle"] == 2
        assert len(await pool.select("SELECT ?x WHERE { ?x a ?t }")) == 5
    with_pool(check)
