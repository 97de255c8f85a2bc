"""The review queue's filing: a permission-checked partial update, visible at once, audited, conflict-safe."""

from __future__ import annotations

from typing import Any

import pytest

from app import documents, dossier, review
from cockpit.dashclient import DashClient, find, texts
from domain.errors import AppError, NotFound
from indexing.schema import alias_name
from tests.e2e._cockpit import customer, document, index_all, make_app


@pytest.fixture()
def world(es, index_prefix, tmp_path):  # type: ignore[no-untyped-def]
    customers = [customer("C1", "Müller Bau GmbH", "nord"), customer("C2", "Maier Anlagen GmbH", "nord"),
                 customer("C9", "Süd Stahl AG", "sued")]  # fmt: skip
    docs = [
        document("r1", title="Anfrage Müller", text="Bitte um Rückruf wegen der Rechnung, Müller Bau", register="review",
                 customers=(), filing_status="review", candidates=("C1", "C2"), suggested="invoice"),
        document("r2", title="Telefonnotiz", text="Anruf ohne Kundennummer", register="review", customers=(),
                 filing_status="review", suggested="correspondence"),
        document("s1", tenant="sued", title="Süd Anfrage", text="Anfrage", register="review", customers=(),
                 filing_status="review", candidates=("C9",), suggested="order"),
    ]  # fmt: skip
    index_all(es, index_prefix, customers, docs)
    app = make_app(index_prefix, tmp_path / "archive", es)
    return {"app": app, "svc": app.server.extensions["app_context"], "prefix": index_prefix}


def user(world: dict[str, Any], login: str) -> Any:
    return world["svc"].directory.get(login)


def refused(ctx: Any, *args: Any) -> str:
    with pytest.raises(AppError) as exc:
        review.assign_review(ctx, *args)
    return exc.value.code


def get(es: Any, world: dict[str, Any], doc_id: str) -> dict[str, Any]:
    return es.get(index=alias_name(world["prefix"], "documents"), id=doc_id)["_source"]


def test_review_page_lists_the_tenants_review_documents_with_candidates(world):
    c = DashClient(world["app"])
    c.login("anna.schmidt")
    tree = c.page("/review")
    text = texts(tree)
    assert "Anfrage Müller" in text and "Telefonnotiz" in text and "Süd Anfrage" not in text
    buttons = [
        n
        for n in find(tree, type="Button")
        if isinstance(n["props"].get("id"), dict) and n["props"]["id"].get("type") == "review-candidate"
    ]
    assert {b["props"]["id"]["customer"] for b in buttons} == {"C1", "C2"}
    assert "Müller Bau GmbH" in texts(buttons)


def test_assign_updates_the_document_at_once(es, world):
    svc, anna = world["svc"], user(world, "anna.schmidt")
    dv_before = svc.data_version()
    res = review.assign_review(svc, anna, "r1", "C1", "invoice")
    assert res.customer_name == "Müller Bau GmbH" and res.register == "invoice"
    src = get(es, world, "r1")
    assert src["customer_ids"] == ["C1"] and src["customer_names"] == ["Müller Bau GmbH"]
    assert src["primary_customer_id"] == "C1" and src["register"] == "invoice"
    assert src["filing"]["status"] == "manual"
    assert src["filing"]["reasons"][-1] == "manuell zugeordnet von anna.schmidt"
    assert src["filing"]["reasons"][0].startswith("Nur Namensnennung")  # appended, not replaced
    assert src["filing"]["candidates"] == ["C1", "C2"] and src["filing"]["register_reason"]  # partial update keeps them
    assert src["acl_groups"] == ["all"] and src["status"] == "open"
    # visible at once: gone from the queue, in the dossier, and the data version moved
    items, total = review.review_queue(svc, anna)
    assert [i.doc_id for i in items] == ["r2"] and total == 1
    assert svc.data_version() != dv_before
    cover = dossier.dossier(svc, anna, "C1")
    assert cover.total == 1
    audit = es.search(index=alias_name(world["prefix"], "audit"), query={"term": {"action": "manual_filing"}})["hits"][
        "hits"
    ]
    assert audit and audit[0]["_source"]["owner"] == "anna.schmidt"
    # a second click on the same (now filed) document changes nothing
    assert refused(svc, anna, "r1", "C2", "order") == "review.error.gone"
    assert get(es, world, "r1")["customer_ids"] == ["C1"]


def test_contract_filing_restricts_the_document(es, world):
    svc = world["svc"]
    assert review.assign_review(svc, user(world, "anna.schmidt"), "r2", "C2", "contract").register == "contract"
    assert get(es, world, "r2")["acl_groups"] == ["contracts", "management"]
    # an agent without the contracts group no longer sees it
    with pytest.raises(NotFound):
        documents.document(svc, user(world, "jonas.weber"), "r2")
    assert documents.document(svc, user(world, "anna.schmidt"), "r2").doc_id == "r2"


@pytest.mark.parametrize(
    ("doc", "cust", "register", "login", "key"),
    [
        ("r1", "C9", "invoice", "anna.schmidt", "review.error.customer"),  # a customer of another tenant
        ("r1", "C404", "invoice", "anna.schmidt", "review.error.customer"),
        ("r1", "C1", "review", "anna.schmidt", "review.error.register"),
        ("r1", "C1", "bogus", "anna.schmidt", "review.error.register"),
        ("r1", "", "invoice", "anna.schmidt", "review.error.pick"),
        ("s1", "C9", "order", "anna.schmidt", "review.error.gone"),  # another tenant's document
        ("r1", "C1", "invoice", "mehmet.kaya", "review.error.gone"),
    ],
)
def test_invalid_assignments_are_refused(es, world, doc, cust, register, login, key):
    assert refused(world["svc"], user(world, login), doc, cust, register) == key
    assert get(es, world, doc)["filing"]["status"] == "review"


def test_concurrent_change_is_detected(es, world, monkeypatch):
    svc, anna = world["svc"], user(world, "anna.schmidt")
    real_update = svc.store.es.update

    def someone_else_first(**kw: Any) -> Any:
        if kw.get("if_seq_no") is not None:  # someone else saves between our read and our write
            real_update(index=alias_name(world["prefix"], "documents"), id="r1", doc={"title": "changed"}, refresh=True)
        return real_update(**kw)

    monkeypatch.setattr(svc.store.es, "update", someone_else_first)
    assert refused(svc, anna, "r1", "C1", "invoice") == "review.error.conflict"
