"""Hot folders: scanners and export shares drop files into a directory, the watcher hands them to the pipeline.

Layout under `root` (the folder must exist: it is never created here, so an unmounted share is noticed
instead of silently filling the local disk):

    root/
      <anything>            incoming files, in any subfolder (scanner profiles)
      .inflight/            <job id>__<name>: submitted, waiting for the pipeline's verdict
      processed/YYYY-MM-DD/ <name>: the pipeline finished the job
      failed/               <name> and <name>.reason.txt: rejected (too large, job failed, job lost)

Incoming files are everything under `root` except the reserved folders `processed/`, `failed/`,
`.inflight/` (at the top level), hidden files and folders (a name starting with "."), temporary names
(`*.part`, `*.tmp`, `*.crdownload`), symlinks (never followed) and anything that is not a regular file.

A file is taken only once it is stable: the same size and mtime_ns seen on two passes at least
`settle_s` apart (by the injected clock), and it can be read. Zero-byte files are taken like any other
once settled (the pipeline reports them as empty: accounted, not silently dropped). Files above
`max_bytes` are never submitted: they go to `failed/` at once with a reason file.

Taking a file: read it, `submit(data, name, "folder://<tenant>/<relative posix path>")` -> job id, then
one `os.replace` into `.inflight/`. If `submit` raises (queue down) the file stays where it is and is
tried again on a later pass; the rest of that pass is not submitted (the queue is down for them too).
If the process dies after `submit` returned but before the move, the next pass submits the file again:
the pipeline deduplicates by content, so this costs a second job, never a lost or double document.

Every pass also asks `status()` about all job ids in `.inflight/` (one call): "done" -> processed/,
"failed" -> failed/ with the job's reason, "queued"/"running" -> left alone, "unknown" for longer than
`unknown_limit_s` (24 h by the clock; counted from the first "unknown" this process saw, so a restart
starts the count again) -> failed/ with reason "job_unknown".

State kept in memory is only the settling observations and the "unknown since" times; everything else is
the folder itself, so a new watcher over the same root resumes where the last one stopped. One watcher
per root: the collision checks (" (2)", " (3)" ...) are not safe against a second process moving files.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

log = logging.getLogger(__name__)

Submit = Callable[[bytes, str, str], str]  # (data, file_name, source_uri) -> job_id; raises on failure
Status = Callable[[list[str]], dict[str, tuple[str, str | None]]]  # job ids -> (state, reason)

INFLIGHT = ".inflight"
PROCESSED = "processed"
FAILED = "failed"
RESERVED = frozenset({INFLIGHT, PROCESSED, FAILED})
TEMP_SUFFIXES = (".part", ".tmp", ".crdownload")
REASON_SUFFIX = ".reason.txt"
NAME_LIMIT = 180  # bytes of UTF-8, extension kept
_FS_NAME_MAX = 255  # bytes: the usual file-name limit (ext4, xfs, SMB)
_SEP = "__"  # between the encoded job id and the name in .inflight/
_DIR_MODE = 0o700

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_JOB_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_MAX_EXT_BYTES = 16


class Rejected(Exception):  # noqa: N818 - the port's word for "this file will never be accepted"
    """Raised by `submit` for a file that can never be accepted: it goes to failed/ with this reason."""


@dataclass
class FolderReport:
    taken: int = 0  # submitted and moved to .inflight/ this pass
    processed: int = 0  # moved to processed/ this pass
    failed: int = 0  # moved to failed/ this pass (too large, job failed, job unknown too long)
    waiting: int = 0  # incoming files not taken this pass (settling, unreadable, submit failed)
    errors: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- names


def sanitise_name(name: str, limit: int = NAME_LIMIT) -> str:
    """A plain file name for a target folder: no path separators, no control characters, no leading dots,
    at most `limit` bytes of UTF-8 with the extension kept. Never empty, never "." or ".."."""
    name = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # undecodable bytes -> U+FFFD
    name = name.replace("/", "_").replace("\\", "_")
    name = _CONTROL.sub("", name)
    name = name.lstrip(". \t").rstrip(". \t")  # trailing dots/spaces: not representable on SMB shares
    if not name:
        return "unnamed"
    stem, ext = os.path.splitext(name)
    if not stem or len(ext.encode("utf-8")) > _MAX_EXT_BYTES:
        stem, ext = name, ""
    room = max(limit - len(ext.encode("utf-8")), 1)
    if len(stem.encode("utf-8")) > room:
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(". \t")  # cut on a character
    return (stem or "unnamed") + ext


def _encode_job_id(job_id: str) -> str:
    """The job id as a file-name part: only [A-Za-z0-9-] stay, everything else is %XX: no "/", no leading
    "." (a hidden name), no "_" (so the first "__" always ends the job id)."""
    return "".join(c if c in _JOB_SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in job_id)


def _parse_inflight(name: str) -> tuple[str, str] | None:
    """`<encoded job id>__<name>` -> (job id, name); None for anything else."""
    enc, sep, rest = name.partition(_SEP)
    if not sep or not enc or not rest:
        return None
    return unquote(enc, errors="replace"), rest


def _free_path(folder: Path, name: str, *, companions: tuple[str, ...] = ()) -> Path:
    """`folder/name`, or `folder/stem (2).ext`, `(3)` ... : the first one that (with its companion suffixes)
    does not exist yet. The result is always directly inside `folder`."""
    stem, ext = os.path.splitext(name)
    if not stem:
        stem, ext = name, ""
    n = 1
    while True:
        candidate = name if n == 1 else f"{stem} ({n}){ext}"
        if not any(os.path.lexists(folder / (candidate + s)) for s in ("", *companions)):
            target = folder / candidate
            if target.parent != folder or candidate in (".", ".."):  # cannot happen after sanitise_name
                raise ValueError(f"unsafe file name {candidate!r}")
            return target
        n += 1


def _ensure_dir(path: Path) -> Path:
    """Create `path` (and missing parents below an existing one) with mode 0o700."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(d, _DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def _today() -> str:
    return datetime.now().astimezone().date().isoformat()


