"""`cockpit archive verify` against the real Elasticsearch: originals the index names but the archive lacks are
missing, a changed original fails, an archive from before issue 12 (0755/0444) is tightened by --fix-modes."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest
from typer.testing import CliRunner

from indexing.archive import Archive
from tests.e2e._cockpit import document, index_all

pytestmark = pytest.mark.integration


@pytest.fixture()
def cli(es, index_prefix, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from core.settings import get_settings
    from web.cli import app

    monkeypatch.setenv("COCKPIT_INDEX_PREFIX", index_prefix)
    monkeypatch.setenv("COCKPIT_ARCHIVE_DIR", str(tmp_path / "archive"))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, ["archive", "verify", *args])
    get_settings.cache_clear()


def test_verify_against_the_index(cli, es, index_prefix, tmp_path):
    archive = Archive(tmp_path / "archive")
    kept, lost = b"%PDF-1.4 Rechnung RE-1", b"%PDF-1.4 Vertrag V-7"
    sha_kept = archive.put(kept, source="upload:anna/j1/RE-1.pdf", kind="upload", tenant="nord")
    sha_lost = hashlib.sha256(lost).hexdigest()
    index_all(es, index_prefix, [], [
        document("n1", content=kept, file_name="RE-1.pdf"),
        document("s1", tenant="sued", content=lost, file_name="V-7.pdf"),  # never archived
    ])  # fmt: skip

    run = cli("--json")
    assert run.exit_code == 1, run.output
    report = json.loads(run.stdout)
    assert report["indexed"] == 2 and report["checked"] == 1
    assert report["missing"] == [{"sha256": sha_lost, "named_by": ["index"]}]

    archive.put(lost, source="erp:sap/V-7", kind="erp", tenant="sued")
    run = cli()
    assert run.exit_code == 0, run.output
    assert "checked 2 originals" in run.stdout and "index: 2 originals named" in run.stdout

    path = archive.path_for(sha_kept)
    os.chmod(path, 0o600)
    path.write_bytes(b"%PDF-1.4 Rechnung RE-2")
    os.chmod(path, 0o400)
    run = cli()
    assert run.exit_code == 1 and "CHANGED" in run.stdout and sha_kept[:2] in run.stdout
    assert cli("--no-index", "--json").exit_code == 1


def test_fix_modes_of_an_older_archive(cli, es, index_prefix, tmp_path):
    archive = Archive(tmp_path / "archive")
    path = archive.path_for(archive.put(b"an original from before"))
    for d in (archive.root, path.parent, path.parent.parent):
        os.chmod(d, 0o755)
    os.chmod(path, 0o444)
    run = cli("--json")
    assert run.exit_code == 1 and len(json.loads(run.stdout)["loose_modes"]) == 4
    run = cli("--fix-modes", "--json")
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["modes_fixed"] == 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o400 and stat.S_IMODE(archive.root.stat().st_mode) == 0o700
