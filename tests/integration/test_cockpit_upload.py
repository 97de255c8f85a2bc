"""The cockpit's upload (/neu, the dossier's "add documents") and the status page's queue panel, server-side:
the callbacks a browser posts, with real logins, the real Elasticsearch and the real job store and queue in
Redis (under this test's own namespace). No worker runs: jobs are verified queued, not indexed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from app import audit, intake
from cockpit import ids
from cockpit.dashclient import DashClient, find, texts
from domain.errors import Unavailable
from tests.e2e._cockpit import customer, document, index_all, make_app

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture()
def world(es, index_prefix, redis_url, tmp_path, monkeypatch) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """A fresh index prefix with two customers; the job store and queue under the same prefix's namespace."""
    import redis

    from core.queue import reset_broker
    from core.settings import get_settings

    monkeypatch.setenv("COCKPIT_INDEX_PREFIX", index_prefix)
    get_settings.cache_clear()
    reset_broker()
    index_all(es, index_prefix, [customer("C1", "Müller Bau GmbH", "nord"), customer("C9", "Süd Stahl AG", "sued")],
              [document("d1", title="Rechnung 1", text="Rechnung")])  # fmt: skip
    app = make_app(index_prefix, tmp_path / "archive", es)
    svc = app.server.extensions["app_context"]
    yield {"app": app, "svc": svc, "prefix": index_prefix}
    audit.flush(svc)  # the intake's audit entries, written while this prefix's indices still exist
    r = redis.Redis.from_url(redis_url)
    keys = list(r.scan_iter(match=f"queue-{index_prefix}:*", count=1000))
    if keys:
        r.delete(*keys)
    get_settings.cache_clear()
    reset_broker()


def login(world: dict[str, Any], user: str) -> DashClient:
    c = DashClient(world["app"])
    c.login(user)
    return c


def principal(world: dict[str, Any], login_: str) -> Any:
    return world["svc"].directory.get(login_)


def data_url(data: bytes, mime: str = "application/pdf") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def key(i: Any) -> str:
    return json.dumps(i, sort_keys=True, separators=(",", ":")) if isinstance(i, dict) else str(i)


def call(c: DashClient, outputs: list[tuple[Any, str]], inputs: list[tuple[Any, str, Any]],
         state: list[tuple[Any, str, Any]] | None = None) -> dict[tuple[str, str], Any]:  # fmt: skip
    """Post a (pattern-matching) callback as dash-renderer does; {(id, prop): value} of the response."""

    def wild(i: Any) -> Any:
        return {k: (["MATCH"] if k in ("scope", "job") else v) for k, v in i.items()} if isinstance(i, dict) else i

    spec = "...".join(f"{key(wild(i))}.{p}" for i, p in outputs)
    payload = {
        "output": f"..{spec}.." if len(outputs) > 1 else spec,
        "outputs": [{"id": i, "property": p} for i, p in outputs]
        if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{key(inputs[0][0])}.{inputs[0][1]}"],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in (state or [])],
    }
    resp = c.post_callback(payload)
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)[:1000]
    if resp.status_code == 204:
        return {}
    body = resp.get_json()["response"]
    return {(k, p): v for k, props in body.items() for p, v in props.items()}


def w(kind: str, scope: str = "page") -> dict[str, str]:
    return {"type": kind, "scope": scope}


