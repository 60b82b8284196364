"""Committed writes survive ``kill -9``; concurrent writers and readers lose nothing and see no partial state."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import httpx

from conftest import DATA, running_server

EX = "http://example.org/"
WRITER = "writer-token-0123456789"
ENV = {"ATMP_GRAPH_TOKENS": f"{WRITER}:write", "ATMP_GRAPH_SHAPES_DIR": str(DATA / "writes" / "shapes")}
HEADERS = {"Authorization": f"Bearer {WRITER}", "Content-Type": "application/sparql-update"}
G = "http://example.org/log"


def insert_pair(client: httpx.Client, writer: int, index: int) -> httpx.Response:
    """One update adding two triples: readers must always see both or neither."""
    return client.post("/update", headers=HEADERS, content=(
        f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}w{writer}-{index}> <{EX}a> {index} ; <{EX}b> {index} }} }}").encode())


def counts(client: httpx.Client) -> tuple[int, int]:
    query = (f"SELECT (COUNT(?a) AS ?na) (COUNT(?b) AS ?nb) WHERE {{ GRAPH <{G}> {{ "
             f"{{ ?s <{EX}a> ?a }} UNION {{ ?s <{EX}b> ?b }} }} }}")
    row = client.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]
    return int(row["na"]["value"]), int(row["nb"]["value"])


def test_kill_9_during_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = ("--no-bundled", "--no-infer", "--store", str(store), "--data", str(DATA / "writes" / "products.ttl"))
    acknowledged: list[int] = []
    with running_server(*args, env=ENV) as server:
        stop = threading.Event()

        def write_stream() -> None:
            with server.client() as client:
                index = 0
                while not stop.is_set():
                    try:
                        response = insert_pair(client, 0, index)
                    except httpx.TransportError:
                        return  # the server died under us: this write was not acknowledged
                    if response.status_code == 200:
                        acknowledged.append(index)
                    index += 1

        thread = threading.Thread(target=write_stream)
        thread.start()
        while len(acknowledged) < 20:
            pass
        # kill -9 the whole server: the uvicorn process, its zygote and workers
        os.kill(server.process.pid, signal.SIGKILL)
        stop.set()
        thread.join()
    assert len(acknowledged) >= 20
    with running_server(*args, env=ENV) as server, server.client() as client:
        health = client.get("/health").json()
        query = f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s <{EX}a> ?o }} }}"
        present = {int(b["o"]["value"]) for b in
                   client.get("/sparql", params={"query": query}).json()["results"]["bindings"]}
        na, nb = counts(client)
    assert health["replayed_changes"] >= len(acknowledged)
    assert set(acknowledged) <= present  # every acknowledged write is there
    assert na == nb  # and no write is there by half


def test_concurrent_writers_and_readers() -> None:
    writers, readers, per_writer = 8, 16, 6
    with running_server("--no-bundled", "--no-infer", "--data", str(DATA / "writes" / "products.ttl"),
                        env=ENV) as server:
        failures: list[str] = []
        partial: list[tuple[int, int]] = []
        done = threading.Event()

        def writer(number: int) -> None:
            with server.client() as client:
                for index in range(per_writer):
                    response = insert_pair(client, number, index)
                    if response.status_code != 200:
                        failures.append(response.text)

        def reader() -> None:
            with server.client() as client:
                while not done.is_set():
                    na, nb = counts(client)
                    if na != nb:
                        partial.append((na, nb))

        reading = [threading.Thread(target=reader) for _ in range(readers)]
        writing = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
        for thread in reading + writing:
            thread.start()
        for thread in writing:
            thread.join()
        done.set()
        for thread in reading:
            thread.join()
        with server.client() as client:
            final = counts(client)
            changes = client.get("/changes", params={"limit": 1000}).json()
    assert failures == []
    assert partial == []
    assert final == (writers * per_writer, writers * per_writer)
    assert len(changes) == writers * per_writer


def test_backup_while_serving_and_restore(tmp_path: Path) -> None:
    import subprocess
    import sys

    store, backup = tmp_path / "store", tmp_path / "backup"
    args = ("--no-bundled", "--no-infer", "--store", str(store), "--data", str(DATA / "writes" / "products.ttl"))
    with running_server(*args, env=ENV) as server, server.client() as client:
        for index in range(3):
            assert insert_pair(client, 1, index).status_code == 200
        made = subprocess.run([sys.executable, "-m", "atmp_graph", "backup", str(backup), "--store", str(store)],
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        assert insert_pair(client, 1, 99).status_code == 200  # after the backup: not in it
    restored = subprocess.run([sys.executable, "-m", "atmp_graph", "restore", str(backup), "--store", str(store)],
                              capture_output=True, text=True, timeout=60)
    assert restored.returncode == 0, restored.stderr
    with running_server(*args, env=ENV) as server, server.client() as client:
        assert counts(client) == (3, 3)
