"""Typed dependencies for routes: the settings and the query pool of the running app."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from atmp_graph.engine.pool import QueryPool
from atmp_graph.settings import Settings


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_pool(request: Request) -> QueryPool:
    return cast(QueryPool, request.app.state.pool)


SettingsDep = Annotated[Settings, Depends(get_settings)]
PoolDep = Annotated[QueryPool, Depends(get_pool)]
