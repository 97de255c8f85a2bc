"""The project's Elasticsearch client: one place that knows the URL, credentials, the CA and retries."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from elasticsearch import Elasticsearch

from core.services import EsEndpoint, app_endpoint, es_endpoint
from core.settings import get_settings


def make_client(ep: EsEndpoint, *, timeout: float = 30.0) -> Elasticsearch:
    """A client for `ep`. Over https the server's certificate is always verified: against `ep.ca_certs` (the
    project's CA for the local node, ES_CA_CERTS for an external cluster) or else the system's trust store."""
    tls: dict[str, Any] = {}
    if ep.url.startswith("https://"):
        tls["verify_certs"] = True
        if ep.ca_certs:
            tls["ca_certs"] = ep.ca_certs
    return Elasticsearch(
        ep.url,
        basic_auth=(ep.user, ep.password),
        request_timeout=timeout,
        retry_on_timeout=True,
        max_retries=3,
        **tls,
    )


@lru_cache(maxsize=4)
def _cached_client(url: str, user: str, password: str, ca_certs: str | None) -> Elasticsearch:
    return make_client(EsEndpoint(url, user, password, managed=False, ca_certs=ca_certs))


def get_client() -> Elasticsearch:
    """The application's client for the configured cluster (ES_URL) or the project's local node (as the
    application user: the audit trail is append-only for it)."""
    ep = app_endpoint(get_settings())
    return _cached_client(ep.url, ep.user, ep.password, ep.ca_certs)


def get_admin_client() -> Elasticsearch:
    """The administrator's client: set-up and clean-up only (dropping indices, the audit trail's tests)."""
    ep = es_endpoint(get_settings())
    return _cached_client(ep.url, ep.user, ep.password, ep.ca_certs)
