"""Retention page (/retention, compliance officers and administrators): what expires in the next months per
register, the legal holds (set one, lift one), and the disposal — a dry run, or the real run after a
confirmation — with its certificate to download. Thin callbacks over `app.retention` and `app.disposal`."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import disposal, holds, retention
from cockpit import components as C
from cockpit import ids
from cockpit.context import ctx, error_text, safe_layout, user
from cockpit.i18n import current_lang, fmt_date, fmt_int, t, t_or
from domain.errors import AppError
from domain.principal import RETENTION

log = logging.getLogger("cockpit.pages.retention")

dash.register_page(__name__, path="/retention", name="retention", title="Aufbewahrung – Dossier Cockpit", order=8)

MONTHS = (3, 6, 12, 24, 60)
LISTED = 200


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    if not u.can(RETENTION):
        return html.Div(dbc.Alert(t("retention.page.denied", lang), color="secondary"), className="py-4",
                        id="retention-denied")  # fmt: skip
    several = len(u.tenants) > 1  # one tenant: the choice is hidden (and there is nothing to choose)
    tenant = dbc.Col([
        dbc.Label(t("retention.page.tenant", lang), html_for=ids.RETENTION_TENANT, className="small mb-0"),
        dcc.Dropdown(id=ids.RETENTION_TENANT, options=[{"label": x, "value": x} for x in sorted(u.tenants)],
                     placeholder=t("retention.page.all_tenants", lang)),
    ], md=3, style=None if several else {"display": "none"})  # fmt: skip
    return html.Div(
        [
            dcc.Store(id=ids.RETENTION_REFRESH, data=0),
            dcc.Download(id=ids.RETENTION_DOWNLOAD),
            html.H1(t("retention.page.heading", lang), className="h3 mb-1"),
            html.P(t("retention.page.intro", lang), className="text-muted"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label(
                                t("retention.page.months", lang), html_for=ids.RETENTION_MONTHS, className="small mb-0"
                            ),
                            dcc.Dropdown(
                                id=ids.RETENTION_MONTHS,
                                value=12,
                                clearable=False,
                                options=[
                                    {"label": t("retention.page.months_n", lang, n=m), "value": m} for m in MONTHS
                                ],
                            ),
                        ],
                        md=3,
                    ),
                    tenant,
                ],
                className="g-2 mb-3",
            ),  # fmt: skip
            html.Div(id=ids.RETENTION_STATUS),
            dcc.Loading(html.Div(id=ids.RETENTION_REPORT)),
            html.H2(t("retention.holds.title", lang), className="h5 mt-4"),
            dcc.Loading(html.Div(id=ids.RETENTION_HOLDS)),
            _hold_forms(lang),
            html.H2(t("retention.dispose.title", lang), className="h5 mt-4"),
            html.P(t("retention.dispose.intro", lang), className="text-muted small"),
            html.Div(
                [
                    dbc.Button(
                        [C.icon("bi-eye"), " ", t("retention.dispose.dry", lang)],
                        id=ids.RETENTION_DRY_RUN,
                        color="outline-primary",
                        size="sm",
                        n_clicks=0,
                        className="me-2",
                    ),
                    dcc.ConfirmDialogProvider(
                        dbc.Button(
                            [C.icon("bi-trash"), " ", t("retention.dispose.execute", lang)], color="danger", size="sm"
                        ),
                        id=ids.RETENTION_EXECUTE,
                        message=t("retention.dispose.confirm", lang),
                    ),
                ],
                className="mb-2",
            ),  # fmt: skip
            dcc.Loading(html.Div(id=ids.RETENTION_RESULT)),
        ],
        className="retention-page",
    )


def _hold_forms(lang: str) -> Any:
    targets = [{"label": t(f"retention.hold.target.{x}", lang), "value": x} for x in holds.TARGETS]
    return dbc.Row([
        dbc.Col([
            html.H3(t("retention.hold.set", lang), className="h6"),
            dbc.RadioItems(id=ids.RETENTION_HOLD_TARGET, options=targets, value="document", inline=True,
                           className="small"),
            dbc.Input(id=ids.RETENTION_HOLD_VALUE, size="sm", maxlength=300, className="mb-1",
                      placeholder=t("retention.hold.value", lang)),
            dbc.Input(id=ids.RETENTION_HOLD_REASON, size="sm", maxlength=holds.MAX_REASON, className="mb-1",
                      placeholder=t("retention.hold.reason", lang)),
            dbc.Button(t("retention.hold.set", lang), id=ids.RETENTION_HOLD_SET, color="primary", size="sm",
                       n_clicks=0),
        ], md=6),
        dbc.Col([
            html.H3(t("retention.lift.button", lang), className="h6"),
            dcc.Dropdown(id=ids.RETENTION_LIFT_ID, options=[], placeholder=t("retention.lift.pick", lang),
                         className="mb-1"),
            dbc.Input(id=ids.RETENTION_LIFT_REASON, size="sm", maxlength=holds.MAX_REASON, className="mb-1",
                      placeholder=t("retention.lift.reason", lang)),
            dbc.Button(t("retention.lift.button", lang), id=ids.RETENTION_LIFT, color="outline-secondary",
                       size="sm", n_clicks=0),
        ], md=6),
    ], className="g-3 mt-1")  # fmt: skip


# ----------------------------------------------------------------------------------------------- rendering


def report_view(rep: retention.RetentionReport, lang: str) -> Any:
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in
                               ("retention.report.register", "retention.report.expiring", "retention.report.due")]))  # fmt: skip
    rows = [html.Tr([html.Td(t_or(f"register.{r.register}", r.register, lang)), html.Td(fmt_int(r.expiring, lang)),
                     html.Td(fmt_int(r.due, lang))]) for r in rep.registers]  # fmt: skip
    rows.append(html.Tr([html.Th(t("retention.report.total", lang)), html.Th(fmt_int(rep.total, lang)),
                         html.Th(fmt_int(rep.due, lang))]))  # fmt: skip
    parts: list[Any] = [
        html.P(t("retention.report.summary", lang, n=fmt_int(rep.total, lang), due=fmt_int(rep.due, lang),
                 until=fmt_date(rep.until, lang), held=fmt_int(rep.held, lang)), id="retention-summary"),
        dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, className="retention-registers w-auto"),
    ]  # fmt: skip
    if rep.flagged:
        flags = ", ".join(f"{t_or(f'retention.flag.{k}', k, lang)} {fmt_int(v, lang)}" for k, v in rep.flags.items())
        parts.append(dbc.Alert(t("retention.report.flagged", lang, n=fmt_int(rep.flagged, lang), flags=flags),
                               color="warning", className="py-2 small"))  # fmt: skip
    if rep.unresolved_holds:
        parts.append(dbc.Alert(t("retention.holds.unresolved", lang, n=len(rep.unresolved_holds)), color="danger",
                               className="py-2 small", id="retention-unresolved"))  # fmt: skip
    if not rep.items:
        parts.append(html.P(t("retention.report.empty", lang), className="text-muted"))
        return html.Div(parts)
    doc_head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in (
        "retention.report.until", "retention.report.register", "retention.report.document", "retention.report.customer",
        "retention.report.date", "retention.report.held")]))  # fmt: skip
    doc_rows = []
    for i in rep.items[:LISTED]:
        held = dbc.Badge(t(f"retention.held.{i.held}", lang), color="warning") if i.held else ""
        due = dbc.Badge(t("retention.report.due_badge", lang), color="danger", className="ms-1") if i.due else ""
        doc_rows.append(html.Tr([
            html.Td([fmt_date(i.retain_until, lang), due]),
            html.Td(t_or(f"register.{i.register}", i.register, lang)),
            html.Td(dcc.Link(i.title or i.doc_id, href=f"/document/{i.doc_id}")),
            html.Td(", ".join(i.customer_names or i.customer_ids)),
            html.Td(fmt_date(i.doc_date, lang)),
            html.Td(held),
        ], id={"type": "retention-doc", "doc": i.doc_id}))  # fmt: skip
    parts.append(html.H3(t("retention.report.documents", lang, n=fmt_int(min(len(rep.items), LISTED), lang),
                           total=fmt_int(rep.total, lang)), className="h6 mt-3"))  # fmt: skip
    parts.append(dbc.Table([doc_head, html.Tbody(doc_rows)], size="sm", hover=True, responsive=True))
    return html.Div(parts)


def holds_view(holds: list[holds.Hold], lang: str) -> Any:
    if not holds:
        return html.P(t("retention.holds.empty", lang), className="text-muted", id="retention-no-holds")
    head = html.Thead(html.Tr([html.Th(t(k, lang)) for k in (
        "retention.holds.target", "retention.holds.what", "retention.holds.reason", "retention.holds.by",
        "retention.holds.since")]))  # fmt: skip
    rows = [html.Tr([
        html.Td(t(f"retention.hold.target.{h.target}", lang)),
        html.Td(f"{h.doc_id or h.view_id or h.customer_id} – {h.label}"),
        html.Td(h.reason), html.Td(h.set_by), html.Td(fmt_date(h.set_at, lang)),
    ], id={"type": "retention-hold", "hold": h.hold_id}) for h in holds]  # fmt: skip
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True)


def _lift_options(holds: list[holds.Hold], lang: str) -> list[dict[str, str]]:
    return [{"label": f"{t(f'retention.hold.target.{h.target}', lang)} {h.doc_id or h.view_id or h.customer_id}: "
                      f"{h.reason[:60]}", "value": h.hold_id} for h in holds]  # fmt: skip


def run_view(run: disposal.DisposalRun, lang: str) -> Any:
    c = run.counts()
    key = "retention.dispose.result_dry" if run.dry_run else "retention.dispose.result"
    n = c["documents"] if run.dry_run else c["deleted"]
    originals = c["originals_would_go"] if run.dry_run else c["originals_deleted"]
    parts: list[Any] = [dbc.Alert(t(key, lang, n=fmt_int(n, lang), originals=fmt_int(originals, lang),
                                    run=run.run_id), color="info" if run.dry_run else "success", id="retention-run")]  # fmt: skip
    for tenant in run.refused:
        parts.append(dbc.Alert(t("retention.dispose.refused", lang, tenant=tenant), color="danger", className="py-2"))
    if run.skipped:
        parts.append(html.P(t("retention.dispose.skipped", lang, n=fmt_int(len(run.skipped), lang)), className="small"))
    return html.Div(parts)


# ----------------------------------------------------------------------------------------------- callbacks


@callback(
    Output(ids.RETENTION_REPORT, "children"),
    Output(ids.RETENTION_HOLDS, "children"),
    Output(ids.RETENTION_LIFT_ID, "options"),
    Input(ids.RETENTION_MONTHS, "value"),
    Input(ids.RETENTION_TENANT, "value"),
    Input(ids.RETENTION_REFRESH, "data"),
)
def _load(months: Any, tenant: Any, _refresh: Any) -> Any:
    u = user()
    lang = current_lang()
    if u is None or not u.can(RETENTION):
        raise PreventUpdate
    try:
        rep = retention.report(ctx(), u, months=int(months or 12), tenant=tenant or None, limit=LISTED)
        active = holds.list_holds(ctx(), u, tenant=tenant or None)
    except (AppError, ValueError) as exc:
        text = error_text(exc, lang) if isinstance(exc, AppError) else str(exc)
        return dbc.Alert(text, color="danger"), no_update, no_update
    return report_view(rep, lang), holds_view(active, lang), _lift_options(active, lang)


@callback(
    Output(ids.RETENTION_STATUS, "children"),
    Output(ids.RETENTION_RESULT, "children"),
    Output(ids.RETENTION_DOWNLOAD, "data"),
    Output(ids.RETENTION_REFRESH, "data"),
    Input(ids.RETENTION_HOLD_SET, "n_clicks"),
    Input(ids.RETENTION_LIFT, "n_clicks"),
    Input(ids.RETENTION_DRY_RUN, "n_clicks"),
    Input(ids.RETENTION_EXECUTE, "submit_n_clicks"),
    State(ids.RETENTION_HOLD_TARGET, "value"),
    State(ids.RETENTION_HOLD_VALUE, "value"),
    State(ids.RETENTION_HOLD_REASON, "value"),
    State(ids.RETENTION_LIFT_ID, "value"),
    State(ids.RETENTION_LIFT_REASON, "value"),
    State(ids.RETENTION_TENANT, "value"),
    State(ids.RETENTION_REFRESH, "data"),
    prevent_initial_call=True,
)
def _act(_set: Any, _lift: Any, _dry: Any, _execute: Any, target: Any, value: Any, reason: Any, hold_id: Any,
         lift_reason: Any, tenant: Any, refresh: Any) -> Any:  # fmt: skip
    u = user()
    lang = current_lang()
    if u is None or not u.can(RETENTION):
        raise PreventUpdate
    which = dash.ctx.triggered_id
    bump = int(refresh or 0) + 1
    try:
        if which == ids.RETENTION_HOLD_SET:
            what = str(value or "").strip() or None
            hold = holds.set_hold(
                ctx(), u, reason=str(reason or ""), tenant=tenant or None,
                doc_id=what if target == "document" else None, customer_id=what if target == "customer" else None,
                view_id=what if target == "view" else None,
            )  # fmt: skip
            return (
                dbc.Alert(t("retention.hold.done", lang, id=hold.hold_id), color="success"),
                no_update,
                no_update,
                bump,
            )
        if which == ids.RETENTION_LIFT:
            if not hold_id:
                raise PreventUpdate
            hold = holds.lift_hold(ctx(), u, str(hold_id), reason=str(lift_reason or ""))
            return (
                dbc.Alert(t("retention.lift.done", lang, id=hold.hold_id), color="success"),
                no_update,
                no_update,
                bump,
            )
        if which in (ids.RETENTION_DRY_RUN, ids.RETENTION_EXECUTE):
            run = disposal.dispose(ctx(), u, execute=which == ids.RETENTION_EXECUTE, tenant=tenant or None)
            download = {"content": run.certificate_csv, "filename": f"disposal-{run.run_id}.csv", "type": "text/csv"}
            return "", run_view(run, lang), download, bump if not run.dry_run else no_update
    except AppError as exc:
        return dbc.Alert(error_text(exc, lang), color="danger", id="retention-error"), no_update, no_update, no_update
    raise PreventUpdate
