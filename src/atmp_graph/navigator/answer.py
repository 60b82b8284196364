"""The navigator's answer: items grouped by category, each with reasons and sources, plus the
notice, the KB version and the "unknown" section. JSON and plain text renderings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

NOTICE = ("Informational only, not legal advice: this list is computed from the atmp-graph knowledge base "
          "and may be incomplete or out of date. Check every item against its sources and with the competent "
          "authority (in Germany the Paul-Ehrlich-Institut) before relying on it.")


@dataclass(frozen=True)
class Term:
    """An IRI (or a web page) with its English label, if it has one."""

    iri: str
    label: str | None = None


@dataclass(frozen=True)
class Reason:
    """Why an item applies: one profile fact and the condition it meets (or ``unconditional``)."""

    text: str
    field: str | None = None
    value: str | None = None
    value_iri: str | None = None
    condition: Term | None = None
    allowed: list[Term] = dc_field(default_factory=list)
    matched: Term | None = None


@dataclass(frozen=True)
class Item:
    """A requirement that applies to the profile."""

    iri: str
    label: str
    category: str
    category_label: str
    category_iri: str | None
    definition: str | None
    reasons: list[Reason]
    sources: list[Term]
    concerns: list[Term]
    confidence: str | None = None
    note: str | None = None
    modified: str | None = None


@dataclass(frozen=True)
class Unknown:
    """Something the KB does not know for this profile, said plainly."""

    kind: str  # "knowledge-gap", "unknown-value" or "no-specific-data"
    message: str
    field: str | None = None
    value: str | None = None
    iri: str | None = None
    label: str | None = None
    reasons: list[Reason] = dc_field(default_factory=list)
    sources: list[Term] = dc_field(default_factory=list)


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    position: int
    items: list[Item]


@dataclass(frozen=True)
class Fact:
    """A profile field resolved to the KB: the property that states it and the value's IRI."""

    property: str
    value: str
    label: str | None = None


@dataclass(frozen=True)
class Answer:
    profile: dict[str, str]
    profile_iri: str
    categories: list[Category]
    unknown: list[Unknown]
    kb: dict[str, Any]
    facts: dict[str, Fact] = dc_field(default_factory=dict)
    notice: str = NOTICE

    @property
    def items(self) -> list[Item]:
        return [item for category in self.categories for item in category.items]

    def to_json(self) -> dict[str, Any]:
        """The JSON answer of ``POST /navigator`` (documented in docs/navigator.md)."""
        return {
            "notice": self.notice,
            "profile": self.profile,
            "profile_iri": self.profile_iri,
            "resolved": {name: asdict(fact) for name, fact in self.facts.items()},
            "kb": self.kb,
            "categories": [{"code": c.code, "label": c.label, "items": [asdict(i) for i in c.items]}
                           for c in self.categories],
            "items": [asdict(item) for item in self.items],
            "unknown": [asdict(u) for u in self.unknown],
        }

    def to_text(self) -> str:
        """A plain-text rendering for the terminal."""
        lines = ["Regulatory navigator", "", self.notice, ""]
        lines.append("Profile: " + ", ".join(f"{k}={v}" for k, v in self.profile.items()))
        lines.append(f"KB: ontology {self.kb.get('version')}, requirements last modified "
                     f"{self.kb.get('requirements_modified')}")
        for category in self.categories:
            lines += ["", f"== {category.label} ({len(category.items)}) =="]
            for item in category.items:
                lines.append(f"* {item.label}")
                lines.append(f"  {item.iri}")
                if item.confidence:
                    lines.append(f"  confidence: {item.confidence}")
                for reason in item.reasons:
                    lines.append(f"  because: {reason.text}")
                for source in item.sources:
                    lines.append(f"  source: {source.label + ' <' + source.iri + '>' if source.label else source.iri}")
        lines += ["", f"== What the KB does not know ({len(self.unknown)}) =="]
        for unknown in self.unknown:
            lines.append(f"* {unknown.message}")
        return "\n".join(lines) + "\n"
