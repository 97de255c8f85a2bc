"""New documents: /neu

A drop zone for one or many files (drag & drop or click), an optional register ("detect automatically" by
default) and, for users of several tenants, the tenant. Each file becomes a job on the intake queue
(`app.intake.submit`, channel "upload"); the table below shows per file its state and outcome, refreshed every
second until every job is finished. A file that is not taken in (empty, too large, unreadable, the queue away,
no upload right) gets its own row with the reason. Below: the user's recent uploads.

The callbacks here serve every upload widget (`cockpit.components.intake.upload_widget`), also the dossier's
"add documents" section: its widget carries the dossier's customer id, which `submit` checks like any hint.
"""

from __future__ import annotations

import base64
import binascii
import logging
from itertools import zip_longest
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, html
from dash.exceptions import PreventUpdate

from app import intake
from app.intake import Upload, safe_file_name
from cockpit import components as C
from cockpit import ids
from cockpit.components.intake import AUTO, Refusal, outcome_table, pid, upload_widget
from cockpit.context import ctx, error_text, safe_layout, user
from cockpit.i18n import current_lang, t
from domain.errors import AppError, Unavailable
from domain.principal import UPLOAD, Principal

log = logging.getLogger("cockpit.pages.upload")

dash.register_page(__name__, path="/neu", name="upload", title="Neue Dokumente – Dossier Cockpit", order=5)

MAX_ROWS = 200  # rows a page keeps (the oldest go first)
RECENT = 20


def max_mb() -> float:
    from core.settings import get_settings

    return float(get_settings().max_file_mb)


def decode_upload(contents: Any) -> bytes | None:
    """A `dcc.Upload` data URL ("data:<type>;base64,<data>") -> the bytes; None when it is not one."""
    if not isinstance(contents, str) or not contents.startswith("data:"):
        return None
    header, sep, payload = contents.partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def _recent_section(u: Principal, lang: str) -> Any:
    try:
        jobs = intake.recent(ctx(), u, RECENT)
    except AppError as exc:
        return dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small mb-0")
    except Exception:  # noqa: BLE001 - Redis away: a message, never an error page
        log.warning("recent uploads unavailable", exc_info=True)
        return dbc.Alert(t("error.queue_unavailable", lang), color="warning", className="py-2 small mb-0")
    if not jobs:
        return html.P(t("upload.recent.none", lang), className="text-muted small mb-0")
    return outcome_table(jobs, lang, with_time=True)


@safe_layout
def layout(**kwargs: Any) -> Any:
    u = user()
    if u is None:
        return C.not_found("notfound.page")
    lang = current_lang()
    if u.can(UPLOAD):
        from app.access import fileable_registers

        registers = sorted({r for tenant in u.tenants for r in fileable_registers(ctx(), u, tenant)})
        body: Any = upload_widget("page", tenants=sorted(u.tenants), max_mb=max_mb(), lang=lang, registers=registers)
    else:
        body = dbc.Alert(t("upload.denied", lang), color="secondary", id="upload-denied")
    return html.Div(
        [
            html.Div(
                [
                    html.Div([C.icon("bi-cloud-arrow-up"), " ", t("upload.eyebrow", lang)], className="eyebrow"),
                    html.H1(t("upload.title", lang), className="h3 mb-1"),
                    html.P(t("upload.intro", lang), className="text-muted small"),
                ],
                className="mb-3",
            ),
            C.card(t("upload.title", lang), body, card_id="upload-card"),
            html.Div(
                C.card(t("upload.recent", lang), _recent_section(u, lang), card_id="upload-recent"),
                id=ids.INTAKE_RECENT,
                className="mt-3",
            ),
        ],
        className="upload-page",
    )


# ------------------------------------------------------------------------------------------------ callbacks


def _refused(file_name: str, code: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"name": file_name, "code": code, "params": {str(k): str(v) for k, v in params.items()}}


