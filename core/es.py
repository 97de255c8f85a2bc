"""The project's Elasticsearch client: one place that knows the URL, credentials and retries."""

from __future__ import annotations

from functools import lru_cache

from elasticsearch import Elasticsearch

from core.services import EsEndpoint, es_endpoint
from core.settings import get_settings


def make_client(ep: EsEndpoint, *, timeout: float = 30.0) -> Elasticsearch:
    return Elasticsearch(
        ep.url,
        basic_auth=(ep.user, ep.password),
        request_timeout=timeout,
        retry_on_timeout=True,
        max_retries=3,
    )


@lru_cache(maxsize=4)
def _cached_client(url: str, user: str, password: str) -> Elasticsearch:
    return make_client(EsEndpoint(url, user, password, managed=False))


def get_client() -> Elasticsearch:
    """A client for the configured cluster (ES_URL) or the project's local node."""
    ep = es_endpoint(get_settings())
    return _cached_client(ep.url, ep.user, ep.password)
