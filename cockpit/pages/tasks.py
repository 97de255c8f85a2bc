"""Meine Aufgaben: /aufgaben — the open cases assigned to me, and the queue I may pick up from (my department's
cases and the steps of a higher role I hold), soonest due first. Claim and give back here; "Öffnen" leads to
the case page (/fall/<case_id>). Refusals (someone else was faster: ``cases.error.claimed``) are messages.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from app import case_work, cases
from app.case_views import case_documents
from cockpit import components as C
from cockpit import ids
from cockpit.components.cases import task_table, works_cases
from cockpit.components.cases_callbacks import step_labels
from cockpit.context import ctx, display_name, error_text, safe_layout, user
from cockpit.i18n import current_lang, fmt_int, t
from domain.errors import AppError
from domain.principal import Principal

log = logging.getLogger("cockpit.pages.tasks")

dash.register_page(__name__, path="/aufgaben", name="tasks", title="Meine Aufgaben – Dossier Cockpit", order=5)


def _may_claim(u: Principal, c: cases.Case) -> bool:
    try:
        step = cases.definition_of(ctx(), c).steps.get(c.step)
    except AppError:
        return False
    return step is not None and cases.may_work(u, step, c.department)


PAGE_SIZE = 50  # rows per table: a long queue is paged (/aufgaben?q=2), soonest due first
PARAMS = {"mine": "m", "queue": "q"}


def page_numbers(query: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """The page of each table from the URL (`m`, `q`), and the values that were no page number."""
    pages, bad = {"mine": 1, "queue": 1}, []
    for table, param in PARAMS.items():
        raw = query.get(param, query.get(table))
        if raw in (None, ""):
            continue
        text = str(raw).strip()
        if text.isdigit() and 1 <= int(text) <= 10_000:
            pages[table] = int(text)
        else:
            bad.append(text[:40])
    return pages, bad


def _pager(table: str, page: int, total: int, pages: dict[str, int], lang: str) -> Any:
    """ "Fälle 51–100 von 267" with links to the previous and next page (the other table keeps its page)."""
    if total <= PAGE_SIZE:
        return None
    last = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, last)

    def href(n: int) -> str:
        wanted = {**pages, table: n}
        return "/aufgaben?" + "&".join(f"{PARAMS[k]}={v}" for k, v in sorted(wanted.items()) if v > 1)

    first, upto = (page - 1) * PAGE_SIZE + 1, min(page * PAGE_SIZE, total)
    links: list[Any] = [html.Span(t("tasks.range", lang, first=fmt_int(first, lang), last=fmt_int(upto, lang),
                                    total=fmt_int(total, lang)), className="me-3")]  # fmt: skip
    if page > 1:
        links.append(dcc.Link(t("tasks.prev", lang), href=href(page - 1), className="me-3", id=f"tasks-{table}-prev"))
    if page < last:
        links.append(dcc.Link(t("tasks.next", lang), href=href(page + 1), id=f"tasks-{table}-next"))
    return html.Div(links, className="small text-muted mt-2 tasks-pager")


def tasks_body(u: Principal, lang: str, pages: dict[str, int] | None = None) -> list[Any]:
    pages = pages or {"mine": 1, "queue": 1}
    mine = cases.my_tasks(ctx(), u)
    queue = [c for c in cases.work_queue(ctx(), u) if c.assignee != u.login]

    def shown(found: list[cases.Case], table: str) -> list[cases.Case]:
        last = max(1, (len(found) + PAGE_SIZE - 1) // PAGE_SIZE)
        start = (min(pages[table], last) - 1) * PAGE_SIZE
        return found[start : start + PAGE_SIZE]

    rows = {"mine": shown(mine, "mine"), "queue": shown(queue, "queue")}
    docs = case_documents(ctx(), u, [*rows["mine"], *rows["queue"]])
    labels = step_labels([*rows["mine"], *rows["queue"]], lang)
    common: dict[str, Any] = {
        "me": u.login,
        "may_claim": lambda c: _may_claim(u, c),
        "name": display_name,
        "lang": lang,
    }

    def section(title: str, table: str, found: list[cases.Case], table_id: str, empty: str) -> Any:
        badge = html.Span(fmt_int(len(found), lang), className="badge rounded-pill text-bg-secondary ms-2")
        body = [task_table(rows[table], docs, labels, table_id=table_id, empty_key=empty, **common),
                _pager(table, pages[table], len(found), pages, lang)]  # fmt: skip
        return C.card([t(title, lang), badge], body, card_id=f"{table_id}-card")

    return [
        section("tasks.mine", "mine", mine, "tasks-mine", "tasks.mine.empty"),
        html.Div(className="mb-3"),
        section("tasks.queue", "queue", queue, "tasks-queue", "tasks.queue.empty"),
    ]


@safe_layout
def layout(**query: Any) -> Any:
    u = user()
    if u is None or not works_cases(u):
        return C.not_found("notfound.page")
    lang = current_lang()
    pages, bad = page_numbers(query)
    notes = [dbc.Alert(t("msg.bad_page", lang, value=v), color="warning", className="py-2 small") for v in bad]
    return html.Div([
        html.H1(t("tasks.title", lang), className="h3 mb-1"),
        html.P(t("tasks.intro", lang), className="text-muted small"),
        *notes,
        dcc.Store(id=ids.TASKS_PAGES, data=pages),
        html.Div(id=ids.TASKS_STATUS),
        html.Div(tasks_body(u, lang, pages), id=ids.TASKS_BODY),
    ], className="tasks-page")  # fmt: skip


@callback(
    Output(ids.TASKS_STATUS, "children"),
    Output(ids.TASKS_BODY, "children"),
    Input({"type": ids.TASKS_ACT, "action": ALL, "case": ALL}, "n_clicks"),
    State(ids.TASKS_PAGES, "data"),
    prevent_initial_call=True,
)
def _act(_clicks: list[int | None], pages: Any) -> Any:
    """Claim a case or give it back, then list both sections again."""
    u, trig = user(), dash.ctx.triggered_id
    if u is None or not isinstance(trig, dict) or not (dash.ctx.triggered and dash.ctx.triggered[0].get("value")):
        raise PreventUpdate  # no click (a button appearing)
    lang, case_id, action = current_lang(), str(trig.get("case") or ""), trig.get("action")
    try:
        if action == "claim":
            case_work.claim(ctx(), u, case_id)
            done = t("tasks.claimed", lang)
        elif action == "give_back":
            case_work.give_back(ctx(), u, case_id)
            done = t("tasks.given_back", lang)
        else:
            raise PreventUpdate
        msg = dbc.Alert(done, color="success", className="py-2 small", id="tasks-done")
    except AppError as exc:
        msg = dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small", id="tasks-error")
    try:
        return msg, tasks_body(u, lang, page_numbers(pages if isinstance(pages, dict) else {})[0])
    except AppError as exc:
        return dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small"), dash.no_update
