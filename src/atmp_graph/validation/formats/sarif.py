"""The report as SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), for code-scanning displays.

Each distinct rule (shape and constraint component) is a ``reportingDescriptor``;
each result points at the file and line where the resource is written (a
``physicalLocation``) and names the resource as a ``logicalLocation``.

>>> import io, json
>>> from atmp_graph.validation.report import Report
>>> out = io.StringIO(); write(Report(results=(), engine="fast"), out)
>>> doc = json.loads(out.getvalue()); doc["version"], doc["runs"][0]["results"]
('2.1.0', [])
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from atmp_graph import __version__
from atmp_graph.validation.report import SH, Report, ValidationResult

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "note"}


def write(report: Report, out: TextIO) -> None:
    rules: dict[str, dict[str, Any]] = {}
    indices: dict[str, int] = {}
    results = []
    for result in report.results:
        rule_id = result.rule or f"{result.shape} {result.component_name}"
        if rule_id not in rules:
            rules[rule_id] = {
                "id": rule_id,
                "shortDescription": {"text": result.message or rule_id},
                "defaultConfiguration": {"level": _LEVELS.get(result.severity, "error")},
                "properties": {"sourceShape": str(result.shape), "constraintComponent": str(result.component)},
            }
            indices[rule_id] = len(indices)
        results.append(_result(result, rule_id, indices[rule_id]))
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "atmp-graph",
                "version": __version__,
                "informationUri": "https://w3id.org/atmp",
                "rules": list(rules.values()),
            }},
            "results": results,
            "properties": {"engine": report.engine, "conforms": report.conforms},
        }],
    }
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _result(result: ValidationResult, rule_id: str, index: int) -> dict[str, Any]:
    text = result.message
    if result.expected:
        text += f" Expected {result.expected}."
    if result.hint:
        text += f" Fix: {result.hint}."
    location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": str(result.focus), "kind": "resource"}]}
    if result.location is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": result.location.file}}
        if result.location.line:
            physical["region"] = {"startLine": result.location.line}
        location["physicalLocation"] = physical
    return {
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": _LEVELS.get(result.severity, "error"),
        "message": {"text": text.strip() or rule_id},
        "locations": [location],
    }
