"""The benchmark suite (issue 8): load time, per-query latency and throughput of four systems, one run.

    .venv/bin/pip install -e '.[bench]'
    make virtuoso    # or: apt-get install virtuoso-opensource
    .venv/bin/python -m bench.suite --triples 1000000 --clients 1,4,16

Steps, all in one process so that the ratios compare figures measured the same way on
the same machine at about the same time:

1. Generate the data (:mod:`bench.atmpgen`, deterministic by ``--seed``).
2. Build the dataset every system serves: the bundled ontology and KB plus the
   generated file, with atmp-graph's OWL 2 RL entailments materialised (in-process,
   timed), written as one N-Triples file (the *closure*). Systems without a reasoner
   serve the closure, so all four answer over the same triples.
3. For each system: start it and load the data (timed), run one check mix (every
   query once: status and row count, compared with atmp-graph embedded), then at each
   client count run whole mixes (:mod:`bench.querymix`) from that many threads and
   record each query's latency; throughput is query mixes per hour (QMpH).

Systems: ``embedded`` (``atmp-graph serve --data FILE``: bundled data, the generated
file and inference at start-up), ``virtuoso`` (Virtuoso's /sparql over the bulk-loaded
closure), ``atmp-virtuoso`` (``atmp-graph serve --backend sparql`` in front of that same
Virtuoso) and ``rdflib-endpoint`` (rdflib-endpoint over the closure). A query that runs
longer than ``--timeout`` (``--rdflib-timeout`` for rdflib-endpoint) is counted as a
timeout. A query that timed out in a system's check mix is not sent to it again: it is
counted as a timeout at the timeout's length in every mix (that system's QMpH is then an
upper bound), which keeps the run's length bounded; rdflib-endpoint, which cannot cancel
a query, is restarted after each timeout from a fork of its parsed graph.

Writes ``bench/results/suite-<size>.json`` and ``.md``, and the plot
``docs/bench-latency-<size>.png``. Not part of the test run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import atmpgen, querymix
from bench.atmpgen import Scale
from bench.querymix import Query
from tests import virtuoso_server

ROOT = Path(__file__).resolve().parents[1]
GRAPH = "http://example.org/atmp-bench/graph"
ATMP = [sys.executable, "-m", "atmp_graph"]  # the package on sys.path / PYTHONPATH (a worktree can pin a commit)
SYSTEMS = ("embedded", "atmp-virtuoso", "virtuoso", "rdflib-endpoint")
ACCEPT = {"SELECT": "application/sparql-results+json", "ASK": "application/sparql-results+json",
          "DESCRIBE": "application/n-triples, text/turtle;q=0.5", "CONSTRUCT": "application/n-triples, text/turtle;q=0.5"}


# ------------------------------------------------------------------ processes

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 1800, log: Path | None = None) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"server exited with {process.returncode}: {tail}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout} s")


def tree_memory_mb(pid: int) -> float:
    """Memory of a process and its descendants (MB): the sum of their proportional set sizes (PSS).

    PSS splits pages shared after a fork among the processes sharing them, so forked
    workers of one store are not counted as copies.
    """
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children[int(fields[1])].append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass
class Server:
    """A running system: its SPARQL endpoint, how it started and how to stop it."""

    name: str
    endpoint: str
    load_seconds: float
    process: subprocess.Popen[bytes] | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)
    restart: Callable[[], None] | None = None
    pid: int | None = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_atmp(args: list[str], timeout: float, log: Path,
               ready_within: float = 1800) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    with log.open("wb") as errors:
        process = subprocess.Popen([*ATMP, "serve", "--port", str(port), "--timeout", str(timeout), *args],
                                   stdout=subprocess.DEVNULL, stderr=errors)
    try:
        seconds = wait_ready(f"http://127.0.0.1:{port}/health", process, timeout=ready_within, log=log)
    except RuntimeError:
        if process.poll() is None:
            process.kill()
            process.wait()
        raise
    # Measure the steady state: the search index is built in the background after /health
    # first answers, and its queries would share the CPU with the first measurements.
    while httpx.get(f"http://127.0.0.1:{port}/health", timeout=60).json().get("search_index") == "building":
        time.sleep(0.2)
    return process, f"http://127.0.0.1:{port}/sparql", seconds


RDFLIB_SERVER = """
import os, signal, sys, time, rdflib, uvicorn
from rdflib_endpoint import SparqlEndpoint
graph = rdflib.Graph()
graph.parse(sys.argv[1], format="nt")
port, marker = int(sys.argv[2]), sys.argv[3]
child = 0
generation = 0

