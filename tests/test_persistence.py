"""``--store DIR``: the first start parses and persists; a restart reuses the store."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import PROTOCOL_FILES, running_server

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(server_url: str) -> int:
    import httpx

    response = httpx.get(server_url + "/sparql", params={"query": COUNT}, timeout=30)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_restart_with_store_reuses_it_and_reloads_on_change(tmp_path: Path) -> None:
    data = tmp_path / "products.ttl"
    shutil.copy(PROTOCOL_FILES[0], data)
    store = tmp_path / "store"
    args = ("--no-bundled", "--store", str(store), "--data", str(data))

    with running_server(*args) as server:
        first = server.client().get("/health").json()
        assert first["reloaded"] is True
        assert count(server.url) == 12
    assert any(store.iterdir())  # RocksDB files persisted

    with running_server(*args) as server:
        again = server.client().get("/health").json()
        assert again["reloaded"] is False  # not re-parsed
        assert again["graphs"] == first["graphs"]
        assert count(server.url) == 12

    data.write_text(data.read_text() + "<http://example.org/x> <http://example.org/y> 1 .\n")
    with running_server(*args) as server:
        assert server.client().get("/health").json()["reloaded"] is True
        assert count(server.url) == 13


def test_bad_data_file_fails_start_with_a_clear_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    result = subprocess.run(
        [sys.executable, "-m", "atmp_graph", "serve", "--no-bundled", "--port", "0", "--data", str(broken)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "broken.ttl" in result.stderr and "line 2 column 11" in result.stderr
    assert "Traceback" not in result.stderr
