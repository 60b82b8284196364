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
    "atmp_graph.commands.navigate",
]


# Commands registered by a module of another name.
_MODULE_OF_COMMAND = {"restore": "atmp_graph.commands.backup"}


def _module_for(argv: Sequence[str]) -> str | None:
    """The one command module ``argv`` needs (its first word names the command), if known.

    Only that module is then imported: the others pull in heavy libraries (pySHACL,
    owlready2) that, say, ``serve`` never uses, and would slow every start.
    """
    command = next((word for word in argv if not word.startswith("-")), None)
    if command is None:
        return None
    module = _MODULE_OF_COMMAND.get(command, f"atmp_graph.commands.{command}")
    return module if module in COMMAND_MODULES else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the commands of the module ``only``."""
    parser = argparse.ArgumentParser(
        prog="atmp-graph",
        description="Knowledge graph of CAR-T and TCR-T cell therapies: serve, query and check it.",
    )
    parser.add_argument("--version", action="version", version=f"atmp-graph {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        if only is None or name == only:
            importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_module_for(sys.argv[1:] if argv is None else argv))
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
