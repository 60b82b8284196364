"""Each bundled shapes file: its valid fixture conforms, its invalid fixture gives exactly the expected results."""

from __future__ import annotations

from pathlib import Path

import pytest

from atmp_graph.store import user_sources
from atmp_graph.validation.run import validate_sources

ROOT = Path(__file__).parents[1]
FIXTURES = ROOT / "tests" / "data" / "shapes"
SHAPES = ROOT / "shapes"

# (focus local name, path local name or "", constraint component, severity) per invalid fixture.
EXPECTED: dict[str, set[tuple[str, str, str, str]]] = {
    "products": {
        ("NoHla", "hasHlaRestriction", "MinCount", "violation"),
        ("NoVector", "", "SPARQL", "violation"),
        ("NoVector", "internationalNonproprietaryName", "MaxCount", "violation"),
        ("NoVector", "targetsAntigen", "MinCount", "violation"),
        ("NoVector", "usesVector", "MinCount", "violation"),
        ("WrongVector", "label", "MinCount", "violation"),
        ("WrongVector", "usesVector", "Class", "violation"),
    },
    "trials": {
        ("BadIds", "euCtNumber", "Pattern", "violation"),
        ("BadIds", "eudractNumber", "Pattern", "violation"),
        ("BadIds", "nctNumber", "Pattern", "violation"),
        ("Incomplete", "hasPhase", "In", "violation"),
        ("Incomplete", "hasSponsor", "MinCount", "violation"),
        ("Incomplete", "investigatesProduct", "MinCount", "violation"),
        ("Reversed", "startDate", "SPARQL", "violation"),
        ("SameMonthBackwards", "startDate", "SPARQL", "violation"),
        ("Untyped", "endDate", "SPARQL", "violation"),
    },
    "organisations": {
        ("Nameless", "label", "MinCount", "violation"),
        ("Unsourced", "rorIdentifier", "Pattern", "violation"),
        ("Unsourced", "source", "MinCount", "warning"),
    },
    "legal": {
        ("Backwards", "celexNumber", "Pattern", "violation"),
        ("Backwards", "entryIntoForceDate", "LessThanOrEquals", "violation"),
        ("Backwards", "label", "MinCount", "violation"),
    },
    "authorisations": {
        ("Future", "decisionDate", "SPARQL", "violation"),
        ("FutureMonth", "decisionDate", "SPARQL", "violation"),
        ("FutureMonth", "decisionDate", "SPARQL", "info"),
        ("GrantedByProduct", "grantedBy", "Class", "violation"),
        ("MonthOnly", "decisionDate", "SPARQL", "info"),
        ("Orphan", "grantedBy", "MinCount", "violation"),
        ("Untyped", "decisionDate", "SPARQL", "violation"),
    },
    "adverse-events": {
        ("CrsGrade5", "gradeLevel", "SPARQL", "violation"),
        ("CrsGradeA", "gradeLevel", "SPARQL", "violation"),
        ("CrsGradeB", "gradeLevel", "SPARQL", "violation"),
        ("IcansInverted", "iceScoreMinimum", "LessThanOrEquals", "violation"),
        ("Loose", "inGradingSystem", "MinCount", "violation"),
        ("Unnamed", "hasSeverityGrade", "Class", "violation"),
        ("Unnamed", "label", "MinCount", "violation"),
    },
    "release-tests": {
        ("EmptySpec", "includesTest", "MinCount", "violation"),
        ("Unnamed", "acceptanceCriterion", "NodeKind", "violation"),
        ("Unnamed", "label", "MinCount", "violation"),
    },
    "requirements": {
        ("EmptyGap", "", "SPARQL", "violation"),
        ("EmptyGap", "definition", "MinCount", "violation"),
        ("NoCondition", "", "SPARQL", "violation"),
        ("Unsourced", "requirementCategory", "MinCount", "violation"),
        ("Unsourced", "source", "MinCount", "violation"),
        ("WrongCategory", "label", "MinCount", "violation"),
        ("WrongCategory", "requirementCategory", "In", "violation"),
    },
    "ontology-quality": {
        ("NoDefinition", "definition", "SPARQL", "violation"),
        ("NoLabel", "label", "SPARQL", "violation"),
        ("NoSource", "source", "SPARQL", "violation"),
        ("TwinA", "label", "SPARQL", "violation"),
        ("TwinB", "label", "SPARQL", "violation"),
        ("Untagged", "label", "SPARQL", "violation"),
    },
}


def _local(iri: str) -> str:
    return iri.rstrip(">").replace("#", "/").rsplit("/", 1)[-1]


def test_every_shapes_file_has_fixtures_and_expectations() -> None:
    shape_files = {p.stem for p in SHAPES.glob("*.ttl")} - {"prefixes"}
    assert shape_files == set(EXPECTED)
    for name in shape_files:
        assert (FIXTURES / f"{name}-valid.ttl").is_file() and (FIXTURES / f"{name}-invalid.ttl").is_file()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_valid_fixture_conforms(name: str) -> None:
    report = validate_sources(user_sources([FIXTURES / f"{name}-valid.ttl"]), shapes=[SHAPES])
    assert report.conforms, [r.message for r in report.results]


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_gives_exactly_the_expected_results(name: str, engine: str) -> None:
    report = validate_sources(user_sources([FIXTURES / f"{name}-invalid.ttl"]), shapes=[SHAPES], engine=engine)  # type: ignore[arg-type]
    found = {(_local(str(r.focus)), _local(r.path or ""), r.component_name, r.severity_name) for r in report.results}
    assert found == EXPECTED[name]
    # Every result carries a curator message and a line in the fixture.
    for result in report.results:
        assert result.message
        assert result.location is not None and result.location.line is not None