def serve():
    global child, generation
    generation += 1
    child = os.fork()
    if child == 0:
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        uvicorn.run(SparqlEndpoint(graph=graph), host="127.0.0.1", port=port, log_level="warning")
        os._exit(0)
    with open(marker, "w") as out:
        out.write(str(generation))

def restart(*_):
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    serve()

def stop(*_):
    os.kill(child, signal.SIGKILL)
    sys.exit(0)

signal.signal(signal.SIGUSR1, restart)
signal.signal(signal.SIGTERM, stop)
serve()
while True:
    time.sleep(3600)
"""


def start_rdflib(closure: Path) -> Server:
    """rdflib-endpoint over the closure, in a child forked from a parent that parsed the graph once.

    rdflib cannot stop a query, and a query abandoned at its timeout would go on using
    the CPU while the next ones are measured; ``restart`` replaces the serving child by
    a fresh fork of the parsed graph in about a second instead of parsing again.
    """
    port = free_port()
    marker = closure.parent / "rdflib-generation"
    marker.unlink(missing_ok=True)
    process = subprocess.Popen([sys.executable, "-c", RDFLIB_SERVER, str(closure), str(port), str(marker)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = f"http://127.0.0.1:{port}/?query=ASK%7B%7D"
    seconds = wait_ready(probe, process)
    server = Server("rdflib-endpoint", f"http://127.0.0.1:{port}/", seconds, process)

    def restart() -> None:
        before = marker.read_text() if marker.exists() else ""
        process.send_signal(signal.SIGUSR1)
        deadline = time.perf_counter() + 60
        while (marker.read_text() if marker.exists() else "") == before and time.perf_counter() < deadline:
            time.sleep(0.05)
        wait_ready(probe, process)

    server.restart = restart
    return server


# ------------------------------------------------------------------ queries

@dataclass
class Outcome:
    status: str  # ok, timeout, error
    seconds: float
    rows: int | None = None
    detail: str = ""


def run_query(client: httpx.Client, endpoint: str, query: Query, timeout: float, *, count: bool = False) -> Outcome:
    started = time.perf_counter()
    try:
        response = client.get(endpoint, params={"query": query.text}, headers={"Accept": ACCEPT[query.form]},
                              timeout=timeout)
        body = response.content
    except httpx.TimeoutException:
        return Outcome("timeout", time.perf_counter() - started)
    except httpx.TransportError as error:
        return Outcome("error", time.perf_counter() - started, detail=f"{type(error).__name__}: {error}")
    seconds = time.perf_counter() - started
    if seconds > timeout:
        return Outcome("timeout", seconds)
    if response.status_code != 200:
        return Outcome("error", seconds, detail=f"HTTP {response.status_code}: {body[:300].decode(errors='replace')}")
    rows = None
    if count:
        try:
            rows = count_rows(body, response.headers.get("content-type", ""), query.form)
        except (ValueError, KeyError, SyntaxError) as error:  # an answer we cannot read counts as an error
            return Outcome("error", seconds, detail=f"unreadable answer: {str(error)[:200]}")
    return Outcome("ok", seconds, rows)


def count_rows(body: bytes, content_type: str, form: str) -> int:
    if form in ("SELECT", "ASK"):
        data = json.loads(body)
        return int(data["boolean"]) if "boolean" in data else len(data["results"]["bindings"])
    from rdflib import Graph

    kinds = {"n-triples": "nt", "ntriples": "nt", "turtle": "turtle", "rdf+xml": "xml", "ld+json": "json-ld"}
    kind = next((k for marker, k in kinds.items() if marker in content_type), "turtle")
    if body.lstrip().startswith(b"<?xml") or "xml" in content_type:
        kind = "xml"

    return len(Graph().parse(data=body.decode(), format=kind))


def check_mix(server: Server, queries: list[Query], timeout: float) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client() as client:
        for query in queries:
            outcome = run_query(client, server.endpoint, query, timeout, count=True)
            out[query.name] = {"status": outcome.status, "rows": outcome.rows, "seconds": round(outcome.seconds, 4),
                               "detail": outcome.detail}
            if outcome.status == "timeout" and server.restart:
                server.restart()  # rdflib-endpoint would go on evaluating the abandoned query
            print(f"    {query.name:45s} {outcome.status:8s} {outcome.rows!s:>8} {outcome.seconds * 1000:10.1f} ms"
                  + (f"  {outcome.detail[:120]}" if outcome.detail else ""), flush=True)
    return out


def run_level(server: Server, mixes: list[list[Query]], clients: int, timeout: float,
              skip: set[str], budget: float | None = None) -> dict[str, Any]:
    """Run ``mixes`` from ``clients`` threads (each takes the next whole mix); latencies and QMpH.

    With a ``budget`` (seconds), no query starts after it is spent; a mix cut short
    does not count, so the QMpH of a cut level counts only whole mixes.
    """
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    lock = threading.Lock()
    numbers = iter(range(len(mixes)))
    completed = [0]
    deadline = time.perf_counter() + budget if budget else float("inf")

    def worker() -> None:
        with httpx.Client() as client:
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                for query in mixes[number]:
                    if time.perf_counter() > deadline:
                        return
                    if query.name in skip:
                        outcome = Outcome("timeout", timeout)
                    else:
                        outcome = run_query(client, server.endpoint, query, timeout)
                    with lock:
                        statuses[query.name][outcome.status] += 1
                        if outcome.status == "ok":
                            latencies[query.name].append(outcome.seconds)
                with lock:
                    completed[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    # a skipped query (timed out in the check mix) costs its timeout in each mix, spread over the clients
    done = completed[0]
    charged = elapsed + len(skip) * timeout * done / clients
    return {"clients": clients, "mixes": done, "planned_mixes": len(mixes), "seconds": round(elapsed, 3),
            "charged_seconds": round(charged, 3), "qmph": round(done * 3600 / charged, 1),
            "latencies": {name: [round(x, 5) for x in values] for name, values in latencies.items()},
            "statuses": {name: dict(counter) for name, counter in statuses.items()}}


# ------------------------------------------------------------------ dataset

def prepare(work: Path, triples: int, seed: int) -> dict[str, Any]:
    from atmp_graph.reasoning import materialise
    from atmp_graph.store import GraphStore, bundled_sources, user_sources

    generated, closure = work / "generated.nt", work / "closure.nt"
    started = time.perf_counter()
    manifest = atmpgen.write(generated, triples, seed=seed)
    generate_seconds = time.perf_counter() - started
    store = GraphStore.in_memory()
    started = time.perf_counter()
    store.load_sources(bundled_sources(ROOT / "ontology") + user_sources([generated]))
    load_seconds = time.perf_counter() - started
    asserted = sum(store.graph_sizes().values())
    started = time.perf_counter()
    report = materialise(store)
    infer_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with closure.open("wb") as out:
        _dump_union(store, out)
    dump_seconds = time.perf_counter() - started
    closure_triples = sum(1 for _ in closure.open("rb"))
    del store
    return {"generated_triples": manifest["triples_written"], "products": manifest["products"],
            "organisations": manifest["organisations"], "trial_sites": manifest["trial_sites"],
            "asserted_quads_with_bundled": asserted, "inferred_triples": report.inferred_triples,
            "closure_triples": closure_triples, "generate_seconds": round(generate_seconds, 2),
            "inprocess_load_seconds": round(load_seconds, 2), "inprocess_inference_seconds": round(infer_seconds, 2),
            "dump_seconds": round(dump_seconds, 2), "seed": seed, "target_triples": triples}


def _dump_union(store: Any, out: Any) -> None:
    """Every distinct triple of every graph (the union default graph) as N-Triples."""
    import pyoxigraph as ox

    raw: ox.Store = store._store
    result = raw.query("CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
                       use_default_graph_as_union=True)
    assert isinstance(result, ox.QueryTriples)
    result.serialize(out, ox.RdfFormat.N_TRIPLES)


# ------------------------------------------------------------------ report

def summarise(results: dict[str, Any]) -> str:
    lines: list[str] = []
    out = lines.append
    meta, data, systems = results["meta"], results["dataset"], results["systems"]
    names = [s for s in SYSTEMS if s in systems]
    out(f"Command: `{meta['command']}`  ")
    out(f"Machine: {meta['machine']}  ")
    out(f"Code: commit {meta.get('commit', 'unknown')}  ")
    out(f"Run: {meta['started']} to {meta['finished']} UTC; load average at start {meta['load_start']}, "
        f"at end {meta['load_end']}.  ")
    out(f"Data: {data['generated_triples']:,} generated triples (seed {data['seed']}: {data['products']:,} products, "
        f"{data['organisations']:,} organisations, {data['trial_sites']:,} trial sites); with the bundled ontology "
        f"and KB {data['asserted_quads_with_bundled']:,} asserted, {data['inferred_triples']:,} inferred; "
        f"closure served by the systems without a reasoner: {data['closure_triples']:,} triples.\n")
    out("#### Load\n")
    out("| system | what is timed | seconds | memory after load (MB, PSS) |\n|---|---|---:|---:|")
    for name in names:
        s = systems[name]
        out(f"| {name} | {s['load_what']} | {s['load_seconds']:.1f} | {s.get('memory_mb', 0):,.0f} |")
    remote = results.get("remote_load")
    if remote:
        if remote["status"] == "ok":
            out(f"| atmp-virtuoso, full load | `atmp-graph serve --backend sparql --data`: parse bundled + generated, "
                f"materialise, upload {remote['quads_in_store']:,} quads to an empty Virtuoso, until /health "
                f"| {remote['seconds']:.1f} | |")
        else:
            out(f"| atmp-virtuoso, full load | `atmp-graph serve --backend sparql --data` into an empty Virtuoso "
                f"| failed: {remote['detail'][-200:]} | |")
    out(f"\nIn-process, for reference: atmp-graph loads the bundled data and the generated file in "
        f"{data['inprocess_load_seconds']:.1f} s and materialises the entailments in "
        f"{data['inprocess_inference_seconds']:.1f} s.\n")
    levels = sorted({int(c) for s in systems.values() for c in s["runs"]})
    out("#### Throughput: query mixes per hour (QMpH)\n")
    header = "| clients | " + " | ".join(names) + " |"
    ratio_cols = []
    if "embedded" in names and "virtuoso" in names:
        ratio_cols.append(("embedded / virtuoso", "embedded", "virtuoso"))
    if "atmp-virtuoso" in names and "virtuoso" in names:
        ratio_cols.append(("virtuoso / atmp-virtuoso", "virtuoso", "atmp-virtuoso"))
    if "embedded" in names and "rdflib-endpoint" in names:
        ratio_cols.append(("embedded / rdflib-endpoint", "embedded", "rdflib-endpoint"))
    header += "".join(f" {label} |" for label, _, _ in ratio_cols)
    out(header)
    out("|---:|" + "---:|" * (len(names) + len(ratio_cols)))
    for level in levels:
        cells = []
        for name in names:
            run = systems[name]["runs"].get(str(level))
            if not run:
                cells.append("not run")
            elif run["mixes"] == 0:
                cells.append(f"no mix completed in {run['seconds']:.0f} s")
            else:
                cut = f" of {run['planned_mixes']}" if run.get("planned_mixes", run["mixes"]) != run["mixes"] else ""
                cells.append(f"{run['qmph']:,.0f} ({run['mixes']}{cut} mixes)")
        row = f"| {level} | " + " | ".join(cells) + " |"
        for _, top, bottom in ratio_cols:
            a, b = systems[top]["runs"].get(str(level)), systems[bottom]["runs"].get(str(level))
            row += f" {a['qmph'] / b['qmph']:.2f} |" if a and b and a["qmph"] and b["qmph"] else " - |"
        out(row)
    out("")
    out("#### Latency by query, 1 client: median / p95 (ms)\n")
    out("| query | kind | rows | " + " | ".join(names) + " |" + (" embedded / virtuoso (median) |"
                                                                 if "embedded" in names and "virtuoso" in names else ""))
    out("|---|---|---:|" + "---|" * len(names) + ("---:|" if "embedded" in names and "virtuoso" in names else ""))
    one = str(levels[0]) if levels else "1"
    for query in results["queries"]:
        name, kind = query["name"], query["kind"]
        reference = systems[names[0]]["check"].get(name, {})
        medians: dict[str, float] = {}
        latency = [_latency_cell(systems[system], one, name, medians) for system in names]
        row = f"| {name} | {kind} | {reference.get('rows', '')} | " + " | ".join(latency) + " |"
        if "embedded" in medians and "virtuoso" in medians:
            row += f" {medians['embedded'] / medians['virtuoso']:.2f} |"
        elif "embedded" in names and "virtuoso" in names:
            row += " - |"
        out(row)
    mismatches = results.get("mismatches", [])
    out("")
    if mismatches:
        out("Answers that differ (check mix, row counts; atmp-virtuoso compared with virtuoso, "
            "the others with embedded):\n")
        for m in mismatches:
            out(f"- {m}")
    else:
        out("Every system returned the same number of rows as its reference (virtuoso for atmp-virtuoso, "
            "embedded for the others) on every query of the check mix.")
    return "\n".join(lines) + "\n"


def _latency_cell(system: dict[str, Any], level: str, name: str, medians: dict[str, float]) -> str:
    run = system["runs"].get(level)
    check = system["check"].get(name, {})
    if check.get("status") == "error":
        return "error"
    if not run:
        return "not run"
    values = run["latencies"].get(name, [])
    statuses = run["statuses"].get(name, {})
    timeouts = statuses.get("timeout", 0)
    errors = statuses.get("error", 0)
    if not values:
        return f"timeout (> {system['timeout']:.0f} s)" if timeouts else ("error" if errors else "-")
    median = statistics.median(values)
    medians[system["name"]] = median
    p95 = sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]
    cell = f"{median * 1000:.1f} / {p95 * 1000:.1f}"
    if timeouts:
        cell += f" ({timeouts} timeouts)"
    return cell


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = results["systems"]
    names = [s for s in SYSTEMS if s in systems] + [s for s in systems if s not in SYSTEMS]
    queries = [q["name"] for q in results["queries"]]
    level = "1"
    colours = {"embedded": "#1b9e77", "atmp-virtuoso": "#7570b3", "virtuoso": "#d95f02", "rdflib-endpoint": "#999999",
               "virtuoso (run 2)": "#e6ab02"}
    height = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(queries) + 1.5))
    for k, name in enumerate(names):
        system = systems[name]
        run = system["runs"].get(level, {"latencies": {}, "statuses": {}})
        ys, widths, hatches = [], [], []
        for i, query in enumerate(queries):
            values = run["latencies"].get(query, [])
            if values:
                ys.append(i + k * height)
                widths.append(statistics.median(values) * 1000)
                hatches.append("")
            elif run["statuses"].get(query, {}).get("timeout") or system["check"].get(query, {}).get("status") == "timeout":
                ys.append(i + k * height)
                widths.append(system["timeout"] * 1000)
                hatches.append("//")
        bars = ax.barh(ys, widths, height=height, color=colours.get(name, "black"), label=name)
        for bar, hatch in zip(bars, hatches):
            if hatch:
                bar.set_hatch(hatch)
                bar.set_alpha(0.5)
    ax.set_yticks([i + 0.4 - height / 2 for i in range(len(queries))])
    ax.set_yticklabels(queries, fontsize=8)
    ax.set_ylim(len(queries) - 0.1, -0.3)
    ax.set_xscale("log")
    ax.set_xlabel("median latency, 1 client (ms, log scale); hatched: timed out")
    data = results["dataset"]
    ax.set_title(f"atmp-graph benchmark suite, {data['generated_triples']:,} generated triples "
                 f"({data['closure_triples']:,} with the KB and entailments)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.035), ncol=5, fontsize=8)
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------ main

def remote_load(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Time what a user of the remote backend waits for: ``serve --backend sparql --data FILE`` on an empty store.

    atmp-graph parses the bundled data and the file, materialises the entailments and
    uploads asserted and inferred graphs to a fresh Virtuoso; timed until /health answers.
    """
    virtuoso = virtuoso_server.start(memory_gib=args.virtuoso_memory_gib)
    try:
        try:
            process, _, seconds = start_atmp(
                ["--backend", "sparql", "--endpoint", virtuoso.endpoint, "--data", str(work / "generated.nt")],
                args.timeout, work / "atmp-virtuoso-load.log", ready_within=args.remote_load_timeout)
        except RuntimeError as error:
            return {"status": "failed", "detail": str(error)[-600:]}
        process.terminate()
        process.wait()
        response = httpx.get(virtuoso.endpoint, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                                                        "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/atmp/graph/')) }"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=600)
        quads = int(response.json()["results"]["bindings"][0]["n"]["value"])
        return {"status": "ok", "seconds": round(seconds, 1), "quads_in_store": quads}
    finally:
        virtuoso_server.stop(virtuoso)


