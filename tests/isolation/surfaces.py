"""Every read surface of the product in one list, each a named callable ``(world, case) -> output``.

`covers` names what a surface exercises: a use case (``app.<module>.<function>``, the public functions whose
first parameters are ``ctx, principal``) or a URL rule of the combined Flask server (``METHOD /rule``).
`test_every_surface_has_a_case` enumerates the real ones and fails on any that is neither covered here nor in
`NOT_A_READ_SURFACE` — so a new use case or route cannot ship without an isolation case.

`shows` says what the output must contain besides "no leak" (so a broken surface cannot pass by showing
nothing): ``"all"`` every document (or customer, `kind="customers"`) the oracle allows, ``"some"`` at least one
of them when the oracle allows any, ``""`` nothing is required. `action="export"` judges by the export rule;
`needs` is the capability without which the surface must refuse (then nothing is required).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import AppError
from search.request import SearchRequest
from tests.isolation.world import CUSTOMER_IDS, DOC_BY_ID, DOCS, SHARED_WORD, Case, World, family_of

Run = Callable[[World, Case], Any]
DOC_IDS = tuple(d.doc_id for d in DOCS)


@dataclass(frozen=True)
class Surface:
    name: str
    run: Run
    covers: tuple[str, ...]
    shows: str = ""  # "all" | "some" | ""
    kind: str = "docs"  # what `shows` counts: "docs" | "customers"
    action: str = "read"  # the oracle's rule: "read" | "export"
    needs: str | None = None  # capability; without it the surface refuses and nothing is required
    verify: Callable[[World, Case, Any], None] | None = None  # an exact check of what sentinels cannot show
    door: str = ""  # "cockpit": needs a cockpit session — a principal without one (an API key) must get nothing


def guarded(fn: Callable[[], Any]) -> Any:
    """The output of a call, or the refusal it raised (refusals are outputs too: they must not leak)."""
    try:
        return fn()
    except AppError as exc:
        return exc


def per_doc(call: Callable[[str], Any]) -> Run:
    return lambda w, c: {d: guarded(lambda d=d: call(d)) for d in DOC_IDS}  # type: ignore[misc]


KW: dict[str, Any] = {"text": SHARED_WORD, "mode": "keyword"}

# ------------------------------------------------------------------------------------------------ use cases


def _search(**kw: Any) -> Run:
    from app import search as S

    return lambda w, c: guarded(lambda: S.search(w.ctx, c.principal, SearchRequest(size=50, **kw)))


def _facets(w: World, c: Case) -> Any:
    from app import search as S

    request = SearchRequest(size=0, facets=("register", "customer_ids", "tenant"), **KW)
    return guarded(lambda: S.search(w.ctx, c.principal, request).facets)


def _verify_facets(w: World, c: Case, out: Any) -> None:
    """Facet values are keys, not sentinels: their counts must be the oracle's, exactly."""
    from collections import Counter

    docs = [DOC_BY_ID[d] for d in c.expected().docs]
    want = {
        "register": Counter(d.register for d in docs),
        "customer_ids": Counter(x for d in docs for x in d.customers),
        "tenant": Counter(d.tenant for d in docs),
    }
    for facet, counts in want.items():
        got = {b.value: b.count for b in out.get(facet, [])}
        assert got == dict(counts), f"facet {facet} as {c.name}: {got} != oracle {dict(counts)}"


def _verify_counts(w: World, c: Case, out: Any) -> None:
    """The saved views' counts: the own tenant's view counts every permitted document (all carry the word)."""
    for tenant, view in w.views.items():
        got = out[f"count:{tenant}"]
        if isinstance(got, AppError):
            continue
        n = got.get(str(view.id))
        want = len([d for d in c.expected().docs if DOC_BY_ID[d].tenant == tenant])
        assert n == want or (want == 0 and n is None), f"count of {tenant}'s view as {c.name}: {n} != {want}"


def answers_exactly(kind: str = "docs") -> Callable[[World, Case, Any], None]:
    """A per-document (per-customer) surface answers exactly for what the oracle allows and refuses the rest."""

    def verify(w: World, c: Case, out: Any) -> None:
        answered = {k for k, v in out.items() if not isinstance(v, AppError)}
        want = c.expected().docs if kind == "docs" else c.expected().customers
        assert answered == set(want), f"answers as {c.name}: {sorted(answered)} != oracle {sorted(want)}"

    return verify


def _drift(w: World, c: Case) -> Any:
    from app import access

    return guarded(lambda: access.drift(w.ctx, c.principal))


def _export(w: World, c: Case) -> Any:
    from app import search as S

    return guarded(lambda: S.export(w.ctx, c.principal, SearchRequest(text="", mode="keyword")).rows)


def _similar(w: World, c: Case) -> Any:
    from app import documents

    return per_doc(lambda d: documents.similar(w.ctx, c.principal, d))(w, c)


def _doc_call(name: str) -> Run:
    def run(w: World, c: Case) -> Any:
        from app import documents

        fn = getattr(documents, name)
        return {d: guarded(lambda d=d: fn(w.ctx, c.principal, d)) for d in DOC_IDS}

    return run


