"""flask-caching with Redis, falling back to an in-process cache (loudly) when Redis is absent or down.

Keys built by `cache_key` always carry the user's scope and the data version, so a cached answer can
never cross a permission boundary or survive an ingest.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from flask_caching import Cache

from core.services import redis_url
from core.settings import get_settings

log = logging.getLogger("cockpit.cache")


def cache_config(prefix: str | None = None) -> dict[str, Any]:
    """Redis when it answers (keys prefixed with the index prefix, so two corpora never share), else in-process."""
    url = redis_url(get_settings())
    if url:
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_DEFAULT_TIMEOUT": 300,
            "CACHE_KEY_PREFIX": f"{prefix or get_settings().index_prefix}:",
            "CACHE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    log.warning("NO REDIS: using a per-process in-memory cache (slower, not shared between workers)")
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}


def cache_key(namespace: str, scope_key: str, data_version: str, *parts: Any) -> str:
    raw = json.dumps([namespace, scope_key, data_version, parts], sort_keys=True, default=str)
    return f"{namespace}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def safe_get(cache: Cache, key: str) -> Any:
    """cache.get that treats a Redis outage as a miss (flask-caching raises on direct calls)."""
    try:
        return cache.get(key)
    except Exception as exc:  # noqa: BLE001
        log.warning("cache get failed (%s): computing without cache", type(exc).__name__)
        return None


def safe_set(cache: Cache, key: str, value: Any, timeout: int | None = None) -> bool:
    try:
        return bool(cache.set(key, value, timeout=timeout))
    except Exception as exc:  # noqa: BLE001
        log.warning("cache set failed (%s)", type(exc).__name__)
        return False
