"""Build the served store from its sources: parse once, reuse a persistent store when unchanged.

>>> from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR
>>> store, reloaded = build_store([], store_dir=None)
>>> store.graph_sizes(), reloaded
({}, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from atmp_graph.store import GraphStore, Source, sources_fingerprint


def build_store(sources: Sequence[Source], *, store_dir: Path | None) -> tuple[GraphStore, bool]:
    """The store holding ``sources``; the flag says whether they were (re)parsed.

    In memory without ``store_dir``. With it, an on-disk store is reused as it is when
    it was built from the same files with the same contents, and rebuilt otherwise.
    """
    if store_dir is None:
        store = GraphStore.in_memory()
        store.load_sources(sources)
        return store, True
    store = GraphStore.on_disk(store_dir)
    if store.fingerprint() == sources_fingerprint(sources):
        return store, False
    store.replace_with_sources(sources)
    return store, True
