"""Build the served store from its sources: parse once, reuse a persistent store when unchanged,
and materialise the entailments into the inferred graph.

>>> store, status = build_store([], store_dir=None)
>>> store.graph_sizes(), status["reloaded"], status["inference"]["inferred_triples"]
({}, True, 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from atmp_graph.reasoning import ENTAILMENT_NOTE, ENTAILMENT_PROFILE, ENTAILMENT_REGIME, materialise
from atmp_graph.store import GraphStore, Source, sources_fingerprint


def build_store(
    sources: Sequence[Source], *, store_dir: Path | None, infer: bool = True
) -> tuple[GraphStore, dict[str, Any]]:
    """The store holding ``sources`` (and their entailments), with a status for ``/health``.

    In memory without ``store_dir``. With it, an on-disk store is reused as it is when
    it was built from the same files with the same contents (entailments included),
    and rebuilt otherwise.
    """
    status: dict[str, Any] = {"reloaded": True}
    if store_dir is None:
        store = GraphStore.in_memory()
        store.load_sources(sources)
    else:
        store = GraphStore.on_disk(store_dir)
        fingerprint = sources_fingerprint(sources) + (":inferred" if infer else "")
        if store.fingerprint() == fingerprint:
            status["reloaded"] = False
            status["inference"] = _regime(reused=True) if infer else None
            return store, status
        store.clear()
        store.load_sources(sources)
    status["inference"] = materialise(store).as_dict() if infer else None
    if store_dir is not None:
        store.record_fingerprint(sources_fingerprint(sources) + (":inferred" if infer else ""))
    return store, status


def _regime(*, reused: bool) -> dict[str, Any]:
    return {
        "entailment_regime": ENTAILMENT_REGIME,
        "entailment_profile": ENTAILMENT_PROFILE,
        "note": ENTAILMENT_NOTE,
        "reused_from_store": reused,
    }
