"""The report as JSON: one object per result with the SHACL fields and the curator annotations.

>>> import io, json
>>> from atmp_graph.validation.report import Report
>>> out = io.StringIO(); write(Report(results=(), engine="fast"), out)
>>> json.loads(out.getvalue())["summary"]
{'violations': 0, 'warnings': 0, 'infos': 0}
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from atmp_graph.validation.report import SH, Report, ValidationResult


def as_dict(report: Report) -> dict[str, Any]:
    """The JSON-ready form (also the HTTP answer of ``POST /validate``)."""
    return {
        "conforms": report.conforms,
        "engine": report.engine,
        "summary": {
            "violations": report.count(SH.Violation),
            "warnings": report.count(SH.Warning),
            "infos": report.count(SH.Info),
        },
        "notes": list(report.notes),
        "results": [_result(r) for r in report.results],
    }


def write(report: Report, out: TextIO) -> None:
    json.dump(as_dict(report), out, indent=2, ensure_ascii=False)
    out.write("\n")


def _result(result: ValidationResult) -> dict[str, Any]:
    value = result.value
    return {
        "focusNode": str(result.focus),
        "label": result.label,
        "path": result.path,
        "severity": result.severity_name,
        "constraintComponent": str(result.component),
        "sourceShape": str(result.shape),
        "rule": result.rule,
        "value": None if value is None else str(value),
        "valueN3": None if value is None else value.n3(),  # type: ignore[no-untyped-call]
        "message": result.message,
        "expected": result.expected,
        "hint": result.hint,
        "file": result.location.file if result.location else None,
        "line": result.location.line if result.location else None,
    }
