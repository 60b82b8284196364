"""Where the data lives: the embedded pyoxigraph store (pre-forked query workers, the default)
or a remote SPARQL 1.1 store spoken to only through the standard protocols.

The API depends on :class:`Backend` only; :func:`make_backend` picks one from the settings.
"""

from atmp_graph.backends.base import Backend, make_backend

__all__ = ["Backend", "make_backend"]
