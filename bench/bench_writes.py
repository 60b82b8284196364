"""Benchmark of the write path (issue 6): a mixed load of 90% reads and 10% small
shape-checked writes at 16 concurrent clients on a generated store.

    .venv/bin/python -m bench.bench_writes --triples 1000000 --requests 2000

Reports throughput, p50/p99 latency of reads and writes, and the error count; writes
Markdown to bench/results/writes.md. Not part of the test run.
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
from pathlib import Path

import httpx

from bench.bench_service import QUERIES, ROOT, free_port, start
from bench.kbgen import TBOX, generate

TOKEN = "bench-writer-token-0123456789"
EX = "http://example.org/bench/"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--write-share", type=float, default=0.1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="atmp-bench-writes-"))
    data, tbox = work / "kb.nt", work / "tbox.ttl"
    data.write_text(generate(args.triples))
    tbox.write_text(TBOX)
    port = free_port()
    env = {**os.environ, "ATMP_GRAPH_TOKENS": f"{TOKEN}:write"}
    os.environ.update(env)
    process, startup = start([str(ROOT / ".venv/bin/atmp-graph"), "serve", "--no-bundled", "--port", str(port),
                              "--data", str(data), str(tbox), "--timeout", "600"],
                             f"http://127.0.0.1:{port}/health")
    base = f"http://127.0.0.1:{port}"
    reads: list[float] = []
    writes: list[float] = []
    commit_seconds: list[float] = []
    errors: list[str] = []
    counter = iter(range(args.requests))
    lock = threading.Lock()

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=600) as client:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                started = time.perf_counter()
                if rng.random() < args.write_share:
                    product = f"<{EX}new{number}>"
                    response = client.post("/update", headers={"Authorization": f"Bearer {TOKEN}",
                                                               "Content-Type": "application/sparql-update"},
                                           content=(f"INSERT DATA {{ GRAPH <https://w3id.org/atmp/graph/kb> {{ "
                                                    f"{product} a <{EX}CarTCellProduct> ; "
                                                    f"<http://www.w3.org/2000/01/rdf-schema#label> \"New {number}\" ; "
                                                    f"<{EX}targets> <{EX}antigen1> }} }}").encode())
                    (writes if response.status_code == 200 else errors).append(
                        time.perf_counter() - started if response.status_code == 200 else response.text[:200])  # type: ignore[arg-type]
                    if response.status_code == 200:
                        commit_seconds.append(float(response.json()["seconds"]))
                else:
                    response = client.get("/sparql", params={"query": QUERIES["medium"]})
                    if response.status_code == 200:
                        reads.append(time.perf_counter() - started)
                    else:
                        errors.append(response.text[:200])

    try:
        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        process.terminate()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({cpu}); store: {args.triples} generated triples plus the bench TBox, "
        f"entailments materialised; start-up {startup:.1f} s.\n",
        f"{args.requests} requests from {args.clients} clients, {args.write_share:.0%} writes "
        "(INSERT DATA of one product, three triples, shape-checked, inference updated).\n",
        "| measure | value |", "|---|---|",
        f"| throughput | {args.requests / elapsed:.1f} requests/s |",
        f"| reads: p50 / p99 | {statistics.median(reads) * 1000:.1f} / {percentile(reads, 0.99) * 1000:.1f} ms |",
        f"| writes: p50 / p99 (HTTP) | {statistics.median(writes) * 1000:.1f} / "
        f"{percentile(writes, 0.99) * 1000:.1f} ms |" if writes else "| writes | none succeeded |",
        f"| write commit in the zygote: median | {statistics.median(commit_seconds) * 1000:.1f} ms |"
        if commit_seconds else "",
        f"| errors | {len(errors)} |",
    ]
    report = "\n".join(line for line in lines if line) + "\n"
    if errors:
        report += "\nFirst error: " + errors[0] + "\n"
    print(report)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "writes.md").write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
