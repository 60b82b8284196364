"""The query worker: a forked process that evaluates queries one at a time.

For each request it parses and evaluates the query, negotiates the media type once
the result kind is known, and streams the serialisation back. The first bytes are
held back until ``HOLD_BACK`` bytes are ready or the result is complete, so that
errors found early (bad syntax, no acceptable format, evaluation errors in the first
rows) still reach the client as a proper status instead of a cut stream.

Between queries the server may send committed changes (``apply``: N-Quads to remove,
then to add, after the message). The worker applies each whole before it reads the next
request, so no query sees a change half-applied.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from rdflib.term import Node
from rdflib.util import from_n3

from atmp_graph.engine.wire import (
    ChannelClosed,
    data_frame,
    encode_message,
    recv_exactly,
    recv_message,
    send_message,
)
from atmp_graph.negotiation import NotAcceptable, ResultKind, negotiate
from atmp_graph.store import GraphStore

HOLD_BACK = 64 * 1024
FRAME_SIZE = 256 * 1024


class ResultTooLarge(OSError):
    """The serialised result passed the configured size limit."""


class _FramedOutput:
    """A binary file-like object that frames what pyoxigraph writes onto the socket."""

    def __init__(self, sock: socket.socket, *, limit: int) -> None:
        self._sock = sock
        self._limit = limit
        self._buffer = bytearray()
        self._written = 0
        self.header: dict[str, Any] | None = None
        self.header_sent = False

    def write(self, data: bytes) -> int:
        self._written += len(data)
        if self._written > self._limit:
            raise ResultTooLarge(
                f"the result is larger than this service's limit of {self._limit} bytes; "
                "narrow the query or add a LIMIT"
            )
        self._buffer += data
        threshold = FRAME_SIZE if self.header_sent else HOLD_BACK
        if len(self._buffer) >= threshold:
            self._send_buffer()
        return len(data)

    def flush(self) -> None:
        """Nothing: pyoxigraph flushes when it has written everything, and :meth:`finish` then
        sends the rest (with the header, in one write, when the whole result is that small)."""

    def _send_buffer(self) -> None:
        if not self._buffer:
            return
        self._send_header()
        self._sock.sendall(data_frame(bytes(self._buffer)))
        self._buffer.clear()

    def _send_header(self) -> None:
        if not self.header_sent:
            assert self.header is not None, "the media type is chosen before any output"
            send_message(self._sock, self.header)
            self.header_sent = True

    def finish(self) -> None:
        """Send what is left, the end frame and the trailer, in one write for small results."""
        message = bytearray()
        if not self.header_sent:  # the whole result follows the header in this one write
            assert self.header is not None
            message += encode_message({**self.header, "complete": True})
            self.header_sent = True
        if self._buffer:
            message += data_frame(bytes(self._buffer))
            self._buffer.clear()
        message += data_frame(b"") + encode_message({"status": "ok"})
        self._sock.sendall(message)


def _error(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"status": "error", "code": code, "message": message, **extra}


def _substitutions(encoded: dict[str, str] | None) -> dict[str, Node] | None:
    """Variable bindings sent as N-Triples terms, back to rdflib terms."""
    if not encoded:
        return None
    terms = {}
    for name, text in encoded.items():
        term = from_n3(text)
        if not isinstance(term, Node):
            raise ValueError(f"bad term for ?{name}: {text!r}")
        terms[name] = term
    return terms


def run_query(store: GraphStore, sock: socket.socket, request: dict[str, Any]) -> None:
    """Answer one query request on ``sock``."""
    output = _FramedOutput(sock, limit=int(request["max_result_bytes"]))

    def choose(kind: ResultKind) -> str:
        media_type = negotiate(kind, accept=request.get("accept"), format=request.get("format"))
        output.header = {"status": "ok", "kind": kind, "media_type": media_type}
        return media_type

    try:
        store.execute(
            request["query"],
            output,  # type: ignore[arg-type]  # duck-typed binary writer
            choose_media_type=choose,
            default_graphs=request.get("default_graphs"),
            named_graphs=request.get("named_graphs"),
            substitutions=_substitutions(request.get("substitutions")),
        )
    except SyntaxError as error:
        reply = _error("syntax", f"SPARQL syntax error: {error}")
    except NotAcceptable as error:
        reply = _error("not_acceptable", str(error), offered=list(error.offered))
    except ResultTooLarge as error:
        reply = _error("too_large", str(error))
    except Exception as error:  # the worker must report, never die, whatever the engine raises
        if isinstance(error.__context__, ResultTooLarge) or "larger than this service's limit" in str(error):
            reply = _error("too_large", str(error))
        else:
            reply = _error("evaluation", f"query evaluation failed: {error}")
    else:
        output.finish()
        return
    if output.header_sent:  # the stream has begun: end it and report in the trailer
        sock.sendall(data_frame(b""))
    send_message(sock, reply)


def serve(store: GraphStore, sock: socket.socket) -> None:
    """The worker's loop: one request at a time until the server closes the channel."""
    while True:
        try:
            request = recv_message(sock)
        except ChannelClosed:
            return
        if request.get("op") == "query":
            run_query(store, sock, request)
        elif request.get("op") == "apply":  # no answer: the server pipelines it before a query
            try:
                remove = recv_exactly(sock, int(request["remove"]))
                add = recv_exactly(sock, int(request["add"]))
                store.apply_nquads(remove=remove, add=add)
            except ChannelClosed:
                return
            except Exception as error:  # never answer from a state the server does not know: end
                print(f"query worker: could not apply generation {request.get('generation')}: {error}",
                      file=sys.stderr)
                return
        elif request.get("op") == "ping":
            send_message(sock, {"status": "ok"})
        else:
            send_message(sock, _error("protocol", f"unknown operation {request.get('op')!r}"))