def _is_temp_or_hidden(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(TEMP_SUFFIXES)


# --------------------------------------------------------------------------- the watcher


class HotFolder:
    unknown_limit_s: float = 24 * 3600.0  # a job the queue does not know for this long is given up

    def __init__(
        self,
        root: Path,
        *,
        submit: Submit,
        status: Status,
        tenant: str,
        settle_s: float = 2.0,
        max_bytes: int = 50 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root)
        self.submit = submit
        self.status = status
        self.tenant = tenant
        self.settle_s = settle_s
        self.max_bytes = max_bytes
        self.clock = clock
        self._seen: dict[str, tuple[int, int, float]] = {}  # relative path -> (size, mtime_ns, first seen)
        self._unknown_since: dict[str, float] = {}  # job id -> clock time of the first "unknown"
        self._bad_inflight: set[str] = set()  # names in .inflight/ that are not ours: warned once

    # ----------------------------------------------------------------- one pass

    def scan(self) -> FolderReport:
        report = FolderReport()
        if not self.root.is_dir():
            report.errors.append(f"hot folder {self.root} is not a directory (share not mounted?)")
            log.warning("%s", report.errors[-1])
            return report
        self._take_incoming(report)
        self._settle_inflight(report)
        return report

    # ----------------------------------------------------------------- incoming

    def _walk(self, report: FolderReport) -> list[tuple[str, str, os.stat_result]]:
        """(path, relative posix path, lstat) of every incoming regular file, without following symlinks."""
        found: list[tuple[str, str, os.stat_result]] = []
        stack: list[tuple[str, str]] = [(str(self.root), "")]
        while stack:
            directory, rel = stack.pop()
            try:
                with os.scandir(directory) as it:
                    entries = list(it)
            except OSError as exc:
                report.errors.append(f"cannot list {rel or '.'}: {exc.strerror or exc}")
                continue
            for entry in entries:
                name = entry.name
                if _is_temp_or_hidden(name) or (not rel and name in RESERVED):
                    continue
                child_rel = f"{rel}/{name}" if rel else name
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone since the listing
                if stat.S_ISDIR(st.st_mode):
                    stack.append((entry.path, child_rel))
                elif stat.S_ISREG(st.st_mode):
                    found.append((entry.path, child_rel, st))
                # symlinks, fifos, sockets, devices: never taken
        found.sort(key=lambda f: f[1])
        return found

    def _take_incoming(self, report: FolderReport) -> None:
        now = self.clock()
        files = self._walk(report)
        present = {rel for _, rel, _ in files}
        for rel in list(self._seen):
            if rel not in present:
                del self._seen[rel]
        queue_down = False
        for path, rel, st in files:
            if st.st_size > self.max_bytes:
                self._seen.pop(rel, None)
                reason = f"too_large: {st.st_size} bytes > {self.max_bytes}"
                if not self._fail(Path(path), os.path.basename(path), reason, None, report) and os.path.lexists(path):
                    report.waiting += 1  # could not be moved: tried again next pass
                continue
            signature = (st.st_size, st.st_mtime_ns)
            seen = self._seen.get(rel)
            if seen is None or seen[:2] != signature:
                self._seen[rel] = (*signature, now)
                report.waiting += 1
                continue
            if now - seen[2] < self.settle_s or queue_down:
                report.waiting += 1
                continue
            outcome = self._take(path, rel, signature, report)
            if outcome == "rejected":
                continue
            if outcome == "taken":
                self._seen.pop(rel, None)
                report.taken += 1
                continue
            report.waiting += 1
            if outcome == "queue_down":
                queue_down = True  # the rest waits for the next pass, no point hammering a dead queue

    def _take(self, path: str, rel: str, signature: tuple[int, int], report: FolderReport) -> str:
        try:
            with open(path, "rb") as fh:
                data = fh.read(self.max_bytes + 1)
                st = os.fstat(fh.fileno())
        except OSError as exc:
            report.errors.append(f"cannot read {rel}: {exc.strerror or exc}")
            log.warning("hot folder %s: cannot read %s: %s", self.root, rel, exc)
            return "unreadable"
        if (st.st_size, st.st_mtime_ns) != signature or len(data) != st.st_size:
            self._seen.pop(rel, None)  # changed under our hands: settle again
            return "changed"
        name = sanitise_name(os.path.basename(path))
        source_uri = f"folder://{self.tenant}/{rel}"
        try:
            job_id = self.submit(data, name, source_uri)
        except Rejected as exc:  # never acceptable (empty, too large, ...): to failed/ with the reason, now
            self._seen.pop(rel, None)
            return "rejected" if self._fail(Path(path), os.path.basename(path), str(exc), None, report) else "kept"
        except Exception as exc:  # noqa: BLE001 - any failure of the queue: keep the file, retry next pass
            report.errors.append(f"submit failed for {rel}: {exc}")
            log.warning("hot folder %s: submit failed for %s (kept, retried next pass): %s", self.root, rel, exc)
            return "queue_down"
        job_id = str(job_id)
        enc = _encode_job_id(job_id)
        room = min(NAME_LIMIT, _FS_NAME_MAX - len(enc) - len(_SEP) - 12)  # 12: room for " (nnn)"
        if not job_id or room < 16:
            report.errors.append(f"unusable job id {job_id!r} for {rel}: file kept, submitted again next pass")
            log.error("hot folder %s: %s", self.root, report.errors[-1])
            return "bad_job"
        inflight = _ensure_dir(self.root / INFLIGHT)
        target = _free_path(inflight, f"{enc}{_SEP}{sanitise_name(name, room)}")
        try:
            os.replace(path, target)
        except OSError as exc:
            # submitted but not moved: the next pass submits it again (the pipeline dedups by content)
            report.errors.append(f"cannot move {rel} to {INFLIGHT}/: {exc.strerror or exc}")
            log.error("hot folder %s: job %s submitted but %s not moved: %s", self.root, job_id, rel, exc)
            return "not_moved"
        log.info("hot folder %s: %s -> job %s", self.root, rel, job_id)
        return "taken"

    # ----------------------------------------------------------------- in flight

    def _settle_inflight(self, report: FolderReport) -> None:
        inflight = self.root / INFLIGHT
        if not inflight.is_dir():
            return
        pending: list[tuple[Path, str, str]] = []  # (path, job id, name)
        try:
            with os.scandir(inflight) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            report.errors.append(f"cannot list {INFLIGHT}/: {exc.strerror or exc}")
            return
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            parsed = _parse_inflight(entry.name)
            if parsed is None:
                if entry.name not in self._bad_inflight:
                    self._bad_inflight.add(entry.name)
                    log.warning(
                        "hot folder %s: %s/%s is not a watcher file, left alone", self.root, INFLIGHT, entry.name
                    )
                continue
            pending.append((Path(entry.path), *parsed))
        if not pending:
            self._unknown_since.clear()
            return
        job_ids = list(dict.fromkeys(job for _, job, _ in pending))
        try:
            states = self.status(job_ids)
        except Exception as exc:  # noqa: BLE001 - status source away: ask again next pass
            report.errors.append(f"status failed: {exc}")
            log.warning("hot folder %s: status of %d jobs failed: %s", self.root, len(job_ids), exc)
            return
        now = self.clock()
        for job in list(self._unknown_since):
            if job not in job_ids:
                del self._unknown_since[job]
        for path, job, name in pending:
            state, reason = states.get(job, ("unknown", None))
            if state == "done":
                self._unknown_since.pop(job, None)
                if self._move_processed(path, name, report):
                    report.processed += 1
            elif state == "failed":
                self._unknown_since.pop(job, None)
                self._fail(path, name, reason or "job_failed", job, report)
            elif state in ("queued", "running"):
                self._unknown_since.pop(job, None)
            else:  # "unknown" or anything the port should not have said
                since = self._unknown_since.setdefault(job, now)
                if now - since >= self.unknown_limit_s:
                    self._fail(path, name, "job_unknown", job, report)

    def _move_processed(self, path: Path, name: str, report: FolderReport) -> bool:
        try:
            folder = _ensure_dir(self.root / PROCESSED / _today())
            target = _free_path(folder, sanitise_name(name))
            os.replace(path, target)
        except FileNotFoundError:
            return False  # moved by someone else since the listing
        except OSError as exc:
            report.errors.append(f"cannot move {path.name} to {PROCESSED}/: {exc.strerror or exc}")
            log.error("hot folder %s: %s", self.root, report.errors[-1])
            return False
        log.info("hot folder %s: done -> %s", self.root, target.relative_to(self.root).as_posix())
        return True

    def _fail(self, path: Path, name: str, reason: str, job_id: str | None, report: FolderReport) -> bool:
        """Reason file first, then the file itself: a file in failed/ always has its reason beside it."""
        try:
            folder = _ensure_dir(self.root / FAILED)
            target = _free_path(folder, sanitise_name(name), companions=(REASON_SUFFIX,))
            when = datetime.now(UTC).isoformat(timespec="seconds")
            text = f"reason: {reason}\njob_id: {job_id or '-'}\ntime: {when}\n"
            reason_path = folder / (target.name + REASON_SUFFIX)
            tmp = folder / f".{target.name}.reason.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, reason_path)
            os.replace(path, target)
        except FileNotFoundError:
            return False
        except OSError as exc:
            report.errors.append(f"cannot move {path.name} to {FAILED}/: {exc.strerror or exc}")
            log.error("hot folder %s: %s", self.root, report.errors[-1])
            return False
        report.failed += 1
        log.warning("hot folder %s: %s -> failed/ (%s)", self.root, name, reason)
        return True


# --------------------------------------------------------------------------- the loop


def run(folder: HotFolder, *, every_s: float = 2.0, stop: threading.Event | None = None) -> None:
    """Scan `folder` every `every_s` seconds until `stop` is set. Nothing that goes wrong in a pass stops
    the loop: a queue that is down is retried next pass, and files are only ever moved, never deleted."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            report = folder.scan()
        except Exception:  # noqa: BLE001 - a watcher must survive anything the filesystem throws at it
            log.exception("hot folder %s: scan failed", folder.root)
        else:
            if report.taken or report.processed or report.failed:
                log.info(
                    "hot folder %s: taken %d, processed %d, failed %d, waiting %d",
                    folder.root,
                    report.taken,
                    report.processed,
                    report.failed,
                    report.waiting,
                )
        stop.wait(every_s)
