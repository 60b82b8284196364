"""A throwaway OpenLink Virtuoso on 127.0.0.1 for the tests and the benchmarks.

Installs nothing: ``make virtuoso`` (a dependency of ``make test``) installs Debian's
``virtuoso-opensource`` when ``virtuoso-t`` is missing. This module writes a
``virtuoso.ini`` into a fresh temporary directory (free loopback ports for ISQL and
HTTP, that directory as the database and bulk-load directory), runs ``virtuoso-t``
in the foreground as a child process, waits until ``/sparql`` answers, then sets up
access through ``isql-vt``:

* ``GRANT SPARQL_UPDATE TO "SPARQL"``: the anonymous ``/sparql`` endpoint accepts
  SPARQL Update. Acceptable only because the instance listens on loopback and holds
  throwaway data; a production store keeps updates behind ``/sparql-auth``.
* the ``dba`` password is replaced by a random one, and the authenticated endpoints
  (``/sparql-auth`` for queries and updates, ``/sparql-graph-crud-auth`` for the Graph
  Store Protocol) take it with HTTP digest authentication. The tests use these, as a
  deployment would.

In Python::

    with virtuoso() as server:
        server.endpoint        # http://127.0.0.1:PORT/sparql (anonymous, update granted)
        server.auth_endpoint   # http://127.0.0.1:PORT/sparql-auth (digest: server.user, server.password)
        server.store_endpoint  # http://127.0.0.1:PORT/sparql-graph-crud-auth

From a shell (the benchmarks): ``python -m tests.virtuoso_server start [--memory-gib N]``
prints the same as JSON and leaves the server running, recorded in a state file;
``python -m tests.virtuoso_server stop`` stops it and removes its directory.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
STATE_FILE = Path(tempfile.gettempdir()) / "atmp-graph-virtuoso.json"
# Sizing after the table in the virtuoso.ini that Debian's package installs
# (/etc/virtuoso-opensource-7/virtuoso.ini): 170,000 buffers for 2 GB of free memory up to
# 1,360,000 for 16 GB, i.e. 85,000 per GB, dirty buffers at about three quarters; it advises
# giving Virtuoso 3/5 to 2/3 of the free memory. The default (1 GiB) suits the test data; on a
# 24 GiB machine shared with other systems under test, the benchmarks may ask for 8.
BUFFERS_PER_GIB = 85_000


class VirtuosoUnavailable(RuntimeError):
    """virtuoso-t is not installed, or the server did not start."""


@dataclass
class VirtuosoServer:
    """A running instance: where it listens, its credentials and its files."""

    directory: str
    pid: int
    http_port: int
    isql_port: int
    user: str
    password: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def endpoint(self) -> str:
        return self.base + "/sparql"

    @property
    def auth_endpoint(self) -> str:
        return self.base + "/sparql-auth"

    @property
    def store_endpoint(self) -> str:
        return self.base + "/sparql-graph-crud-auth"

    def isql(self, sql: str, *, timeout: float = 120) -> str:
        """Run SQL statements through ``isql-vt`` as dba; the output, or ``RuntimeError``."""
        result = subprocess.run(
            [ISQL, f"127.0.0.1:{self.isql_port}", "dba", self.password, "VERBOSE=OFF", "BANNER=OFF",
             "PROMPT=OFF", "ECHO=OFF", "ERRORS=stdout"],
            input=sql.encode(), capture_output=True, timeout=timeout, check=False)
        output = result.stdout.decode("utf-8", "replace")
        if result.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql failed ({result.returncode}): {output.strip()} {result.stderr.decode().strip()}")
        return output

    def bulk_load(self, directory: Path, pattern: str, graph: str) -> None:
        """Load files matching ``pattern`` in ``directory`` into ``graph`` with Virtuoso's bulk loader
        (``ld_dir`` + ``rdf_loader_run``; the directory must be under this instance's directory,
        which is in ``DirsAllowed``)."""
        self.isql(f"ld_dir('{directory}', '{pattern}', '{graph}');\nrdf_loader_run();\ncheckpoint;\n",
                  timeout=3600)

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "endpoint": self.endpoint, "auth_endpoint": self.auth_endpoint,
                "store_endpoint": self.store_endpoint}


def installed() -> bool:
    return shutil.which(VIRTUOSO) is not None and shutil.which(ISQL) is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_ini(directory: Path, *, http_port: int, isql_port: int, memory_gib: float) -> Path:
    """The configuration of an instance living entirely in ``directory``."""
    buffers = max(10_000, int(BUFFERS_PER_GIB * memory_gib))
    ini = directory / "virtuoso.ini"
    ini.write_text(f"""\
