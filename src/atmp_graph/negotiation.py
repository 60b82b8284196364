"""HTTP content negotiation (RFC 9110 section 12.5.1) over the formats we write.

>>> choose("text/csv;q=0.5, application/sparql-results+xml", SOLUTION_TYPES)
'application/sparql-results+xml'
>>> choose("text/*", GRAPH_TYPES)
'text/turtle'
>>> choose("image/png", GRAPH_TYPES) is None
True
>>> media_type_for_format("csv", "solutions")
'text/csv'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ResultKind = Literal["solutions", "boolean", "graph"]

# What we offer, default first.
SOLUTION_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_TYPES = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
)
OFFERS: dict[ResultKind, tuple[str, ...]] = {
    "solutions": SOLUTION_TYPES,
    "boolean": BOOLEAN_TYPES,
    "graph": GRAPH_TYPES,
}

# Names accepted in the `format` parameter (for browsers and curl users).
_FORMAT_NAMES: dict[str, dict[ResultKind, str]] = {
    "json": {"solutions": SOLUTION_TYPES[0], "boolean": BOOLEAN_TYPES[0], "graph": "application/ld+json"},
    "xml": {"solutions": SOLUTION_TYPES[1], "boolean": BOOLEAN_TYPES[1], "graph": "application/rdf+xml"},
    "csv": {"solutions": "text/csv"},
    "tsv": {"solutions": "text/tab-separated-values"},
    "turtle": {"graph": "text/turtle"},
    "ttl": {"graph": "text/turtle"},
    "ntriples": {"graph": "application/n-triples"},
    "nt": {"graph": "application/n-triples"},
    "rdfxml": {"graph": "application/rdf+xml"},
    "jsonld": {"graph": "application/ld+json"},
    "nquads": {"graph": "application/n-quads"},
    "trig": {"graph": "application/trig"},
}
FORMAT_NAMES = tuple(_FORMAT_NAMES)


class NotAcceptable(ValueError):
    """Nothing we can write satisfies the client's Accept header or format."""

    def __init__(self, message: str, offered: tuple[str, ...]) -> None:
        super().__init__(message)
        self.offered = offered


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float
    specificity: int


def _parse_accept(accept: str) -> list[_Range]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if media == "*":  # some clients send a bare star
            media = "*/*"
        if "/" not in media:
            continue
        main, sub = media.split("/", 1)
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        specificity = 0 if main == "*" else (1 if sub == "*" else 2)
        ranges.append(_Range(main, sub, q, specificity))
    return ranges


def _quality(media_type: str, ranges: list[_Range]) -> float:
    main, sub = media_type.split("/", 1)
    best: _Range | None = None
    for r in ranges:
        if (r.type in ("*", main)) and (r.subtype in ("*", sub)):
            if best is None or r.specificity > best.specificity:
                best = r
    return best.q if best else 0.0


def choose(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """The offer with the highest quality for ``accept`` (ties go to our preference order)."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    if not ranges:
        return offers[0]
    scored = [(_quality(offer, ranges), -index, offer) for index, offer in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None


def media_type_for_format(name: str, kind: ResultKind) -> str:
    """Resolve a ``format`` parameter (a short name or a media type) for a result kind."""
    lowered = name.strip().lower()
    if lowered in OFFERS[kind]:
        return lowered
    try:
        return _FORMAT_NAMES[lowered][kind]
    except KeyError:
        raise NotAcceptable(
            f"format {name!r} is not available for this query's result; choose one of "
            + ", ".join(OFFERS[kind]),
            OFFERS[kind],
        ) from None


def negotiate(kind: ResultKind, *, accept: str | None, format: str | None = None) -> str:
    """The media type to write a result of ``kind`` in; ``NotAcceptable`` if none fits."""
    if format:
        return media_type_for_format(format, kind)
    chosen = choose(accept, OFFERS[kind])
    if chosen is None:
        raise NotAcceptable(
            f"none of the accepted media types ({accept}) can be produced for this result; "
            "offered: " + ", ".join(OFFERS[kind]),
            OFFERS[kind],
        )
    return chosen
