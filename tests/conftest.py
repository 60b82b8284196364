"""Shared fixtures: real server processes on free ports of 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

DATA = Path(__file__).parent / "data"
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


@contextmanager
def running_server(*args: str, env: dict[str, str] | None = None, ready_timeout: float = 60) -> Iterator[Server]:
    """Start ``atmp-graph serve`` with ``args`` on a free port; stop it afterwards."""
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
def protocol_server() -> Iterator[Server]:
    """A server holding only the two small protocol fixture files, one named graph each."""
    with running_server("--no-bundled", "--data", *map(str, PROTOCOL_FILES)) as server:
        yield server


@pytest.fixture(scope="session")
def bundled_server() -> Iterator[Server]:
    """A server on the bundled ontology and KB."""
    with running_server() as server:
        yield server
