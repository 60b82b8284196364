"""Benchmark of the write path (issue 6): a mixed load of 90% reads (the medium query) and
10% small shape-checked writes at 16 concurrent clients, on the bundled ontology and KB plus
a generated store, served with a persistent ``--store`` (writes journaled and fsynced).

    .venv/bin/python -m bench.bench_writes --triples 1000000 --requests 2000

The writes are what a curation tool sends, checked by the bundled shapes and followed by
the OWL 2 RL entailments: half insert a new CAR-T product with its own receptor and vector
(11 triples, through the product shapes), a quarter rename a product the client inserted
earlier (DELETE/INSERT WHERE), a quarter delete one (DELETE WHERE: incremental deletion of
its entailments). Reads are the medium query of bench/bench_service.py.

Two phases in one run: 1 client (latency without queueing), then ``--clients`` clients.
With ``--before SRC`` (the ``src`` directory of an older tree, e.g. from ``git archive``), a
server of that tree serves the same data alongside, and each phase runs on it and then on
this tree, so that both see the same load on a shared machine (the older tree needs its own
bundled ontology, shapes and queries beside ``src``: the report gives each server's triples):

    mkdir -p /tmp/before && git archive 695aada src ontology shapes queries | tar -x -C /tmp/before
    .venv/bin/python -m bench.bench_writes --triples 200000 --requests 500 --before /tmp/before/src

Reports throughput, p50/p99 latency of reads and of writes over HTTP, the commit time the
zygote reports per kind of write (computing, shape check, entailments, journal fsync), and
the error count; writes Markdown to bench/results/writes.md. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import subprocess
import sys

from bench.bench_service import QUERIES, ROOT, free_port, wait_ready
from bench.kbgen import TBOX, generate

TOKEN = "bench-writer-token-0123456789"
KB_GRAPH = "https://w3id.org/atmp/graph/kb"
PREFIXES = ("PREFIX atmp: <https://w3id.org/atmp/ontology/> PREFIX kb: <https://w3id.org/atmp/kb/> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"}


def insert(name: str) -> str:
    """A new CAR-T product with its own receptor and vector: what the product shapes ask for."""
    return PREFIXES + (
        f"INSERT DATA {{ GRAPH <{KB_GRAPH}> {{ "
        f'kb:{name} a atmp:CarTCellProduct ; rdfs:label "{name}"@en ; '
        f"atmp:usesVector kb:{name}_Vector ; atmp:expressesConstruct kb:{name}_CAR . "
        f'kb:{name}_Vector a atmp:LentiviralVector ; rdfs:label "vector of {name}"@en . '
        f'kb:{name}_CAR a atmp:ChimericAntigenReceptor ; rdfs:label "CAR of {name}"@en ; '
        f"atmp:targetsAntigen atmp:CD19 ; atmp:hasDomain kb:CD3ZetaSignallingDomain }} }}")


def rename(name: str, number: int) -> str:
    return PREFIXES + (f"WITH <{KB_GRAPH}> DELETE {{ kb:{name} rdfs:label ?old }} "
                       f'INSERT {{ kb:{name} rdfs:label "{name} (renamed {number})"@en }} '
                       f"WHERE {{ kb:{name} rdfs:label ?old }}")


def delete(name: str) -> str:
    return PREFIXES + " ;\n".join(f"DELETE WHERE {{ GRAPH <{KB_GRAPH}> {{ kb:{node} ?p ?o }} }}"
                                  for node in (name, f"{name}_CAR", f"{name}_Vector"))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Results:
    reads: list[float] = field(default_factory=list)
    writes: dict[str, list[float]] = field(default_factory=dict)
    commits: dict[str, list[float]] = field(default_factory=dict)
    modes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_phase(base: str, *, clients: int, requests: int, write_share: float, tag: str) -> Results:
    results = Results()
    counter = iter(range(requests))
    lock = threading.Lock()

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[str] = []
        with httpx.Client(base_url=base, timeout=600) as client:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                started = time.perf_counter()
                if rng.random() >= write_share:
                    response = client.get("/sparql", params={"query": QUERIES["medium"]})
                    elapsed = time.perf_counter() - started
                    with lock:
                        if response.status_code == 200:
                            results.reads.append(elapsed)
                        else:
                            results.errors.append(f"read {response.status_code}: {response.text[:200]}")
                    continue
                roll = rng.random()
                if not mine or roll < 0.5:
                    kind, name = "insert", f"Bench{tag}{seed}x{number}"
                    body = insert(name)
                elif roll < 0.75:
                    kind, name = "rename", rng.choice(mine)
                    body = rename(name, number)
                else:
                    kind, name = "delete", mine.pop(rng.randrange(len(mine)))
                    body = delete(name)
                response = client.post("/update", headers=HEADERS, content=body.encode())
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code != 200:
                        results.errors.append(f"{kind} {response.status_code}: {response.text[:300]}")
                        continue
                    outcome = response.json()
                    results.writes.setdefault(kind, []).append(elapsed)
                    results.commits.setdefault(kind, []).append(float(outcome["seconds"]))
                    results.modes[f"{kind}: {outcome.get('inference')}"] += 1
                if kind == "insert":
                    mine.append(name)

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.perf_counter() - started
    return results


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def table(phases: list[tuple[str, Results]]) -> list[str]:
    lines = ["| measure | " + " | ".join(header for header, _ in phases) + " |", "|---" * (len(phases) + 1) + "|"]

    def row(label: str, cell: Callable[[Results], str]) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for _, r in phases) + " |")

    row("requests (reads + writes)", lambda r: f"{len(r.reads)} + {sum(map(len, r.writes.values()))}")
    row("throughput (requests/s)", lambda r: f"{(len(r.reads) + sum(map(len, r.writes.values()))) / r.seconds:.1f}")
    row("reads p50 / p99 (ms)", lambda r: f"{ms(statistics.median(r.reads))} / {ms(percentile(r.reads, 0.99))}"
        if r.reads else "-")
    def every(r: Results) -> list[float]:
        return [x for v in r.writes.values() for x in v]

    row("writes over HTTP p50 / p99 (ms)", lambda r: f"{ms(statistics.median(every(r)))} / {ms(percentile(every(r), 0.99))}"
        if every(r) else "-")

    def commits(r: Results) -> list[float]:
        return [x for v in r.commits.values() for x in v]

    row("commit in the zygote, all writes: p50 / p99 (ms)",
        lambda r: f"{ms(statistics.median(commits(r)))} / {ms(percentile(commits(r), 0.99))}" if commits(r) else "-")
    def kind_commit(kind: str) -> Callable[[Results], str]:
        return lambda r: f"{ms(statistics.median(r.commits[kind]))} ({len(r.commits[kind])})" if r.commits.get(kind) else "-"

    def kind_http(kind: str) -> Callable[[Results], str]:
        return lambda r: ms(statistics.median(r.writes[kind])) if r.writes.get(kind) else "-"

    for kind in ("insert", "rename", "delete"):
        row(f"commit, {kind}: median (n)", kind_commit(kind))
        row(f"{kind} over HTTP: median (ms)", kind_http(kind))
    row("errors", lambda r: str(len(r.errors)))
    return lines


def fork_cost(triples: int) -> str:
    """What a fresh worker pays: the medium query in a process holding the store, then in a
    fork of it (first and second run, with the fork's minor page faults), in one run."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(generate(triples).encode(), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode("urn:kb"))

    def query() -> float:
        started = time.perf_counter()
        list(store.query(QUERIES["medium"], use_default_graph_as_union=True))  # type: ignore[arg-type]
        return time.perf_counter() - started

    parent = [query() for _ in range(3)]
    lines = [f"medium query in the process holding {triples} triples: {ms(statistics.median(parent))} ms (median of 3)"]
    for _ in range(3):
        started = time.perf_counter()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the fork: time two runs, report them with the page faults, leave
            first, second = query(), query()
            faults = Path("/proc/self/stat").read_text().split()[9]
            os.write(write, f"{first} {second} {faults}".encode())
            os._exit(0)
        forked = time.perf_counter() - started
        os.close(write)
        reported = os.read(read, 200).decode().split()
        os.waitpid(pid, 0)
        lines.append(f"fork {ms(forked)} ms; in the fork: first query {ms(float(reported[0]))} ms, second "
                     f"{ms(float(reported[1]))} ms, {reported[2]} minor page faults")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--write-share", type=float, default=0.1)
    parser.add_argument("--single-client-requests", type=int, default=300,
                        help="requests of the 1-client phase (latency without queueing)")
    parser.add_argument("--store", action="store_true",
                        help="serve with a persistent --store (the journal is fsynced on each commit)")
    parser.add_argument("--workers", type=int, default=None, help="query workers (default: the service's)")
    parser.add_argument("--before", default=None,
                        help="the src directory of an older tree: run each phase on it too, alongside")
    parser.add_argument("--result-cache-mb", type=float, default=None, metavar="MIB",
                        help="run a second server with --result-cache-mb MIB beside one without, in the same run")
    parser.add_argument("--fork-cost", action="store_true",
                        help="only measure what a freshly forked worker pays on its first query")
    args = parser.parse_args()
    if args.fork_cost:
        print(fork_cost(args.triples), f"\n(load average {os.getloadavg()[0]:.1f})")
        return 0

    work = Path(tempfile.mkdtemp(prefix="atmp-bench-writes-"))
    data, tbox = work / "kb.nt", work / "tbox.ttl"
    data.write_text(generate(args.triples))
    tbox.write_text(TBOX)
    os.environ["ATMP_GRAPH_TOKENS"] = f"{TOKEN}:write"
    # name -> (PYTHONPATH of the tree to run, extra serve options)
    trees: dict[str, tuple[str | None, list[str]]] = {"": (None, [])}
    if args.before:
        trees = {"before": (args.before, []), "after": (None, [])}
    elif args.result_cache_mb:
        trees = {"no cache": (None, []),
                 f"cache {args.result_cache_mb:g} MiB": (None, ["--result-cache-mb", str(args.result_cache_mb)])}
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    phases: list[tuple[str, Results]] = []
    counts: dict[str, dict[str, int]] = {}
    try:
        for name, (src, options) in trees.items():  # started one after the other: loading is CPU-bound
            port = free_port()
            command = [sys.executable, "-m", "atmp_graph", "serve", "--port", str(port), "--data", str(data),
                       str(tbox), "--timeout", "600"]
            command += ["--store", str(work / f"store-{name}".replace(" ", "-"))] if args.store else []
            command += ["--workers", str(args.workers)] if args.workers else []
            command += options
            env = {**os.environ, **({"PYTHONPATH": src} if src else {})}
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            servers[name] = process, f"http://127.0.0.1:{port}"
            startup = wait_ready(f"{servers[name][1]}/health", process, timeout=3600)
            print(f"{name or 'server'} ready in {startup:.0f} s", file=sys.stderr)
            # Measure the steady state: the search index is built in the background after start-up.
            while httpx.get(f"{servers[name][1]}/health", timeout=60).json().get("search_index") == "building":
                time.sleep(0.2)
        served = {name: sum(httpx.get(f"{base}/health", timeout=60).json().get("graphs", {}).values())
                  for name, (_, base) in servers.items()}
        triples = " and ".join(f"{n:,}" + (f" ({name})" if name else "") for name, n in served.items())
        for clients, requests, tag in ((1, args.single_client_requests, "a"), (args.clients, args.requests, "b")):
            for name, (_, base) in servers.items():
                result = run_phase(base, clients=clients, requests=requests, write_share=args.write_share, tag=tag)
                phases.append((f"{name} {clients} client{'s' if clients > 1 else ''}".strip(), result))
        for name, (_, base) in servers.items():
            counts[name] = httpx.get(f"{base}/health", timeout=60).json().get("workers", {})
        load_average = os.getloadavg()
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(60)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({cpu}), shared with other work (load average after the run "
        f"{load_average[0]:.1f}); query workers at the end: "
        + "; ".join(f"{name or 'this tree'} {c}" for name, c in counts.items()) + ".\n",
        f"Store: the bundled ontology and KB plus {args.triples} generated triples and the bench TBox"
        + f" ({triples} triples served, entailments included)"
        + (", on disk (--store), each commit journaled with fsync" if args.store else ", in memory (no journal)")
        + (f"; the older tree from {args.before}" if args.before else "") + ".\n",
        f"Writes: {args.write_share:.0%} of requests; half insert a CAR-T product with its receptor and vector "
        "(11 triples), a quarter rename one, a quarter delete one; all checked by the bundled shapes, "
        "entailments updated in the same transaction.\n",
        *table(phases),
        "",
        "Inference mode per write: " + ", ".join(f"{k} x{v}" for k, v in sorted(sum(
            (r.modes for _, r in phases), Counter[str]()).items())),
    ]
    errors = [e for _, r in phases for e in r.errors]
    if errors:
        lines.append("\nFirst errors:\n" + "\n".join(f"- {e}" for e in errors[:5]))
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "writes.md").write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
