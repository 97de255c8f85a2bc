"""Write-once archive of original files, addressed by SHA-256 and verified on every read.

Layout: ``<root>/ab/cd/abcd…`` (the full hex digest), files 0400 in folders 0700 under a root 0700 — readable only by
the service user. An original is never rewritten: a second put of the same bytes checks the stored file and
leaves it alone (a damaged one raises `OriginalDamaged`). Every read re-hashes (`get`). `remove` deletes (the
disposal run decides when); on WORM storage the refusal is raised, never hidden.

Next to the originals an append-only JSON-lines manifest (``<root>/manifest.jsonl`` unless COCKPIT_ARCHIVE_MANIFEST
says otherwise) records one line per original stored and per original removed. Each line goes out in one
``write()`` on an ``O_APPEND`` descriptor under an exclusive ``flock``, so several processes (web, workers, CLI) may
append at once. `read_manifest` reads it back (a torn last line is counted, not fatal).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_MODE = 0o400  # an original: read by the owner, nobody writes
DIR_MODE = 0o700  # the root and its two levels of folders
MANIFEST_MODE = 0o600  # the manifest is appended to: owner read/write
PROCESS_UMASK = 0o077  # what the entry points set (web/cli.py main, web/wsgi.py)
MANIFEST_NAME = "manifest.jsonl"
_HEX = frozenset("0123456789abcdef")
_CHUNK = 1024 * 1024


class ArchiveError(RuntimeError):
    pass


class OriginalMissing(ArchiveError):
    """The index or the manifest names an original the archive does not hold."""


class OriginalDamaged(ArchiveError):
    """The stored bytes no longer hash to their name: changed on disk, or damaged."""


class ArchiveUnavailable(ArchiveError, OSError):
    """The archive storage refused an operation (permissions, I/O error, WORM lock): also an OSError, so callers
    that treat storage errors as transient keep doing so."""

    def __init__(self, message: str, err: int | None = None) -> None:
        super().__init__(message)
        self.errno = err


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, on_bytes: Any = None) -> tuple[str, int]:
    """(hex digest, size) of a file read in 1 MiB pieces; `on_bytes(n)` after each piece (a progress bar)."""
    h = hashlib.sha256()
    size = 0
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while True:
            n = fh.readinto(buf)
            if not n:
                break
            h.update(view[:n])
            size += n
            if on_bytes is not None:
                on_bytes(n)
    return h.hexdigest(), size


def is_sha256(name: str) -> bool:
    return len(name) == 64 and all(c in _HEX for c in name)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _configured_manifest(root: Path) -> Path:
    """COCKPIT_ARCHIVE_MANIFEST applies to the configured archive (an archive on WORM storage that allows no
    appends keeps its manifest elsewhere); any other root keeps its manifest inside."""
    from core.settings import get_settings

    settings = get_settings()
    if settings.archive_manifest and _same_path(root, settings.archive_dir):
        return Path(settings.archive_manifest)
    return root / MANIFEST_NAME


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@dataclass(frozen=True)
class ManifestEntry:
    event: str  # put | remove
    sha256: str
    size: int
    at: str  # ISO 8601, UTC
    source: str = ""  # where the bytes came from (a source URI, "upload:…"), put only
    kind: str = ""  # file | email | attachment | upload | erp | …
    tenant: str = ""
    reason: str = ""  # remove only: why (e.g. "disposal")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "sha256": self.sha256, "size": self.size, "at": self.at}
        for key in ("source", "kind", "tenant", "reason"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass
class Manifest:
    entries: list[ManifestEntry]
    bad_lines: int = 0  # unparseable lines (a torn write after a crash, or tampering)

    def live(self) -> dict[str, ManifestEntry]:
        """sha256 → its latest put, for every original not removed since."""
        out: dict[str, ManifestEntry] = {}
        for e in self.entries:
            if e.event == "put":
                out[e.sha256] = e
            elif e.event == "remove":
                out.pop(e.sha256, None)
        return out


def read_manifest(path: Path) -> Manifest:
    """Every entry of a manifest, in order (an absent manifest is empty)."""
    entries: list[ManifestEntry] = []
    bad = 0
    if not path.exists():
        return Manifest([])
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                d = json.loads(raw)
                entry = ManifestEntry(
                    event=str(d["event"]),
                    sha256=str(d["sha256"]),
                    size=int(d.get("size") or 0),
                    at=str(d.get("at") or ""),
                    source=str(d.get("source") or ""),
                    kind=str(d.get("kind") or ""),
                    tenant=str(d.get("tenant") or ""),
                    reason=str(d.get("reason") or ""),
                )
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            if entry.event not in ("put", "remove") or not is_sha256(entry.sha256):
                bad += 1
                continue
            entries.append(entry)
    return Manifest(entries, bad)


def append_manifest(path: Path, entry: ManifestEntry) -> None:
    """One line, one write(), O_APPEND, under flock: safe with concurrent writers in other processes."""
    line = (json.dumps(entry.as_dict(), ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), MANIFEST_MODE)
    except OSError as exc:
        raise ArchiveUnavailable(
            f"the archive manifest {path} cannot be opened for appending: {exc}", exc.errno
        ) from exc
    try:
        with contextlib.suppress(OSError):  # no locks on this file system: O_APPEND alone still keeps lines whole
            fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a torn line (a crash mid-write) stays alone on its line
            line = b"\n" + line
        written = os.write(fd, line)
        if written != len(line):
            raise ArchiveUnavailable(f"short write to the archive manifest {path}", errno.EIO)
        os.fsync(fd)
    except ArchiveError:
        raise
    except OSError as exc:
        raise ArchiveUnavailable(f"the archive manifest {path} cannot be appended to: {exc}", exc.errno) from exc
    finally:
        os.close(fd)  # (closing releases the lock)


def tighten_modes(root: Path) -> list[str]:
    """Set the archive's modes: root and folders 0700, originals 0400, the manifest 0600 (archives written before
    with 0755/0444). Returns the paths changed, relative to the root."""
    changed: list[str] = []

    def fix(path: Path, want: int) -> None:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) == want:
            return
        os.chmod(path, want)
        changed.append(str(path.relative_to(root)) if path != root else ".")

    if not root.is_dir():
        return changed
    fix(root, DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for d in dirnames:
            fix(base / d, DIR_MODE)
        for f in filenames:
            fix(base / f, MANIFEST_MODE if (base == root and f == MANIFEST_NAME) else FILE_MODE)
    return changed


class Archive:
    def __init__(self, root: Path, manifest: Path | None = None) -> None:
        self.root = Path(root)
        self.manifest_path = Path(manifest) if manifest else _configured_manifest(self.root)

    def path_for(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ArchiveError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    # ------------------------------------------------------------------------------------------ write

    def put(self, data: bytes, *, source: str = "", kind: str = "", tenant: str = "") -> str:
        """Store `data` once and return its sha256. Bytes already stored are checked, not rewritten (damaged ones
        raise `OriginalDamaged`); a new original gets a manifest line."""
        digest = sha256_bytes(data)
        target = self.path_for(digest)
        if self._check_existing(target, data, digest):
            return digest
        self._ensure_dirs(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")  # 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            stored = self._publish(tmp, target)
        except FileExistsError:
            stored = False
        except OSError as exc:
            raise ArchiveUnavailable(f"original {digest} could not be stored in {self.root}: {exc}", exc.errno) from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if not stored:  # another process stored it meanwhile: check theirs
            self._check_existing(target, data, digest)
            return digest
        # read-only only now: WORM file systems (SnapLock) commit a file when its write bits go, and a committed
        # temporary file could no longer be renamed
        os.chmod(target, FILE_MODE)
        _fsync_dir(target.parent)
        append_manifest(
            self.manifest_path,
            ManifestEntry("put", digest, len(data), utc_now(), source=source[:2000], kind=kind, tenant=tenant),
        )
        return digest

    def _publish(self, tmp: str, target: Path) -> bool:
        """Give the written temporary file its final name without replacing an existing one (True: ours)."""
        try:
            os.link(tmp, target)  # fails when the target exists: nothing is ever replaced
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV):
                raise
        # no hard links on this file system (object-store mounts): rename, unless it appeared meanwhile
        if target.exists():
            return False
        os.rename(tmp, target)
        return True

    def _check_existing(self, target: Path, data: bytes, digest: str) -> bool:
        """True when `target` already holds exactly `data`; raises when it holds anything else."""
        try:
            with open(target, "rb") as fh:
                stored = fh.read()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ArchiveUnavailable(f"original {digest} in the archive cannot be read: {exc}", exc.errno) from exc
        if stored != data:
            raise OriginalDamaged(
                f"original {digest} is already in the archive but DAMAGED: the stored file {target} no longer has "
                f"that SHA-256 (now {sha256_bytes(stored)}, {len(stored)} bytes instead of {len(data)}). It is not "
                "overwritten; restore it from a backup and run `cockpit archive verify`."
            )
        with contextlib.suppress(OSError):  # left 0600 by a crash between storing and committing
            if stat.S_IMODE(target.stat().st_mode) != FILE_MODE:
                os.chmod(target, FILE_MODE)
        return True

    def _ensure_dirs(self, folder: Path) -> None:
        self.ensure_root()
        for d in (folder.parent, folder):
            try:
                d.mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue
            os.chmod(d, DIR_MODE)  # (mkdir's mode is masked by the umask)

    def ensure_root(self) -> None:
        """Create the root 0700, or tighten an existing one of ours (an archive written before as 0755)."""
        try:
            st = self.root.stat()
        except FileNotFoundError:
            self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            st = self.root.stat()
        if stat.S_IMODE(st.st_mode) != DIR_MODE and st.st_uid == os.geteuid():
            os.chmod(self.root, DIR_MODE)

    # ------------------------------------------------------------------------------------------ read

    def get(self, sha256: str) -> bytes:
        """The original bytes, re-hashed: raises `OriginalMissing`, `OriginalDamaged` or `ArchiveUnavailable`."""
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise OriginalMissing(f"original {sha256} is missing from the archive (expected at {path})") from exc
        except OSError as exc:
            raise ArchiveUnavailable(f"original {sha256} cannot be read from {path}: {exc}", exc.errno) from exc
        actual = sha256_bytes(data)
        if actual != sha256:
            raise OriginalDamaged(
                f"original {sha256} failed verification: the file {path} now hashes to {actual} ({len(data)} bytes) — "
                "it was CHANGED OR DAMAGED on disk. Not served; restore it from a backup and run "
                "`cockpit archive verify`."
            )
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def manifest(self) -> Manifest:
        return read_manifest(self.manifest_path)

    def originals(self) -> Iterator[Path]:
        """Every file below the two levels of folders (named like an original or not), in a stable order."""
        if not self.root.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            base = Path(dirpath)
            for f in sorted(filenames):
                p = base / f
                if base == self.root and p == self.manifest_path:
                    continue
                yield p

    # ------------------------------------------------------------------------------------------ remove

    def remove(self, sha256: str, *, reason: str = "") -> bool:
        """Delete the original; returns whether it existed (a removal gets a manifest line). Whether it may go
        (retention, other documents with the same bytes) is the caller's decision. A refusal of the storage (a
        WORM lock still running, permissions) raises `ArchiveUnavailable` — an `ArchiveError` and an `OSError`."""
        path = self.path_for(sha256)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ArchiveUnavailable(
                f"original {sha256} could not be removed from the archive ({path}): {exc}", exc.errno
            ) from exc
        append_manifest(self.manifest_path, ManifestEntry("remove", sha256, size, utc_now(), reason=reason))
        return True


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
