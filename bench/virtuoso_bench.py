"""A throwaway Virtuoso for the benchmark: start it on free 127.0.0.1 ports and bulk-load a file.

Uses Debian's ``virtuoso-opensource`` (``virtuoso-t`` and ``isql-vt``; ``make virtuoso``
installs it). The configuration differs from Debian's default where the default would
make the comparison unfair or wrong, and says why:

- ``ResultSetMaxRows``: Debian's 10,000 silently truncates larger results; raised so
  every system returns every row.
- ``MaxQueryExecutionTime = 0``: a positive value turns on "anytime" answers (partial
  results after the limit), which would be wrong answers, not slow ones.
- ``NumberOfBuffers``/``MaxDirtyBuffers``: Virtuoso's own sizing table gives 340,000 /
  250,000 for 4 GB of memory (about 2.7 GB of buffers); the default 10,000 (80 MB)
  would page the 1M-triple store from disk.
- ``DirsAllowed`` includes the data directory, which the bulk loader (``ld_dir``) needs.

Bulk load is Virtuoso's documented path for large files: ``ld_dir`` registers the
file, ``rdf_loader_run()`` loads it, ``checkpoint`` makes it durable.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
LiteMode = 0
DisableUnixSocket = 1
MaxClientConnections = 40
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., /usr/share/virtuoso-opensource-7/vad, {data_dir}
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
MaxQueryMem = 2G
VectorSize = 1000
MaxVectorSize = 1000000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 40
EnabledDavVSP = 0
ServerThreads = 40
MaxKeepAlives = 40
KeepAliveTimeout = 10
HTTPThreadSize = 280000
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 100000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DefaultQuery = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def available() -> bool:
    return shutil.which("virtuoso-t") is not None and shutil.which("isql-vt") is not None


class Virtuoso:
    """One Virtuoso process in a temporary directory; ``stop()`` ends it and removes the directory."""

    def __init__(self, *, data_dir: Path, buffers: int = 340_000, dirty: int = 250_000) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="atmp-bench-virtuoso-"))
        self.http_port, self.isql_port = free_port(), free_port()
        (self.dir / "virtuoso.ini").write_text(INI.format(
            dir=self.dir, data_dir=data_dir.resolve(), isql_port=self.isql_port, http_port=self.http_port,
            buffers=buffers, dirty=dirty))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def start(self, timeout: float = 120) -> float:
        """Start and wait until /sparql answers; the seconds it took."""
        started = time.perf_counter()
        self.process = subprocess.Popen(
            ["virtuoso-t", "+foreground", "+configfile", str(self.dir / "virtuoso.ini")],
            cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                log = (self.dir / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}:\n{log}")
            try:
                if httpx.get(self.endpoint, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("Virtuoso did not answer on /sparql in time")

    def isql(self, script: str, timeout: float = 7200) -> str:
        result = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.isql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF",
             "ECHO=OFF", "ERRORS=STDOUT"],
            input=script.encode(), capture_output=True, timeout=timeout, check=False)
        output = result.stdout.decode(errors="replace")
        if result.returncode != 0 or "*** Error" in output:
            raise RuntimeError(f"isql-vt failed ({result.returncode}): {output[-2000:]}")
        return output

    def bulk_load(self, path: Path, graph: str) -> float:
        """Load an N-Triples file into ``graph`` with the bulk loader; the seconds it took (with checkpoint)."""
        started = time.perf_counter()
        self.isql(f"ld_dir('{path.parent.resolve()}', '{path.name}', '{graph}');\n"
                  "rdf_loader_run();\ncheckpoint;\n"
                  "SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;\n")
        return time.perf_counter() - started

    def allow_updates(self) -> None:
        """Let the anonymous /sparql user run SPARQL Update (atmp-graph's remote backend writes its state graph)."""
        self.isql('GRANT SPARQL_UPDATE TO "SPARQL";\n')

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
