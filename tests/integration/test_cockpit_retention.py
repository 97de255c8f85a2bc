"""The retention page (/retention): compliance only; report, holds, set and lift a hold, dry run and disposal
through the page's callbacks (the same use cases as CLI and API)."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit import ids
from cockpit.dashclient import DashClient, find, texts
from indexing.schema import alias_name
from tests.e2e._cockpit import make_app
from tests.helpers import index_customers, index_documents, make_customer
from tests.integration.test_retention import doc

pytestmark = pytest.mark.integration


@pytest.fixture()
def world(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    index_customers(es, index_prefix, [make_customer("C1")])
    index_documents(es, index_prefix, [doc("p-old", doc_date="2015-01-01", customer_ids=["C1"], title="Alter Brief"),
                                       doc("p-keep", doc_date="2015-01-01", customer_ids=["C1"], title="Gesperrt"),
                                       doc("p-new", register="invoice", doc_date="2026-01-02")])  # fmt: skip
    app = make_app(index_prefix, tmp_path / "archive", es)
    app.server.extensions["app_context"].disposal_dir = tmp_path / "disposal"
    return {"app": app, "prefix": index_prefix}


def act(c: DashClient, trigger: tuple[str, str, Any], **state: Any) -> Any:
    outputs = [(ids.RETENTION_STATUS, "children"), (ids.RETENTION_RESULT, "children"),
               (ids.RETENTION_DOWNLOAD, "data"), (ids.RETENTION_REFRESH, "data")]  # fmt: skip
    inputs = [(ids.RETENTION_HOLD_SET, "n_clicks", 0), (ids.RETENTION_LIFT, "n_clicks", 0),
              (ids.RETENTION_DRY_RUN, "n_clicks", 0), (ids.RETENTION_EXECUTE, "submit_n_clicks", None)]  # fmt: skip
    inputs = [trigger if i[0] == trigger[0] else i for i in inputs]
    values = {"target": "document", "value": None, "reason": None, "hold": None, "lift_reason": None} | state
    states = [(ids.RETENTION_HOLD_TARGET, "value", values["target"]), (ids.RETENTION_HOLD_VALUE, "value", values["value"]),
              (ids.RETENTION_HOLD_REASON, "value", values["reason"]), (ids.RETENTION_LIFT_ID, "value", values["hold"]),
              (ids.RETENTION_LIFT_REASON, "value", values["lift_reason"]), (ids.RETENTION_TENANT, "value", None),
              (ids.RETENTION_REFRESH, "data", 0)]  # fmt: skip
    resp = c.callback(outputs, inputs, states, changed=[f"{trigger[0]}.{trigger[1]}"])
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)[:500]
    return resp.get_json()["response"] if resp.status_code == 200 else {}


def load(c: DashClient) -> dict[str, Any]:
    resp = c.callback([(ids.RETENTION_REPORT, "children"), (ids.RETENTION_HOLDS, "children"),
                       (ids.RETENTION_LIFT_ID, "options")],
                      [(ids.RETENTION_MONTHS, "value", 12), (ids.RETENTION_TENANT, "value", None),
                       (ids.RETENTION_REFRESH, "data", 0)])  # fmt: skip
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_json()["response"]  # type: ignore[no-any-return]


def test_only_compliance_and_admins_see_the_page(world):
    c = DashClient(world["app"])
    c.login("anna.schmidt")
    assert "Compliance und Administration" in texts(c.page("/retention"))
    c = DashClient(world["app"])
    c.login("clara.vogt")
    tree = c.page("/retention")
    assert "Aufbewahrung und Löschung" in texts(tree) and find(tree, id=ids.RETENTION_DRY_RUN)


def test_report_hold_dry_run_and_disposal_through_the_page(es, world):
    c = DashClient(world["app"])
    c.login("clara.vogt")
    first = load(c)
    report = texts(first[ids.RETENTION_REPORT]["children"])
    assert "Alter Brief" in report and "Gesperrt" in report and "Keine aktiven" in texts(first[ids.RETENTION_HOLDS])

    out = act(c, (ids.RETENTION_HOLD_SET, "n_clicks", 1), value="p-keep", reason="Rechtsstreit")
    assert "gesetzt" in texts(out[ids.RETENTION_STATUS]["children"])
    again = load(c)
    assert "Rechtsstreit" in texts(again[ids.RETENTION_HOLDS]["children"])
    options = again[ids.RETENTION_LIFT_ID]["options"]
    assert len(options) == 1

    dry = act(c, (ids.RETENTION_DRY_RUN, "n_clicks", 1))
    assert "Probelauf" in texts(dry[ids.RETENTION_RESULT]["children"])
    assert "p-old" in dry[ids.RETENTION_DOWNLOAD]["data"]["content"]
    assert "p-keep" not in dry[ids.RETENTION_DOWNLOAD]["data"]["content"]
    index = alias_name(world["prefix"], "documents")
    assert es.exists(index=index, id="p-old")

    done = act(c, (ids.RETENTION_EXECUTE, "submit_n_clicks", 1))
    assert "gelöscht" in texts(done[ids.RETENTION_RESULT]["children"])
    es.indices.refresh(index=index)
    assert not es.exists(index=index, id="p-old") and es.exists(index=index, id="p-keep")

    lifted = act(c, (ids.RETENTION_LIFT, "n_clicks", 1), hold=options[0]["value"], lift_reason="erledigt")
    assert "aufgehoben" in texts(lifted[ids.RETENTION_STATUS]["children"])
    refused = act(c, (ids.RETENTION_HOLD_SET, "n_clicks", 2), value="p-new", reason="")
    assert "Grund" in texts(refused[ids.RETENTION_STATUS]["children"])
