"""Build the served store from its sources: parse once, reuse a persistent store when unchanged,
replay committed writes, and materialise the entailments into the inferred graph.

An in-memory store with inference is also cached: the loaded and materialised dataset is
dumped (N-Quads) into a cache directory under a key made of the sources (names, graphs,
contents) and the code that loads and reasons (see :func:`cache_key`), so that the next
start with the same sources loads the dump instead of parsing and materialising again.
A changed source file or rule gives another key. The directory is ``$ATMP_GRAPH_CACHE_DIR``
(empty: no cache), else ``$XDG_CACHE_HOME/atmp-graph``, else ``~/.cache/atmp-graph``.

>>> store, status = build_store([], store_dir=None)
>>> store.graph_sizes(), status["reloaded"], status["inference"]["inferred_triples"]
({}, True, 0)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import atmp_graph
from atmp_graph.reasoning import ENTAILMENT_NOTE, ENTAILMENT_PROFILE, ENTAILMENT_REGIME, materialise
from atmp_graph.store import GraphStore, Source, sources_fingerprint
from atmp_graph.writes.journal import Journal

log = logging.getLogger(__name__)

JOURNAL_FILE = "journal.jsonl"
CACHE_ENV = "ATMP_GRAPH_CACHE_DIR"
CACHE_ENTRIES_KEPT = 4
_CACHE_FORMAT = "1"
# The code whose behaviour the cached dataset depends on: a change to any of them is a new key.
_CACHE_CODE = ("loading.py", "store.py", "namespaces.py", "reasoning/rules.py", "reasoning/materialise.py")


def build_store(
    sources: Sequence[Source], *, store_dir: Path | None, infer: bool = True
) -> tuple[GraphStore, dict[str, Any]]:
    """The store holding ``sources``, the writes committed to it, and their entailments.

    In memory without ``store_dir``. With it, an on-disk store is reused as it is when
    it was built from the same files with the same contents, and rebuilt otherwise;
    either way the journal of committed writes (``DIR/journal.jsonl``) is replayed from
    where the store last saw it, so no acknowledged write is lost.
    """
    status: dict[str, Any] = {"reloaded": True, "replayed_changes": 0}
    if store_dir is None:
        store, status["inference"] = _build_in_memory(
            sources, infer=infer, cache_dir=default_cache_dir() if infer else None)
        return store, status
    store = GraphStore.on_disk(store_dir)
    fingerprint = sources_fingerprint(sources) + (":inferred" if infer else "")
    recorded = _read_state(store)
    offset = 0
    if recorded.get("fingerprint") == fingerprint:
        status["reloaded"] = False
        offset = int(recorded.get("journal_offset", 0))
    else:
        store.clear()
        store.load_sources(sources)
    for removed, added, offset in Journal(store_dir / JOURNAL_FILE).entries_with_offsets(start=offset):
        store.apply_delta(remove=removed, add=added)
        status["replayed_changes"] += 1
    if status["reloaded"] or status["replayed_changes"]:
        status["inference"] = materialise(store).as_dict() if infer else None
        store.record_fingerprint(json.dumps({"fingerprint": fingerprint, "journal_offset": offset}))
    else:
        status["inference"] = _regime() if infer else None
    return store, status


def default_cache_dir() -> Path | None:
    """Where materialised datasets are cached (None: no cache); see the module docstring."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "atmp-graph"


def cache_key(sources: Sequence[Source]) -> str:
    """A digest of the sources (names, graphs, contents) and of the loading and reasoning code."""
    import pyoxigraph

    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{pyoxigraph.__version__}\0".encode())
    digest.update(sources_fingerprint(sources).encode())
    package = Path(atmp_graph.__file__).parent
    for name in _CACHE_CODE:
        digest.update(hashlib.sha256((package / name).read_bytes()).digest())
    return digest.hexdigest()


def _build_in_memory(
    sources: Sequence[Source], *, infer: bool, cache_dir: Path | None
) -> tuple[GraphStore, dict[str, Any] | None]:
    """Parse and materialise, or load the cached result of doing so for the same sources and code."""
    store = GraphStore.in_memory()
    key = cache_key(sources) if cache_dir is not None and sources else None
    if key is not None and cache_dir is not None:
        cached = _cache_read(store, cache_dir, key)
        if cached is not None:
            return store, cached
    store.load_sources(sources)
    if not infer:
        return store, None
    inference = materialise(store).as_dict()
    if key is not None and cache_dir is not None:
        _cache_write(store, cache_dir, key, inference)
    return store, inference


def _cache_read(store: GraphStore, cache_dir: Path, key: str) -> dict[str, Any] | None:
    """Load the cached dataset of ``key`` into the empty ``store``; its inference report, or None."""
    meta, dump = cache_dir / f"{key}.json", cache_dir / f"{key}.nq"
    try:
        recorded = json.loads(meta.read_text())
        store.load_dataset(dump)
    except (OSError, ValueError, SyntaxError) as error:  # absent, unreadable or damaged: build afresh
        if meta.exists():
            log.warning("ignoring the dataset cache %s: %s", dump, error)
        store.clear()
        return None
    if store.graph_sizes() != recorded.get("graphs"):
        log.warning("ignoring the dataset cache %s: it does not hold what was recorded", dump)
        store.clear()
        return None
    with contextlib.suppress(OSError):
        os.utime(meta)  # most recently used: kept longest
    inference: dict[str, Any] = recorded["inference"]
    return {**inference, "reused_from_cache": True}


def _cache_write(store: GraphStore, cache_dir: Path, key: str, inference: dict[str, Any]) -> None:
    """Write the dataset of ``key`` atomically (dump, then its record), and keep only the newest entries."""
    meta, dump = cache_dir / f"{key}.json", cache_dir / f"{key}.nq"
    suffix = f".tmp{os.getpid()}"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with open(dump.with_name(dump.name + suffix), "wb") as output:
            store.dump_dataset(output)
        os.replace(dump.with_name(dump.name + suffix), dump)
        meta.with_name(meta.name + suffix).write_text(
            json.dumps({"graphs": store.graph_sizes(), "inference": inference}))
        os.replace(meta.with_name(meta.name + suffix), meta)
        entries = sorted(cache_dir.glob("*.json"), key=lambda path: path.stat().st_mtime, reverse=True)
        for old in entries[CACHE_ENTRIES_KEPT:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".nq").unlink(missing_ok=True)
    except OSError as error:  # a cache that cannot be written only costs time at the next start
        log.warning("could not cache the materialised dataset in %s: %s", cache_dir, error)
        for leftover in (dump.with_name(dump.name + suffix), meta.with_name(meta.name + suffix)):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _read_state(store: GraphStore) -> dict[str, Any]:
    recorded = store.fingerprint()
    if not recorded:
        return {}
    try:
        state: dict[str, Any] = json.loads(recorded)
        return state
    except json.JSONDecodeError:
        return {}


def _regime() -> dict[str, Any]:
    return {
        "entailment_regime": ENTAILMENT_REGIME,
        "entailment_profile": ENTAILMENT_PROFILE,
        "note": ENTAILMENT_NOTE,
        "reused_from_store": True,
    }
