"""Committed writes reach the running query workers as their net change (issue 6): every worker
sees a write in the first query sent after its answer, entailments included, and no worker is
forked for it; a change too large to ship makes fresh workers instead, and is as visible."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import DATA, Server, running_server

EX = "http://example.org/"
WRITER = "writer-token-0123456789"
ENV = {"ATMP_GRAPH_TOKENS": f"{WRITER}:write", "ATMP_GRAPH_SHAPES_DIR": str(DATA / "writes" / "shapes")}
UPDATE = {"Authorization": f"Bearer {WRITER}", "Content-Type": "application/sparql-update"}
G = "http://example.org/parts"
WORKERS = 4
TBOX = f"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . <{EX}Widget> rdfs:subClassOf <{EX}Part> .\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tbox = tmp_path_factory.mktemp("tbox") / "tbox.ttl"
    tbox.write_text(TBOX)
    with running_server("--no-bundled", "--workers", str(WORKERS), "--data", str(DATA / "writes" / "products.ttl"),
                        str(tbox), env=ENV) as running:
        yield running


def update(client: httpx.Client, text: str) -> None:
    response = client.post("/update", headers=UPDATE, content=text.encode())
    assert response.status_code == 200, response.text


def count(client: httpx.Client, where: str) -> int:
    response = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"})
    assert response.status_code == 200, response.text
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def widgets(client: httpx.Client) -> tuple[int, int]:
    """Asserted widgets and the parts entailed for them (each widget is a part), in one query."""
    query = (f"SELECT (COUNT(?w) AS ?a) (COUNT(?p) AS ?e) WHERE {{ {{ GRAPH <{G}> {{ ?w a <{EX}Widget> }} }} UNION "
             f"{{ GRAPH <https://w3id.org/atmp/graph/inferred> {{ ?p a <{EX}Part> }} }} }}")
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    row = response.json()["results"]["bindings"][0]
    return int(row["a"]["value"]), int(row["e"]["value"])


def workers(client: httpx.Client) -> dict[str, int]:
    counts: dict[str, int] = client.get("/health").json()["workers"]
    return counts


def read_everywhere(server: Server, reads: int = 3 * WORKERS) -> set[tuple[int, int]]:
    """What ``reads`` queries see, sent one after another (the idle workers take turns) and then
    all at once (every worker busy): each worker answers several."""
    with server.client() as client:
        seen = {widgets(client) for _ in range(reads)}

    def one(_: int) -> tuple[int, int]:
        with server.client() as client:
            return widgets(client)

    with ThreadPoolExecutor(2 * WORKERS) as pool:
        seen |= set(pool.map(one, range(reads)))
    return seen


def test_every_worker_sees_each_write_and_none_is_forked(server: Server) -> None:
    with server.client() as client:
        before = workers(client)
        base = widgets(client)
        for n in range(1, 6):
            update(client, f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}w{n}> a <{EX}Widget> }} }}")
            assert read_everywhere(server) == {(base[0] + n, base[1] + n)}
        update(client, f"DELETE WHERE {{ GRAPH <{G}> {{ ?w a <{EX}Widget> }} }}")
        assert read_everywhere(server) == {(0, 0)}  # the entailments went with the widgets
        after = workers(client)
    assert after["forked"] == before["forked"]  # no worker forked for a write
    assert after["generation"] == before["generation"] + 6
    assert after["caught_up"] >= before["caught_up"] + 6 * WORKERS
    assert after["changes_kept"] <= 6


def test_a_busy_worker_catches_up_before_its_next_query(server: Server) -> None:
    """Writes land while readers keep every worker busy; each read sent after a write's answer
    sees it, and no reader sees the count go back or a write by half."""
    writes, readers = 12, 6
    problems: list[str] = []
    done = threading.Event()

    def reader() -> None:
        with server.client() as client:
            last = 0
            while not done.is_set():
                asserted, entailed = widgets(client)
                if asserted != entailed or asserted < last:
                    problems.append(f"{asserted} asserted, {entailed} entailed after {last}")
                last = asserted

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    try:
        with server.client() as client:
            start = widgets(client)[0]
            for n in range(writes):
                update(client, f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}busy{n}> a <{EX}Widget> }} }}")
                seen = widgets(client)
                if seen != (start + n + 1, start + n + 1):
                    problems.append(f"write {n}: read {seen} after its answer")
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert problems == []


def test_a_change_too_large_to_ship_forks_fresh_workers(server: Server) -> None:
    """A PUT of 12,000 triples (over the 10,000 quads shipped) replaces the workers by forks of
    the new state; the small write after it is shipped again; deleting the graph forks again."""
    big = "http://example.org/big"
    body = "".join(f"<{EX}item{i}> <{EX}rank> \"{i}\" .\n" for i in range(12_000))
    where = f"GRAPH <{big}> {{ ?s <{EX}rank> ?r }}"
    with server.client() as client:
        before = workers(client)
        response = client.put("/store", params={"graph": big}, content=body.encode(),
                              headers={"Authorization": UPDATE["Authorization"], "Content-Type": "application/n-triples"})
        assert response.status_code in (200, 201, 204), response.text
        assert {count(client, where) for _ in range(3 * WORKERS)} == {12_000}
        forked = workers(client)
        assert forked["forked"] > before["forked"]
        assert forked["changes_kept"] == 0
        update(client, f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}after-big> a <{EX}Widget> }} }}")
        assert {count(client, f"<{EX}after-big> a <{EX}Part>") for _ in range(3 * WORKERS)} == {1}
        assert workers(client)["forked"] == forked["forked"]
        response = client.delete("/store", params={"graph": big}, headers={"Authorization": UPDATE["Authorization"]})
        assert response.status_code in (200, 204), response.text
        assert {count(client, where) for _ in range(3 * WORKERS)} == {0}
        assert workers(client)["forked"] > forked["forked"]


def test_an_on_disk_store_gets_the_writes_too(tmp_path: Path) -> None:
    """With --store the workers serve an in-memory copy and apply the changes like any other."""
    with running_server("--no-bundled", "--no-infer", "--workers", "3", "--store", str(tmp_path / "store"),
                        "--data", str(DATA / "writes" / "products.ttl"), env=ENV) as server, \
            server.client() as client:
        forked = workers(client)["forked"]
        where = f"GRAPH <{G}> {{ ?w a <{EX}Widget> }}"
        update(client, f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}d1> a <{EX}Widget> . <{EX}d2> a <{EX}Widget> }} }}")
        assert {count(client, where) for _ in range(9)} == {2}
        update(client, f"DELETE DATA {{ GRAPH <{G}> {{ <{EX}d1> a <{EX}Widget> }} }}")
        assert {count(client, where) for _ in range(9)} == {1}
        assert workers(client)["forked"] == forked
