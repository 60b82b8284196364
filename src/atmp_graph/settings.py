"""Service settings: one typed class, read from ``ATMP_GRAPH_*`` environment variables
and overridden by the command line. Unsafe combinations are refused at start-up.

>>> Settings(timeout=5).timeout
5.0
>>> Settings(cors_origins=["*"], cors_allow_credentials=True)
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings
...
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from atmp_graph.auth import Credentials
from atmp_graph.namespaces import BUNDLED_ONTOLOGY_DIR, BUNDLED_SHAPES_DIR


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATMP_GRAPH_", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    store_dir: Path | None = Field(default=None, description="persistent on-disk store; in memory when unset")
    data_files: list[Path] = Field(default_factory=list, description="extra RDF files, one named graph each")
    bundled: bool = Field(default=True, description="serve the bundled ontology and KB")
    infer: bool = Field(default=True, description="materialise OWL 2 RL entailments into the inferred graph")
    ontology_dir: Path = BUNDLED_ONTOLOGY_DIR
    timeout: float = Field(default=30.0, gt=0, description="seconds a query may run before it is stopped")
    workers: int = Field(default_factory=lambda: max(2, 2 * (os.cpu_count() or 1)), ge=1, le=256)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_result_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    result_cache_mb: float = Field(default=0, ge=0, description="MiB of small answers kept until the next write "
                                   "(embedded store only; 0: off)")
    max_query_length: int = Field(default=100_000, ge=100, description="characters in a query or update")
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    cors_allow_credentials: bool = False
    tokens: SecretStr | None = Field(default=None, description="TOKEN:ROLE pairs, comma-separated (env only)")
    tokens_file: Path | None = Field(default=None, description="a file of TOKEN:ROLE lines")
    reads_need_token: bool = Field(default=False, description="require a read or write token for queries too")
    shapes_dir: Path = BUNDLED_SHAPES_DIR
    backend: Literal["embedded", "sparql"] = Field(
        default="embedded", description="embedded pyoxigraph store, or a remote SPARQL 1.1 store (endpoint)")
    endpoint: str | None = Field(default=None, description="the remote store's SPARQL query endpoint")
    update_endpoint: str | None = Field(default=None, description="its SPARQL Update endpoint (default: endpoint)")
    store_endpoint: str | None = Field(default=None, description="its Graph Store Protocol endpoint, if any")
    remote_user: str | None = Field(default=None, description="user for the remote store (env only)")
    remote_password: SecretStr | None = Field(default=None, description="password for the remote store (env only)")
    federation_allow_list: list[str] = Field(
        default_factory=list, description="SERVICE / LOAD targets allowed (exact IRIs, or prefixes ending in /)"
    )

    def credentials(self) -> Credentials:
        """The configured tokens; ``ValueError`` if they are malformed or the file is unreadable."""
        text = self.tokens.get_secret_value() if self.tokens else ""
        if self.tokens_file is not None:
            text += "\n" + self.tokens_file.read_text(encoding="utf-8")
        return Credentials.parse(text)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError("CORS with credentials needs explicit origins, never '*'")
        try:
            credentials = self.credentials()
        except OSError as error:
            raise ValueError(f"cannot read the tokens file: {error}") from None
        if self.reads_need_token and not credentials.tokens:
            raise ValueError("reads_need_token needs at least one token")
        if self.backend == "sparql":
            if not self.endpoint:
                raise ValueError("the sparql backend needs an endpoint (--endpoint URL or ATMP_GRAPH_ENDPOINT)")
            if self.store_dir is not None:
                raise ValueError("--store is for the embedded backend; the sparql backend keeps data in the remote store")
            for url in (self.endpoint, self.update_endpoint, self.store_endpoint):
                if url is not None and not url.startswith(("http://", "https://")):
                    raise ValueError(f"remote endpoints must be http(s) URLs, not {url!r}")
        for target in self.federation_allow_list:
            if not target.startswith(("http://", "https://")):
                raise ValueError(f"federation allow-list entries must be http(s) IRIs, not {target!r}")
        return self
