"""flask-caching with Redis, falling back to an in-process cache (loudly) when Redis is absent or down.

Keys (`app.cache.cache_key`) always carry the principal's scope and the data version, so a cached answer can
never cross a permission boundary or survive an ingest.

Values in Redis are never pickled (a process that can write to Redis could otherwise plant a pickle that runs code
in the web workers): `SafeRedisCache` stores them as tagged JSON (`cockpit.cache_codec`), and `harden` puts that
serializer on any Redis backend a configuration names. The in-process fallback (SimpleCache) stays as it is:
nothing outside the process writes to it.
"""

from __future__ import annotations

import logging
from typing import Any

from cachelib import NullCache as CachelibNullCache
from cachelib import RedisCache as CachelibRedisCache
from cachelib import SimpleCache
from flask_caching.backends.nullcache import NullCache
from flask_caching.backends.rediscache import RedisCache

from cockpit.cache_codec import SafeRedisSerializer
from core.services import redis_url
from core.settings import get_settings

log = logging.getLogger("cockpit.cache")

SAFE_REDIS_CACHE = "cockpit.cache.SafeRedisCache"


class SafeRedisCache(RedisCache):
    """flask-caching's RedisCache with the JSON serializer instead of pickle (CACHE_TYPE = SAFE_REDIS_CACHE)."""

    serializer = SafeRedisSerializer()


def cache_config(prefix: str | None = None) -> dict[str, Any]:
    """Redis when it answers (keys prefixed with the index prefix, so two corpora never share), else in-process."""
    url = redis_url(get_settings())
    if url:
        return {
            "CACHE_TYPE": SAFE_REDIS_CACHE,
            "CACHE_REDIS_URL": url,
            "CACHE_DEFAULT_TIMEOUT": 300,
            "CACHE_KEY_PREFIX": f"{prefix or get_settings().index_prefix}:",
            "CACHE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    log.warning("NO REDIS: using a per-process in-memory cache (slower, not shared between workers)")
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}


def harden(backend: Any) -> Any:
    """Make sure a cache backend never unpickles what another process wrote: a Redis backend (also one configured
    as plain "RedisCache") gets the JSON serializer; in-process and null caches are left alone; any other shared
    backend (file system, memcached: pickle) is refused."""
    if isinstance(backend, CachelibRedisCache):
        if not isinstance(backend.serializer, SafeRedisSerializer):
            backend.serializer = SafeRedisSerializer()
        return backend
    if isinstance(backend, SimpleCache | NullCache | CachelibNullCache):
        return backend
    raise ValueError(f"cache backend {type(backend).__name__} is not supported: it would unpickle shared data")
