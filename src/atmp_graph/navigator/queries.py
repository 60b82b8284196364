"""The navigator's SPARQL queries (``queries/navigator/*.rq``) and how the profile goes into them.

Each query file runs on its own with an example ``VALUES`` block; the navigator replaces
the data of the block that has the given variables with the profile's terms. The terms
are written with rdflib's N-Triples serialisation (``Node.n3()``), which escapes literals,
so a value is always data and never query text:

>>> bind_values('SELECT * { VALUES (?a ?b) { (1 2) } }', ("a", "b"), [(Literal('x"y'), URIRef("http://e/z"))])
'SELECT * { VALUES (?a ?b) { ("x\\\\"y" <http://e/z>) } }'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from rdflib import Literal, URIRef

from atmp_graph.namespaces import BUNDLED_QUERIES_DIR

QUERIES_DIR = BUNDLED_QUERIES_DIR / "navigator"

__all__ = ["Literal", "QUERIES_DIR", "URIRef", "bind_values", "load"]


@cache
def load(name: str, directory: Path = QUERIES_DIR) -> str:
    """The text of ``queries/navigator/NAME.rq``."""
    return (directory / f"{name}.rq").read_text(encoding="utf-8")


def bind_values(query: str, variables: Sequence[str], rows: Sequence[Sequence[URIRef | Literal]]) -> str:
    """``query`` with the data of every ``VALUES`` block over exactly ``variables`` set to ``rows``.

    ``ValueError`` if the query has no such block (a query file edited out of shape).
    """
    head = r"VALUES\s*" + (r"\?" + variables[0] if len(variables) == 1 else
                           r"\(\s*" + r"\s+".join(r"\?" + v for v in variables) + r"\s*\)")
    pattern = re.compile(head + r"\s*\{[^{}]*\}")
    if len(variables) == 1:
        data = " ".join(row[0].n3() for row in rows)
    else:
        data = " ".join("(" + " ".join(term.n3() for term in row) + ")" for row in rows)
    block = ("VALUES ?" + variables[0] if len(variables) == 1 else
             "VALUES (" + " ".join("?" + v for v in variables) + ")") + " { " + data + " }"
    bound, count = pattern.subn(lambda _: block, query)
    if count == 0:
        raise ValueError(f"the navigator query has no VALUES block over {', '.join(variables)}")
    return bound
