"""Report writers: ``text`` for curators, ``json`` for programs, ``junit`` and ``sarif`` for CI.

>>> from atmp_graph.validation.report import Report
>>> import io
>>> out = io.StringIO()
>>> write(Report(results=(), engine="fast"), "json", out)
>>> out.getvalue().split()[:3]
['{', '"conforms":', 'true,']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from atmp_graph.validation.formats import json_report, junit, sarif, text
from atmp_graph.validation.report import Report

FORMATS: dict[str, Callable[[Report, TextIO], None]] = {
    "text": text.write,
    "json": json_report.write,
    "junit": junit.write,
    "sarif": sarif.write,
}


def write(report: Report, fmt: str, out: TextIO) -> None:
    """Write ``report`` to ``out`` in format ``fmt`` (a key of :data:`FORMATS`)."""
    try:
        writer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    writer(report, out)
