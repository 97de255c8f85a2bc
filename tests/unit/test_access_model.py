"""The permission model as data: who reads, exports and files which document (registers, confidential
documents, temporary grants), evaluated against documents — and the permission table's parser."""

from __future__ import annotations

import pytest

from domain.access import PolicyError, access_fields, parse_policy
from domain.principal import GrantScope, Principal
from indexing.schema import REGISTERS
from search.permissions import MATCH_NOTHING, customer_filter, permission_filter
from tests.es_filter import matches

TABLE = """\
[tenants."*".default]
read = ["all"]
file = ["all"]
export = ["all"]

[tenants."*".registers.contract]
read = ["contracts", "management"]
file = ["contracts"]
export = ["management"]

[tenants.sued.default]
read = ["staff"]
file = []
export = []
"""
POLICY = parse_policy(TABLE, REGISTERS)


def doc(_id: str, tenant: str = "nord", register: str = "invoice", **extra: object) -> dict[str, object]:
    return {"_id": _id, "tenant": tenant, "register": register, "family_id": f"f-{_id}", "customer_ids": ["C1"],
            **access_fields(POLICY, tenant, register), **extra}  # fmt: skip


DOCS = [
    doc("inv"),
    doc("con", register="contract"),
    doc("sued-inv", tenant="sued"),
    doc("secret", confidential=True, confidential_users=["mia"], confidential_groups=["board"]),
    doc("other-customer", customer_ids=["C2"]),
    doc("c2-contract", register="contract", customer_ids=["C2"]),
]


def seen(p: Principal, action: str = "read") -> set[str]:
    flt = permission_filter(p, action)  # type: ignore[arg-type]
    return {str(d["_id"]) for d in DOCS if matches(flt, d)}


AGENT = Principal("tom", {"nord"}, {"all"}, {"agent"})
LAWYER = Principal("lea", {"nord"}, {"all", "contracts"}, {"analyst"})
BOSS = Principal("bo", {"nord"}, {"all", "management"}, {"manager"})
ADMIN = Principal("adm", {"nord"}, set(), {"admin"})
MIA = Principal("mia", {"nord"}, {"all"}, {"agent"})
BOARD = Principal("kai", {"nord"}, {"board"}, {"agent"})
UNTIL = "2099-01-01T00:00:00+00:00"


def test_registers_decide_by_the_table_per_tenant():
    assert seen(AGENT) == {"inv", "other-customer"}
    assert seen(LAWYER) == {"inv", "con", "other-customer", "c2-contract"}
    # sued has its own table: "staff" reads everything, "all" nothing
    assert seen(Principal("s", {"sued"}, {"all"})) == set()
    assert seen(Principal("s", {"sued"}, {"staff"})) == {"sued-inv"}


def test_export_follows_the_export_groups():
    assert seen(LAWYER, "export") == {"inv", "other-customer"}  # reads contracts, may not export them
    assert seen(BOSS, "export") == {"inv", "con", "other-customer", "c2-contract"}
    assert seen(Principal("s", {"sued"}, {"staff"}), "export") == set()


def test_admins_pass_the_table_but_not_tenants_nor_confidentiality():
    assert seen(ADMIN) == {"inv", "con", "other-customer", "c2-contract"}
    assert "sued-inv" not in seen(ADMIN) and "secret" not in seen(ADMIN)


def test_confidential_documents_only_for_the_named():
    assert "secret" not in seen(AGENT) and "secret" not in seen(BOSS)
    assert "secret" in seen(MIA) and "secret" in seen(BOARD)
    assert seen(BOARD) == {"secret"}  # the board group reads no register of its own
    assert "secret" in seen(MIA, "export")  # named and the register exports to "all"
    assert "secret" not in seen(Principal("mia", {"sued"}, {"all"}))  # the login in another tenant: nothing


def test_dossier_grants_open_the_dossier_but_not_confidential_documents_nor_other_tenants():
    grant = GrantScope("nord", "dossier", "C1", UNTIL, "g1", via=("*",))  # given by an admin
    p = AGENT.with_(grants=(grant,))
    assert seen(p) == {"inv", "con", "other-customer"}  # C1's contract now, not C2's
    assert "secret" not in seen(p)  # confidential stays closed (it is C1's)
    assert seen(p, "export") == seen(AGENT, "export")  # read only
    foreign = Principal("tom", {"sued"}, {"staff"}, grants=(grant,))  # a grant of a tenant not theirs
    assert seen(foreign) == {"sued-inv"}


