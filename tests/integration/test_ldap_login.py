"""Company logins against a real OpenLDAP (Debian slapd, started here on loopback with a throw-away directory).

No Elasticsearch or Redis needed. slapd missing fails the session loudly (scripts/system-deps.sh installs it).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ldap3
import pytest

from app.ldap_login import LdapLogin, LdapUnavailable
from app.users import LoginRefused, UserDirectory, hash_password
from domain.ldap_config import parse_ldap_config
from tests.ldap_server import BASE, ROOT_DN, SlapdServer, ssha

pytestmark = pytest.mark.integration

PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
SERVICE_DN = f"cn=cockpit,ou=services,{BASE}"
SERVICE_PW = "service-secret"
PASSWORDS = {"vera": "vera-pw-1", "sam": "sam-pw-2", "nina": "nina-pw-3", "admin": "ldap-admin-pw"}
LOCAL_ADMIN_PW = "local-admin-pw"


def _person(uid: str, name: str, lang: str | None = None) -> tuple[str, dict[str, Any]]:
    attrs: dict[str, Any] = {
        "objectClass": ["inetOrgPerson"], "uid": uid, "cn": name, "sn": name.split()[-1],
        "mail": f"{uid}@example.test", "userPassword": ssha(PASSWORDS[uid]),
    }  # fmt: skip
    if lang:
        attrs["preferredLanguage"] = lang
    return f"uid={uid},{PEOPLE}", attrs


def _group(cn: str, *members: str) -> tuple[str, dict[str, Any]]:
    return f"cn={cn},{GROUPS}", {
        "objectClass": ["groupOfNames"],
        "cn": cn,
        "member": [f"uid={m},{PEOPLE}" for m in members],
    }


ENTRIES = [
    (BASE, {"objectClass": ["dcObject", "organization"], "dc": "example", "o": "Example"}),
    (f"ou=people,{BASE}", {"objectClass": ["organizationalUnit"], "ou": "people"}),
    (f"ou=groups,{BASE}", {"objectClass": ["organizationalUnit"], "ou": "groups"}),
    (f"ou=services,{BASE}", {"objectClass": ["organizationalUnit"], "ou": "services"}),
    (SERVICE_DN, {"objectClass": ["organizationalRole", "simpleSecurityObject"], "cn": "cockpit",
                  "userPassword": ssha(SERVICE_PW)}),
    _person("vera", "Vera Vertrieb", "de"),
    _person("sam", "Sam Service", "en"),
    _person("nina", "Nina Nogroup"),
    _person("admin", "Directory Admin Impostor"),
    _group("vertrieb-nord", "vera", "placeholder"),  # groupOfNames needs a member when vera leaves
    _group("service-sued", "sam"),
    _group("analysten", "sam"),
    _group("cockpit-admins", "admin"),
    _group("kantine", "vera", "sam"),  # not mapped: ignored
]  # fmt: skip

MAPPING = [
    {"group": f"cn=vertrieb-nord,{GROUPS}", "roles": ["manager"], "groups": ["all", "contracts"],
     "tenants": ["nord"], "department": "vertrieb-nord"},
    {"group": "service-sued", "roles": ["agent"], "groups": ["all"], "tenants": ["sued"],
     "department": "kundenservice-sued"},
    {"group": "ANALYSTEN", "roles": ["analyst"], "groups": ["contracts"], "tenants": ["sued"]},
    {"group": "cockpit-admins", "roles": ["admin"], "groups": ["all"], "tenants": ["nord", "sued"]},
]  # fmt: skip

MODES: dict[str, dict[str, Any]] = {
    "search+memberOf": {"service_dn": SERVICE_DN, "service_password": SERVICE_PW, "user_base": PEOPLE},
    "search+groups": {"service_dn": SERVICE_DN, "service_password_env": "TEST_LDAP_SERVICE_PW", "user_base": PEOPLE,
                      "group_source": "search", "group_base": GROUPS},
    "dn-template": {"user_dn_template": f"uid={{login}},{PEOPLE}"},
}  # fmt: skip


@pytest.fixture(scope="session")
def ldap_server() -> Iterator[SlapdServer]:
    server = SlapdServer()  # raises (never skips) when slapd is not installed
    server.start()
    try:
        server.add(ENTRIES)
        yield server
    finally:
        server.close()


def _config(url: str, mode: str, **over: Any) -> dict[str, Any]:
    return {"url": url, "timeout_s": 2, "mapping": MAPPING, **MODES[mode], **over}


def _local_users(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    path.write_text(
        textwrap.dedent(f"""
        [[users]]
        login = "admin"
        name = "Local Admin"
        password_hash = "{hash_password(LOCAL_ADMIN_PW)}"
        tenants = ["nord", "sued"]
        roles = ["admin"]
        groups = ["all"]
        """)
    )
    return path


def _directory(tmp_path: Path, url: str, mode: str, **over: Any) -> UserDirectory:
    config = parse_ldap_config(_config(url, mode, **over), "test")
    return UserDirectory(_local_users(tmp_path), ldap=LdapLogin(config, source="test"))


@pytest.fixture(params=list(MODES))
def directory(request: pytest.FixtureRequest, ldap_server: SlapdServer, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> UserDirectory:  # fmt: skip
    monkeypatch.setenv("TEST_LDAP_SERVICE_PW", SERVICE_PW)
    return _directory(tmp_path, ldap_server.url, request.param)


def test_good_password_gives_the_mapped_principal(directory: UserDirectory):
    vera = directory.authenticate("Vera", PASSWORDS["vera"])
    assert vera is not None
    assert vera.login == "vera" and vera.name == "Vera Vertrieb" and vera.email == "vera@example.test"
    assert vera.tenants == {"nord"} and vera.groups == {"all", "contracts"} and vera.roles == {"manager"}
    assert vera.department == "vertrieb-nord" and vera.lang == "de" and vera.kind == "user"
    assert vera.can("export")

    sam = directory.authenticate("sam", PASSWORDS["sam"])  # two mapped groups (one by CN, any case): the union
    assert sam is not None
    assert sam.tenants == {"sued"} and sam.roles == {"agent", "analyst"} and sam.groups == {"all", "contracts"}
    assert sam.department == "kundenservice-sued" and sam.lang == "en"

    # flask-login's user loader finds them (cached at login)
    assert directory.get("vera") == vera and directory("sam") == sam


def test_wrong_password_and_unknown_user_are_none(directory: UserDirectory):
    assert directory.authenticate("vera", "wrong") is None
    assert directory.authenticate("vera", PASSWORDS["sam"]) is None
    assert directory.authenticate("vera", "") is None  # never an anonymous bind
    assert directory.authenticate("nobody", "x") is None
    assert directory.get("nobody") is None


def test_user_without_a_mapped_group_is_refused(directory: UserDirectory):
    with pytest.raises(LoginRefused) as refused:
        directory.authenticate("nina", PASSWORDS["nina"])
    assert refused.value.reason == "no_mapped_group" and refused.value.message_code == "login.failed"
    assert directory.get("nina") is None
    with pytest.raises(LoginRefused):  # no group ... but the password must still be right to learn that
        directory.authenticate("nina", PASSWORDS["nina"])
    assert directory.authenticate("nina", "wrong") is None


@pytest.mark.parametrize("login", ["*)(uid=*", "*", "vera)(|(uid=*", "vera*", "uid=vera,ou=people", "vera\\2a"])
def test_filter_injection_is_refused(directory: UserDirectory, login: str):
    assert directory.authenticate(login, PASSWORDS["vera"]) is None
    assert directory.authenticate(login, "*") is None
    assert directory.get(login) is None


def test_local_account_wins_over_the_directory(directory: UserDirectory):
    local = directory.authenticate("admin", LOCAL_ADMIN_PW)
    assert local is not None and local.name == "Local Admin"
    # the directory's "admin" never logs in as the local admin (nor as itself: the name is taken locally)
    assert directory.authenticate("admin", PASSWORDS["admin"]) is None
    assert directory.get("admin") == local


def test_group_changes_count_after_the_ttl(ldap_server: SlapdServer, tmp_path: Path):
    directory = _directory(tmp_path, ldap_server.url, "search+memberOf", cache_ttl_s=0)
    vera = directory.authenticate("vera", PASSWORDS["vera"])
    assert vera is not None and vera.roles == {"manager"}
    conn = ldap3.Connection(ldap3.Server(ldap_server.url), ROOT_DN, ldap_server.root_password, auto_bind=True)
    group, member = f"cn=analysten,{GROUPS}", f"uid=vera,{PEOPLE}"
    try:
        assert conn.modify(group, {"member": [(ldap3.MODIFY_ADD, [member])]})
        assert directory.get("vera").roles == {"manager", "analyst"}  # type: ignore[union-attr]
        assert conn.modify(f"cn=vertrieb-nord,{GROUPS}", {"member": [(ldap3.MODIFY_DELETE, [member])]})
        assert directory.get("vera").tenants == {"sued"}  # type: ignore[union-attr]
        assert conn.modify(group, {"member": [(ldap3.MODIFY_DELETE, [member])]})
        assert directory.get("vera") is None  # no mapped group left: the session ends
    finally:
        conn.modify(f"cn=vertrieb-nord,{GROUPS}", {"member": [(ldap3.MODIFY_ADD, [member])]})
        conn.unbind()


def test_server_down_gives_a_clear_refusal_and_local_logins_still_work(tmp_path: Path):
    with SlapdServer() as server:
        server.add(ENTRIES)
        directory = _directory(tmp_path, server.url, "search+memberOf", cache_ttl_s=0)
        vera = directory.authenticate("vera", PASSWORDS["vera"])
        assert vera is not None
        server.stop()

        with pytest.raises(LoginRefused) as refused:
            directory.authenticate("sam", PASSWORDS["sam"])
        assert refused.value.reason == "directory_unreachable"
        assert refused.value.message_code == "login.ldap_unavailable"
        from i18n import t

        assert t("login.ldap_unavailable", "de").startswith("Firmenanmeldung nicht erreichbar")

        admin = directory.authenticate("admin", LOCAL_ADMIN_PW)
        assert admin is not None and admin.is_admin and admin.name == "Local Admin"
        assert directory.get("vera") == vera  # a logged-in company user keeps working while the directory is away
        assert directory.get("sam") is None
        with pytest.raises(LdapUnavailable):
            directory.ldap.lookup("vera")  # type: ignore[union-attr]


def test_unreachable_server_answers_quickly(tmp_path: Path):
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    directory = _directory(tmp_path, f"ldap://127.0.0.1:{port}", "dn-template")
    t0 = time.monotonic()
    with pytest.raises(LoginRefused):
        directory.authenticate("vera", PASSWORDS["vera"])
    assert time.monotonic() - t0 < 5
    assert directory.authenticate("admin", LOCAL_ADMIN_PW) is not None


def test_wrong_service_password_is_an_unavailable_directory(ldap_server: SlapdServer, tmp_path: Path):
    directory = _directory(tmp_path, ldap_server.url, "search+memberOf", service_password="nope")
    with pytest.raises(LoginRefused) as refused:
        directory.authenticate("vera", PASSWORDS["vera"])
    assert refused.value.reason == "directory_unreachable"
