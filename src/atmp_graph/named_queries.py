"""Named queries (``queries/*.rq``): the header comment, typed parameters and their binding.

Each file opens with ``#`` lines (``title:``, ``summary:``, ``param:``, ``use:``,
``inference:``) before the SPARQL text. A parameter line reads
``# param: NAME (TYPE[, default=VALUE][, values=A|B]): description`` with TYPE one of
iri, literal, integer, date, boolean. Values are parsed into rdflib terms to be bound
with substitutions, never pasted into the query text.

>>> q = parse_named_query("by-target", '''# title: Products by target
... # summary: Products whose CAR binds the target.
... # param: target (iri, default=kb:CD19): the antigen
... # param: phase (literal, values=I|II): the phase
... SELECT * WHERE { ?p ?x ?target }''')
>>> q.title, [p.name for p in q.params], q.params[0].required
('Products by target', ['target', 'phase'], False)
>>> q.bind({"phase": "II"})["target"]
rdflib.term.URIRef('https://w3id.org/atmp/kb/CD19')
>>> q.bind({"phase": "IV"})
Traceback (most recent call last):
...
ValueError: parameter 'phase' must be one of I, II; not 'IV'
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from atmp_graph.namespaces import PREFIXES

log = logging.getLogger(__name__)

TYPES = ("iri", "literal", "integer", "date", "boolean")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<spec>[^)]*)\)\s*:?\s*(?P<description>.*)$")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_FORM = re.compile(r"^\s*(?:PREFIX\s+\S*\s*<[^>]*>\s*|BASE\s*<[^>]*>\s*|#[^\n]*\n\s*)*(?P<form>SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
                   re.IGNORECASE)


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str = ""
    default: str | None = None
    values: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is None

    def parse(self, text: str) -> Node:
        """The term for ``text``; ``ValueError`` saying what is expected."""
        if self.type == "iri":
            term: Node = URIRef(expand_iri(text, name=self.name))
            if self.values and str(term) not in {expand_iri(v, name=self.name) for v in self.values}:
                raise ValueError(f"parameter {self.name!r} must be one of {', '.join(self.values)}; not {text!r}")
            return term
        if self.values and text not in self.values:
            raise ValueError(f"parameter {self.name!r} must be one of {', '.join(self.values)}; not {text!r}")
        if self.type == "literal":
            if len(text) > 2000:
                raise ValueError(f"parameter {self.name!r} is longer than 2000 characters")
            return Literal(text)
        if self.type == "integer":
            if not re.fullmatch(r"[+-]?\d{1,18}", text.strip()):
                raise ValueError(f"parameter {self.name!r} must be an integer; not {text!r}")
            return Literal(int(text), datatype=XSD.integer)
        if self.type == "date":
            try:
                return Literal(datetime.date.fromisoformat(text.strip()), datatype=XSD.date)
            except ValueError:
                raise ValueError(f"parameter {self.name!r} must be a date as YYYY-MM-DD; not {text!r}") from None
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes"):
            return Literal(True)
        if lowered in ("false", "0", "no"):
            return Literal(False)
        raise ValueError(f"parameter {self.name!r} must be true or false; not {text!r}")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sparql: str
    title: str = ""
    summary: str = ""
    params: tuple[Param, ...] = ()
    uses: tuple[str, ...] = ()
    inference: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        match = _FORM.search(self.sparql)
        return match.group("form").upper() if match else "SELECT"

    def bind(self, given: Mapping[str, str]) -> dict[str, Node]:
        """Substitutions for the given parameter texts plus defaults; ``ValueError`` if one is wrong."""
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            raise ValueError(f"unknown parameter {unknown[0]!r}; this query takes "
                             + (", ".join(sorted(known)) if known else "no parameters"))
        bound: dict[str, Node] = {}
        for param in self.params:
            text = given.get(param.name, param.default)
            if text is None:
                raise ValueError(f"parameter {param.name!r} is required ({param.type}: {param.description})")
            bound[param.name] = param.parse(text)
        return bound


def expand_iri(text: str, *, name: str = "iri") -> str:
    """An absolute IRI from ``text`` (a CURIE with one of our prefixes is expanded).

    >>> expand_iri("atmp:CarTCellProduct")
    'https://w3id.org/atmp/ontology/CarTCellProduct'
    """
    text = text.strip()
    prefix, colon, local = text.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if not _ABSOLUTE_IRI.match(text):
        raise ValueError(f"parameter {name!r} must be an absolute IRI or a CURIE such as kb:CD19; not {text!r}")
    return text


def _parse_param(text: str, where: str) -> Param:
    match = _PARAM.match(text)
    if not match:
        raise ValueError(f"{where}: a param line reads 'NAME (TYPE[, default=V][, values=A|B]): description'")
    parts = [p.strip() for p in match.group("spec").split(",")]
    kind, default = parts[0].lower(), None
    values: tuple[str, ...] = ()
    if kind not in TYPES:
        raise ValueError(f"{where}: parameter type {kind!r} is not one of {', '.join(TYPES)}")
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip() == "default":
            default = value.strip()
        elif key.strip() == "values":
            values = tuple(v.strip() for v in value.split("|") if v.strip())
        else:
            raise ValueError(f"{where}: unknown parameter option {key.strip()!r} (use default= or values=)")
    param = Param(match.group("name"), kind, match.group("description").strip(), default, values)
    if default is not None:
        try:
            param.parse(default)
        except ValueError as error:
            raise ValueError(f"{where}: the default does not fit: {error}") from None
    return param


def parse_named_query(name: str, text: str, *, path: Path | None = None) -> NamedQuery:
    """Read the header of a named query; ``ValueError`` naming the line if it is malformed."""
    fields: dict[str, str] = {}
    params: list[Param] = []
    uses: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        key, colon, value = stripped.lstrip("#").strip().partition(":")
        key = key.strip().lower()
        if not colon or " " in key:
            continue
        where = f"{path or name}:{number}"
        if key == "param":
            param = _parse_param(value.strip(), where)
            if any(p.name == param.name for p in params):
                raise ValueError(f"{where}: parameter {param.name!r} is declared twice")
            params.append(param)
        elif key == "use":
            uses.append(value.strip())
        elif key in ("title", "summary", "inference"):
            fields[key] = value.strip()
    return NamedQuery(name, text, fields.get("title", name), fields.get("summary", ""), tuple(params),
                      tuple(uses), fields.get("inference", ""), path)


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` file directly in ``directory`` by name; malformed ones are logged and left out."""
    found: dict[str, NamedQuery] = {}
    for path in sorted(directory.glob("*.rq")):
        try:
            found[path.stem] = parse_named_query(path.stem, path.read_text(encoding="utf-8"), path=path)
        except (ValueError, OSError, UnicodeDecodeError) as error:
            log.error("named query %s left out: %s", path.name, error)
    return found
