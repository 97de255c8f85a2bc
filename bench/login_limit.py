"""The login limiter under a burst (issue 13): N parallel wrong passwords for one account, spread over two
"workers" (two Flask apps with the cockpit's `init_auth`) that share the real Redis — how many reach the
password check (argon2, `app.users.UserDirectory.authenticate`)?

    .venv/bin/python -m bench.login_limit --attempts 100 --runs 5 --out bench/results/login_limit.json

Needs Redis (`cockpit services up`). The configured limit is 5 per account and 5 minutes; each run uses its
own key namespace. Target: at most the limit, in every run.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

LIMIT = "5/5minutes"
TOKEN = "t" * 43


def _worker(redis_url: str, namespace: str) -> tuple[Any, dict[str, int]]:
    from flask import Flask

    from app.users import UserDirectory
    from cockpit.auth import init_auth
    from core.settings import REPO_ROOT

    app = Flask(f"w-{uuid.uuid4().hex[:6]}")
    app.secret_key = "bench"
    directory = UserDirectory(REPO_ROOT / "config" / "users.toml", ldap=None)
    calls = {"n": 0}
    lock = threading.Lock()
    real = directory.authenticate

    def counted(login: str, password: str) -> Any:
        with lock:
            calls["n"] += 1
        return real(login, password)

    directory.authenticate = counted  # type: ignore[method-assign]
    init_auth(app, directory, store_uri=redis_url, namespace=namespace, login_limit=LIMIT,
              login_ip_limit="100000/5minutes")  # fmt: skip
    return app, calls


def run_once(redis_url: str, attempts: int) -> dict[str, Any]:
    import redis

    from cockpit.auth import CSRF_COOKIE

    ns = f"bench-login-{uuid.uuid4().hex[:8]}"
    apps = [_worker(redis_url, ns), _worker(redis_url, ns)]

    def attempt(i: int) -> int:
        c = apps[i % 2][0].test_client()
        c.set_cookie(CSRF_COOKIE, TOKEN)
        r = c.post("/login", data={"username": "anna.schmidt", "password": f"wrong-{i}", "csrf_token": TOKEN})
        return int(r.status_code)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=32) as pool:
        codes = list(pool.map(attempt, range(attempts)))
    seconds = time.perf_counter() - t0
    r = redis.Redis.from_url(redis_url)
    keys = [k for k in r.scan_iter(count=1000) if ns.encode() in k]
    if keys:
        r.delete(*keys)
    checks = sum(calls["n"] for _, calls in apps)
    return {"attempts": attempts, "password_checks": checks, "refused_429": codes.count(429),
            "wrong_401": codes.count(401), "seconds": round(seconds, 2)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--attempts", type=int, default=100)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    from core.services import redis_url

    url = redis_url()
    if not url:
        raise SystemExit("Redis is not running: `cockpit services up`")
    runs = [run_once(url, args.attempts) for _ in range(args.runs)]
    for r in runs:
        print(f"  {r['attempts']} parallel wrong passwords: {r['password_checks']} password checks, "
              f"{r['refused_429']} refused (429), {r['seconds']} s")  # fmt: skip
    worst = max(r["password_checks"] for r in runs)
    result = {"limit": LIMIT, "runs": runs, "max_password_checks": worst, "target_met": worst <= 5}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"at most {worst} password checks per burst (limit 5): {'met' if worst <= 5 else 'NOT met'}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
