"""Reading the audit trail (pure): the bodies of `search.audit`, the entry model, the audit page's URL state."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from app.audit_read import AuditEntry
from app.audit_urls import audit_href, audit_query_string, parse_audit_params, parse_cursor
from domain.principal import Principal
from search.audit import (
    CUSTOMER_HISTORY_ACTIONS,
    AuditQuery,
    audit_filters,
    audit_scan_body,
    audit_trail_body,
    document_history_body,
    history_subject_body,
)
from search.permissions import MATCH_NOTHING, permission_filter, tenant_filter

CLARA = Principal("clara", frozenset({"nord"}), frozenset({"all"}), roles=frozenset({"compliance"}))
ADMIN = Principal("admin", frozenset({"nord", "sued"}), frozenset({"all"}), roles=frozenset({"admin"}))
NOBODY = Principal("nobody", frozenset(), frozenset({"all"}), roles=frozenset({"compliance"}))


def filters_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["query"]["bool"]["filter"]  # type: ignore[no-any-return]


def test_the_trail_is_always_restricted_to_the_principals_tenants():
    body = audit_trail_body(CLARA, AuditQuery())
    assert filters_of(body) == [{"terms": {"tenant": ["nord"]}}]
    assert filters_of(audit_trail_body(ADMIN, AuditQuery()))[0] == {"terms": {"tenant": ["nord", "sued"]}}
    # asking for another tenant narrows within the principal's, never widens
    flt = filters_of(audit_trail_body(CLARA, AuditQuery(tenant="sued")))
    assert flt[0] == tenant_filter(CLARA) and {"term": {"tenant": "sued"}} in flt
    assert filters_of(audit_trail_body(NOBODY, AuditQuery(tenant="nord")))[0] == MATCH_NOTHING


def test_each_filter():
    q = AuditQuery(user="Anna.Schmidt", doc_id="d1", customer_id="C7", actions=("login", "export", "login"))
    flt = audit_filters(q)
    logins = ["Anna.Schmidt", "anna.schmidt"]
    who = {
        "bool": {
            "should": [{"terms": {"owner": logins}}, {"terms": {"owner_login": logins}}],
            "minimum_should_match": 1,
        }
    }
    assert who in flt  # who acted, or on whose behalf the system ingested
    assert {"term": {"doc_id": "d1"}} in flt
    assert {"term": {"customer_id": "C7"}} in flt
    assert {"terms": {"action": ["export", "login"]}} in flt
    assert audit_filters(AuditQuery()) == []


def test_the_period_covers_whole_days_in_the_deployments_zone():
    q = AuditQuery(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31))
    (rng,) = audit_filters(q, "Europe/Berlin")
    assert rng == {"range": {"created_at": {"gte": "2026-03-01", "lte": "2026-03-31", "time_zone": "Europe/Berlin",
                                            "format": "strict_date_optional_time||yyyy-MM-dd"}}}  # fmt: skip
    (open_end,) = audit_filters(AuditQuery(date_from=dt.date(2026, 3, 1)))
    assert "lte" not in open_end["range"]["created_at"]


def test_newest_first_with_search_after_in_both_directions():
    body = audit_trail_body(CLARA, AuditQuery(size=50))
    assert body["size"] == 51  # one more says whether there is an older page
    assert [next(iter(s)) for s in body["sort"]] == ["created_at", "seq"]
    assert body["sort"][0]["created_at"]["order"] == "desc" and "search_after" not in body
    older = audit_trail_body(CLARA, AuditQuery(after=(1767225600000, 12)))
    assert older["search_after"] == [1767225600000, 12] and older["sort"][1]["seq"]["order"] == "desc"
    newer = audit_trail_body(CLARA, AuditQuery(after=(1, 1), before=(1767225600000, 12)))
    assert newer["search_after"] == [1767225600000, 12]
    assert newer["sort"][0]["created_at"]["order"] == "asc" and newer["sort"][1]["seq"]["missing"] == "_first"
    assert audit_trail_body(CLARA, AuditQuery(size=100_000))["size"] == 201


def test_the_scan_body_has_the_filters_but_no_page():
    body = audit_scan_body(CLARA, AuditQuery(doc_id="d1", after=(5, 5), size=3))
    assert "search_after" not in body and "size" not in body and "pit" not in body
    assert {"term": {"doc_id": "d1"}} in filters_of(body) and body["sort"][0]["created_at"]["order"] == "desc"


def test_document_history_body():
    body = document_history_body(CLARA, ["d1"], ["C1"], size=50)
    text = json.dumps(body)
    assert filters_of(body) == [tenant_filter(CLARA)]
    doc_part, hold_part = body["query"]["bool"]["should"]
    assert {"terms": {"doc_id": ["d1"]}} in doc_part["bool"]["filter"]
    assert "view_document" in text and "download_original" in text and "ingest" in text and "refiled" in text
    assert {"terms": {"action": list(CUSTOMER_HISTORY_ACTIONS)}} in hold_part["bool"]["filter"]
    assert {"hold_set", "grant_given"} <= set(CUSTOMER_HISTORY_ACTIONS)
    assert {"exists": {"field": "view_id"}} in hold_part["bool"]["must_not"]  # a hold on a view is not on the doc
    assert body["size"] == 51 and body["query"]["bool"]["minimum_should_match"] == 1
    assert len(document_history_body(CLARA, ["d1"])["query"]["bool"]["should"]) == 1
    subject = history_subject_body(CLARA, "d1")
    assert permission_filter(CLARA) in filters_of(subject)


def test_entries_read_top_level_fields_and_fall_back_to_the_details():
    hit = {"_id": "nord.7", "sort": [1767225600000, 7], "_source": {
        "action": "api_call", "tenant": "nord", "owner": "api:erp", "principal_kind": "api_client", "seq": 7,
        "created_at": "2026-01-01T00:00:00+00:00", "filters": {"register": ["invoice"]},
        "body": {"method": "GET", "path": "/api/v1/documents/d1", "status": 200, "ip": "10.0.0.1", "doc_id": "d1"}}}  # fmt: skip
    e = AuditEntry.from_hit(hit)
    assert (e.id, e.sort, e.seq, e.ip, e.doc_id) == ("nord.7", (1767225600000, 7), 7, "10.0.0.1", "d1")
    assert e.filters == '{"register":["invoice"]}'
    assert ("request", "GET /api/v1/documents/d1 200") in e.details
    assert "ip" not in dict(e.details)
    assert e.short_details(20).endswith("…") and len(e.short_details(20)) == 20
    row = e.csv_row()
    assert row[0] == "2026-01-01T00:00:00+00:00" and row[1] == "api_call" and json.loads(row[-1])["status"] == 200


def test_url_state_round_trips():
    qs = "user=anna.schmidt&doc=d1&customer=C1&action=login&action=export&from=2026-03-01&to=2026-03-31&tenant=nord"
    q, msgs = parse_audit_params(qs)
    assert msgs == []
    assert q == AuditQuery(user="anna.schmidt", doc_id="d1", customer_id="C1", actions=("export", "login"),
                           date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31), tenant="nord")  # fmt: skip
    assert parse_audit_params(audit_query_string(q))[0] == q
    paged, _ = parse_audit_params(audit_query_string(q) + "&after=1767225600000_-9223372036854775808")
    assert paged.after == (1767225600000, -(2**63)) and parse_audit_params(audit_href(paged)[7:])[0] == paged
    assert audit_href(AuditQuery()) == "/audit" and audit_href(paged, page=False) == audit_href(q)
    # Dash hands repeated parameters over as lists, single ones as strings
    assert parse_audit_params({"action": ["login", "export"], "doc": "d1"})[0].actions == ("export", "login")


def test_invalid_url_values_are_dropped_with_a_message():
    q, msgs = parse_audit_params("from=2026-13-01&to=gestern&action=DROP%20TABLE&after=abc&user=%00x&foo=1")
    assert q == AuditQuery()
    names = {name for _, name in msgs}
    assert {"from", "to", "action", "after", "user", "foo"} <= names
    q, msgs = parse_audit_params("from=2026-03-31&to=2026-03-01")
    assert (q.date_from, q.date_to) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert msgs == [("msg.bad_value", "from")]
    assert parse_cursor("1_2") == (1, 2) and parse_cursor("1_") is None
    assert parse_cursor("99999999999999999999_1") is None
    q, _ = parse_audit_params("before=5_6&after=7_8")
    assert q.before == (5, 6) and q.after is None


def test_every_known_action_has_a_label_in_both_languages():
    import i18n
    from search.audit import AUDIT_ACTIONS, CUSTOMER_HISTORY_ACTIONS, DOCUMENT_HISTORY_ACTIONS

    assert set(DOCUMENT_HISTORY_ACTIONS) | set(CUSTOMER_HISTORY_ACTIONS) <= set(AUDIT_ACTIONS)
    missing = [a for a in AUDIT_ACTIONS if not (i18n.has(f"audit.action.{a}"))]
    assert not missing
