"""Cache keys and outage-tolerant get/set over any flask-caching / cachelib style backend (get/set).

Keys always carry the principal's scope key and the data version, so a cached answer can never cross a
permission boundary or survive an ingest. A cache outage is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

log = logging.getLogger(__name__)


def cache_key(namespace: str, scope_key: str, data_version: str, *parts: Any) -> str:
    raw = json.dumps([namespace, scope_key, data_version, parts], sort_keys=True, default=str)
    return f"{namespace}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def safe_get(cache: Any, key: str) -> Any:
    try:
        return cache.get(key)
    except Exception as exc:  # noqa: BLE001 - a cache outage is a miss
        log.warning("cache get failed (%s): computing without cache", type(exc).__name__)
        return None


def safe_set(cache: Any, key: str, value: Any, timeout: int | None = None) -> bool:
    try:
        return bool(cache.set(key, value, timeout=timeout))
    except Exception as exc:  # noqa: BLE001 - a cache outage only costs time
        log.warning("cache set failed (%s)", type(exc).__name__)
        return False
