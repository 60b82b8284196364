"""``atmp-graph backup`` and ``atmp-graph restore``: snapshots of a persistent store.

A backup is a RocksDB checkpoint of the store plus the committed part of its write
journal. It can be taken while the server runs: the server holds the store closed
after start-up (it serves an in-memory copy), and the journal only ever grows by whole
fsynced lines.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from atmp_graph.loading import JOURNAL_FILE
from atmp_graph.store import FINGERPRINT_FILE, GraphStore

STORE_PART = "store"


def add_parser(subparsers: Any) -> None:
    backup = subparsers.add_parser(
        "backup", help="write a consistent snapshot of a persistent store (safe while serving)",
        description="Copy the persistent store DIR (given to serve --store) and its committed writes into BACKUP, "
                    "a new directory.")
    backup.add_argument("backup", type=Path, metavar="BACKUP", help="the new directory to write")
    backup.add_argument("--store", type=Path, required=True, metavar="DIR", help="the store directory")
    backup.set_defaults(func=run_backup)
    restore = subparsers.add_parser(
        "restore", help="replace a persistent store by a backup (with the server stopped)",
        description="Replace the store DIR by the backup BACKUP. Stop the server first.")
    restore.add_argument("backup", type=Path, metavar="BACKUP")
    restore.add_argument("--store", type=Path, required=True, metavar="DIR")
    restore.set_defaults(func=run_restore)


def run_backup(args: argparse.Namespace) -> int:
    store_dir: Path = args.store
    target: Path = args.backup
    if not (store_dir / "CURRENT").exists():
        print(f"atmp-graph backup: {store_dir} is not a store directory", file=sys.stderr)
        return 2
    if target.exists():
        print(f"atmp-graph backup: {target} exists; name a new directory", file=sys.stderr)
        return 2
    target.mkdir(parents=True)
    journal = store_dir / JOURNAL_FILE
    committed = journal.read_bytes() if journal.exists() else b""
    committed = committed[: committed.rfind(b"\n") + 1]  # a line being written is not committed yet
    try:
        GraphStore.read_only(store_dir).backup(target / STORE_PART)
    except OSError as error:
        print(f"atmp-graph backup: {error}", file=sys.stderr)
        return 2
    if (store_dir / FINGERPRINT_FILE).exists():
        shutil.copy2(store_dir / FINGERPRINT_FILE, target / STORE_PART / FINGERPRINT_FILE)
    (target / STORE_PART / JOURNAL_FILE).write_bytes(committed)
    changes = committed.count(b"\n")
    print(f"backed up {store_dir} to {target} ({changes} journaled changes)")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    source: Path = args.backup / STORE_PART
    if not (source / "CURRENT").exists():
        print(f"atmp-graph restore: {args.backup} is not a backup made by atmp-graph backup", file=sys.stderr)
        return 2
    if args.store.exists():
        shutil.rmtree(args.store)
    shutil.copytree(source, args.store)
    print(f"restored {args.store} from {args.backup}")
    return 0
