"""`cockpit api-key create|list|revoke` against the real Elasticsearch: the token works once created, a revoked
or mistyped key is refused, bad options get one line of error."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tests.integration.api_world import auth, build

pytestmark = pytest.mark.integration


@pytest.fixture()
def cli(es, index_prefix, monkeypatch):  # type: ignore[no-untyped-def]
    from core.settings import get_settings
    from web.cli import app

    monkeypatch.setenv("COCKPIT_INDEX_PREFIX", index_prefix)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args))
    get_settings.cache_clear()


def test_create_list_revoke(cli, es, index_prefix, tmp_path):
    world = build(es, index_prefix, tmp_path)
    made = cli("api-key", "create", "--name", "SAP ERP", "--tenant", "nord", "--groups", "all",
               "--capabilities", "search,export", "--expires", "2099-12-31")  # fmt: skip
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert re.fullmatch(r"dck_[a-f0-9]{16}_[A-Za-z0-9_-]+", token)
    assert world["client"].get("/api/v1/views", headers=auth(token)).status_code == 200
    listing = cli("api-key", "list")
    assert listing.exit_code == 0 and "SAP ERP" in listing.output and token not in listing.output
    key_id = token.split("_")[1]
    assert cli("api-key", "revoke", key_id).exit_code == 0
    world["ctx"].forget(f"api_key:{key_id}")  # another process: the memo of the serving process lasts 10 s
    assert world["client"].get("/api/v1/views", headers=auth(token)).status_code == 401


@pytest.mark.parametrize(
    "args",
    [
        ("--name", "", "--tenant", "nord"),
        ("--name", "x", "--tenant", "nord", "--capabilities", "rule_the_world"),
        ("--name", "x", "--tenant", "nord", "--expires", "tomorrow"),
        ("--name", "x", "--tenant", "nord", "--expires", "2001-01-01"),
        ("--name", "x", "--tenant", "nord", "--groups", ""),
    ],
)
def test_bad_options_get_one_line(cli, args):
    result = cli("api-key", "create", *args)
    assert result.exit_code == 2 and "Traceback" not in result.output and "error" in result.output


def test_revoking_an_unknown_key(cli):
    result = cli("api-key", "revoke", "0000000000000000")
    assert result.exit_code == 2 and "Unknown key" in result.output