def _dossier(w: World, c: Case) -> Any:
    from app.dossier import dossier

    return {x: guarded(lambda x=x: dossier(w.ctx, c.principal, x)) for x in CUSTOMER_IDS}


def _home(w: World, c: Case) -> Any:
    from app.dossier import home

    return guarded(lambda: home(w.ctx, c.principal))


def _suggest(w: World, c: Case) -> Any:
    from app import search as S

    return guarded(lambda: S.suggest_customers(w.ctx, c.principal, "Kunde", size=20))


def _labels(w: World, c: Case) -> Any:
    from app import search as S

    return guarded(lambda: S.customer_labels(w.ctx, c.principal, list(CUSTOMER_IDS)))


def _customers(w: World, c: Case) -> Any:
    from app import customers

    return {"lookup": guarded(lambda: customers.lookup(w.ctx, c.principal, name="Kunde", size=20)),
            **{x: guarded(lambda x=x: customers.get_customer(w.ctx, c.principal, x)) for x in CUSTOMER_IDS}}  # fmt: skip


def _views(w: World, c: Case) -> Any:
    """The tenant-shared views: listed, read, run (results), counted, the dossier buttons, the viewer's
    customers — both tenants' views asked for by every principal."""
    from app import views as V

    out: dict[str, Any] = {}
    for tenant, view in w.views.items():
        vid = str(view.id)
        out[f"get:{tenant}"] = guarded(lambda vid=vid: V.get_view(w.ctx, c.principal, vid))
        out[f"run:{tenant}"] = guarded(lambda vid=vid: V.run_view(w.ctx, c.principal, vid, size=50))
        out[f"count:{tenant}"] = guarded(lambda view=view: V.count_views(w.ctx, c.principal, [view]))
    out["list"] = guarded(lambda: V.list_views(w.ctx, c.principal))
    out["sections"] = guarded(lambda: V.sections_with_counts(w.ctx, c.principal))
    out["mine"] = guarded(lambda: V.my_customers(w.ctx, c.principal))
    for x in CUSTOMER_IDS:
        out[f"buttons:{x}"] = guarded(lambda x=x: V.dossier_view_buttons(w.ctx, c.principal, x))
    return out


def _matching(w: World, c: Case) -> Any:
    """notifications.matching as the worker runs it after an ingest, with this principal as the only subscriber
    the directory knows; then the principal's inbox and subscriptions."""
    from app import notifications as N
    from notifications.matching import match_new_documents

    report = match_new_documents(w.ctx.search, w.ctx.store, list(DOC_IDS), dt.datetime.now(dt.UTC),
                                 lambda login: c.principal if login == c.principal.login else None)  # fmt: skip
    w.ctx.store.refresh("notifications")
    view = w.views[sorted(c.principal.tenants)[0]]
    return {"report": report, "inbox": guarded(lambda: N.notifications(w.ctx, c.principal, size=50)),
            "unread": guarded(lambda: N.unread_count(w.ctx, c.principal)),
            "subs": guarded(lambda: N.list_subscriptions(w.ctx, c.principal)),
            "sub": guarded(lambda: N.subscription_for(w.ctx, c.principal, str(view.id)))}  # fmt: skip


def _dashboards(w: World, c: Case) -> Any:
    from app import dashboards
    from app.dashboard_model import DashboardRequest

    return {"all": guarded(lambda: dashboards.dashboard(w.ctx, c.principal, DashboardRequest())),
            **{x: guarded(lambda x=x: dashboards.customer_dashboard(w.ctx, c.principal, x)) for x in CUSTOMER_IDS}}  # fmt: skip


def _history(w: World, c: Case) -> Any:
    from app.audit_read import document_history

    return {d: guarded(lambda d=d: document_history(w.ctx, c.principal, d)) for d in DOC_IDS}


def _audit_trail(w: World, c: Case) -> Any:
    from app.audit_read import AuditQuery, trail, trail_csv
    from app.audit_verify import verify_trail

    return {"page": guarded(lambda: trail(w.ctx, c.principal, AuditQuery())),
            "csv": guarded(lambda: b"".join(trail_csv(w.ctx, c.principal, AuditQuery()))),
            "verify": guarded(lambda: verify_trail(w.ctx, c.principal))}  # fmt: skip


def _review(w: World, c: Case) -> Any:
    from app.review import review_queue

    return guarded(lambda: review_queue(w.ctx, c.principal, size=50))


def _grants_on_dossier(w: World, c: Case) -> Any:
    """Who holds what on a dossier (a grant's label is the customer's name)."""
    from app import grants

    return {x: guarded(lambda x=x: grants.on_dossier(w.ctx, c.principal, x)) for x in CUSTOMER_IDS}


def _grants_on_document(w: World, c: Case) -> Any:
    """Who holds what on a document, by its family (a grant's label is the document's title)."""
    from app import grants

    return {d: guarded(lambda d=d: grants.on_document(w.ctx, c.principal, family_of(DOC_BY_ID[d]))) for d in DOC_IDS}


def _grants_on_document_id(w: World, c: Case) -> Any:
    """Who holds what on a document, by its id (checks that the principal may read it)."""
    from app import grants

    return {d: guarded(lambda d=d: grants.on_document_id(w.ctx, c.principal, d)) for d in DOC_IDS}


