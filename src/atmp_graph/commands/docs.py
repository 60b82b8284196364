"""``atmp-graph docs --out DIR``: write the static HTML documentation of the ontology."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR
from atmp_graph.store import bundled_sources


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "docs",
        help="write a static HTML documentation of the ontology",
        description="Write one page per ontology term, an index, the class tree and the changes against a "
        "previous release into DIR, ready to publish as it is.",
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="the directory to write into")
    parser.add_argument("--previous", type=Path, metavar="FILE",
                        help="the previous release's ontology (any RDF file) for the change list")
    parser.add_argument("--ontology-dir", type=Path, default=BUNDLED_ONTOLOGY_DIR, metavar="DIR",
                        help="the ontology and KB sources (default: the bundled ones)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from atmp_graph.docsite import build_site

    if args.previous is not None and not args.previous.is_file():
        print(f"error: the previous release {args.previous} is not a file", file=sys.stderr)
        return 2
    try:
        count = build_site(args.out, sources=bundled_sources(args.ontology_dir), previous=args.previous)
    except (OSError, SyntaxError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {count} term pages, index.html, tree.html and changes.html to {args.out}")
    return 0