def submit(c: DashClient, files: list[tuple[str, Any]], *, scope: str = "page", register: str = "auto",
           tenant: str | None = "nord", customer_id: str = "", rows: list[Any] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    out = call(
        c,
        [(w(ids.INTAKE_ROWS, scope), "data"), (w(ids.INTAKE_DROP, scope), "contents")],
        [(w(ids.INTAKE_DROP, scope), "contents", [f[1] for f in files])],
        [
            (w(ids.INTAKE_DROP, scope), "filename", [f[0] for f in files]),
            (w(ids.INTAKE_REGISTER, scope), "value", register),
            (w(ids.INTAKE_TENANT, scope), "value", tenant),
            (w(ids.INTAKE_CUSTOMER, scope), "data", customer_id),
            (w(ids.INTAKE_ROWS, scope), "data", rows or []),
        ],
    )
    assert out[(key(w(ids.INTAKE_DROP, scope)), "contents")] is None  # cleared for the next drop
    return out[(key(w(ids.INTAKE_ROWS, scope)), "data")]  # type: ignore[no-any-return]


def render(c: DashClient, rows: list[Any], scope: str = "page") -> tuple[Any, bool]:
    out = call(
        c,
        [(w(ids.INTAKE_TABLE, scope), "children"), (w(ids.INTAKE_TICK, scope), "disabled")],
        [(w(ids.INTAKE_ROWS, scope), "data", rows), (w(ids.INTAKE_TICK, scope), "n_intervals", 1)],
    )
    return out[(key(w(ids.INTAKE_TABLE, scope)), "children")], out[(key(w(ids.INTAKE_TICK, scope)), "disabled")]


def queue_panel(c: DashClient) -> Any:
    out = call(
        c, [(ids.QUEUE_PANEL, "children")], [(ids.STATUS_TRIGGER, "n_intervals", 1), (ids.QUEUE_REFRESH, "n_clicks", 0)]
    )
    return out[(ids.QUEUE_PANEL, "children")]


# ------------------------------------------------------------------------------------------------ upload page


def test_upload_page_queues_each_file_and_refuses_the_empty_one(world):
    c = login(world, "anna.schmidt")
    tree = c.page("/neu")
    assert find(tree, id=w(ids.INTAKE_DROP)) and find(tree, id=w(ids.INTAKE_REGISTER))
    registers = [o["value"] for o in find(tree, id=w(ids.INTAKE_REGISTER))[0]["props"]["options"]]
    assert registers[0] == "auto" and "invoice" in registers and "review" not in registers
    assert "Noch keine eingelieferten Dokumente" in texts(find(tree, id=ids.INTAKE_RECENT))

    rows = submit(c, [("rechnung.pdf", data_url(PDF)), ("leer.pdf", data_url(b""))])
    assert len(rows) == 2
    assert rows[1] == {"name": "leer.pdf", "code": "intake.error.empty", "params": {"name": "leer.pdf"}}
    job_id = rows[0]["job"]
    [job] = intake.jobs(world["svc"], principal(world, "anna.schmidt"), [job_id])
    assert (job.channel, job.tenant, job.file_name, job.state) == ("upload", "nord", "rechnung.pdf", "queued")
    assert job.owner == "anna.schmidt" and job.size == len(PDF) and not job.customer_id and not job.register
    # on the queue: one message waiting on the intake queue of this namespace
    status = intake.queue_status(world["svc"], principal(world, "admin"))
    assert status.depths["intake"] == 1

    table, finished = render(c, rows)
    text = texts(table)
    assert "rechnung.pdf" in text and "in der Warteschlange" in text
    assert "leer.pdf" in text and "abgelehnt" in text and "ist leer (0 Byte)" in text
    assert finished is False  # the refresh keeps running while a job is open
    assert [r["props"].get("data-job") for r in find(table, type="Tr") if r["props"].get("data-job")] == [job_id]

    # a worker's outcome shows with its link; then every job is finished and the refresh stops
    store = intake.job_store(world["svc"])
    store.finish(job_id, "indexed", doc_id="abc123")
    table, finished = render(c, rows)
    assert "indexiert" in texts(table) and finished is True
    assert any(n["props"].get("href") == "/document/abc123" for n in find(table, type="Link"))
    store.finish(job_id, "review", doc_id="abc123")
    table, _ = render(c, rows)
    assert {"/review", "/document/abc123"} <= {n["props"].get("href") for n in find(table, type="Link")}
    store.finish(job_id, "failed", reason_code="encrypted", reason="PDF is password-protected")
    table, _ = render(c, rows)
    assert "passwortgeschützt – PDF is password-protected" in texts(table)

    # the recent uploads below the drop zone
    assert "rechnung.pdf" in texts(find(c.page("/neu"), id=ids.INTAKE_RECENT))


def test_file_names_stay_text_and_the_store_lives_in_the_browser(world):
    c = login(world, "anna.schmidt")
    evil = "<img src=x onerror=alert(1)>.txt"
    earlier = [{"name": "früher.pdf", "code": "intake.error.empty", "params": {"name": "früher.pdf"}}]
    rows = submit(c, [(evil, data_url(b"Hallo Welt", "text/plain"))], rows=earlier)
    assert rows[0] == earlier[0] and rows[1]["name"] == evil  # the page's earlier rows are kept, new ones appended
    table, _ = render(c, rows)
    cells = [n["props"]["children"] for n in find(table, type="Td")]
    assert evil in cells  # a plain text child, never markup
    assert "dangerously_allow_html" not in json.dumps(table)


def test_bad_base64_gives_a_message_row(world):
    c = login(world, "anna.schmidt")
    rows = submit(c, [("kaputt.pdf", "data:application/pdf;base64,@@@nicht-base64@@@"), ("roh.txt", "kein data url")])
    assert [r["code"] for r in rows] == ["upload.error.unreadable", "upload.error.unreadable"]
    table, finished = render(c, rows)
    assert "kaputt.pdf" in texts(table) and "kam nicht lesbar an" in texts(table) and finished is True
    assert intake.recent(world["svc"], principal(world, "anna.schmidt")) == []


def test_without_the_upload_capability_nothing_is_taken_in(world, monkeypatch):
    directory = world["svc"].directory
    real_get = directory.get

    def no_upload(login_: str) -> Any:
        p = real_get(login_)
        return p.with_(capabilities=frozenset({"search", "review"})) if p is not None else None

    monkeypatch.setattr(directory, "get", no_upload)
    c = login(world, "jonas.weber")
    assert find(c.page("/neu"), id="upload-denied")
    rows = submit(c, [("rechnung.pdf", data_url(PDF))])
    assert rows == [{"name": "rechnung.pdf", "code": "error.capability", "params": {"capability": "upload"}}]
    table, _ = render(c, rows)
    assert "Ihre Rolle erlaubt das nicht" in texts(table)
    assert not find(c.page("/dossier/C1"), id="dossier-add-documents")
    monkeypatch.undo()
    assert intake.recent(world["svc"], principal(world, "jonas.weber")) == []


def test_queue_unavailable_is_a_row_and_a_panel_message(world, monkeypatch):
    def away(_ctx: Any) -> Any:
        raise Unavailable("error.queue_unavailable")

    monkeypatch.setattr(intake, "job_store", away)
    c = login(world, "anna.schmidt")
    rows = submit(c, [("a.pdf", data_url(PDF)), ("b.pdf", data_url(PDF))])
    assert [r["code"] for r in rows] == ["error.queue_unavailable"] * 2
    table, _ = render(c, rows)
    assert "Warteschlange ist gerade nicht erreichbar" in texts(table)
    tree = c.page("/neu")
    assert not find(tree, id="page-error") and "nicht erreichbar" in texts(find(tree, id=ids.INTAKE_RECENT))
    assert find(queue_panel(login(world, "admin")), id="queue-unavailable")


# ------------------------------------------------------------------------------------------------ dossier


def test_dossier_drop_zone_files_to_this_customer(world):
    c = login(world, "anna.schmidt")
    tree = c.page("/dossier/C1")
    section = find(tree, id="dossier-add-documents")
    assert section and "Dokumente hinzufügen" in texts(section)
    assert find(tree, id=w(ids.INTAKE_CUSTOMER, "dossier"))[0]["props"]["data"] == "C1"
    tenant = find(tree, id=w(ids.INTAKE_TENANT, "dossier"))[0]["props"]
    assert tenant["value"] == "nord" and len(tenant["options"]) == 1

    rows = submit(c, [("lieferschein.pdf", data_url(PDF)), ("leer.txt", data_url(b"", "text/plain"))],
                  scope="dossier", register="delivery_note", customer_id="C1")  # fmt: skip
    assert [("job" in r, r.get("code")) for r in rows] == [(True, None), (False, "intake.error.empty")]
    [job] = intake.jobs(world["svc"], principal(world, "anna.schmidt"), [rows[0]["job"]])
    assert (job.channel, job.tenant, job.file_name, job.state) == ("upload", "nord", "lieferschein.pdf", "queued")
    assert (job.customer_id, job.register, job.filed_by) == ("C1", "delivery_note", "anna.schmidt")
    table, finished = render(c, rows, scope="dossier")
    assert "lieferschein.pdf" in texts(table) and finished is False

    # the customer id in the browser's store is only a hint: another tenant's customer is refused
    rows = submit(c, [("x.pdf", data_url(PDF))], scope="dossier", customer_id="C9")
    assert rows[0]["code"] == "intake.error.customer"


def test_admin_with_two_tenants_chooses_the_tenant(world):
    c = login(world, "admin")
    tree = c.page("/neu")
    tenant = find(tree, id=w(ids.INTAKE_TENANT))[0]["props"]
    assert [o["value"] for o in tenant["options"]] == ["nord", "sued"]
    rows = submit(c, [("sued.pdf", data_url(PDF))], tenant="sued")
    [job] = intake.jobs(world["svc"], principal(world, "admin"), [rows[0]["job"]])
    assert job.tenant == "sued"
    # a tenant the user does not have is refused
    rows = submit(login(world, "anna.schmidt"), [("x.pdf", data_url(PDF))], tenant="sued")
    assert rows[0]["code"] == "intake.error.tenant"


# ------------------------------------------------------------------------------------------------ status page


def test_queue_panel_for_admins_with_retry(world):
    svc = world["svc"]
    anna = login(world, "anna.schmidt")
    rows = submit(anna, [("kaputt.pdf", data_url(PDF)), ("gut.pdf", data_url(PDF))])
    failed_id = rows[0]["job"]
    intake.job_store(svc).finish(failed_id, "failed", reason_code="corrupt", reason="<b>broken</b> xref table")

    admin = login(world, "admin")
    assert find(admin.page("/status"), id=ids.QUEUE_PANEL)
    panel = queue_panel(admin)
    assert texts(find(panel, id="queue-depth-intake")).endswith("2")
    assert texts(find(panel, id="queue-depth-dead")).endswith("0")
    assert texts(find(panel, id="queue-failed-total")).endswith("1")
    assert find(panel, id="queue-no-workers")  # no worker runs in this test
    [row] = find(panel, className="queue-failed-row")
    text = texts(row)
    assert "kaputt.pdf" in text and "nord" in text and "Upload" in text
    assert "beschädigt oder nicht, was der Name sagt – <b>broken</b> xref table" in text
    button = {"type": ids.QUEUE_RETRY, "job": failed_id}
    assert find(row, id=button) and "Erneut versuchen" in texts(find(row, id=button))

    result = {"type": ids.QUEUE_RETRY_RESULT, "job": failed_id}
    out = call(admin, [(result, "children"), (button, "disabled")], [(button, "n_clicks", 1)])
    assert "ist wieder in der Warteschlange" in texts(out[(key(result), "children")])
    assert out[(key(button), "disabled")] is True
    [job] = intake.jobs(svc, principal(world, "admin"), [failed_id])
    assert job.state == "queued" and not job.reason_code
    assert intake.queue_status(svc, principal(world, "admin")).depths["intake"] == 3
    # a second click: the job is no longer failed, a message (never an error page)
    out = call(admin, [(result, "children"), (button, "disabled")], [(button, "n_clicks", 2)])
    assert "nicht fehlgeschlagen" in texts(out[(key(result), "children")])


def test_queue_panel_is_refused_to_agents(world):
    anna = login(world, "anna.schmidt")
    rows = submit(anna, [("kaputt.pdf", data_url(PDF))])
    intake.job_store(world["svc"]).finish(rows[0]["job"], "failed", reason_code="corrupt", reason="x")
    agent = login(world, "jonas.weber")
    assert find(agent.page("/status"), id="status-denied")
    assert find(queue_panel(agent), id="queue-denied")
    button = {"type": ids.QUEUE_RETRY, "job": rows[0]["job"]}
    result = {"type": ids.QUEUE_RETRY_RESULT, "job": rows[0]["job"]}
    out = call(agent, [(result, "children"), (button, "disabled")], [(button, "n_clicks", 1)])
    assert "Ihre Rolle erlaubt das nicht" in texts(out[(key(result), "children")])
    [job] = intake.jobs(world["svc"], principal(world, "admin"), [rows[0]["job"]])
    assert job.state == "failed"
