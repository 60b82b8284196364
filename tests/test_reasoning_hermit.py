"""The HermiT consistency gate (atmp_graph.reasoning.hermit) and ``atmp-graph reason``:
an unsatisfiable class with its explanation, an inconsistent ontology with the contradiction,
a class the reasoner moves, Java missing, a file that does not load, and the bundled data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from atmp_graph.cli import main
from atmp_graph.reasoning import check_consistency
from atmp_graph.reasoning.hermit import JAVA_MISSING_MESSAGE

DATA = Path(__file__).parent / "data" / "reasoning"
EX = "http://example.org/"


@pytest.fixture(autouse=True)
def needs_java() -> None:
    if shutil.which("java") is None:
        pytest.fail("HermiT needs a Java runtime: run `make java`")


def test_unsatisfiable_class_is_reported_with_the_axioms_that_explain_it() -> None:
    report = check_consistency([DATA / "unsatisfiable.ttl"])
    assert report.status == "unsatisfiable" and report.consistent is True
    assert [u.iri for u in report.unsatisfiable] == [EX + "UniversalDonorProduct"]
    explanation = report.unsatisfiable[0].explanation
    assert explanation == (
        f"<{EX}UniversalDonorProduct> rdfs:subClassOf <{EX}AutologousProduct>",
        f"<{EX}UniversalDonorProduct> rdfs:subClassOf <{EX}OffTheShelfProduct>",
        f"<{EX}OffTheShelfProduct> rdfs:subClassOf <{EX}AllogeneicProduct>",
        f"<{EX}AutologousProduct> owl:disjointWith <{EX}AllogeneicProduct>",
    )


def test_inconsistent_ontology_is_reported_with_the_contradiction() -> None:
    report = check_consistency([DATA / "inconsistent.ttl"])
    assert report.status == "inconsistent" and report.consistent is False
    assert report.contradictions == (
        f"<{EX}kymriah> is an instance of <{EX}AutologousProduct> and of <{EX}AllogeneicProduct>, "
        f"which are disjoint (<{EX}AutologousProduct> owl:disjointWith <{EX}AllogeneicProduct>)",
    )


def test_reclassified_class_is_a_hierarchy_change() -> None:
    report = check_consistency([DATA / "reclassified.ttl"])
    assert report.status == "consistent" and report.unsatisfiable == ()
    changes = {c.iri: (c.asserted_parents, c.inferred_parents) for c in report.hierarchy_changes}
    assert changes[EX + "LentiviralCarT"] == ((EX + "CellProduct",), (EX + "GeneModifiedProduct",))
    assert changes[EX + "GeneModifiedProduct"] == ((), (EX + "CellProduct",))
    assert EX + "LentiviralVector" not in changes  # asserted parents that stay are no change


@pytest.mark.parametrize(
    ("fixture", "code", "expected"),
    [
        ("unsatisfiable.ttl", 1, "UniversalDonorProduct"),
        ("inconsistent.ttl", 1, "inconsistent"),
        ("reclassified.ttl", 0, "LentiviralCarT>: <http://example.org/CellProduct> -> "),
    ],
)
def test_reason_command_exit_codes(fixture: str, code: int, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reason", str(DATA / fixture)]) == code
    assert expected in capsys.readouterr().out


def test_reason_command_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reason", "--format", "json", str(DATA / "unsatisfiable.ttl")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "unsatisfiable" and data["consistent"] is True
    assert data["unsatisfiable"][0]["class"] == EX + "UniversalDonorProduct"


def test_reason_command_load_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    assert main(["reason", str(broken)]) == 2
    assert "broken.ttl" in capsys.readouterr().err


def test_java_missing_is_said_clearly(tmp_path: Path) -> None:
    # A PATH without java: the check reports it (exit 2) instead of failing obscurely.
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "atmp_graph", "reason", str(DATA / "reclassified.ttl")],
        env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert JAVA_MISSING_MESSAGE in result.stderr and "NOT checked" in result.stderr


def test_java_missing_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    report = check_consistency([DATA / "reclassified.ttl"])
    assert report.status == "java-missing" and report.consistent is None


def test_bundled_ontology_and_kb_are_consistent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reason"]) == 0
    assert "consistent, every class satisfiable" in capsys.readouterr().out
