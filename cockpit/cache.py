"""flask-caching with Redis, falling back to an in-process cache (loudly) when Redis is absent or down.

Keys (`app.cache.cache_key`) always carry the principal's scope and the data version, so a cached answer can
never cross a permission boundary or survive an ingest.
"""

from __future__ import annotations

import logging
from typing import Any

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
