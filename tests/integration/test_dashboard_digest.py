"""The weekly dashboard digest end to end: real Elasticsearch, a real local SMTP server (aiosmtpd), the user
directory from a users file that changes between runs.

The recipient's permissions at send time decide (rebuilt from the directory), never those at subscription time.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app import digests as D
from app import notifications as N
from app import search
from cockpit.dashboard_links import drill_href, parse_dashboard_params
from cockpit.urlstate import parse_search_params
from domain.errors import Forbidden, Invalid
from domain.principal import Principal
from notifications import digests as ND
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

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)  # Monday of ISO week 50: the digest of week 49 is due
BASE = "https://cockpit.example.org"
EVIL = '<script>alert("x")</script> & Söhne'
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$not-a-real-hash-for-tests"

USERS = {
    "anna": {"tenants": ["nord"], "roles": ["manager"], "lang": "de"},
    "max": {"tenants": ["nord", "sued"], "roles": ["manager"], "lang": "en"},
    "olga": {"tenants": ["nord"], "roles": ["manager"], "lang": "de"},
    "nomail": {"tenants": ["nord"], "roles": ["manager"], "email": ""},
    "leer": {"tenants": ["leer"], "roles": ["manager"], "lang": "de"},
}


def toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def write_users(path: Path, users: dict[str, dict]) -> None:
    """The users file; its mtime moves on at every write, so the directory reads it again."""
    out = []
    for login, u in users.items():
        email = u.get("email", f"{login}@example.org")
        out += ["[[users]]", f'login = "{login}"', f'name = "{login.title()}"', f'password_hash = "{HASH}"',
                f"tenants = {toml_list(u['tenants'])}", f"roles = {toml_list(u['roles'])}",
                f"groups = {toml_list(u.get('groups', ['all']))}", f'lang = "{u.get("lang", "de")}"',
                f"active = {'true' if u.get('active', True) else 'false'}"]  # fmt: skip
        if email:
            out.append(f'email = "{email}"')
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")
    stamp = getattr(write_users, "stamp", 1_700_000_000) + 10
    write_users.stamp = stamp  # type: ignore[attr-defined]
    os.utime(path, (stamp, stamp))


def complaint(i: str, day: str, cust: str, tenant: str = "nord", status: str = "closed", **kw):
    return make_doc(f"c-{i}", register="complaint", customer_ids=[cust], doc_date=day, status=status, tenant=tenant,
                    direction="in", channel="mail", complaint_reason="late", **kw)  # fmt: skip


def invoice(i: str, day: str, cust: str, amount: float, currency: str = "EUR", tenant: str = "nord", **kw):
    return make_doc(f"i-{i}", register="invoice", customer_ids=[cust], doc_date=day, tenant=tenant,
                    total_amount=amount, currency=currency, direction="out", channel="erp", **kw)  # fmt: skip


def world_docs() -> list[dict]:
    docs = []
    # nord: one complaint a week for the 8 weeks before week 49 (mean 1.0), then 4 in week 49 (a spike)
    for k in range(8):
        day = dt.date(2026, 10, 5) + dt.timedelta(weeks=k)
        docs.append(complaint(f"n-base{k}", day.isoformat(), "K2"))
    docs += [
        complaint("n-w1", "2026-12-01", "K1", customer_names=[EVIL]),
        complaint("n-w2", "2026-12-02", "K1", customer_names=[EVIL]),
        complaint("n-w3", "2026-12-03", "K2"),
        complaint("n-w4", "2026-12-03", "K2", status="open"),
        complaint("n-old-open", "2026-09-20", "K2", status="open"),  # before the baseline weeks
        # K1's complaints answered by an outgoing letter on 4 Dec (3 and 2 days)
        make_doc("n-answer", register="correspondence", customer_ids=["K1"], doc_date="2026-12-04", direction="out"),
        # revenue in the last 30 days: K1 1000 €, K2 500 €, K3 200 €, K4 100 € (not in the top 3), K2 300 CHF
        invoice("n1", "2026-11-20", "K1", 1000.0, customer_names=[EVIL]),
        invoice("n2", "2026-11-21", "K2", 500.0),
        invoice("n3", "2026-11-22", "K3", 200.0),
        invoice("n4", "2026-11-23", "K4", 100.0),
        invoice("n5", "2026-11-24", "K2", 300.0, "CHF"),
        make_doc("n-review", register="correspondence", customer_ids=["K3"], doc_date="2026-12-02",
                 filing={"status": "review", "confidence": 0.4}),
    ]  # fmt: skip
    # sued: nobody in nord may see any of it — 6 complaints in week 49, open ones, a big customer
    docs += [complaint(f"s-w{k}", "2026-12-02", "S1", tenant="sued") for k in range(6)]
    docs += [complaint(f"s-open{k}", "2026-11-30", "S1", tenant="sued", status="open") for k in range(3)]
    docs += [invoice("s1", "2026-11-25", "S1", 99999.0, tenant="sued")]
    return docs


@pytest.fixture()
def smtp():
    with RecordingSmtp() as server:
        yield server


@pytest.fixture()
def users_file(tmp_path):
    path = tmp_path / "users.toml"
    write_users(path, USERS)
    return path


@pytest.fixture()
def ctx(es, index_prefix, users_file):
    index_customers(es, index_prefix, [
        make_customer("K1", name=EVIL, segment="A", account_manager="anna", department="vertrieb-nord"),
        make_customer("K2", name="Nordwerk AG", segment="B", account_manager="anna", department="vertrieb-nord"),
        make_customer("K3", name="Kiel Kontor", segment="A", department="vertrieb-nord"),
        make_customer("K4", name="Flensburg Fisch", segment="C", department="vertrieb-nord"),
        make_customer("S1", tenant="sued", name="Südbau GmbH", segment="A", department="vertrieb-sued"),
    ])  # fmt: skip
    index_documents(es, index_prefix, world_docs())
    return app_context(es, index_prefix, users_file=users_file)


def cfg(server: RecordingSmtp | None = None, port: int | None = None) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=port or server.port, sender="cockpit@example.org", base_url=BASE,
                      timeout_s=3)  # fmt: skip


def user(ctx, login: str) -> Principal:
    p = ctx.directory(login)
    assert p is not None
    return p


def deliver(ctx, now, smtp_cfg):
    return D.deliver_digests(ctx, now, smtp=smtp_cfg, drill_href=drill_href)


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_of(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def links(text: str) -> list[str]:
    return re.findall(re.escape(BASE) + r"(/\S*)", text)


def search_total(ctx, who: Principal, href: str) -> int:
    assert href.startswith("/search?"), href
    state, messages = parse_search_params(href.split("?", 1)[1])
    assert messages == []
    return search.search(ctx, who, state.to_request(tz="Europe/Berlin")).total


def outbox(es, ctx) -> list[dict]:
    es.indices.refresh(index=f"{ctx.prefix}-notifications")
    resp = es.search(index=f"{ctx.prefix}-notifications", size=100, query={"term": {"kind": "dashboard_digest"}})
    return [h["_source"] | {"_id": h["_id"]} for h in resp["hits"]["hits"]]


# ------------------------------------------------------------------------------------------------ tests


def test_one_digest_per_week_with_the_figures_and_links(es, ctx, smtp):
    anna = user(ctx, "anna")
    sub = D.subscribe_digest(ctx, anna, "?period=30d", now=NOW - dt.timedelta(days=3))
    assert sub.query == "period=30d" and D.digest_subscription(ctx, anna) == sub

    report = deliver(ctx, NOW, cfg(smtp))
    assert (report.week, report.due, report.queued) == ("2026-W49", True, 1)
    assert report.delivery.emails_sent == 1 and report.delivery.digests_sent == 1
    assert len(smtp.messages) == 1
    msg = smtp.messages[0]
    assert msg["To"] == "anna@example.org" and msg["Subject"] == "Dashboard-Wochenbericht KW 49/2026"
    text = text_of(msg)
    assert "Hallo Anna," in text and "KW 49/2026 (30.11.2026 – 06.12.2026)" in text
    assert "Letzte Woche: 4 (Mittel der 8 Wochen davor: 1,0) — Ausreißer" in text
    assert "Offen: 2" in text and "0-7 Tage alt: 1" in text and "31+ Tage alt: 1" in text
    assert "Median 2,5 Tage" in text and "(2 von 7 Reklamationen beantwortet)" in text
    assert "1. " + EVIL + ": 1.000,00 €" in text and "2. Nordwerk AG: 500,00 €" in text
    assert "3. Kiel Kontor: 200,00 €" in text and "Flensburg" not in text  # top 3 only
    assert "CHF" in text and "1. Nordwerk AG: 300,00 CHF" in text
    assert "Offene Klärfälle: 1" in text and f"{BASE}/review" in text
    assert "Südbau" not in text and "99.999" not in text  # the other tenant: nothing
    # every link is absolute; the dashboard's carries the subscribed filters; drill-downs count what they say
    found = links(text)
    assert "/dashboard?period=30d" in found
    last_week = next(u for u in found if u.startswith("/search?") and "to=2026-12-06" in u)
    assert search_total(ctx, anna, last_week) == 4
    assert "<h3" in html_of(msg) and f'href="{BASE}/dashboard?period=30d"' in html_of(msg)

    # a second run in the same week: nothing (the subscription records the week; the outbox id is fixed)
    again = deliver(ctx, NOW + dt.timedelta(hours=5), cfg(smtp))
    assert again.queued == 0 and again.already == 1 and len(smtp.messages) == 1
    # next Monday before the digest hour: still nothing; from 7:00 on: week 50's digest
    early = deliver(ctx, dt.datetime(2026, 12, 14, 6, 30, tzinfo=BERLIN), cfg(smtp))
    assert early.due is False and len(smtp.messages) == 1
    later = deliver(ctx, dt.datetime(2026, 12, 14, 7, 5, tzinfo=BERLIN), cfg(smtp))
    assert later.week == "2026-W50" and later.queued == 1 and len(smtp.messages) == 2
    assert smtp.messages[1]["Subject"] == "Dashboard-Wochenbericht KW 50/2026"
    assert "Letzte Woche keine neuen Reklamationen" in text_of(smtp.messages[1])
    assert D.digest_subscription(ctx, anna).last_week == "2026-W50"

    # digests share the outbox but are no inbox entries, and no view subscriptions
    assert N.notifications(ctx, anna) == ([], 0) and N.unread_count(ctx, anna) == 0
    assert N.list_subscriptions(ctx, anna) == []
    assert {o["email_status"] for o in outbox(es, ctx)} == {"sent"}


def test_each_recipient_gets_only_what_they_may_see_now(ctx, smtp, users_file):
    anna, max_ = user(ctx, "anna"), user(ctx, "max")
    D.subscribe_digest(ctx, anna, "tenant=sued")  # a tenant she cannot see: her own figures only
    D.subscribe_digest(ctx, max_, "tenant=sued")  # he may see "sued" when subscribing …
    write_users(users_file, USERS | {"max": USERS["max"] | {"tenants": ["nord"]}})  # … but not any more

    deliver(ctx, NOW, cfg(smtp))
    by_rcpt = {m["To"]: m for m in smtp.messages}
    assert set(by_rcpt) == {"anna@example.org", "max@example.org"}
    for m in by_rcpt.values():
        text = text_of(m) + html_of(m)
        assert "Südbau" not in text and "99,999" not in text and "99.999" not in text
        assert "S1" not in text
    en = text_of(by_rcpt["max@example.org"])
    assert by_rcpt["max@example.org"]["Subject"] == "Weekly dashboard digest: week 49, 2026"
    assert "Last week: 4 (mean of the 8 weeks before: 1.0)" in en  # nord's complaints, not sued's 6
    assert "Open: 2" in en

    # someone who may see both tenants gets both
    write_users(users_file, USERS)
    D.subscribe_digest(ctx, user(ctx, "max"), "tenant=sued", lang="de")
    ND.reset_week(ctx.store, ND.digest_subscription_id("max"))  # as if it were a new week
    deliver(ctx, NOW + dt.timedelta(hours=1), cfg(smtp))
    both = text_of(smtp.messages[-1])
    assert smtp.messages[-1]["To"] == "max@example.org" and "Letzte Woche: 9" in both and "Südbau GmbH" in both


def test_a_permission_change_while_queued_withdraws_and_recomputes(es, ctx, smtp, users_file):
    max_ = user(ctx, "max")
    D.subscribe_digest(ctx, max_, "")
    down = deliver(ctx, NOW, cfg(port=free_port()))  # SMTP down: the digest stays queued
    assert down.queued == 1 and down.delivery.requeued == 1 and smtp.messages == []
    write_users(users_file, USERS | {"max": USERS["max"] | {"tenants": ["nord"]}})

    later = NOW + dt.timedelta(hours=2)
    first = deliver(ctx, later, cfg(smtp))  # the queued one was computed with "sued": withdrawn, week reset
    assert first.delivery.withdrawn == 1 and smtp.messages == []
    second = deliver(ctx, later + dt.timedelta(minutes=5), cfg(smtp))  # computed again with his rights of now
    assert second.queued == 1 and len(smtp.messages) == 1
    assert "Südbau" not in text_of(smtp.messages[0])
    assert sorted(o["email_status"] for o in outbox(es, ctx)) == ["sent", "withdrawn"]


def test_inactive_removed_and_unsubscribed_users_get_nothing(ctx, smtp, users_file):
    for login in ("olga", "anna", "max"):
        D.subscribe_digest(ctx, user(ctx, login), "period=90d")
    write_users(users_file, {k: v for k, v in USERS.items() if k != "max"}
                | {"olga": USERS["olga"] | {"active": False}})  # fmt: skip
    report = deliver(ctx, NOW, cfg(smtp))
    assert report.skipped == {"unknown_or_disabled_user": 2}
    assert [m["To"] for m in smtp.messages] == ["anna@example.org"]

    # queued, then the user is deactivated before it goes out: skipped at send time
    write_users(users_file, USERS)
    queued = D.enqueue_digests(ctx, NOW + dt.timedelta(hours=1), drill_href=drill_href)
    assert queued.queued == 2  # olga's and max's
    write_users(users_file, USERS | {"olga": USERS["olga"] | {"active": False}})
    assert D.unsubscribe_digest(ctx, user(ctx, "max")) is True
    sent = N.deliver(ctx, NOW + dt.timedelta(hours=1), smtp=cfg(smtp))
    assert sent.emails_sent == 0 and sent.skipped == 1 and sent.withdrawn == 1
    assert [m["To"] for m in smtp.messages] == ["anna@example.org"]
    assert D.digest_subscription(ctx, user(ctx, "max")) is None


def test_customer_names_are_escaped_in_html(ctx, smtp):
    D.subscribe_digest(ctx, user(ctx, "anna"), "period=30d")
    deliver(ctx, NOW, cfg(smtp))
    page = html_of(smtp.messages[0])
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Söhne" in page
    assert page.count("<a href=") >= 10 and 'href="javascript' not in page


def test_an_empty_world_is_no_exception(ctx, smtp):
    D.subscribe_digest(ctx, user(ctx, "leer"), "")
    report = deliver(ctx, NOW, cfg(smtp))
    assert report.queued == 1 and report.errors == []
    text = text_of(smtp.messages[0])
    for empty in ("Letzte Woche keine neuen Reklamationen", "Keine offenen Reklamationen.",
                  "Keine Reklamationen im Zeitraum.", "Kein Umsatz im Zeitraum.", "Keine neuen Dokumente im Zeitraum.",
                  "Keine fehlgeschlagenen Eingänge."):  # fmt: skip
        assert empty in text, empty


def test_subscribing_checks_the_caller_and_the_query(ctx):
    anna = user(ctx, "anna")
    with pytest.raises(Invalid) as bad:
        D.subscribe_digest(ctx, anna, "period=forever")
    assert bad.value.code == "digest.dashboard.error.query"
    with pytest.raises(Invalid):
        D.subscribe_digest(ctx, anna, "o.no_such_panel=30d")
    with pytest.raises(Invalid):
        D.subscribe_digest(ctx, anna, "", lang="fr")
    with pytest.raises(Invalid) as no_mail:
        D.subscribe_digest(ctx, user(ctx, "nomail"), "")
    assert no_mail.value.code == "digest.dashboard.error.no_email"
    api = Principal(login="api:erp", kind="api_client", tenants=frozenset({"nord"}), groups=frozenset({"all"}),
                    capabilities=frozenset({"search"}), email="erp@example.org")  # fmt: skip
    with pytest.raises(Invalid):
        D.subscribe_digest(ctx, api, "")
    with pytest.raises(Forbidden):
        D.subscribe_digest(ctx, anna.with_(capabilities=frozenset()), "")
    assert D.digest_subscription(ctx, anna) is None

    sub = D.subscribe_digest(ctx, anna, "period=90d&segment=A", lang="en")
    again = D.subscribe_digest(ctx, anna, "period=30d")
    assert again.id == sub.id and again.created_at == sub.created_at and again.query == "period=30d"
    odd = D.subscribe_digest(ctx, anna, "segment=A B&manager=<x>")  # stored as a URL writes it: safe to link
    assert odd.query == "segment=A+B&manager=%3Cx%3E" and D.dashboard_request(odd.query)[0].managers == ("<x>",)
    assert D.unsubscribe_digest(ctx, anna) is True and D.unsubscribe_digest(ctx, anna) is False


@pytest.mark.parametrize("query", [
    "", "period=30d", "period=90d&segment=A&segment=B&manager=anna", "period=custom&from=2026-01-01&to=2026-03-31",
    "tenant=nord&register=invoice&o.revenue_top=365d&department=vertrieb-nord", "period=quarter&o.filing_weekly=30d",
])  # fmt: skip
def test_the_query_reads_as_the_cockpit_reads_it(query):
    mine, bad = D.dashboard_request(query)
    theirs, messages = parse_dashboard_params(query)
    assert bad == [] and messages == [] and mine == theirs
