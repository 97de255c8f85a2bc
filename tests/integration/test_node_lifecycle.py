"""The project's own node: start, reuse, clean stop, restart on existing data (a private node on a free port)."""

from __future__ import annotations

import os
import shutil
import stat
import uuid
from pathlib import Path

import pytest

from core import services
from core.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_start_reuse_stop_restart():
    # not under pytest's tmp_path: as root the node runs as another user, who cannot enter /tmp/pytest-of-root
    var_dir = REPO / "var" / f"test-node-{uuid.uuid4().hex[:8]}"
    settings = Settings(var_dir=var_dir, es_port=services.free_port(9250), es_heap="512m")
    umask = os.umask(0o077)  # as `cockpit services up` runs (web/cli.py main): var/ itself is made 0700
    try:
        ep = services.start_elasticsearch(settings)
        assert services.es_health(ep)["status"] in ("green", "yellow")
        for sub in ("data", "logs"):  # the index and its logs: the node user's alone
            assert stat.S_IMODE((settings.es_home / sub).stat().st_mode) == 0o700
        pw_file = services.es_password_file(settings)
        assert stat.S_IMODE(os.stat(pw_file).st_mode) == 0o600
        pid = (settings.es_home / "es.pid").read_text()
        again = services.start_elasticsearch(settings)  # reuses the running node
        assert again == ep and (settings.es_home / "es.pid").read_text() == pid
        assert services.stop_elasticsearch(settings) is True
        assert services.es_health(ep) is None and not services.elasticsearch_running(settings)
        restarted = services.start_elasticsearch(settings)  # same data dir, same generated password
        assert services.es_health(restarted)["status"] in ("green", "yellow")
    finally:
        os.umask(umask)
        services.stop_elasticsearch(settings)
        shutil.rmtree(var_dir, ignore_errors=True)


def test_a_var_dir_the_node_user_cannot_enter_is_a_clear_error(tmp_path):
    """As root the node runs as another user; a folder it cannot enter is named in the error."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "var").mkdir()
    os.chmod(private / "var", 0o755)  # open itself (the tests run under umask 077): its parent is what blocks
    with pytest.raises(services.ServiceError, match=f"{private} is not accessible to the node user"):
        services._check_traversable(private / "var", "dossier-es")
