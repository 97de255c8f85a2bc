"""A real queue worker for tests: `python -m dramatiq intake.worker` as a subprocess on a test's index prefix.

    worker = WorkerProc(prefix, tmp_path / "worker.log").start()   # returns once it is warm (ready=True)
    ...
    worker.kill9()      # SIGKILL to its whole process group: the dramatiq master, its worker process and the
                        # worker's extraction pool (spawned children)
    worker.start()      # a new one on the same prefix and log
    worker.stop()       # SIGTERM to the master (running jobs finish, prefetched ones go back), SIGKILL after a timeout

The worker runs in its own session (`start_new_session`), so its process group id is the master's pid. Its
environment points it at the prefix's queue (`queue-<prefix>`) and indices, with a 5 s queue heartbeat (a killed
worker's messages are redelivered seconds after the kill, not 30 s). "Ready" means: a worker of this process group
announces itself in the job store (`JobStore.live_workers()`) with `ready=True` (its embedding model is loaded).

Producers in the test process reach the same queue through an `AppContext` on the prefix (job records and
messages are namespaced by the context's prefix). `purge_queue(prefix)` deletes the prefix's queue keys afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
HEARTBEAT_MS = 5000
READY_TIMEOUT_S = 120.0  # the embedding model and the extractors load in ~10-20 s; CI machines are slower


def job_store(prefix: str) -> Any:
    """A job store on the prefix's queue namespace (independent of this process's settings)."""
    from app.jobs import JobStore
    from core import services

    url = services.redis_url()
    if not url:
        raise RuntimeError("Redis is not running (cockpit services up)")
    return JobStore.from_url(url, prefix=prefix)


def _pgid_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if fields[0] == "Z":  # exited, waiting to be reaped
        return None
    return int(fields[2])


def group_pids(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _pgid_of(int(entry.name)) == pgid:
            out.append(int(entry.name))
    return sorted(out)


class WorkerProc:
    """One `dramatiq intake.worker` master (1 process, 1 thread, queues intake and bulk) for `prefix`."""

    def __init__(self, prefix: str, log_file: Path, *, env: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.log_file = log_file
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.worker_id: str | None = None  # the job store's id of the ready worker
        self.starts = 0

    # ------------------------------------------------------------------ life cycle

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "COCKPIT_INDEX_PREFIX": self.prefix,
            "COCKPIT_QUEUE_HEARTBEAT_MS": str(HEARTBEAT_MS),
            "DO_NOT_TRACK": "1",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pgid(self) -> int:
        if self.proc is None:
            raise RuntimeError("worker not started")
        return self.proc.pid

    def start(self, timeout: float = READY_TIMEOUT_S) -> WorkerProc:
        if self.running:
            raise RuntimeError(f"worker already running (pid {self.pgid})")
        cmd = [
            sys.executable, "-m", "dramatiq", "intake.worker", "--processes", "1", "--threads", "1",
            "--queues", "intake", "bulk", "--worker-shutdown-timeout", "30000",
        ]  # fmt: skip
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        with self.log_file.open("ab") as log:
            log.write(f"\n===== worker start #{self.starts} at {time.strftime('%H:%M:%S')} =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env(), cwd=REPO_ROOT, start_new_session=True
            )
        self.worker_id = None
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.kill9()  # never leave a half-started worker behind
            raise
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> dict[str, Any]:
        """The job store's entry of this worker once it says ready=True (its pid is in our process group)."""
        store = job_store(self.prefix)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"worker exited with {self.proc and self.proc.returncode}:\n{self.log_tail()}")
            pids = set(group_pids(self.pgid))
            for w in store.live_workers():
                if int(w.get("pid", -1)) in pids and w.get("ready"):
                    self.worker_id = str(w["id"])
                    return w
            time.sleep(0.3)
        raise TimeoutError(f"worker not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 45.0) -> None:
        """SIGTERM to the dramatiq master, which passes it on (the worker finishes its job and puts back what it
        prefetched); SIGKILL to the group if it does not go. Not SIGTERM to the whole group: a worker process that
        gets a second SIGTERM (the master's) exits at once ("Killing worker process...")."""
        if self.proc is None:
            return
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                return
        self._wait_group_gone(15.0)

    def kill9(self) -> None:
        """SIGKILL to the whole process group (master, worker process, extraction pool), no goodbye."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait(15)
        self._wait_group_gone(15.0)

    def restart(self, timeout: float = READY_TIMEOUT_S) -> WorkerProc:
        self.stop()
        return self.start(timeout)

    def _wait_group_gone(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (left := group_pids(self.pgid)) and time.monotonic() < deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGKILL)
            time.sleep(0.1)
        if left:
            raise RuntimeError(f"processes of worker group {self.pgid} still alive: {left}")

    # ------------------------------------------------------------------ diagnostics

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def __enter__(self) -> WorkerProc:
        return self.start() if not self.running else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def purge_queue(prefix: str) -> int:
    """Delete every key of the prefix's queue namespace (messages, job records, heartbeats); returns how many."""
    store = job_store(prefix)
    keys = list(store.r.scan_iter(match=f"queue-{prefix}:*", count=1000))
    for i in range(0, len(keys), 500):
        store.r.delete(*keys[i : i + 500])
    return len(keys)


def wait_jobs(
    store: Any, ids: list[str], timeout: float, *, until: str = "finished", poll: float = 0.5
) -> dict[str, Any]:
    """Poll job records until every job is finished (or `until="done"`: done) or the timeout; returns the last
    records (the caller asserts on them)."""
    deadline = time.monotonic() + timeout
    found: dict[str, Any] = {}
    while True:
        found = {}
        for i in range(0, len(ids), 500):
            found.update(store.get_many(ids[i : i + 500]))
        if until == "done":
            ok = len(found) == len(ids) and all(j.state == "done" for j in found.values())
        else:
            ok = len(found) == len(ids) and all(j.finished for j in found.values())
        if ok or time.monotonic() > deadline:
            return found
        time.sleep(poll)
