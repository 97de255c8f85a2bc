"""The process files (``config/processes/<name>.toml``): loaded, validated and kept by version.

`ProcessLibrary.current(name)` is the file's definition now (re-read when the file changed: same size and
mtime, same definition); every version ever loaded stays known by its hash, and `by_version` rebuilds a
version this process has not seen from the snapshot a case keeps — so an edited file never changes a running
case. `check_all` validates every file at start and names the file and line of any error.
"""

from __future__ import annotations

import threading
from pathlib import Path

from domain.process import Process, ProcessError, parse_process

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "config" / "processes"


class ProcessLibrary:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else DEFAULT_DIR
        self._lock = threading.Lock()
        self._stamps: dict[str, tuple[int, int, str]] = {}  # name -> (mtime_ns, size, version)
        self._versions: dict[tuple[str, str], Process] = {}

    def path(self, name: str) -> Path:
        if not name.replace("_", "").isalnum():
            raise ProcessError(f"unknown process {name!r}")
        return self.directory / f"{name}.toml"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.toml"))

    def current(self, name: str) -> Process:
        """The definition in the file now; `ProcessError` (with the file and line) when it cannot run."""
        path = self.path(name)
        try:
            st = path.stat()
        except FileNotFoundError as exc:
            raise ProcessError(f"no process file {path.name}") from exc
        with self._lock:
            stamp = self._stamps.get(name)
            if stamp and stamp[:2] == (st.st_mtime_ns, st.st_size):
                return self._versions[(name, stamp[2])]
        text = path.read_text(encoding="utf-8")
        try:
            process = parse_process(text)
        except ProcessError as exc:
            raise ProcessError(f"{path.name}: {exc.reason}", exc.line) from exc
        if process.name != name:
            raise ProcessError(f"{path.name}: name must be {name!r}", 1)
        with self._lock:
            process = self._versions.setdefault((name, process.version), process)
            self._stamps[name] = (st.st_mtime_ns, st.st_size, process.version)
        return process

    def by_version(self, name: str, version: str, snapshot: str | None = None) -> Process:
        """A version by its hash: one loaded before, else rebuilt from a case's snapshot (which must hash to it)."""
        with self._lock:
            found = self._versions.get((name, version))
        if found is not None:
            return found
        if snapshot is None:
            current = self.current(name)
            if current.version == version:
                return current
            raise ProcessError(f"process {name} version {version} is not known and no snapshot was kept")
        process = parse_process(snapshot)
        if process.version != version or process.name != name:
            raise ProcessError(f"the snapshot of {name} {version} does not match its version")
        with self._lock:
            return self._versions.setdefault((name, version), process)

    def versions(self, name: str) -> list[str]:
        with self._lock:
            return sorted(v for n, v in self._versions if n == name)

    def check_all(self) -> list[Process]:
        """Every process file, validated (at start): raises the first `ProcessError`."""
        return [self.current(name) for name in self.names()]


_DEFAULT: ProcessLibrary | None = None


def default_library() -> ProcessLibrary:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = ProcessLibrary()
    return _DEFAULT
