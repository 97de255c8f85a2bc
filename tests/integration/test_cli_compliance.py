"""`cockpit retention|hold|dispose` against the real Elasticsearch, and the start-up refusal of a bad retention
table (serve, worker, doctor name the offending key)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from core.settings import REPO_ROOT
from indexing.archive import Archive
from indexing.schema import alias_name
from tests.integration.test_retention import NOW, doc

pytestmark = pytest.mark.integration


@pytest.fixture()
def cli(es, index_prefix, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from core.settings import get_settings
    from web.cli import app

    monkeypatch.setenv("COCKPIT_INDEX_PREFIX", index_prefix)
    monkeypatch.setenv("COCKPIT_ARCHIVE_DIR", str(tmp_path / "var" / "archive"))
    monkeypatch.setenv("COCKPIT_DISPOSAL_DIR", str(tmp_path / "var" / "disposal"))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args))
    get_settings.cache_clear()


def test_report_hold_and_dispose(cli, es, index_prefix, tmp_path):
    from tests.helpers import index_documents

    sha = Archive(tmp_path / "var" / "archive").put(b"old letter")
    index_documents(es, index_prefix, [doc("c-old", doc_date="2015-01-01", sha=sha, customer_ids=["C1"]),
                                       doc("c-held", doc_date="2015-01-01", customer_ids=["C1"]),
                                       doc("c-new", doc_date=NOW.date().isoformat())])  # fmt: skip
    rep = cli("retention", "report", "--months", "12", "--json")
    assert rep.exit_code == 0, rep.output
    data = json.loads(rep.stdout)
    assert {i["doc_id"] for i in data["items"]} == {"c-old", "c-held"} and data["due"] == 2

    made = cli("hold", "set", "--doc", "c-held", "--reason", "Anfrage der Staatsanwaltschaft")
    assert made.exit_code == 0, made.output
    hold_id = made.stdout.strip().splitlines()[-1]
    listed = json.loads(cli("hold", "list", "--json").stdout)
    assert [h["hold_id"] for h in listed] == [hold_id] and listed[0]["set_by"].startswith("cli:")

    dry = cli("dispose", "--json")
    assert dry.exit_code == 0, dry.output
    out = json.loads(dry.stdout)
    assert out["dry_run"] and [d["doc_id"] for d in out["documents"]] == ["c-old"] and out["counts"]["deleted"] == 0
    assert (tmp_path / "var" / "disposal" / f"{out['run_id']}.csv").exists()

    refused = cli("dispose", "--execute", "--doc", "c-held")
    assert refused.exit_code == 2 and "legal hold" in refused.output and "Traceback" not in refused.output

    done = cli("dispose", "--execute")
    assert done.exit_code == 0 and "executed" in done.output, done.output
    index = alias_name(index_prefix, "documents")
    es.indices.refresh(index=index)
    assert not es.exists(index=index, id="c-old") and es.exists(index=index, id="c-held")
    assert not Archive(tmp_path / "var" / "archive").exists(sha)

    lifted = cli("hold", "lift", hold_id, "--reason", "Verfahren eingestellt")
    assert lifted.exit_code == 0, lifted.output
    assert cli("hold", "lift", hold_id, "--reason", "again").exit_code == 2


def test_a_bad_retention_table_stops_serve_worker_and_doctor(cli, tmp_path, monkeypatch):
    from app.doctor import check_retention
    from core.settings import get_settings

    bad = tmp_path / "retention.toml"
    text = (REPO_ROOT / "config" / "retention.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace("[registers.credit_note]\nyears = 8", "[registers.credit_note]\nyears = -8"),
                   encoding="utf-8")  # fmt: skip
    monkeypatch.setenv("COCKPIT_RETENTION_FILE", str(bad))
    get_settings.cache_clear()
    for args in (("serve",), ("worker",), ("retention", "table")):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "registers.credit_note.years" in result.output and "negative" in result.output
    check = check_retention(get_settings())
    assert not check.ok and check.required and "registers.credit_note.years" in check.detail
    bad.write_text(text.replace('profile = "standard"', 'profile = "bank"'), encoding="utf-8")
    result = cli("serve")
    assert result.exit_code == 2 and "unknown profile 'bank'" in result.output
    monkeypatch.setenv("COCKPIT_RETENTION_FILE", str(REPO_ROOT / "config" / "retention.toml"))
    get_settings.cache_clear()
    assert check_retention(get_settings()).ok
    assert "8" in cli("retention", "table").stdout
