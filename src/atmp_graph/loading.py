"""Build the served store from its sources: parse once, reuse a persistent store when unchanged,
replay committed writes, and materialise the entailments into the inferred graph.

>>> store, status = build_store([], store_dir=None)
>>> store.graph_sizes(), status["reloaded"], status["inference"]["inferred_triples"]
({}, True, 0)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from atmp_graph.reasoning import ENTAILMENT_NOTE, ENTAILMENT_PROFILE, ENTAILMENT_REGIME, materialise
from atmp_graph.store import GraphStore, Source, sources_fingerprint
from atmp_graph.writes.journal import Journal

JOURNAL_FILE = "journal.jsonl"


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
        store = GraphStore.in_memory()
        store.load_sources(sources)
        status["inference"] = materialise(store).as_dict() if infer else None
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
