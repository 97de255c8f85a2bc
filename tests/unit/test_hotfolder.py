"""Hot folders on real files in tmp_path. The queue is a small in-memory implementation of the two ports
(submit, status): it is the contract, not a mock of the filesystem. Time is a fake clock, never a sleep."""

from __future__ import annotations

import os
import re
import stat
import threading
import time
from pathlib import Path

import pytest

from intake.hotfolder import FolderReport, HotFolder, run, sanitise_name


class Queue:
    """The pipeline's queue as the hot folder sees it: submit -> job id, status of job ids."""

    def __init__(self) -> None:
        self.submitted: list[tuple[str, bytes, str, str]] = []  # (job id, data, name, source uri)
        self.states: dict[str, tuple[str, str | None]] = {}
        self.down = False
        self.status_calls: list[list[str]] = []
        self.next_id: str | None = None  # force the next job id (hostile ids)

    def submit(self, data: bytes, name: str, source_uri: str) -> str:
        if self.down:
            raise ConnectionError("queue down")
        job_id = self.next_id or f"job-{len(self.submitted) + 1}"
        self.next_id = None
        self.submitted.append((job_id, data, name, source_uri))
        self.states[job_id] = ("queued", None)
        return job_id

    def status(self, job_ids: list[str]) -> dict[str, tuple[str, str | None]]:
        self.status_calls.append(list(job_ids))
        return {j: self.states.get(j, ("unknown", None)) for j in job_ids}

    def finish(self, state: str = "done", reason: str | None = None) -> None:
        for job_id in self.states:
            self.states[job_id] = (state, reason)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 5.0) -> None:
        self.now += seconds


@pytest.fixture
def queue() -> Queue:
    return Queue()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "scans"
    root.mkdir()
    return root


def _folder(root: Path, queue: Queue, clock: Clock, **kw) -> HotFolder:
    return HotFolder(root, submit=queue.submit, status=queue.status, tenant="nord", clock=clock, **kw)


def _settle(folder: HotFolder, clock: Clock) -> FolderReport:
    """Two passes settle_s apart: the first sees the files, the second takes the stable ones."""
    folder.scan()
    clock.tick(folder.settle_s + 0.5)
    return folder.scan()


def _inflight(root: Path) -> list[str]:
    d = root / ".inflight"
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def _processed(root: Path) -> list[Path]:
    d = root / "processed"
    return sorted(p for p in d.rglob("*") if p.is_file()) if d.is_dir() else []


# --------------------------------------------------------------------------- taking files


def test_a_file_still_growing_is_not_taken(root, queue, clock):
    folder = _folder(root, queue, clock)
    scan = root / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7 part one")
    assert folder.scan().waiting == 1
    clock.tick(3)
    with scan.open("ab") as fh:
        fh.write(b" part two")
    os.utime(scan, ns=(time.time_ns(), time.time_ns() + 1))  # mtime moves even on coarse filesystems
    report = folder.scan()
    assert (report.taken, report.waiting) == (0, 1) and queue.submitted == []
    clock.tick(1)  # stable now, but not yet settle_s since the last change
    assert folder.scan().taken == 0
    clock.tick(2)
    assert folder.scan().taken == 1
    assert queue.submitted[0][1] == b"%PDF-1.7 part one part two"  # the whole file, not half of it


def test_a_stable_file_is_taken_once_and_moved_to_inflight(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "scanner-a").mkdir()
    (root / "scanner-a" / "Rechnung 4711.pdf").write_bytes(b"invoice")
    report = _settle(folder, clock)
    assert (report.taken, report.waiting, report.errors) == (1, 0, [])
    [(job_id, data, name, uri)] = queue.submitted
    assert (data, name, uri) == (b"invoice", "Rechnung 4711.pdf", "folder://nord/scanner-a/Rechnung 4711.pdf")
    assert _inflight(root) == [f"{job_id}__Rechnung 4711.pdf"]
    assert not (root / "scanner-a" / "Rechnung 4711.pdf").exists()
    assert (root / "scanner-a").is_dir()  # scanner profile folders stay
    assert stat.S_IMODE((root / ".inflight").stat().st_mode) == 0o700
    for _ in range(3):  # idempotent: nothing is submitted twice
        clock.tick(5)
        assert folder.scan().taken == 0
    assert len(queue.submitted) == 1


def test_zero_byte_files_settle_and_are_taken(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "empty.pdf").write_bytes(b"")
    assert folder.scan().taken == 0
    clock.tick(5)
    assert folder.scan().taken == 1
    assert queue.submitted[0][1] == b""


