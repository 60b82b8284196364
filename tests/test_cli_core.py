"""The ``serve`` and ``query`` commands as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rdflib import Graph

from conftest import PROTOCOL_FILES


def atmp_graph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "atmp_graph", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["serve", "query"])
def test_help_explains_options(command: str) -> None:
    result = atmp_graph(command, "--help")
    assert result.returncode == 0
    for option in {"serve": ["--store", "--data", "--no-bundled", "--timeout", "--port"],
                   "query": ["--file", "--name", "--format", "--data"]}[command]:
        assert option in result.stdout


def test_query_text_json() -> None:
    result = atmp_graph("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                        "--no-bundled", "--data", str(PROTOCOL_FILES[0]))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"]["bindings"][0]["n"]["value"] == "12"


def test_query_file_and_formats(tmp_path: pytest.TempPathFactory) -> None:
    query = tmp_path / "q.rq"  # type: ignore[operator]
    query.write_text("CONSTRUCT WHERE { ?s <http://example.org/target> ?o }")
    result = atmp_graph("query", "--no-bundled", "--data", str(PROTOCOL_FILES[0]), "--file", str(query),
                        "--format", "ntriples")
    assert result.returncode == 0, result.stderr
    assert len(Graph().parse(data=result.stdout, format="nt")) == 3
    csv_result = atmp_graph("query", "SELECT ?o WHERE { <http://example.org/abecma> <http://example.org/target> ?o }",
                            "--no-bundled", "--data", str(PROTOCOL_FILES[0]), "--format", "csv")
    assert csv_result.stdout.splitlines() == ["o", "http://example.org/BCMA"]


@pytest.mark.parametrize("args, message", [
    (["SELECT * WHERE { ?s ?p }"], "syntax error"),
    (["SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"], "allow-list"),
    (["--name", "no-such-query"], "no query named"),
    (["--format", "turtle", "SELECT * WHERE { ?s ?p ?o }"], "format 'turtle'"),
])
def test_query_errors_exit_2(args: list[str], message: str) -> None:
    result = atmp_graph("query", "--no-bundled", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_query_on_bundled_data_runs() -> None:
    result = atmp_graph("query", "ASK { ?s ?p ?o }")
    assert result.returncode == 0, result.stderr
    assert "boolean" in result.stdout


def test_named_query_takes_defaults_and_params() -> None:
    default = atmp_graph("query", "--name", "grade-criteria", "--format", "csv")
    grade_2 = atmp_graph("query", "--name", "grade-criteria", "--param", "level=2", "--format", "csv")
    bad = atmp_graph("query", "--name", "grade-criteria", "--param", "level=high")
    assert default.returncode == 0, default.stderr
    assert [line.split(",")[2] for line in default.stdout.splitlines()[1:]] == ["3"]
    assert [line.split(",")[2] for line in grade_2.stdout.splitlines()[1:]] == ["2"]
    assert bad.returncode == 2 and "must be an integer" in bad.stderr
