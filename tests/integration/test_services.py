"""The services are real: Elasticsearch with security, Redis behind flask-caching."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from elasticsearch import AuthenticationException, Elasticsearch

from core.services import EsEndpoint
from indexing import schema


def test_create_index_write_and_read_a_document(es, index_prefix):
    """GIVEN the project's client WHEN a document is indexed THEN it can be read and searched back."""
    name = schema.index_name(index_prefix, "documents")
    es.indices.create(index=name, mappings=schema.documents_mapping(), settings=schema.index_settings("documents"))
    es.indices.put_alias(index=name, name=schema.alias_name(index_prefix, "documents"))
    doc = {
        "doc_id": "d1",
        "tenant": "nord",
        "acl_groups": ["all"],
        "title": "Rechnung RE-2026-00001",
        "text": "Betrag 100 EUR",
    }
    es.index(index=schema.alias_name(index_prefix, "documents"), id="d1", document=doc, refresh=True)
    got = es.get(index=schema.alias_name(index_prefix, "documents"), id="d1")
    assert got["_source"]["title"] == "Rechnung RE-2026-00001"
    hits = es.search(index=schema.alias_name(index_prefix, "documents"), query={"match": {"text": "betrag"}})["hits"][
        "hits"
    ]
    assert [h["_id"] for h in hits] == ["d1"]


def test_request_without_credentials_is_refused(es_endpoint: EsEndpoint):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(es_endpoint.url + "/_cluster/health", timeout=5)
    assert err.value.code == 401
    anonymous = Elasticsearch(es_endpoint.url, request_timeout=5)
    with pytest.raises(AuthenticationException):
        anonymous.cluster.health()


def test_wrong_password_is_refused(es_endpoint: EsEndpoint):
    wrong = Elasticsearch(es_endpoint.url, basic_auth=(es_endpoint.user, es_endpoint.password + "x"), request_timeout=5)
    with pytest.raises(AuthenticationException):
        wrong.cluster.health()


def test_schema_mappings_are_accepted_by_the_server(es, index_prefix):
    for kind in schema.KINDS:
        es.indices.create(index=schema.index_name(index_prefix, kind), mappings=schema.mapping_for(kind))
    assert len(es.indices.get(index=f"{index_prefix}-*")) == len(schema.KINDS)
