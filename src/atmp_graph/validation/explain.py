"""Curator-facing words for a result: what was expected and how to fix it.

>>> from rdflib import Literal, URIRef
>>> from atmp_graph.validation.shapes import Constraint
>>> expected(Constraint("minCount", (Literal(1),)), "<https://w3id.org/atmp/ontology/sponsor>")
'at least 1 value for atmp:sponsor'
>>> short(URIRef("https://w3id.org/atmp/kb/Kymriah"))
'kb:Kymriah'
"""

from __future__ import annotations

import re

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from atmp_graph.namespaces import PREFIXES
from atmp_graph.validation.shapes import Constraint

_NODE_KIND_WORDS = {
    "IRI": "an IRI",
    "BlankNode": "a blank node",
    "Literal": "a literal",
    "BlankNodeOrIRI": "an IRI or blank node",
    "BlankNodeOrLiteral": "a blank node or literal",
    "IRIOrLiteral": "an IRI or literal",
}


def short(term: Node | str | None) -> str:
    """A term in the project's prefixed form where a prefix applies (``kb:X``, ``"text"@en``)."""
    if term is None:
        return ""
    if isinstance(term, Literal):
        text = f'"{term}"'
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^{short(term.datatype)}" if term.datatype else text
    if isinstance(term, BNode):
        return "[]"
    value = str(term)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if value.startswith(namespace) and re.fullmatch(r"[\w.-]*", value[len(namespace):]):
            return f"{prefix}:{value[len(namespace):]}"
    return f"<{value}>"


def short_path(path: str | None) -> str:
    """A SPARQL path with its IRIs shortened."""
    if not path:
        return ""
    return re.sub(r"<([^>]*)>", lambda m: short(URIRef(m.group(1))), path)


def expected(constraint: Constraint, path: str | None) -> str:
    """What the constraint asks for, in words."""
    name, where = constraint.name, f" for {short_path(path)}" if path else ""
    value = constraint.values[0] if constraint.values else None
    if name == "minCount":
        return f"at least {value} value{'s' if str(value) != '1' else ''}{where}"
    if name == "maxCount":
        return f"at most {value} value{'s' if str(value) != '1' else ''}{where}"
    if name == "class":
        return f"a resource of class {short(value)} (or a subclass)"
    if name == "datatype":
        return f"a literal of datatype {short(value)} with a valid lexical form"
    if name == "nodeKind":
        return _NODE_KIND_WORDS.get(str(value).rsplit("#", 1)[-1], short(value))
    if name == "pattern":
        return f"text matching the pattern {value}"
    if name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
        words = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}[name]
        return f"a value {words} {value}"
    if name in ("minLength", "maxLength"):
        return f"text of {'at least' if name == 'minLength' else 'at most'} {value} characters"
    if name == "in":
        return "one of " + ", ".join(short(v) for v in constraint.values)
    if name == "hasValue":
        return f"the value {short(value)}{where}"
    if name == "languageIn":
        return "a language tag among " + ", ".join(str(v) for v in constraint.values)
    if name == "uniqueLang":
        return "at most one value per language"
    if name in ("lessThan", "lessThanOrEquals"):
        words = "less than" if name == "lessThan" else "at most"
        return f"a value {words} the value of {short(value)}"
    return ""


def hint(constraint: Constraint, path: str | None, focus: Node) -> str:
    """A generic fix suggestion when a shape gives no ``atmpsh:fixHint``."""
    name, p, subject = constraint.name, short_path(path) or "the value", short(focus)
    if name in ("minCount", "hasValue"):
        return f"add a {p} statement to {subject}"
    if name == "maxCount":
        return f"keep only the allowed number of {p} values on {subject}"
    if name == "class":
        return f"point {p} to a resource typed with the expected class, or add that rdf:type to the resource"
    if name == "datatype":
        return f"write {p} as a typed literal, e.g. \"2024-01-31\"^^xsd:date"
    if name == "sparql":
        return "see the message; the rule spans several resources"
    return f"correct {p} on {subject}"
