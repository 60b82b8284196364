"""Typed dependencies for routes: the settings and the query pool of the running app."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from atmp_graph.backends import Backend
from atmp_graph.settings import Settings


# Coroutines, not plain functions: FastAPI runs a plain dependency in a thread pool, which
# costs a thread hand-off on every request for what is only an attribute look-up.
async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_pool(request: Request) -> Backend:
    return cast(Backend, request.app.state.pool)


SettingsDep = Annotated[Settings, Depends(get_settings)]
PoolDep = Annotated[Backend, Depends(get_pool)]
