"""Benchmark of the service core (issue 2): load, latency over HTTP versus in-process,
throughput at 1/4/16 clients, and rdflib-endpoint on the same data, all in one run.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python -m bench.bench_service --triples 1000000

Prints a Markdown report (for docs/benchmarks.md) and writes it to bench/results/service.md.
Not part of the test run.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

from bench.kbgen import TBOX, generate

EX = "http://example.org/bench/"
QUERIES = {
    "ask": "ASK { ?s ?p ?o }",
    "small": f"SELECT ?label WHERE {{ <{EX}product4242> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
    "medium": f"SELECT ?vector (COUNT(?product) AS ?products) WHERE {{ ?product <{EX}hasVector> ?vector }} "
              "GROUP BY ?vector ORDER BY DESC(?products) LIMIT 100",
    "large": f"SELECT ?product ?label WHERE {{ ?product a <{EX}CarTCellProduct> ; "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?label }",
}
ROOT = Path(__file__).resolve().parents[1]


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 600) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise RuntimeError("server not ready")


def wait_settled(health_url: str, timeout: float = 600) -> float:
    """Seconds until the search index built after start-up is ready: steady state for latency."""
    started = time.perf_counter()
    while httpx.get(health_url, timeout=10).json().get("search_index", "ready") == "building":
        if time.perf_counter() - started > timeout:
            raise RuntimeError("the search index was not built in time")
        time.sleep(0.1)
    return time.perf_counter() - started


def start(command: list[str], probe: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], float]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return process, wait_ready(probe, process)


def http_query(client: httpx.Client, endpoint: str, query: str) -> bytes:
    response = client.get(endpoint, params={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    response.raise_for_status()
    return response.content


def throughput(endpoint: str, query: str, clients: int, requests: int) -> float:
    """Requests per second with ``clients`` threads sharing ``requests`` requests."""
    counter = iter(range(requests))
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(timeout=600) as client:
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                http_query(client, endpoint, query)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests / (time.perf_counter() - started)


def rdflib_endpoint_command(data: Path, port: int) -> list[str]:
    script = (
        "import sys, uvicorn, rdflib\n"
        "from rdflib_endpoint import SparqlEndpoint\n"
        "g = rdflib.Graph(); g.parse(sys.argv[1], format='nt')\n"
        "uvicorn.run(SparqlEndpoint(graph=g), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')\n"
    )
    return [sys.executable, "-c", script, str(data), str(port)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--requests", type=int, default=200, help="requests per throughput measurement")
    parser.add_argument("--rdflib-requests", type=int, default=8, help="the same for rdflib-endpoint (slow)")
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--load-repeat", type=int, default=3, help="load measurements per loader")
    parser.add_argument("--cold-repeat", type=int, default=5, help="cold starts with the cache")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="atmp-bench-"))
    data = work / "kb.nt"
    data.write_text(generate(args.triples))
    tbox = work / "tbox.ttl"
    tbox.write_text(TBOX)
    lines: list[str] = []
    out = lines.append
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    out(f"Machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else ''}; dataset: "
        f"{sum(1 for _ in data.open())} triples generated by bench/kbgen.py.\n")

    # (a) load time: pyoxigraph alone, and atmp-graph's store (the same call, through our adapter)
    def raw_load() -> None:
        ox.Store().bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://g"))

    def raw_lenient() -> None:  # the ceiling without IRI validation (not used by atmp-graph)
        ox.Store().bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://g"),
                             lenient=True)

    from atmp_graph.store import GraphStore, user_sources

    def our_load() -> None:
        GraphStore.in_memory().load_sources(user_sources([data]))

    out(f"Load average at the start: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min).\n")
    loads: dict[str, list[float]] = {name: [] for name in ("raw", "ours", "lenient")}
    for _ in range(args.load_repeat):  # interleaved, so that a busy spell hits all three alike
        for name, run in (("raw", raw_load), ("ours", our_load), ("lenient", raw_lenient)):
            started = time.perf_counter()
            run()
            loads[name].append(time.perf_counter() - started)
    raw, ours, lenient = (statistics.median(loads[name]) for name in ("raw", "ours", "lenient"))
    out(f"### Load (median of {args.load_repeat}, interleaved)\n")
    out("| loader | seconds | triples/s | ratio to pyoxigraph |\n|---|---|---|---|")
    out(f"| pyoxigraph `Store.bulk_load` | {raw:.2f} | {args.triples / raw:,.0f} | 1.00 |")
    out(f"| atmp-graph `GraphStore.load_sources` | {ours:.2f} | {args.triples / ours:,.0f} | {raw / ours:.2f} |")
    out(f"| pyoxigraph `Store.bulk_load(lenient=True)` (no IRI validation; not used) | {lenient:.2f} | "
        f"{args.triples / lenient:,.0f} | {raw / lenient:.2f} |\n")

    # cold start of the bundled data: process start to a ready /health; the first start
    # has an empty cache (it parses and materialises), the others reuse the cached dataset
    cache_env = {**os.environ, "ATMP_GRAPH_CACHE_DIR": str(work / "cache")}
    cold = []
    for _ in range(args.cold_repeat + 1):
        port = free_port()
        process, seconds = start([str(ROOT / ".venv/bin/atmp-graph"), "serve", "--port", str(port)],
                                 f"http://127.0.0.1:{port}/health", env=cache_env)
        cold.append(seconds)
        process.terminate()
        process.wait()
    out(f"Cold start of the bundled ontology + KB (process start to ready `/health`): first start, "
        f"empty cache {cold[0]:.2f} s; then median of {args.cold_repeat} with the cache "
        f"{statistics.median(cold[1:]):.2f} s (all: {', '.join(f'{s:.2f}' for s in cold)}).\n")

    # (b) latency: in-process pyoxigraph (query + JSON serialisation) versus HTTP
    store = ox.Store()
    store.load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("http://g"))

    def in_process(query: str) -> Callable[[], object]:
        def run() -> object:
            buffer = io.BytesIO()
            store.query(query, use_default_graph_as_union=True).serialize(buffer, ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]
            return buffer.getvalue()
        return run

    port = free_port()
    ours_process, _ = start([str(ROOT / ".venv/bin/atmp-graph"), "serve", "--no-bundled", "--port", str(port),
                             "--data", str(data), str(tbox), "--timeout", "600"],
                            f"http://127.0.0.1:{port}/health", env=cache_env)
    endpoint = f"http://127.0.0.1:{port}/sparql"
    settled = wait_settled(f"http://127.0.0.1:{port}/health")
    out(f"After /health first answered, the search index took {settled:.1f} s more to build; "
        "latency is measured after it (steady state).\n")
    systems = {"atmp-graph": endpoint}
    rdflib_process = None
    if not args.skip_rdflib:
        rport = free_port()
        rdflib_process, rdflib_load = start(rdflib_endpoint_command(data, rport), f"http://127.0.0.1:{rport}/")
        systems["rdflib-endpoint"] = f"http://127.0.0.1:{rport}/"
        out(f"rdflib-endpoint start-up with the same data (rdflib parse): {rdflib_load:.1f} s.\n")
    try:
        out(f"### Latency, median of {args.repeat} (ms)\n")
        header = "| query | rows | in-process pyoxigraph | atmp-graph HTTP | ratio HTTP/in-process |"
        if rdflib_process:
            header += " rdflib-endpoint HTTP | ratio rdflib/atmp-graph |"
        out(header)
        out("|" + "---|" * (header.count("|") - 1))
        with httpx.Client(timeout=600) as client:
            for name, query in QUERIES.items():
                rows = sum(1 for _ in store.query(query, use_default_graph_as_union=True)) if name != "ask" else 1  # type: ignore[union-attr, misc]
                local = median_seconds(in_process(query), args.repeat)
                remote = median_seconds(lambda: http_query(client, endpoint, query), args.repeat)
                line = f"| {name} | {rows} | {local * 1000:.2f} | {remote * 1000:.2f} | {remote / local:.2f} |"
                if rdflib_process:
                    slow = median_seconds(lambda: http_query(client, systems["rdflib-endpoint"], query),
                                          max(3, args.repeat // 10))
                    line += f" {slow * 1000:.1f} | {slow / remote:.0f}x |"
                out(line)
            health = median_seconds(lambda: client.get(endpoint.replace("/sparql", "/health")).content, args.repeat)
        out("")
        out(f"`GET /health` over HTTP (no query: the floor of the HTTP stack), median of {args.repeat}: "
            f"{health * 1000:.2f} ms.\n")
        out(f"### Throughput on the medium query (requests/s; {args.requests} requests, "
            f"{args.rdflib_requests} for rdflib-endpoint)\n")
        header = "| clients | atmp-graph |" + (" rdflib-endpoint | ratio |" if rdflib_process else "")
        out(header)
        out("|" + "---|" * (header.count("|") - 1))
        for clients in (1, 4, 16):
            ours_rate = throughput(endpoint, QUERIES["medium"], clients, args.requests)
            line = f"| {clients} | {ours_rate:.1f} |"
            if rdflib_process:
                theirs = throughput(systems["rdflib-endpoint"], QUERIES["medium"], clients, args.rdflib_requests)
                line += f" {theirs:.2f} | {ours_rate / theirs:.0f}x |"
            out(line)
    finally:
        ours_process.terminate()
        if rdflib_process:
            rdflib_process.terminate()
        ours_process.wait()
        shutil.rmtree(work, ignore_errors=True)
    report = "\n".join(lines) + "\n"
    print(report)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "service.md").write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
