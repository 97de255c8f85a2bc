"""Login hardening against the real Redis (issue 13): the login limiter shared by workers, server-side logout.

Two Flask apps with the cockpit's `init_auth` on the same Redis play two workers; the password checks stay real
(argon2, config/users.toml), the test only counts how many reach `UserDirectory.authenticate`."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
from flask import Flask

from app.users import UserDirectory
from cockpit.auth import CSP, CSRF_COOKIE, init_auth
from core.settings import REPO_ROOT

USERS = REPO_ROOT / "config" / "users.toml"
TOKEN = "t" * 43


def worker(redis_url: str, namespace: str, **limits: str) -> tuple[Flask, dict[str, int]]:
    """One 'worker': its own Flask app and directory, the shared Redis; counts real password checks."""
    app = Flask(f"w-{uuid.uuid4().hex[:6]}")
    app.secret_key = "shared-secret"
    directory = UserDirectory(USERS)
    calls = {"n": 0}
    lock = threading.Lock()
    real: Callable[..., Any] = directory.authenticate

    def counted(login: str, password: str) -> Any:
        with lock:
            calls["n"] += 1
        return real(login, password)

    directory.authenticate = counted  # type: ignore[method-assign]
    init_auth(app, directory, store_uri=redis_url, namespace=namespace, **limits)
    app.add_url_rule("/", "home", lambda: "home")
    return app, calls


def post_login(app: Flask, user: str, password: str, addr: str = "10.0.0.1") -> int:
    c = app.test_client()
    c.set_cookie(CSRF_COOKIE, TOKEN)
    r = c.post("/login", data={"username": user, "password": password, "csrf_token": TOKEN},
               environ_base={"REMOTE_ADDR": addr})  # fmt: skip
    return r.status_code


@pytest.fixture()
def namespace(redis_url: str) -> Any:
    ns = f"test-{uuid.uuid4().hex[:10]}"
    yield ns
    r = redis.Redis.from_url(redis_url)
    keys = [k for k in r.scan_iter(count=1000) if ns.encode() in k]
    if keys:
        r.delete(*keys)


def test_100_parallel_wrong_passwords_on_two_workers_get_at_most_the_limit(redis_url: str, namespace: str):
    a, calls_a = worker(redis_url, namespace, login_limit="5/5minutes", login_ip_limit="1000/5minutes")
    b, calls_b = worker(redis_url, namespace, login_limit="5/5minutes", login_ip_limit="1000/5minutes")
    with ThreadPoolExecutor(max_workers=32) as pool:
        codes = list(pool.map(lambda i: post_login(a if i % 2 else b, "anna.schmidt", f"wrong-{i}"), range(100)))
    checks = calls_a["n"] + calls_b["n"]
    assert checks <= 5, checks
    assert codes.count(401) == checks and codes.count(429) == 100 - checks, codes
    # the account is locked for its window: even the right password is not checked now (from any worker)
    assert post_login(a, "anna.schmidt", "demo") == 429 and post_login(b, "anna.schmidt", "demo", "10.9.9.9") == 429
    assert calls_a["n"] + calls_b["n"] == checks
    # every key the limiter wrote expires with its window: memory stays bounded
    r = redis.Redis.from_url(redis_url)
    keys = [k for k in r.scan_iter(count=1000) if namespace.encode() in k]
    assert keys and all(0 < r.ttl(k) <= 300 for k in keys)


def test_one_password_across_many_accounts_is_stopped_by_the_address_limit(redis_url: str, namespace: str):
    a, calls_a = worker(redis_url, namespace, login_limit="5/5minutes", login_ip_limit="10/5minutes")
    b, calls_b = worker(redis_url, namespace, login_limit="5/5minutes", login_ip_limit="10/5minutes")
    users = [f"user{i}" for i in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda i: post_login(a if i % 2 else b, users[i], "Sommer2026!"), range(40)))
    checks = calls_a["n"] + calls_b["n"]
    assert checks == 10 and codes.count(401) == 10 and codes.count(429) == 30, codes
    assert post_login(a, "lena.hoffmann", "demo", "10.0.0.2") == 302  # another address is not affected


def test_a_successful_login_does_not_use_up_the_address(redis_url: str, namespace: str):
    a, _ = worker(redis_url, namespace, login_limit="5/5minutes", login_ip_limit="3/5minutes")
    for _ in range(6):  # an office behind one address: correct logins are not counted against it
        assert post_login(a, "anna.schmidt", "demo") == 302
    assert [post_login(a, "anna.schmidt", "x") for _ in range(4)] == [401, 401, 401, 429]


def test_logout_on_one_worker_ends_a_copied_session_on_the_other(redis_url: str, namespace: str):
    a, _ = worker(redis_url, namespace)
    b, _ = worker(redis_url, namespace)
    ca = a.test_client()
    ca.set_cookie(CSRF_COOKIE, TOKEN)
    assert (
        ca.post("/login", data={"username": "anna.schmidt", "password": "demo", "csrf_token": TOKEN}).status_code == 302
    )
    cb = b.test_client()
    cb.set_cookie("session", ca.get_cookie("session").value)  # type: ignore[union-attr]
    assert cb.get("/").status_code == 200  # the same session works on the other worker...
    ca.post("/logout", data={"csrf_token": TOKEN})
    assert cb.get("/").status_code == 302  # ...until it is logged out on any of them
    r = redis.Redis.from_url(redis_url)
    revoked = [k for k in r.scan_iter(match=f"cockpit-session-revoked:{namespace}:*")]
    assert len(revoked) == 1 and 0 < r.ttl(revoked[0]) <= 8 * 3600


def test_unreachable_redis_fails_closed_with_a_clear_message(namespace: str):
    app, calls = worker("redis://:pw@127.0.0.1:1/0", namespace)
    c = app.test_client()
    c.set_cookie(CSRF_COOKIE, TOKEN)
    r = c.post("/login", data={"username": "anna.schmidt", "password": "demo", "csrf_token": TOKEN})
    assert r.status_code == 503 and calls["n"] == 0
    assert "nicht möglich" in r.get_data(as_text=True)


def test_the_cockpit_app_uses_redis_for_logins_and_sends_a_csp(es, index_prefix, redis_url):  # type: ignore[no-untyped-def]
    from limits.storage import RedisStorage

    from tests.e2e._cockpit import make_app

    app = make_app(index_prefix, None, es)
    limiter = app.server.extensions["cockpit_login_limiter"]
    assert isinstance(limiter.storage, RedisStorage) and limiter.namespace == index_prefix
    r = app.server.test_client().get("/login")
    assert r.headers["Content-Security-Policy"] == CSP
