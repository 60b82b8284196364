"""The HTTP service: ``create_app(settings)`` builds it; routes live in one module per concern."""

from atmp_graph.api.app import create_app

__all__ = ["create_app"]