def _confidentiality(w: World, c: Case) -> Any:
    from app import confidential

    return {d: guarded(lambda d=d: confidential.of_document(w.ctx, c.principal, d)) for d in DOC_IDS}


def _compliance(w: World, c: Case) -> Any:
    """Retention report, settled delivery notes, legal holds (their records name documents)."""
    from app import holds, retention

    out: dict[str, Any] = {
        "report": guarded(lambda: retention.report(w.ctx, c.principal, months=1200)),
        "holds": guarded(lambda: holds.list_holds(w.ctx, c.principal, include_lifted=True)),
        "tenants": guarded(lambda: holds.tenants_of(w.ctx, c.principal)),
    }
    for t in ("nord", "sued"):
        out[f"settled:{t}"] = guarded(
            lambda t=t: retention.settled_delivery_notes(w.ctx, c.principal, t, dt.date.today(), w.ctx.retention)
        )
    return out


def _misc(w: World, c: Case) -> Any:
    """Small reads of the principal's own settings: fileable registers, digest subscription."""
    from app import access, digests

    return {t: guarded(lambda t=t: access.fileable_registers(w.ctx, c.principal, t)) for t in ("nord", "sued")} | {
        "digest": guarded(lambda: digests.digest_subscription(w.ctx, c.principal))
    }


def _intake(w: World, c: Case) -> Any:
    """Job records (who sent which file): recent jobs, one job, the queue."""
    from app import intake

    return {"recent": guarded(lambda: intake.recent(w.ctx, c.principal)),
            "job": guarded(lambda: intake.job(w.ctx, c.principal, "0" * 32)),
            "jobs": guarded(lambda: intake.jobs(w.ctx, c.principal, ["0" * 32])),
            "queue": guarded(lambda: intake.queue_status(w.ctx, c.principal))}  # fmt: skip


# ------------------------------------------------------------------------------------------------ HTTP


def _api_get(path: str) -> Callable[[World, Case], Any]:
    """GET an API path with the case's key, or its cockpit session."""

    def run(w: World, c: Case) -> Any:
        if c.token is not None:
            resp = w.app.server.test_client().get(path, headers={"Authorization": f"Bearer {c.token}"})
        else:
            resp = w.session(c).client.get(path)
        return {"status": resp.status_code, "body": resp.get_data()}

    return run


def _api(path: str) -> Run:
    return lambda w, c: _api_get(path)(w, c)


def _api_per_doc(template: str) -> Run:
    return lambda w, c: {d: _api_get(template.format(d))(w, c) for d in DOC_IDS}


def _api_per_customer(template: str) -> Run:
    return lambda w, c: {x: _api_get(template.format(x))(w, c) for x in CUSTOMER_IDS}


def _api_views(w: World, c: Case) -> Any:
    return {"list": _api_get("/api/v1/views")(w, c),
            **{t: _api_get(f"/api/v1/views/{v.id}/results?size=50")(w, c) for t, v in w.views.items()}}  # fmt: skip


def _page(url: str) -> Callable[[World, Case], Any]:
    """A cockpit page as the browser asks for it (the pages router callback). An API key has no session: its
    request is sent with the key and must get nothing."""

    def run(w: World, c: Case) -> Any:
        s = w.session(c)
        if s is None:
            from cockpit.dashclient import DashClient

            anon = DashClient(w.app)
            anon.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {c.token}"
            try:
                return anon.page(url)
            except AssertionError as exc:  # refused (not logged in)
                return str(exc)
        return s.page(url)

    return run


def _pages_per_doc(w: World, c: Case) -> Any:
    return {d: _page(f"/document/{d}")(w, c) for d in DOC_IDS}


def _pages_per_case(w: World, c: Case) -> Any:
    return {d: _page(f"/fall/{cid}")(w, c) for d, cid in w.case_ids.items()}


def _pages_per_customer(w: World, c: Case) -> Any:
    return {x: _page(f"/dossier/{x}")(w, c) for x in CUSTOMER_IDS}


def _cockpit_original(w: World, c: Case) -> Any:
    out = {}
    for d in DOC_IDS:
        if c.token is not None:
            resp = w.app.server.test_client().get(f"/original/{d}", headers={"Authorization": f"Bearer {c.token}"})
        else:
            resp = w.session(c).client.get(f"/original/{d}")
        out[d] = {"status": resp.status_code, "body": resp.get_data()}
    return out


def _cockpit_shell(w: World, c: Case) -> Any:
    """The Dash shell: index HTML, layout, dependencies (no data may be in them)."""
    out = {}
    for path in ("/", "/search?q=Pumpe", "/_dash-layout", "/_dash-dependencies"):
        if c.token is not None:
            resp = w.app.server.test_client().get(path, headers={"Authorization": f"Bearer {c.token}"})
        else:
            resp = w.session(c).client.get(path)
        out[path] = {"status": resp.status_code, "body": resp.get_data()}
    return out


def cockpit_surface(name: str, run: Run, covers: tuple[str, ...], **kw: Any) -> Surface:
    return Surface(name, run, covers, door="cockpit", **kw)


