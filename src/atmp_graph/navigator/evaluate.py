"""Compute the navigator's answer by running the queries of ``queries/navigator/`` on a store.

``navigate(select, profile)`` takes any async function that runs a SELECT query and returns
rows of rdflib terms: the service passes its query pool's ``select`` (so the answer comes
from whatever data the running service holds), the CLI an in-process store.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from rdflib import Literal, URIRef
from rdflib.term import Node

from atmp_graph.navigator.answer import Answer, Category, Fact, Item, Reason, Term, Unknown
from atmp_graph.navigator.profile import Profile
from atmp_graph.navigator.queries import bind_values, load
from atmp_graph.namespaces import ATMP, BASE
from atmp_graph.store import GraphStore

Select = Callable[[str], Awaitable[list[dict[str, Node]]]]
PROFILE_BASE = BASE + "navigator/profile/"


def store_select(store: GraphStore) -> Select:
    """A :data:`Select` over an in-process store (for the CLI and tests)."""

    async def select(query: str) -> list[dict[str, Node]]:
        return list(store.select(query))

    return select


def profile_iri(profile: Profile) -> str:
    """A stable IRI for a profile: the same facts give the same IRI."""
    digest = hashlib.sha256(json.dumps(profile.facts(), separators=(",", ":")).encode()).hexdigest()[:16]
    return PROFILE_BASE + digest


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


async def navigate(select: Select, profile: Profile) -> Answer:
    """The requirements that apply to ``profile``, grouped, with reasons, sources and unknowns."""
    codes = profile.facts()
    resolved_rows = await select(bind_values(load("resolve-profile"), ("field", "code"),
                                             [(Literal(f), Literal(c)) for f, c in codes]))
    resolved: dict[str, tuple[URIRef, URIRef, str | None]] = {}  # field -> (profile property, value, label)
    for row in resolved_rows:
        field = str(row["field"])
        if "value" in row:
            resolved[field] = (URIRef(str(row["profileProperty"])), URIRef(str(row["value"])), _text(row.get("valueLabel")))
    facts = [(prop, value) for prop, value, _ in resolved.values()]
    placeholder = [(ATMP.profileFact, ATMP.profileFact)]  # matches nothing: keeps the VALUES block well-formed
    bound_facts = facts or placeholder

    applicable_rows, condition_rows, unspecific_rows, version_rows = await asyncio.gather(
        select(bind_values(bind_values(load("applicable"), ("profileProperty", "value"), bound_facts),
                           ("testedFact", "profileValue"), bound_facts)),
        select(load("conditions")),
        select(bind_values(load("unspecific-facts"), ("profileProperty", "value"), bound_facts)),
        select(load("kb-version")),
    )
    met: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # item -> condition -> matched
    kinds: dict[str, str] = {}
    for row in applicable_rows:
        item = str(row["item"])
        kinds[item] = str(row["type"])
        if "conditionProperty" in row:
            met[item][str(row["conditionProperty"])].add(str(row["allowed"]))
    details = await _describe(select, sorted(kinds))
    conditions = _conditions(condition_rows)

    by_field = {str(prop): (field, value, label) for field, (prop, value, label) in resolved.items()}
    code_of = dict(codes)
    reasons_of = {item: _reasons(item, met.get(item, {}), conditions, by_field, code_of) for item in kinds}

    categories: dict[str, Category] = {}
    unknown: list[Unknown] = []
    for item, kind in kinds.items():
        info = details.get(item, {})
        if kind == str(ATMP.KnowledgeGap):
            unknown.append(Unknown(kind="knowledge-gap", message=_first(info, "definition") or _first(info, "label") or item,
                                   iri=item, label=_first(info, "label"), reasons=reasons_of[item],
                                   sources=_terms(info, "source")))
            continue
        code = _first(info, "category_code") or "uncategorised"
        category = categories.get(code) or Category(code, _first_label(info, "category") or code,
                                                    int(_first(info, "category_position") or 99), [])
        categories[code] = category
        category.items.append(Item(
            iri=item, label=_first(info, "label") or item, category=code, category_label=category.label,
            category_iri=_first(info, "category"),
            definition=_first(info, "definition"), reasons=reasons_of[item], sources=_terms(info, "source"),
            concerns=_terms(info, "concerns"), confidence=_first(info, "confidence"), note=_first(info, "note"),
            modified=_first(info, "modified")))
    for category in categories.values():
        category.items.sort(key=lambda i: i.label.casefold())

    for field, code in codes:
        if field not in resolved:
            what = field.replace("_", " ")
            unknown.append(Unknown(
                kind="unknown-value", field=field, value=code,
                message=(f"The KB has no {what} called '{code}'. Requirements that depend on the {what} could "
                         f"not be matched, so any that are specific to '{code}' are missing from this answer.")))
    for row in unspecific_rows:
        field, value, label = by_field[str(row["profileProperty"])]
        code = code_of[field]
        if field == "country":
            message = (f"The KB holds no national data on {label or code} ({code}): only EU-wide requirements and "
                       f"those that apply everywhere are listed; its national authorities, ethics committees, GMO "
                       f"procedures and national rules for the chosen route are not covered.")
        else:
            message = (f"No requirement in the KB is specific to {field} = {code}: the items listed apply "
                       f"regardless of it, and anything specific to it is not covered.")
        unknown.append(Unknown(kind="no-specific-data", field=field, value=code, iri=str(value), label=label,
                               message=message))
    unknown.sort(key=lambda u: ({"unknown-value": 0, "no-specific-data": 1}.get(u.kind, 2), u.field or "", u.message))

    version = version_rows[0] if version_rows else {}
    kb = {
        "version": _text(version.get("version")),
        "version_iri": _text(version.get("versionIri")),
        "requirements_modified": _text(version.get("modified")),
        "requirements_and_gaps": int(str(version.get("requirements", 0))),
        "computed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return Answer(profile=dict(codes), profile_iri=profile_iri(profile),
                  categories=sorted(categories.values(), key=lambda c: (c.position, c.code)),
                  unknown=unknown, kb=kb,
                  facts={f: Fact(str(p), str(v), label) for f, (p, v, label) in resolved.items()})


async def _describe(select: Select, items: list[str]) -> dict[str, dict[str, list[tuple[str, str | None]]]]:
    if not items:
        return {}
    rows = await select(bind_values(load("describe-items"), ("item",), [(URIRef(i),) for i in items]))
    details: dict[str, dict[str, list[tuple[str, str | None]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        entry = (str(row["value"]), _text(row.get("valueLabel")))
        values = details[str(row["item"])][str(row["key"])]
        if entry not in values:
            values.append(entry)
    return details


def _first(info: dict[str, list[tuple[str, str | None]]], key: str) -> str | None:
    values = sorted(info.get(key, []))
    return values[0][0] if values else None


def _first_label(info: dict[str, list[tuple[str, str | None]]], key: str) -> str | None:
    values = sorted(info.get(key, []))
    return values[0][1] if values else None


def _terms(info: dict[str, list[tuple[str, str | None]]], key: str) -> list[Term]:
    return [Term(iri, label) for iri, label in sorted(info.get(key, []), key=lambda t: (t[1] or t[0]).casefold())]


def _conditions(rows: list[dict[str, Node]]) -> dict[str, dict[str, Any]]:
    """item -> condition property -> {label, field, allowed: [Term]}."""
    table: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        entry = table[str(row["item"])].setdefault(str(row["conditionProperty"]), {
            "label": _text(row.get("conditionLabel")), "field": str(row["field"]), "allowed": {}})
        entry["allowed"][str(row["allowed"])] = Term(str(row["allowed"]), _text(row.get("allowedLabel")))
    return table


def _reasons(item: str, met: dict[str, set[str]], conditions: dict[str, dict[str, Any]],
             by_field: dict[str, tuple[str, URIRef, str | None]], codes: dict[str, str]) -> list[Reason]:
    if not met:
        return [Reason(text="applies to every profile (the KB marks it unconditional)")]
    reasons = []
    for prop in sorted(met, key=lambda p: conditions.get(item, {}).get(p, {}).get("field", p)):
        condition = conditions.get(item, {}).get(prop, {"label": None, "field": "", "allowed": {}})
        field = condition["field"]
        allowed = sorted(condition["allowed"].values(), key=lambda t: (t.label or t.iri).casefold())
        matched_iri = sorted(met[prop])[0]
        matched = condition["allowed"].get(matched_iri, Term(matched_iri))
        value_label = next((label for f, _v, label in by_field.values() if f == field), None)
        value_iri = next((str(v) for f, v, _l in by_field.values() if f == field), None)
        shown = value_label or codes.get(field, "")
        words = "; ".join(t.label or t.iri for t in allowed)
        text = f"{field} is {codes.get(field, '')!r} ({shown})"
        if value_iri != matched.iri:
            text += f", which is part of {matched.label or matched.iri}"
        text += f" — condition “{condition['label'] or prop}”: {'one of ' if len(allowed) > 1 else ''}{words}"
        reasons.append(Reason(text=text, field=field, value=codes.get(field), value_iri=value_iri,
                              condition=Term(prop, condition["label"]), allowed=allowed, matched=matched))
    return reasons
