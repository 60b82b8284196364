"""Framing on the Unix sockets between server, zygote and workers.

Messages are JSON objects prefixed by their length; result bytes travel as data
frames, a zero-length frame ending the stream.

>>> import socket
>>> a, b = socket.socketpair()
>>> send_message(a, {"op": "ping"}); recv_message(b)
{'op': 'ping'}
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

_LENGTH = struct.Struct("!I")
MAX_MESSAGE = 64 * 1024 * 1024


class ChannelClosed(ConnectionError):
    """The peer closed the socket (a worker that died or was killed)."""


def encode_message(message: dict[str, Any]) -> bytes:
    payload = json.dumps(message).encode()
    return _LENGTH.pack(len(payload)) + payload


def send_message(sock: socket.socket, message: dict[str, Any]) -> None:
    sock.sendall(encode_message(message))


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ChannelClosed("peer closed the channel")
        chunks += chunk
    return bytes(chunks)


def recv_message(sock: socket.socket) -> dict[str, Any]:
    (size,) = _LENGTH.unpack(recv_exactly(sock, _LENGTH.size))
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes exceeds the channel limit")
    message: dict[str, Any] = json.loads(recv_exactly(sock, size))
    return message


def data_frame(data: bytes) -> bytes:
    """A data frame; ``data_frame(b"")`` ends the stream."""
    return _LENGTH.pack(len(data)) + data


def unpack_length(header: bytes) -> int:
    length: int = _LENGTH.unpack(header)[0]
    return length


LENGTH_SIZE = _LENGTH.size
