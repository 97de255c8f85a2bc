"""Company logins without a server: the config's validation (the key named), the group mapping, the login form's
answer to a refused company login (the real directory: tests/integration/test_ldap_login.py)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.ldap_login import load_config
from app.users import LoginRefused, UserDirectory
from cockpit.auth import CSRF_COOKIE, init_auth
from core.settings import REPO_ROOT
from domain.ldap_config import DirectoryEntry, LdapConfigError, parse_ldap_config, principal_for

EXAMPLE = REPO_ROOT / "config" / "ldap.example.toml"
BASE: dict[str, Any] = {
    "url": "ldap://127.0.0.1:3890",
    "user_dn_template": "uid={login},ou=people,dc=example,dc=test",
    "mapping": [{"group": "cn=nord,ou=groups,dc=example,dc=test", "roles": ["manager"], "tenants": ["nord"]}],
}


def test_the_example_file_is_valid():
    config = load_config(EXAMPLE)
    assert config.service_dn and config.user_base and len(config.mapping) == 2
    assert "secret" not in repr(config)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"mapping": [{"group": "g", "roles": ["boss"], "tenants": ["nord"]}]}, "mapping[1].roles", "unknown roles"),
        ({"mapping": [{"group": "g", "tenants": ["nord"], "tenant": "x"}]}, "mapping[1].tenant", "unknown setting"),
        ({"mapping": []}, "mapping", "at least 1"),
        ({"url": "http://dc1"}, "url", "ldap://"),
        ({"user_dn_template": "uid=x,dc=example"}, "user_dn_template", "{login}"),
        ({"user_dn_template": None}, "user_dn_template", "user_base"),
        ({"user_dn_template": None, "user_base": "ou=p"}, "service_dn", "needed"),
        ({"group_source": "search"}, "group_base", "needed"),
        ({"group_source": "nested"}, "group_source", "member_of"),
        ({"timeout_s": 0}, "timeout_s", "greater than 0"),
        ({"user_filter_typo": "x"}, "user_filter_typo", "unknown setting"),
    ],
)
def test_a_bad_config_names_its_key(change: dict[str, Any], key: str, words: str):
    data = {**BASE, **change}
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(LdapConfigError) as err:
        parse_ldap_config(data, "ldap.toml")
    assert err.value.key == key and words in err.value.problem
    assert str(err.value).startswith(f"ldap.toml: {key}: ")


def test_a_missing_or_broken_file_is_named(tmp_path: Path):
    with pytest.raises(LdapConfigError, match="cannot be read"):
        load_config(tmp_path / "none.toml")
    broken = tmp_path / "ldap.toml"
    broken.write_text('url = "ldap://x"\nmapping = 3 3\n')
    with pytest.raises(LdapConfigError, match=r"not valid TOML: .*line 2"):
        load_config(broken)


def test_the_service_password_stays_secret(monkeypatch: pytest.MonkeyPatch):
    config = parse_ldap_config({**BASE, "service_dn": "cn=s", "service_password": "hunter2"})
    assert "hunter2" not in repr(config) and "hunter2" not in str(config.model_dump())
    assert config.service_secret() == "hunter2"
    monkeypatch.setenv("X_PW", "from-env")
    assert (
        parse_ldap_config({**BASE, "service_dn": "cn=s", "service_password_env": "X_PW"}).service_secret() == "from-env"
    )


def test_mapping_by_dn_and_cn_gives_the_union():
    config = parse_ldap_config({
        **BASE,
        "mapping": [
            {"group": "CN=Nord, OU=Groups, DC=example, DC=test", "roles": ["manager"], "groups": ["all"],
             "tenants": ["nord"], "department": "vertrieb-nord"},
            {"group": "Analysten", "roles": ["analyst"], "groups": ["contracts"], "tenants": ["sued"],
             "department": "ignored-second"},
            {"group": "roles-only", "roles": ["compliance"]},
        ],
    })  # fmt: skip
    groups = ("cn=nord,ou=groups,dc=example,dc=test", "cn=analysten,ou=x,dc=example,dc=test", "cn=other,dc=x")
    p = principal_for(config, DirectoryEntry("vera", "uid=vera", "Vera", "v@x", "en-GB", groups))
    assert p is not None and p.login == "vera" and p.name == "Vera" and p.lang == "en"
    assert p.tenants == {"nord", "sued"} and p.roles == {"manager", "analyst"} and p.groups == {"all", "contracts"}
    assert p.department == "vertrieb-nord"
    assert principal_for(config, DirectoryEntry("x", "uid=x", group_dns=("cn=other,dc=x",))) is None
    assert principal_for(config, DirectoryEntry("x", "uid=x")) is None
    # a mapping without tenants alone does not let anybody in
    assert principal_for(config, DirectoryEntry("x", "uid=x", group_dns=("cn=roles-only,dc=x",))) is None
    # no mapped role: agent; unknown language: German
    only = principal_for(config, DirectoryEntry("y", "uid=y", lang="fr", group_dns=("cn=analysten,dc=x",)))
    assert only is not None and only.lang == "de" and only.roles == {"analyst"}


def test_the_example_toml_parses_as_toml():
    assert tomllib.loads(EXAMPLE.read_text())["mapping"][0]["roles"] == ["manager"]


class _RefusingDirectory(UserDirectory):
    def __init__(self, reason: str, code: str) -> None:
        super().__init__(REPO_ROOT / "config" / "users.toml", ldap=None)
        self.refusal = LoginRefused(reason, code)

    def authenticate(self, login: str, password: str):  # type: ignore[no-untyped-def]
        if login == "admin":
            return super().authenticate(login, password)
        raise self.refusal


@pytest.mark.parametrize(
    ("reason", "code", "status", "text"),
    [
        ("directory_unreachable", "login.ldap_unavailable", 503, "Firmenanmeldung nicht erreichbar"),
        ("no_mapped_group", "login.failed", 401, "Benutzername oder Passwort ist falsch"),
    ],
)
def test_the_login_form_tells_a_refused_company_login(
    reason: str, code: str, status: int, text: str, monkeypatch: pytest.MonkeyPatch
):
    from app import audit

    audited: list[tuple[str, str, dict[str, Any]]] = []
    monkeypatch.setattr(audit, "record", lambda ctx, action, who, **body: audited.append((action, who.login, body)))
    app = Flask("t")
    app.secret_key = "test"
    init_auth(app, _RefusingDirectory(reason, code))
    app.extensions["app_context"] = object()
    c = app.test_client()
    c.get("/login")
    token = c.get_cookie(CSRF_COOKIE).value
    r = c.post("/login", data={"username": "vera", "password": "pw", "csrf_token": token})
    assert r.status_code == status and text in r.get_data(as_text=True)
    assert audited == [("login_failed", "vera", {"outcome": "refused", "reason": reason})]
    r = c.post("/login", data={"username": "admin", "password": "demo", "csrf_token": token})
    assert r.status_code == 302  # local accounts still work
