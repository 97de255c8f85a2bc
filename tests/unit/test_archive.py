"""The revision-safe archive of originals (indexing/archive.py, indexing/archive_verify.py): modes, write once,
hashing on read, removal, the manifest, verify — and `cockpit archive verify --no-index` without Elasticsearch."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexing.archive import (
    DIR_MODE,
    FILE_MODE,
    MANIFEST_NAME,
    PROCESS_UMASK,
    Archive,
    ArchiveError,
    ArchiveUnavailable,
    ManifestEntry,
    OriginalDamaged,
    OriginalMissing,
    append_manifest,
    read_manifest,
    tighten_modes,
)
from indexing.archive_verify import verify

REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture()
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "archive")


def tamper(path: Path, data: bytes) -> None:
    os.chmod(path, 0o600)
    path.write_bytes(data)
    os.chmod(path, FILE_MODE)


# ------------------------------------------------------------------------------------------ modes


def test_originals_are_0400_in_0700_folders_under_a_0700_root(archive: Archive):
    digest = archive.put(b"Rechnung RE-1", source="upload:anna/j1/RE-1.pdf", kind="upload", tenant="nord")
    path = archive.path_for(digest)
    assert mode(path) == FILE_MODE == 0o400
    assert mode(path.parent) == mode(path.parent.parent) == mode(archive.root) == DIR_MODE == 0o700
    assert mode(archive.root / MANIFEST_NAME) == 0o600
    assert not list(path.parent.glob(".incoming-*"))  # no temporary file left


def test_modes_do_not_depend_on_the_umask(tmp_path: Path):
    old = os.umask(0)
    try:
        a = Archive(tmp_path / "a")
        p = a.path_for(a.put(b"x"))
    finally:
        os.umask(old)
    assert (mode(p), mode(p.parent), mode(a.root)) == (0o400, 0o700, 0o700)


def test_an_older_archive_is_tightened(archive: Archive):
    p = archive.path_for(archive.put(b"old"))
    for d in (archive.root, p.parent, p.parent.parent):
        os.chmod(d, 0o755)
    os.chmod(p, 0o444)
    changed = tighten_modes(archive.root)
    assert "." in changed and str(p.relative_to(archive.root)) in changed
    assert (mode(p), mode(p.parent), mode(p.parent.parent), mode(archive.root)) == (0o400, 0o700, 0o700, 0o700)
    assert tighten_modes(archive.root) == []
    os.chmod(archive.root, 0o755)
    archive.put(b"new")  # a write tightens the root at least
    assert mode(archive.root) == 0o700


def test_the_entry_points_set_umask_077():
    assert PROCESS_UMASK == 0o077
    code = "import os, web.cli as c; c.app = lambda: print(oct(os.umask(0))); c.main()"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0o77"


# ------------------------------------------------------------------------------------------ write once, read verified


def test_put_is_idempotent_and_never_rewrites(archive: Archive):
    digest = archive.put(b"same bytes", source="a", kind="file", tenant="nord")
    path = archive.path_for(digest)
    before = path.stat()
    assert archive.put(b"same bytes", source="b", kind="file", tenant="nord") == digest
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
    assert [e.source for e in archive.manifest().entries] == ["a"]  # one line per original stored


def test_put_over_a_damaged_original_raises_and_keeps_it(archive: Archive):
    digest = archive.put(b"the original")
    path = archive.path_for(digest)
    tamper(path, b"the 0riginal")
    with pytest.raises(OriginalDamaged, match="DAMAGED") as info:
        archive.put(b"the original")
    assert digest in str(info.value) and "archive verify" in str(info.value)
    assert path.read_bytes() == b"the 0riginal"  # evidence kept, not overwritten


def test_get_verifies_every_read(archive: Archive):
    digest = archive.put(b"Vertrag v1")
    assert archive.get(digest) == b"Vertrag v1"
    tamper(archive.path_for(digest), b"Vertrag v2")
    with pytest.raises(OriginalDamaged) as info:
        archive.get(digest)
    message = str(info.value)
    assert (
        "failed verification" in message
        and "CHANGED OR DAMAGED" in message
        and digest in message
        and sha(b"Vertrag v2") in message
    )
    assert isinstance(info.value, ArchiveError)


def test_get_of_a_missing_or_malformed_original(archive: Archive):
    with pytest.raises(OriginalMissing, match="missing from the archive"):
        archive.get(sha(b"never stored"))
    with pytest.raises(ArchiveError, match="not a sha256"):
        archive.get("../../etc/passwd")


def test_without_hard_links_the_put_renames(archive: Archive, monkeypatch: pytest.MonkeyPatch):
    def no_link(*_a: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    digest = archive.put(b"on an object-store mount")
    assert archive.get(digest) == b"on an object-store mount" and mode(archive.path_for(digest)) == 0o400
    assert archive.put(b"on an object-store mount") == digest
    assert not list(archive.path_for(digest).parent.glob(".incoming-*"))


# ------------------------------------------------------------------------------------------ remove


def test_remove(archive: Archive):
    digest = archive.put(b"to be disposed of", tenant="nord")
    assert archive.remove(digest, reason="disposal") is True
    assert not archive.exists(digest)
    assert archive.remove(digest) is False
    events = [(e.event, e.sha256, e.reason) for e in archive.manifest().entries]
    assert events == [("put", digest, ""), ("remove", digest, "disposal")]  # one line per removal that happened
    assert archive.manifest().live() == {}
    archive.put(b"to be disposed of")  # stored again later: live again
    assert list(archive.manifest().live()) == [digest]


def test_a_refused_removal_is_raised(archive: Archive, monkeypatch: pytest.MonkeyPatch):
    digest = archive.put(b"under a retention lock")

    def locked(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted", str(self))

    monkeypatch.setattr(Path, "unlink", locked)
    with pytest.raises(ArchiveUnavailable, match="could not be removed") as info:
        archive.remove(digest)
    assert isinstance(info.value, OSError) and isinstance(info.value, ArchiveError)
    assert info.value.errno == errno.EPERM
    assert [e.event for e in archive.manifest().entries] == ["put"]  # nothing recorded


# ------------------------------------------------------------------------------------------ manifest


def test_manifest_lines(archive: Archive):
    d1 = archive.put(b"a" * 100, source="/in/a.pdf", kind="file", tenant="nord")
    d2 = archive.put(b"b", source="mail:x#b.pdf", kind="attachment", tenant="sued")
    lines = (archive.root / MANIFEST_NAME).read_text().splitlines()
    first = json.loads(lines[0])
    assert first["event"] == "put" and first["sha256"] == d1 and first["size"] == 100
    assert first["source"] == "/in/a.pdf" and first["kind"] == "file" and first["tenant"] == "nord"
    assert first["at"].endswith("+00:00")
    assert [e.sha256 for e in archive.manifest().entries] == [d1, d2]


def test_a_torn_line_is_counted_not_fatal(tmp_path: Path):
    path = tmp_path / "m.jsonl"
    append_manifest(path, ManifestEntry("put", sha(b"1"), 1, "2026-01-01T00:00:00+00:00"))
    with open(path, "ab") as fh:
        fh.write(b'{"event":"put","sha2')  # a crash mid-line
    append_manifest(path, ManifestEntry("put", sha(b"2"), 1, "2026-01-01T00:00:00+00:00"))
    m = read_manifest(path)
    assert m.bad_lines == 1 and [e.sha256 for e in m.entries] == [sha(b"1"), sha(b"2")]  # the next line is whole
    assert read_manifest(tmp_path / "absent.jsonl").entries == []


def _append_many(args: tuple[str, int]) -> None:
    path, n = args
    for i in range(200):
        append_manifest(Path(path), ManifestEntry("put", sha(f"{n}-{i}".encode()), i, "t", source="s" * 300))


def test_concurrent_writers_keep_lines_whole(tmp_path: Path):
    path = tmp_path / "manifest.jsonl"
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_append_many, [(str(path), n) for n in range(4)])
    m = read_manifest(path)
    assert m.bad_lines == 0 and len(m.entries) == 800 and len({e.sha256 for e in m.entries}) == 800


def test_the_manifest_can_live_elsewhere(tmp_path: Path):
    a = Archive(tmp_path / "worm", manifest=tmp_path / "journal" / "m.jsonl")
    (tmp_path / "journal").mkdir()
    a.put(b"x")
    assert not (tmp_path / "worm" / MANIFEST_NAME).exists() and len(a.manifest().entries) == 1


# ------------------------------------------------------------------------------------------ verify


def test_verify_a_sound_archive(archive: Archive):
    for i in range(5):
        archive.put(os.urandom(1000 + i), kind="file")
    seen: list[int] = []
    report = verify(archive, indexed=set(archive.manifest().live()), on_bytes=seen.append)
    assert report.ok and report.checked == 5 and report.bytes == sum(seen) == 5 * 1000 + 10
    assert report.as_dict()["ok"] is True and report.mb_per_s > 0


def test_verify_finds_missing_changed_and_unexpected(archive: Archive):
    keep = archive.put(b"kept")
    changed = archive.put(b"changed")
    gone = archive.put(b"deleted behind our back")
    tamper(archive.path_for(changed), b"chang3d")
    archive.path_for(gone).unlink()  # not through remove(): the manifest still names it
    only_indexed = sha(b"indexed, never archived")
    stray = archive.root / "ab" / "stray.txt"
    stray.parent.mkdir(mode=0o700)
    stray.write_bytes(b"?")
    os.chmod(stray, 0o400)
    temp = archive.path_for(keep).parent / ".incoming-abc"
    temp.write_bytes(b"half")
    os.chmod(temp, 0o400)
    report = verify(archive, indexed={keep, only_indexed}, workers=2)
    assert not report.ok
    assert [c["sha256"] for c in report.changed] == [changed]
    assert report.changed[0]["actual"] == sha(b"chang3d")
    assert {m["sha256"]: m["named_by"] for m in report.missing} == {gone: ["manifest"], only_indexed: ["index"]}
    assert sorted(report.unexpected) == sorted(["ab/stray.txt", str(temp.relative_to(archive.root))])
    assert report.checked == 2  # kept + changed


def test_verify_reports_loose_modes_until_fixed(archive: Archive):
    p = archive.path_for(archive.put(b"from before issue 12"))
    os.chmod(p, 0o444)
    os.chmod(p.parent, 0o755)
    report = verify(archive)
    assert not report.ok and sorted(report.loose_modes) == sorted(
        [str(p.relative_to(archive.root)), str(p.parent.relative_to(archive.root))]
    )
    fixed = verify(archive, fix_modes=True)
    assert fixed.ok and fixed.modes_fixed == 2 and mode(p) == 0o400


def test_verify_adopts_originals_from_before_the_manifest(archive: Archive):
    digest = archive.put(b"old original")
    (archive.root / MANIFEST_NAME).unlink()
    report = verify(archive)
    assert report.ok and report.unlisted == [digest] and report.adopted == 0
    adopted = verify(archive, adopt=True)
    assert adopted.adopted == 1 and archive.manifest().entries[0].kind == "adopted"
    assert verify(archive).unlisted == []


def test_verify_an_unparseable_manifest_is_a_problem(archive: Archive):
    archive.put(b"x")
    with open(archive.manifest_path, "ab") as fh:
        fh.write(b"not json\n")
    assert verify(archive).manifest_bad_lines == 1 and not verify(archive).ok


# ------------------------------------------------------------------------------------------ the CLI, disk only


def test_cli_verify_without_the_index(archive: Archive):
    from web.cli import app

    digest = archive.put(b"one original")
    run = CliRunner().invoke(app, ["archive", "verify", "--no-index", "--archive-dir", str(archive.root)])
    assert run.exit_code == 0, run.output
    assert "checked 1 originals" in run.output and "MB/s" in run.output and "OK" in run.output
    tamper(archive.path_for(digest), b"another")
    run = CliRunner().invoke(app, ["archive", "verify", "--no-index", "--json", "--archive-dir", str(archive.root)])
    assert run.exit_code == 1
    data = json.loads(run.stdout)
    assert data["ok"] is False and data["changed"][0]["sha256"] == digest
    run = CliRunner().invoke(app, ["archive", "verify", "--no-index", "--archive-dir", str(archive.root / "nope")])
    assert run.exit_code == 2 and "no archive" in run.output
