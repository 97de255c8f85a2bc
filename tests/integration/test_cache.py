"""flask-caching goes to the real Redis; a Redis outage degrades to computing, never to an error."""

from __future__ import annotations

import redis
from flask import Flask
from flask_caching import Cache

from app.cache import cache_key, safe_get, safe_set
from cockpit.cache import SAFE_REDIS_CACHE, cache_config


def test_cache_values_land_in_redis(redis_url, monkeypatch):
    cfg = cache_config()
    assert cfg["CACHE_TYPE"] == SAFE_REDIS_CACHE
    app = Flask("t")
    cache = Cache(app, config=cfg)
    key = cache_key("search", "tenant=nord;groups=all", "v1", "rechnung")
    with app.app_context():
        assert safe_set(cache, key, {"hits": 3})
        assert safe_get(cache, key) == {"hits": 3}
    raw = redis.Redis.from_url(redis_url)
    assert raw.exists(cfg["CACHE_KEY_PREFIX"] + key) == 1


def test_scope_and_data_version_are_part_of_the_key():
    a = cache_key("search", "tenant=nord", "v1", "rechnung")
    assert a != cache_key("search", "tenant=sued", "v1", "rechnung")
    assert a != cache_key("search", "tenant=nord", "v2", "rechnung")


def test_redis_down_is_a_cache_miss_not_an_error(redis_url):
    app = Flask("t")
    cfg = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": "redis://127.0.0.1:1/0",
        "CACHE_OPTIONS": {"socket_connect_timeout": 0.2},
    }
    cache = Cache(app, config=cfg)
    with app.app_context():
        assert safe_set(cache, "k", 1) is False
        assert safe_get(cache, "k") is None

        @cache.memoize(60)
        def compute(x: int) -> int:
            return x * 2

        assert compute(21) == 42
