"""The report as JUnit XML, the format CI systems display as test results.

One ``<testsuite>`` per file; one ``<testcase>`` per result. Violations are
``<failure>``s; warnings and infos are passing test cases that carry their text in
``<system-out>`` (they do not fail a build unless ``--fail-on warning``, and the exit
code carries that decision). A conforming report has one passing test case.

>>> import io
>>> from atmp_graph.validation.report import Report
>>> out = io.StringIO(); write(Report(results=(), engine="fast"), out)
>>> '<testcase name="SHACL validation"' in out.getvalue()
True
"""

from __future__ import annotations

from itertools import groupby
from typing import TextIO
from xml.etree import ElementTree as ET

from atmp_graph.validation.explain import short
from atmp_graph.validation.report import SH, Report, ValidationResult


def write(report: Report, out: TextIO) -> None:
    root = ET.Element("testsuites", name="atmp-graph validate")
    results = sorted(report.results, key=_file)
    if not results:
        suite = ET.SubElement(root, "testsuite", name="atmp-graph SHACL", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="SHACL validation", classname="atmp-graph")
    for file, group in groupby(results, key=_file):
        items = list(group)
        failures = sum(1 for r in items if r.severity == SH.Violation)
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(items)), failures=str(failures), errors="0")
        for result in items:
            _case(suite, result, file)
    root.set("tests", str(max(1, len(results))))
    root.set("failures", str(report.count(SH.Violation)))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def _file(result: ValidationResult) -> str:
    return result.location.file if result.location else "(unlocated)"


def _case(suite: ET.Element, result: ValidationResult, file: str) -> None:
    line = result.location.line if result.location and result.location.line else None
    name = f"{short(result.focus)}: {result.rule or result.component_name}"
    attributes = {"name": name, "classname": file.replace("/", ".")}
    if line is not None:
        attributes.update(file=file, line=str(line))
    case = ET.SubElement(suite, "testcase", attributes)
    details = "\n".join(part for part in (
        f"{file}:{line}" if line else file,
        result.message,
        f"expected {result.expected}" if result.expected else "",
        f"found {short(result.value)}" if result.value is not None else "",
        f"fix: {result.hint}" if result.hint else "",
    ) if part)
    if result.severity == SH.Violation:
        failure = ET.SubElement(case, "failure", message=result.message, type=result.component_name)
        failure.text = details
    else:
        ET.SubElement(case, "system-out").text = f"{result.severity_name}: {details}"
