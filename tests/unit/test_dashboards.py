"""The dashboards' pure parts: periods, URL state, derived document fields, post-processing, figures."""

from __future__ import annotations

import datetime as dt

import pytest

from app import dashboard_panels as P
from app.dashboard_model import DashboardRequest, Drill, Panel, Point, resolve_period
from app.dashboard_urls import dashboard_query, parse_dashboard_params
from cockpit.components.dashboard_figures import export_rows, figure
from cockpit.dashboard_links import drill_href
from indexing.documents import channel_of, derived_fields, direction_of
from search import dashboards as Q


@pytest.mark.parametrize(
    ("key", "today", "expected"),
    [
        ("30d", "2026-03-01", ("2026-01-31", "2026-03-01")),
        ("quarter", "2026-03-31", ("2026-01-01", "2026-03-31")),
        ("prev_quarter", "2026-01-15", ("2025-10-01", "2025-12-31")),  # across the year boundary
        ("year", "2026-12-31", ("2026-01-01", "2026-12-31")),
        ("prev_year", "2024-02-29", ("2023-01-01", "2023-12-31")),
    ],
)
def test_periods(key, today, expected):
    lo, hi = resolve_period(key, dt.date.fromisoformat(today))
    assert (lo.isoformat(), hi.isoformat()) == expected


def test_custom_periods_are_ordered_and_clamped():
    today = dt.date(2026, 12, 7)
    assert resolve_period("custom", today, dt.date(2026, 5, 1), dt.date(2026, 4, 1)) == (
        dt.date(2026, 4, 1), dt.date(2026, 5, 1))  # fmt: skip
    lo, hi = resolve_period("custom", today, dt.date(1990, 1, 1), today)
    assert (hi - lo).days == 3 * 366 - 1


@pytest.mark.parametrize(
    "qs",
    ["period=bogus", "from=31.12.2026&period=custom", "register=nonsense", "o.nope=90d", "o.revenue_top=custom",
     "%%%&&&=", "period=custom&from=2026-13-01", "segment=" + "x" * 5000, "\x00=\x00"],
)  # fmt: skip
def test_a_bad_url_gives_defaults_and_a_message_never_an_error(qs):
    req, messages = parse_dashboard_params(qs)
    assert isinstance(req, DashboardRequest)
    if qs not in ("%%%&&&=", "\x00=\x00") and not qs.startswith("segment="):
        assert messages


def test_the_url_state_round_trips():
    qs = "period=custom&from=2026-01-01&to=2026-03-31&segment=A&segment=B&manager=anna&register=invoice&o.revenue_top=90d"
    req, messages = parse_dashboard_params(qs)
    assert messages == []
    again, _ = parse_dashboard_params(dashboard_query(req))
    assert again == req
    assert req.attrs == {"segment": ("A", "B"), "manager": ("anna",)}


def test_channels_and_directions():
    assert channel_of("email", "x") == "mail" and channel_of("attachment", "x") == "mail"
    assert channel_of("api", "api:crm/1/a.pdf") == "erp" and channel_of("upload", "u") == "upload"
    assert channel_of("file", "/data/nord/erp/rechnungen/2026/RE-1.pdf") == "erp"
    assert channel_of("folder", "folder:/in/scans/brief.pdf") == "scan"
    assert channel_of("file", "/share/Vertrieb/a.pdf", ocr_used=True) == "scan"
    assert channel_of("file", "/share/Vertrieb/erp.pdf") == "file"  # a file name is no folder
    assert direction_of("invoice", None) == "out" and direction_of("complaint", None) == "in"
    assert direction_of("invoice", False) == "in" and direction_of("correspondence", True) == "out"
    src = {"source_kind": "email", "register": "complaint", "text": "Die Ware kam beschädigt an.", "title": "Reklamation",
           "sources": [{"uri": "mail/in/1.eml"}], "mail_from": "kunde@example.org"}  # fmt: skip
    assert derived_fields(src, False, lambda text, lang, title: "damaged") == {
        "channel": "mail", "direction": "in", "complaint_reason": "damaged"}  # fmt: skip


def weeks_response(counts: list[int], first: dt.date) -> dict:
    buckets = [{"key_as_string": (first + dt.timedelta(weeks=i)).isoformat(), "doc_count": c}
               for i, c in enumerate(counts)]  # fmt: skip
    return {"aggregations": {"weeks": {"buckets": buckets}}, "hits": {"total": {"value": sum(counts)}}}


def base(today: dt.date = dt.date(2026, 12, 7)) -> P.Base:
    return P.Base(scope=Q.DashboardScope(period=Q.Bounds(dt.date(2026, 1, 1), today)), today=today)


def test_the_spike_rule():
    first = dt.date(2026, 1, 5)
    counts = [1, 2, 1, 2, 1, 2, 1, 2, 4, 3, 9, 0]  # week 9: 4 > 1.5 + 2·0.5 (=2.5); week 11: 9 — both spikes
    panel = P.complaints_weekly(weeks_response(counts, first), base(), first + dt.timedelta(weeks=8))
    assert [p.flag for p in panel.points] == [True, False, True, False]
    # a single complaint after quiet weeks is no spike (at least 3)
    quiet = P.complaints_weekly(weeks_response([0] * 8 + [2], first), base(), first + dt.timedelta(weeks=8))
    assert [p.flag for p in quiet.points] == [False]
    assert panel.points[0].drill.date_from == "2026-03-02" and panel.points[0].drill.date_to == "2026-03-08"


def test_response_times_take_the_first_answer_on_or_after_the_complaint():
    d = dt.date
    complaints = [(("K1",), d(2026, 3, 2)), (("K1", "K2"), d(2026, 3, 10)), (("K3",), d(2026, 3, 1))]
    answers = {"K1": [d(2026, 3, 1), d(2026, 3, 4), d(2026, 3, 20)], "K2": [d(2026, 3, 12)]}
    f = P.response_times(complaints, answers, base()).figures
    assert (f["count"], f["answered"], f["unanswered"]) == (3, 2, 1)
    assert f["median_days"] == 2.0  # 2 days (4 Mar) and 2 days (K2 on 12 Mar)


def test_figures_carry_their_drill_links_and_escape_names():
    drill = Drill(filters={"register": ("invoice",), "customer_ids": ("K1",)}, date_from="2026-01-01")
    panel = Panel("revenue_top", "bar", (Point(x="K1", label="<img src=x onerror=alert(1)>", value=10.0, series="EUR",
                                                count=2, drill=drill),))  # fmt: skip
    fig = figure(panel, "de")
    assert fig is not None
    trace = fig["data"][0]
    assert trace["customdata"] == [[drill_href(drill), 2]]
    assert drill_href(drill).startswith("/search?") and "f.customer=K1" in drill_href(drill)
    assert "<img" not in str(trace["x"])
    header, rows = export_rows(panel, "de")
    assert len(header) == len(rows[0]) and rows[0][3] == 10.0 and rows[0][4] == 2


def test_another_companys_folder_names_are_configuration():
    from indexing.documents import parse_channel_folders

    folders = parse_channel_folders("SAP-Export=erp, Scanner=scan")
    assert channel_of("folder", "folder:/srv/in/SAP-Export/2026/RE-1.pdf", folders=folders) == "erp"
    assert channel_of("file", "/srv/Scanner/brief.pdf", folders=folders) == "scan"
    assert channel_of("file", "/data/erp/RE-1.pdf", folders=folders) == "file"  # not this company's convention
    for bad in ("erp", "erp=fax", "=scan"):
        with pytest.raises(ValueError, match="channel_folders"):
            parse_channel_folders(bad)
