"""The one Principal: scope, capabilities, the users-file parser, the permission filter built from it."""

from __future__ import annotations

import pytest

from domain.errors import Forbidden
from domain.principal import ROLE_CAPABILITIES, Principal
from domain.users import parse_users
from search.permissions import MATCH_NOTHING, permission_filter, tenant_filter
from tests.es_filter import matches

H = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$0000000000000000000000000000000000000000000"


def test_capabilities_come_from_roles_and_are_checked():
    agent = Principal("a", {"nord"}, {"all"}, {"agent"})
    analyst = Principal("b", {"nord"}, {"all"}, {"analyst"})
    assert agent.capabilities == ROLE_CAPABILITIES["agent"] and not agent.can("export")
    assert analyst.can("export") and analyst.can("save_view") and not analyst.can("status")
    with pytest.raises(Forbidden) as exc:
        agent.require("export")
    assert exc.value.code == "error.capability" and exc.value.params == {"capability": "export"}


def test_api_client_capabilities_are_its_own_and_it_is_never_admin():
    key = Principal("api:erp", {"nord"}, {"all"}, {"admin"}, capabilities={"search"}, kind="api_client")
    assert key.can("search") and not key.can("export") and not key.is_admin
    assert not matches(permission_filter(key), {"tenant": "nord", "acl_groups": ["contracts"]})
    assert matches(permission_filter(key), {"tenant": "nord", "acl_groups": ["all"]})


def test_scope_key_follows_the_rights_and_the_login_not_the_role():
    a = Principal("a", {"nord"}, {"all"}, {"agent"})
    a2 = Principal("a", {"nord"}, {"all"}, {"manager"})
    b = Principal("b", {"nord"}, {"all"}, {"manager"})
    c = Principal("a", {"nord"}, {"all", "contracts"}, {"agent"})
    assert a.scope_key == a2.scope_key != c.scope_key
    assert a.scope_key != b.scope_key  # confidential documents name users
    assert Principal("d", {"nord"}, {"all"}, active=False).scope_key != a.scope_key


def test_a_string_instead_of_a_set_is_refused():
    with pytest.raises(TypeError):
        Principal("a", "nord")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "principal",
    [
        Principal("x", set(), {"all"}),
        Principal("x", {"nord"}, set()),
        Principal("x", {"nord"}, {"all"}, active=False),
    ],
)
def test_who_sees_nothing_gets_a_filter_that_matches_nothing(principal):
    assert principal.sees_nothing and permission_filter(principal) == MATCH_NOTHING


def test_admin_skips_groups_but_not_tenants_and_system_reads_everything():
    admin = Principal("adm", {"nord", "sued"}, set(), {"admin"})
    for tenant, seen in (("nord", True), ("sued", True), ("west", False)):
        assert matches(permission_filter(admin), {"tenant": tenant, "acl_groups": ["contracts"]}) is seen
    assert tenant_filter(admin) == {"terms": {"tenant": ["nord", "sued"]}}
    assert permission_filter(Principal.system()) == {"match_all": {}}
    with pytest.raises(TypeError):
        permission_filter({"tenants": ["nord"]})  # type: ignore[arg-type]


def test_one_parser_for_the_users_file():
    data = {
        "users": [
            {"login": " Anna ", "password_hash": H, "tenants": ["nord"], "roles": ["manager"], "groups": "all, contracts",
             "department": "vertrieb", "email": "a@x.de", "lang": "xx"},
            {"login": "plain", "password_hash": "secret", "tenants": ["nord"]},
            {"login": "nobody", "password_hash": H},
            {"login": "god", "password_hash": H, "tenants": ["nord"], "roles": ["god"]},
            {"password_hash": H, "tenants": ["nord"]},
        ]
    }  # fmt: skip
    accounts, problems = parse_users(data)
    assert list(accounts) == ["anna"]
    anna = accounts["anna"].principal
    assert (
        anna.groups == {"all", "contracts"}
        and anna.lang == "de"
        and anna.memberships == {"all", "contracts", "vertrieb"}
    )
    assert anna.can("export") and anna.kind == "user" and anna.default_tenant == "nord"
    assert len(problems) == 4 and any("argon2" in p for p in problems) and any("roles" in p for p in problems)
    assert "secret" not in repr(accounts)  # the hash never prints
    # the [users.<login>] form
    accounts, problems = parse_users({"users": {"b": {"password_hash": H, "tenant": "sued"}}})
    assert accounts["b"].principal.tenants == {"sued"} and accounts["b"].principal.role == "agent" and not problems
