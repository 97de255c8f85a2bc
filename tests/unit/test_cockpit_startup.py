"""The web process must start light: creating the app imports neither torch nor spaCy (they load lazily on the
first query, with one torch thread)."""

from __future__ import annotations

import json
import subprocess
import sys

from core.settings import REPO_ROOT

PROBE = """
import json, sys, time
t0 = time.perf_counter()
import cockpit.app
app = cockpit.app.create_app(index_prefix="startup-probe", warm_up=False)
client = app.server.test_client()
status = client.get("/login").status_code
print(json.dumps({"heavy": sorted(m for m in ("torch", "spacy", "sentence_transformers", "transformers", "unstructured")
                                  if m in sys.modules),
                  "seconds": time.perf_counter() - t0, "login": status}))
"""


def test_creating_the_app_leaves_torch_and_spacy_unloaded():
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["heavy"] == []
    assert out["login"] == 200


def test_the_embedder_is_configured_for_one_torch_thread():
    from core.settings import get_settings

    assert get_settings().torch_threads == 1
