"""``atmp-graph validate``: check RDF files against the SHACL shapes and report for curators or CI.

Exit codes: 0 conforms (or only results below ``--fail-on``), 1 violations found,
2 usage or load error (a syntax error is reported with file, line and column).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, BUNDLED_SHAPES_DIR, ONTOLOGY_GRAPH
from atmp_graph.store import Source, bundled_sources, user_sources
from atmp_graph.validation.formats import FORMATS, write
from atmp_graph.validation.run import validate_sources


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate RDF files against the SHACL shapes",
        description="Validate RDF files (default: the bundled ontology and KB) against the SHACL shapes in "
        "shapes/. The bundled ontology is added to given files so that the class hierarchy applies. "
        "Exit 0 conforms, 1 violations, 2 usage or load error.",
    )
    add_arguments(parser)
    parser.set_defaults(func=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="RDF files to validate")
    parser.add_argument("--shapes", type=Path, action="append", metavar="PATH",
                        help="a shapes file or directory (repeatable; default: the bundled shapes/)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="report format (default: text)")
    parser.add_argument("--output", type=Path, metavar="F", help="write the report to F instead of stdout")
    parser.add_argument("--fail-on", choices=("violation", "warning", "info"), default="violation",
                        help="lowest severity that makes the exit code 1 (default: violation)")
    parser.add_argument("--engine", choices=("auto", "fast", "pyshacl"), default="auto",
                        help="auto: the fast SPARQL path unless a shape needs pySHACL (default)")
    parser.add_argument("--no-ontology", action="store_true",
                        help="do not add the bundled ontology (class hierarchy) to the given files")


def sources_for(files: Sequence[Path], *, with_ontology: bool = True) -> list[Source]:
    """The files to validate: the bundled ontology and KB by default; else the files plus the TBox."""
    if not files:
        return bundled_sources(BUNDLED_ONTOLOGY_DIR)
    given = user_sources(files)
    if not with_ontology:
        return given
    resolved = {p.resolve() for p in files}
    tbox = [s for s in bundled_sources(BUNDLED_ONTOLOGY_DIR)
            if s.graph == ONTOLOGY_GRAPH and s.path.resolve() not in resolved]
    return tbox + given


def run(args: argparse.Namespace) -> int:
    quiet_rdflib_literal_warnings()
    try:
        sources = sources_for(args.files, with_ontology=not args.no_ontology)
        report = validate_sources(sources, shapes=args.shapes or [BUNDLED_SHAPES_DIR], engine=args.engine)
    except SyntaxError as error:
        print(f"error: {format_syntax_error(error)}", file=sys.stderr)
        return 2
    except (OSError, ValueError, NotImplementedError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with _open_output(args.output) as out:
        write(report, args.format, out)
    return 1 if report.failed(fail_on=args.fail_on) else 0


def quiet_rdflib_literal_warnings() -> None:
    """rdflib logs a traceback for each ill-typed literal; the report already names them."""
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)


def format_syntax_error(error: SyntaxError) -> str:
    """``file:line:column: message`` (the form editors and CI annotate)."""
    if error.filename and error.lineno:
        return f"{error.filename}:{error.lineno}:{error.offset or 0}: syntax error: {error.msg}"
    return f"syntax error: {error.msg or error}"


@contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8") as handle:
        yield handle
