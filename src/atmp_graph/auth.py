"""Credentials for the API: bearer tokens with a role (``read`` or ``write``).

Tokens come from ``ATMP_GRAPH_TOKENS`` (``token:role,token:role``) or from the file
named by ``ATMP_GRAPH_TOKENS_FILE`` (one ``token:role`` a line, ``#`` comments), never
from the command line; they are compared in constant time and never logged. A client
sends ``Authorization: Bearer TOKEN``, or HTTP Basic with the token as the password.

>>> creds = Credentials.parse("s3cret-token-for-tests:write")
>>> creds.role_of("s3cret-token-for-tests"), creds.role_of("wrong")
('write', None)
>>> creds.writes_enabled
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

ROLES = ("read", "write")
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class Credentials:
    tokens: tuple[tuple[bytes, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Credentials:
        """Parse ``token:role`` pairs separated by commas or new lines; ``ValueError`` if malformed."""
        pairs = []
        for raw in text.replace(",", "\n").splitlines():
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            token, sep, role = entry.rpartition(":")
            if not sep or role not in ROLES:
                raise ValueError("each credential must be TOKEN:ROLE with ROLE read or write")
            if len(token) < MIN_TOKEN_LENGTH:
                raise ValueError(f"tokens must be at least {MIN_TOKEN_LENGTH} characters long")
            pairs.append((token.encode(), role))
        return cls(tuple(pairs))

    @property
    def writes_enabled(self) -> bool:
        return any(role == "write" for _, role in self.tokens)

    def role_of(self, presented: str) -> str | None:
        """The role of a presented token; every token is compared, in constant time."""
        found = None
        candidate = presented.encode()
        for token, role in self.tokens:
            if hmac.compare_digest(token, candidate):
                found = role
        return found


def presented_token(authorization: str | None) -> str | None:
    """The token in an ``Authorization`` header (Bearer, or Basic with the token as password)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def agent_id(token: str) -> str:
    """A stable, non-secret name for the holder of a token (for the change log)."""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:12]
