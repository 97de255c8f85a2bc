"""Bad set-ups get a one-line error that says what to do, and nothing is left half-started."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core import services
from core.services import ServiceError
from core.settings import Settings


def _settings(tmp_path: Path, **kw) -> Settings:
    return Settings(var_dir=tmp_path / "var", cache_dir=tmp_path / "cache", **kw)


def test_unreachable_es_url(tmp_path):
    with pytest.raises(ServiceError, match="not reachable"):
        services.start_elasticsearch(_settings(tmp_path, es_url="http://127.0.0.1:9"))


def test_wrong_password_on_the_running_node(tmp_path, es_endpoint):
    s = _settings(tmp_path, es_url=es_endpoint.url, es_password="definitely-wrong", es_ca_certs=es_endpoint.ca_certs)
    with pytest.raises(ServiceError, match="refused the credentials"):
        services.start_elasticsearch(s)


def test_port_taken_by_another_process(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        with pytest.raises(ServiceError, match=f"port {port} is taken"):
            services.start_elasticsearch(_settings(tmp_path, es_port=port))
    assert not (tmp_path / "var" / "es" / "es.pid").exists()


def test_no_java(monkeypatch):
    monkeypatch.delenv("ES_JAVA_HOME", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    with pytest.raises(ServiceError, match="Java not found"):
        services.java_home()


def test_no_maven(tmp_path, monkeypatch):
    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    with pytest.raises(ServiceError, match="Maven"):
        services.ensure_archive(_settings(tmp_path))


def test_artifact_maven_cannot_fetch(tmp_path):
    """GIVEN a version Maven cannot resolve (as when offline) THEN a one-line error names the log."""
    s = _settings(tmp_path, es_version="0.0.0-does-not-exist")
    with pytest.raises(ServiceError, match="could not fetch") as err:
        services.ensure_archive(s)
    assert "\n" not in str(err.value)
    assert not services.archive_path(s).exists()


def test_half_downloaded_archive_is_replaced(tmp_path):
    s = _settings(tmp_path)
    target = services.archive_path(s)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"PK\x03\x04 truncated")
    assert services.ensure_archive(s) == target
    assert services._zip_ok(target)


def test_cli_prints_one_line_error(monkeypatch):
    from core.settings import get_settings
    from web.cli import app

    monkeypatch.setenv("ES_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["services", "up"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "not reachable" in result.output
    assert "Traceback" not in result.output