def test_a_dossier_grant_passes_on_only_what_its_giver_could_read():
    by_agent_peer = GrantScope("nord", "dossier", "C1", UNTIL, "g1", via=("all",))
    by_lawyer = GrantScope("nord", "dossier", "C2", UNTIL, "g2", via=("all", "contracts"))
    p = Principal("x", {"nord"}, set(), grants=(by_agent_peer, by_lawyer))
    assert seen(p) == {"inv", "other-customer", "c2-contract"}  # C1's contract stays closed
    assert seen(Principal("x", {"nord"}, set(), grants=(GrantScope("nord", "dossier", "C1", UNTIL, "g"),))) == set()
    self_granted = AGENT.with_(grants=(GrantScope("nord", "dossier", "C1", UNTIL, "g", via=("all",)),))
    assert seen(self_granted) == seen(AGENT)  # granting oneself opens nothing new


def test_document_grants_open_one_family_even_when_confidential():
    p = AGENT.with_(grants=(GrantScope("nord", "document", "f-secret", UNTIL, "g2"),))
    assert seen(p) == {"inv", "other-customer", "secret"}
    alone = Principal("x", {"nord"}, set(), grants=(GrantScope("nord", "document", "f-con", UNTIL, "g3"),))
    assert not alone.sees_nothing and seen(alone) == {"con"}


def test_customers_by_group_or_granted_dossier():
    customers = [{"_id": "c1", "customer_id": "C1", "tenant": "nord", "acl_groups": ["all"]},
                 {"_id": "c9", "customer_id": "C9", "tenant": "nord", "acl_groups": ["all"]}]  # fmt: skip
    alone = Principal("x", {"nord"}, set(), grants=(GrantScope("nord", "dossier", "C9", UNTIL, "g", via=("all",)),))
    assert [c["customer_id"] for c in customers if matches(customer_filter(alone), c)] == ["C9"]
    assert [c["customer_id"] for c in customers if matches(customer_filter(AGENT), c)] == ["C1", "C9"]


def test_the_scope_key_changes_with_grants_and_login():
    g = GrantScope("nord", "dossier", "C1", UNTIL, "g1")
    assert AGENT.scope_key != AGENT.with_(grants=(g,)).scope_key
    assert AGENT.scope_key != AGENT.with_(login="tim").scope_key
    # a grant of another tenant changes nothing the principal can see, nor its key
    assert AGENT.scope_key == AGENT.with_(grants=(GrantScope("sued", "dossier", "C1", UNTIL, "g"),)).scope_key


def test_nobody_gets_match_nothing():
    for p in (Principal("x", set(), {"all"}), Principal("x", {"nord"}, set()),
              Principal("x", {"nord"}, {"all"}, active=False)):  # fmt: skip
        assert permission_filter(p) == MATCH_NOTHING and customer_filter(p) == MATCH_NOTHING


def test_filing_rights():
    assert POLICY.allows(LAWYER, "nord", "contract", "file") and not POLICY.allows(BOSS, "nord", "contract", "file")
    assert POLICY.fileable(AGENT, "nord", ["invoice", "contract"]) == ["invoice"]
    assert POLICY.allows(ADMIN, "nord", "contract", "file") and not POLICY.allows(ADMIN, "sued", "invoice", "file")
    assert POLICY.fileable(Principal("s", {"sued"}, {"staff"}), "sued", REGISTERS) == []


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[tenants."*".default]\nread = ["all"]\nfile = ["all"]\nexport = "all"\n', 4, "list of group names"),
        (
            '[tenants."*".default]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\n\n'
            '[tenants."*".registers.contrakt]\nread = []\nfile = []\nexport = []\n',
            6,
            "unknown register 'contrakt'",
        ),
        (
            '[tenants.nord.default]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\nwrite = ["all"]\n',
            5,
            "unknown action 'write'",
        ),
        ('[tenants.nord.default]\nread = ["all"]\nfile = ["all"]\n', 1, "export is missing"),
        ('[tenants.nord.registers.invoice]\nread = ["all"]\nfile = ["all"]\nexport = ["all"]\n', 0, "no default"),
        ('[tenants.nord.default]\nread = ["all"\n', 2, "not valid TOML"),
        ("[tenant.nord.default]\nread = []\n", 1, "unknown key 'tenant'"),
        ('[tenants."*".default]\nread = ["all", ""]\nfile = []\nexport = []\n', 2, "list of group names"),
    ],
)
def test_a_malformed_table_is_refused_with_its_line(text: str, line: int, words: str):
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, REGISTERS)
    assert words in str(exc.value)
    if line:
        assert exc.value.line == line, str(exc.value)


def test_the_shipped_tables_parse():
    from pathlib import Path

    from domain.access import DEFAULT_TEXT

    parse_policy(DEFAULT_TEXT, REGISTERS)
    shipped = parse_policy(Path("config/permissions.toml").read_text(encoding="utf-8"), REGISTERS)
    assert shipped.groups("nord", "contract", "read") == ["contracts", "management"]
