"""The configured permission table (`settings.permissions_file`), read and validated once per file version."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from domain.access import AccessPolicy, PolicyError, access_fields, default_policy, parse_policy
from indexing.schema import REGISTERS

_lock = threading.Lock()
_cache: dict[tuple[str, int], AccessPolicy] = {}

__all__ = ["PolicyError", "access_fields", "builtin_policy", "configured_policy", "load_policy"]


def load_policy(path: Path | str) -> AccessPolicy:
    """Read and validate a table; a missing, unreadable or malformed file raises `PolicyError` naming the file
    (and the line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(f"{path} does not exist (COCKPIT_PERMISSIONS_FILE)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path} cannot be read: {exc}") from exc
    try:
        return parse_policy(text, REGISTERS)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc.reason}", exc.line) from exc


def configured_policy(path: Path | str | None = None) -> AccessPolicy:
    """The table of `path` (default: settings.permissions_file), re-read when the file changes."""
    if path is None:
        from core.settings import get_settings

        path = get_settings().permissions_file
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    key = (str(path.resolve()), stamp)
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    policy = load_policy(path)
    with _lock:
        _cache.clear()
        _cache[key] = policy
    return policy


@lru_cache(maxsize=1)
def builtin_policy() -> AccessPolicy:
    """The product's default table (domain.access.DEFAULT_TEXT) for pure callers and tests."""
    return default_policy(REGISTERS)
