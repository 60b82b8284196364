"""Shared fixtures: real server processes on free ports of 127.0.0.1.

The protocol, client, write-path and catalogue tests run on both backends: the embedded
store and a remote SPARQL store (a throwaway Virtuoso per server, from
``tests/virtuoso_server.py``). Their modules are listed in ``BOTH_BACKENDS``; every other
test runs on the embedded store only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from virtuoso_server import virtuoso

DATA = Path(__file__).parent / "data"
BOTH_BACKENDS = {"test_protocol", "test_clients", "test_writes", "test_catalogue", "test_pages", "test_search"}
PROTOCOL_FILES = [DATA / "protocol" / "products.ttl", DATA / "protocol" / "targets.ttl"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, process: subprocess.Popen[bytes], url: str) -> None:
        self.process = process
        self.url = url

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)  # type: ignore[arg-type]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        backends = ["embedded", "virtuoso"] if module in BOTH_BACKENDS else ["embedded"]
        metafunc.parametrize("backend", backends, scope="session", indirect=True)


# Tests whose Virtuoso parametrisation fails for a difference inherent to Virtuoso (docs/backends.md);
# strict, so that a fix shows up as an unexpected pass.
VIRTUOSO_DIFFERENCES = {
    "test_catalogue.py::test_typed_parameters_are_bound_as_typed_literals[virtuoso]":
        "Virtuoso returns boolean constants of a query (a bound true/false parameter) as xsd:integer 1/0",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        reason = VIRTUOSO_DIFFERENCES.get(item.nodeid.rsplit("/", 1)[-1])
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """``embedded`` or ``virtuoso``: which store the servers of this test keep their data in."""
    return str(getattr(request, "param", "embedded"))


@contextmanager
def remote_store_options(backend: str) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The ``serve`` options and environment for ``backend`` (a fresh Virtuoso for the remote one)."""
    if backend == "embedded":
        yield [], {}
        return
    with virtuoso() as store:
        yield (["--backend", "sparql", "--endpoint", store.auth_endpoint, "--store-endpoint", store.store_endpoint],
               {"ATMP_GRAPH_REMOTE_USER": store.user, "ATMP_GRAPH_REMOTE_PASSWORD": store.password})


@contextmanager
def running_server(*args: str, env: dict[str, str] | None = None, ready_timeout: float = 60,
                   backend: str = "embedded") -> Iterator[Server]:
    """Start ``atmp-graph serve`` with ``args`` on a free port (its data in ``backend``); stop it afterwards."""
    with ExitStack() as stack:
        extra_args, extra_env = stack.enter_context(remote_store_options(backend))
        yield stack.enter_context(_serve(*args, *extra_args, env={**(env or {}), **extra_env},
                                         ready_timeout=ready_timeout))


@contextmanager
def _serve(*args: str, env: dict[str, str], ready_timeout: float) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, "-m", "atmp_graph", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", *args]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {' '.join(command)}")
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not become ready")
            time.sleep(0.05)
        yield Server(process, url)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def protocol_server(backend: str) -> Iterator[Server]:
    """A server holding only the two small protocol fixture files, one named graph each."""
    with running_server("--no-bundled", "--data", *map(str, PROTOCOL_FILES), backend=backend) as server:
        yield server


@pytest.fixture(scope="session")
def bundled_server(backend: str) -> Iterator[Server]:
    """A server on the bundled ontology and KB."""
    with running_server(backend=backend) as server:
        yield server
