"""The navigator's input: a development profile, validated field by field.

Field names and values are the interface contract (docs/navigator.md, DESIGN.md):

>>> p = parse_profile({"kind": "CAR-T", "origin": "autologous", "gene_transfer": "lentiviral",
...                    "target": "CD19", "sponsor": "academic", "country": "DE",
...                    "route": "clinical-trial", "phase": "I"})
>>> p.gene_transfer, p.phase
('lentiviral', 'I')
>>> try:
...     parse_profile({"kind": "NK", "country": "Germany"})
... except ProfileError as error:
...     sorted(e["field"] for e in error.errors)
['country', 'gene_transfer', 'kind', 'origin', 'route', 'sponsor', 'target']
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Kind = Literal["CAR-T", "TCR-T"]
Origin = Literal["autologous", "allogeneic"]
GeneTransfer = Literal["lentiviral", "gammaretroviral", "transposon", "mRNA", "gene-editing"]
Sponsor = Literal["academic", "commercial"]
Route = Literal["clinical-trial", "hospital-exemption", "marketing-authorisation"]
Phase = Literal["I", "I/II", "II", "III"]

# The order in which fields are shown and sent to the KB.
FIELDS = ("kind", "origin", "gene_transfer", "target", "sponsor", "country", "route", "phase")


class Profile(BaseModel):
    """A planned product and its route to patients, as the navigator's user describes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind = Field(description="CAR-T or TCR-T")
    origin: Origin = Field(description="autologous or allogeneic cells")
    gene_transfer: GeneTransfer = Field(description="how the receptor transgene gets into the cells")
    target: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./*:+_-]*$",
                        description="target antigen name, e.g. CD19, BCMA, HER2, MAGE-A4")
    sponsor: Sponsor = Field(description="academic or commercial sponsor or developer")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. DE")
    route: Route = Field(description="clinical trial, hospital exemption or marketing authorisation")
    phase: Phase | None = Field(default=None, description="trial phase; only for the clinical-trial route")

    @model_validator(mode="after")
    def _phase_fits_route(self) -> Profile:
        if self.route == "clinical-trial" and self.phase is None:
            raise ValueError("phase: required when route is clinical-trial (one of I, I/II, II, III)")
        if self.route != "clinical-trial" and self.phase is not None:
            raise ValueError(f"phase: only applies to route clinical-trial, not to {self.route}")
        return self

    def facts(self) -> list[tuple[str, str]]:
        """The given fields as (field, code) pairs, in the contract's order."""
        values = self.model_dump()
        return [(name, str(values[name])) for name in FIELDS if values.get(name) is not None]


class ProfileError(ValueError):
    """An invalid profile, with one ``{"field", "message"}`` per problem."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def _message(error: Any) -> tuple[str, str]:
    location = [str(part) for part in error.get("loc", ())]
    kind = error.get("type", "")
    field = location[0] if location else "profile"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return field, f"must be one of {expected}; got {error.get('input')!r}"
    if kind == "missing":
        return field, "required"
    if kind == "extra_forbidden":
        return field, "unknown field; the profile fields are " + ", ".join(FIELDS)
    if kind == "string_pattern_mismatch" and field == "country":
        return field, f"must be an ISO 3166-1 alpha-2 code in capitals such as DE or FR; got {error.get('input')!r}"
    if kind == "string_pattern_mismatch":
        return field, "may hold letters, digits, spaces and . / * : + _ - only, starting with a letter or digit"
    message = str(error.get("msg", "invalid"))
    if message.startswith("Value error, "):
        text = message[len("Value error, "):]
        named, colon, rest = text.partition(": ")
        if colon and named in FIELDS:
            return named, rest
        return field, text
    return field, message


def parse_profile(data: Any) -> Profile:
    """A :class:`Profile` from decoded JSON (or form fields); :class:`ProfileError` if invalid."""
    if not isinstance(data, dict):
        raise ProfileError([{"field": "profile", "message": "must be a JSON object with the profile fields"}])
    try:
        return Profile.model_validate(data)
    except ValidationError as invalid:
        errors = [dict(zip(("field", "message"), _message(e), strict=True)) for e in invalid.errors()]
        raise ProfileError(errors) from None
