"""Reasoning: OWL 2 RL materialisation in the store, and HermiT consistency checks.

``materialise(store)`` fills the inferred graph (:data:`atmp_graph.namespaces.INFERRED_GRAPH`)
with what the asserted graphs entail under the OWL 2 RL rules we support;
:mod:`atmp_graph.reasoning.hermit` checks consistency and satisfiability with HermiT.
"""

from atmp_graph.reasoning.materialise import (
    ENTAILMENT_NOTE,
    ENTAILMENT_PROFILE,
    ENTAILMENT_REGIME,
    MaterialisationReport,
    materialise,
)

__all__ = ["ENTAILMENT_NOTE", "ENTAILMENT_PROFILE", "ENTAILMENT_REGIME", "MaterialisationReport", "materialise"]
