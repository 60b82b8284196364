"""Who may do what: reads are public unless configured otherwise, writes need a write token."""

from __future__ import annotations

from fastapi import Request

from atmp_graph.api.errors import ApiError
from atmp_graph.auth import agent_id, presented_token
from atmp_graph.settings import Settings


def require_role(request: Request, settings: Settings, role: str) -> str:
    """The agent id of a caller holding ``role`` (write implies read); 401/403 otherwise."""
    credentials = settings.credentials()
    if role == "write" and not credentials.writes_enabled:
        raise ApiError(403, "writes are disabled on this service (no write credentials are configured)")
    token = presented_token(request.headers.get("authorization"))
    if token is None:
        raise ApiError(401, "this operation needs a token: send 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": 'Bearer realm="atmp-graph", Basic realm="atmp-graph"'})
    granted = credentials.role_of(token)
    if granted is None:
        raise ApiError(401, "the token is not valid", headers={"WWW-Authenticate": 'Bearer realm="atmp-graph"'})
    if role == "write" and granted != "write":
        raise ApiError(403, "this token may read but not write")
    return agent_id(token)


def check_read_access(request: Request, settings: Settings) -> None:
    """Reads are public unless the settings say otherwise."""
    if settings.reads_need_token:
        require_role(request, settings, "read")