def load_into_virtuoso(virtuoso: Any, closure: Path) -> float:
    """Bulk-load the closure into GRAPH; the seconds it took (the file is linked into the
    instance's directory, the one its DirsAllowed lets the loader read)."""
    target = Path(virtuoso.directory) / closure.name
    try:
        os.link(closure, target)
    except OSError:
        shutil.copyfile(closure, target)
    started = time.perf_counter()
    virtuoso.bulk_load(Path(virtuoso.directory), closure.name, GRAPH)
    return time.perf_counter() - started


def merge(paths: list[Path]) -> dict[str, Any]:
    """Several result files as one for the plot: a system measured again in a later run is
    labelled with that run (``virtuoso (run 2)``)."""
    merged: dict[str, Any] = {}
    for number, path in enumerate(paths, start=1):
        results = json.loads(path.read_text())
        if not merged:
            merged = {**results, "systems": dict(results["systems"])}
            continue
        for name, entry in results["systems"].items():
            merged["systems"][name if name not in merged["systems"] else f"{name} (run {number})"] = entry
    return merged


def _machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0) / 1024 / 1024
    import pyoxigraph

    versions = [f"Python {platform.python_version()}", f"pyoxigraph {pyoxigraph.__version__}"]
    try:
        from importlib.metadata import version

        versions.append(f"rdflib {version('rdflib')}, rdflib-endpoint {version('rdflib-endpoint')}")
    except Exception:  # noqa: BLE001 - versions are informative only
        pass
    try:
        out = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=10)
        first = next((line for line in (out.stdout + out.stderr).splitlines() if "Version" in line), "")
        versions.append(f"Virtuoso {first.split('Version', 1)[1].strip().split()[0]}" if first else "Virtuoso")
    except (OSError, subprocess.TimeoutExpired):
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {memory:.0f} GiB; " + ", ".join(versions)


