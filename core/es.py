"""The project's Elasticsearch client: one place that knows the URL, credentials and retries."""

from __future__ import annotations

from functools import lru_cache

from elasticsearch import Elasticsearch

from core.services import EsEndpoint, app_endpoint, es_endpoint
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
    """The application's client for the configured cluster (ES_URL) or the project's local node (as the
    application user: the audit trail is append-only for it)."""
    ep = app_endpoint(get_settings())
    return _cached_client(ep.url, ep.user, ep.password)


def get_admin_client() -> Elasticsearch:
    """The administrator's client: set-up and clean-up only (dropping indices, the audit trail's tests)."""
    ep = es_endpoint(get_settings())
    return _cached_client(ep.url, ep.user, ep.password)
