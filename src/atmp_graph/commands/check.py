"""``atmp-graph check``: the whole curation gate with one summary.

Steps: parse every bundled file (ontology, KB, shapes, queries), reasoner
consistency with HermiT (:mod:`atmp_graph.reasoning.hermit`; skipped, and said so, without Java),
SHACL validation, quality-control queries (``queries/qc/*-violation.rq`` must return
no rows) and competency queries (``queries/*.rq`` must run). Exit codes as
``validate``: 0 all passed, 1 a check failed, 2 a file could not be loaded.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from atmp_graph.commands.validate import format_syntax_error, quiet_rdflib_literal_warnings, sources_for
from atmp_graph.named_queries import parse_named_query
from atmp_graph.namespaces import BUNDLED_QUERIES_DIR, BUNDLED_SHAPES_DIR
from atmp_graph.store import GraphStore, Source
from atmp_graph.validation.formats import write
from atmp_graph.validation.run import annotate, display_name, load_store, validate_store_with
from atmp_graph.validation.shapes import load_shapes, read_shapes_graph
from atmp_graph.validation.sourcemap import SourceIndex

Status = Literal["pass", "fail", "skip", "error"]


@dataclass(frozen=True)
class Step:
    name: str
    status: Status
    detail: str


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the whole curation gate (parse, reasoning, SHACL, QC and competency queries)",
        description="Parse every bundled file, check reasoner consistency, validate with SHACL, run the "
        "quality-control queries (which must return no rows) and the competency queries (which must run). "
        "Exit 0 all passed, 1 a check failed, 2 a file could not be loaded.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE",
                        help="RDF files to check instead of the bundled KB (the ontology is added)")
    parser.add_argument("--shapes", type=Path, action="append", metavar="PATH", help="shapes file or directory")
    parser.add_argument("--queries", type=Path, default=BUNDLED_QUERIES_DIR, metavar="DIR",
                        help="directory of competency queries, with QC queries in DIR/qc (default: queries/)")
    parser.add_argument("--fail-on", choices=("violation", "warning", "info"), default="violation")
    parser.add_argument("--no-ontology", action="store_true",
                        help="with FILE arguments: do not add the bundled ontology")
    parser.add_argument("--no-reasoning", action="store_true", help="skip the HermiT consistency check (it needs Java)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    quiet_rdflib_literal_warnings()
    sources = sources_for(args.files, with_ontology=not args.no_ontology)
    shapes_paths: list[Path] = args.shapes or [BUNDLED_SHAPES_DIR]
    queries_dir: Path = args.queries
    steps: list[Step] = []
    try:
        store = load_store(sources)
        shapes_graph = read_shapes_graph(shapes_paths)
        queries = {p: p.read_text(encoding="utf-8") for p in sorted(queries_dir.glob("*.rq"))}
        qc_queries = {p: p.read_text(encoding="utf-8") for p in sorted((queries_dir / "qc").glob("*.rq"))}
    except SyntaxError as error:
        _print_steps([Step("parse", "error", format_syntax_error(error))])
        return 2
    except OSError as error:
        _print_steps([Step("parse", "error", str(error))])
        return 2
    steps.append(Step("parse", "pass", f"{len(sources)} data files, {len(queries) + len(qc_queries)} queries, "
                      f"{len(shapes_graph)} shape triples"))
    steps.append(Step("reasoning", "skip", "disabled by --no-reasoning") if args.no_reasoning else _reasoning(sources))
    report = validate_store_with(store, shapes_graph)
    if report.results:
        index = SourceIndex.from_files([(s.path, display_name(s.path)) for s in sources],
                                       only={str(r.focus) for r in report.results})
        report = annotate(report, store, load_shapes(shapes_graph), index)
        write(report, "text", sys.stdout)
    failed = report.failed(fail_on=args.fail_on)
    steps.append(Step("shacl", "fail" if failed else "pass",
                      f"{len(report.results)} result(s), engine {report.engine}"))
    steps.extend(_qc_steps(store, qc_queries))
    steps.append(_competency(store, queries))
    _print_steps(steps)
    return 1 if any(step.status in ("fail", "error") for step in steps) else 0


def _reasoning(sources: list[Source]) -> Step:
    """HermiT's consistency and satisfiability check (:mod:`atmp_graph.reasoning.hermit`), if present."""
    try:
        hermit = importlib.import_module("atmp_graph.reasoning.hermit")
    except ImportError as error:
        return Step("reasoning", "skip", f"the reasoning module is not available ({error})")
    try:
        outcome = hermit.check_consistency([s.path for s in sources])
    except (OSError, RuntimeError, ValueError, SyntaxError) as error:
        return Step("reasoning", "error", f"reasoner failed: {error}")
    status = str(getattr(outcome, "status", ""))
    if status == "java-missing":
        return Step("reasoning", "skip", str(outcome.message))
    for item in getattr(outcome, "unsatisfiable", ()):
        print(f"unsatisfiable class: {item.iri}" + "".join(f"\n    {line}" for line in item.explanation))
    for contradiction in getattr(outcome, "contradictions", ()):
        print(f"contradiction: {contradiction}")
    return Step("reasoning", "pass" if status == "consistent" else "fail", str(outcome.message))


def _qc_steps(store: GraphStore, queries: dict[Path, str]) -> list[Step]:
    steps = []
    for path, text in queries.items():
        try:
            rows = list(store.select(text))
        except (SyntaxError, ValueError, RuntimeError, OSError) as error:
            steps.append(Step(f"qc {path.stem}", "error", str(error).splitlines()[0]))
            continue
        if rows:
            for row in rows[:20]:
                print(f"{path.name}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
        steps.append(Step(f"qc {path.stem}", "fail" if rows else "pass", f"{len(rows)} row(s)"))
    return steps


def _competency(store: GraphStore, queries: dict[Path, str]) -> Step:
    failures = []
    for path, text in queries.items():
        try:
            form = parse_named_query(path.stem, text, path=path).form  # not a keyword search: names may contain "Construct"
            if form in ("CONSTRUCT", "DESCRIBE"):
                _ = store.construct(text)
            elif form == "ASK":
                store.ask(text)
            else:
                for _row in store.select(text):
                    pass
        except (SyntaxError, ValueError, RuntimeError, OSError, TypeError) as error:
            failures.append(f"{path.name}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
    if failures:
        for failure in failures:
            print(f"competency query error: {failure}")
        return Step("competency queries", "fail", f"{len(failures)} of {len(queries)} failed to run")
    return Step("competency queries", "pass", f"{len(queries)} ran")


def _print_steps(steps: list[Step]) -> None:
    print("atmp-graph check")
    for step in steps:
        print(f"  {step.status.upper():5} {step.name}: {step.detail}")
    worst = "FAILED" if any(s.status in ("fail", "error") for s in steps) else "PASSED"
    print(f"gate {worst}")

