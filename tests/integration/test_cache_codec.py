"""The cockpit's Redis cache never unpickles: a planted pickle is a miss and runs nothing; every value the app
caches (real objects, built by the app on the demo corpus) comes back from Redis equal."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from app import dashboards, documents, dossier, search
from app.cache import cache_key, safe_get, safe_set
from app.dashboard_model import DashboardRequest
from cockpit.cache import SAFE_REDIS_CACHE, cache_config, harden
from cockpit.cache_codec import CODEC, SafeRedisSerializer
from cockpit.urlstate import SearchState
from tests.e2e._cockpit import demo_app, make_app


class _Planted:
    """Unpickling this creates the marker file (what an attacker's payload would do, harmlessly)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path(self.marker).touch, ())


def _backend(app: Any) -> Any:
    cache = app.server.extensions["dossier_cache"]
    return app.server.extensions["cache"][cache]


def test_a_planted_pickle_under_a_real_key_is_a_miss_and_runs_nothing(es, index_prefix, redis_url, tmp_path, caplog):
    cfg = cache_config(index_prefix)
    assert cfg["CACHE_TYPE"] == SAFE_REDIS_CACHE
    app = make_app(index_prefix, tmp_path, es, cache_config=cfg)
    svc = app.server.extensions["app_context"]
    anna = svc.directory.get("anna.schmidt")
    # the very key the customer labels use case reads (scope, data version, its parts: as AppContext.cached makes it)
    key = cache_key("customer_labels", anna.scope_key, svc.data_version(), "C1")
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Planted(str(marker)))
    raw = redis.Redis.from_url(redis_url)
    for planted in (payload, b"!" + payload):  # bare, and in cachelib's own pickle format ("!" + pickle)
        raw.set(cfg["CACHE_KEY_PREFIX"] + key, planted, ex=60)
        with app.server.app_context():
            assert safe_get(svc.cache, key) is None  # a miss, not an object
            result = search.customer_labels(svc, anna, ["C1"])  # the use case computes instead, stores JSON
        assert not marker.exists(), "the planted pickle was executed"
        assert result == {}  # an empty prefix: no customers
        stored = raw.get(cfg["CACHE_KEY_PREFIX"] + key)
        assert stored is not None and stored.startswith(b"dc1:") and b"pwned" not in stored
    assert "foreign format" in caplog.text
    # sanity: the payload is a working exploit when unpickled (here, on purpose)
    pickle.loads(payload)  # noqa: S301 - the test's own payload
    assert marker.exists()


def test_a_plain_redis_cache_configuration_is_hardened_too(es, index_prefix, redis_url, tmp_path):
    cfg = {**cache_config(index_prefix), "CACHE_TYPE": "RedisCache"}  # flask-caching's pickling backend, by name
    app = make_app(index_prefix, tmp_path, es, cache_config=cfg)
    assert isinstance(_backend(app).serializer, SafeRedisSerializer)
    with app.server.app_context():
        assert safe_set(app.server.extensions["dossier_cache"], "k", ("a", 1))
        assert safe_get(app.server.extensions["dossier_cache"], "k") == ("a", 1)
    assert redis.Redis.from_url(redis_url).get(cfg["CACHE_KEY_PREFIX"] + "k").startswith(b"dc1:")
    with pytest.raises(ValueError, match="not supported"):
        harden(object())


def test_a_value_the_codec_cannot_hold_is_a_logged_miss(es, index_prefix, redis_url, tmp_path, caplog):
    cfg = cache_config(index_prefix)
    app = make_app(index_prefix, tmp_path, es, cache_config=cfg)
    cache = app.server.extensions["dossier_cache"]
    with app.server.app_context():
        assert safe_set(cache, "odd", {"x": object()}) is False
        assert safe_get(cache, "odd") is None
    assert "value not cached" in caplog.text and "builtins.object" in caplog.text
    assert redis.Redis.from_url(redis_url).get(cfg["CACHE_KEY_PREFIX"] + "odd") is None


def test_every_value_the_app_caches_round_trips_through_redis(demo_index, es, redis_url):
    prefix = str(demo_index["prefix"])
    app = demo_app(demo_index, es, cache_config=cache_config(f"{prefix}-codec"))
    svc = app.server.extensions["app_context"]
    cache = svc.cache
    stored: list[tuple[str, Any]] = []
    real_set = cache.set

    def recording_set(key: str, value: Any, timeout: int | None = None) -> Any:
        stored.append((key, value))
        return real_set(key, value, timeout=timeout)

    cache.set = recording_set  # type: ignore[method-assign]
    anna = svc.directory.get("anna.schmidt")
    with app.server.app_context():
        found = search.search(svc, anna, SearchState(q="Rechnung", mode="keyword").to_request())
        search.search(svc, anna, SearchState(q="Rechnung", mode="keyword", group="customer").to_request())
        assert found.hits, "the demo corpus has invoices"
        hit = found.hits[0]
        documents.document(svc, anna, hit.doc_id, highlight="Rechnung")
        documents.similar(svc, anna, hit.doc_id)
        customer_id = next(c for h in found.hits for c in h.customer_ids)
        dossier.dossier(svc, anna, customer_id)
        dossier.home(svc, anna)
        search.suggest_customers(svc, anna, "G")
        search.customer_labels(svc, anna, [customer_id])
        dashboards.dashboard(svc, anna, DashboardRequest())
        dashboards.customer_dashboard(svc, anna, customer_id)
        page = sys.modules.get("pages.dashboard") or sys.modules.get("cockpit.pages.dashboard")
        assert page is not None, "the dashboard page module is loaded by the app"
        page._rendered(anna, DashboardRequest(), "de")  # noqa: SLF001 - the page's cached render
        page._digest_button(anna, "de")  # noqa: SLF001
    namespaces = {key.split(":", 1)[0] for key, _ in stored}
    expected = {"search", "document", "similar", "dossier", "home", "suggest", "customer_labels", "dashboard",
                "dashboard_page", "digest_sub"}  # fmt: skip
    assert expected <= namespaces, f"not cached: {expected - namespaces}"
    for key, value in stored:
        again = safe_get(cache, key)
        assert again is not None, f"{key}: not in Redis (encoding refused?)"
        assert again == value, f"{key}: differs after the round trip"
        assert type(again) is type(value)
        assert CODEC.decode(CODEC.encode(value)) == value
