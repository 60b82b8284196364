"""``atmp-graph validate`` and ``check``: every format parses and validates, every exit code happens."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from atmp_graph.cli import main

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data"
SHAPES = ROOT / "shapes"
VALID = DATA / "shapes" / "trials-valid.ttl"
INVALID = DATA / "shapes" / "trials-invalid.ttl"
# Fixtures are validated without the bundled ontology so that its own state cannot change the outcome.
ISOLATED = ["--no-ontology", "--shapes", str(SHAPES)]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_conforming_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(VALID), *ISOLATED)
    assert code == 0
    assert out.startswith("Conforms")


def test_violations_exit_1_and_text_report_says_where_what_and_how(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(INVALID), *ISOLATED)
    assert code == 1
    assert "tests/data/shapes/trials-invalid.ttl" in out
    # The NCT number of kb:BadIds is on line 13 of the fixture: file:line, rule, expected, found.
    assert "trials-invalid.ttl:13: violation: atmp:nctNumber A ClinicalTrials.gov identifier" in out
    assert 'expected text matching the pattern ^NCT\\d{8}$; found "NCT0243584"' in out
    assert "fix: dates are compared at the precision both have" in out  # the shape's own fix hint
    assert "9 violation(s), 0 warning(s)" in out


def test_warnings_alone_pass_unless_fail_on_warning(capsys: pytest.CaptureFixture[str]) -> None:
    warning_file = str(DATA / "validate" / "warning-only.ttl")
    code, out, _ = _run(capsys, warning_file, *ISOLATED)
    assert code == 0
    assert "warning:" in out and '"Quiet Lab"' in out
    code, _, _ = _run(capsys, warning_file, *ISOLATED, "--fail-on", "warning")
    assert code == 1


def test_broken_turtle_exits_2_with_file_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    broken = DATA / "validate" / "broken.ttl"
    code, out, err = _run(capsys, str(broken), *ISOLATED)
    assert code == 2
    assert out == ""
    assert f"{broken}:6:1: syntax error:" in err
    assert "Traceback" not in err


def test_missing_file_and_bad_option_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(DATA / "validate" / "no-such-file.ttl"), *ISOLATED)
    assert code == 2 and "no such file" in err
    with pytest.raises(SystemExit) as raised:
        main(["validate", "--format", "yaml"])
    assert raised.value.code == 2


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, str(INVALID), *ISOLATED, "--format", "json")
    document = json.loads(out)
    assert code == 1 and document["conforms"] is False
    assert document["summary"] == {"violations": 9, "warnings": 0, "infos": 0}
    bad_ids = [r for r in document["results"] if r["focusNode"].endswith("/BadIds")]
    assert {r["line"] for r in bad_ids} == {13}
    assert {r["constraintComponent"].rsplit("#")[-1] for r in bad_ids} == {"PatternConstraintComponent"}


def test_junit_output_validates_against_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = xmlschema.XMLSchema(str(DATA / "validate" / "junit.xsd"))
    report = tmp_path / "report.xml"
    code, out, _ = _run(capsys, str(INVALID), *ISOLATED, "--format", "junit", "--output", str(report))
    assert code == 1 and out == ""
    schema.validate(str(report))
    text = report.read_text()
    assert text.count("<failure ") == 9
    conforming = tmp_path / "ok.xml"
    _run(capsys, str(VALID), *ISOLATED, "--format", "junit", "--output", str(conforming))
    schema.validate(str(conforming))
    assert "<failure" not in conforming.read_text()


def test_sarif_output_validates_against_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads((DATA / "validate" / "sarif-2.1.0-minimal.schema.json").read_text())
    code, out, _ = _run(capsys, str(INVALID), *ISOLATED, "--format", "sarif")
    document = json.loads(out)
    jsonschema.validate(document, schema)
    results = document["runs"][0]["results"]
    assert code == 1 and len(results) == 9
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("trials-invalid.ttl")
    # A broken document is refused by the schema: the check can fail.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}, schema)


def test_class_hierarchy_comes_from_the_bundled_ontology(capsys: pytest.CaptureFixture[str]) -> None:
    data = str(DATA / "validate" / "hierarchy.ttl")
    shape = str(DATA / "validate" / "release-test-shape.ttl")
    code, out, _ = _run(capsys, data, "--shapes", shape)
    assert code == 1 and "kb:UnnamedSterilityTest" in out
    code, out, _ = _run(capsys, data, "--shapes", shape, "--no-ontology")
    assert code == 0


def test_engines_selectable_and_same_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    fast = json.loads(_run(capsys, str(INVALID), *ISOLATED, "--format", "json", "--engine", "fast")[1])
    reference = json.loads(_run(capsys, str(INVALID), *ISOLATED, "--format", "json", "--engine", "pyshacl")[1])
    key = lambda r: (r["focusNode"], r["path"], r["constraintComponent"], r["valueN3"])  # noqa: E731
    assert sorted(map(key, fast["results"])) == sorted(map(key, reference["results"]))
    assert (fast["engine"], reference["engine"]) == ("fast", "pyshacl")


def test_console_script_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "atmp_graph", "validate", str(VALID), *ISOLATED, "--format", "json"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conforms"] is True


def test_check_runs_every_step_with_one_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "queries"
    (queries / "qc").mkdir(parents=True)
    (queries / "count.rq").write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    (queries / "qc" / "nothing-violation.rq").write_text("SELECT ?s WHERE { ?s <urn:x:never> ?o }")
    gate = ["check", str(VALID), "--no-ontology", "--shapes", str(SHAPES), "--queries", str(queries)]
    assert main([*gate, "--no-reasoning"]) == 0
    out = capsys.readouterr().out
    assert "  PASS  parse: " in out and "  SKIP  reasoning: disabled by --no-reasoning" in out
    assert "  PASS  qc nothing-violation: 0 row(s)" in out and "  PASS  competency queries: 1 ran" in out
    assert "  PASS  shacl: 0 result(s), engine fast" in out and out.splitlines()[-1] == "gate PASSED"
    # A QC query returning rows fails the gate, and its rows are printed.
    (queries / "qc" / "everything-violation.rq").write_text("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    assert main([*gate, "--no-reasoning"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  qc everything-violation: 1 row(s)" in out and out.splitlines()[-1] == "gate FAILED"
    # A competency query that does not run fails it too; a broken data file is a load error.
    (queries / "qc" / "everything-violation.rq").unlink()
    (queries / "broken.rq").write_text("SELECT WHERE {")
    assert main([*gate, "--no-reasoning"]) == 1
    assert "FAIL  competency queries: 1 of 2 failed to run" in capsys.readouterr().out
    assert main(["check", str(DATA / "validate" / "broken.ttl"), "--queries", str(queries)]) == 2
    assert "broken.ttl:6:1" in capsys.readouterr().out


def test_check_runs_the_reasoner_or_says_why_not(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from atmp_graph.reasoning import hermit

    monkeypatch.setattr(hermit, "java_available", lambda: False)
    main(["check", str(VALID), "--shapes", str(SHAPES)])
    assert "SKIP  reasoning: Java is missing" in capsys.readouterr().out


def test_missing_shapes_path_is_a_load_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, str(VALID), "--no-ontology", "--shapes", str(DATA / "no-such-shapes"))
    assert code == 2 and "no such shapes file or directory" in err