[Database]
DatabaseFile = {directory}/virtuoso.db
ErrorLogFile = {directory}/virtuoso.log
LockFile = {directory}/virtuoso.lck
TransactionFile = {directory}/virtuoso.trx
xa_persistent_file = {directory}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {directory}/virtuoso-temp.db
TransactionFile = {directory}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
MaxClientConnections = 32
CheckpointInterval = 60
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {directory}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 2G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
; two cores on the machines this project runs on
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {buffers * 3 // 4}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {directory}
MaxClientConnections = 32
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
; enough threads for 16 concurrent benchmark clients plus the service's own connections
ServerThreads = 32
MaxKeepAlives = 32
KeepAliveTimeout = 10
HTTPThreadSize = 280000
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
; Virtuoso's defaults silently truncate results at 10,000 rows and return partial
; ("anytime") answers after 60 s; a store behind atmp-graph must answer in full or fail.
ResultSetMaxRows = 1000000000
MaxSortedTopRows = 1000000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DeferInferenceRulesInit = 0
""")
    return ini


def _answers(endpoint: str) -> bool:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(f"{endpoint}?{query}", headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(*, memory_gib: float = 1.0, ready_timeout: float = 120, detach: bool = False) -> VirtuosoServer:
    """Start an instance in a new temporary directory and wait until it answers SPARQL.

    ``detach`` starts it in a session of its own, so that it outlives this process
    (the command line's ``start``); otherwise it is stopped with its parent's session.
    """
    if not installed():
        raise VirtuosoUnavailable(
            f"{VIRTUOSO} and {ISQL} are not installed; run `make virtuoso` "
            "(apt-get install virtuoso-opensource)")
    directory = Path(tempfile.mkdtemp(prefix="atmp-virtuoso-"))
    http_port, isql_port = _free_port(), _free_port()
    while isql_port == http_port:
        isql_port = _free_port()
    ini = write_ini(directory, http_port=http_port, isql_port=isql_port, memory_gib=memory_gib)
    log = open(directory / "stdout.log", "wb")
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=directory,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=detach)
    log.close()
    server = VirtuosoServer(str(directory), process.pid, http_port, isql_port, "dba", "dba")
    deadline = time.monotonic() + ready_timeout
    try:
        while not _answers(server.endpoint):
            if process.poll() is not None:
                raise VirtuosoUnavailable(f"virtuoso-t exited with {process.returncode}:\n{_log_tail(directory)}")
            if time.monotonic() > deadline:
                raise VirtuosoUnavailable(f"virtuoso-t did not answer within {ready_timeout:g} s:\n"
                                          f"{_log_tail(directory)}")
            time.sleep(0.2)
        password = secrets.token_hex(12)
        server.isql(f"GRANT SPARQL_UPDATE TO \"SPARQL\";\nUSER_SET_PASSWORD('dba', '{password}');\n")
        server.password = password
    except BaseException:
        _terminate(process.pid)
        shutil.rmtree(directory, ignore_errors=True)
        raise
    server._process = process  # type: ignore[attr-defined]  # reaped by stop() when we started it
    return server


def _log_tail(directory: Path, lines: int = 20) -> str:
    text = ""
    for name in ("virtuoso.log", "stdout.log"):
        path = directory / name
        if path.exists():
            text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
    return text


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int, *, timeout: float = 30) -> None:
    """SIGTERM (Virtuoso checkpoints and exits), SIGKILL if it is still there after ``timeout``."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:  # our own child: reap it; otherwise poll for its end
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done == pid:
                    return
            except ChildProcessError:
                if not _alive(pid):
                    return
            time.sleep(0.1)


def stop(server: VirtuosoServer) -> None:
    """Shut the instance down and remove its directory."""
    try:
        server.isql("SHUTDOWN;\n", timeout=30)  # a clean checkpoint-and-exit
    except (RuntimeError, subprocess.TimeoutExpired, OSError):
        pass  # the connection drops while it shuts down; SIGTERM below covers a hung server
    process = getattr(server, "_process", None)
    if process is not None:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            _terminate(server.pid)
    else:
        deadline = time.monotonic() + 30
        while _alive(server.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        _terminate(server.pid)
    shutil.rmtree(server.directory, ignore_errors=True)


@contextmanager
def virtuoso(*, memory_gib: float = 1.0) -> Iterator[VirtuosoServer]:
    """A running instance for the duration of the ``with`` block."""
    server = start(memory_gib=memory_gib)
    try:
        yield server
    finally:
        stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.virtuoso_server",
                                     description="Start or stop a throwaway Virtuoso on 127.0.0.1.")
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--memory-gib", type=float, default=1.0, help="page cache size (NumberOfBuffers)")
    parser.add_argument("--state", type=Path, default=STATE_FILE, help=f"state file (default {STATE_FILE})")
    args = parser.parse_args(argv)
    if args.action == "start":
        if args.state.exists():
            print(f"already started (see {args.state}); stop it first", file=sys.stderr)
            return 1
        try:
            server = start(memory_gib=args.memory_gib, detach=True)
        except VirtuosoUnavailable as error:
            print(error, file=sys.stderr)
            return 2
        args.state.write_text(json.dumps(server.as_json(), indent=2))
        print(json.dumps(server.as_json(), indent=2))
        return 0
    if not args.state.exists():
        print(f"no server recorded in {args.state}", file=sys.stderr)
        return 1
    recorded = json.loads(args.state.read_text())
    server = VirtuosoServer(**{k: recorded[k] for k in
                               ("directory", "pid", "http_port", "isql_port", "user", "password")})
    if args.action == "status":
        print(json.dumps({**server.as_json(), "answers": _answers(server.endpoint)}, indent=2))
        return 0
    stop(server)
    args.state.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
