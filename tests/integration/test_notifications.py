"""Subscriptions end to end: real Elasticsearch, a real local SMTP server (aiosmtpd), what arrived in the inbox.

The subscriber's permissions at matching time decide, never the author's or those at subscription time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from app import views as V
from domain.principal import Principal
from notifications import delivery, inbox, matching
from notifications import subscriptions as N
from notifications.common import notification_id
from notifications.mailer import SmtpConfig
from tests.helpers import (
    RecordingSmtp,
    app_context,
    free_port,
    index_customers,
    index_documents,
    make_customer,
    make_doc,
)
from views.access import ViewError, ViewNotFound
from views.seed import seed_examples, seed_id

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)


def viewer(login, groups=("all",), dept="vertrieb-nord", tenants=("nord",), email=True, **kw) -> Principal:
    kw.setdefault("roles", frozenset({"analyst"}))
    return Principal(login=login, tenants=frozenset(tenants), groups=frozenset(groups), department=dept,
                     email=f"{login}@example.org" if email else None, name=login.title(), **kw)  # fmt: skip


ANNA = viewer("anna", groups=("all", "sales"))
JONAS = viewer("jonas", groups=("all", "sales"))
BEN = viewer("ben", dept="service-nord")
BOSS = viewer("boss", groups=("all", "contracts"), dept="management")
NOMAIL = viewer("nomail", email=False)


@pytest.fixture()
def smtp():
    with RecordingSmtp() as server:
        yield server


@pytest.fixture()
def world(es, index_prefix):
    index_customers(es, index_prefix, [
        make_customer("K1", account_manager="anna", department="vertrieb-nord"),
        make_customer("K2", account_manager="jonas", department="vertrieb-nord"),
        make_customer("K3", account_manager="ben", department="service-nord"),
    ])  # fmt: skip
    index_documents(es, index_prefix, [make_doc("old1", register="complaint", customer_ids=["K1"],
                                                doc_date="2026-11-02")])  # fmt: skip
    ctx = app_context(es, index_prefix)
    seed_examples(ctx.repo, ctx.store, tenants=["nord"], now=NOW)
    return ctx


def users_of(*vs: Principal) -> dict[str, Principal]:
    return {v.login: v for v in vs}


# the notifications package over a test context (the directory of subscribers is given per call)


def subscribe(ctx, user, view_id, frequency="immediate", **kw):
    return N.subscribe(ctx.repo, ctx.store, user, view_id, frequency, **kw)


def deliver_pending(ctx, now, *, users, smtp):
    return delivery.deliver_pending(ctx.repo, ctx.store, users.get, now, smtp=smtp)


def after_ingest(ctx, ids, now, *, users, smtp):
    return matching.after_ingest(ctx.search, ctx.store, ids, users.get, now,
                                 deliver=lambda at: deliver_pending(ctx, at, users=users, smtp=smtp))  # fmt: skip


def create_view(ctx, data, user):
    return V.create_view(ctx, user, data)


def cfg(server: RecordingSmtp | None = None, port: int | None = None) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port or server.port, sender="cockpit@example.org",
                      base_url="https://cockpit.example.org", timeout_s=3)  # fmt: skip


def new_batch(es, ctx, *docs) -> list[str]:
    index_documents(es, ctx.prefix, list(docs))
    return [d["doc_id"] for d in docs]


def notes(es, ctx) -> list[dict]:
    es.indices.refresh(index=f"{ctx.prefix}-notifications")
    resp = es.search(index=f"{ctx.prefix}-notifications", size=1000, query={"match_all": {}})
    return sorted((h["_source"] | {"_id": h["_id"]} for h in resp["hits"]["hits"]),
                  key=lambda s: (s["owner"], s["doc_id"]))  # fmt: skip


def test_immediate_notifications_with_each_subscribers_permissions(es, world, smtp):
    complaints = seed_id("nord", "complaints-14d")
    invoices = seed_id("nord", "open-invoices-my-customers")
    contracts = create_view(world, {"name": "Verträge", "filters": {"register": ["contract"]},
                                              "sharing": "tenant"}, BOSS)  # fmt: skip
    for u in (ANNA, BEN, BOSS):
        subscribe(world, u, complaints)
    subscribe(world, ANNA, invoices)
    subscribe(world, JONAS, invoices)
    subscribe(world, BEN, contracts.id)  # ben may see the view, but not contract documents
    subscribe(world, BOSS, contracts.id)

    ids = new_batch(
        es, world,
        make_doc("c-new", register="complaint", customer_ids=["K2"], doc_date="2026-11-22", title="Reklamation Ventil"),
        make_doc("c-old", register="complaint", customer_ids=["K2"], doc_date="2026-10-01"),  # outside 14 days
        make_doc("i-k1", register="invoice", customer_ids=["K1"], doc_date="2026-11-20", status="open"),
        make_doc("i-k1-paid", register="invoice", customer_ids=["K1"], doc_date="2026-11-20", status="closed"),
        make_doc("k-new", register="contract", customer_ids=["K1"], doc_date="2026-11-21", title="Rahmenvertrag"),
        make_doc("s-new", tenant="sued", register="complaint", customer_ids=["S1"], doc_date="2026-11-22"),
    )  # fmt: skip
    report = after_ingest(world, ids, NOW, users=users_of(ANNA, JONAS, BEN, BOSS), smtp=cfg(smtp))

    got = {(n["owner"], n["view_id"], n["doc_id"]) for n in notes(es, world)}
    assert got == {
        ("anna", complaints, "c-new"),
        ("ben", complaints, "c-new"),
        ("boss", complaints, "c-new"),
        ("anna", invoices, "i-k1"),  # anna is K1's account manager; jonas is not: nothing for him
        ("boss", contracts.id, "k-new"),  # ben lacks the contracts group: nothing for him
    }
    assert report.notifications_created == 5 and report.delivery.emails_sent == 3

    by_rcpt = {m["To"]: m for m in smtp.messages}
    assert set(by_rcpt) == {"anna@example.org", "ben@example.org", "boss@example.org"}
    anna_mail = by_rcpt["anna@example.org"].get_content()
    assert "Reklamationen der letzten 14 Tage" in anna_mail and "Offene Rechnungen meiner Kunden" in anna_mail
    assert "https://cockpit.example.org/document/c-new" in anna_mail
    assert "Rahmenvertrag" not in by_rcpt["ben@example.org"].get_content()
    assert by_rcpt["boss@example.org"]["Subject"] and "Rahmenvertrag" in by_rcpt["boss@example.org"].get_content()
    assert all(n["email_status"] == "sent" for n in notes(es, world))


def test_subscribers_with_equal_groups_are_still_matched_with_their_own_rights(es, world, smtp):
    vid = seed_id("nord", "complaints-14d")
    subscribe(world, ANNA, vid)
    subscribe(world, JONAS, vid)  # same tenants and groups as anna, but confidential documents name users
    subscribe(world, BEN, vid)
    secret = make_doc("c2", register="complaint", customer_ids=["K1"], doc_date="2026-11-22",
                      confidential=True, confidential_users=["anna"])  # fmt: skip
    ids = new_batch(es, world, make_doc("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-22"), secret)
    report = after_ingest(world, ids, NOW, users=users_of(ANNA, JONAS, BEN), smtp=cfg(smtp))
    assert (report.subscriptions, report.requests) == (3, 3)
    got = {(n["owner"], n["doc_id"]) for n in notes(es, world)}
    assert got == {("anna", "c1"), ("anna", "c2"), ("jonas", "c1"), ("ben", "c1")}


def test_never_twice_for_the_same_view(es, world, smtp):
    vid = seed_id("nord", "complaints-14d")
    subscribe(world, BEN, vid)
    ids = new_batch(es, world, make_doc("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-22"))
    users = users_of(BEN)
    first = after_ingest(world, ids, NOW, users=users, smtp=cfg(smtp))
    again = after_ingest(world, ids, NOW + dt.timedelta(minutes=5), users=users, smtp=cfg(smtp))
    # the same document re-sent by a later ingest run together with a new one
    ids2 = ids + new_batch(es, world, make_doc("c2", register="complaint", customer_ids=["K1"], doc_date="2026-11-23"))
    third = after_ingest(world, ids2, NOW + dt.timedelta(minutes=10), users=users, smtp=cfg(smtp))
    assert (first.notifications_created, again.notifications_created, again.already_notified) == (1, 0, 1)
    assert (third.notifications_created, third.already_notified) == (1, 1)
    assert [n["doc_id"] for n in notes(es, world)] == ["c1", "c2"]
    assert len(smtp.messages) == 2 and "c2" in smtp.messages[1].get_content()
    assert notes(es, world)[0]["_id"] == notification_id("ben", vid, "c1")


def test_smtp_down_keeps_everything_queued_and_retries(es, world):
    vid = seed_id("nord", "complaints-14d")
    subscribe(world, BEN, vid)
    subscribe(world, ANNA, vid)
    port = free_port()  # nothing listens here yet
    ids = new_batch(es, world, make_doc("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-22"),
                    make_doc("c2", register="complaint", customer_ids=["K2"], doc_date="2026-11-22"))  # fmt: skip
    users = users_of(BEN, ANNA)
    report = after_ingest(world, ids, NOW, users=users, smtp=cfg(port=port))
    assert report.notifications_created == 4 and report.delivery.emails_sent == 0 and report.delivery.requeued == 4
    queued = notes(es, world)
    assert all(n["email_status"] == "queued" and n["email_attempts"] == 1 for n in queued)
    assert "Connection refused" in queued[0]["email_last_error"] or queued[0]["email_last_error"]

    # still down a little later: before the back-off has passed nothing is even tried
    early = deliver_pending(world, NOW + dt.timedelta(seconds=30), users=users, smtp=cfg(port=port))
    assert early.due == 0
    down = deliver_pending(world, NOW + dt.timedelta(minutes=2), users=users, smtp=cfg(port=port))
    assert down.due == 4 and down.requeued == 4
    assert all(n["email_attempts"] == 2 for n in notes(es, world))

    with RecordingSmtp(port=port) as server:  # SMTP is back
        later = NOW + dt.timedelta(minutes=10)
        up = deliver_pending(world, later, users=users, smtp=cfg(port=port))
        assert up.emails_sent == 2 and up.notifications_sent == 4
        assert sorted(m["To"] for m in server.messages) == ["anna@example.org", "ben@example.org"]
        assert all("c1" in m.get_content() and "c2" in m.get_content() for m in server.messages)
        # and nothing is sent twice
        assert deliver_pending(world, later + dt.timedelta(hours=1), users=users, smtp=cfg(port=port)).due == 0
        assert len(server.messages) == 2
    assert all(n["email_status"] == "sent" for n in notes(es, world))


def test_subscriber_who_lost_access_gets_nothing(es, world, smtp):
    team = create_view(world, {"name": "Team", "filters": {"register": ["complaint"]},
                                         "sharing": "group:sales"}, ANNA)  # fmt: skip
    contracts = create_view(world, {"name": "Verträge", "filters": {"register": ["contract"]},
                                              "sharing": "tenant"}, BOSS)  # fmt: skip
    subscribe(world, JONAS, team.id)
    subscribe(world, BOSS, contracts.id)
    subscribe(world, BEN, seed_id("nord", "complaints-14d"))
    ids = new_batch(es, world, make_doc("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-22"),
                    make_doc("k1", register="contract", customer_ids=["K1"], doc_date="2026-11-22"))  # fmt: skip
    now_users = users_of(
        viewer("jonas", groups=("all",), dept="kundenservice-nord"),  # left "sales": the view is gone for him
        viewer("boss", groups=("all",), dept="management"),  # lost the contracts group
        # ben has left the company: not in the directory any more
    )
    report = after_ingest(world, ids, NOW, users=now_users, smtp=cfg(smtp))
    assert report.notifications_created == 0 and smtp.messages == []
    assert report.skipped == {"view_no_longer_visible": 1, "unknown_or_disabled_user": 1}
    assert report.matches == 0  # boss's request ran with his current groups and found nothing


def test_access_lost_between_match_and_digest_withdraws_the_mail(es, world, smtp):
    contracts = create_view(world, {"name": "Verträge", "filters": {"register": ["contract"]},
                                              "sharing": "tenant"}, BOSS)  # fmt: skip
    subscribe(world, BOSS, contracts.id, frequency="daily")
    ids = new_batch(es, world, make_doc("k1", register="contract", customer_ids=["K1"], doc_date="2026-11-22"))
    report = after_ingest(world, ids, NOW, users=users_of(BOSS), smtp=cfg(smtp))
    assert report.notifications_created == 1 and report.delivery.due == 0  # daily: due tomorrow 07:00
    assert notes(es, world)[0]["email_due_at"].startswith("2026-11-24T06:00:00")  # 07:00 Berlin = 06:00 UTC
    demoted = viewer("boss", groups=("all",), dept="management")
    d = deliver_pending(world, dt.datetime(2026, 11, 24, 7, 1, tzinfo=BERLIN), users=users_of(demoted),
                             smtp=cfg(smtp))  # fmt: skip
    assert d.withdrawn == 1 and smtp.messages == []
    assert inbox.unread_count(world.repo, demoted) == 0


def test_daily_digest(es, world, smtp):
    vid = seed_id("nord", "complaints-14d")
    subscribe(world, BEN, vid, frequency="daily")
    users = users_of(BEN)
    for i, hour in enumerate((10, 14, 18)):
        ids = new_batch(es, world, make_doc(f"c{i}", register="complaint", customer_ids=["K1"], doc_date="2026-11-23"))
        after_ingest(world, ids, NOW.replace(hour=hour), users=users, smtp=cfg(smtp))
    assert smtp.messages == []
    assert deliver_pending(world, dt.datetime(2026, 11, 24, 6, 59, tzinfo=BERLIN), users=users,
                                smtp=cfg(smtp)).due == 0  # fmt: skip
    d = deliver_pending(world, dt.datetime(2026, 11, 24, 7, 0, tzinfo=BERLIN), users=users, smtp=cfg(smtp))
    assert d.emails_sent == 1 and d.notifications_sent == 3
    body = smtp.messages[0].get_content()
    assert "tägliche Zusammenfassung" in body and all(f"/document/c{i}" in body for i in range(3))
    assert smtp.messages[0]["Subject"] == "3 neue Dokumente in Ihren abonnierten Ansichten"


def test_dossier_subscription_and_my_customers(es, world, smtp):
    orders = seed_id("nord", "customer-orders-3m")
    with pytest.raises(ViewError, match="dossier"):
        subscribe(world, BEN, orders)
    subscribe(world, BEN, orders, customer_id="K2")
    ids = new_batch(es, world, make_doc("o1", register="order", customer_ids=["K1"], doc_date="2026-11-20"),
                    make_doc("o2", register="order", customer_ids=["K2"], doc_date="2026-11-20"))  # fmt: skip
    after_ingest(world, ids, NOW, users=users_of(BEN), smtp=cfg(smtp))
    assert [n["doc_id"] for n in notes(es, world)] == ["o2"]
    assert notes(es, world)[0]["customer_id"] == "K2"


def test_degraded_view_notifies_nobody(es, world, smtp):
    from views.model import View

    stale = View.from_stored({"id": "stale", "name": "Alt", "owner": "anna", "tenant": "nord", "sharing": "tenant",
                              "filters": {"priority": ["hoch"]}})  # fmt: skip
    V.store.put_view_unchecked(world.store, stale)
    subscribe(world, BEN, "stale")
    ids = new_batch(es, world, make_doc("x1", customer_ids=["K1"], doc_date="2026-11-22"))
    report = after_ingest(world, ids, NOW, users=users_of(BEN), smtp=cfg(smtp))
    assert report.skipped == {"view_degraded": 1} and report.notifications_created == 0


def test_no_address_stays_in_app_only(es, world, smtp):
    subscribe(world, NOMAIL, seed_id("nord", "complaints-14d"))
    ids = new_batch(es, world, make_doc("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-22"))
    after_ingest(world, ids, NOW, users=users_of(NOMAIL), smtp=cfg(smtp))
    assert smtp.messages == [] and notes(es, world)[0]["email_status"] == "no_address"
    assert inbox.unread_count(world.repo, NOMAIL) == 1


def test_inbox_unread_badge_and_mark_read(es, world, smtp):
    vid = seed_id("nord", "complaints-14d")
    subscribe(world, BEN, vid)
    subscribe(world, ANNA, vid)
    ids = new_batch(es, world, *[make_doc(f"c{i}", register="complaint", customer_ids=["K1"], doc_date="2026-11-22",
                                          title=f"Reklamation {i}") for i in range(3)])  # fmt: skip
    after_ingest(world, ids, NOW, users=users_of(BEN, ANNA), smtp=cfg(smtp))
    assert inbox.unread_count(world.repo, BEN) == 3
    items, total = inbox.list_notifications(world.repo, BEN)
    assert total == 3 and {n.title for n in items} == {"Reklamation 0", "Reklamation 1", "Reklamation 2"}
    assert all(n.available and not n.read and n.view_name == "Reklamationen der letzten 14 Tage" for n in items)
    assert inbox.mark_read(world.repo, world.store, BEN, [items[0].id]) == 1
    assert inbox.mark_read(world.repo, world.store, ANNA, [items[1].id]) == 0  # not hers
    assert inbox.unread_count(world.repo, BEN) == 2
    assert inbox.mark_read(world.repo, world.store, BEN) == 2
    assert inbox.unread_count(world.repo, BEN) == 0 and inbox.unread_count(world.repo, ANNA) == 3
    # a user of another tenant with the same login sees nothing of it
    assert inbox.unread_count(world.repo, viewer("anna", tenants=("sued",))) == 0


def test_subscribe_rules(es, world):
    private = create_view(world, {"name": "Privat"}, ANNA)
    with pytest.raises(ViewNotFound):
        subscribe(world, BEN, private.id)
    with pytest.raises(ViewError, match="frequency"):
        subscribe(world, ANNA, private.id, frequency="hourly")
    s1 = subscribe(world, ANNA, private.id)
    s2 = subscribe(world, ANNA, private.id, frequency="daily")  # again: changes the frequency
    assert s1.id == s2.id and [s.frequency for s in N.list_subscriptions(world.repo, ANNA)] == ["daily"]
    assert N.unsubscribe(world.store, ANNA, private.id) and N.list_subscriptions(world.repo, ANNA) == []
    subscribe(world, ANNA, private.id)
    V.delete_view(world, ANNA, private.id)  # deleting a view removes its subscriptions
    assert N.list_subscriptions(world.repo, ANNA) == []


def test_hybrid_view_with_text_matches_by_keywords(es, world, smtp):
    v = create_view(world, {"name": "Pumpen", "query": "Pumpe", "mode": "hybrid", "sharing": "tenant"}, ANNA)
    subscribe(world, BEN, v.id)
    ids = new_batch(es, world, make_doc("p1", customer_ids=["K1"], text="Die Pumpe ist defekt"),
                    make_doc("p2", customer_ids=["K1"], text="Das Ventil klemmt"))  # fmt: skip
    after_ingest(world, ids, NOW, users=users_of(BEN), smtp=cfg(smtp))
    assert [n["doc_id"] for n in notes(es, world)] == ["p1"]


def test_smtp_credentials_and_wrong_password(es, world):
    subscribe(world, BEN, seed_id("nord", "complaints-14d"))
    ids = new_batch(es, world, make_doc("c1", register="complaint", customer_ids=["K1"], doc_date="2026-11-22"))
    with RecordingSmtp(credentials=("cockpit", "s3cret")) as server:
        wrong = SmtpConfig(host="127.0.0.1", port=server.port, user="cockpit", password="nope", timeout_s=3)
        report = after_ingest(world, ids, NOW, users=users_of(BEN), smtp=wrong)
        assert report.delivery.emails_sent == 0 and report.delivery.requeued == 1 and server.messages == []
        assert notes(es, world)[0]["email_status"] == "queued"
        right = SmtpConfig(host="127.0.0.1", port=server.port, user="cockpit", password="s3cret", timeout_s=3)
        later = deliver_pending(world, NOW + dt.timedelta(minutes=5), users=users_of(BEN), smtp=right)
        assert later.emails_sent == 1 and [m["To"] for m in server.messages] == ["ben@example.org"]