def test_reserved_hidden_temp_and_symlinked_entries_are_not_taken(root, queue, clock, tmp_path):
    folder = _folder(root, queue, clock)
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    (root / "upload.pdf.part").write_bytes(b"x")
    (root / "download.crdownload").write_bytes(b"x")
    (root / "x.TMP").write_bytes(b"x")
    (root / ".DS_Store").write_bytes(b"x")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "a.pdf").write_bytes(b"x")
    (root / "link.txt").symlink_to(outside)
    (root / "linkdir").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(root / "pipe")
    (root / "profile" / "deep").mkdir(parents=True)
    (root / "profile" / "deep" / "real.pdf").write_bytes(b"real")
    report = _settle(folder, clock)
    assert report.taken == 1
    assert [s[3] for s in queue.submitted] == ["folder://nord/profile/deep/real.pdf"]
    assert outside.read_text() == "not yours"


# --------------------------------------------------------------------------- the pipeline's verdict


def test_done_moves_the_file_to_processed_by_date(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "brief.pdf").write_bytes(b"letter")
    _settle(folder, clock)
    report = folder.scan()  # still queued: left alone
    assert (report.processed, len(_inflight(root))) == (0, 1)
    queue.finish("done")
    report = folder.scan()
    assert (report.processed, report.failed) == (1, 0)
    [done] = _processed(root)
    assert done.name == "brief.pdf" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", done.parent.name)
    assert done.read_bytes() == b"letter"
    assert _inflight(root) == []
    assert stat.S_IMODE(done.parent.stat().st_mode) == 0o700


def test_same_name_done_twice_gets_a_numbered_name(root, queue, clock):
    folder = _folder(root, queue, clock)
    for n in (1, 2, 3):
        (root / "scan.pdf").write_bytes(b"page %d" % n)
        _settle(folder, clock)
        queue.finish("done")
        folder.scan()
    names = sorted(p.name for p in _processed(root))
    assert names == ["scan (2).pdf", "scan (3).pdf", "scan.pdf"]


def test_identical_files_with_one_job_id_do_not_overwrite_each_other_in_flight(root, queue, clock):
    folder = _folder(root, queue, clock)
    for profile in ("a", "b"):
        (root / profile).mkdir()
        (root / profile / "scan.pdf").write_bytes(b"same content")
    folder.submit = lambda data, name, uri: "dedup-1"  # the pipeline deduplicates by content
    assert _settle(folder, clock).taken == 2
    assert _inflight(root) == ["dedup-1__scan (2).pdf", "dedup-1__scan.pdf"]
    queue.states["dedup-1"] = ("done", None)
    assert folder.scan().processed == 2
    assert len(_processed(root)) == 2


def test_failed_goes_to_failed_with_a_reason_file(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "kaputt.pdf").write_bytes(b"garbage")
    _settle(folder, clock)
    [(job_id, *_)] = queue.submitted
    queue.finish("failed", "extract_failed: not a PDF — Kopfzeile fehlt")
    report = folder.scan()
    assert (report.failed, report.processed) == (1, 0)
    assert (root / "failed" / "kaputt.pdf").read_bytes() == b"garbage"
    reason = (root / "failed" / "kaputt.pdf.reason.txt").read_text(encoding="utf-8")
    assert "extract_failed: not a PDF — Kopfzeile fehlt" in reason and job_id in reason
    assert re.search(r"time: \d{4}-\d{2}-\d{2}T", reason)
    assert _inflight(root) == []
    assert stat.S_IMODE((root / "failed").stat().st_mode) == 0o700


def test_status_is_asked_once_per_pass_for_all_jobs(root, queue, clock):
    folder = _folder(root, queue, clock)
    for n in range(5):
        (root / f"{n}.pdf").write_bytes(b"%d" % n)
    _settle(folder, clock)
    queue.status_calls.clear()
    folder.scan()
    assert len(queue.status_calls) == 1 and sorted(queue.status_calls[0]) == [f"job-{n}" for n in range(1, 6)]


def test_a_job_unknown_for_a_day_is_given_up(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "lost.pdf").write_bytes(b"lost")
    _settle(folder, clock)
    queue.states.clear()  # the queue forgot the job (flushed Redis)
    assert folder.scan().failed == 0
    clock.tick(23 * 3600)
    assert folder.scan().failed == 0
    clock.tick(3600)
    assert folder.scan().failed == 1
    assert "reason: job_unknown" in (root / "failed" / "lost.pdf.reason.txt").read_text(encoding="utf-8")


