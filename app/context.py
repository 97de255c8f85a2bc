"""What every use case needs from the process: the repository (reads), the record store (writes), the document
search, the cache, the archive of originals, the user directory, the clock's time zone. One `AppContext` per
process, built by the front door that starts (the cockpit/API server, the CLI, a worker).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.cache import cache_key, safe_get, safe_set
from app.users import UserDirectory
from domain.principal import Principal
from indexing.records import RecordStore
from search import system
from search.parse import total_of
from search.repository import ReadFailed, Repository
from search.service import SearchService

log = logging.getLogger(__name__)

DATA_VERSION_TTL_S = 5.0
CACHE_TIMEOUT_S = 300


@dataclass
class AppContext:
    repo: Repository
    store: RecordStore
    search: SearchService
    archive_root: Path
    directory: UserDirectory
    cache: Any = None
    audit_anchor_dir: Path | None = None
    tz: str = "Europe/Berlin"
    data_version_ttl: float = DATA_VERSION_TTL_S
    retention: Any = None  # domain.retention.RetentionTable, validated at start-up (create)
    access: Any = None  # domain.access.AccessPolicy: given explicitly, or validated at start-up from access_file
    access_file: Path | None = None
    _dv: str | None = field(default=None, init=False, repr=False)
    _dv_at: float = field(default=0.0, init=False, repr=False)
    _dv_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    warm_started: bool = field(default=False, init=False, repr=False)
    audit_pending: deque[dict[str, Any]] = field(default_factory=deque, init=False, repr=False)
    audit_linked: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False)
    audit_exit_hook: bool = field(default=False, init=False, repr=False)
    _memo: OrderedDict[str, tuple[float, Any]] = field(default_factory=OrderedDict, init=False, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _bg: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="app-bg"), init=False, repr=False
    )

    @classmethod
    def create(
        cls,
        es: Any = None,
        prefix: str | None = None,
        *,
        archive_root: Path | None = None,
        cache: Any = None,
        embedder_factory: Callable[[], Any] | None = None,
        users_file: Path | None = None,
        directory: UserDirectory | None = None,
    ) -> AppContext:
        from core.settings import get_settings

        settings = get_settings()
        if es is None:
            from core.es import get_client

            es = get_client()
        prefix = prefix or settings.index_prefix
        from indexing.retention import configured_table

        retention = configured_table()  # a bad retention table stops every front door here, the key named
        from indexing.access_policy import configured_policy

        access = configured_policy()  # so does a malformed permission table, with its line number
        repo = Repository(es, prefix)
        return cls(
            repo=repo,
            store=RecordStore(es, prefix),
            search=SearchService(repo, embedder_factory),
            archive_root=Path(archive_root) if archive_root else settings.archive_dir,
            directory=directory or UserDirectory(users_file),
            cache=cache,
            audit_anchor_dir=settings.audit_anchor_dir,
            tz=settings.timezone,
            retention=retention,
            access=access,
            access_file=settings.permissions_file,
        )

    def __post_init__(self) -> None:
        from app.grants import attach

        self.directory.enrich = lambda principal: attach(self, principal)  # every user, with their grants

    @property
    def prefix(self) -> str:
        return self.repo.prefix

    # ------------------------------------------------------------------------------------------ caching

    def data_version(self) -> str:
        """Changes after every ingest run, manual filing or other write; kept for a few seconds per process."""
        dv = self._dv
        if dv is not None and time.monotonic() - self._dv_at < self.data_version_ttl:
            return dv
        with self._dv_lock:
            if self._dv is not None and time.monotonic() - self._dv_at < self.data_version_ttl:
                return self._dv
            try:
                docs, audit = self.repo.msearch(system.data_version_bodies(Principal.system()), missing_ok=True)
                parts = [
                    str(total_of(docs)),
                    str(((docs.get("aggregations") or {}).get("m") or {}).get("value_as_string") or ""),
                    str(((audit.get("aggregations") or {}).get("m") or {}).get("value_as_string") or ""),
                ]
                value = "|".join(parts)
            except ReadFailed as exc:
                log.warning("data version unavailable (%s): caching off for now", exc)
                value = f"unavailable-{time.time()}"
            self._dv, self._dv_at = value, time.monotonic()
            return value

    def invalidate(self) -> None:
        with self._dv_lock:
            self._dv = None

    def cached(
        self,
        namespace: str,
        scope_key: str,
        parts: tuple[Any, ...],
        compute: Callable[[], Any],
        *,
        timeout: int = CACHE_TIMEOUT_S,
        keep: Callable[[Any], bool] | None = None,
    ) -> Any:
        """`compute()` once per (namespace, scope, data version, parts); None and unkept values are not stored."""
        if self.cache is None:
            return compute()
        key = cache_key(namespace, scope_key, self.data_version(), *parts)
        hit = safe_get(self.cache, key)
        if hit is not None:
            return hit
        value = compute()
        if value is not None and (keep is None or keep(value)):
            safe_set(self.cache, key, value, timeout=timeout)
        return value

    def memo(self, key: str, ttl_s: float, compute: Callable[[], Any], *, max_entries: int = 10_000) -> Any:
        """A small per-process memo with a time to live (API key records between calls of one integration);
        None is not kept."""
        now = time.monotonic()
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] > now:
                return hit[1]
        value = compute()
        if value is not None:
            with self._memo_lock:
                self._memo[key] = (now + ttl_s, value)
                self._memo.move_to_end(key)
                while len(self._memo) > max_entries:
                    self._memo.popitem(last=False)
        return value

    def forget(self, key: str) -> None:
        with self._memo_lock:
            self._memo.pop(key, None)

    # ------------------------------------------------------------------------------------------ background

    def background(self, fn: Callable[[], Any]) -> None:
        with contextlib.suppress(RuntimeError):  # shut down
            self._bg.submit(fn)

    def flush_background(self, timeout: float = 10.0) -> None:
        """Write what is queued (audit entries) and wait for the background work so far (tests, CLI commands
        before they exit)."""
        from app import audit

        self.background(lambda: audit.flush(self))
        done = threading.Event()
        self.background(done.set)
        done.wait(timeout)
