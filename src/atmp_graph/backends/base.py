"""The interface both backends implement, and the choice between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from rdflib import Graph
from rdflib.term import Node

from atmp_graph.engine.pool import QueryRequest, QueryStream

if TYPE_CHECKING:
    from atmp_graph.settings import Settings


class Backend(Protocol):
    """What the API needs from a store: queries streamed in a negotiated format, writes, status.

    ``status`` holds at least ``graphs`` (triples per served named graph) and ``inference``;
    ``execute`` raises :class:`~atmp_graph.engine.pool.QueryFailed` for anything found before
    the first bytes, and the stream raises it for anything after.
    """

    timeout: float
    writes: bool
    status: dict[str, Any]

    @property
    def ready(self) -> bool: ...

    def load(self) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def worker_counts(self) -> dict[str, int]: ...

    async def execute(self, request: QueryRequest) -> QueryStream: ...

    async def read_all(self, request: QueryRequest) -> tuple[str, bytes]: ...

    async def select(self, query: str, *, substitutions: dict[str, Node] | None = None) -> list[dict[str, Node]]: ...

    async def construct(self, query: str, *, substitutions: dict[str, Node] | None = None) -> Graph: ...

    async def write(self, change: dict[str, Any]) -> dict[str, Any]: ...


def make_backend(settings: Settings) -> Backend:
    """The backend the settings ask for (not started: call ``load()`` or ``start()``)."""
    from atmp_graph.store import sources_for

    writes = settings.credentials().writes_enabled
    if settings.backend == "sparql":
        from atmp_graph.backends.remote import RemoteBackend, RemoteConfig

        assert settings.endpoint is not None  # the settings refuse a sparql backend without one
        return RemoteBackend(
            RemoteConfig(
                endpoint=settings.endpoint,
                update_endpoint=settings.update_endpoint or settings.endpoint,
                store_endpoint=settings.store_endpoint,
                user=settings.remote_user,
                password=settings.remote_password.get_secret_value() if settings.remote_password else None,
            ),
            sources=sources_for(settings),
            timeout=settings.timeout,
            max_result_bytes=settings.max_result_bytes,
            infer=settings.infer,
            writes=writes,
            shapes_dir=str(settings.shapes_dir),
            load_allow_list=settings.federation_allow_list,
            max_load_bytes=settings.max_body_bytes,
        )
    from atmp_graph.engine.pool import QueryPool

    return QueryPool(
        sources=sources_for(settings),
        store_dir=str(settings.store_dir) if settings.store_dir else None,
        workers=settings.workers,
        timeout=settings.timeout,
        max_result_bytes=settings.max_result_bytes,
        infer=settings.infer,
        writes=writes,
        shapes_dir=str(settings.shapes_dir),
        load_allow_list=settings.federation_allow_list,
        max_load_bytes=settings.max_body_bytes,
    )
