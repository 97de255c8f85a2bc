"""The service's files are its own: after the services started, another local account can read nothing under
the var folder (node data, its users and roles, certificates, Redis data, the archive, the cache, passwords)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.private_files import lock_down, readable_by_others
from core.settings import get_settings

pytestmark = pytest.mark.integration


def test_nothing_under_var_is_readable_by_other_accounts(es_endpoint, redis_url) -> None:  # type: ignore[no-untyped-def]
    var = get_settings().var_dir
    assert var.is_dir()
    open_to_others = [str(p.relative_to(var)) for p in readable_by_others(var)]
    assert open_to_others == []
    assert stat.S_IMODE(var.stat().st_mode) & 0o077 in (0o011, 0o001)  # pass through only, never list


def test_lock_down_closes_what_was_left_open(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "es" / "config").mkdir(parents=True)
    (var / "es" / "config" / "users").write_text("elastic:$2a$...")
    (var / "notes.json").write_text("{}")
    for p in (var, var / "es", var / "es" / "config", var / "es" / "config" / "users", var / "notes.json"):
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    found = {str(p.relative_to(var)) for p in readable_by_others(var)}
    assert {"es", "es/config", "es/config/users", "notes.json"} <= found
    assert lock_down(var) >= 3
    assert list(readable_by_others(var)) == []
    assert stat.S_IMODE((var / "es").stat().st_mode) == 0o700  # owner keeps everything
