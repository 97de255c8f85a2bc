"""Shared pieces of the notifications package: ids, time stamps, settings, the subscriber directory type."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from domain.principal import Principal

# login -> the subscriber as of now (tenants, groups, department, e-mail …); None = unknown or disabled
Directory = Callable[[str], Principal | None]


def stable_hash(*parts: str | None) -> str:
    return hashlib.sha256("\x00".join(p or "" for p in parts).encode()).hexdigest()[:32]


def subscription_id(login: str, view_id: str, customer_id: str | None = None) -> str:
    return stable_hash("sub", login, view_id, customer_id)


def notification_id(login: str, view_id: str, doc_id: str) -> str:
    """Deterministic: one notification per (subscriber, view, document), ever."""
    return stable_hash("notification", login, view_id, doc_id)


def iso(ts: dt.datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def settings_value(name: str, default: Any) -> Any:
    from core.settings import get_settings

    value = getattr(get_settings(), name, None)
    return default if value is None else value
