"""``atmp-graph navigate PROFILE.json``: the regulatory navigator on the command line.

Reads a development profile (JSON, ``-`` for stdin), matches it against the requirements of
the bundled ontology and KB (plus any ``--data`` files) in-process, and prints the answer
as text, JSON or Turtle. Exit codes: 0 answered, 2 invalid profile or load error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from atmp_graph.loading import build_store
from atmp_graph.navigator import ProfileError, navigate, parse_profile, store_select
from atmp_graph.navigator.rdf import answer_graph
from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR
from atmp_graph.store import bundled_sources, user_sources

EXAMPLE = ('{"kind": "CAR-T", "origin": "autologous", "gene_transfer": "lentiviral", "target": "CD19", '
           '"sponsor": "academic", "country": "DE", "route": "clinical-trial", "phase": "I"}')


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "navigate",
        help="list the regulatory requirements that apply to a planned product (the navigator)",
        description="Match a development profile (a JSON file) against the requirements in the ontology and KB "
        "and print what applies, grouped by category, with reasons, sources and what the KB does not know. "
        "Informational only, not legal advice.",
        epilog=f"Profile example: {EXAMPLE}. Fields and values: docs/navigator.md.",
    )
    parser.add_argument("profile", type=Path, metavar="PROFILE.json", help="the profile as JSON ('-' reads stdin)")
    parser.add_argument("--format", choices=("text", "json", "turtle"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--data", type=Path, nargs="+", action="extend", default=[], metavar="FILE",
                        help="extra RDF files (for example more requirements), each in a named graph of its own")
    parser.add_argument("--ontology-dir", type=Path, default=BUNDLED_ONTOLOGY_DIR, metavar="DIR",
                        help="the ontology directory to load (default: the bundled one)")
    parser.add_argument("--no-infer", action="store_true", help="skip the OWL 2 RL materialisation")
    parser.set_defaults(func=run)


def read_profile(path: Path) -> Any:
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path}: not valid JSON: {error}") from None


def run(args: argparse.Namespace) -> int:
    try:
        profile = parse_profile(read_profile(args.profile))
    except ProfileError as invalid:
        print("atmp-graph navigate: invalid profile:", file=sys.stderr)
        for error in invalid.errors:
            print(f"  {error['field']}: {error['message']}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as error:
        print(f"atmp-graph navigate: {error}", file=sys.stderr)
        return 2
    try:
        sources = bundled_sources(args.ontology_dir) + user_sources(args.data)
        store, _ = build_store(sources, store_dir=None, infer=not args.no_infer)
    except (OSError, ValueError, SyntaxError) as error:
        print(f"atmp-graph navigate: could not load the data: {error}", file=sys.stderr)
        return 2
    answer = asyncio.run(navigate(store_select(store), profile))
    if args.format == "json":
        json.dump(answer.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "turtle":
        sys.stdout.write(answer_graph(answer).serialize(format="turtle"))
    else:
        sys.stdout.write(answer.to_text())
    return 0
