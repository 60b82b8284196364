"""Request parameters shared by the protocol routes."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from atmp_graph.api.errors import ApiError

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


def absolute_iri(name: str, value: str) -> str:
    """``value`` if it is an absolute IRI; otherwise a 400 naming the parameter."""
    if not _ABSOLUTE_IRI.match(value):
        raise ApiError(400, f"{name} {value!r} is not an absolute IRI")
    return value


def parse_form(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise ApiError(400, "the form body is not valid UTF-8") from None