def _cases(w: World, c: Case) -> Any:
    """A case's detail, my tasks, the department queues and the cases of every document, as this principal."""
    from app import cases

    return {
        "detail": {
            d: guarded(lambda cid=cid: cases.get_case(w.ctx, c.principal, cid)) for d, cid in w.case_ids.items()
        },
        "mine": guarded(lambda: cases.my_tasks(w.ctx, c.principal)),
        "queues": {q: guarded(lambda q=q: cases.queue(w.ctx, c.principal, q)) for q in ("", "vertrieb-nord")},
        "of_document": per_doc(lambda d: cases.cases_of_document(w.ctx, c.principal, d))(w, c),
    }


def _case_documents(w: World, c: Case) -> Any:
    """The documents of every case (titles, customers: the task list and the case page), as this principal."""
    from app import cases
    from app.case_views import case_documents
    from domain.principal import Principal

    found = [cases.get_case(w.ctx, Principal.system(), cid) for cid in w.case_ids.values()]
    return guarded(lambda: case_documents(w.ctx, c.principal, found))


def _verify_cases(w: World, c: Case, out: Any) -> None:
    """Cases carry ids, not sentinels: every case shown must have a document the oracle lets this principal read,
    and a case on a readable document must be found."""
    from app.cases import Case as CaseRecord

    allowed = c.expected().docs
    found: list[Any] = []

    def walk(x: Any) -> None:
        if isinstance(x, CaseRecord):
            found.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)

    walk(out)
    for case in found:
        assert set(case.doc_ids) & allowed, f"case {case.case_id} ({case.doc_ids}) shown to {c.name}"
    for doc, cid in w.case_ids.items():
        shown = isinstance(out["detail"][doc], CaseRecord)
        assert shown == (doc in allowed), f"case on {doc} for {c.name}: shown={shown}"


# --- cases and resubmissions beyond the detail (work queue, dossier cases, resubmissions), use cases and API


def _records(out: Any, kind: type) -> list[Any]:
    """Every `kind` dataclass anywhere in an output."""
    if isinstance(out, kind):
        return [out]
    if isinstance(out, dict):
        return [r for v in out.values() for r in _records(v, kind)]
    if isinstance(out, list | tuple):
        return [r for v in out for r in _records(v, kind)]
    return []


def _readable_cases(w: World, c: Case, customer: str | None = None) -> set[str]:
    """The world's cases this principal may see (the oracle: one of its documents readable)."""
    allowed = c.expected().docs
    return {cid for d, cid in w.case_ids.items() if d in allowed and customer in (None, *DOC_BY_ID[d].customers)}


def _case_lists(w: World, c: Case) -> Any:
    """The work queue, the queue of the world's cases' team, the cases of every dossier (open ones and all) and
    the raw case records, as this principal."""
    from app import cases

    return {
        "work_queue": guarded(lambda: cases.work_queue(w.ctx, c.principal)),
        "queue": guarded(lambda: cases.queue(w.ctx, c.principal, "kundenservice-nord")),
        "of_customer": {x: guarded(lambda x=x: cases.cases_of_customer(w.ctx, c.principal, x)) for x in CUSTOMER_IDS},
        "of_customer_all": {
            x: guarded(lambda x=x: cases.cases_of_customer(w.ctx, c.principal, x, open_only=False))
            for x in CUSTOMER_IDS
        },
        "hits": {d: guarded(lambda cid=cid: cases.case_hit(w.ctx, c.principal, cid)) for d, cid in w.case_ids.items()},
    }


def _verify_case_lists(w: World, c: Case, out: Any) -> None:
    from app.cases import Case as CaseRecord

    allowed = c.expected().docs
    for case in _records(out, CaseRecord):
        assert set(case.doc_ids) & allowed, f"case {case.case_id} ({case.doc_ids}) shown to {c.name}"
    for key in ("of_customer", "of_customer_all"):
        for x in CUSTOMER_IDS:
            got = {case.case_id for case in _records(out[key][x], CaseRecord)}
            assert got == _readable_cases(w, c, x), f"{key} {x} as {c.name}: {got}"
    for doc, cid in w.case_ids.items():
        hit = out["hits"][doc]
        shown = isinstance(hit, dict) and str(hit.get("_id")) == cid
        assert shown == (doc in allowed), f"case record on {doc} for {c.name}: shown={shown}"
    if getattr(c.principal, "department", None) == "kundenservice-nord":  # the team's members: every case they see
        for key in ("work_queue", "queue"):
            got = {case.case_id for case in _records(out[key], CaseRecord)}
            assert got == _readable_cases(w, c), f"{key} as {c.name}: {got}"


def _resubmissions(w: World, c: Case) -> Any:
    """The principal's resubmissions, and those of each document and each case."""
    from app import resubmissions as R

    return {
        "mine": guarded(lambda: R.mine(w.ctx, c.principal)),
        "of_doc": per_doc(lambda d: R.of_target(w.ctx, c.principal, doc_id=d))(w, c),
        "of_case": {
            d: guarded(lambda cid=cid: R.of_target(w.ctx, c.principal, case_id=cid)) for d, cid in w.case_ids.items()
        },
    }


def _own_resubmissions(w: World, c: Case) -> set[str]:
    return {rid for rid, login in w.resubmission_ids.items() if login == c.principal.login}


