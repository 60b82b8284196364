"""Benchmark of SHACL validation (issue 4): the fast path (shapes as SPARQL on pyoxigraph) versus pySHACL.

Generates KB-like data in the atmp vocabulary (products with their CARs/TCRs, trials,
organisations, decisions, authorisations, toxicity grades, specifications, plus
ontology terms for the quality shapes), with about 2% of the clusters broken in
one of several ways, validates it with the bundled shapes, and checks that both
engines give the same set of (focus node, path, constraint component, value).

    .venv/bin/python -m bench.bench_validation --sizes 100000 1000000 --pyshacl-max 100000

pySHACL is run only up to ``--pyshacl-max`` triples (at 1M it needs many minutes and
several GB); above that its time is extrapolated linearly from the largest size it
ran at, and the report says so. Prints a Markdown report and writes it to
bench/results/validation.md. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from rdflib import Graph, URIRef

from atmp_graph.namespaces import BUNDLED_SHAPES_DIR
from atmp_graph.store import GraphStore, Source, user_sources
from atmp_graph.validation.engine_pyshacl import validate_graph
from atmp_graph.validation.fast import validate_store
from atmp_graph.validation.report import Report
from atmp_graph.validation.run import validate_sources
from atmp_graph.validation.shapes import load_shapes, read_shapes_graph

A = "https://w3id.org/atmp/ontology/"
G = "http://example.org/gen/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUB = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SOURCE = "http://purl.org/dc/terms/source"
DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
ORG = "http://www.w3.org/ns/org#Organization"
T = TypeVar("T")
SH_SPARQL = URIRef("http://www.w3.org/ns/shacl#sparql")

HIERARCHY = [
    ("LentiviralVector", "GeneTransferVector"), ("GammaretroviralVector", "GeneTransferVector"),
    ("SecondGenerationCar", "ChimericAntigenReceptor"), ("Cd3ZetaSignallingDomain", "IntracellularSignallingDomain"),
    ("CostimulatoryDomain", "IntracellularSignallingDomain"), ("CrsGrade", "ToxicityGrade"),
    ("MarketingAuthorisation", "RegulatoryAuthorisation"), ("SterilityTest", "ReleaseTest"),
]


def _iri(local: str, ns: str = G) -> str:
    return f"<{ns}{local}>"


def _lit(text: str, datatype: str | None = None, lang: str | None = None) -> str:
    if lang:
        return f'"{text}"@{lang}'
    return f'"{text}"^^<{datatype}>' if datatype else f'"{text}"'


def cluster(i: int, rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """About 60 triples describing one product and everything around it; ~2% break a rule."""
    broken = rng.random() < 0.02
    fault = rng.randrange(8) if broken else -1
    a = lambda local: _iri(local, A)  # noqa: E731
    product, car, trial, org, decision, ma = (_iri(f"{k}{i}") for k in ("product", "car", "trial", "org", "decision", "ma"))
    grade, system, event, spec, test = (_iri(f"{k}{i}") for k in ("grade", "system", "event", "spec", "test"))
    yield product, f"<{RDF_TYPE}>", a("CarTCellProduct")
    yield product, f"<{LABEL}>", _lit(f"Product {i}", lang="en")
    yield product, a("internationalNonproprietaryName"), _lit(f"gencabtagene {i}")
    if fault != 0:
        yield product, a("usesVector"), _iri(f"vector{i % 50}")
    yield product, a("expressesConstruct"), car
    yield car, f"<{RDF_TYPE}>", a("SecondGenerationCar")
    yield car, a("targetsAntigen"), _iri(f"antigen{i % 30}")
    yield car, a("hasDomain"), _iri(f"costim{i % 2}")
    if fault != 1:
        yield car, a("hasDomain"), _iri("zeta")
    yield trial, f"<{RDF_TYPE}>", a("ClinicalTrial")
    yield trial, f"<{LABEL}>", _lit(f"Trial {i}", lang="en")
    yield trial, a("hasPhase"), a(("PhaseI", "PhaseIandII", "PhaseII", "PhaseIII")[i % 4])
    yield trial, a("hasSponsor"), org
    yield trial, a("investigatesProduct"), product
    yield trial, a("eudractNumber"), _lit(f"20{10 + i % 15}-{i % 1000000:06d}-{i % 100:02d}" if fault != 2 else f"20-{i}")
    yield trial, a("nctNumber"), _lit(f"NCT{i % 100000000:08d}")
    start, end = f"20{10 + i % 10}-0{1 + i % 9}-1{i % 10}", f"20{21 + i % 4}-0{1 + i % 9}-1{i % 10}"
    if fault == 3:
        start, end = end, start
    yield trial, a("startDate"), _lit(start, XSD + "date")
    yield trial, a("endDate"), _lit(end, XSD + "date")
    yield org, f"<{RDF_TYPE}>", a("ResearchCentre")
    yield org, f"<{LABEL}>", _lit(f"Research centre {i}", lang="en")
    if fault != 4:
        yield org, f"<{SOURCE}>", f"<https://example.org/org/{i}>"
    yield decision, f"<{RDF_TYPE}>", a("RegulatoryDecision")
    yield decision, a("decidedBy"), _iri(f"agency{i % 5}")
    yield decision, a("decisionDate"), _lit(f"20{15 + i % 10}-0{1 + i % 9}-2{i % 8}" if fault != 5 else "2999-01-01", XSD + "date")
    yield ma, f"<{RDF_TYPE}>", a("MarketingAuthorisation")
    yield ma, a("grantedBy"), _iri(f"agency{i % 5}")
    yield event, f"<{RDF_TYPE}>", a("AdverseEvent")
    yield event, f"<{LABEL}>", _lit(f"event {i}", lang="en")
    yield event, a("hasSeverityGrade"), grade
    yield grade, f"<{RDF_TYPE}>", a("CrsGrade")
    yield grade, a("gradeLevel"), _lit(str(1 + i % 4 if fault != 6 else 5), XSD + "integer")
    yield grade, a("inGradingSystem"), system
    yield system, f"<{RDF_TYPE}>", a("GradingSystem")
    yield spec, f"<{RDF_TYPE}>", a("ProductSpecification")
    yield spec, a("includesTest"), test
    yield test, f"<{RDF_TYPE}>", a("SterilityTest")
    if fault != 7:
        yield test, f"<{LABEL}>", _lit(f"sterility {i}", lang="en")
    yield test, a("acceptanceCriterion"), _lit("no growth")


def shared(rng: random.Random) -> Iterator[tuple[str, str, str]]:
    a = lambda local: _iri(local, A)  # noqa: E731
    for child, parent in HIERARCHY:
        yield a(child), f"<{SUB}>", a(parent)
    yield a("ResearchCentre"), f"<{SUB}>", f"<{ORG}>"
    for k in range(50):
        yield _iri(f"vector{k}"), f"<{RDF_TYPE}>", a("LentiviralVector" if k % 2 else "GammaretroviralVector")
    for k in range(2):
        yield _iri(f"costim{k}"), f"<{RDF_TYPE}>", a("CostimulatoryDomain")
    yield _iri("zeta"), f"<{RDF_TYPE}>", a("Cd3ZetaSignallingDomain")
    for k in range(5):
        yield _iri(f"agency{k}"), f"<{RDF_TYPE}>", f"<{ORG}>"
        yield _iri(f"agency{k}"), f"<{LABEL}>", _lit(f"Agency {k}", lang="en")
        yield _iri(f"agency{k}"), f"<{SOURCE}>", f"<https://example.org/agency/{k}>"
    # Ontology terms for the quality shapes (one in twenty without a definition).
    for k in range(200):
        term = a(f"GeneratedTerm{k}")
        yield term, f"<{RDF_TYPE}>", f"<{OWL_CLASS}>"
        yield term, f"<{LABEL}>", _lit(f"generated term {k}", lang="en")
        if k % 20:
            yield term, f"<{DEFINITION}>", _lit(f"Definition {k}.", lang="en")
            yield term, f"<{SOURCE}>", "<https://example.org/def>"


def generate(triples: int, path: Path, *, seed: int = 4) -> int:
    """Write about ``triples`` N-Triples to ``path``; returns the exact count."""
    rng = random.Random(seed)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for s, p, o in shared(rng):
            out.write(f"{s} {p} {o} .\n")
            count += 1
        i = 0
        while count < triples:
            for s, p, o in cluster(i, rng):
                out.write(f"{s} {p} {o} .\n")
                count += 1
            i += 1
    return count


def extrapolate(points: list[tuple[int, float]], size: int) -> float:
    """pySHACL's time at ``size``: a least-squares line through the measured (size, seconds)
    points, or proportional to the one measurement when there is only one."""
    if len(points) == 1:
        n, seconds = points[0]
        return seconds * size / n
    mean_n = statistics.fmean(n for n, _ in points)
    mean_s = statistics.fmean(s for _, s in points)
    slope = sum((n - mean_n) * (s - mean_s) for n, s in points) / sum((n - mean_n) ** 2 for n, _ in points)
    return mean_s + slope * (size - mean_n)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def run_fast(path: Path, shapes_graph: Graph) -> tuple[float, float, Report]:
    shapes = load_shapes(shapes_graph)
    store = GraphStore.in_memory()
    load_s, _ = timed(lambda: store.load_sources([Source(path, "urn:x-bench:data")]))
    validate_s, report = timed(lambda: validate_store(store, shapes))
    return load_s, validate_s, report


def run_end_to_end(path: Path, shapes_file: Path) -> tuple[float, int]:
    """What ``atmp-graph validate FILE`` does: load, validate, find lines and labels of the results."""
    seconds, report = timed(lambda: validate_sources(user_sources([path]), shapes=[shapes_file], engine="fast"))
    located = sum(1 for r in report.results if r.location is not None and r.location.line is not None)
    return seconds, located


def run_pyshacl(path: Path, shapes_graph: Graph) -> tuple[float, float, Report]:
    graph = Graph()
    load_s, _ = timed(lambda: graph.parse(path, format="nt"))
    validate_s, report = timed(lambda: validate_graph(graph, shapes_graph))
    return load_s, validate_s, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pyshacl-max", type=int, default=100_000, help="largest size pySHACL is run at")
    parser.add_argument("--repeat", type=int, default=3, help="fast-path runs per size (median reported)")
    parser.add_argument("--core-only", action="store_true",
                        help="drop the SHACL-SPARQL constraints (pySHACL's best case: SHACL Core only)")
    args = parser.parse_args(argv)
    shapes_graph = read_shapes_graph([BUNDLED_SHAPES_DIR])
    if args.core_only:
        shapes_graph.remove((None, SH_SPARQL, None))
    rows = []
    measured: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        shapes_file = Path(tmp) / "shapes.ttl"
        shapes_graph.serialize(shapes_file, format="turtle")
        for size in args.sizes:
            path = Path(tmp) / f"kb-{size}.nt"
            exact = generate(size, path)
            fast_runs = [run_fast(path, shapes_graph) for _ in range(args.repeat)]
            fast_validate = statistics.median(r[1] for r in fast_runs)
            fast_load = statistics.median(r[0] for r in fast_runs)
            fast_report = fast_runs[0][2]
            end_to_end, located = run_end_to_end(path, shapes_file)
            row = {"size": exact, "fast_load": fast_load, "fast_validate": fast_validate,
                   "results": len(fast_report.keys()), "measured": False, "agree": None,
                   "end_to_end": end_to_end, "located": located}
            if size <= args.pyshacl_max:
                ref_load, ref_validate, ref_report = run_pyshacl(path, shapes_graph)
                row.update(ref_load=ref_load, ref_validate=ref_validate, measured=True,
                           agree=ref_report.keys() == fast_report.keys() and ref_report.conforms == fast_report.conforms)
                measured.append((exact, ref_validate))
            elif measured:
                row.update(ref_validate=extrapolate(measured, exact), ref_load=None)
            rows.append(row)
            print(f"{exact} triples: fast {fast_validate:.2f}s, pySHACL "
                  f"{row.get('ref_validate', float('nan')):.1f}s{'' if row['measured'] else ' (extrapolated)'}",
                  file=sys.stderr)
    report = _markdown(rows, args)
    print(report)
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"validation{'-core' if args.core_only else ''}.md").write_text(report)
    return 0 if all(r["agree"] in (True, None) for r in rows) else 1


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _markdown(rows: list[dict[str, object]], args: argparse.Namespace) -> str:
    lines = [
        "### SHACL validation, " + ("SHACL Core constraints only (sh:sparql removed)" if args.core_only
                                     else "all bundled shapes (SHACL Core and SHACL-SPARQL)"),
        "",
        f"Command: `.venv/bin/python -m bench.bench_validation --sizes {' '.join(map(str, args.sizes))} "
        f"--pyshacl-max {args.pyshacl_max} --repeat {args.repeat}{' --core-only' if args.core_only else ''}`  ",
        f"Machine: `nproc` = {os.cpu_count()}, CPU {_cpu()}, Python {platform.python_version()}.  ",
        "Data: generated KB clusters in the atmp vocabulary (bench/bench_validation.py), ~2% broken; "
        "shapes: the bundled shapes/. Times exclude loading (shown separately); fast-path times are the "
        f"median of {args.repeat} runs, pySHACL ran once per size. \"Fast end to end\" is what "
        "`atmp-graph validate FILE` does (load, validate, find each result's file line and label), once. "
        "Extrapolated pySHACL times: a least-squares line through the sizes pySHACL ran at "
        "(proportional when it ran at one size only).",
        "",
        "| triples | results | fast load (s) | fast validate (s) | pySHACL parse (s) | pySHACL validate (s) | speed-up (validate) | same results | fast end to end (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|:---|---:|",
    ]
    for row in rows:
        ref = row.get("ref_validate")
        ref_load = row.get("ref_load")
        fast = float(row["fast_validate"])  # type: ignore[arg-type]
        speedup = f"{float(ref) / fast:.0f}x" if isinstance(ref, float) else "n/a"  # noqa: F821
        lines.append(
            f"| {row['size']:,} | {row['results']} | {float(row['fast_load']):.2f} | {fast:.2f} | "  # type: ignore[arg-type]
            f"{f'{ref_load:.1f}' if isinstance(ref_load, float) else 'not run'} | "
            f"{f'{ref:.1f}' if isinstance(ref, float) else 'n/a'}{'' if row['measured'] else ' (extrapolated)'} | "
            f"{speedup} | {'yes' if row['agree'] else ('not compared' if row['agree'] is None else 'NO')} | "
            f"{float(row['end_to_end']):.2f} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