def test_a_status_failure_leaves_everything_in_flight(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "a.pdf").write_bytes(b"a")
    _settle(folder, clock)

    def broken(job_ids):
        raise ConnectionError("redis away")

    folder.status = broken
    report = folder.scan()
    assert report.errors and "redis away" in report.errors[0]
    assert len(_inflight(root)) == 1


# --------------------------------------------------------------------------- failures and limits


def test_submit_raising_keeps_the_file_and_takes_it_next_pass(root, queue, clock):
    folder = _folder(root, queue, clock)
    (root / "a.pdf").write_bytes(b"a")
    (root / "b.pdf").write_bytes(b"b")
    folder.scan()
    clock.tick(5)
    queue.down = True
    report = folder.scan()
    assert (report.taken, report.waiting) == (0, 2) and "queue down" in report.errors[0]
    assert len(report.errors) == 1  # the rest of the pass is not hammered against a dead queue
    assert (root / "a.pdf").read_bytes() == b"a" and (root / "b.pdf").exists()
    queue.down = False
    clock.tick(5)
    report = folder.scan()
    assert (report.taken, report.waiting) == (2, 0)
    assert sorted(s[2] for s in queue.submitted) == ["a.pdf", "b.pdf"]


def test_a_too_large_file_fails_at_once_without_submit(root, queue, clock):
    folder = _folder(root, queue, clock, max_bytes=10)
    (root / "huge.tif").write_bytes(b"x" * 11)
    (root / "fits.tif").write_bytes(b"x" * 10)
    report = folder.scan()  # first sight: no settling for what will never be submitted
    assert report.failed == 1 and queue.submitted == []
    assert (root / "failed" / "huge.tif").stat().st_size == 11
    reason = (root / "failed" / "huge.tif.reason.txt").read_text(encoding="utf-8")
    assert "reason: too_large: 11 bytes > 10" in reason
    clock.tick(5)
    assert folder.scan().taken == 1  # the limit itself is allowed


def test_five_hundred_files_are_taken_in_two_passes_each_once(root, queue, clock):
    folder = _folder(root, queue, clock)
    for n in range(500):
        (root / f"scan-{n:04d}.pdf").write_bytes(b"page %d" % n)
    first = folder.scan()
    assert (first.taken, first.waiting) == (0, 500)
    clock.tick(5)
    second = folder.scan()
    assert (second.taken, second.waiting) == (500, 0)
    uris = [s[3] for s in queue.submitted]
    assert len(uris) == len(set(uris)) == 500
    assert len(_inflight(root)) == 500
    assert [p.name for p in root.iterdir() if p.is_file()] == []


# --------------------------------------------------------------------------- names


def test_hostile_names_stay_inside_their_folder(root, queue, clock, tmp_path):
    folder = _folder(root, queue, clock)
    hostile = "scan ..\\..\\evil\nname\x07\x7f.pdf"  # "/" cannot be in a name; "\\" and "\n" can
    (root / hostile).write_bytes(b"evil")
    (root / "..dots.pdf").write_bytes(b"dots")  # starts with "." : hidden, not taken
    queue.next_id = "../../../escape"  # a job id is no path either
    assert _settle(folder, clock).taken == 1
    [(job_id, _, name, _)] = queue.submitted
    assert "\n" not in name and "\\" not in name and "/" not in name and not name.startswith(".")
    [inflight] = (root / ".inflight").iterdir()
    assert inflight.parent == root / ".inflight" and "/" not in inflight.name
    queue.finish("failed", "bad\nreason")
    assert folder.scan().failed == 1
    [failed, reason] = sorted((root / "failed").iterdir())
    assert failed.parent == root / "failed" and failed.name == name
    assert reason.name == name + ".reason.txt"
    assert "../../../escape" in reason.read_text(encoding="utf-8")
    outside = {p.name for p in tmp_path.iterdir()}
    assert outside == {"scans"}


@pytest.mark.parametrize("job_id", ["job_1", "a__b_", "100%25 ü", ".hidden", "x" * 60])
def test_any_job_id_survives_the_trip_through_the_inflight_name(root, queue, clock, job_id):
    folder = _folder(root, queue, clock)
    (root / "a.pdf").write_bytes(b"a")
    queue.next_id = job_id
    assert _settle(folder, clock).taken == 1
    [inflight] = _inflight(root)
    assert not inflight.startswith(".") and inflight.endswith("__a.pdf")
    queue.status_calls.clear()
    queue.finish("done")
    assert folder.scan().processed == 1
    assert queue.status_calls == [[job_id]]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a/b\\c.pdf", "a_b_c.pdf"),
        ("line\nbreak\t.pdf", "linebreak.pdf"),
        ("...", "unnamed"),
        ("", "unnamed"),
        (".bashrc", "bashrc"),
        ("\x00", "unnamed"),
    ],
)
def test_sanitise_name(raw, expected):
    assert sanitise_name(raw) == expected