def _verify_resubmissions(w: World, c: Case, out: Any) -> None:
    """Each shown is the principal's own, on a document it may read; `mine` is exactly what the world set for
    it (an API key: none)."""
    from app.resubmissions import Resubmission

    allowed = c.expected().docs
    for r in _records(out, Resubmission):
        assert r.doc_id in allowed and r.owner == c.principal.login, f"resubmission {r} shown to {c.name}"
    got = {r.id for r in _records(out["mine"], Resubmission)}
    assert got == _own_resubmissions(w, c), f"resubmissions of {c.name}: {sorted(got)}"


def _api_json(w: World, c: Case, path: str) -> Any:
    """The JSON body of a GET (its status when it is no success)."""
    import json

    resp = _api_get(path)(w, c)
    return json.loads(resp["body"]) if resp["status"] == 200 else resp["status"]


def _api_cases(w: World, c: Case) -> Any:
    out: dict[str, Any] = {
        "mine": _api_json(w, c, "/api/v1/cases/mine"),
        "queue": _api_json(w, c, "/api/v1/cases/queue"),
        "detail": {d: _api_json(w, c, f"/api/v1/cases/{cid}") for d, cid in w.case_ids.items()},
        "of_document": {d: _api_json(w, c, f"/api/v1/documents/{d}/cases?all=true") for d in DOC_IDS},
    }
    for x in CUSTOMER_IDS:
        out[f"of_customer:{x}"] = _api_json(w, c, f"/api/v1/customers/{x}/cases")
        out[f"of_customer_all:{x}"] = _api_json(w, c, f"/api/v1/customers/{x}/cases?all=true")
    return out


def _verify_api_cases(w: World, c: Case, out: Any) -> None:
    """Cases carry ids, not sentinels: every case in an answer has a readable document; a case's detail is
    answered exactly for the readable ones (else 404); the dossiers list exactly the readable cases."""
    allowed = c.expected().docs
    listed = [case for v in out.values() if isinstance(v, dict) for case in v.get("cases", [])]
    shown = [*listed, *[v for v in out["detail"].values() if isinstance(v, dict)]]
    for case in shown:
        assert set(case["doc_ids"]) & allowed, f"case {case['id']} ({case['doc_ids']}) shown to {c.name}"
    for doc, cid in w.case_ids.items():
        answer = out["detail"][doc]
        assert (answer == 404) == (doc not in allowed), f"API case on {doc} for {c.name}: {answer!r:.200}"
    for x in CUSTOMER_IDS:
        for key in (f"of_customer:{x}", f"of_customer_all:{x}"):
            got = {case["id"] for case in out[key]["cases"]}
            assert got == _readable_cases(w, c, x), f"API {key} as {c.name}: {got}"


def _api_resubmissions(w: World, c: Case) -> Any:
    return {
        "mine": _api_json(w, c, "/api/v1/resubmissions"),
        "of_doc": {d: _api_json(w, c, f"/api/v1/resubmissions?doc_id={d}") for d in DOC_IDS},
        "of_case": {d: _api_json(w, c, f"/api/v1/resubmissions?case_id={cid}") for d, cid in w.case_ids.items()},
    }


def _verify_api_resubmissions(w: World, c: Case, out: Any) -> None:
    allowed = c.expected().docs
    answers = [out["mine"], *out["of_doc"].values(), *out["of_case"].values()]
    for answer in answers:
        for r in answer["resubmissions"]:
            assert r["doc_id"] in allowed and r["owner"] == c.principal.login, f"resubmission {r} shown to {c.name}"
    got = {r["id"] for r in out["mine"]["resubmissions"]}
    assert got == _own_resubmissions(w, c), f"API resubmissions of {c.name}: {sorted(got)}"


