"""The synthetic corpus of `bench/dashboards.py` (issue 11): `bench-dash-<size>` — documents, customers and ingest
audit entries, generated deterministically (seeded per document), indexed, or reused when present.

See the docstring of `bench/dashboards.py` for what the corpus holds; `bench/dashboards_check.py` reads it back.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from bench.query_latency import _ZIPF, CUSTOMERS, GROUPS, LANGS, SOURCES, TENANTS, VOCAB
from core.es import get_admin_client

GEN_VERSION = 1
DASH_SEED = 20261207
DATA_TODAY = dt.date(2026, 12, 7)  # a Monday: the last week shown has one day
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
TZ = "Europe/Berlin"
SPAN_DAYS = 3 * 365
FIRST_DAY = DATA_TODAY - dt.timedelta(days=SPAN_DAYS - 1)
LEGACY_BEFORE = DATA_TODAY - dt.timedelta(days=700)  # indexed before direction/channel/reason existed (some)

REASONS = ("late", "damaged", "wrong_amount", "wrong_item", "quality", "other")
REASON_P = (0.30, 0.20, 0.12, 0.12, 0.18, 0.08)
REGISTER_WEIGHTS = {"invoice": 0.17, "credit_note": 0.04, "complaint": 0.07, "correspondence": 0.16, "offer": 0.10,
                    "order": 0.10, "order_confirmation": 0.08, "delivery_note": 0.12, "contract": 0.04,
                    "service": 0.07, "other": 0.02, "review": 0.03}  # fmt: skip
ISSUED = ("invoice", "credit_note", "offer", "order_confirmation", "delivery_note", "contract")
# complaint weight × factor in these weeks (tenant, Monday): spikes the panel must flag
SPIKES = {("nord", dt.date(2026, 6, 15)): 5.0, ("sued", dt.date(2026, 10, 5)): 4.0,
          ("west", dt.date(2026, 2, 2)): 4.0, ("nord", dt.date(2026, 11, 23)): 4.0}  # fmt: skip
MANAGERS = {"nord": ("anna", "jonas", "lena", "mia", "paul"), "sued": ("sepp", "vroni", "franz", "resi"),
            "west": ("jan", "lisa", "tim", "eva")}  # fmt: skip
FOREIGN = ("CHF", "USD", "GBP")
EDGE_QUIET = (3, 6)  # CUSTOMERS indices (tenant nord): last documents exactly 90 and 89 days before DATA_TODAY


# ============================================================================================== the corpus


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def customer_master() -> list[dict[str, Any]]:
    """CUSTOMERS of bench/query_latency with master data, a popularity weight, a churn date (quiet customers),
    customers that never get a document, and a few that invoice in a foreign currency."""
    rng = np.random.default_rng(DASH_SEED)
    ranks = rng.permutation(len(CUSTOMERS))
    out = []
    for k, (number, name, tenant) in enumerate(CUSTOMERS):
        segment = str(rng.choice(["A", "B", "C", ""], p=[0.15, 0.35, 0.48, 0.02]))
        manager = str(rng.choice(MANAGERS[tenant])) if rng.random() > 0.02 else ""
        u = rng.random()
        department = f"vertrieb-{tenant}" if u < 0.68 else f"export-{tenant}" if u < 0.98 else ""
        weight = 1.0 / (float(ranks[k]) + 20.0) ** 0.8
        never = rng.random() < 0.03
        churn = FIRST_DAY + dt.timedelta(days=int(rng.integers(60, SPAN_DAYS - 100))) if rng.random() < 0.05 else None
        currency = str(rng.choice(FOREIGN)) if rng.random() < 0.08 else "EUR"
        if k in EDGE_QUIET:
            never, churn = False, DATA_TODAY - dt.timedelta(days=200)
        out.append({"customer_id": number, "name": name, "tenant": tenant, "segment": segment,
                     "account_manager": manager, "department": department, "weight": 0.0 if never else weight,
                     "churn": churn, "currency": currency})  # fmt: skip
    return out


MASTER = customer_master()
_W = np.array([c["weight"] for c in MASTER])
CUST_CDF = np.cumsum(_W / _W.sum())
BY_TENANT = {t: [k for k, c in enumerate(MASTER) if c["tenant"] == t and c["weight"] > 0] for t in TENANTS}
VOCAB_CDF = np.cumsum(_ZIPF)
_REG_NAMES = tuple(REGISTER_WEIGHTS)


def _words(rng: np.random.Generator, n: int) -> str:
    idx = np.minimum(np.searchsorted(VOCAB_CDF, rng.random(n)), len(VOCAB) - 1)
    return " ".join(VOCAB[int(i)] for i in idx)


def _pick(rng: np.random.Generator, options: Sequence[str], p: Sequence[float]) -> str:
    return options[int(np.searchsorted(np.cumsum(p), rng.random() * sum(p)))]


def dash_doc(i: int) -> dict[str, Any]:
    """Document `d<i>`: deterministic (its own seed), an index body of `indexing.schema.documents_mapping`."""
    rng = np.random.default_rng([DASH_SEED, i])
    c = MASTER[min(int(np.searchsorted(CUST_CDF, rng.random(), side="right")), len(MASTER) - 1)]
    tenant = c["tenant"]
    u = rng.random()
    date: dt.date | None
    if u < 0.004:
        date = None
    elif u < 0.007:
        date = DATA_TODAY + dt.timedelta(days=int(rng.integers(1, 21)))
    else:
        date = FIRST_DAY + dt.timedelta(days=int(rng.integers(0, SPAN_DAYS)))
    if date is not None and c["churn"] is not None and date > c["churn"]:
        date = FIRST_DAY + dt.timedelta(days=int(rng.integers(0, (c["churn"] - FIRST_DAY).days + 1)))
    weights = dict(REGISTER_WEIGHTS)
    if date is not None:
        season = 1.0 + 0.5 * math.cos(2 * math.pi * (date.timetuple().tm_yday - 20) / 365.25)
        weights["complaint"] *= season * SPIKES.get((tenant, _monday(date)), 1.0)
    register = _pick(rng, _REG_NAMES, list(weights.values()))
    # customers: review documents are often unfiled; a few documents are filed to two customers
    cids = [c["customer_id"]]
    if register == "review" and rng.random() < 0.5:
        cids = []
    elif rng.random() < 0.04:
        other = MASTER[BY_TENANT[tenant][int(rng.integers(0, len(BY_TENANT[tenant])))]]["customer_id"]
        if other != c["customer_id"]:
            cids.append(other)
    # indexed_at: the document date plus a short lag, any time of day (Sunday nights are Monday in Berlin)
    base = (
        date
        if date is not None and date <= DATA_TODAY
        else FIRST_DAY + dt.timedelta(days=int(rng.integers(0, SPAN_DAYS)))
    )
    indexed = dt.datetime.combine(base, dt.time(), tzinfo=dt.UTC) + dt.timedelta(
        days=int(rng.geometric(0.35)) - 1, seconds=int(rng.integers(0, 86_400))
    )
    if indexed > NOW - dt.timedelta(minutes=1):
        indexed = NOW - dt.timedelta(seconds=int(rng.integers(60, 3 * 86_400)))
    legacy = indexed.date() < LEGACY_BEFORE and rng.random() < 0.3
    if register == "complaint":
        direction = "in" if rng.random() < 0.85 else "out"
    elif register in ("correspondence", "service"):
        direction = "in" if rng.random() < 0.5 else "out"
    else:
        direction = "out" if register in ISSUED else "in"
    if register in ("invoice", "credit_note", "order_confirmation"):
        channel = _pick(rng, ("erp", "mail", "file"), (0.7, 0.2, 0.1))
    else:
        channel = _pick(rng, ("mail", "scan", "upload", "file", "erp"), (0.4, 0.25, 0.12, 0.13, 0.1))
    if rng.random() < 0.005:
        channel = ""
    age = (DATA_TODAY - date).days if date is not None else 999
    status = "n/a"
    if register == "complaint":
        status = "open" if rng.random() < (0.7 if age <= 14 else 0.35 if age <= 45 else 0.06) else "closed"
    elif register == "invoice":
        status = "open" if rng.random() < (0.6 if age <= 30 else 0.04) else "closed"
    reason = _pick(rng, REASONS, REASON_P) if register == "complaint" else ""
    amount: float | None = None
    currency = ""
    if register in ("invoice", "credit_note") and rng.random() > 0.04:
        mean = 1200.0 if register == "invoice" else 250.0
        amount = round(float(rng.lognormal(math.log(mean), 0.9)), 2)
        currency = c["currency"] if c["currency"] != "EUR" and rng.random() < 0.85 else "EUR"
        if currency == "EUR" and rng.random() < 0.01:
            currency = "USD"
    acl = sorted({GROUPS[int(rng.integers(0, len(GROUPS)))], GROUPS[int(rng.integers(0, 2))]})
    names = {m["customer_id"]: m["name"] for m in MASTER if m["customer_id"] in cids}
    doc_no = f"DOC-{i:06d}"
    body: dict[str, Any] = {
        "doc_id": f"d{i}",
        "family_id": f"f{i // 2 if i % 10 == 0 else i}",
        "version": 1,
        "is_latest": bool(i % 10 != 0 or rng.random() < 0.5),
        "tenant": tenant,
        "acl_groups": acl,
        "export_groups": acl,
        "source_kind": SOURCES[int(rng.integers(0, len(SOURCES)))],
        "title": _words(rng, int(rng.integers(2, 6))).capitalize(),
        "text": _words(rng, int(rng.integers(30, 120))),
        "language": LANGS[int(rng.integers(0, len(LANGS)))],
        "customer_ids": cids,
        "customer_names": [names[x] for x in cids],
        "register": register,
        "filing": {
            "status": "review" if register == "review" else ("manual" if rng.random() < 0.06 else "auto"),
            "confidence": round(float(rng.random()), 3),
        },  # fmt: skip
        "status": status,
        "indexed_at": indexed.isoformat().replace("+00:00", "Z"),
        "ids": [doc_no.replace("-", "").lower(), *[x.replace("-", "").lower() for x in cids]],
    }
    if cids:
        body["primary_customer_id"] = cids[0]
    if date is not None:
        body |= {"doc_date": date.isoformat(), "year_month": date.isoformat()[:7]}
    if not legacy:
        body["direction"] = direction
        if channel:
            body["channel"] = channel
        if reason:
            body["complaint_reason"] = reason
    if amount is not None:
        body |= {"total_amount": amount, "currency": currency}
    return body


def edge_docs() -> list[dict[str, Any]]:
    """Hand-made documents at the definitions' edges (ids `edge-<k>`)."""
    q1, q2 = (MASTER[k]["customer_id"] for k in EDGE_QUIET)
    k9 = MASTER[9]["customer_id"]  # nord
    day = DATA_TODAY

    def doc(k: int, register: str, cust: str, date: dt.date | None, **kw: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "doc_id": f"edge-{k}", "family_id": f"edge-{k}", "version": 1, "is_latest": True, "tenant": "nord",
            "acl_groups": ["sales"], "source_kind": "file", "title": f"Edge {k}", "text": "edge case",
            "language": "de", "customer_ids": [cust], "customer_names": [cust], "primary_customer_id": cust,
            "register": register, "filing": {"status": "auto", "confidence": 0.99}, "status": "n/a",
            "indexed_at": "2026-11-20T09:00:00Z", "channel": "mail", "direction": "in",
        }  # fmt: skip
        if date is not None:
            body |= {"doc_date": date.isoformat(), "year_month": date.isoformat()[:7]}
        return body | kw

    out = [
        doc(0, "correspondence", q1, day - dt.timedelta(days=90), direction="out"),  # quiet: exactly 90 days ago
        doc(1, "correspondence", q2, day - dt.timedelta(days=89), direction="out"),  # not quiet: 89 days ago
        # a complaint on a Sunday, indexed at 23:30 UTC that Sunday (00:30 on Monday in Berlin)
        doc(2, "complaint", k9, dt.date(2026, 11, 29), status="closed", complaint_reason="late",
            indexed_at="2026-11-29T23:30:00Z"),
        # answered the same day by a credit note (0 days)
        doc(3, "credit_note", k9, dt.date(2026, 11, 29), direction="out", total_amount=99.5, currency="EUR",
            indexed_at="2026-11-30T07:00:00Z"),
    ]  # fmt: skip
    # open complaints at the age buckets' bounds (and one dated in the future: the youngest bucket)
    for k, days in enumerate((-3, 7, 8, 14, 15, 30, 31), start=4):
        out.append(doc(k, "complaint", k9, day - dt.timedelta(days=days), status="open", complaint_reason="quality"))
    out.append(doc(11, "complaint", k9, None, status="open", complaint_reason="damaged"))  # open, undated
    return out


