"""Where subscribers' current permissions come from: the cockpit's users file."""

from __future__ import annotations

from views.users import Viewer, default_directory, directory_from, load_users_file

USERS = """
[[users]]
login = "anna.schmidt"
name = "Anna Schmidt"
password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$0000000000000000000000000000000000000000000"
tenants = ["nord"]
roles = ["manager"]
groups = ["all", "contracts"]
department = "vertrieb-nord"
email = "anna@example.org"

[[users]]
login = "gone"
password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$0000000000000000000000000000000000000000000"
tenants = ["nord"]
active = false
"""


def test_users_file_read_by_the_views_package(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text(USERS, encoding="utf-8")
    users = load_users_file(path)
    anna = users["anna.schmidt"]
    assert anna.tenants == {"nord"} and anna.groups == {"all", "contracts"} and anna.email == "anna@example.org"
    assert anna.memberships == {"all", "contracts", "vertrieb-nord"} and not anna.is_admin
    assert users["gone"].scope.sees_nothing


def test_default_directory_uses_the_cockpit_users(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text(USERS, encoding="utf-8")
    monkeypatch.setenv("COCKPIT_USERS_FILE", str(path))
    directory = default_directory()
    anna = directory("anna.schmidt")
    assert anna is not None and Viewer.of(anna).department == "vertrieb-nord"
    assert directory("nobody") is None


def test_directory_from_lists_mappings_and_callables():
    a = Viewer(login="a", tenants={"nord"}, groups={"all"})
    assert directory_from([a])("a") == a
    assert directory_from({"a": {"login": "a", "tenants": ["nord"]}})("a").tenants == {"nord"}
    fn = {"a": a}.get
    assert directory_from(fn) is fn
