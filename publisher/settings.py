"""Settings: one typed object, built once at the entry point and passed down.

Nothing here reads the environment at import time; :func:`Settings.from_env` is called by the
CLI only. Every setting is documented in docs/settings.md (a test keeps them in sync).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from .namespaces import DEFAULT_BASE
from .yamlsrc import DEFAULT_MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Settings:
    """Every setting of planlod, with its default. See docs/settings.md."""

    root: Path = ROOT  # project checkout holding ontology/, shapes/
    datasets: Path = field(default_factory=lambda: Path("datasets"))  # plan folders
    out: Path = field(default_factory=lambda: Path("public"))  # the publication (a symlink)
    base: str = DEFAULT_BASE  # base IRI of the data
    cache_dir: Path = field(default_factory=lambda: Path(".planlod-cache"))  # validation cache
    workers: int = 0  # validation processes; 0 = one per core
    validator: str = "fast"  # SHACL engine: fast (publisher/fastshacl.py) or pyshacl (the reference)
    max_file_size: int = DEFAULT_MAX_BYTES  # largest source file accepted, in bytes
    source_date_epoch: int | None = None  # fixes dct:modified of changed plans (reproducible builds)
    keep_releases: int = 2  # releases kept beside the current one
    progress: bool | None = None  # progress bar; None = only on a terminal and not in CI
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 30.0  # seconds a /sparql query may run
    max_rows: int = 10_000  # rows a /sparql SELECT returns at most
    max_body: int = 1_000_000  # bytes of a /sparql request body
    max_concurrent_queries: int = 4  # /sparql queries running at once; more get 503
    max_queries_per_client: int = 2  # /sparql queries one client address may run at once; more get 429
    forwarded_allow_ips: str = "127.0.0.1"  # proxies whose X-Forwarded-For names the client ("*": any)
    query_memory_mb: int | None = None  # address space of each /sparql worker in MB (None: 2048, less on a small machine; 0: none)
    max_result_bytes: int = 50_000_000  # bytes of terms' text one /sparql answer writes; rows beyond are cut
    max_query_depth: int = 100  # nesting of (), {} and [] in a query; deeper gets 400
    query_queue_wait: float = 1.0  # seconds a /sparql query waits for a free worker before 503
    catalog_page_size: int = 100  # datasets per page of /catalog (Hydra paging beyond)
    search_timeout: float = 5.0  # seconds one /search may spend in the index before 503
    page_cache_bytes: int = 64_000_000  # bytes of rendered pages kept in memory per release (0: none)
    production_hosts: tuple[str, ...] = ()  # host names where /catalog links keep the base's IRIs
    sparql_endpoint: str | None = None  # serve from this SPARQL 1.1 query endpoint, not the embedded store
    store_user: str | None = None  # user name for the SPARQL endpoint's HTTP authentication
    store_password: str | None = field(default=None, repr=False)  # its password (CLI: MPLAN_STORE_PASSWORD)
    store_auth: str = "basic"  # HTTP authentication scheme of the SPARQL endpoint: basic or digest

    @property
    def store_path(self) -> Path:
        return self.out / "store"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings with SOURCE_DATE_EPOCH and CI read from the environment, then ``overrides``."""
        s = cls()
        if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
            s.source_date_epoch = int(os.environ["SOURCE_DATE_EPOCH"])
        if s.progress is None and os.environ.get("CI"):
            s.progress = False
        for key, value in overrides.items():
            if value is not None:
                setattr(s, key, value)
        return s


SETTING_NAMES = tuple(f.name for f in fields(Settings))
