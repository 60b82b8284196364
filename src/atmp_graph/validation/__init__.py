"""SHACL validation: a fast path on pyoxigraph, pySHACL as the reference, and report writers.

Modules: :mod:`.shapes` (reading shapes), :mod:`.fast` (shapes as SPARQL),
:mod:`.engine_pyshacl` (the reference engine), :mod:`.report` (the result model),
:mod:`.explain` (curator wording), :mod:`.sourcemap` (file and line of a resource),
:mod:`.run` (end to end) and :mod:`.formats` (text, JSON, JUnit, SARIF).
"""

from atmp_graph.validation.report import Location, Report, ValidationResult
from atmp_graph.validation.run import load_store, validate_sources

__all__ = ["Location", "Report", "ValidationResult", "load_store", "validate_sources"]