SURFACES: tuple[Surface, ...] = (
    # --- use cases
    Surface(
        "cases",
        _cases,
        ("app.cases.get_case", "app.cases.my_tasks", "app.cases.queue", "app.cases.cases_of_document"),
        verify=_verify_cases,
    ),  # fmt: skip
    Surface("case documents", _case_documents, ("app.case_views.case_documents",)),
    Surface("keyword search", _search(**KW), ("app.search.search",), shows="all"),
    Surface("browse (empty query)", _search(text="", mode="keyword"), ("app.search.search",), shows="all"),
    Surface(
        "hybrid/kNN search",
        _search(text=f"{SHARED_WORD} Lieferung Schrauben", mode="hybrid"),
        ("app.search.search",),
        shows="some",
    ),  # fmt: skip
    Surface(
        "semantic search", _search(text="Lieferung Schrauben", mode="semantic"), ("app.search.search",), shows="some"
    ),  # fmt: skip
    Surface("facets", _facets, ("app.search.search",), verify=_verify_facets),
    Surface("grouped by customer", _search(**KW, group_by="customer"), ("app.search.search",), shows="some"),
    Surface("grouped by register", _search(**KW, group_by="register"), ("app.search.search",), shows="some"),
    Surface("similar documents", _similar, ("app.documents.similar",)),
    Surface(
        "document detail", _doc_call("document"), ("app.documents.document",), shows="all", verify=answers_exactly()
    ),
    Surface(
        "original download", _doc_call("original"), ("app.documents.original",), shows="all", verify=answers_exactly()
    ),  # fmt: skip
    Surface("passages", _doc_call("passages"), ("app.documents.passages",), shows="all", verify=answers_exactly()),
    Surface("export", _export, ("app.search.export",), shows="all", action="export", needs="export"),
    Surface(
        "dossier cover",
        _dossier,
        ("app.dossier.dossier",),
        shows="all",
        kind="customers",
        verify=answers_exactly("customers"),
    ),  # fmt: skip
    Surface("home page data", _home, ("app.dossier.home",), shows="some"),
    Surface("customer suggestions", _suggest, ("app.search.suggest_customers",), shows="all", kind="customers"),
    Surface("customer labels", _labels, ("app.search.customer_labels",), shows="all", kind="customers"),
    Surface(
        "customer master data",
        _customers,
        ("app.customers.lookup", "app.customers.get_customer"),
        shows="all",
        kind="customers",
    ),  # fmt: skip
    Surface(
        "saved views",
        _views,
        (
            "app.views.get_view",
            "app.views.run_view",
            "app.views.count_views",
            "app.views.list_views",
            "app.views.sections_with_counts",
            "app.views.my_customers",
            "app.views.dossier_view_buttons",
        ),
        shows="all",
        verify=_verify_counts,
    ),  # fmt: skip
    Surface(
        "notification matching + inbox",
        _matching,
        (
            "app.notifications.notifications",
            "app.notifications.unread_count",
            "app.notifications.list_subscriptions",
            "app.notifications.subscription_for",
        ),
        shows="all",
    ),  # fmt: skip
    Surface("dashboards", _dashboards, ("app.dashboards.dashboard", "app.dashboards.customer_dashboard")),
    Surface(
        "document history", _history, ("app.audit_read.document_history",), needs="history", verify=answers_exactly()
    ),  # fmt: skip
    Surface(
        "audit trail",
        _audit_trail,
        ("app.audit_read.trail", "app.audit_read.trail_csv", "app.audit_verify.verify_trail"),
    ),  # fmt: skip
    Surface("review queue", _review, ("app.review.review_queue",)),
    Surface(
        "grants on a dossier", _grants_on_dossier, ("app.grants.on_dossier",), verify=answers_exactly("customers")
    ),  # fmt: skip
    Surface("grants on a document", _grants_on_document, ("app.grants.on_document",)),
    Surface(
        "grants on a document by id", _grants_on_document_id, ("app.grants.on_document_id",), verify=answers_exactly()
    ),  # fmt: skip
    Surface(
        "confidentiality of a document", _confidentiality, ("app.confidential.of_document",), verify=answers_exactly()
    ),  # fmt: skip
    Surface("permission drift", _drift, ("app.access.drift",), needs="master_data"),
    Surface(
        "retention and holds",
        _compliance,
        (
            "app.retention.report",
            "app.retention.settled_delivery_notes",
            "app.holds.list_holds",
            "app.holds.tenants_of",
        ),
    ),  # fmt: skip
    Surface("own settings", _misc, ("app.access.fileable_registers", "app.digests.digest_subscription")),
    Surface(
        "intake jobs", _intake, ("app.intake.recent", "app.intake.job", "app.intake.jobs", "app.intake.queue_status")
    ),  # fmt: skip
    # --- REST API (an API key, or the cockpit session)
    Surface("API search", _api("/api/v1/search?q=Pumpe&mode=keyword&size=50"), ("GET /api/v1/search",), shows="all"),
    Surface(
        "API hybrid search", _api("/api/v1/search?q=Pumpe+Lieferung&size=50"), ("GET /api/v1/search",), shows="some"
    ),  # fmt: skip
    Surface(
        "API grouped search",
        _api("/api/v1/search?q=Pumpe&mode=keyword&group=customer"),
        ("GET /api/v1/search",),
        shows="some",
    ),  # fmt: skip
    Surface(
        "API export",
        _api("/api/v1/export?format=json&mode=keyword"),
        ("GET /api/v1/export",),
        shows="all",
        action="export",
        needs="export",
    ),  # fmt: skip
    Surface(
        "API customers", _api("/api/v1/customers?name=Kunde"), ("GET /api/v1/customers",), shows="all", kind="customers"
    ),  # fmt: skip
    Surface(
        "API customer",
        _api_per_customer("/api/v1/customers/{}"),
        ("GET /api/v1/customers/<customer_id>",),
        shows="all",
        kind="customers",
    ),  # fmt: skip
    Surface(
        "API dossier",
        _api_per_customer("/api/v1/customers/{}/dossier"),
        ("GET /api/v1/customers/<customer_id>/dossier",),
        shows="all",
        kind="customers",
    ),  # fmt: skip
    Surface("API document", _api_per_doc("/api/v1/documents/{}"), ("GET /api/v1/documents/<doc_id>",), shows="all"),
    Surface(
        "API text", _api_per_doc("/api/v1/documents/{}/text"), ("GET /api/v1/documents/<doc_id>/text",), shows="all"
    ),  # fmt: skip
    Surface(
        "API passages",
        _api_per_doc("/api/v1/documents/{}/passages"),
        ("GET /api/v1/documents/<doc_id>/passages",),
        shows="all",
    ),  # fmt: skip
    Surface(
        "API original",
        _api_per_doc("/api/v1/documents/{}/original"),
        ("GET /api/v1/documents/<doc_id>/original",),
        shows="all",
    ),  # fmt: skip
    Surface("API similar", _api_per_doc("/api/v1/documents/{}/similar"), ("GET /api/v1/documents/<doc_id>/similar",)),
    Surface("API views", _api_views, ("GET /api/v1/views", "GET /api/v1/views/<view_id>/results"), shows="all"),
    Surface(
        "API grants on a dossier",
        _api_per_customer("/api/v1/customers/{}/grants"),
        ("GET /api/v1/customers/<customer_id>/grants",),
    ),  # fmt: skip
    Surface(
        "API grants on a document",
        _api_per_doc("/api/v1/documents/{}/grants"),
        ("GET /api/v1/documents/<doc_id>/grants",),
    ),  # fmt: skip
    Surface("API notifications", _api("/api/v1/notifications?size=50"), ("GET /api/v1/notifications",)),
    Surface(
        "API audit",
        lambda w, c: {"page": _api_get("/api/v1/audit")(w, c), "csv": _api_get("/api/v1/audit.csv")(w, c)},
        ("GET /api/v1/audit", "GET /api/v1/audit.csv"),
    ),  # fmt: skip
    Surface("API retention report", _api("/api/v1/retention/report?months=1200"), ("GET /api/v1/retention/report",)),
    Surface("API holds", _api("/api/v1/holds"), ("GET /api/v1/holds",)),
    # --- cases and resubmissions (use cases and API)
    Surface(
        "case lists",
        _case_lists,
        ("app.cases.work_queue", "app.cases.queue", "app.cases.cases_of_customer", "app.cases.case_hit"),
        verify=_verify_case_lists,
    ),  # fmt: skip
    Surface(
        "resubmissions",
        _resubmissions,
        ("app.resubmissions.mine", "app.resubmissions.of_target"),
        verify=_verify_resubmissions,
    ),  # fmt: skip
    Surface(
        "API cases",
        _api_cases,
        (
            "GET /api/v1/cases/mine",
            "GET /api/v1/cases/queue",
            "GET /api/v1/cases/<case_id>",
            "GET /api/v1/documents/<doc_id>/cases",
            "GET /api/v1/customers/<customer_id>/cases",
        ),
        verify=_verify_api_cases,
    ),  # fmt: skip
    Surface("API resubmissions", _api_resubmissions, ("GET /api/v1/resubmissions",), verify=_verify_api_resubmissions),
    # --- cockpit (Dash pages through the router callback, and the plain Flask routes)
    cockpit_surface(
        "cockpit /search", _page("/search?q=Pumpe&mode=keyword"), ("POST /_dash-update-component",), shows="all"
    ),
    cockpit_surface(
        "cockpit /search grouped",
        _page("/search?q=Pumpe&mode=keyword&group=customer"),
        ("POST /_dash-update-component",),
        shows="some",
    ),  # fmt: skip
    cockpit_surface("cockpit /document/<id>", _pages_per_doc, ("POST /_dash-update-component",), shows="all"),
    cockpit_surface(
        "cockpit /dossier/<id>", _pages_per_customer, ("POST /_dash-update-component",), shows="all", kind="customers"
    ),  # fmt: skip
    cockpit_surface("cockpit / (home)", _page("/"), ("POST /_dash-update-component",), shows="some"),
    cockpit_surface("cockpit /review", _page("/review"), ("POST /_dash-update-component",)),
    cockpit_surface("cockpit /inbox", _page("/inbox"), ("POST /_dash-update-component",)),
    cockpit_surface("cockpit /aufgaben", _page("/aufgaben"), ("POST /_dash-update-component",)),
    cockpit_surface("cockpit /fall/<id>", _pages_per_case, ("POST /_dash-update-component",)),
    cockpit_surface("cockpit /views", _page("/views"), ("POST /_dash-update-component",)),
    cockpit_surface("cockpit original", _cockpit_original, ("GET /original/<path:doc_id>",), shows="all"),
    cockpit_surface(
        "cockpit shell", _cockpit_shell, ("GET /", "GET /<path:path>", "GET /_dash-layout", "GET /_dash-dependencies")
    ),  # fmt: skip
)