def submit_files(u: Principal, contents: list[Any], names: list[Any], *, register: str | None,
                 tenant: str | None, customer_id: str | None) -> list[dict[str, Any]]:  # fmt: skip
    """Each file to the queue; per file a row: ``{"job", "name"}`` or a refusal ``{"name", "code", "params"}``."""
    rows: list[dict[str, Any]] = []
    register = register if register and register != AUTO else None
    unavailable: AppError | None = None
    for data_url, raw_name in zip_longest(contents, names):
        name = safe_file_name(str(raw_name or ""))
        if unavailable is not None:  # the queue is away: the other files are not tried (each would wait)
            rows.append(_refused(name, unavailable.code, unavailable.params))
            continue
        data = decode_upload(data_url)
        if data is None:
            rows.append(_refused(name, "upload.error.unreadable", {"name": name}))
            continue
        upload = Upload(data=data, file_name=name, customer_id=customer_id or None, register=register)
        try:
            job = intake.submit(ctx(), u, upload, channel="upload", tenant=tenant or None)
        except Unavailable as exc:
            unavailable = exc
            rows.append(_refused(name, exc.code, exc.params))
        except AppError as exc:
            rows.append(_refused(name, exc.code, exc.params))
        except Exception:  # noqa: BLE001 - one bad file never breaks the others; the log has the details
            log.exception("upload of %r failed", name)
            rows.append(_refused(name, "upload.error.failed", {"name": name}))
        else:
            rows.append({"job": job.id, "name": job.file_name})
    return rows


@callback(
    Output(pid(ids.INTAKE_ROWS, MATCH), "data"),
    Output(pid(ids.INTAKE_DROP, MATCH), "contents"),
    Input(pid(ids.INTAKE_DROP, MATCH), "contents"),
    State(pid(ids.INTAKE_DROP, MATCH), "filename"),
    State(pid(ids.INTAKE_REGISTER, MATCH), "value"),
    State(pid(ids.INTAKE_TENANT, MATCH), "value"),
    State(pid(ids.INTAKE_CUSTOMER, MATCH), "data"),
    State(pid(ids.INTAKE_ROWS, MATCH), "data"),
    prevent_initial_call=True,
)
def _submit(contents: Any, names: Any, register: str | None, tenant: str | None, customer_id: str | None,
            rows: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], None]:  # fmt: skip
    u = user()
    if u is None or not contents:
        raise PreventUpdate
    contents = contents if isinstance(contents, list) else [contents]
    names = names if isinstance(names, list) else [names]
    new = submit_files(u, contents[:MAX_ROWS], names[: len(contents[:MAX_ROWS])], register=register,
                       tenant=str(tenant) if tenant else None, customer_id=str(customer_id or "")[:100])  # fmt: skip
    kept = [r for r in (rows or []) if isinstance(r, dict)]
    return (kept + new)[-MAX_ROWS:], None  # contents cleared: the same file can be dropped again


def render_rows(u: Principal, rows: list[Any], lang: str) -> tuple[Any, bool]:
    """The outcome table of a page's rows (jobs read back, refusals translated); second value: all finished."""
    rows = [r for r in rows if isinstance(r, dict)][-MAX_ROWS:]
    job_ids = [str(r["job"]) for r in rows if r.get("job")]
    notice: Any = None
    found: dict[str, Any] = {}
    if job_ids:
        try:
            found = {j.id: j for j in intake.jobs(ctx(), u, job_ids)}
        except AppError as exc:
            notice = dbc.Alert(error_text(exc, lang), color="warning", className="py-2 small")
        except Exception:  # noqa: BLE001 - Redis away: a message, the table keeps polling
            log.warning("job states unavailable", exc_info=True)
            notice = dbc.Alert(t("error.queue_unavailable", lang), color="warning", className="py-2 small")
    items: list[Any] = []
    for r in rows:
        name = safe_file_name(str(r.get("name") or ""))
        if r.get("job"):
            job = found.get(str(r["job"]))
            if job is not None:
                items.append(job)
            elif notice is None:
                items.append(Refusal(name, t("notfound.job", lang, job_id=str(r["job"])[:64])))
            else:
                items.append(Refusal(name, t("common.none", lang), state="unknown"))
            continue
        raw = r.get("params")
        raw = raw if isinstance(raw, dict) else {}
        params = {str(k): str(v) for k, v in raw.items() if k not in ("key", "lang")}
        items.append(Refusal(name, t(str(r.get("code") or "upload.error.failed"), lang, **params)))
    finished = notice is None and all(j.finished for j in found.values())
    if not items:
        return notice, finished
    return html.Div([notice, outcome_table(items, lang)]), finished


@callback(
    Output(pid(ids.INTAKE_TABLE, MATCH), "children"),
    Output(pid(ids.INTAKE_TICK, MATCH), "disabled"),
    Input(pid(ids.INTAKE_ROWS, MATCH), "data"),
    Input(pid(ids.INTAKE_TICK, MATCH), "n_intervals"),
    prevent_initial_call=True,
)
def _render(rows: list[Any] | None, _n: int | None) -> tuple[Any, bool]:
    u = user()
    if u is None:
        raise PreventUpdate
    table, finished = render_rows(u, list(rows or []), current_lang())
    return table, finished
