"""The ``atmp-graph`` command line: one sub-command per module in ``atmp_graph.commands``.

Exit codes follow the contract: 0 success (or data conforms), 1 violations found,
2 usage or load error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from atmp_graph import __version__

# Each module defines ``add_parser(subparsers)`` which registers its sub-command and
# sets ``func`` (``args -> int``) as the parser default.
COMMAND_MODULES = [
    "atmp_graph.commands.serve",
    "atmp_graph.commands.query",
    "atmp_graph.commands.validate",
    "atmp_graph.commands.check",
    "atmp_graph.commands.backup",
    "atmp_graph.commands.reason",
    "atmp_graph.commands.docs",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="atmp-graph",
        description="Knowledge graph of CAR-T and TCR-T cell therapies: serve, query and check it.",
    )
    parser.add_argument("--version", action="version", version=f"atmp-graph {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
