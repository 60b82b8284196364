"""The zygote: a single-threaded process that owns the loaded store and forks workers.

Run as ``python -m atmp_graph.engine.zygote FD`` by :mod:`atmp_graph.engine.pool`,
with ``FD`` one end of a Unix socket pair. Forking is safe here because this process
never runs a second thread; it never holds an open on-disk (RocksDB) store while it
forks: with ``store_dir`` it loads or checks the store, closes it, and each worker
opens it read-only.

Each committed write is one *generation*. Its net change is sent back to the server
as N-Quads after the answer, for the running workers to apply (no fork); only a change
larger than ``MAX_SHIPPED_QUADS`` makes the zygote fork workers of the new state instead.
"""

from __future__ import annotations

import ctypes
import gc
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atmp_graph.engine import worker
from atmp_graph.engine.deltas import MAX_SHIPPED_QUADS
from atmp_graph.engine.wire import ChannelClosed, encode_message, recv_message, send_message
from atmp_graph.loading import JOURNAL_FILE, build_store
from atmp_graph.store import GraphStore, Source

if TYPE_CHECKING:  # imported when writes are enabled: read-only starts skip pySHACL's import time
    from atmp_graph.writes.transaction import NetChange, WriteEngine

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (no orphaned workers)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the closed channel still ends us
        pass


def load(config: dict[str, Any]) -> tuple[GraphStore | None, dict[str, Any]]:
    """Build the store and a status; the store is None when workers open it from disk.

    With writes enabled the zygote serves (and changes) an in-memory copy, since it must
    never hold the on-disk store open while it forks.
    """
    started = time.perf_counter()
    sources = [Source(Path(path), graph) for path, graph in config["sources"]]
    store_dir = config.get("store_dir")
    store, built = build_store(sources, store_dir=Path(store_dir) if store_dir else None,
                               infer=config.get("infer", True))
    status = {"status": "ready", "graphs": store.graph_sizes(), **built}
    if not store_dir:
        status["load_seconds"] = round(time.perf_counter() - started, 3)
        return store, status
    served = None
    if config.get("writes"):
        served = GraphStore.in_memory()
        store.copy_into(served)
    del store
    gc.collect()  # drops the last reference: RocksDB is closed before any fork
    status["load_seconds"] = round(time.perf_counter() - started, 3)
    return served, status


def write_engine(store: GraphStore, config: dict[str, Any], *,
                 graph_sizes: dict[str, int] | None = None) -> WriteEngine:
    """The transaction engine for a writable store (shapes read once, journal beside the store)."""
    from atmp_graph.validation.shapes import load_shapes, read_shapes_graph
    from atmp_graph.writes.journal import Journal
    from atmp_graph.writes.transaction import WriteEngine

    shapes_dir = Path(config["shapes_dir"])
    shapes = load_shapes(read_shapes_graph(sorted(shapes_dir.glob("*.ttl")))) if shapes_dir.is_dir() else []
    store_dir = config.get("store_dir")
    journal = Journal(Path(store_dir) / JOURNAL_FILE) if store_dir else None
    return WriteEngine(store, shapes=shapes, journal=journal, infer=config.get("infer", True),
                       update_base=config.get("update_base", "https://w3id.org/atmp/kb/"),
                       load_allow_list=config.get("load_allow_list", ()),
                       max_load_bytes=config.get("max_load_bytes", 10 * 2**20), graph_sizes=graph_sizes)


def handle_write(engine: WriteEngine, request: dict[str, Any]) -> dict[str, Any]:
    """Run one write; every failure becomes an answer, never a crash of the zygote."""
    from atmp_graph.writes.errors import WriteRefused
    from atmp_graph.writes.transaction import Change

    try:
        outcome = engine.execute(Change(**request["change"]))
    except WriteRefused as refused:
        return {"status": "error", "http": refused.status, "message": refused.message}
    except SyntaxError as error:
        return {"status": "error", "http": 400, "message": f"syntax error: {error}"}
    except (ValueError, RuntimeError, OSError) as error:  # the engine refusing this request's data
        return {"status": "error", "http": 400, "message": str(error)}
    except Exception as error:  # an engine failure must not take the store down
        return {"status": "error", "http": 500, "message": f"the write failed: {error}"}
    if outcome["status"] == "committed":
        outcome["graphs_after"] = engine.graph_sizes()  # kept up to date: counting reads the whole store
    return outcome


def delta_bytes(net: NetChange) -> tuple[bytes, bytes]:
    """A net change as two N-Quads documents (removed, added) for the workers."""
    from atmp_graph.store import encode_nquads

    return encode_nquads(net.removed), encode_nquads(net.added)


def fork_workers(control: socket.socket, store: GraphStore | None, store_dir: str | None, *,
                 count: int, reply: dict[str, Any]) -> None:
    """Fork ``count`` workers and send ``reply`` with their pids, handing the server their channels.

    ``reply`` says the generation the workers hold (the server tags them with it).
    """
    ends: list[socket.socket] = []
    pids: list[int] = []
    for _ in range(count):
        server_end, worker_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker
            control.close()
            for end in [server_end, *ends]:
                end.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            die_with_parent()
            try:
                worker_store = store if store is not None else GraphStore.read_only(Path(str(store_dir)))
                # In a thread of its own: the engine's random generator is per thread and a fork
                # copies the zygote thread's state, so workers answering from the inherited
                # thread would all give the same UUID(), STRUUID(), RAND() and BNODE() values.
                serving = threading.Thread(target=worker.serve, args=(worker_store, worker_end), name="worker")
                serving.start()
                serving.join()
            finally:
                os._exit(0)
        worker_end.close()
        ends.append(server_end)
        pids.append(pid)
    message = encode_message({**reply, "pids": pids})
    sent = socket.send_fds(control, [message], [end.fileno() for end in ends])
    if sent < len(message):  # a stream socket may take a long message in parts
        control.sendall(message[sent:])
    for end in ends:
        end.close()


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[1]))
    die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when we stop
    config = recv_message(control)
    try:
        store, status = load(config)
    except (SyntaxError, OSError, ValueError) as error:
        send_message(control, {"status": "error", "message": str(error)})
        return 2
    engine = (write_engine(store, config, graph_sizes=status.get("graphs"))
              if store is not None and config.get("writes") else None)
    send_message(control, status)
    generation = 0  # committed changes so far: the state the next fork holds
    while True:
        try:
            request = recv_message(control)
        except ChannelClosed:
            return 0
        if request["op"] == "fork":
            fork_workers(control, store, config.get("store_dir"), count=1,
                         reply={"status": "ok", "generation": generation})
        elif request["op"] == "write":
            if engine is None:
                send_message(control, {"status": "error", "http": 403, "message": "writes are not enabled"})
                continue
            outcome = handle_write(engine, request)
            net = outcome.pop("net", None)
            if outcome["status"] != "committed" or not outcome.get("change") or net is None:
                fork_workers(control, store, config.get("store_dir"), count=0, reply=outcome)
                continue
            generation += 1
            outcome["generation"] = generation
            if len(net) <= MAX_SHIPPED_QUADS:  # the answer, then the change for the workers to apply
                removed, added = delta_bytes(net)
                outcome["delta"] = {"quads": len(net), "remove": len(removed), "add": len(added)}
                control.sendall(encode_message(outcome) + removed + added)
            else:  # too large to ship: workers of the new state, forked in the same turn as the commit
                fork_workers(control, store, config.get("store_dir"), count=int(request.get("fork", 0)),
                             reply=outcome)
        elif request["op"] == "stop":
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
