"""TLS of the project's local Elasticsearch node: its own CA and the node's certificate (made with `cryptography`).

The node serves HTTPS only, with a certificate of the project's own CA. Made once (the integ-test zip has no
elasticsearch-certutil) into settings.var_dir/es-tls (0700, the launcher's user):
  ca.key    the CA's private key (0600): never leaves this folder, the node does not get it
  ca.crt    what every client of the local node trusts (EsEndpoint.ca_certs)
  node.key  the node's private key (0600), node.crt its certificate (SAN 127.0.0.1, ::1, localhost)
The node reads PEM files only inside its config folder: `core.services` copies node.key, node.crt and ca.crt to
var/es/config/certs (0700, the node user's; node.key 0600). Regenerated only when missing, not matching or
expiring within RENEW_BEFORE_DAYS; the node re-reads changed certificate files by itself.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from core.settings import Settings

NODE_CERT_DIR = "certs"
CA_VALID_DAYS = 3650
NODE_VALID_DAYS = 825
RENEW_BEFORE_DAYS = 30


def es_tls_dir(settings: Settings) -> Path:
    return settings.var_dir / "es-tls"


def es_ca_file(settings: Settings) -> Path:
    """The project CA's certificate: the trust anchor of every client of the local node."""
    return es_tls_dir(settings) / "ca.crt"


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Write atomically with `mode` from the first byte (0600 for keys)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _load_pair(cert_file: Path, key_file: Path) -> tuple[Any, Any] | None:
    """(certificate, private key) when both load, belong together and stay valid beyond RENEW_BEFORE_DAYS."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    now = dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc - dt.timedelta(days=RENEW_BEFORE_DAYS):
        return None
    der = serialization.Encoding.DER
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if cert.public_key().public_bytes(der, spki) != key.public_key().public_bytes(der, spki):
        return None
    return cert, key


def _node_cert_ok(cert: Any, ca_cert: Any) -> bool:
    import ipaddress

    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(ca_cert)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    return ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress) and (
        "localhost" in san.get_values_for_type(x509.DNSName)
    )


def _new_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=3072)


def _key_pem(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(  # type: ignore[no-any-return]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _issue(subject: str, key: Any, issuer: Any, issuer_key: Any, days: int) -> Any:
    """A certificate for `key`: a self-signed CA when no issuer is given, else a server certificate."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dossier-cockpit"),
                      x509.NameAttribute(NameOID.COMMON_NAME, subject)])  # fmt: skip
    is_ca = issuer is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name if is_ca else issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=0 if is_ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if is_ca:
        usage = {"key_cert_sign": True, "crl_sign": True, "digital_signature": True, "key_encipherment": False}
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
    else:
        usage = {"key_cert_sign": False, "crl_sign": False, "digital_signature": True, "key_encipherment": True}
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        builder = builder.add_extension(
            x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]),
            critical=False,
        )  # fmt: skip
    builder = builder.add_extension(
        x509.KeyUsage(content_commitment=False, data_encipherment=False, key_agreement=False, encipher_only=False,
                      decipher_only=False, **usage),
        critical=True,
    )  # fmt: skip
    return builder.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())


def ensure_tls(settings: Settings) -> Path:
    """The project CA and the node's certificate, made once and kept (renewed only when missing, not matching or
    about to expire). Returns the CA certificate file. Serialised between processes by a lock file."""
    import fcntl

    from cryptography.hazmat.primitives import serialization

    folder = es_tls_dir(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        ca = _load_pair(folder / "ca.crt", folder / "ca.key")
        if ca is None:
            ca_key = _new_key()
            ca = (_issue("dossier-cockpit local CA", ca_key, None, None, CA_VALID_DAYS), ca_key)
            _write_file(folder / "ca.key", _key_pem(ca_key), 0o600)
            _write_file(folder / "ca.crt", ca[0].public_bytes(serialization.Encoding.PEM), 0o644)
        node = _load_pair(folder / "node.crt", folder / "node.key")
        if node is None or not _node_cert_ok(node[0], ca[0]):
            node_key = _new_key()
            cert = _issue("dossier-node-1", node_key, ca[0], ca[1], NODE_VALID_DAYS)
            _write_file(folder / "node.key", _key_pem(node_key), 0o600)
            _write_file(folder / "node.crt", cert.public_bytes(serialization.Encoding.PEM), 0o644)
        for key_file in (folder / "ca.key", folder / "node.key"):
            os.chmod(key_file, 0o600)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return folder / "ca.crt"
