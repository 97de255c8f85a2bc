"""The correctness check of `bench/dashboards.py` (issue 11): `World` scans the whole corpus, `expected` recomputes
every panel from it without the product's code (see the docstring there), `compare` checks the product's answer."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from bench.dashboards_corpus import TZ, _monday
from domain.principal import Principal

MISSING = "__none__"
MAX_EVENTS = 10_000
TOP = 10


# ============================================================================================== reference


def _isin(arr: np.ndarray, values: Sequence[Any]) -> np.ndarray:
    return pd.Series(arr, dtype=object).isin(list(values)).to_numpy(dtype=bool)


def _d(x: dt.date) -> np.datetime64:
    return np.datetime64(x.isoformat(), "D")


def _date(x: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(np.datetime_as_string(x, unit="D")))


def _mondays(arr: np.ndarray) -> np.ndarray:
    days = arr.astype("datetime64[D]")
    wd = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
    return np.where(np.isnat(days), days, days - wd.astype("timedelta64[D]"))


def _months(arr: np.ndarray) -> np.ndarray:
    return arr.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")


def _add_months(d: dt.date, k: int) -> dt.date:
    idx = d.year * 12 + d.month - 1 + k
    return dt.date(idx // 12, idx % 12 + 1, 1)


def ref_period(
    key: str, today: dt.date, lo: dt.date | None = None, hi: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """Inclusive calendar dates of a period key (independent of app.dashboard_model.resolve_period)."""
    q0 = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    y0 = dt.date(today.year, 1, 1)
    if key in ("30d", "90d", "365d"):
        return today - dt.timedelta(days=int(key[:-1]) - 1), today
    if key == "quarter":
        return q0, today
    if key == "year":
        return y0, today
    if key == "prev_quarter":
        return _add_months(q0, -3), q0 - dt.timedelta(days=1)
    if key == "prev_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    assert key == "custom"
    a, b = lo or today - dt.timedelta(days=364), hi or today
    if a > b:
        a, b = b, a
    return max(a, b - dt.timedelta(days=3 * 366 - 1)), b


class World:
    """Every document, customer and audit entry of the corpus, read with point-in-time scans (no product code)."""

    DOC_FIELDS = ["doc_id", "tenant", "acl_groups", "is_latest", "register", "direction", "channel",
                  "complaint_reason", "status", "filing.status", "language", "currency", "total_amount", "doc_date",
                  "indexed_at", "customer_ids"]  # fmt: skip

    def __init__(self, es: Any, prefix: str) -> None:
        from elasticsearch.helpers import scan

        t0 = time.perf_counter()
        cols: dict[str, list[Any]] = defaultdict(list)
        for h in scan(es, index=f"{prefix}-documents", query={"query": {"match_all": {}}}, _source=self.DOC_FIELDS,
                      size=5000, scroll="5m"):  # fmt: skip
            s = h["_source"]
            for f in ("doc_id", "tenant", "register", "direction", "channel", "complaint_reason", "status",
                      "language", "currency"):  # fmt: skip
                cols[f].append(s.get(f))
            cols["filing"].append((s.get("filing") or {}).get("status"))
            cols["acl"].append(frozenset(s.get("acl_groups") or ()))
            cols["latest"].append(bool(s.get("is_latest")))
            cols["amount"].append(s.get("total_amount"))
            cols["date"].append(str(s["doc_date"])[:10] if s.get("doc_date") else None)
            cols["indexed_at"].append(s.get("indexed_at"))
            cols["cids"].append(tuple(str(c) for c in s.get("customer_ids") or ()))
        df = pd.DataFrame(cols)
        df["amount"] = pd.to_numeric(df["amount"], errors="coerce").astype(float)
        self.n = len(df)
        self.doc_id = df["doc_id"].to_numpy(dtype=object)
        self.tenant = df["tenant"].to_numpy(dtype=object)
        self.acl = df["acl"].to_numpy(dtype=object)
        self.latest = df["latest"].to_numpy(dtype=bool)
        self.cids = df["cids"].to_numpy(dtype=object)
        self.amount = df["amount"].to_numpy(dtype=float)
        for f in ("register", "direction", "channel", "complaint_reason", "status", "language", "currency", "filing"):
            setattr(self, f, df[f].where(df[f].notna(), None).to_numpy(dtype=object))
        self.date = pd.to_datetime(df["date"], format="%Y-%m-%d").to_numpy(dtype="datetime64[D]")
        local = pd.to_datetime(df["indexed_at"], utc=True, format="ISO8601").dt.tz_convert(TZ)
        self.idx_day = local.dt.strftime("%Y-%m-%d").pipe(pd.to_datetime, format="%Y-%m-%d").to_numpy("datetime64[D]")
        self.week = _mondays(self.date)
        self.month = _months(self.date)
        self.idx_week = _mondays(self.idx_day)
        rows = [(r, c) for r, cs in enumerate(self.cids) for c in cs]
        self.ex_row = np.array([r for r, _ in rows], dtype=np.int64)
        self.ex_cid = np.array([c for _, c in rows], dtype=object)
        self.complaint = (self.register == "complaint") & (self.direction == "in")
        # customers and audit
        self.customers = [
            h["_source"] for h in scan(es, index=f"{prefix}-customers", query={"query": {"match_all": {}}})
        ]
        self.customers.sort(key=lambda c: c["customer_id"])
        audit = [h["_source"] for h in scan(es, index=f"{prefix}-audit", query={"query": {"match_all": {}}})]
        adf = pd.DataFrame(audit)
        self.a_tenant = adf["tenant"].to_numpy(dtype=object)
        self.a_failed = ((adf["action"] == "ingest") & (adf.get("outcome") == "failed")).to_numpy(dtype=bool)
        a_local = (
            pd.to_datetime(adf["created_at"], utc=True, format="ISO8601").dt.tz_convert(TZ).dt.strftime("%Y-%m-%d")
        )
        self.a_day = pd.to_datetime(a_local, format="%Y-%m-%d").to_numpy("datetime64[D]")
        print(f"reference: {self.n:,} documents, {len(self.customers):,} customers, {len(adf):,} audit entries "
              f"read in {time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip

    def between(self, arr: np.ndarray, lo: dt.date | None, hi: dt.date | None) -> np.ndarray:
        m = ~np.isnat(arr)
        if lo is not None:
            m &= arr >= _d(lo)
        if hi is not None:
            m &= arr <= _d(hi)
        return m  # type: ignore[no-any-return]

    def has_customer(self, ids: Sequence[str]) -> np.ndarray:
        s = set(ids)
        return np.fromiter((not s.isdisjoint(cs) for cs in self.cids), dtype=bool, count=self.n)


@dataclass
class Exp:
    """A panel as compared: points (x, series, value, count, flag, label, drill, of), figures, notes, period."""

    points: list[tuple[Any, ...]]
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[tuple[str, tuple[tuple[str, Any], ...]]] = field(default_factory=list)
    period: tuple[str, str] | None = None
    ordered: bool = True


def _note(code: str, **params: Any) -> tuple[str, tuple[tuple[str, Any], ...]]:
    return code, tuple(sorted(params.items()))


def _pt(x: Any, value: float, *, series: str = "", count: int | None = None, flag: bool = False, label: str = "",
        drill: tuple[Any, ...] | None = None, of: int | None = None) -> tuple[Any, ...]:  # fmt: skip
    return (str(x), series, float(value), count, flag, label, drill, of)


def _iso(x: dt.date | None) -> str | None:
    return x.isoformat() if x else None


def _doc_drill(lo: dt.date | None, hi: dt.date | None, fld: str = "doc") -> tuple[Any, ...]:
    return (fld, _iso(lo), _iso(hi))


def _span(p: tuple[dt.date, dt.date]) -> tuple[str, str]:
    return p[0].isoformat(), p[1].isoformat()


def _percentile(sorted_vals: list[int], q: float) -> float:
    pos = q * (len(sorted_vals) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return float(sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (pos - lo))


def _counts(keys: np.ndarray) -> Counter[Any]:
    return Counter(MISSING if k is None else k for k in keys)


def expected(w: World, p: Principal, req: Any, now: dt.datetime) -> dict[str, Any]:
    """The dashboard as the definitions say it should be, from the scanned corpus."""
    from zoneinfo import ZoneInfo

    today = now.astimezone(ZoneInfo(TZ)).date()
    messages = []
    tenants = tuple(t for t in req.tenants if t in p.tenants)
    if len(tenants) < len(req.tenants):
        messages.append(_note("dash.msg.tenant_ignored"))
    agent = "agent" in p.roles and not ({"analyst", "manager", "admin"} & set(p.roles))
    attrs = {"segment": req.segments, "account_manager": req.managers, "department": req.departments}
    attrs = {k: v for k, v in attrs.items() if v}
    scope_note = None
    if agent:
        attrs = {"department": (p.department or "",)}
        scope_note = _note("dash.scope.agent", department=p.department or "")

    def scope_customers(a: dict[str, tuple[str, ...]]) -> list[dict[str, Any]]:
        return [c for c in w.customers
                if c["tenant"] in p.tenants and (p.is_admin or not p.groups.isdisjoint(c.get("acl_groups") or ()))
                and all(c.get(k) in v for k, v in a.items()) and (not tenants or c["tenant"] in tenants)]  # fmt: skip

    customers = scope_customers(attrs)
    if agent and not customers:
        attrs, customers = {}, scope_customers({})
        scope_note = _note("dash.scope.agent_tenant", department=p.department or "")
    customer_in: tuple[str, ...] | None = tuple(c["customer_id"] for c in customers) if attrs else None
    one = req.customer_id is not None
    if one:  # a dossier's section is that customer's, whatever the viewer's department: no scope, no note
        attrs, scope_note, customer_in = {}, None, (req.customer_id,)
    names = {c["customer_id"]: c.get("name") or c["customer_id"] for c in customers}
    period = ref_period(req.period, today, req.date_from, req.date_to)

    def per(panel: str) -> tuple[dt.date, dt.date]:
        key = req.overrides.get(panel)
        return ref_period(key, today) if key else period

    # the scope: current versions the principal may read, the tenant selection, the customers
    s = w.latest & _isin(w.tenant, list(p.tenants))
    if not p.is_admin:
        s &= np.fromiter((not a.isdisjoint(p.groups) for a in w.acl), dtype=bool, count=w.n)
    if tenants:
        s &= _isin(w.tenant, list(tenants))
    if customer_in is not None:
        s &= w.has_customer(customer_in)
    regs = _isin(w.register, list(req.registers)) if req.registers else np.ones(w.n, dtype=bool)
    panels: dict[str, Exp] = {}
    admin_drill = ("status",) if p.is_admin else None

    # complaints per week: 52 weeks shown, 8 more before them as the first weeks' baseline
    trend_start = _monday(today) - dt.timedelta(weeks=51)
    w0 = trend_start - dt.timedelta(weeks=8)
    m = s & w.complaint & w.between(w.date, w0, today)
    by_week = Counter(_date(x) for x in w.week[m])
    weeks = [w0 + dt.timedelta(weeks=k) for k in range(60) if w0 + dt.timedelta(weeks=k) <= today]
    series = [by_week.get(x, 0) for x in weeks]
    pts, shown = [], series[8:]
    for k in range(8, len(weeks)):
        c, base = series[k], [Fraction(v) for v in series[k - 8 : k]]
        mean = sum(base) / 8
        var = sum((v - mean) ** 2 for v in base) / 8
        spike = c >= 3 and c > mean and (c - mean) ** 2 > 4 * var
        lo, hi = max(weeks[k], trend_start), min(weeks[k] + dt.timedelta(days=6), today)
        pts.append(_pt(weeks[k].isoformat(), c, count=c, flag=spike, drill=_doc_drill(lo, hi)))
    figs: dict[str, Any] = {"count": sum(shown), "spikes": sum(1 for x in pts if x[4])}
    if len(shown) >= 2 and sum(shown):
        n = len(shown)
        xm, ym = (n - 1) / 2, sum(shown) / n
        slope = sum((i - xm) * (y - ym) for i, y in enumerate(shown)) / sum((i - xm) ** 2 for i in range(n))
        icpt = ym - slope * xm
        figs |= {"trend_slope": slope, "trend_start": icpt, "trend_end": icpt + slope * (n - 1)}
    panels["complaints_weekly"] = Exp(
        pts, figs, [_note("dash.note.spike")], (trend_start.isoformat(), today.isoformat())
    )

    # open complaints by age (whatever the period)
    m = s & w.complaint & (w.status == "open")
    ages = [(today - _date(x)).days for x in w.date[m] if not np.isnat(x)]
    bounds = [("0-7", None, 7), ("8-14", 8, 14), ("15-30", 15, 30), ("31+", 31, None)]
    pts = []
    for name, a0, a1 in bounds:
        n = sum(1 for a in ages if (a0 is None or a >= a0) and (a1 is None or a <= a1))
        lo = today - dt.timedelta(days=a1) if a1 is not None else None
        hi = today - dt.timedelta(days=a0) if a0 else None
        pts.append(_pt(name, n, count=n, drill=_doc_drill(lo, hi)))
    undated = int(m.sum()) - len(ages)
    panels["complaints_open_age"] = Exp(pts, {"count": int(m.sum())},
                                        [_note("dash.note.undated", n=undated)] if undated else [])  # fmt: skip

    # response times
    pr = per("complaint_response")
    m = s & w.complaint & w.between(w.date, *pr)
    rows = sorted(np.nonzero(m)[0], key=lambda r: (w.date[r], w.doc_id[r]))[:MAX_EVENTS]
    events = [(w.cids[r], _date(w.date[r])) for r in rows if w.cids[r]]
    figs = {"count": len(events), "answered": 0, "unanswered": len(events)}
    if events:
        since = min(d for _, d in events)
        cset = sorted({c for cs, _ in events for c in cs})
        answer = ((w.direction == "out") & _isin(w.register, ["correspondence", "complaint"])) | (
            w.register == "credit_note"
        )
        am = s & answer & w.between(w.date, since, None) & w.has_customer(cset)
        by_c: dict[str, list[dt.date]] = defaultdict(list)
        for r in np.nonzero(am)[0]:
            for c in w.cids[r]:
                by_c[c].append(_date(w.date[r]))
        firsts = {c: sorted(v) for c, v in by_c.items()}
        days = []
        for cs, d in events:
            cand = [next((x for x in firsts.get(c, ()) if x >= d), None) for c in cs]
            got = [x for x in cand if x is not None]
            if got:
                days.append((min(got) - d).days)
        days.sort()
        figs = {"count": len(events), "answered": len(days), "unanswered": len(events) - len(days)}
        if days:
            figs |= {"median_days": _percentile(days, 0.5), "p90_days": _percentile(days, 0.9)}
    notes = [_note("dash.note.response")]
    if int(m.sum()) > MAX_EVENTS:
        notes.append(_note("dash.note.truncated", n=len(events)))
    panels["complaint_response"] = Exp([_pt("complaints", len(events), count=len(events), drill=_doc_drill(*pr))],
                                       figs, notes, _span(pr))  # fmt: skip

    def money(mask: np.ndarray, key_of: Callable[[int], list[Any]]) -> dict[tuple[Any, str], tuple[float, int]]:
        """(key, currency) -> (invoices − credit notes rounded to cents, documents), currency known only."""
        acc: dict[tuple[Any, str], list[float]] = defaultdict(list)
        cnt: Counter[tuple[Any, str]] = Counter()
        for r in np.nonzero(mask)[0]:
            cur = w.currency[r]
            if cur is None:
                continue
            for key in key_of(int(r)):
                cnt[(key, cur)] += 1
                a = w.amount[r]
                if not np.isnan(a):
                    acc[(key, cur)].append(a if w.register[r] == "invoice" else -a)
        return {k: (round(math.fsum(acc.get(k, [])), 2), n) for k, n in cnt.items()}

    def month_points(mask: np.ndarray, key_arr: np.ndarray, bounds_p: tuple[dt.date, dt.date], fld: str = "doc",
                     unit: str = "month", arr: np.ndarray | None = None) -> list[tuple[Any, ...]]:  # fmt: skip
        buckets = arr if arr is not None else (w.month if unit == "month" else w.week)
        c = Counter(zip((_date(x) for x in buckets[mask]), (MISSING if k is None else k for k in key_arr[mask]),
                        strict=True))  # fmt: skip
        out = []
        for (start, key), n in c.items():
            end = _add_months(start, 1) - dt.timedelta(days=1) if unit == "month" else start + dt.timedelta(days=6)
            lo, hi = max(start, bounds_p[0]), min(end, bounds_p[1])
            out.append(_pt(start.isoformat(), n, series=key, count=n,
                           drill=None if key == MISSING else _doc_drill(lo, hi, fld)))  # fmt: skip
        return out

    if one:
        pv = per("revenue_top")
        m = s & _isin(w.register, ["invoice", "credit_note"]) & w.between(w.date, *pv)
        mon = money(m, lambda r: [_date(w.month[r])])
        pts = []
        for (start, cur), (rev, n) in sorted(mon.items()):
            lo, hi = max(start, pv[0]), min(_add_months(start, 1) - dt.timedelta(days=1), pv[1])
            pts.append(_pt(start.isoformat(), rev, series=cur, count=n, drill=_doc_drill(lo, hi)))
        no_amount = int((m & np.isnan(w.amount)).sum())
        notes = [_note("dash.note.revenue")] + ([_note("dash.note.no_amount", n=no_amount)] if no_amount else [])
        panels["revenue_monthly"] = Exp(pts, {}, notes, _span(pv), ordered=False)
        return {"panels": panels, "period": _span(period), "messages": messages, "scope_note": scope_note,
                "documents": 0}  # fmt: skip

    # complaint reasons (top 10)
    pp = per("complaint_reasons")
    m = s & w.complaint & w.between(w.date, *pp)
    top = sorted(_counts(w.complaint_reason[m]).items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    panels["complaint_reasons"] = Exp(
        [_pt(k, n, count=n, drill=None if k == MISSING else _doc_drill(*pp)) for k, n in top],
        {"count": int(m.sum())}, [], _span(pp))  # fmt: skip

    # volume by register (months), channel (weeks), language
    pp = per("volume_register")
    m = s & regs & w.between(w.date, *pp)
    undated = int((s & regs & np.isnat(w.date)).sum())
    pts = month_points(m, w.register, pp)
    panels["volume_register"] = Exp(pts, {"count": float(sum(x[2] for x in pts))},
                                    [_note("dash.note.undated", n=undated)] if undated else [], _span(pp), False)  # fmt: skip
    pp = per("volume_channel")
    m = s & regs & w.between(w.date, *pp)
    pts = month_points(m, w.channel, pp, unit="week")
    panels["volume_channel"] = Exp(pts, {"count": float(sum(x[2] for x in pts))}, [], _span(pp), False)
    pp = per("volume_language")
    m = s & regs & w.between(w.date, *pp)
    top = sorted(_counts(w.language[m]).items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    panels["volume_language"] = Exp(
        [_pt(k, n, count=n, drill=None if k == MISSING else _doc_drill(*pp)) for k, n in top],
        {"count": int(m.sum())}, [], _span(pp))  # fmt: skip
    documents = int((s & regs & w.between(w.date, *period)).sum())

    # revenue: top customers per currency, per segment / account manager
    def revenue_slice(pp: tuple[dt.date, dt.date]) -> tuple[np.ndarray, list[tuple[str, tuple[tuple[str, Any], ...]]]]:
        m = s & _isin(w.register, ["invoice", "credit_note"]) & w.between(w.date, *pp)
        n = int((m & np.isnan(w.amount)).sum())
        return m, [_note("dash.note.revenue")] + ([_note("dash.note.no_amount", n=n)] if n else [])

    pp = per("revenue_top")
    m, notes = revenue_slice(pp)
    by_cust = money(m, lambda r: list(w.cids[r]))
    pts = []
    currencies = sorted({cur for _, cur in by_cust})
    for cur in currencies:
        rows_c = sorted(((c, v) for (c, k), v in by_cust.items() if k == cur), key=lambda kv: (-kv[1][0], kv[0]))
        for c, (rev, n) in rows_c[:TOP]:
            pts.append(_pt(c, rev, series=cur, count=n, label=names.get(c, c), drill=_doc_drill(*pp)))
    panels["revenue_top"] = Exp(pts, {"currencies": currencies}, notes, _span(pp))

    for key, attr in (("revenue_segment", "segment"), ("revenue_manager", "account_manager")):
        pp = per(key)
        m, notes = revenue_slice(pp)
        groups: dict[str, set[str]] = defaultdict(set)
        for c in customers:
            if c.get(attr):
                groups[c[attr]].add(c["customer_id"])
        res = money(m, lambda r, g=groups: [name for name, ids in g.items() if not ids.isdisjoint(w.cids[r])])
        pts = [_pt(g, rev, series=cur, count=n, drill=_doc_drill(*pp)) for (g, cur), (rev, n) in res.items()]
        pts.sort(key=lambda x: (x[1], -x[2], x[0]))
        panels[key] = Exp(pts, {}, notes, _span(pp))

    # complaint rate per customer (≥ 5 documents in the period)
    pp = per("complaint_rate_top")
    m = s & w.between(w.date, *pp)
    sel = m[w.ex_row]
    docs_c = Counter(w.ex_cid[sel])
    compl_c = Counter(w.ex_cid[sel & w.complaint[w.ex_row]])
    ranked = sorted(((c, compl_c[c], n) for c, n in docs_c.items() if n >= 5 and compl_c[c] > 0),
                    key=lambda t: (-Fraction(t[1], t[2]), -t[1], t[0]))[:TOP]  # fmt: skip
    panels["complaint_rate_top"] = Exp(
        [_pt(c, round(k / n, 4), count=k, of=n, label=names.get(c, c), drill=_doc_drill(*pp))
         for c, k, n in ranked], {}, [_note("dash.note.rate", n=5)], _span(pp))  # fmt: skip

    # quiet customers: no document dated in the last 90 days ("90d": today and the 89 days before)
    m = s & ~np.isnat(w.date)
    sel = m[w.ex_row]
    last: dict[str, dt.date] = {}
    for c, d in zip(w.ex_cid[sel], w.date[w.ex_row[sel]], strict=True):
        dd = _date(d)
        if c not in last or dd > last[c]:
            last[c] = dd
    since = today - dt.timedelta(days=89)
    quiet = []
    for c in customers:
        cid = c["customer_id"]
        seen = last.get(cid)
        if seen is None or seen < since:
            quiet.append((seen or dt.date.min, cid, names[cid], seen))
    quiet.sort()
    panels["quiet_customers"] = Exp(
        [_pt(cid, (today - seen).days if seen else -1.0, label=name, series=seen.isoformat() if seen else "",
             drill=("dossier", cid)) for _, cid, name, seen in quiet], {"count": len(quiet), "days": 90})  # fmt: skip

    # filing per week of indexing (Berlin weeks), ingest failures per week
    pp = per("filing_weekly")
    m = s & regs & w.between(w.idx_day, *pp)
    pts = month_points(m, w.filing, pp, fld="indexed", unit="week", arr=w.idx_week)
    n = sum(x[2] for x in pts)
    auto = sum(x[2] for x in pts if x[1] == "auto")
    review = sum(x[2] for x in pts if x[1] == "review")
    panels["filing_weekly"] = Exp(pts, {"count": float(n), "auto_rate": auto / n if n else None,
                                        "review_open": float(review)}, [], _span(pp), False)  # fmt: skip
    pp = per("ingest_failures")
    am = w.a_failed & _isin(w.a_tenant, list(p.tenants)) & w.between(w.a_day, *pp)
    if tenants:
        am &= _isin(w.a_tenant, list(tenants))
    by_week = Counter(_date(x) for x in _mondays(w.a_day[am]))
    wk, pts = _monday(pp[0]), []
    while wk <= pp[1]:
        pts.append(_pt(wk.isoformat(), by_week.get(wk, 0), count=by_week.get(wk, 0), drill=admin_drill))
        wk += dt.timedelta(weeks=1)
    panels["ingest_failures"] = Exp(pts, {"count": float(sum(by_week.values()))}, [], _span(pp))
    return {"panels": panels, "period": _span(period), "messages": messages, "scope_note": scope_note,
            "documents": documents}  # fmt: skip


# ============================================================================================== comparison


def _drill_sig(d: Any) -> tuple[Any, ...] | None:
    if d is None:
        return None
    if d.page == "dossier":
        return ("dossier", d.customer_id)
    if d.page == "status":
        return ("status",)
    return (d.date_field, d.date_from, d.date_to)


def _actual(panel: Any) -> Exp:
    pts = [(p.x, p.series, float(p.value), p.count, bool(p.flag), p.label, _drill_sig(p.drill), getattr(p, "of", None))
           for p in panel.points]  # fmt: skip
    notes = [_note(m.code, **dict(m.params)) for m in panel.notes]
    return Exp(pts, dict(panel.figures), notes, tuple(panel.period) if panel.period else None)


def _same(a: Any, b: Any, key: str = "") -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        tol = 0.0101 if key.startswith("revenue") else 1e-6 * max(1.0, abs(a), abs(b))
        return abs(float(a) - float(b)) <= tol
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y, key) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@dataclass
class Tally:
    cases: int = 0
    panels: int = 0
    points: int = 0
    figures: int = 0
    mismatches: list[str] = field(default_factory=list)


def compare(case: str, exp: dict[str, Any], got: Any, t: Tally) -> None:
    t.cases += 1

    def bad(msg: str) -> None:
        t.mismatches.append(f"[{case}] {msg}")

    if exp["period"] != tuple(got.period):
        bad(f"period: expected {exp['period']}, got {got.period}")
    msgs = sorted(_note(m.code, **dict(m.params)) for m in got.messages)
    if sorted(exp["messages"]) != msgs:
        bad(f"messages: expected {exp['messages']}, got {msgs}")
    note = _note(got.scope_note.code, **dict(got.scope_note.params)) if got.scope_note else None
    if note != exp["scope_note"]:
        bad(f"scope note: expected {exp['scope_note']}, got {note}")
    if exp["documents"] != got.documents:
        bad(f"documents: expected {exp['documents']}, got {got.documents}")
    if set(exp["panels"]) != set(got.panels):
        bad(f"panels: expected {sorted(exp['panels'])}, got {sorted(got.panels)}")
    for key, e in exp["panels"].items():
        if key not in got.panels:
            continue
        a = _actual(got.panels[key])
        t.panels += 1
        if e.period is not None and e.period != a.period:
            bad(f"{key}: period expected {e.period}, got {a.period}")
        if sorted(e.notes) != sorted(a.notes):
            bad(f"{key}: notes expected {e.notes}, got {a.notes}")
        for fk in sorted(set(e.figures) | set(a.figures)):
            t.figures += 1
            if fk not in e.figures or fk not in a.figures or not _same(e.figures[fk], a.figures[fk], key):
                bad(f"{key}: figure {fk} expected {e.figures.get(fk, '—')}, got {a.figures.get(fk, '—')}")
        t.points += max(len(e.points), len(a.points))
        if e.ordered:
            for i in range(max(len(e.points), len(a.points))):
                ep = e.points[i] if i < len(e.points) else None
                ap = a.points[i] if i < len(a.points) else None
                if ep is None or ap is None or not _same(ep, ap, key):
                    bad(f"{key}: point {i} expected {ep}, got {ap}")
        else:
            ed = {(x[0], x[1]): x for x in e.points}
            ad = {(x[0], x[1]): x for x in a.points}
            if len(ad) != len(a.points):
                bad(f"{key}: duplicate points")
            for k in sorted(set(ed) | set(ad)):
                if k not in ed or k not in ad or not _same(ed[k], ad[k], key):
                    bad(f"{key}: point {k} expected {ed.get(k)}, got {ad.get(k)}")
