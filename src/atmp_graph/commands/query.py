"""``atmp-graph query``: run a SPARQL query in-process and print the result."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rdflib.term import Node

from atmp_graph.loading import build_store
from atmp_graph.named_queries import parse_named_query
from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, BUNDLED_QUERIES_DIR
from atmp_graph.negotiation import FORMAT_NAMES, NotAcceptable, ResultKind, negotiate
from atmp_graph.query_safety import FederationRefused, check
from atmp_graph.store import bundled_sources, user_sources


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "query",
        help="run a SPARQL query against the bundled data and print the result",
        description="Run a SPARQL query (given as text, in a file, or by the name of a query in queries/) "
        "against the bundled ontology and KB plus any --data files, and write the result to stdout.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="the query text")
    source.add_argument("--file", type=Path, metavar="F", help="read the query from file F")
    source.add_argument("--name", metavar="NAME", help="run the named query queries/NAME.rq")
    parser.add_argument("--format", default=None, help="result format: " + ", ".join(FORMAT_NAMES)
                        + " (default: JSON for SELECT/ASK, Turtle for CONSTRUCT/DESCRIBE)")
    parser.add_argument("--data", type=Path, nargs="+", action="extend", default=[], metavar="FILE",
                        help="extra RDF files, each in a named graph of its own")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter of the named query (others take their declared defaults)")
    parser.add_argument("--no-bundled", action="store_true", help="do not load the bundled ontology and KB")
    parser.add_argument("--store", type=Path, metavar="DIR", help="use (or build) a persistent store in DIR")
    parser.add_argument("--no-infer", action="store_true",
                        help="do not materialise the OWL 2 RL entailments (asserted triples only)")
    parser.set_defaults(func=run)


def read_query(args: argparse.Namespace) -> tuple[str, dict[str, Node]]:
    """The query text and, for a named query, its parameters bound (given values, else defaults)."""
    if args.file is not None:
        return Path(args.file).read_text(encoding="utf-8"), {}
    if args.name is not None:
        path = BUNDLED_QUERIES_DIR / f"{args.name}.rq"
        if not path.is_file():
            known = sorted(p.stem for p in BUNDLED_QUERIES_DIR.glob("*.rq"))
            raise FileNotFoundError(f"no query named {args.name!r}; known: {', '.join(known) or 'none'}")
        named = parse_named_query(args.name, path.read_text(encoding="utf-8"), path=path)
        given = {}
        for item in args.param:
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"--param takes NAME=VALUE, not {item!r}")
            given[name] = value
        return named.sparql, named.bind(given)
    if args.param:
        raise ValueError("--param applies to named queries (--name)")
    return str(args.text), {}


def run(args: argparse.Namespace) -> int:
    try:
        query, substitutions = read_query(args)
        check(query, allow=())
        sources = ([] if args.no_bundled else bundled_sources(BUNDLED_ONTOLOGY_DIR)) + user_sources(args.data)
        store, _ = build_store(sources, store_dir=args.store, infer=not args.no_infer)

        def choose(kind: ResultKind) -> str:
            return negotiate(kind, accept=None, format=args.format)

        store.execute(query, sys.stdout.buffer, choose_media_type=choose, substitutions=substitutions or None)
        sys.stdout.buffer.flush()
    except SyntaxError as error:
        print(f"atmp-graph query: SPARQL syntax error: {error}", file=sys.stderr)
        return 2
    except (FederationRefused, NotAcceptable, OSError, ValueError) as error:
        print(f"atmp-graph query: {error}", file=sys.stderr)
        return 2
    return 0
