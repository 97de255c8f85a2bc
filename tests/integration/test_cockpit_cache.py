"""Cockpit caching with the real Redis: keys carry the scope and the data version; an ingest or a manual
filing changes the version, so nobody ever sees a stale or foreign answer."""

from __future__ import annotations

from typing import Any

import redis

from app import search
from cockpit.cache import SAFE_REDIS_CACHE, cache_config
from cockpit.urlstate import SearchState
from tests.e2e._cockpit import customer, document, index_all, make_app


def test_search_results_are_cached_per_scope_and_data_version(es, index_prefix, redis_url, tmp_path):
    customers = [customer("C1", "Müller Bau GmbH", "nord"), customer("C9", "Süd Stahl AG", "sued")]
    docs = [document("n1", title="Rechnung Nord", text="Rechnung Nord"), document("s1", tenant="sued", title="Rechnung Süd",
            text="Rechnung Süd", customers=(("C9", "Süd Stahl AG"),))]  # fmt: skip
    index_all(es, index_prefix, customers, docs)
    cfg = cache_config(index_prefix)
    assert cfg["CACHE_TYPE"] == SAFE_REDIS_CACHE
    app = make_app(index_prefix, tmp_path, es, cache_config=cfg)
    svc = app.server.extensions["app_context"]
    anna, mehmet = svc.directory.get("anna.schmidt"), svc.directory.get("mehmet.kaya")
    calls: list[Any] = []
    real = svc.search.search

    def counting(request: Any, principal: Any) -> Any:
        calls.append(principal.login)
        return real(request, principal)

    svc.search.search = counting  # type: ignore[method-assign]
    state = SearchState(q="Rechnung", mode="keyword").to_request()
    with app.server.app_context():
        first = search.search(svc, anna, state)
        again = search.search(svc, anna, state)
        other = search.search(svc, mehmet, state)
    assert calls == ["anna.schmidt", "mehmet.kaya"]  # the repeat came from Redis
    assert [h.doc_id for h in first.hits] == [h.doc_id for h in again.hits] == ["n1"]
    assert [h.doc_id for h in other.hits] == ["s1"]  # same query, other scope: its own answer
    keys = redis.Redis.from_url(redis_url).keys(f"{index_prefix}:search:*")
    assert len(keys) == 2

    # an ingest (new document) changes the data version: the next search is computed again
    dv = svc.data_version()
    index_all(es, index_prefix, [], [document("n2", title="Rechnung Nord zwei", text="Rechnung Nord zwei")])
    svc.invalidate()  # the version is cached for a few seconds; tests do not wait
    assert svc.data_version() != dv
    with app.server.app_context():
        fresh = search.search(svc, anna, state)
    assert {h.doc_id for h in fresh.hits} == {"n1", "n2"} and calls[-1] == "anna.schmidt"


def test_redis_outage_degrades_to_computing(es, index_prefix, tmp_path):
    index_all(
        es,
        index_prefix,
        [customer("C1", "Müller Bau GmbH", "nord")],
        [document("n1", title="Rechnung", text="Rechnung")],
    )
    broken = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://127.0.0.1:1/0",
        "CACHE_OPTIONS": {"socket_connect_timeout": 0.2},
    }
    app = make_app(index_prefix, tmp_path, es, cache_config=broken)
    svc = app.server.extensions["app_context"]
    with app.server.app_context():
        res = search.search(
            svc, svc.directory.get("anna.schmidt"), SearchState(q="Rechnung", mode="keyword").to_request()
        )
    assert [h.doc_id for h in res.hits] == ["n1"]
