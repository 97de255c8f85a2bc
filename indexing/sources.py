"""Enumerate ingest inputs: folders (recursively), single files, and mbox archives split into messages.

`iter_source_files(paths)` yields one `SourceFile` per input item, in a deterministic order:

* a folder is walked recursively; hidden files and hidden folders (name starting with ".") are skipped,
  symlinked folders are not followed (no loops); items are sorted by their POSIX relative path;
* a single file is yielded as it is, with its bare file name as `rel_key`;
* a ``.mbox`` file (either given directly or found in a folder) is expanded into one item per message,
  ``rel_key = "<rel path of the mbox>#<n>"`` with ``n`` counted from 0 in file order (the same keys as
  ``mailbox.mbox``); the message's raw RFC 822 bytes come from `SourceFile.read_bytes()`.

The caller decides what to do with our own bookkeeping files (ground_truth.jsonl, manifest.json, ...):
only hidden files are skipped here. A path that does not exist raises `FileNotFoundError` up front.
Reading is lazy: nothing but the mbox message boundaries is read while enumerating.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import core  # noqa: F401  (offline/telemetry environment before anything heavy is imported)

MBOX_SUFFIXES = (".mbox",)

_FROM_ESCAPED = re.compile(rb"^>(>*From )", re.MULTILINE)
# "From sender@example.com Thu Nov 23 19:22:01 2026" (asctime date, optional zone)
_FROM_LINE = re.compile(rb"^From \S+\s+\w{3} \w{3}\s+\d{1,2} \d{1,2}:\d{2}(:\d{2})? .*\d{4}")


@dataclass(frozen=True)
class SourceFile:
    """One input item: a plain file, or one message inside an mbox file."""

    path: Path  # the file on disk (for an mbox message: the mbox file)
    rel_key: str  # POSIX path relative to the root it was found under; "a/b.mbox#3" for mbox messages
    size: int  # bytes of this item (for an mbox message: the message, without its "From " line)
    mbox_index: int | None = None  # message number inside the mbox, from 0
    offset: int = 0  # byte offset of the item inside `path` (mbox messages: start of the "From " line)
    length: int | None = None  # bytes to read from `offset` (None: the whole file)

    @property
    def is_mbox_message(self) -> bool:
        return self.mbox_index is not None

    @property
    def file_name(self) -> str:
        """A file name for the item: ``path.name``, or ``"<mbox stem>#<n>.eml"`` for an mbox message."""
        if self.mbox_index is None:
            return self.path.name
        return f"{self.path.stem}#{self.mbox_index}.eml"

    def read_bytes(self) -> bytes:
        """The item's raw bytes (an mbox message as RFC 822 bytes: "From " line dropped, ">From " unescaped)."""
        if self.length is None:
            return self.path.read_bytes()
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            raw = fh.read(self.length)
        if self.mbox_index is not None:
            raw = _mbox_message_bytes(raw)
        return raw


def iter_source_files(paths: Iterable[Path | str]) -> Iterator[SourceFile]:
    """Yield every input item under `paths` (folders, files, mbox messages) in a deterministic order."""
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"input path does not exist: {root}")
    for root in roots:
        if root.is_dir():
            for rel in _walk_sorted(root):
                yield from _items_for(root / rel, rel.as_posix())
        else:
            yield from _items_for(root, root.name)


def _walk_sorted(root: Path) -> list[PurePosixPath]:
    found: list[PurePosixPath] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        base = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        for name in filenames:
            if name.startswith("."):
                continue
            full = Path(dirpath) / name
            if not full.is_file():  # sockets, fifos, dangling symlinks
                continue
            found.append(base / name if str(base) != "." else PurePosixPath(name))
    found.sort(key=lambda p: p.as_posix())
    return found


def _items_for(path: Path, rel_key: str) -> Iterator[SourceFile]:
    if path.suffix.lower() in MBOX_SUFFIXES:
        yield from iter_mbox(path, rel_key)
        return
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    yield SourceFile(path=path, rel_key=rel_key, size=size)


def iter_mbox(path: Path, rel_key: str | None = None) -> Iterator[SourceFile]:
    """One `SourceFile` per message of an mbox file (mboxo/mboxrd).

    A message starts at a "From " line that opens the file, follows a blank line, or looks like a real
    From_ line (sender and asctime date) - so an unescaped "From here on ..." inside a paragraph does not
    split a message. A file that does not start with a "From " line is treated as one message (a lone
    e-mail named .mbox). An empty mbox yields nothing. Only the boundaries are read here (one pass);
    the bytes come later from `read_bytes()`.
    """
    key = rel_key if rel_key is not None else path.name
    starts: list[tuple[int, int]] = []  # (offset, length of the From_ line or 0)
    pos = 0
    prev_blank = True
    with path.open("rb") as fh:
        for line in fh:
            if not starts and line.strip() and not line.startswith(b"From "):
                starts.append((pos, 0))
            elif line.startswith(b"From ") and (prev_blank or _FROM_LINE.match(line)):
                starts.append((pos, len(line)))
            prev_blank = not line.strip()
            pos += len(line)
    if not starts:
        return
    ends = [s for s, _ in starts[1:]] + [pos]
    for n, ((start, from_len), stop) in enumerate(zip(starts, ends, strict=True)):
        yield SourceFile(
            path=path,
            rel_key=f"{key}#{n}",
            size=stop - start - from_len,
            mbox_index=n,
            offset=start,
            length=stop - start,
        )


def _mbox_message_bytes(raw: bytes) -> bytes:
    if raw.startswith(b"From "):
        nl = raw.find(b"\n")
        raw = raw[nl + 1 :] if nl >= 0 else b""
    # mboxrd: ">From " -> "From ", ">>From " -> ">From " (for mboxo this undoes the usual escaping too)
    return _FROM_ESCAPED.sub(rb"\1", raw)
