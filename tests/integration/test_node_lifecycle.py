"""The project's own node: start, reuse, clean stop, restart on existing data (a private node on a free port)."""

from __future__ import annotations

import os
import stat

from core import services
from core.settings import Settings


def test_start_reuse_stop_restart(tmp_path):
    settings = Settings(var_dir=tmp_path / "var", es_port=services.free_port(9250), es_heap="512m")
    try:
        ep = services.start_elasticsearch(settings)
        assert services.es_health(ep)["status"] in ("green", "yellow")
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
        services.stop_elasticsearch(settings)
