"""Safety by default: SERVICE refused, runaway queries stopped, results streamed and bounded."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import PROTOCOL_FILES, Server, running_server

EX = "http://example.org/"
# Eight copies of an unrestricted pattern over 17 triples: 17^8 (about 7e9) solutions to count.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"
DATA_ARGS = ("--no-bundled", "--data", *map(str, PROTOCOL_FILES))


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    yield listening
    listening.close()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX remote: <{base}> SELECT * WHERE {{ service remote:sparql {{ ?s ?p ?o }} }}",
    "BASE <{base}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_without_any_connection(protocol_server: Server, listener: Listener, template: str) -> None:
    query = template.format(url=listener.url, base=listener.url.rsplit("/", 1)[0] + "/")
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": query})
    time.sleep(0.3)  # give a stray connection time to arrive
    assert response.status_code == 400
    assert "allow-list" in response.text
    assert listener.connections == 0


def test_service_words_in_strings_and_names_are_not_federation(protocol_server: Server) -> None:
    query = 'PREFIX s: <http://example.org/> SELECT * WHERE { ?x ?p "SERVICE <http://evil/>" } # SERVICE <x>'
    with protocol_server.client() as client:
        response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200


def test_allow_listed_service_is_queried(protocol_server: Server) -> None:
    allowed = json.dumps([protocol_server.url + "/sparql"])
    query = f"SELECT ?t WHERE {{ SERVICE <{protocol_server.url}/sparql> {{ <{EX}abecma> <{EX}target> ?t }} }}"
    with running_server("--no-bundled", env={"ATMP_GRAPH_FEDERATION_ALLOW_LIST": allowed}) as server:
        with server.client() as client:
            response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert [b["t"]["value"] for b in response.json()["results"]["bindings"]] == [EX + "BCMA"]


def worker_cpu_seconds(server_pid: int) -> float:
    """CPU time used so far by the server's zygote and query workers (from /proc)."""
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if b"atmp_graph.engine.zygote" in cmdline:
            total += int(stat[11]) + int(stat[12])  # utime + stime, in clock ticks
    return total / 100


def test_runaway_query_is_stopped_and_others_are_served() -> None:
    with running_server(*DATA_ARGS, "--timeout", "3", "--workers", "2") as server:
        with server.client() as client:
            outcome: dict[str, httpx.Response] = {}
            started = time.monotonic()
            runaway = threading.Thread(
                target=lambda: outcome.setdefault("r", client.get("/sparql", params={"query": RUNAWAY})))
            runaway.start()
            time.sleep(0.5)
            while_running = []
            for _ in range(3):
                before = time.monotonic()
                response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
                while_running.append((response.json()["boolean"], time.monotonic() - before))
            assert client.get("/health").json()["workers"]["busy"] == 1
            runaway.join()
            elapsed = time.monotonic() - started
            response = outcome["r"]
            assert response.status_code == 503
            assert "time limit of 3 s" in response.text
            assert 3 <= elapsed < 10
            assert all(answer and seconds < 1 for answer, seconds in while_running)
            # The runaway's work really stopped: the workers are idle and burn no CPU.
            time.sleep(0.5)
            cpu_before = worker_cpu_seconds(server.process.pid)
            time.sleep(1.0)
            assert worker_cpu_seconds(server.process.pid) - cpu_before < 0.3
            health = client.get("/health").json()
            assert {k: health["workers"][k] for k in ("size", "idle", "busy")} == {"size": 2, "idle": 2, "busy": 0}


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_large_result_streams_with_flat_memory(protocol_server: Server) -> None:
    # 17^4 * 5 = 417,605 rows: a JSON document of a few hundred MB.
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m a ?t }"
    pid = protocol_server.process.pid
    baseline = rss_bytes(pid)
    received = 0
    peak = baseline
    with protocol_server.client() as client, client.stream("GET", "/sparql", params={"query": query}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # chunked: it starts before it is complete
        chunks = response.iter_bytes()
        received += len(next(chunks))
        assert client.get("/health").json()["workers"]["busy"] >= 1  # still being produced
        for index, chunk in enumerate(chunks):
            received += len(chunk)
            if index % 200 == 0:
                peak = max(peak, rss_bytes(pid))
    assert received > 200 * 1024 * 1024
    assert peak - baseline < 64 * 1024 * 1024


def test_result_size_limit() -> None:
    big = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 4913 rows, about 2 MB of JSON
    small = "SELECT * WHERE { ?a ?b ?c }"
    with running_server(*DATA_ARGS, env={"ATMP_GRAPH_MAX_RESULT_BYTES": "40000"}) as server:
        with server.client() as client:
            assert client.get("/sparql", params={"query": small}).status_code == 200
            refused = client.get("/sparql", params={"query": big})
    assert refused.status_code == 413
    assert "limit of 40000 bytes" in refused.text
    with running_server(*DATA_ARGS, env={"ATMP_GRAPH_MAX_RESULT_BYTES": "200000"}) as server:
        with server.client() as client:
            # Past the first bytes the status is sent: the stream is cut, never completed silently.
            with pytest.raises(httpx.RemoteProtocolError):
                client.get("/sparql", params={"query": big})
            assert client.get("/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
