"""The curator's report: results grouped by file and resource, with line, rule, expected value and fix.

>>> import io
>>> from atmp_graph.validation.report import Report
>>> out = io.StringIO(); write(Report(results=(), engine="fast"), out); out.getvalue()
'Conforms: no problems found (engine: fast).\\n'
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO

from atmp_graph.validation.explain import short, short_path
from atmp_graph.validation.report import SH, Report, ValidationResult


def write(report: Report, out: TextIO) -> None:
    for note in report.notes:
        out.write(f"note: {note}\n")
    if report.conforms:
        out.write(f"Conforms: no problems found (engine: {report.engine}).\n")
        return
    by_file = groupby(report.results, key=lambda r: r.location.file if r.location else "(resource not found in a file)")
    for file, results in by_file:
        out.write(f"{file}\n")
        for _, group in groupby(results, key=lambda r: r.focus):
            items = list(group)
            first = items[0]
            label = f' "{first.label}"' if first.label else ""
            out.write(f"  {short(first.focus)}{label}\n")
            for result in items:
                _write_result(result, out)
        out.write("\n")
    violations, warnings, infos = (report.count(s) for s in (SH.Violation, SH.Warning, SH.Info))
    files = len({r.location.file for r in report.results if r.location})
    out.write(f"{violations} violation(s), {warnings} warning(s), {infos} info(s) in {files} file(s) "
              f"(engine: {report.engine}).\n")


def _write_result(result: ValidationResult, out: TextIO) -> None:
    where = str(result.location) if result.location else "?"
    path = f" {short_path(result.path)}" if result.path else ""
    out.write(f"    {where}: {result.severity_name}:{path} {result.message}\n")
    found = f"found {short(result.value)}" if result.value is not None else ""
    if result.expected:
        out.write(f"      expected {result.expected}" + (f"; {found}" if found else "") + "\n")
    elif found:
        out.write(f"      {found}\n")
    if result.hint:
        out.write(f"      fix: {result.hint}\n")
    out.write(f"      rule: {result.rule or short(result.shape) + ' ' + result.component_name}\n")
