"""Fetching a document for ``LOAD``: only http(s) targets on the allow-list, bounded in size and time.

>>> fetch_document("file:///etc/passwd", allow=("file:///",), max_bytes=1000)
Traceback (most recent call last):
...
atmp_graph.writes.errors.WriteRefused: LOAD <file:///etc/passwd> is refused: only http(s) documents on the allow-list can be loaded
"""

from __future__ import annotations

from collections.abc import Sequence

from pathlib import PurePosixPath

import httpx

from atmp_graph.store import media_type_for_path
from atmp_graph.writes.errors import WriteRefused

TIMEOUT_SECONDS = 30


def fetch_document(iri: str, *, allow: Sequence[str], max_bytes: int) -> tuple[bytes, str]:
    """The bytes and media type of ``iri``; ``WriteRefused`` unless it is allowed and readable."""
    allowed = any(iri == a or (a.endswith("/") and iri.startswith(a)) for a in allow)
    if not iri.startswith(("http://", "https://")) or not allowed:
        raise WriteRefused(400, f"LOAD <{iri}> is refused: only http(s) documents on the allow-list can be loaded")
    try:
        with httpx.stream("GET", iri, timeout=TIMEOUT_SECONDS, follow_redirects=False,
                          headers={"Accept": "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8, "
                                             "application/ld+json;q=0.7"}) as response:
            if response.status_code != 200:
                raise WriteRefused(400, f"LOAD <{iri}>: the server answered {response.status_code}")
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    raise WriteRefused(413, f"LOAD <{iri}>: the document is larger than {max_bytes} bytes")
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
    except httpx.HTTPError as error:
        raise WriteRefused(400, f"LOAD <{iri}> failed: {error}") from None
    if not media_type or media_type in ("text/plain", "application/octet-stream"):
        try:
            media_type = media_type_for_path(PurePosixPath(iri.split("?")[0]))
        except ValueError:
            raise WriteRefused(415, f"LOAD <{iri}>: cannot tell the RDF format of the document") from None
    return bytes(data), media_type