def _commit() -> str:
    """The commit of the code measured (``+changes`` if the work tree differs from it)."""
    import atmp_graph

    where = Path(atmp_graph.__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src", "ontology", "queries"],
                               cwd=where, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} ({where})" + (" +changes" if dirty else "")


def _label(triples: int) -> str:
    return f"{triples // 1_000_000}m" if triples % 1_000_000 == 0 else f"{triples // 1000}k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--mixes", type=int, default=20, help="mixes per client count (at least 2 per client)")
    parser.add_argument("--mixes-per-client", type=int, default=2,
                        help="at least this many mixes per client at each client count")
    parser.add_argument("--timeout", type=float, default=120, help="per-query timeout (s)")
    parser.add_argument("--reuse-data", action="store_true",
                        help="reuse generated.nt and closure.nt in --work from an earlier run with the same size and seed")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated, from " + ", ".join(SYSTEMS))
    parser.add_argument("--rdflib-timeout", type=float, default=60)
    parser.add_argument("--rdflib-mixes", type=int, default=1, help="mixes per client count for rdflib-endpoint")
    parser.add_argument("--rdflib-clients", default="1,4,16", help="client counts for rdflib-endpoint")
    parser.add_argument("--rdflib-budget", type=float, default=600,
                        help="seconds per client count for rdflib-endpoint; no query starts after them")
    parser.add_argument("--virtuoso-memory-gib", type=float, default=4,
                        help="Virtuoso's page cache (tests/virtuoso_server.py sizes NumberOfBuffers from it)")
    parser.add_argument("--remote-load-timeout", type=float, default=1800,
                        help="cap (s) on timing `serve --backend sparql --data` into an empty Virtuoso; 0 skips it")
    parser.add_argument("--work", type=Path, help="working directory (default: a new temporary one)")
    parser.add_argument("--output", type=Path, help="results JSON (default bench/results/suite-<size>.json)")
    parser.add_argument("--plot", type=Path, help="plot PNG (default docs/bench-latency-<size>.png)")
    parser.add_argument("--plot-from", type=Path, nargs="+", metavar="JSON",
                        help="only draw the plot (--plot) from these result files, systems of later runs added")
    args = parser.parse_args(argv)
    if args.plot_from:
        plot(merge(args.plot_from), args.plot or ROOT / "docs" / f"bench-latency-{_label(args.triples)}.png")
        return 0
    clients = [int(c) for c in args.clients.split(",")]
    chosen = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(chosen) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown system(s): {', '.join(sorted(unknown))}")
    label = _label(args.triples)
    output = args.output or ROOT / "bench" / "results" / f"suite-{label}.json"
    picture = args.plot or ROOT / "docs" / f"bench-latency-{label}.png"
    work = args.work or Path(tempfile.mkdtemp(prefix="atmp-bench-suite-"))
    work.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {"meta": {
        "command": "python -m bench.suite " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": _machine(), "commit": _commit(), "started": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg())}, "systems": {}}
    print(f"preparing {args.triples:,} triples in {work}", flush=True)
    recorded = work / "dataset.json"
    previous = json.loads(recorded.read_text()) if args.reuse_data and recorded.exists() else {}
    if previous.get("target_triples") == args.triples and previous.get("seed") == args.seed:
        data = {**previous, "reused_from_an_earlier_run": True}
    else:
        data = prepare(work, args.triples, args.seed)
        recorded.write_text(json.dumps(data))
    results["dataset"] = data
    print(json.dumps(data), flush=True)
    scale = Scale.for_triples(args.triples, args.seed)
    scale = Scale(scale.triples, data["products"], scale.organisations, scale.trial_sites,
                  scale.manufacturing_sites, scale.seed)
    check = querymix.mix(scale, 0, seed=args.seed)
    results["queries"] = [{"name": q.name, "kind": q.kind, "text": q.text} for q in check]
    closure = work / "closure.nt"

    def measure(server: Server, timeout: float, levels: list[int], mixes_per_level: int, what: str) -> None:
        print(f"== {server.name}: loaded in {server.load_seconds:.1f} s", flush=True)
        entry: dict[str, Any] = {"name": server.name, "load_seconds": round(server.load_seconds, 2),
                                 "load_what": what, "timeout": timeout, "notes": server.notes, **server.extra}
        pid = server.pid or (server.process.pid if server.process else None)
        if pid:
            entry["memory_mb"] = round(tree_memory_mb(pid), 1)
        entry["check"] = check_mix(server, check, timeout)
        skip = {n for n, c in entry["check"].items() if c["status"] == "timeout"}
        entry["runs"] = {}
        number = 1
        for level in levels:
            count = max(mixes_per_level, level if server.name == "rdflib-endpoint" else args.mixes_per_client * level)
            mixes = [querymix.mix(scale, n, seed=args.seed) for n in range(number, number + count)]
            number += count
            run = run_level(server, mixes, level, timeout, skip,
                            budget=args.rdflib_budget if server.name == "rdflib-endpoint" else None)
            entry["runs"][str(level)] = run
            if server.restart and any(c.get("timeout") for c in run["statuses"].values()):
                server.restart()
            print(f"   {level:>2} clients: {run['mixes']} of {run['planned_mixes']} mixes in {run['seconds']:.1f} s, "
                  f"QMpH {run['qmph']:,.0f}", flush=True)
        results["systems"][server.name] = entry
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=1))  # partial results survive a later failure

    servers: list[Server] = []
    try:
        if "embedded" in chosen:
            process, endpoint, seconds = start_atmp(["--data", str(work / "generated.nt")], args.timeout,
                                                    work / "embedded.log")
            server = Server("embedded", endpoint, seconds, process)
            servers.append(server)
            measure(server, args.timeout, clients, args.mixes,
                    "`atmp-graph serve --data`: parse bundled + generated, materialise, fork workers, until /health")
            server.stop()
        if "virtuoso" in chosen or "atmp-virtuoso" in chosen:
            virtuoso = virtuoso_server.start(memory_gib=args.virtuoso_memory_gib)
            try:
                loaded = load_into_virtuoso(virtuoso, closure)
                vserver = Server("virtuoso", virtuoso.endpoint, loaded, None, pid=virtuoso.pid)
                if "virtuoso" in chosen:
                    measure(vserver, args.timeout, clients, args.mixes,
                            "bulk load of the closure (`ld_dir`, `rdf_loader_run`, `checkpoint`)")
                if "atmp-virtuoso" in chosen:
                    process, endpoint, seconds = start_atmp(
                        ["--backend", "sparql", "--endpoint", virtuoso.endpoint, "--no-bundled", "--no-infer"],
                        args.timeout, work / "atmp-virtuoso.log")
                    server = Server("atmp-virtuoso", endpoint, seconds, process)
                    servers.append(server)
                    measure(server, args.timeout, clients, args.mixes,
                            "`atmp-graph serve --backend sparql` start-up over the loaded Virtuoso")
                    server.stop()
            finally:
                virtuoso_server.stop(virtuoso)
        if "atmp-virtuoso" in chosen and args.remote_load_timeout > 0:
            results["remote_load"] = remote_load(work, args)
            print(f"== atmp-graph loading into an empty Virtuoso: {results['remote_load']}", flush=True)
        if "rdflib-endpoint" in chosen:
            server = start_rdflib(closure)
            servers.append(server)
            measure(server, args.rdflib_timeout, [int(c) for c in args.rdflib_clients.split(",")],
                    args.rdflib_mixes, "rdflib parse of the closure, until the endpoint answers")
            server.stop()
    finally:
        for server in servers:
            server.stop()

    mismatches = []
    for name, entry in results["systems"].items():
        # atmp-graph over Virtuoso must answer exactly as Virtuoso does; the others as atmp-graph embedded
        against = "virtuoso" if name == "atmp-virtuoso" else "embedded"
        reference = results["systems"].get(against, {}).get("check", {})
        if name == against or not reference:
            continue
        for query, outcome in entry["check"].items():
            mine = reference.get(query)
            if not mine or mine["status"] != "ok":
                continue
            if outcome["status"] != "ok":
                mismatches.append(f"{name}, {query}: {outcome['status']}"
                                  + (f" ({outcome['detail'][:200]})" if outcome.get("detail") else ""))
            elif outcome["rows"] != mine["rows"]:
                mismatches.append(f"{name}, {query}: {outcome['rows']} rows, {against} {mine['rows']}")
    results["mismatches"] = mismatches
    results["meta"]["finished"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    results["meta"]["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1))
    report = summarise(results)
    output.with_suffix(".md").write_text(report)
    plot(results, picture)
    print(report)
    print(f"wrote {output}, {output.with_suffix('.md')} and {picture}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
