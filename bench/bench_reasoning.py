"""Benchmark: OWL 2 RL materialisation in the store vs owlrl, on generated KB-like data.

    .venv/bin/python -m bench.bench_reasoning --sizes 10000 100000 1000000 --owlrl-max 100000

For each size: generate the data (bench/kbgen.py), load it into an in-memory store, run
``materialise`` ``--repeat`` times and take the median (wall clock and CPU time of this
process: other work on the machine inflates wall time, and CPU time less; the 1-minute
load average after each size is printed). Up to
``--owlrl-max`` triples, owlrl runs once on the same data (blank nodes skolemised for
both) and the two sets of inferred triples are compared triple by triple; above it,
owlrl's time is extrapolated linearly from the largest size it ran on (marked "extrapolated").
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from rdflib import Graph

from atmp_graph.namespaces import INFERRED_GRAPH
from atmp_graph.reasoning import materialise
from atmp_graph.reasoning.reference import normalised, owlrl_inferences, skolemised
from atmp_graph.store import GraphStore
from bench.kbgen import TBOX, generate

TBOX_GRAPH = "https://w3id.org/atmp/graph/bench/tbox"
ABOX_GRAPH = "https://w3id.org/atmp/graph/bench/abox"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_size(size: int, *, repeat: int, with_owlrl: bool) -> dict[str, object]:
    store = GraphStore.in_memory()
    graph = None
    if with_owlrl:  # both engines read the same skolemised triples
        graph = Graph().parse(data=TBOX, format="turtle")
        graph.parse(data=generate(size), format="nt")
        graph = skolemised(graph)
        store.load_data(graph.serialize(format="nt").encode(), "application/n-triples", graph=ABOX_GRAPH)
    else:  # no rdflib copy of a large graph in memory while the store works
        store.load_data(TBOX.encode(), "text/turtle", graph=TBOX_GRAPH)
        store.load_data(generate(size).encode(), "application/n-triples", graph=ABOX_GRAPH)
    walls, cpus = [], []
    report = None
    for _ in range(repeat):
        # Each repeat starts from the asserted data alone (dropping the previous result untimed).
        store.update(f"DROP SILENT GRAPH <{INFERRED_GRAPH}>")
        cpu = time.process_time()
        report = materialise(store)
        cpus.append(time.process_time() - cpu)
        walls.append(report.seconds)
    assert report is not None
    row: dict[str, object] = {
        "size": size,
        "asserted": report.asserted_triples,
        "inferred": report.inferred_triples,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "rounds": report.rounds,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if graph is not None:
        cpu, wall = time.process_time(), time.perf_counter()
        reference = owlrl_inferences(graph)
        row["owlrl_wall"], row["owlrl_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
        ours = normalised(store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"))
        row["owlrl_inferred"] = len(reference)
        row["equal"] = ours == reference
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--owlrl-max", type=int, default=100_000, help="largest size owlrl runs on")
    parser.add_argument("--repeat", type=int, default=3, help="materialisations per size (median)")
    args = parser.parse_args()
    print(f"machine: nproc={os.cpu_count()}, CPU {cpu_model()}, Python {platform.python_version()}, "
          f"load average at start {os.getloadavg()[0]:.2f}")
    rows = []
    for size in args.sizes:
        row = run_size(size, repeat=args.repeat, with_owlrl=size <= args.owlrl_max)
        rows.append(row)
        print(row, flush=True)
    measured = [r for r in rows if "owlrl_cpu" in r]
    per_triple = (
        float(measured[-1]["owlrl_cpu"]) / int(measured[-1]["asserted"])  # type: ignore[arg-type]
        if measured else None
    )
    print()
    print("| asserted triples | inferred | rounds | materialise wall (median) | CPU (median) "
          "| owlrl CPU | owlrl inferred (filtered) | equal | speed-up (CPU) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "owlrl_cpu" in r:
            owlrl = f"{float(r['owlrl_cpu']):.1f} s"  # type: ignore[arg-type]
            owlrl_cpu = float(r["owlrl_cpu"])  # type: ignore[arg-type]
            reference, equal = str(r["owlrl_inferred"]), "yes" if r["equal"] else "NO"
        elif per_triple is not None:
            owlrl_cpu = per_triple * int(r["asserted"])  # type: ignore[call-overload]
            owlrl, reference, equal = f"~{owlrl_cpu:.0f} s (extrapolated)", "not run", "not checked"
        else:
            owlrl_cpu, owlrl, reference, equal = 0.0, "not run", "not run", "not checked"
        cpu = float(r["cpu"])  # type: ignore[arg-type]
        speedup = f"{owlrl_cpu / cpu:.0f}x" if owlrl_cpu else "n/a"
        print(f"| {r['asserted']} | {r['inferred']} | {r['rounds']} | {float(r['wall']):.2f} s "  # type: ignore[arg-type]
              f"| {cpu:.2f} s | {owlrl} | {reference} | {equal} | {speedup} |")


if __name__ == "__main__":
    main()
