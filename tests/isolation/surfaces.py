"""Every read surface of the product in one list, each a named callable ``(world, case) -> output``.

`covers` names what a surface exercises: a use case (``app.<module>.<function>``, the public functions whose
first parameters are ``ctx, principal``) or a URL rule of the combined Flask server (``METHOD /rule``).
`test_every_surface_has_a_case` enumerates the real ones and fails on any that is neither covered here nor in
`NOT_A_READ_SURFACE` (tests/isolation/not_read.py) — so a new use case or route cannot ship without an isolation
case. The pieces are in `surface_kit`, the surfaces of cases and resubmissions in `surfaces_cases`.

`shows` says what the output must contain besides "no leak" (so a broken surface cannot pass by showing
nothing): ``"all"`` every document (or customer, `kind="customers"`) the oracle allows, ``"some"`` at least one
of them when the oracle allows any, ``""`` nothing is required. `action="export"` judges by the export rule;
`needs` is the capability without which the surface must refuse (then nothing is required).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from domain.errors import AppError
from search.request import SearchRequest
from tests.isolation.surface_kit import (
    DOC_IDS,
    Run,
    Surface,
    _api,
    _api_get,
    _api_per_customer,
    _api_per_doc,
    _api_views,
    _cockpit_original,
    _cockpit_shell,
    _page,
    _pages_per_case,
    _pages_per_customer,
    _pages_per_doc,
    cockpit_surface,
    guarded,
    per_doc,
)  # fmt: skip
from tests.isolation.surfaces_cases import (
    _api_cases,
    _api_resubmissions,
    _case_documents,
    _case_lists,
    _cases,
    _resubmissions,
    _verify_api_cases,
    _verify_api_resubmissions,
    _verify_case_lists,
    _verify_cases,
    _verify_resubmissions,
)  # fmt: skip
from tests.isolation.world import CUSTOMER_IDS, DOC_BY_ID, SHARED_WORD, Case, World, family_of

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
