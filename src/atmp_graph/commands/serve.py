"""``atmp-graph serve``: run the SPARQL service."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from atmp_graph.engine.pool import StoreLoadError
from atmp_graph.settings import Settings


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the ontology and KB over HTTP (SPARQL 1.1 Protocol)",
        description="Serve the bundled ontology and knowledge base, plus any --data files, as a SPARQL 1.1 "
        "endpoint at /sparql. Options not given on the command line come from ATMP_GRAPH_* environment "
        "variables, then defaults.",
    )
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 8000; 0 picks a free one)")
    parser.add_argument("--store", type=Path, metavar="DIR", help="keep a persistent on-disk store in DIR; "
                        "a restart reuses it without re-parsing unless the sources changed")
    parser.add_argument("--data", type=Path, nargs="+", action="extend", metavar="FILE",
                        help="extra RDF files to serve, each in a named graph of its own")
    parser.add_argument("--no-bundled", action="store_true", help="do not load the bundled ontology and KB")
    parser.add_argument("--no-infer", action="store_true",
                        help="serve asserted triples only (no OWL 2 RL materialisation into the inferred graph)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="stop queries that run longer than this (default 30)")
    parser.add_argument("--workers", type=int, help="query worker processes (default 2 per CPU)")
    parser.add_argument("--result-cache-mb", type=float, metavar="MIB",
                        help="keep small answers (up to 64 KiB each) in up to MIB of memory until the next write, "
                        "so a repeated query is not evaluated again (embedded store only; default 0: off)")
    parser.add_argument("--backend", choices=["embedded", "sparql"],
                        help="where the data lives: the embedded store (default) or a remote SPARQL 1.1 store; "
                        "its credentials come from ATMP_GRAPH_REMOTE_USER / ATMP_GRAPH_REMOTE_PASSWORD")
    parser.add_argument("--endpoint", metavar="URL", help="the remote store's SPARQL query endpoint")
    parser.add_argument("--update-endpoint", metavar="URL", help="its SPARQL Update endpoint (default: --endpoint)")
    parser.add_argument("--store-endpoint", metavar="URL", help="its Graph Store Protocol endpoint, if any")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(func=run)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Environment and defaults, overridden by the options given."""
    overrides: dict[str, Any] = {}
    for option, field in [("host", "host"), ("port", "port"), ("store", "store_dir"),
                          ("timeout", "timeout"), ("workers", "workers"), ("result_cache_mb", "result_cache_mb"), ("data", "data_files"),
                          ("backend", "backend"), ("endpoint", "endpoint"), ("update_endpoint", "update_endpoint"),
                          ("store_endpoint", "store_endpoint")]:
        value = getattr(args, option, None)
        if value is not None:
            overrides[field] = value
    if getattr(args, "no_bundled", False):
        overrides["bundled"] = False
    if getattr(args, "no_infer", False):
        overrides["infer"] = False
    return Settings(**overrides)


def run(args: argparse.Namespace) -> int:
    from atmp_graph.backends import make_backend

    try:
        settings = settings_from_args(args)
    except ValidationError as error:
        print(f"atmp-graph serve: invalid settings:\n{error}", file=sys.stderr)
        return 2
    for path in settings.data_files:
        if not path.is_file():
            print(f"atmp-graph serve: data file not found: {path}", file=sys.stderr)
            return 2
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    pool = make_backend(settings)
    # Load before listening, so a bad file is reported plainly. The web application is
    # imported meanwhile in another thread (the store loads in another process; this
    # thread only waits, and it must be the one that starts that process, which dies
    # with the thread that started it).
    importer = threading.Thread(target=_import_app, name="import-app", daemon=True)
    importer.start()
    try:
        pool.load()
    except StoreLoadError as error:
        print(f"atmp-graph serve: could not load the data: {error}", file=sys.stderr)
        return 2
    importer.join()
    import uvicorn

    from atmp_graph.api.app import create_app

    uvicorn.run(create_app(settings, pool=pool), host=settings.host, port=settings.port,
                log_level=args.log_level, timeout_graceful_shutdown=5)
    return 0


def _import_app() -> None:
    import uvicorn  # noqa: F401

    import atmp_graph.api.app  # noqa: F401