# Real surfaces that are no read surface, each with its reason. Keep it small and honest: a read belongs above.
NOT_A_READ_SURFACE: dict[str, str] = {
    "app.cases.open_case": "write: opens a case (used to build this world); its read is the document check",
    # working a case: each reads the case through app.cases.case_hit (covered above), then writes it
    "app.case_work.claim": "write: claims the current step of a case the principal may see (case_hit's check)",
    "app.case_work.give_back": "write: puts a case back into its queue (case_hit's check)",
    "app.case_work.hand_over": "write: gives the step to a colleague (case_hit's check; the colleague's access checked)",
    "app.case_work.complete_step": "write: completes a step of a case the principal may see (case_hit's check)",
    "app.case_work.comment": "write: a comment in a case's protocol (case_hit's check)",
    "app.case_work.add_document": "write: adds a document the principal may read to a case (case_hit's check)",
    "app.case_work.attach_document": "write: adds a document hit to a case hit its callers read with their checks",
    "app.case_work.reopen": "write: reopens a closed case (case_hit's check)",
    "app.resubmissions.create": "write: sets a resubmission (used to build this world; document/case checks)",
    "app.resubmissions.done": "write: marks one's own resubmission done, returns a flag",
    # writes (what they return is the record they were given, or a count); their reads go through the surfaces above
    "app.confidential.mark": "write: marks a document confidential",
    "app.confidential.lift": "write: lifts the marking",
    "app.grants.give": "write: gives a grant (used to build this world)",
    "app.grants.revoke": "write: revokes a grant (used to build this world)",
    "app.grants.attach": "builds the principal (its grants); every grant case here goes through it",
    "app.customers.upsert": "write: master data batch; returns ids of the caller's own rows",
    "app.digests.subscribe_digest": "write: the weekly digest subscription",
    "app.digests.unsubscribe_digest": "write",
    "app.disposal.dispose": "write: a disposal run (deletes documents)",
    "app.disposal.read_certificate": "reads a disposal run's certificate: no run exists in this world (a write); "
    "tested in tests/integration/test_retention.py",
    "app.holds.set_hold": "write: a legal hold",
    "app.holds.lift_hold": "write",
    "app.retention.set_contract_end": "write: a contract's end date",
    "app.intake.prepare": "write: validates and stores an upload",
    "app.intake.submit": "write: queues an upload",
    "app.intake.submit_bulk": "write: queues uploads",
    "app.intake.retry": "write: re-queues a failed job",
    "app.notifications.subscribe": "write (used to build this world)",
    "app.notifications.unsubscribe": "write",
    "app.notifications.mark_read": "write: marks notifications read, returns a count",
    "app.review.assign_review": "write: files a review document",
    "app.views.create_view": "write (used to build this world)",
    "app.views.update_view": "write",
    "app.views.delete_view": "write",
    "app.views.save_view_from_search": "write",
    "app.access.apply_table": "write: rewrites documents' read/export groups (its read part is app.access.drift)",
    "app.access.refused": "write: the audit entry of a refusal",
    "app.access.refused_customer": "write: the audit entry of a refusal",
    "app.access.refused_document": "write: the audit entry of a refusal",
    # HTTP writes
    "POST /api/v1/customers": "write: master data upsert (app.customers.upsert)",
    "POST /api/v1/documents": "write: push a document (app.intake.submit)",
    "POST /api/v1/disposal-runs": "write: a disposal run",
    "GET /api/v1/disposal-runs/<run_id>/certificate": "see app.disposal.read_certificate",
    "PUT /api/v1/documents/<doc_id>/contract-end": "write",
    "POST /api/v1/holds": "write",
    "DELETE /api/v1/holds/<hold_id>": "write",
    "POST /api/v1/notifications/read": "write",
    "POST /api/v1/grants": "write: gives a grant (app.grants.give)",
    "DELETE /api/v1/grants/<grant_id>": "write: revokes a grant (app.grants.revoke)",
    "PUT /api/v1/documents/<doc_id>/confidential": "write: marks a document confidential (app.confidential.mark)",
    "DELETE /api/v1/documents/<doc_id>/confidential": "write: lifts the marking (app.confidential.lift)",
    "POST /api/v1/cases": "write: opens a case on a readable document (app.cases.open_case)",
    "POST /api/v1/cases/<case_id>/claim": "write: app.case_work.claim",
    "POST /api/v1/cases/<case_id>/release": "write: app.case_work.give_back",
    "POST /api/v1/cases/<case_id>/handover": "write: app.case_work.hand_over",
    "POST /api/v1/cases/<case_id>/complete": "write: app.case_work.complete_step",
    "POST /api/v1/cases/<case_id>/comments": "write: app.case_work.comment",
    "POST /api/v1/cases/<case_id>/documents": "write: app.case_work.add_document",
    "POST /api/v1/cases/<case_id>/reopen": "write: app.case_work.reopen",
    "POST /api/v1/resubmissions": "write: app.resubmissions.create",
    "POST /api/v1/resubmissions/<resubmission_id>/done": "write: app.resubmissions.done",
    "GET /api/v1/jobs/<job_id>": "a job record of the caller's own upload (app.intake.job, covered above)",
    # no data: the door itself, static files, documentation
    "GET /login": "the login form",
    "POST /login": "login",
    "POST /logout": "logout",
    "GET /lang/<code>": "sets the language cookie",
    "GET /healthz": "liveness, no data",
    "GET /_favicon.ico": "static",
    "GET /_reload-hash": "Dash hot reload (off), no data",
    "GET /_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "static JavaScript",
    "GET /assets/<path:filename>": "static",
    "GET /static/<path:filename>": "static",
    "GET /vendor/<path:name>": "static",
    "GET /api/v1/": "API documentation page",
    "GET /api/v1/openapi.json": "API description, no data",
    "GET /api/v1/oauth2-redirect.html": "API documentation",
    "GET /api/v1/swagger": "API documentation",
    "GET /api/v1/swagger/<path:filename>": "API documentation (static)",
    "GET /api/v1/static/<path:filename>": "API documentation (static)",
    "GET /api/v1/<path:rest>": "unknown API path: a 404 problem",
}
