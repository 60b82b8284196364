"""Refuse federated queries (``SERVICE``) and ``LOAD`` unless their target is allow-listed.

pyoxigraph would open the connection itself, so the check runs on the query text
before evaluation. A small tokenizer that follows the SPARQL 1.1 grammar's terminals
(IRIs, strings, comments, variables, prefixed names) finds the keywords, so that
``"SERVICE"`` in a string or ``ex:SERVICE`` as a name does not count.

>>> targets('SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }')
[('SERVICE', 'http://example.org/sparql')]
>>> targets('PREFIX ex: <http://ex.org/> SELECT * { SERVICE ex:q { ?s ?p "SERVICE" } }')
[('SERVICE', 'http://ex.org/q')]
>>> check('SELECT * { SERVICE ?endpoint { ?s ?p ?o } }', allow=())
Traceback (most recent call last):
...
atmp_graph.query_safety.FederationRefused: SERVICE with a variable endpoint (?endpoint) is not allowed: only endpoints on the service's allow-list can be queried
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urljoin

from atmp_graph.namespaces import PREFIXES
from atmp_graph.sparql_lexer import tokens as lex

class FederationRefused(PermissionError):
    """The query or update names a remote endpoint or document that is not allow-listed."""


def targets(text: str) -> list[tuple[str, str]]:
    """The (keyword, target) pairs of every SERVICE and LOAD; a variable target stays ``?name``.

    Raises ``FederationRefused`` for a target that cannot be resolved to an IRI.
    """
    tokens = [(token.kind, token.text) for token in lex(text)]
    prefixes = dict(PREFIXES)
    base: str | None = None
    found: list[tuple[str, str]] = []
    for i, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        keyword = value.upper()
        if keyword == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            name = tokens[i + 1][1]
            prefixes[name[:-1] if name.endswith(":") else name] = _resolve(tokens[i + 2][1][1:-1], base)
        elif keyword == "BASE" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            base = _resolve(tokens[i + 1][1][1:-1], base)
        elif keyword in ("SERVICE", "LOAD"):
            j = i + 1
            if j < len(tokens) and tokens[j][1].upper() == "SILENT":
                j += 1
            if j >= len(tokens):
                continue  # a syntax error the parser will report
            target_kind, target = tokens[j]
            if target_kind == "iri":
                found.append((keyword, _resolve(target[1:-1], base)))
            elif target_kind == "pname":
                prefix, _, local = target.partition(":")
                if prefix not in prefixes:
                    continue  # undefined prefix: the parser reports it
                found.append((keyword, prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)))
            elif target_kind == "var":
                found.append((keyword, target))
    return found


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def check(text: str, *, allow: Iterable[str]) -> None:
    """Raise ``FederationRefused`` unless every SERVICE/LOAD target starts with an allowed prefix."""
    allowed = tuple(allow)
    for keyword, target in targets(text):
        if target.startswith(("?", "$")):
            raise FederationRefused(
                f"{keyword} with a variable endpoint ({target}) is not allowed: "
                "only endpoints on the service's allow-list can be queried"
            )
        if not any(target == a or (a.endswith("/") and target.startswith(a)) for a in allowed):
            what = "federated query to" if keyword == "SERVICE" else "LOAD from"
            raise FederationRefused(
                f"{what} <{target}> is refused: it is not on this service's allow-list "
                "(settings: federation_allow_list)"
            )
