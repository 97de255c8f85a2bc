"""Dossier, document and review bodies and their parsing; export files; the data version."""

from __future__ import annotations

import datetime as dt
import io
import json

from app import exports as E
from domain.principal import Principal
from search import documents as D
from search import dossier as S
from search import system
from search.permissions import customer_filter

SCOPE = Principal("anna", frozenset({"nord"}), frozenset({"all", "contracts"}))


def _contains(body: object, needle: dict) -> bool:
    return json.dumps(needle, sort_keys=True) in json.dumps(body, sort_keys=True)


def test_a_scope_that_sees_nothing_matches_nothing():
    nobody = Principal("x", frozenset(), frozenset())
    assert S.dossier_body(nobody, "C1", dt.date(2026, 3, 1))["query"]["bool"]["filter"][0] == {
        "bool": {"must_not": [{"match_all": {}}]}
    }


def test_dossier_body_figures():
    body = S.dossier_body(SCOPE, "C1", dt.date(2026, 3, 1))
    f = body["query"]["bool"]["filter"]
    assert {"term": {"customer_ids": "C1"}} in f and {"term": {"is_latest": True}} in f
    aggs = body["aggs"]
    rng = aggs["revenue"]["filter"]["bool"]["filter"][1]["range"]["doc_date"]
    assert rng == {"gte": "2025-03-01", "lte": "2026-03-01"}
    assert aggs["revenue"]["aggs"]["sum"] == {"sum": {"field": "total_amount"}}
    assert _contains(aggs["open_complaints"], {"term": {"status": "open"}})
    assert aggs["timeline"]["date_histogram"]["calendar_interval"] == "month"


def test_document_body_highlights_the_query_with_private_markers():
    body = D.document_body(SCOPE, "d1", "„Lieferung verspätet“ Rechnung")
    hl = body["highlight"]
    assert hl["fields"] == {"text": {"number_of_fragments": 0}}
    should = hl["highlight_query"]["bool"]["should"]
    assert {"match_phrase": {"text": "Lieferung verspätet"}} in should
    assert "passages" in body["_source"]["excludes"]
    assert "highlight" not in D.document_body(SCOPE, "d1", "")


def _bucket_hit(doc_id, register, date, **src):
    return {"_id": doc_id, "_source": {"doc_id": doc_id, "register": register, "doc_date": date, **src}}


def test_parse_dossier():
    cust = {"hits": {"hits": [{"_id": "C1", "_source": {"customer_id": "C1", "name": "Müller GmbH", "number": "K-1"}}]}}
    docs = {
        "hits": {"total": {"value": 5}},
        "aggregations": {
            "registers": {
                "buckets": [
                    {
                        "key": "invoice",
                        "doc_count": 3,
                        "top": {"hits": {"hits": [_bucket_hit("i1", "invoice", "2026-02-01")]}},
                    }
                ]
            },
            "open_complaints": {"doc_count": 2},
            "last_order": {"doc_count": 1, "top": {"hits": {"hits": [_bucket_hit("o1", "order", "2026-01-05")]}}},
            "last_delivery": {"doc_count": 0, "top": {"hits": {"hits": []}}},
            "revenue": {
                "sum": {"value": 1234.5},
                "with_amount": {"value": 3},
                "currency": {"buckets": [{"key": "EUR"}]},
            },
            "timeline": {
                "buckets": [{"key_as_string": "2026-02", "reg": {"buckets": [{"key": "invoice", "doc_count": 3}]}}]
            },
            "latest": {"hits": {"hits": [_bucket_hit("i1", "invoice", "2026-02-01")]}},
            "ent_person": {"buckets": [{"key": "Dirk Kraus", "doc_count": 2}]},
        },
    }
    d = S.parse_dossier("C1", cust, docs)
    assert d is not None and d.name == "Müller GmbH" and d.total == 5
    assert d.open_complaints == 2 and d.last_order.doc_id == "o1" and d.last_delivery is None
    assert d.revenue_12m == 1234.5 and d.currency == "EUR" and d.revenue_count == 3
    assert d.registers[0][0:2] == ("invoice", 3)
    assert d.timeline == [("2026-02", "invoice", 3)]
    assert d.entities["person"] == [("Dirk Kraus", 2)]


def test_dossier_without_master_data_or_documents_is_not_found():
    assert S.parse_dossier("C9", {}, {"hits": {"total": {"value": 0}}}) is None


def test_dossier_without_invoices_has_no_revenue():
    cust = {"hits": {"hits": [{"_id": "C1", "_source": {"name": "X"}}]}}
    d = S.parse_dossier(
        "C1",
        cust,
        {
            "hits": {"total": {"value": 0}},
            "aggregations": {"revenue": {"sum": {"value": 0.0}, "with_amount": {"value": 0}}},
        },
    )
    assert d is not None and d.revenue_12m is None


def test_parse_document_hit_keeps_the_unhighlighted_tail():
    from search.clauses import POST_TAG, PRE_TAG

    raw = {"_id": "d1", "_source": {"doc_id": "d1", "text": "Die Rechnung kommt. " + "x" * 50},
           "highlight": {"text": [f"Die {PRE_TAG}Rechnung{POST_TAG} kommt. "]}}  # fmt: skip
    src, pieces, total = D.parse_document_hit(raw)
    assert "text" not in src and total == 70
    assert pieces[1] == ("Rechnung", True) and pieces[-1] == ("x" * 50, False)


def test_limit_text():
    assert D.limit_text((("abc", False), ("def", True), ("ghi", False)), 5) == (("abc", False), ("de", True))


def test_export_files_guard_against_formulas_and_keep_umlauts():
    rows = [{"doc_id": "d1", "title": "=HYPERLINK(\"http://evil\")", "customer_names": ["Müller GmbH"], "customer_ids": ["C1"],
             "register": "invoice", "doc_date": "2026-01-01", "version": 1, "is_latest": True, "total_amount": 12.5}]  # fmt: skip
    header, table = E.export_table(rows, lambda r: {"invoice": "Rechnungen"}.get(r, r))
    csv_bytes = E.to_csv(header, table)
    text = csv_bytes.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Müller GmbH" in text and "Rechnungen" in text
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(E.to_xlsx(header, table)))
    ws = wb.active
    assert [c.value for c in ws[1]][:3] == ["doc_id", "title", "customer_ids"]
    assert ws["B2"].value.startswith("'=") and ws["M2"].value == 12.5


def test_data_version_ignores_read_only_audit_actions():
    (docs_kind, docs), (audit_kind, audit) = system.data_version_bodies(Principal.system())
    assert (docs_kind, audit_kind) == ("documents", "audit")
    assert docs["aggs"]["m"] == {"max": {"field": "indexed_at"}}
    assert audit["query"]["bool"]["must_not"][0]["terms"]["action"] == system.READ_ONLY_AUDIT_ACTIONS


def test_customer_body_can_be_limited_to_a_tenant_without_patching():
    body = S.customer_body(SCOPE, ["C1"], tenant="nord")
    assert body["query"]["bool"]["filter"] == [
        customer_filter(SCOPE),
        {"terms": {"customer_id": ["C1"]}},
        {"term": {"tenant": "nord"}},
    ]


def test_customer_lookup_by_any_spelling_of_the_number():
    body = S.customer_lookup_body(SCOPE, number="K-10234")
    forms = body["query"]["bool"]["should"][0]["terms"]["number"]
    assert "K-10234" in forms and "k10234" in forms
    assert body["query"]["bool"]["filter"] == [customer_filter(SCOPE)]
    assert S.customer_lookup_body(SCOPE)["query"]["bool"]["should"] == [{"match_none": {}}]
