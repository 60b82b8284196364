"""The write-ahead journal of committed changes: one JSON line per change, fsynced.

A line is written and flushed to disk before the change is acknowledged; at start-up
the committed changes are replayed. A torn last line (the process was killed while
writing it) is not a committed change: it is ignored and cut off.

>>> import tempfile, pathlib
>>> from atmp_graph.store import decode_quad
>>> path = pathlib.Path(tempfile.mkdtemp()) / "journal.jsonl"
>>> journal = Journal(path)
>>> q = decode_quad([["i", "http://s"], ["i", "http://p"], ["l", "1", "http://www.w3.org/2001/XMLSchema#integer"], None])
>>> journal.append(removed=[], added=[q])
>>> _ = path.open("ab").write(b'{"remove": [')  # a torn write
>>> [len(added) for removed, added in Journal(path).entries()]
[1]
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from atmp_graph.store import Quad, decode_quad, encode_quad


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, *, removed: list[Quad], added: list[Quad]) -> None:
        line = json.dumps({"remove": [encode_quad(q) for q in removed], "add": [encode_quad(q) for q in added]})
        with self.path.open("ab") as handle:
            handle.write(line.encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())

    def entries(self, *, start: int = 0) -> Iterator[tuple[list[Quad], list[Quad]]]:
        """The committed changes from byte ``start`` on; a torn last line is cut off the file."""
        for removed, added, _ in self.entries_with_offsets(start=start):
            yield removed, added

    def entries_with_offsets(self, *, start: int = 0) -> Iterator[tuple[list[Quad], list[Quad], int]]:
        """Like :meth:`entries`, with the byte offset just past each entry."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]
        if len(complete) != len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(len(complete))
        offset = start
        for line in complete[start:].splitlines(keepends=True):
            offset += len(line)
            entry = json.loads(line)
            yield [decode_quad(q) for q in entry["remove"]], [decode_quad(q) for q in entry["add"]], offset

    def clear(self) -> None:
        if self.path.exists():
            self.path.unlink()
