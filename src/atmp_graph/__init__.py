"""atmp-graph: a linked-data knowledge graph of CAR-T and TCR-T cell therapies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("atmp-graph")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
