"""The task page pages a long queue (50 rows a page, soonest due first): "Fälle 51–60 von 60" with links that keep
the other table's page, and a page number that is none gets a message instead of a trace."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app import cases
from cockpit.dashclient import DashClient, find, texts
from tests.e2e._cockpit import document
from tests.helpers import index_documents
from tests.integration.api_world import build

pytestmark = pytest.mark.integration

N = 60


@pytest.fixture(scope="module")
def world(es, redis_url, tmp_path_factory):  # type: ignore[no-untyped-def]
    prefix = f"test-ckpages-{uuid.uuid4().hex[:8]}"
    w = build(es, prefix, tmp_path_factory.mktemp("ckpages"))
    docs = [document(f"rq-{i:03d}", title=f"Reklamation Nr. {i:03d}", text="Reklamation", register="complaint",
                     customers=(("C2", "Maier Anlagen GmbH"),)) for i in range(N)]  # fmt: skip
    index_documents(es, prefix, docs)
    opened = cases.open_for_new_documents(w["ctx"], [d["doc_id"] for d in docs])
    assert len(opened.opened) == N, opened.errors
    yield w
    es.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")


def page_of(world: dict[str, Any], url: str) -> Any:
    c = DashClient(world["app"])
    c.login("jonas.weber")
    return c.page(url)


def test_a_long_queue_is_paged(world):  # type: ignore[no-untyped-def]
    first = page_of(world, "/aufgaben")
    queue = find(first, id="tasks-queue-card")[0]
    assert texts(queue).count("Übernehmen") == 50 and "Fälle 1–50 von 60" in texts(queue)
    nxt = find(first, id="tasks-queue-next")[0]
    assert nxt["props"]["href"] == "/aufgaben?q=2"
    second = page_of(world, "/aufgaben?q=2")
    queue2 = find(second, id="tasks-queue-card")[0]
    assert texts(queue2).count("Übernehmen") == 10 and "Fälle 51–60 von 60" in texts(queue2)
    assert find(second, id="tasks-queue-prev") and not find(second, id="tasks-queue-next")
    shown = {t for t in texts(queue).split() if t.isdigit()} | {t for t in texts(queue2).split() if t.isdigit()}
    assert {f"{i:03d}" for i in range(N)} <= shown  # every case on one of the two pages


def test_a_bad_page_number_is_a_message(world):  # type: ignore[no-untyped-def]
    page = page_of(world, "/aufgaben?q=<b>x</b>")
    assert "Ungültige Seitenzahl „<b>x</b>“ – Seite 1 wird gezeigt." in texts(page)
    assert "Fälle 1–50 von 60" in texts(find(page, id="tasks-queue-card")[0])