def test_sanitise_name_limits_bytes_and_keeps_the_extension():
    long = "Ä" * 300 + ".pdf"
    name = sanitise_name(long)
    assert name.endswith(".pdf") and len(name.encode("utf-8")) <= 180
    assert name.encode("utf-8").decode("utf-8") == name  # cut on a character boundary
    assert sanitise_name("x" * 300).encode("utf-8") == b"x" * 180
    undecodable = os.fsdecode(b"scan-\xff\xfe.pdf")
    assert sanitise_name(undecodable) == "scan-\ufffd\ufffd.pdf"


def test_a_very_long_name_is_taken_and_kept_recognisable(root, queue, clock):
    folder = _folder(root, queue, clock)
    long = "Kontoauszug " + "ü" * 100 + ".pdf"  # 216 bytes of UTF-8: above the 180 kept
    (root / long).write_bytes(b"long")
    assert _settle(folder, clock).taken == 1
    [inflight] = _inflight(root)
    assert inflight.startswith("job-1__Kontoauszug ") and inflight.endswith(".pdf")
    assert len(inflight.encode("utf-8")) <= 255


# --------------------------------------------------------------------------- restarts and the loop


def test_a_new_watcher_over_the_same_root_resumes_the_inflight_files(root, queue, clock):
    first = _folder(root, queue, clock)
    (root / "a.pdf").write_bytes(b"a")
    (root / "b.pdf").write_bytes(b"b")
    _settle(first, clock)
    assert len(_inflight(root)) == 2
    del first  # the process died
    queue.states["job-1"] = ("done", None)
    queue.states["job-2"] = ("failed", "ocr_failed")
    second = _folder(root, queue, clock)
    report = second.scan()
    assert (report.processed, report.failed, report.taken) == (1, 1, 0)
    assert [p.name for p in _processed(root)] == ["a.pdf"]
    assert (root / "failed" / "b.pdf").read_bytes() == b"b"
    assert len(queue.submitted) == 2  # nothing submitted again


def test_run_survives_a_queue_that_is_down_and_loses_nothing(root, queue):
    folder = HotFolder(root, submit=queue.submit, status=queue.status, tenant="nord", settle_s=0.0)
    (root / "a.pdf").write_bytes(b"a")
    queue.down = True
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(folder,), kwargs={"every_s": 0.01, "stop": stop}, daemon=True)
    thread.start()
    try:
        time.sleep(0.1)
        assert thread.is_alive() and (root / "a.pdf").exists() and queue.submitted == []
        queue.down = False
        deadline = time.monotonic() + 5
        while not queue.submitted and time.monotonic() < deadline:
            time.sleep(0.01)
        queue.finish("done")
        while not _processed(root) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(queue.submitted) == 1 and [p.name for p in _processed(root)] == ["a.pdf"]


def test_run_survives_a_scan_that_raises(root, queue):
    folder = _folder(root, queue, Clock())
    calls = []

    def scan():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk hiccup")
        stop.set()
        return FolderReport()

    folder.scan = scan
    stop = threading.Event()
    run(folder, every_s=0.0, stop=stop)
    assert len(calls) == 2


def test_a_missing_root_is_reported_not_created(tmp_path, queue, clock):
    root = tmp_path / "share-not-mounted"
    report = _folder(root, queue, clock).scan()
    assert report.errors and not root.exists()


def test_a_file_the_queue_rejects_goes_to_failed_at_once_and_is_not_offered_again(root, queue, clock):
    from intake.hotfolder import Rejected

    def picky(data: bytes, name: str, source_uri: str) -> str:
        if not data:
            raise Rejected("intake.error.empty: the file is empty")
        return queue.submit(data, name, source_uri)

    (root / "leer.pdf").write_bytes(b"")
    (root / "gut.txt").write_text("Rechnung", encoding="utf-8")
    folder = HotFolder(root, submit=picky, status=queue.status, tenant="nord", clock=clock)
    report = _settle(folder, clock)
    assert report.taken == 1 and report.failed == 1
    assert (root / "failed" / "leer.pdf").exists()
    assert "intake.error.empty" in (root / "failed" / "leer.pdf.reason.txt").read_text(encoding="utf-8")
    clock.tick(10)
    again = folder.scan()
    assert again.failed == 0 and again.taken == 0 and len(queue.submitted) == 1
