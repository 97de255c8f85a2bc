"""A hot folder through the real queue: files dropped into the folder become jobs, the worker's task indexes them,
the watcher moves them to processed/; an empty file goes to failed/ with its reason at once."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import pytest

from app import intake
from domain.principal import Principal
from intake.hotfolder import HotFolder
from tests.helpers import HashEmbedder, drop_prefix
from tests.integration.api_world import build
from web.cli_intake import folder_ports

pytestmark = pytest.mark.integration


def test_files_from_a_hot_folder_are_indexed_and_moved(es, redis_url, tmp_path):
    prefix = f"test-folder-{uuid.uuid4().hex[:8]}"
    world = build(es, prefix, tmp_path / "world")
    try:
        ctx = world["ctx"]
        root = tmp_path / "scanner"
        (root / "profil-a").mkdir(parents=True)
        (root / "profil-a" / "lieferschein.txt").write_text(
            f"Müller Bau GmbH, Kundennummer K-10001. Lieferschein LS-77 über 12 Ventile. {uuid.uuid4().hex}",
            encoding="utf-8",
        )
        (root / "leer.pdf").write_bytes(b"")
        submit, status = folder_ports(ctx, root, "nord")
        clock = [0.0]
        hot = HotFolder(root, submit=submit, status=status, tenant="nord", settle_s=2.0, clock=lambda: clock[0])
        assert hot.scan().taken == 0  # first sight: not settled yet
        clock[0] += 3
        report = hot.scan()
        assert report.taken == 1 and report.failed == 1, report
        assert (root / "failed" / "leer.pdf").exists()
        assert "intake.error.empty" in (root / "failed" / "leer.pdf.reason.txt").read_text(encoding="utf-8")
        inflight = list((root / ".inflight").iterdir())
        assert len(inflight) == 1
        job_id = unquote(inflight[0].name.split("__", 1)[0])  # the job id, percent-encoded in the name
        job = intake.job(ctx, Principal.system(), job_id)
        assert job.channel == "folder" and job.source_uri == "folder://nord/profil-a/lieferschein.txt"
        done = intake.process(ctx, [job_id], embedder=HashEmbedder())  # the worker's task
        assert done.outcomes[job_id] == "indexed"
        clock[0] += 1
        hot.scan()
        processed = [p for p in (root / "processed").rglob("*") if p.is_file()]
        assert [p.name for p in processed] == ["lieferschein.txt"]
        assert not any((root / ".inflight").iterdir())
    finally:
        drop_prefix(prefix)
