"""Saved views and subscriptions at 100k documents (issue 6, "Measured").

    .venv/bin/python -m bench.views --out bench/results/views.json

1. **View open** — `app.views.run_view` (compile for the principal incl. "my customers" /
   "my department" look-ups, then total + facets + first page of 20 (+ groups) through `SearchService`), one
   client, every view opened by its owner: p50/p95/p99. The query embedding of the few hybrid views is a
   precomputed random vector (model time is measured by bench/query_latency.py).
2. **Subscription matching** — 1,000 new documents arrive; 200 subscribed views (with 1–3 subscribers
   each, all with their own permissions) are matched with `notifications.matching.match_new_documents`
   (run restricted to the new ids, msearch, notifications written create-only): wall seconds.
   Then the e-mails for all of them go out to a local SMTP server (aiosmtpd) through
   `notifications.delivery.deliver_pending`: wall seconds, reported apart.

Documents: the synthetic 100k index of bench/query_latency.py (prefix `bench-latency-100k`, reused when it
exists, built with the project mapping otherwise). The benchmark's own indices live under `bench-views-100k`;
its documents alias spans the 100k index (read) and a small write index for the new documents, so the shared
100k index is never modified. Everything under `bench-views-*` is deleted afterwards (unless --keep).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from core.es import get_admin_client

# Run as a script, Python puts bench/ first on sys.path, where bench/views.py would shadow the views
# package: the repository goes first instead.
if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import es_client, percentiles, search_service

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
USERS_PER_TENANT = 20
DEPTS = 4


class RandomVectors:
    """Stands in for the query embedder: a deterministic random unit vector per text (no model time)."""

    model_name = "all-minilm-l6-v2"

    def encode(self, texts: list[str]) -> np.ndarray:
        out = []
        for t in texts:
            seed = int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=384).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out)


def users() -> dict[str, Any]:
    """login -> Principal: per tenant one admin and analysts (the role that may search and save views). Everybody
    is in the group "all", as every user of the product: customer master data carries acl_groups ["all"] and the
    read side applies the permission filter to it ("my customers", known customer ids); no synthetic document
    carries "all", so document visibility is that of the other groups."""
    from bench.query_latency import GROUPS, TENANTS
    from domain.principal import Principal

    rng = np.random.default_rng(5)
    out = {}
    for tenant in TENANTS:
        for k in range(USERS_PER_TENANT):
            login = f"{tenant}.user{k:02d}"
            groups = {"sales"} | {str(g) for g in rng.choice(GROUPS, size=int(rng.integers(0, 3)), replace=False)}
            groups.add("all")
            out[login] = Principal(
                login=login, tenants=frozenset({tenant}), groups=frozenset(groups),
                department=f"dept-{tenant}-{k % DEPTS}", email=f"{login}@example.org", name=login,
                roles=frozenset({"admin"}) if k == 0 else frozenset({"analyst"}),
            )  # fmt: skip
    return out


def customers(all_users: dict[str, Any]) -> list[dict[str, Any]]:
    from bench.query_latency import CUSTOMERS
    from tests.helpers import make_customer

    by_tenant: dict[str, list[str]] = {}
    for login, u in all_users.items():
        by_tenant.setdefault(next(iter(u.tenants)), []).append(login)
    out = []
    for i, (cid, name, tenant) in enumerate(CUSTOMERS):
        staff = by_tenant[tenant]
        manager = staff[i % len(staff)]
        out.append(make_customer(cid, tenant=tenant, name=name, account_manager=manager,
                                 department=all_users[manager].department))  # fmt: skip
    return out


def make_views(all_users: dict[str, Any], n: int) -> list[tuple[dict[str, Any], str]]:
    """(view data, owner login): a mix like analysts build them."""
    from bench.query_latency import CUSTOMERS, REGISTERS, VOCAB

    rng = np.random.default_rng(17)
    logins = sorted(all_users)
    out = []
    for i in range(n):
        owner = logins[int(rng.integers(0, len(logins)))]
        u = all_users[owner]
        data: dict[str, Any] = {"name": f"Bench view {i:03d}"}
        filters: dict[str, list[str]] = {}
        if rng.random() < 0.7:
            filters["register"] = [str(r) for r in rng.choice(REGISTERS, size=int(rng.integers(1, 3)), replace=False)]
        if rng.random() < 0.2:
            filters["status"] = ["open"]
        if rng.random() < 0.1:
            tenant = next(iter(u.tenants))
            own = [c[0] for c in CUSTOMERS if c[2] == tenant]
            filters["customer_ids"] = [str(c) for c in rng.choice(own, size=3, replace=False)]
        data["filters"] = filters
        r = rng.random()
        if r < 0.35:
            data["date_range"] = {"kind": "last", "n": int(rng.choice([7, 14, 30, 90])), "unit": "day"}
        elif r < 0.55:
            data["date_range"] = {"kind": "last", "n": int(rng.choice([1, 3, 6])), "unit": "month"}
        elif r < 0.7:
            data["date_range"] = {
                "kind": str(rng.choice(["this", "previous"])),
                "unit": str(rng.choice(["week", "month", "quarter", "year"])),
            }
        elif r < 0.75:
            data["date_range"] = {"field": "received_at", "kind": "this", "unit": "week"}
        if rng.random() < 0.25:
            data["query"] = " ".join(str(w) for w in rng.choice(VOCAB[20:3000], size=int(rng.integers(1, 3))))
            data["mode"] = "hybrid" if rng.random() < 0.3 else "keyword"
        data["my_customers"] = bool(rng.random() < 0.15)
        data["my_department"] = bool(not data["my_customers"] and rng.random() < 0.1)
        if rng.random() < 0.3:
            data["group_by"] = str(rng.choice(["customer", "register", "month"]))
        data["sort"] = str(rng.choice(["date_desc", "date_desc", "date_asc", "relevance"]))
        data["scope"] = "dossier" if rng.random() < 0.1 else "portfolio"
        s = rng.random()
        data["sharing"] = "tenant" if s < 0.5 else f"group:{u.department}" if s < 0.8 else "private"
        out.append((data, owner))
    return out


def index_customers(es: Any, prefix: str, rows: list[dict[str, Any]]) -> None:
    """Customer master data with tenant-qualified record ids (`indexing.customers.customer_record_id`)."""
    from indexing import schema
    from indexing import store as istore
    from indexing.customers import customer_record_id

    istore.ensure_index(es, prefix, "customers")
    index = schema.alias_name(prefix, "customers")
    actions = (
        {"_op_type": "index", "_index": index, "_id": customer_record_id(c["tenant"], c["customer_id"]), "_source": c}
        for c in rows
    )
    failures = istore.bulk_write(es, actions)
    if failures:
        raise RuntimeError(f"{len(failures)} customers not indexed: {failures[:3]}")
    es.indices.refresh(index=index)


def setup(es: Any, data_prefix: str, prefix: str, n_views: int) -> dict[str, Any]:
    from indexing import schema
    from indexing import store as istore
    from indexing.records import RecordStore
    from notifications.subscriptions import subscribe
    from search.repository import Repository
    from views import store
    from views.access import can_see

    teardown(es, data_prefix, prefix)
    data_index = list(es.indices.get_alias(name=schema.alias_name(data_prefix, "documents")).keys())[0]
    alias = schema.alias_name(prefix, "documents")
    new_index = schema.index_name(prefix, "documents")
    es.indices.create(index=new_index, mappings=schema.documents_mapping(), settings=schema.index_settings("documents"))
    es.indices.update_aliases(actions=[
        {"add": {"index": data_index, "alias": alias, "is_write_index": False}},
        {"add": {"index": new_index, "alias": alias, "is_write_index": True}},
    ])  # fmt: skip
    all_users = users()
    index_customers(es, prefix, customers(all_users))
    for kind in ("views", "subscriptions", "notifications"):
        istore.ensure_index(es, prefix, kind)
    repo, records = Repository(es, prefix), RecordStore(es, prefix)
    rng = np.random.default_rng(23)
    made = []
    t0 = time.perf_counter()
    from bench.query_latency import CUSTOMERS

    for data, owner in make_views(all_users, n_views):
        view = store.create_view(records, data, all_users[owner], now=NOW)
        tenant_customers = [c[0] for c in CUSTOMERS if c[2] == view.tenant]
        customer = str(rng.choice(tenant_customers)) if view.scope == "dossier" else None
        subscribers = [owner]
        others = [u for u in all_users.values() if u.login != owner and can_see(view, u)]
        for k in (
            rng.choice(len(others), size=min(len(others), int(rng.integers(0, 3))), replace=False) if others else []
        ):
            subscribers.append(others[int(k)].login)
        for login in subscribers:
            freq = "daily" if rng.random() < 0.2 else "immediate"
            subscribe(repo, records, all_users[login], view.id or "", freq, customer_id=customer, now=NOW)
        made.append((view, owner, customer))
    print(f"  {len(made)} views and their subscriptions saved in {time.perf_counter() - t0:.1f} s", flush=True)
    return {"users": all_users, "views": made, "new_index": new_index, "data_index": data_index}


def teardown(es: Any, data_prefix: str, prefix: str) -> None:
    from indexing import schema

    alias = schema.alias_name(prefix, "documents")
    data_alias = schema.alias_name(data_prefix, "documents")
    if es.indices.exists_alias(name=data_alias):
        for index in es.indices.get_alias(name=data_alias):
            es.options(ignore_status=404).indices.delete_alias(index=index, name=alias)
    get_admin_client().options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def new_documents(run: int, n: int) -> list[dict[str, Any]]:
    from bench.query_latency import make_doc

    rng = np.random.default_rng(900 + run)
    out = []
    for i in range(n):
        d = make_doc(200_000 + run * n + i)
        d["doc_id"] = f"new-{run}-{i:05d}"
        d["family_id"] = d["doc_id"]
        d["is_latest"] = True
        day = (NOW.date() - dt.timedelta(days=int(rng.integers(0, 12)))).isoformat()
        d["doc_date"], d["year_month"] = day, day[:7]
        d["received_at"] = d["indexed_at"] = NOW.isoformat()
        out.append(d)
    return out


def bench_open(ctx: Any, made: list[Any], users_: dict[str, Any], opens: int) -> dict[str, Any]:
    from app.views import run_view

    order = [(v, users_[owner], cust) for v, owner, cust in made]
    for v, u, c in order[:20]:  # warm-up: OS cache, ES caches, spaCy lookups
        run_view(ctx, u, v, now=NOW, customer_id=c)
    lat: list[float] = []
    totals: list[int] = []
    i = 0
    while len(lat) < opens:
        v, u, c = order[i % len(order)]
        i += 1
        t0 = time.perf_counter()
        run = run_view(ctx, u, v, now=NOW, customer_id=c, size=20)
        lat.append((time.perf_counter() - t0) * 1000.0)
        totals.append(run.total or 0)
    p = percentiles(lat)
    return {"p50": p.get("p50"), "p95": p.get("p95"), "p99": p.get("p99"), "max": max(lat), "n": len(lat),
            "mean_total_hits": statistics.fmean(totals), "empty_views": sum(1 for t in totals if not t)}  # fmt: skip


def bench_counts(ctx: Any, made: list[Any], users_: dict[str, Any], reps: int = 20) -> dict[str, Any]:
    """The views page: live counts of every view one user sees (one msearch; no cache in the context)."""
    from app.views import count_views, list_views

    owner = made[0][1]
    u = users_[owner]
    views = list_views(ctx, u, scope="portfolio")
    lat: list[float] = []
    for _ in range(reps):
        t0 = time.perf_counter()
        count_views(ctx, u, views, now=NOW)
        lat.append((time.perf_counter() - t0) * 1000.0)
    p = percentiles(lat)
    return {"views": len(views), "p50": p.get("p50"), "p95": p.get("p95")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--views", type=int, default=200)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--opens", type=int, default=400)
    ap.add_argument("--runs", type=int, default=2, help="subscription matching runs (new documents each)")
    ap.add_argument("--keep", action="store_true", help="keep the bench-views-* indices")
    args = ap.parse_args(argv)

    from app.context import AppContext
    from app.users import UserDirectory
    from bench.query_latency import ensure_index
    from indexing.records import RecordStore
    from notifications.delivery import deliver_pending
    from notifications.mailer import SmtpConfig
    from notifications.matching import match_new_documents
    from tests.helpers import RecordingSmtp, index_documents

    es = es_client()
    data_prefix = ensure_index(es, args.docs)
    label = data_prefix.rsplit("-", 1)[1]
    prefix = f"bench-views-{label}"
    print(f"views bench on {data_prefix} (views and new documents under {prefix})", flush=True)
    world = setup(es, data_prefix, prefix, args.views)
    search = search_service(es, prefix, RandomVectors, query_vector_cache=0)
    records = RecordStore(es, prefix)
    directory = world["users"].get  # login -> Principal | None (the subscribers as of now)
    # the use cases get the bench's principals passed in: no users file, no archive, no cache (as before)
    ctx = AppContext(repo=search.repo, store=records, search=search, archive_root=Path(tempfile.gettempdir()),
                     directory=UserDirectory(Path(os.devnull)), cache=None, tz="Europe/Berlin")  # fmt: skip
    result: dict[str, Any] = {
        "documents": int(es.count(index=world["data_index"])["count"]),
        "views": len(world["views"]),
    }
    try:
        opened = bench_open(ctx, world["views"], world["users"], args.opens)
        print(f"  view open: p50 {opened['p50']:.0f} ms, p95 {opened['p95']:.0f} ms ({opened['n']} opens)", flush=True)
        counts = bench_counts(ctx, world["views"], world["users"])
        print(f"  views page counts ({counts['views']} views): p95 {counts['p95']:.0f} ms", flush=True)
        n_subs = search.repo.count("subscriptions", {"query": {"match_all": {}}})
        runs: list[dict[str, Any]] = []
        for run in range(args.runs):
            docs = new_documents(run, args.new)
            index_documents(es, prefix, docs)
            t0 = time.perf_counter()
            rep = match_new_documents(search, records, [d["doc_id"] for d in docs], NOW, directory)
            wall = time.perf_counter() - t0
            runs.append({"seconds": wall, "requests": rep.requests, "matches": rep.matches,
                         "notifications": rep.notifications_created, "skipped": rep.skipped})  # fmt: skip
            print(f"  subscription matching run {run + 1}: {wall:.2f} s, {rep.requests} requests, "
                  f"{rep.notifications_created} notifications", flush=True)  # fmt: skip
        with RecordingSmtp() as smtp:
            cfg = SmtpConfig(host="127.0.0.1", port=smtp.port, timeout_s=10)
            t0 = time.perf_counter()
            later = NOW + dt.timedelta(days=1, hours=1)  # immediate and daily digests are all due
            sent = deliver_pending(search.repo, records, directory, later, smtp=cfg)
            mail_s = time.perf_counter() - t0
        print(f"  e-mail delivery: {sent.emails_sent} e-mails for {sent.notifications_sent} notifications in {mail_s:.2f} s",
              flush=True)  # fmt: skip
        result.update(
            view_open_p95_ms=round(opened["p95"], 1),
            view_open_p50_ms=round(opened["p50"], 1),
            view_open_p99_ms=round(opened["p99"], 1),
            view_open=opened,
            views_page_counts=counts,
            subscription_match_s=round(runs[0]["seconds"], 2),
            subscription_match_runs=runs,
            subscriptions=n_subs,
            subscribed_views=len(world["views"]),
            new_documents=args.new,
            email_delivery_s=round(mail_s, 2),
            emails_sent=sent.emails_sent,
            notifications_emailed=sent.notifications_sent,
            targets={"view_open_p95_ms": 300, "subscription_match_s": 10},
            note="query embedding excluded (random vectors); see bench/query_latency.py for model time",
        )
        worst = max(float(r["seconds"]) for r in runs)
        result["meets_targets"] = float(opened["p95"]) <= 300 and worst <= 10
    finally:
        if not args.keep:
            teardown(es, data_prefix, prefix)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    print(
        json.dumps({k: result[k] for k in ("view_open_p95_ms", "subscription_match_s", "meets_targets") if k in result})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