def audit_entries() -> list[tuple[str, dict[str, Any]]]:
    """Ingest audit entries (`app.audit.entry` shape): failed and successful, other actions, a burst of failures
    in one week, one failure at 23:30 UTC on a Sunday."""
    rng = np.random.default_rng([DASH_SEED, 99])
    out = []
    span_s = SPAN_DAYS * 86_400

    def entry(j: str, tenant: str, at: dt.datetime, action: str, outcome: str | None) -> tuple[str, dict[str, Any]]:
        body = {"action": action, "tenant": tenant, "owner": "system", "principal_kind": "system",
                "created_at": at.isoformat().replace("+00:00", "Z"), "body": {"job": j, "file": f"{j}.pdf"}}  # fmt: skip
        if outcome:
            body["outcome"] = outcome
        return f"a-{j}", body

    for j in range(900):
        at = NOW - dt.timedelta(seconds=int(rng.integers(0, span_s)))
        action = "ingest" if rng.random() < 0.85 else str(rng.choice(["login", "export", "view.save"]))
        outcome = ("failed" if rng.random() < 0.35 else "ok") if action == "ingest" else None
        out.append(entry(str(j), TENANTS[j % 3], at, action, outcome))
    burst = dt.datetime(2026, 9, 7, 6, 0, tzinfo=dt.UTC)
    for j in range(40):
        out.append(entry(f"b{j}", "nord", burst + dt.timedelta(hours=int(rng.integers(0, 24 * 6))), "ingest", "failed"))
    out.append(entry("sunday", "sued", dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC), "ingest", "failed"))
    return out


