"""Check a whole archive of originals (`cockpit archive verify`): every file re-hashed against its name, the
manifest's and the index's originals present, nothing else lying around, the modes tight.

Pure file work, no Elasticsearch: the caller passes the hashes the index knows (`indexed`), or None to skip that
comparison. Problems are: *changed* (the bytes no longer hash to the name), *missing* (named by the manifest or
the index, not on disk), *unexpected* (a file that is not an original where it belongs: leftovers of a crash,
something copied in), *unreadable* (I/O or permission errors), *loose modes* (wider than 0400/0700, until
`fix_modes`) and unparseable manifest lines. Originals neither the manifest nor the index names are counted as
*unlisted* (archives older than the manifest; `adopt` records them) — not a problem by themselves.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexing.archive import (
    DIR_MODE,
    FILE_MODE,
    MANIFEST_MODE,
    Archive,
    ManifestEntry,
    append_manifest,
    is_sha256,
    sha256_file,
    tighten_modes,
    utc_now,
)

DEFAULT_WORKERS = 4  # hashing threads (hashlib releases the GIL): enough to keep an SSD or a RAID busy


@dataclass(frozen=True)
class Stored:
    sha256: str
    path: Path
    size: int


@dataclass
class Survey:
    """What lies in the archive, before any hashing."""

    originals: list[Stored] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # relative paths
    loose_modes: list[str] = field(default_factory=list)  # relative paths ("." is the root)

    @property
    def total_bytes(self) -> int:
        return sum(s.size for s in self.originals)


@dataclass
class VerifyReport:
    root: str
    manifest: str
    checked: int = 0
    bytes: int = 0
    seconds: float = 0.0
    changed: list[dict[str, Any]] = field(default_factory=list)  # {sha256, actual, path}
    missing: list[dict[str, Any]] = field(default_factory=list)  # {sha256, named_by: [manifest, index]}
    unexpected: list[str] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)  # {path, error}
    loose_modes: list[str] = field(default_factory=list)
    modes_fixed: int = 0
    manifest_bad_lines: int = 0
    manifest_live: int = 0
    indexed: int | None = None  # None: the index was not compared
    unlisted: list[str] = field(default_factory=list)  # on disk, named by neither the manifest nor the index
    adopted: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.changed
            or self.missing
            or self.unexpected
            or self.unreadable
            or self.loose_modes
            or self.manifest_bad_lines
        )

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "root": self.root,
            "manifest": self.manifest,
            "checked": self.checked,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(self.mb_per_s, 1),
            "changed": self.changed,
            "missing": self.missing,
            "unexpected": self.unexpected,
            "unreadable": self.unreadable,
            "loose_modes": self.loose_modes,
            "modes_fixed": self.modes_fixed,
            "manifest_bad_lines": self.manifest_bad_lines,
            "manifest_live": self.manifest_live,
            "indexed": self.indexed,
            "unlisted": len(self.unlisted),
            "adopted": self.adopted,
        }


def survey(archive: Archive) -> Survey:
    """Walk the archive: originals where they belong (with their sizes), anything else, modes too wide."""
    out = Survey()
    root = archive.root
    if not root.is_dir():
        return out
    if stat.S_IMODE(root.stat().st_mode) != DIR_MODE:
        out.loose_modes.append(".")
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        rel_base = base.relative_to(root)
        depth = len(rel_base.parts)
        for d in dirnames:
            p = base / d
            if not stat.S_ISLNK(p.lstat().st_mode) and stat.S_IMODE(p.lstat().st_mode) != DIR_MODE:
                out.loose_modes.append(str(rel_base / d))
        for f in sorted(filenames):
            p = base / f
            rel = str(rel_base / f)
            st = p.lstat()
            if depth == 0 and p == archive.manifest_path:
                if stat.S_IMODE(st.st_mode) & ~MANIFEST_MODE:
                    out.loose_modes.append(rel)
                continue
            belongs = depth == 2 and stat.S_ISREG(st.st_mode) and is_sha256(f) and rel_base.parts == (f[:2], f[2:4])
            if not belongs:
                out.unexpected.append(rel)
                continue
            if stat.S_IMODE(st.st_mode) != FILE_MODE:
                out.loose_modes.append(rel)
            out.originals.append(Stored(f, p, st.st_size))
    return out


def verify(
    archive: Archive,
    *,
    indexed: Iterable[str] | None = None,
    fix_modes: bool = False,
    adopt: bool = False,
    workers: int = DEFAULT_WORKERS,
    on_start: Callable[[int, int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Re-hash every original and compare with the manifest and (when given) the index's hashes.

    `on_start(files, bytes)` before hashing and `on_bytes(n)` as it goes drive a progress bar. `fix_modes`
    tightens wider modes first; `adopt` writes a manifest line for each intact original the manifest lacks."""
    report = VerifyReport(root=str(archive.root), manifest=str(archive.manifest_path))
    if fix_modes:
        report.modes_fixed = len(tighten_modes(archive.root))
    found = survey(archive)
    report.unexpected = found.unexpected
    report.loose_modes = found.loose_modes
    manifest = archive.manifest()
    report.manifest_bad_lines = manifest.bad_lines
    live = manifest.live()
    report.manifest_live = len(live)
    index_set = set(indexed) if indexed is not None else None
    report.indexed = len(index_set) if index_set is not None else None

    if on_start is not None:
        on_start(len(found.originals), found.total_bytes)
    lock = threading.Lock()

    def check(item: Stored) -> None:
        try:
            actual, size = sha256_file(item.path, on_bytes)
        except OSError as exc:
            with lock:
                report.unreadable.append({"path": str(item.path.relative_to(archive.root)), "error": str(exc)})
            return
        with lock:
            report.checked += 1
            report.bytes += size
            if actual != item.sha256:
                report.changed.append(
                    {"sha256": item.sha256, "actual": actual, "path": str(item.path.relative_to(archive.root))}
                )

    t0 = time.perf_counter()
    if workers <= 1:
        for item in found.originals:
            check(item)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="archive-verify") as pool:
            list(pool.map(check, found.originals))
    report.seconds = time.perf_counter() - t0
    report.changed.sort(key=lambda c: c["sha256"])
    report.unreadable.sort(key=lambda u: u["path"])

    on_disk = {s.sha256 for s in found.originals}
    expected: dict[str, list[str]] = {}
    for sha in live:
        expected.setdefault(sha, []).append("manifest")
    for sha in sorted(index_set or ()):
        if is_sha256(sha):
            expected.setdefault(sha, []).append("index")
    report.missing = [{"sha256": sha, "named_by": by} for sha, by in sorted(expected.items()) if sha not in on_disk]
    report.unlisted = sorted(sha for sha in on_disk if sha not in expected)

    if adopt:
        damaged = {c["sha256"] for c in report.changed} | {Path(u["path"]).name for u in report.unreadable}
        sizes = {s.sha256: s.size for s in found.originals}
        for sha in (s for s in sorted(on_disk) if s not in live and s not in damaged):
            append_manifest(archive.manifest_path, ManifestEntry("put", sha, sizes[sha], utc_now(), kind="adopted"))
            report.adopted += 1
    return report
