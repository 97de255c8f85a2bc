"""A small two-tenant world behind the REST API: customers, documents with originals, a seeded view, API keys."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app import api_keys
from domain.principal import Principal
from indexing.archive import Archive
from tests.e2e._cockpit import USERS_FILE, customer, document, index_all
from tests.helpers import HashEmbedder, no_gc

NULL_CACHE = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
OPERATOR = Principal(login="cli:test", kind="system", roles=frozenset({"admin"}))


def build(es: Any, prefix: str, tmp: Path, *, rate_limit: str = "10000/minute") -> dict[str, Any]:
    from views.seed import seed_examples
    from web.app import create_app

    archive = Archive(tmp / "archive")
    originals = {"n1": b"%PDF-1.4 Rechnung RE-1 Nord", "s1": "Süd Rechnung ½ ✓".encode()}
    sha = {k: archive.put(v) for k, v in originals.items()}
    customers = [
        customer("C1", "Müller Bau GmbH", "nord", number="K-10001"),
        customer("C2", "Maier Anlagen GmbH", "nord", number="K-10002"),
        customer("C9", "Süd Stahl AG", "sued", number="K-10009"),
    ]
    docs = [
        document("n1", title="Rechnung RE-1", text="Rechnung über Pumpen und Ventile", content=originals["n1"],
                 mime_type="application/pdf", file_name="RE-1.pdf"),
        document("n2", title="Rahmenvertrag", text="Vertrag Pumpen", register="contract", acl=("contracts", "management")),
        document("n3", title="Reklamation Ventil", text="Ventil undicht Reklamation", register="complaint",
                 customers=(("C2", "Maier Anlagen GmbH"),)),
        document("s1", tenant="sued", title="Rechnung Süd", text="Rechnung über Pumpen Süd", content=originals["s1"],
                 customers=(("C9", "Süd Stahl AG"),)),
    ]  # fmt: skip
    docs[0]["content_sha256"], docs[3]["content_sha256"] = sha["n1"], sha["s1"]
    index_all(es, prefix, customers, docs)
    with no_gc():
        app = create_app(prefix, USERS_FILE, archive_dir=tmp / "archive", es=es, secret_key="test-secret",
                         cache_config=NULL_CACHE, warm_up=False, embedder_factory=HashEmbedder,
                         rate_limit=rate_limit, limiter_storage="memory://")  # fmt: skip
    ctx = app.server.extensions["app_context"]
    seed_examples(ctx.repo, ctx.store, tenants=["nord", "sued"], now=dt.datetime.now(dt.UTC))
    keys: dict[str, str] = {}

    def key(name: str, tenant: str, caps: set[str], groups: set[str] | None = None, **kw: Any) -> str:
        _, token = api_keys.create_key(ctx, OPERATOR, name=name, tenant=tenant, groups=groups or {"all"},
                                       capabilities=caps, **kw)  # fmt: skip
        keys[name] = token
        return token

    key("erp-nord", "nord", {"search", "export", "master_data"})
    key("crm-nord-read", "nord", {"search"})
    key("erp-sued", "sued", {"search", "export", "master_data"})
    key("contracts-nord", "nord", {"search"}, {"all", "contracts"})
    revoked = key("old-nord", "nord", {"search"})
    api_keys.revoke_key(ctx, OPERATOR, revoked.split("_")[1])
    return {"app": app, "ctx": ctx, "client": app.server.test_client(), "keys": keys, "prefix": prefix,
            "originals": originals}  # fmt: skip


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def built(es: Any, tmp: Path, name: str) -> Iterator[dict[str, Any]]:
    """`build` under a fresh prefix `test-<name>-…`, its indices dropped afterwards (a module fixture's body)."""
    prefix = f"test-{name}-{uuid.uuid4().hex[:8]}"
    world = build(es, prefix, tmp)
    try:
        yield world
    finally:
        world["ctx"].flush_background()  # the audit entries still queued, while the client is open
        es.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def call(world: dict[str, Any], method: str, path: str, body: Any = None, *, key: str) -> Any:
    """An API call with one of the world's keys (a JSON body when given)."""
    headers = auth(world["keys"][key])
    if body is not None:
        headers["Content-Type"] = "application/json"
        return world["client"].open(path, method=method, data=json.dumps(body), headers=headers)
    return world["client"].open(path, method=method, headers=headers)


def problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is a problem document of this status (and message code), with its message."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:800]
    assert resp.mimetype == "application/problem+json"
    assert "Traceback" not in resp.get_data(as_text=True)
    body = resp.get_json()
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def session(world: dict[str, Any], login: str) -> Any:
    """A DashClient logged into the cockpit as this user (password "demo"): the API through the session."""
    from cockpit.dashclient import DashClient

    c = DashClient(world["app"])
    c.login(login)
    return c


def session_call(c: Any, method: str, path: str, body: Any = None) -> Any:
    """An API call through a cockpit session (unsafe methods with the CSRF header; always a JSON body)."""
    from cockpit.auth import CSRF_HEADER

    headers = {} if method in ("GET", "HEAD") else {CSRF_HEADER: c.csrf()}
    if method in ("GET", "HEAD"):
        return c.client.open(path, method=method, headers=headers)
    data = json.dumps({} if body is None else body)
    return c.client.open(path, method=method, data=data, content_type="application/json", headers=headers)
