"""Users from config/users.toml (argon2), the request gate, CSRF, safe redirects, throttling."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from flask import Flask

from app.users import UserDirectory, hash_password
from cockpit.auth import CSP, CSRF_COOKIE, CSRF_HEADER, init_auth, safe_next
from cockpit.security import LoginLimiter
from core.settings import REPO_ROOT
from domain.principal import Principal

USERS = REPO_ROOT / "config" / "users.toml"


def test_demo_users_match_the_demo_corpus_staff():
    from demo.data import STAFF

    users = UserDirectory(USERS).all()
    for tenant, staff in STAFF.items():
        for login, name, _ in staff:
            u = users[login]
            assert u.name == name and tenant in u.tenants and "all" in u.groups and u.department
    assert users["admin"].is_admin and users["admin"].tenants == {"nord", "sued"}
    # contracts carry acl_groups ["contracts", "management"]: someone in each tenant may read them
    for tenant in STAFF:
        assert any(u.groups & {"contracts", "management"} for u in users.values() if tenant in u.tenants)


def test_demo_password_verifies_and_wrong_one_does_not():
    store = UserDirectory(USERS)
    assert store.authenticate("anna.schmidt", "demo") is not None
    assert store.authenticate("Anna.Schmidt ", "demo") is not None  # login is case-insensitive
    assert store.authenticate("anna.schmidt", "Demo") is None
    assert store.authenticate("nobody", "demo") is None


def test_users_file_holds_only_hashes():
    text = USERS.read_text()
    assert "password = " not in text and text.count("$argon2id$") >= 9


def test_broken_entries_are_skipped(tmp_path: Path):
    h = hash_password("pw")
    path = tmp_path / "users.toml"
    path.write_text(
        textwrap.dedent(f"""
        [[users]]
        login = "ok"
        password_hash = "{h}"
        tenants = ["nord"]
        roles = ["analyst"]
        groups = ["all"]
        [[users]]
        login = "plain"
        password_hash = "secret"
        tenants = ["nord"]
        [[users]]
        login = "notenant"
        password_hash = "{h}"
        [[users]]
        login = "badrole"
        password_hash = "{h}"
        tenants = ["nord"]
        roles = ["god"]
    """)
    )
    users = UserDirectory(path).all()
    assert list(users) == ["ok"]
    u = users["ok"]
    assert u.tenants == {"nord"} and u.groups == {"all"} and not u.is_admin
    assert u.can("export") and not u.can("status")


def test_users_file_is_reread_when_it_changes(tmp_path: Path):
    import os

    path = tmp_path / "users.toml"
    h = hash_password("pw")
    path.write_text(f'[[users]]\nlogin = "a"\npassword_hash = "{h}"\ntenants = ["nord"]\n')
    store = UserDirectory(path)
    assert set(store.all()) == {"a"}
    path.write_text(path.read_text() + f'[[users]]\nlogin = "b"\npassword_hash = "{h}"\ntenants = ["sued"]\n')
    os.utime(path, (1, 2))
    assert set(store.all()) == {"a", "b"}


def test_missing_users_file_means_nobody_logs_in(tmp_path: Path):
    assert UserDirectory(tmp_path / "none.toml").authenticate("anna.schmidt", "demo") is None


def test_inactive_users_see_nothing():
    u = Principal("x", frozenset({"nord"}), frozenset({"all"}), frozenset({"agent"}), active=False)
    assert u.sees_nothing and not u.can("search")


def test_the_directory_serves_subscriptions_too():
    directory = UserDirectory(USERS)
    v = directory("lena.hoffmann")
    assert v is not None and v.login == "lena.hoffmann" and v.tenants == {"nord"} and "contracts" in v.groups
    assert v.department == "vertrieb-nord" and directory("nobody") is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/search?q=x", "/search?q=x"),
        ("/dossier/C1", "/dossier/C1"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("javascript:alert(1)", "/"),
        ("/\\evil", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_login_limiter_consumes_before_the_check_per_account_and_address():
    lim = LoginLimiter("memory://", account_limit="3/minute", ip_limit="5/minute")
    assert [lim.acquire("a", "1") for _ in range(4)] == [True, True, True, False]
    assert lim.acquire("b", "1")
    lim.succeeded("b", "1")  # a correct password gives the address its unit back and clears the account
    assert lim.acquire("b", "1") and lim.acquire("b", "1")  # the address has 5 - 3 (a) = 2 left...
    assert not lim.acquire("c", "1")  # ...and now none, whatever the account
    assert lim.acquire("c", "2")  # another address


@pytest.fixture()
def gated(tmp_path: Path) -> Flask:
    app = Flask("t")
    app.secret_key = "test"
    init_auth(app, UserDirectory(USERS))

    @app.route("/")
    def home():  # type: ignore[no-untyped-def]
        return "home"

    @app.route("/_dash-update-component", methods=["POST"])
    def update():  # type: ignore[no-untyped-def]
        return "ok"

    return app


def test_pages_redirect_to_login_and_api_answers_401(gated: Flask):
    c = gated.test_client()
    r = c.get("/search?q=x")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=%2Fsearch%3Fq%3Dx"
    assert c.get("/_dash-layout").status_code == 401
    assert c.get("/original/abc").status_code == 401
    assert c.get("/login").status_code == 200
    assert c.get("/vendor/bootstrap.min.css").status_code in (200, 404)  # public (404: no route in this bare app)


def test_post_without_csrf_token_is_refused(gated: Flask):
    c = gated.test_client()
    c.get("/login")
    token = c.get_cookie(CSRF_COOKIE).value
    assert c.post("/_dash-update-component").status_code == 403
    assert c.post("/_dash-update-component", headers={CSRF_HEADER: "wrong"}).status_code == 403
    # a token but no session: passes CSRF, then the login gate
    assert c.post("/_dash-update-component", headers={CSRF_HEADER: token}).status_code == 401
    assert (
        c.post("/_dash-update-component", headers={CSRF_HEADER: token, "Origin": "http://evil.example"}).status_code
        == 403
    )


def test_login_flow_sets_a_session_and_rejects_bad_passwords(gated: Flask):
    c = gated.test_client()
    first = c.get("/login")
    page = first.get_data(as_text=True)
    token = c.get_cookie(CSRF_COOKIE).value
    assert token in page and 'name="csrf_token"' in page
    set_cookie = first.headers["Set-Cookie"]
    assert "SameSite=Strict" in set_cookie and "HttpOnly" not in set_cookie
    bad = c.post("/login", data={"username": "anna.schmidt", "password": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "falsch" in bad.get_data(as_text=True)
    no_csrf = c.post("/login", data={"username": "anna.schmidt", "password": "demo"}, headers={})
    ok = c.post("/login", data={"username": "anna.schmidt", "password": "demo", "csrf_token": token, "next": "/x?y=1"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/x?y=1"
    assert c.get("/").get_data(as_text=True) == "home"
    session_cookie = c.get_cookie("session")
    assert session_cookie is not None and session_cookie.http_only and session_cookie.same_site == "Lax"
    out = c.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and c.get("/").status_code == 302
    del no_csrf


def test_login_without_csrf_token_is_refused(gated: Flask):
    c = gated.test_client()
    r = c.post("/login", data={"username": "anna.schmidt", "password": "demo"})
    assert r.status_code == 400


def test_login_page_escapes_user_input(gated: Flask):
    c = gated.test_client()
    c.get("/login")
    token = c.get_cookie(CSRF_COOKIE).value
    r = c.post(
        "/login", data={"username": "<script>x</script>", "password": "p", "csrf_token": token, "next": '"><script>'}
    )
    body = r.get_data(as_text=True)
    assert "<script>x" not in body and "&lt;script&gt;x" in body


def test_language_switch_returns_to_the_referring_page(gated: Flask):
    c = gated.test_client()
    r = c.get("/lang/en", headers={"Referer": "http://localhost/search?q=x"})
    assert r.status_code == 302 and r.headers["Location"] == "/search?q=x"
    r = c.get("/lang/de", headers={"Referer": "http://evil.example/steal"})
    assert r.headers["Location"] == "/"
    r = c.get("/lang/xx?next=/dossier/C1")
    assert r.headers["Location"] == "/dossier/C1"


def test_public_paths_are_matched_exactly(gated: Flask):
    c = gated.test_client()
    assert c.get("/login").status_code == 200 and c.get("/healthz").status_code == 200
    for path in ("/loginfoo", "/healthzX", "/login-anything", "/_favicon.icox"):
        r = c.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next="), path


def _login(c, user: str = "anna.schmidt", password: str = "demo"):  # type: ignore[no-untyped-def]
    c.get("/login")
    token = c.get_cookie(CSRF_COOKIE).value
    return c.post("/login", data={"username": user, "password": password, "csrf_token": token}), token


def test_a_copied_session_cookie_stops_working_after_logout(gated: Flask):
    c = gated.test_client()
    assert _login(c)[0].status_code == 302 and c.get("/").status_code == 200
    copy = gated.test_client()
    copy.set_cookie("session", c.get_cookie("session").value)
    assert copy.get("/").status_code == 200  # a stolen cookie works while the session lives...
    c.post("/logout", data={"csrf_token": c.get_cookie(CSRF_COOKIE).value})
    assert c.get("/").status_code == 302
    assert copy.get("/").status_code == 302  # ...and no longer after logout
    assert copy.get("/_dash-layout").status_code == 401


def test_a_changed_password_hash_ends_older_sessions(tmp_path: Path):
    import os

    path = tmp_path / "users.toml"
    entry = '[[users]]\nlogin = "a"\npassword_hash = "{}"\ntenants = ["nord"]\nroles = ["analyst"]\ngroups = ["all"]\n'
    path.write_text(entry.format(hash_password("old")))
    app = Flask("t")
    app.secret_key = "test"
    init_auth(app, UserDirectory(path))
    app.add_url_rule("/", "home", lambda: "home")
    c = app.test_client()
    assert _login(c, "a", "old")[0].status_code == 302 and c.get("/").status_code == 200
    path.write_text(entry.format(hash_password("new")))
    os.utime(path, (1, 2))
    assert c.get("/").status_code == 302  # the old session is rejected
    assert _login(c, "a", "new")[0].status_code == 302 and c.get("/").status_code == 200


def test_security_headers_and_secure_cookies(tmp_path: Path):
    plain = Flask("t")
    plain.secret_key = "test"
    init_auth(plain, UserDirectory(USERS))
    r = plain.test_client().get("/login")
    assert r.headers["Content-Security-Policy"] == CSP and "Strict-Transport-Security" not in r.headers
    assert "Secure" not in r.headers["Set-Cookie"]
    for part in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "base-uri 'self'"):
        assert part in CSP

    secure = Flask("t")
    secure.secret_key = "test"
    init_auth(secure, UserDirectory(USERS), secure_cookies=True)
    c = secure.test_client()
    r = c.get("/login")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=") and "Secure" in r.headers["Set-Cookie"]
    ok, _ = _login(c)
    cookies = ok.headers.getlist("Set-Cookie")
    assert any(h.startswith("session=") and "Secure" in h and "HttpOnly" in h for h in cookies)


def test_secure_cookies_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    from core.settings import Settings

    monkeypatch.setenv("COCKPIT_SECURE_COOKIES", "true")
    assert Settings().secure_cookies is True
    monkeypatch.delenv("COCKPIT_SECURE_COOKIES")
    assert Settings(_env_file=None).secure_cookies is False  # type: ignore[call-arg]


def test_settings_never_print_passwords(monkeypatch: pytest.MonkeyPatch):
    from core.services import EsEndpoint, es_endpoint
    from core.settings import Settings

    monkeypatch.setenv("ES_URL", "http://es.example:9200")
    monkeypatch.setenv("ES_PASSWORD", "es-pw-4711")
    monkeypatch.setenv("REDIS_URL", "redis://:redis-pw-4711@redis:6379/0")
    monkeypatch.setenv("COCKPIT_SMTP_PASSWORD", "smtp-pw-4711")
    monkeypatch.setenv("COCKPIT_SECRET_KEY", "key-4711")
    s = Settings()
    for text in (repr(s), str(s), s.model_dump_json(), repr(EsEndpoint("u", "e", "es-pw-4711", managed=False))):
        assert "4711" not in text, text
    assert s.es_password is not None and s.es_password.get_secret_value() == "es-pw-4711"
    assert es_endpoint(s).password == "es-pw-4711"  # handed to the client, unwrapped, where it is used
    from core.services import redis_url

    assert redis_url(s) == "redis://:redis-pw-4711@redis:6379/0"
