"""The services are real: Elasticsearch with security; Redis with a password and an append-only file."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from elasticsearch import AuthenticationException, Elasticsearch

from core import services
from core.services import EsEndpoint
from core.settings import Settings, get_settings
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
        urllib.request.urlopen(  # noqa: S310 (the node's https URL)
            es_endpoint.url + "/_cluster/health", timeout=5, context=services._ssl_context(es_endpoint)
        )
    assert err.value.code == 401
    anonymous = Elasticsearch(es_endpoint.url, request_timeout=5, ca_certs=es_endpoint.ca_certs)
    with pytest.raises(AuthenticationException):
        anonymous.cluster.health()


def test_wrong_password_is_refused(es_endpoint: EsEndpoint):
    wrong = Elasticsearch(es_endpoint.url, basic_auth=(es_endpoint.user, es_endpoint.password + "x"), request_timeout=5,
                          ca_certs=es_endpoint.ca_certs)  # fmt: skip
    with pytest.raises(AuthenticationException):
        wrong.cluster.health()


def test_schema_mappings_are_accepted_by_the_server(es_admin, index_prefix):
    for kind in schema.KINDS:
        es_admin.indices.create(index=schema.index_name(index_prefix, kind), mappings=schema.mapping_for(kind))
    assert len(es_admin.indices.get(index=f"{index_prefix}-*")) == len(schema.KINDS)


# --------------------------------------------------------------------------- Redis (password + AOF)
# The session's Redis is shared with other tests: only keys of our own (uuid) are written, and removed again.


def _local_settings() -> Settings:
    settings = get_settings()
    if settings.redis_url:
        pytest.fail("REDIS_URL is set: these tests check the project's own redis-server; unset REDIS_URL")
    return settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _redis_server_command_lines() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if "redis-server" in line]


def test_redis_refuses_a_client_without_the_password(redis_url):
    """GIVEN the project's Redis WHEN a client brings no (or a wrong) password THEN it is refused."""
    parts = urllib.parse.urlsplit(redis_url)
    assert parts.password, "the URL carries the password"
    anonymous = redis.Redis(host=parts.hostname, port=parts.port, socket_timeout=5)
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)) as err:
        anonymous.ping()
    if not isinstance(err.value, redis.exceptions.AuthenticationError):
        assert "NOAUTH" in str(err.value)
    wrong = redis.Redis(host=parts.hostname, port=parts.port, password=parts.password + "x", socket_timeout=5)
    with pytest.raises(redis.exceptions.AuthenticationError):
        wrong.ping()
    assert redis.Redis.from_url(redis_url, socket_timeout=5).ping()


def test_redis_secrets_are_readable_by_the_owner_only(redis_url):
    settings = _local_settings()
    home = settings.redis_home
    assert _mode(home) == 0o700
    for name in ("password", "url", "redis.conf"):
        assert _mode(home / name) == 0o600, name
    password = (home / "password").read_text().strip()
    assert (home / "url").read_text().strip() == redis_url == services.redis_url(settings)
    assert urllib.parse.urlsplit(redis_url).password == password
    conf = (home / "redis.conf").read_text().splitlines()
    for line in ("bind 127.0.0.1", "appendonly yes", "appendfsync everysec", 'save ""', "protected-mode yes"):
        assert line in conf, line
    lines = _redis_server_command_lines()
    assert lines, "redis-server is running"
    assert not any(password in line for line in lines), "the password must not be on a command line"


def test_data_survives_a_restart_and_the_url_stays(redis_url):
    """GIVEN a key in Redis WHEN the server is restarted THEN the key is still there (AOF) under the same URL."""
    settings = _local_settings()
    key = f"test-services:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        before_pid = client.info("server")["process_id"]
        client.set(key, "persisted")
        client.close()

        url = services.restart_redis(settings)

        assert url == redis_url
        assert services.redis_url(settings) == redis_url
        client = redis.Redis.from_url(url, socket_timeout=5)
        assert client.info("server")["process_id"] != before_pid, "a new server process"
        assert client.get(key) == b"persisted"
        password = urllib.parse.urlsplit(url).password
        assert password
        assert not any(password in line for line in _redis_server_command_lines())
    finally:
        redis.Redis.from_url(services.redis_url(settings) or redis_url, socket_timeout=5).delete(key)


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_server_of_the_old_launcher_is_replaced_and_stop_start_keeps_the_data(tmp_path):
    """GIVEN a password-less redis-server left by the old launcher WHEN start_redis runs THEN it is replaced by
    a password-protected one; a stop and a start keep the URL and the data."""
    settings = Settings(var_dir=tmp_path / "var", redis_port=_unused_port())
    home = settings.redis_home
    home.mkdir(parents=True)
    port = settings.redis_port
    subprocess.run(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
         "--pidfile", str(home / "redis.pid"), "--dir", str(home), "--logfile", str(home / "redis.log"),
         "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
        check=True, capture_output=True,
    )  # fmt: skip
    legacy = f"redis://127.0.0.1:{port}/0"
    (home / "url").write_text(legacy)
    try:
        for _ in range(50):
            if services._redis_ping(legacy) and (home / "redis.pid").exists():
                break
            time.sleep(0.1)
        old_pid = int((home / "redis.pid").read_text())
        assert services.redis_url(settings) == legacy

        url = services.start_redis(settings)

        assert url is not None and url != legacy
        assert urllib.parse.urlsplit(url).password == (home / "password").read_text().strip()
        assert services._exited(old_pid), "the old server was stopped"
        with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)):
            redis.Redis(host="127.0.0.1", port=urllib.parse.urlsplit(url).port, socket_timeout=5).ping()
        assert _mode(home) == 0o700
        redis.Redis.from_url(url, socket_timeout=5).set("k", "v")

        assert services.stop_redis(settings) is True
        assert services.redis_url(settings) is None
        assert services.start_redis(settings) == url
        assert redis.Redis.from_url(url, socket_timeout=5).get("k") == b"v"
    finally:
        services.stop_redis(settings)
        pid = services._redis_pid(settings)
        if pid is not None:  # never leave a server behind
            os.kill(pid, 9)
