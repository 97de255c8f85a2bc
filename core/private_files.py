"""The service's files are its own: nothing under the var folder is readable by other local accounts.

Every process of the product runs under umask 077 (`web.cli`, `web.wsgi`), so what it writes is private from
the first byte. `lock_down` also closes what older versions or other tools left open: the var folder itself
only lets others pass through (0711, so the Elasticsearch node's own account reaches its home, nothing can be
listed), and every entry in it — folders, files, the node's home owned by the node's account — loses every
permission of group and others. `readable_by_others` finds what another account could still read (an entry
is reachable only when every folder above it can be passed through), for `cockpit doctor` and the tests.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

VAR_MODE = 0o711  # others may pass through (the node's account, to its home), never list


def lock_down(var_dir: Path) -> int:
    """Tighten `var_dir` and the entries directly in it; returns how many modes changed. Folders below an
    entry of 0700 are out of reach whatever their own modes."""
    changed = 0
    if not var_dir.is_dir():
        return 0
    if stat.S_IMODE(var_dir.stat().st_mode) != VAR_MODE:
        os.chmod(var_dir, VAR_MODE)
        changed += 1
    for entry in var_dir.iterdir():
        if entry.is_symlink():
            continue
        mode = stat.S_IMODE(entry.stat().st_mode)
        if mode & 0o077:
            os.chmod(entry, mode & 0o700)
            changed += 1
    return changed


def readable_by_others(root: Path) -> Iterator[Path]:
    """Entries under `root` another local account could read (files) or list (folders)."""

    def walk(folder: Path, reachable: bool) -> Iterator[Path]:
        try:
            entries = list(folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.is_symlink():
                continue
            try:
                mode = stat.S_IMODE(entry.lstat().st_mode)
            except OSError:
                continue
            if reachable and mode & stat.S_IROTH:
                yield entry
            if entry.is_dir():
                yield from walk(entry, reachable and bool(mode & stat.S_IXOTH))

    mode = stat.S_IMODE(root.stat().st_mode)
    if mode & stat.S_IROTH:
        yield root
    yield from walk(root, bool(mode & stat.S_IXOTH))
