"""The status of every component (administrators): the doctor's report, run out of process so the web worker
never loads torch or spaCy."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from domain.errors import Unavailable
from domain.principal import STATUS, Principal


def status(principal: Principal, *, timeout_s: float = 180.0) -> list[dict[str, Any]]:
    principal.require(STATUS)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "app.doctor"], capture_output=True, text=True, timeout=timeout_s, check=False
        )
        return list(json.loads(proc.stdout))
    except (subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as exc:
        raise Unavailable("status.error") from exc