def _label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def ensure_corpus(es: Any, n: int, rebuild: bool) -> str:
    """The `bench-dash-<size>` indices: reused when complete and of this generator version, else (re)built."""
    from elasticsearch.helpers import bulk, streaming_bulk

    from app.dashboard_model import DashboardRequest  # noqa: F401  (fail early when the use case is absent)
    from indexing import schema
    from indexing.customers import customer_doc, customer_record_id
    from indexing.store import ensure_index

    prefix = f"bench-dash-{_label(n)}"
    name, alias = schema.index_name(prefix, "documents"), schema.alias_name(prefix, "documents")
    edges = edge_docs()
    audit = audit_entries()
    want = {"generator": GEN_VERSION, "documents": n + len(edges), "today": DATA_TODAY.isoformat(), "complete": True}
    if not rebuild and es.indices.exists(index=name):
        meta = (es.indices.get_mapping(index=name)[name]["mappings"].get("_meta") or {}).get("bench_dash")
        if meta == want and int(es.count(index=name)["count"]) == n + len(edges):
            print(f"{prefix}: reusing {n + len(edges):,} documents", flush=True)
            return prefix
        print(f"{prefix}: incomplete or another generator version ({meta}): rebuilding", flush=True)
    get_admin_client().options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
    mapping = schema.documents_mapping()
    base_meta = dict(mapping.get("_meta") or {})
    mapping["_meta"] = base_meta | {"bench_dash": want | {"complete": False}}
    es.indices.create(index=name, mappings=mapping,
                      settings=schema.index_settings("documents") | {"refresh_interval": "-1"}, aliases={alias: {}})  # fmt: skip

    def actions() -> Iterator[dict[str, Any]]:
        for i in range(n):
            yield {"_op_type": "index", "_index": name, "_id": f"d{i}", "_source": dash_doc(i)}
        for d in edges:
            yield {"_op_type": "index", "_index": name, "_id": d["doc_id"], "_source": d}

    t0 = time.perf_counter()
    print(f"{prefix}: indexing {n:,} documents (+{len(edges)} edge cases)", flush=True)
    failures = 0
    for done, (ok, item) in enumerate(
        streaming_bulk(
            es.options(request_timeout=300), actions(), chunk_size=1000, raise_on_error=False, max_retries=5
        ),
        start=1,
    ):
        if not ok:
            failures += 1
            if failures <= 5:
                print(f"  failure: {str(item)[:300]}", file=sys.stderr)
        if done % 20_000 == 0:
            print(f"  {done:,}/{n:,} ({done / (time.perf_counter() - t0):.0f} docs/s)", flush=True)
    if failures:
        raise SystemExit(f"{failures} documents failed to index")
    es.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
    es.indices.refresh(index=name)
    es.options(request_timeout=3600).indices.forcemerge(index=name, max_num_segments=1)
    # customers and audit
    now = NOW
    calias = ensure_index(es, prefix, "customers")
    rows = []
    for c in MASTER:
        row = {"customer_id": c["customer_id"], "customer_number": c["customer_id"], "name": c["name"],
               "tenant": c["tenant"], "segment": c["segment"], "account_manager": c["account_manager"],
               "department": c["department"]}  # fmt: skip
        rows.append({"_index": calias, "_id": customer_record_id(c["tenant"], c["customer_id"]),
                     "_source": customer_doc(row, now)})  # fmt: skip
    bulk(es, rows, chunk_size=1000, refresh=True)
    from indexing.audit_log import AuditLog
    from indexing.records import RecordStore

    AuditLog(RecordStore(es, prefix)).append([b for _, b in audit], refresh=True)  # linked into the tenants' chains
    es.indices.put_mapping(index=name, meta=base_meta | {"bench_dash": want})
    print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    return prefix
