"""Reasoning: OWL 2 RL materialisation in the store, and HermiT consistency checks.

``materialise(store)`` fills the inferred graph (:data:`atmp_graph.namespaces.INFERRED_GRAPH`)
with what the asserted graphs entail under the OWL 2 RL rules we support (see
``docs/reasoning.md``). ``check_consistency(paths)`` runs HermiT
(:mod:`atmp_graph.reasoning.hermit`); it is imported on first use, so that importing
this package does not load owlready2.
"""

from __future__ import annotations

import importlib
from typing import Any

from atmp_graph.reasoning.materialise import (
    ENTAILMENT_NOTE,
    ENTAILMENT_PROFILE,
    ENTAILMENT_REGIME,
    MaterialisationReport,
    materialise,
)

__all__ = [
    "ENTAILMENT_NOTE",
    "ENTAILMENT_PROFILE",
    "ENTAILMENT_REGIME",
    "MaterialisationReport",
    "check_consistency",
    "materialise",
]


def __getattr__(name: str) -> Any:
    """``check_consistency`` and ``ConsistencyReport`` come from the HermiT adapter, loaded lazily."""
    if name in ("check_consistency", "ConsistencyReport"):
        return getattr(importlib.import_module("atmp_graph.reasoning.hermit"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
