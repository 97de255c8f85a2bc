"""The isolation world: two tenants, documents and customers that each carry a unique sentinel, the principals
of the access matrix, and the oracle — an independent statement of who may see what, written from the rules
(docs/architecture.md, domain/principal.py), never by calling `search.permissions`.

Sentinels: every document's title and text carry ``ZQ<doc id>QZ``, every customer's name ``ZQk<customer id>QZ``
(lower case). A leak is any sentinel in a surface's serialized output that the oracle does not allow.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.helpers import HashEmbedder, index_customers, index_documents, make_customer, make_doc, no_gc

SENTINEL = re.compile(r"ZQ([a-z0-9]+)QZ")
SHARED_WORD = "Pumpe"  # in every document's text: a keyword search for it must return exactly the oracle's set
NULL_CACHE = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
# the demo password "demo" (argon2id, from config/users.toml): a hash verifies for any login
DEMO_HASH = "$argon2id$v=19$m=65536,t=3,p=4$5gUNc8uGi2/7QDk4ouiZQg$OeE9CwrWrVrPNyUWfqBgOuzwDMykT5vdq1mJcbme9pk"

# ------------------------------------------------------------------------------------------------ the rules
# The register table as the product ships it (domain.access.DEFAULT_TEXT), restated here on purpose.
READ_GROUPS: Mapping[str, frozenset[str]] = {"contract": frozenset({"contracts", "management"})}
EXPORT_GROUPS: Mapping[str, frozenset[str]] = {"contract": frozenset({"contracts", "management"})}
DEFAULT_GROUPS = frozenset({"all"})


def sentinel(token: str) -> str:
    return f"ZQ{token}QZ"


def customer_token(customer_id: str) -> str:
    return "k" + customer_id.lower()


@dataclass(frozen=True)
class Doc:
    doc_id: str
    tenant: str
    register: str
    customers: tuple[str, ...] = ()
    family: str | None = None
    confidential_users: tuple[str, ...] = ()
    confidential_groups: tuple[str, ...] = ()

    @property
    def confidential(self) -> bool:
        return bool(self.confidential_users or self.confidential_groups)


@dataclass(frozen=True)
class Cust:
    customer_id: str
    tenant: str
    groups: frozenset[str] = DEFAULT_GROUPS


CUSTOMERS: tuple[Cust, ...] = (Cust("C1", "nord"), Cust("C2", "nord"), Cust("C9", "sued"))
DOCS: tuple[Doc, ...] = (
    Doc("ninv1", "nord", "invoice", ("C1",)),
    Doc("ncon1", "nord", "contract", ("C1",)),
    Doc("ninv2", "nord", "invoice", ("C2",)),
    Doc("ncon2", "nord", "contract", ("C2",)),
    Doc("nconf1", "nord", "correspondence", ("C1",), confidential_users=("lena.hoffmann",)),  # names a user
    Doc("nconf2", "nord", "correspondence", ("C2",), confidential_groups=("management",)),  # names a group
    Doc("nfam1", "nord", "contract", ("C1",), family="famuniq"),  # a unique family: a document grant's target
    Doc("nrev", "nord", "review"),  # unfiled: the review queue
    Doc("sinv9", "sued", "invoice", ("C9",)),
    Doc("scon9", "sued", "contract", ("C9",)),
    Doc("srev", "sued", "review"),
)
DOC_BY_ID = {d.doc_id: d for d in DOCS}
CUSTOMER_IDS = tuple(c.customer_id for c in CUSTOMERS)
TOKEN_OF_CUSTOMER = {customer_token(c.customer_id): c.customer_id for c in CUSTOMERS}


def family_of(d: Doc) -> str:
    return d.family or f"fam-{d.doc_id}"


@dataclass(frozen=True)
class Rights:
    """What the oracle needs to know about a principal (its own statement, not the product's Principal)."""

    login: str
    tenants: frozenset[str]
    groups: frozenset[str]
    admin: bool = False
    dossier_grants: frozenset[tuple[str, str]] = frozenset()  # (tenant, customer id)
    document_grants: frozenset[tuple[str, str]] = frozenset()  # (tenant, family id)


def may_read(r: Rights, d: Doc) -> bool:
    if d.tenant not in r.tenants:
        return False
    if d.confidential:
        named = r.login in d.confidential_users or bool(r.groups & set(d.confidential_groups))
    else:
        named = r.admin or bool(r.groups & READ_GROUPS.get(d.register, DEFAULT_GROUPS))
    if named:
        return True
    if (d.tenant, family_of(d)) in r.document_grants:
        return True
    return not d.confidential and any((d.tenant, c) in r.dossier_grants for c in d.customers)


def may_export(r: Rights, d: Doc) -> bool:
    """Export: the register's export groups, no grants; a confidential document also needs the naming."""
    if d.tenant not in r.tenants:
        return False
    by_register = r.admin or bool(r.groups & EXPORT_GROUPS.get(d.register, DEFAULT_GROUPS))
    if d.confidential:
        return by_register and (r.login in d.confidential_users or bool(r.groups & set(d.confidential_groups)))
    return by_register


def may_see_customer(r: Rights, c: Cust) -> bool:
    if c.tenant not in r.tenants:
        return False
    return r.admin or bool(r.groups & c.groups) or (c.tenant, c.customer_id) in r.dossier_grants


@dataclass(frozen=True)
class Expected:
    docs: frozenset[str]
    customers: frozenset[str]

    @property
    def tokens(self) -> frozenset[str]:
        """Every sentinel allowed in an output: the documents, the customers, and the customers a visible
        document names (a document carries its customers' names)."""
        named = {c for d in self.docs for c in DOC_BY_ID[d].customers}
        return frozenset(self.docs) | {customer_token(c) for c in self.customers | named}


def oracle(r: Rights, action: str = "read") -> Expected:
    rule = may_export if action == "export" else may_read
    docs = frozenset(d.doc_id for d in DOCS if rule(r, d))
    return Expected(docs, frozenset(c.customer_id for c in CUSTOMERS if may_see_customer(r, c)))


# ------------------------------------------------------------------------------------------------ the world


def doc_body(d: Doc, embedder: HashEmbedder, sha: str) -> dict[str, Any]:
    names = [f"Kunde {sentinel(customer_token(c))}" for c in d.customers]
    title = f"{d.register.title()} {sentinel(d.doc_id)}"
    text = f"{sentinel(d.doc_id)} {SHARED_WORD} Lieferung {d.register} Schrauben"
    extra: dict[str, Any] = {}
    if d.confidential:
        extra = {"confidential": True, "confidential_users": list(d.confidential_users),
                 "confidential_groups": list(d.confidential_groups), "confidential_by": "anna.schmidt"}  # fmt: skip
    body = make_doc(d.doc_id, tenant=d.tenant, register=d.register, customer_ids=d.customers, customer_names=names,
                    title=title, text=text, file_name=f"{d.doc_id}.txt", mime_type="text/plain",
                    passages=[{"ord": 0, "text": text, "vector": embedder.encode([title + " " + text])[0]}],
                    **extra)  # fmt: skip
    body.update(family_id=family_of(d), content_sha256=sha, file_size=len(original_bytes(d)))
    if d.register == "review":
        body["filing"] = {"status": "review", "confidence": 0.2, "reasons": ["unklar"], "candidates": ["C1"]}
    return body


def original_bytes(d: Doc) -> bytes:
    return f"Original {sentinel(d.doc_id)} {SHARED_WORD}\n".encode()


USERS: tuple[dict[str, Any], ...] = (
    {"login": "anna.schmidt", "tenants": ["nord"], "roles": ["manager"], "groups": ["all", "contracts", "management"]},
    {"login": "iso.agent", "tenants": ["nord"], "roles": ["agent"], "groups": ["all"]},
    {"login": "iso.contracts", "tenants": ["nord"], "roles": ["analyst"], "groups": ["all", "contracts"]},
    {"login": "iso.sued", "tenants": ["sued"], "roles": ["manager"], "groups": ["all", "contracts", "management"]},
    {"login": "iso.admin", "tenants": ["nord"], "roles": ["admin"], "groups": []},
    {"login": "lena.hoffmann", "tenants": ["nord"], "roles": ["analyst"], "groups": ["all"]},
    {"login": "iso.granted", "tenants": ["nord"], "roles": ["agent"], "groups": ["all"]},
    {"login": "iso.expired", "tenants": ["nord"], "roles": ["agent"], "groups": ["all"]},
    {"login": "iso.revoked", "tenants": ["nord"], "roles": ["agent"], "groups": ["all"]},
    # not in the matrix: a manager (may give grants) without the contracts group, for the grants card's target
    {"login": "iso.manager", "tenants": ["nord"], "roles": ["manager"], "groups": ["all"]},
)

# these two work in the complaint process's queue of nord (the team of the world's cases): their work queue
DEPARTMENTS: Mapping[str, str] = {"iso.agent": "kundenservice-nord", "iso.contracts": "kundenservice-nord"}


def write_users(path: Path) -> Path:
    lines = ["# the isolation suite's users (password: demo)"]
    for u in USERS:
        lines += ["", "[[users]]", f'login = "{u["login"]}"', f'name = "{u["login"]}"',
                  f'password_hash = "{DEMO_HASH}"', f"tenants = {json.dumps(u['tenants'])}",
                  f"roles = {json.dumps(u['roles'])}", f"groups = {json.dumps(u['groups'])}",
                  f'email = "{u["login"]}@example.test"', 'lang = "de"']  # fmt: skip
        if u["login"] in DEPARTMENTS:
            lines.append(f'department = "{DEPARTMENTS[u["login"]]}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Case:
    """One principal of the matrix: its Principal (as the product builds it), the oracle's rights, how it
    reaches the HTTP doors (a cockpit login, or an API key)."""

    name: str
    principal: Any
    rights: Rights
    login: str | None = None  # cockpit session (password "demo")
    token: str | None = None  # API key

    def expected(self, action: str = "read") -> Expected:
        return oracle(self.rights, action)


@dataclass
class World:
    app: Any
    ctx: Any
    prefix: str
    cases: dict[str, Case]
    views: dict[str, Any]  # tenant -> the tenant-shared view
    http: dict[str, Any] = field(default_factory=dict)  # case name -> a logged-in test client / DashClient
    grant_ids: dict[str, str] = field(default_factory=dict)
    case_ids: dict[str, str] = field(default_factory=dict)  # document -> the case opened on it (by anna)
    resubmission_ids: dict[str, str] = field(default_factory=dict)  # id -> the login it is for

    def session(self, case: Case) -> Any:
        """A DashClient logged in as the case's user (one per case); None for an API key."""
        from cockpit.dashclient import DashClient

        if case.login is None:
            return None
        if case.name not in self.http:
            c = DashClient(self.app)
            c.login(case.login)
            self.http[case.name] = c
        return self.http[case.name]


def build_world(es: Any, tmp: Path) -> World:
    from app import api_keys, grants, notifications, views
    from domain.principal import Principal
    from indexing.archive import Archive
    from indexing.store import ensure_indices
    from web.app import create_app

    prefix = f"test-iso-{uuid.uuid4().hex[:8]}"
    users_file = write_users(tmp / "users.toml")
    archive = Archive(tmp / "archive")
    embedder = HashEmbedder()
    ensure_indices(es, prefix)
    cust = [
        make_customer(c.customer_id, tenant=c.tenant, name=f"Kunde {sentinel(customer_token(c.customer_id))}")
        for c in CUSTOMERS
    ]
    index_customers(es, prefix, cust)
    bodies = [doc_body(d, embedder, archive.put(original_bytes(d), tenant=d.tenant)) for d in DOCS]
    index_documents(es, prefix, bodies)
    with no_gc():
        app = create_app(prefix, users_file, archive_dir=tmp / "archive", es=es, secret_key="iso-secret",
                         cache_config=NULL_CACHE, warm_up=False, embedder_factory=HashEmbedder,
                         rate_limit="100000/minute", limiter_storage="memory://")  # fmt: skip
    ctx = app.server.extensions["app_context"]

    def user(login: str) -> Any:
        found = ctx.directory.get(login)
        assert found is not None, login
        return found

    now = dt.datetime.now(dt.UTC)
    tomorrow = now + dt.timedelta(days=1)
    past = now - dt.timedelta(days=3)
    anna = user("anna.schmidt")
    g_ids: dict[str, str] = {}
    g_ids["granted"] = grants.give(ctx, anna, grantee_kind="user", grantee="iso.granted", until=tomorrow,
                                   reason="Vertretung", customer_id="C2").grant_id  # fmt: skip
    g_ids["granted_doc"] = grants.give(ctx, anna, grantee_kind="user", grantee="iso.granted", until=tomorrow,
                                       reason=f"Prüfung {sentinel('nfam1')}", doc_id="nfam1").grant_id  # fmt: skip
    g_ids["expired"] = grants.give(ctx, anna, grantee_kind="user", grantee="iso.expired", until=past + dt.timedelta(days=1),
                                   reason="abgelaufen", customer_id="C2", now=past).grant_id  # fmt: skip
    g_ids["revoked"] = grants.give(ctx, anna, grantee_kind="user", grantee="iso.revoked", until=tomorrow,
                                   reason="zurückgezogen", customer_id="C2").grant_id  # fmt: skip
    grants.revoke(ctx, anna, g_ids["revoked"], reason="erledigt")
    from app import cases as cases_uc

    case_ids = {d: cases_uc.open_case(ctx, anna, d).case_id for d in ("ncon1", "ninv2")}  # a contract, an invoice

    operator = Principal(login="cli:iso", kind="system", roles=frozenset({"admin"}))
    _, token = api_keys.create_key(ctx, operator, name="iso-key", tenant="nord", groups={"all"},
                                   capabilities={"search", "export"})  # fmt: skip
    key_principal = api_keys.authenticate(ctx, token)

    def rights(login: str, **kw: Any) -> Rights:
        u = next(x for x in USERS if x["login"] == login)
        return Rights(login, frozenset(u["tenants"]), frozenset(u["groups"]), admin="admin" in u["roles"], **kw)

    cases = [
        Case("nord_agent", user("iso.agent"), rights("iso.agent"), login="iso.agent"),
        Case("nord_contracts", user("iso.contracts"), rights("iso.contracts"), login="iso.contracts"),
        Case("sued_user", user("iso.sued"), rights("iso.sued"), login="iso.sued"),
        Case("nord_admin", user("iso.admin"), rights("iso.admin"), login="iso.admin"),
        Case("confidential_reader", user("lena.hoffmann"), rights("lena.hoffmann"), login="lena.hoffmann"),
        Case(
            "granted",
            user("iso.granted"),
            rights(
                "iso.granted",
                dossier_grants=frozenset({("nord", "C2")}),
                document_grants=frozenset({("nord", "famuniq")}),
            ),
            login="iso.granted",
        ),  # fmt: skip
        Case("expired_grant", user("iso.expired"), rights("iso.expired"), login="iso.expired"),
        Case("revoked_grant", user("iso.revoked"), rights("iso.revoked"), login="iso.revoked"),
        Case("api_key", key_principal, Rights("api:iso-key", frozenset({"nord"}), frozenset({"all"})), token=token),
    ]
    # the principals are what the product built; make sure they are the ones the matrix means
    assert cases[3].principal.is_admin and cases[3].principal.tenants == {"nord"}
    assert {g.key for g in cases[5].principal.grants} == {"C2", "famuniq"}
    assert cases[6].principal.grants == () and cases[7].principal.grants == ()
    assert cases[8].principal.kind == "api_client"

    shared = {
        "nord": views.create_view(ctx, anna, {"name": "Iso Pumpe Nord", "query": SHARED_WORD, "sharing": "tenant"}),
        "sued": views.create_view(
            ctx, user("iso.sued"), {"name": "Iso Pumpe Süd", "query": SHARED_WORD, "sharing": "tenant"}
        ),  # fmt: skip
    }
    for case in cases:  # every principal subscribes to its tenant's shared view (the matching surface)
        tenant = sorted(case.principal.tenants)[0]
        notifications.subscribe(ctx, case.principal, str(shared[tenant].id))
    resub_ids = _resubmissions(ctx, anna, cases, case_ids, (now + dt.timedelta(days=7)).date())
    ctx.flush_background()
    return World(
        app=app,
        ctx=ctx,
        prefix=prefix,
        cases={c.name: c for c in cases},
        views=shared,
        grant_ids=g_ids,
        case_ids=case_ids,
        resubmission_ids=resub_ids,
    )


RESUBMISSION_DOCS = ("ninv1", "ncon1", "nconf1", "nfam1", "sinv9")


def _resubmissions(ctx: Any, anna: Any, cases: list[Case], case_ids: dict[str, str], on: dt.date) -> dict[str, str]:
    """Resubmissions for every person of the matrix: their own on each of a few documents they may read (the
    others are refused), and anna's for them on each case they may see — so `mine` and `of_target` show
    something, and each one's title carries its document's sentinel."""
    from app import resubmissions
    from domain.errors import AppError

    out: dict[str, str] = {}
    for case in cases:
        if case.login is None:
            continue  # an API key sets none (refused)
        for doc_id in RESUBMISSION_DOCS:
            with contextlib.suppress(AppError):
                found = resubmissions.create(ctx, case.principal, on=on, doc_id=doc_id, note=f"Iso {doc_id}")
                out[found.id] = case.login
        for cid in case_ids.values():
            with contextlib.suppress(AppError):
                out[resubmissions.create(ctx, anna, on=on, case_id=cid, for_login=case.login).id] = case.login
    ctx.store.refresh("resubmissions")
    return out


# ------------------------------------------------------------------------------------------------ scanning


def serialize(output: Any) -> str:
    """Everything an output shows, as text: bytes decoded, dataclasses and models expanded, the rest repr'd."""
    if isinstance(output, bytes | bytearray):
        return bytes(output).decode("utf-8", "replace")
    if isinstance(output, str):
        return output
    return json.dumps(output, default=_default, ensure_ascii=False)


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=repr) if isinstance(value, set | frozenset) else list(value)
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value!r} {getattr(value, 'params', '')}"
    return repr(value)


def sentinels(output: Any) -> set[str]:
    return set(SENTINEL.findall(serialize(output)))


def doc_tokens(tokens: Iterable[str]) -> set[str]:
    return {t for t in tokens if t in DOC_BY_ID}


def customer_tokens(tokens: Iterable[str]) -> set[str]:
    return {TOKEN_OF_CUSTOMER[t] for t in tokens if t in TOKEN_OF_CUSTOMER}


CASE_NAMES: tuple[str, ...] = ("nord_agent", "nord_contracts", "sued_user", "nord_admin", "confidential_reader",
                               "granted", "expired_grant", "revoked_grant", "api_key")  # fmt: skip

# the figures of this session's run (written to var/isolation.json and printed by tests/isolation/conftest.py)
FIGURES: dict[str, Any] = {"surfaces": 0, "principals": 0, "checks": 0, "leaks": 0, "shown_checks": 0,
                           "leak_details": []}  # fmt: skip
