"""A small two-tenant world behind the REST API: customers, documents with originals, a seeded view, API keys."""

from __future__ import annotations

import datetime as dt
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
