"""The project's own Elasticsearch node speaks HTTPS only, with a certificate of the project's CA (var/es-tls), and
every client verifies it: one that does not trust that CA fails, plain HTTP gets nothing."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import socket
import ssl
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from elasticsearch import Elasticsearch
from elasticsearch import exceptions as es_exceptions

from core import es_tls, services
from core.es import make_client
from core.services import EsEndpoint
from core.settings import Settings, get_settings


def _local(es_endpoint: EsEndpoint) -> Settings:
    if not es_endpoint.managed:
        pytest.fail("ES_URL is set: these tests check the project's own node; unset ES_URL")
    return get_settings()


def _port(ep: EsEndpoint) -> int:
    return int(ep.url.rsplit(":", 1)[1].rstrip("/"))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_node_answers_over_https_with_a_certificate_of_the_project_ca(es_endpoint, es):
    settings = _local(es_endpoint)
    assert es_endpoint.url.startswith("https://127.0.0.1:")
    assert es_endpoint.ca_certs == str(services.es_ca_file(settings))
    assert services.app_endpoint(settings).ca_certs == es_endpoint.ca_certs

    ctx = ssl.create_default_context(cafile=es_endpoint.ca_certs)  # hostname (IP SAN) and chain verified
    with (
        socket.create_connection(("127.0.0.1", _port(es_endpoint)), timeout=5) as raw,
        ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        served = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
    ca = x509.load_pem_x509_certificate(Path(es_endpoint.ca_certs).read_bytes())
    served.verify_directly_issued_by(ca)  # raises when another CA signed it
    san = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert served.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=services.RENEW_BEFORE_DAYS)

    assert services.es_health(es_endpoint)["status"] in ("green", "yellow")  # the launcher's own requests
    assert es.cluster.health()["status"] in ("green", "yellow")  # the application's client (ca_certs)


def test_a_client_that_does_not_trust_the_project_ca_fails(es_endpoint):
    _local(es_endpoint)
    # urllib with the system's trust store only
    with pytest.raises(urllib.error.URLError) as err:
        urllib.request.urlopen(es_endpoint.url + "/_cluster/health", timeout=5)  # noqa: S310 (test)
    assert isinstance(err.value.reason, ssl.SSLCertVerificationError)
    # the Elasticsearch client with its default trust store (certifi)
    stranger = Elasticsearch(es_endpoint.url, basic_auth=(es_endpoint.user, es_endpoint.password), request_timeout=5,
                             max_retries=0)  # fmt: skip
    with pytest.raises(es_exceptions.SSLError) as conn_err:
        stranger.cluster.health()
    assert "CERTIFICATE_VERIFY_FAILED" in repr(conn_err.value)
    # the project's client for an endpoint without the CA: also verifies, also fails
    no_ca = EsEndpoint(es_endpoint.url, es_endpoint.user, es_endpoint.password, managed=False)
    with pytest.raises(es_exceptions.SSLError):
        make_client(no_ca, timeout=5).options(max_retries=0).cluster.health()
    # the launcher's own health check names the certificate problem
    with pytest.raises(services.ServiceError, match="not trusted"):
        services.es_health(no_ca)


def test_plain_http_gets_no_answer(es_endpoint):
    _local(es_endpoint)
    conn = http.client.HTTPConnection("127.0.0.1", _port(es_endpoint), timeout=5)
    try:
        with pytest.raises((OSError, http.client.HTTPException)):
            conn.request("GET", "/_cluster/health")
            resp = conn.getresponse()
            resp.read()
            pytest.fail(f"plain HTTP got an answer: {resp.status}")  # pragma: no cover
    finally:
        conn.close()


def test_private_keys_are_private_and_the_node_holds_no_ca_key(es_endpoint):
    settings = _local(es_endpoint)
    tls = services.es_tls_dir(settings)
    assert _mode(tls) == 0o700
    for key in (tls / "ca.key", tls / "node.key"):
        assert _mode(key) in (0o600, 0o400), key
        assert key.stat().st_uid == os.geteuid()
    node_certs = settings.es_home / "config" / services.NODE_CERT_DIR
    assert _mode(node_certs / "node.key") in (0o600, 0o400)
    assert _mode(node_certs) == 0o700
    assert sorted(p.name for p in node_certs.iterdir()) == ["ca.crt", "node.crt", "node.key"]  # no CA key
    if os.geteuid() == 0:  # the node runs as its own user: it owns what it must read
        import pwd

        node_uid = pwd.getpwnam(settings.es_os_user).pw_uid
        assert (node_certs / "node.key").stat().st_uid == node_uid
        assert (tls / "ca.key").stat().st_uid == 0


def test_certificates_are_made_once_and_renewed_only_when_needed(tmp_path):
    settings = Settings(var_dir=tmp_path / "var", cache_dir=tmp_path / "cache")
    ca_file = services.ensure_tls(settings)
    tls = services.es_tls_dir(settings)
    first = {p.name: p.read_bytes() for p in tls.iterdir() if not p.name.startswith(".")}
    services.ensure_tls(settings)
    assert {p.name: p.read_bytes() for p in tls.iterdir() if not p.name.startswith(".")} == first  # kept

    (tls / "node.crt").unlink()  # a missing node certificate: a new one from the same CA
    services.ensure_tls(settings)
    assert (tls / "ca.crt").read_bytes() == first["ca.crt"] and (tls / "ca.key").read_bytes() == first["ca.key"]
    assert (tls / "node.crt").read_bytes() != first["node.crt"]
    node = x509.load_pem_x509_certificate((tls / "node.crt").read_bytes())
    node.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_file.read_bytes()))

    (tls / "ca.key").write_bytes(b"garbage")  # an unusable CA: a new CA and a new node certificate
    services.ensure_tls(settings)
    assert (tls / "ca.crt").read_bytes() != first["ca.crt"]
    node = x509.load_pem_x509_certificate((tls / "node.crt").read_bytes())
    node.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_file.read_bytes()))
    assert _mode(tls / "ca.key") == 0o600 and _mode(tls / "node.key") == 0o600


def test_a_node_certificate_about_to_expire_is_renewed_from_the_same_ca(tmp_path, monkeypatch):
    settings = Settings(var_dir=tmp_path / "var", cache_dir=tmp_path / "cache")
    tls = services.es_tls_dir(settings)
    monkeypatch.setattr(es_tls, "NODE_VALID_DAYS", es_tls.RENEW_BEFORE_DAYS - 1)  # issued already "expiring"
    services.ensure_tls(settings)
    short = (tls / "node.crt").read_bytes()
    ca = (tls / "ca.crt").read_bytes()
    monkeypatch.setattr(es_tls, "NODE_VALID_DAYS", 825)
    services.ensure_tls(settings)
    assert (tls / "node.crt").read_bytes() != short and (tls / "ca.crt").read_bytes() == ca
    renewed = x509.load_pem_x509_certificate((tls / "node.crt").read_bytes())
    assert renewed.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=800)
