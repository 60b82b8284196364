"""``atmp-graph reason``: HermiT's verdict on the ontology and KB (or on the given files).

Exit codes: 0 consistent with every class satisfiable; 1 inconsistent, or some class
unsatisfiable; 2 a file does not load, or Java (needed by HermiT) is missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from rdflib import URIRef

from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR
from atmp_graph.reasoning.explain import term
from atmp_graph.reasoning.hermit import ConsistencyReport, check_consistency
from atmp_graph.store import bundled_sources


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reason",
        help="check consistency and satisfiability with HermiT; show the inferred class hierarchy changes",
        description="Run the HermiT reasoner over FILES (default: the bundled ontology and KB, as one "
        "ontology) and report consistency, unsatisfiable classes with the axioms that explain them, and "
        "the named classes whose superclasses the reasoner changed. Exit 0 consistent, 1 inconsistent or "
        "unsatisfiable class, 2 load error or Java missing.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF files (default: bundled)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default text)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = list(args.files) or [source.path for source in bundled_sources(BUNDLED_ONTOLOGY_DIR)]
    if not paths:
        print("atmp-graph reason: no files given and no bundled ontology found", file=sys.stderr)
        return 2
    try:
        report = check_consistency(paths)
    except (SyntaxError, OSError, ValueError, RuntimeError) as error:
        print(f"atmp-graph reason: {error}", file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(report.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        write_text(report, sys.stdout)
    if report.status == "java-missing":
        print(f"atmp-graph reason: {report.message}", file=sys.stderr)
        return 2
    return 0 if report.status == "consistent" else 1


def write_text(report: ConsistencyReport, out: TextIO) -> None:
    """The report for people: verdict first, then the classes involved."""
    out.write(f"{report.reasoner} over {len(report.files)} file(s): {report.message} ({report.seconds:.1f} s)\n")
    if report.contradictions:
        out.write("Contradictions found by the OWL 2 RL rules:\n")
        for line in report.contradictions:
            out.write(f"  - {line}\n")
    if report.unsatisfiable:
        out.write("Unsatisfiable classes:\n")
        for cls in report.unsatisfiable:
            out.write(f"  {term(URIRef(cls.iri))}\n")
            if cls.explanation:
                out.write("    because of the asserted axioms:\n")
                for axiom in cls.explanation:
                    out.write(f"      {axiom}\n")
            else:
                out.write("    (no pair of disjoint superclasses explains it; owlready2 gives no justification)\n")
    if report.hierarchy_changes:
        out.write("Classes whose superclasses the reasoner changed (asserted -> inferred):\n")
        for change in report.hierarchy_changes:
            before = ", ".join(term(URIRef(i)) for i in change.asserted_parents) or "owl:Thing"
            after = ", ".join(term(URIRef(i)) for i in change.inferred_parents) or "owl:Thing"
            out.write(f"  {term(URIRef(change.iri))}: {before} -> {after}\n")
