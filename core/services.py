"""Start, stop and inspect the services the project runs itself: Elasticsearch and Redis.

Elasticsearch: when ES_URL is set we use that cluster. Otherwise the project fetches the
`integ-test-zip` distribution from Maven Central with `mvn`, caches it, and runs a single node bound
to 127.0.0.1 with security on (the `elastic` superuser's password from settings, or generated once
into a 0600 file) and HTTPS only: its certificate is signed by the project's own CA, made once into
var/es-tls (`ensure_tls`); every client verifies it against that CA. When started as root the node runs as
a dedicated system user.

Redis: REDIS_URL when given; else Debian's `redis-server` on a free loopback port, with a password generated
once into a 0600 file and the data persisted as an append-only file (it holds the job queue); else nothing
(the cockpit falls back to an in-process cache and says so).

Every failure is a `ServiceError` with one line that says what to do; nothing is left half-started.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

import core  # noqa: F401  (environment)
from core.es_roles import APP_ROLE, APP_USER, app_role
from core.es_tls import (  # noqa: F401  (re-exported: core.services is the services' one entry point)
    CA_VALID_DAYS,
    NODE_CERT_DIR,
    NODE_VALID_DAYS,
    RENEW_BEFORE_DAYS,
    _load_pair,
    _node_cert_ok,
    _write_file,
    ensure_tls,
    es_ca_file,
    es_tls_dir,
)
from core.private_files import lock_down
from core.settings import Settings, get_settings

ES_GROUP = "org.elasticsearch.distribution.integ-test-zip"
ES_ARTIFACT = "elasticsearch"


class ServiceError(RuntimeError):
    """A one-line, actionable error about a service."""


@dataclass(frozen=True)
class EsEndpoint:
    url: str
    user: str
    password: str = field(repr=False)
    managed: bool  # True when the project runs the node itself
    # PEM file of the CA that signed the node's certificate (the project's own CA for the local node, ES_CA_CERTS
    # for an external cluster); None: the system's trust store. Certificates are always verified.
    ca_certs: str | None = None


# --------------------------------------------------------------------------- helpers


def _secret(value: SecretStr | None) -> str:
    """A secret setting's value ("" when unset): only where it is handed to the service, never logged."""
    return value.get_secret_value() if value is not None else ""


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def free_port(preferred: int) -> int:
    if not _port_open("127.0.0.1", preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pid_alive(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _is_root() -> bool:
    return os.geteuid() == 0


def java_home() -> Path:
    env = os.environ.get("ES_JAVA_HOME") or os.environ.get("JAVA_HOME")
    if env and (Path(env) / "bin" / "java").exists():
        return Path(env)
    java = shutil.which("java")
    if not java:
        raise ServiceError(
            "Java not found: install a JDK 17 (apt-get install openjdk-17-jre-headless) or set ES_JAVA_HOME"
        )
    return Path(os.path.realpath(java)).parent.parent


def _ssl_context(ep: EsEndpoint) -> ssl.SSLContext | None:
    """The TLS context for an https endpoint: the endpoint's CA (or the system's), hostname and chain verified."""
    if not ep.url.startswith("https://"):
        return None
    return ssl.create_default_context(cafile=ep.ca_certs) if ep.ca_certs else ssl.create_default_context()


def _http_send(ep: EsEndpoint, method: str, path: str, body: Any, timeout: float = 10.0) -> tuple[int, str]:
    import base64
    import json
    import urllib.error
    import urllib.request

    if not ep.url.startswith(("http://", "https://")):
        raise ServiceError(f"Elasticsearch URL must be http(s): {ep.url!r}")
    data = json.dumps(body).encode()
    req = urllib.request.Request(ep.url.rstrip("/") + path, data=data, method=method)  # noqa: S310 (checked)
    req.add_header("Content-Type", "application/json")
    token = base64.b64encode(f"{ep.user}:{ep.password}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=_ssl_context(ep)) as resp:  # noqa: S310 (checked)
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _http_get(ep: EsEndpoint, path: str, timeout: float = 2.0, auth: bool = True) -> tuple[int, str]:
    import base64
    import urllib.error
    import urllib.request

    if not ep.url.startswith(("http://", "https://")):
        raise ServiceError(f"Elasticsearch URL must be http(s): {ep.url!r}")
    req = urllib.request.Request(ep.url.rstrip("/") + path)  # noqa: S310 (scheme checked above)
    if auth:
        token = base64.b64encode(f"{ep.user}:{ep.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=_ssl_context(ep)) as resp:  # noqa: S310 (checked)
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


# --------------------------------------------------------------------------- Elasticsearch


def es_password_file(settings: Settings) -> Path:
    return settings.es_home / "elastic-password"


def local_password(settings: Settings) -> str:
    """The configured password, or the one generated once into a 0600 file."""
    if settings.es_password and settings.es_password.get_secret_value():
        return settings.es_password.get_secret_value()
    path = es_password_file(settings)
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password


def app_password_file(settings: Settings) -> Path:
    return settings.es_home / "app-password"


def app_endpoint(settings: Settings | None = None) -> EsEndpoint:
    """What the cockpit, the API and the workers connect as: for the project's own node the application user
    (role `core.es_roles.app_role`: the audit trail is append-only for it); for ES_URL the configured user."""
    settings = settings or get_settings()
    ep = es_endpoint(settings)
    if not ep.managed:
        return ep
    path = app_password_file(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(18) + "\n")
    return EsEndpoint(ep.url, APP_USER, path.read_text().strip(), managed=True, ca_certs=ep.ca_certs)


def ensure_app_user(settings: Settings, admin: EsEndpoint) -> None:
    """The application role and user in the node's file realm (`roles.yml`, `users`): the archive has no
    analysis-common, so the native realm's `.security` index cannot be created. Idempotent; the node re-reads
    the files within seconds."""
    import json

    app = app_endpoint(settings)
    conf = settings.es_home / "config"
    roles = conf / "roles.yml"
    wanted = json.dumps({APP_ROLE: app_role()}, indent=1) + "\n"  # JSON is YAML
    if not roles.exists() or roles.read_text() != wanted:
        roles.write_text(wanted)
        _own_by_node_user(settings, roles)
    if _http_get(app, "/_security/_authenticate")[0] == 200:
        return
    home = ensure_install(settings)
    tool = str(home / "bin" / "elasticsearch-users")
    as_user = ["runuser", "-u", settings.es_os_user, "--"] if _is_root() else []
    env = _node_env(settings, home)
    subprocess.run([*as_user, tool, "userdel", APP_USER], env=env, capture_output=True, check=False)
    proc = subprocess.run([*as_user, tool, "useradd", APP_USER, "-p", app.password, "-r", APP_ROLE], env=env,
                          capture_output=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        detail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()[-1:]
        raise ServiceError(f"elasticsearch-users useradd failed ({proc.returncode}): {' '.join(detail)}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _http_get(app, "/_security/_authenticate")[0] == 200:
            return
        time.sleep(0.5)
    raise ServiceError(f"the Elasticsearch user {APP_USER} does not authenticate: see {es_log_file(settings)}")


def _own_by_node_user(settings: Settings, path: Path) -> None:
    if _is_root():
        uid, gid = _ensure_os_user(settings.es_os_user)
        os.chown(path, uid, gid)


def es_endpoint(settings: Settings | None = None) -> EsEndpoint:
    settings = settings or get_settings()
    if settings.es_url:
        ca = str(settings.es_ca_certs) if settings.es_ca_certs else None
        return EsEndpoint(settings.es_url, settings.es_user, _secret(settings.es_password), managed=False, ca_certs=ca)
    return EsEndpoint(f"https://127.0.0.1:{settings.es_port}", "elastic", local_password(settings), managed=True,
                      ca_certs=str(es_ca_file(settings)))  # fmt: skip


def archive_path(settings: Settings) -> Path:
    return settings.cache_dir / f"elasticsearch-{settings.es_version}.zip"


def _zip_ok(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            return any(n.endswith("bin/elasticsearch") for n in names)
    except (OSError, zipfile.BadZipFile):
        return False


def ensure_archive(settings: Settings) -> Path:
    """Fetch the distribution zip with Maven once; a half-downloaded file is detected and replaced."""
    target = archive_path(settings)
    if target.exists():
        if _zip_ok(target):
            return target
        target.unlink()  # half-downloaded or corrupt: fetch again
    mvn = shutil.which("mvn")
    if not mvn:
        raise ServiceError("Maven (mvn) not found: apt-get install maven, or set ES_URL to an existing cluster")
    target.parent.mkdir(parents=True, exist_ok=True)
    artifact = f"{ES_GROUP}:{ES_ARTIFACT}:{settings.es_version}:zip"
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        log = target.parent / "mvn-fetch.log"
        cmd = [
            mvn, "-B", "-q",
            "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy",
            f"-Dartifact={artifact}", f"-DoutputDirectory={tmp}", "-Dmdep.useBaseVersion=true",
        ]  # fmt: skip
        with open(log, "w") as fh:
            rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=tmp, check=False).returncode
        fetched = Path(tmp) / f"{ES_ARTIFACT}-{settings.es_version}.zip"
        if rc != 0 or not fetched.exists():
            raise ServiceError(f"could not fetch {artifact} with Maven (offline? wrong version?): see {log}")
        if not _zip_ok(fetched):
            raise ServiceError(f"the fetched archive is corrupt; delete {target.parent} and retry (log: {log})")
        os.replace(fetched, target)
    return target


def install_root(settings: Settings) -> Path:
    # As root the node runs as another user, who cannot read /root/.cache: unpack to a shared place.
    if _is_root() and str(settings.cache_dir).startswith("/root"):
        return Path("/var/cache/dossier-cockpit")
    return settings.cache_dir


def ensure_install(settings: Settings) -> Path:
    home = install_root(settings) / f"elasticsearch-{settings.es_version}"
    if (home / ".complete").exists():
        return home
    zip_path = ensure_archive(settings)
    home.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(home.parent, 0o755)  # noqa: S103 (the node user must read the unpacked install)
    with tempfile.TemporaryDirectory(dir=home.parent) as tmp:
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        unpacked = Path(tmp) / f"elasticsearch-{settings.es_version}"
        for sub in ("bin", "jdk/bin"):
            for exe in (unpacked / sub).glob("*") if (unpacked / sub).exists() else []:
                exe.chmod(0o755)
        for native in unpacked.rglob("*"):
            if native.is_dir():
                native.chmod(0o755)
            elif not native.is_symlink():  # extracted under the process umask 077: the node user reads it
                native.chmod(native.stat().st_mode | 0o444)
        if home.exists():
            shutil.rmtree(home)
        os.replace(unpacked, home)
    (home / ".complete").write_text(settings.es_version)
    return home


def _ensure_os_user(name: str) -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True, capture_output=True,
        )  # fmt: skip
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


# --------------------------------------------------------------------------- TLS of the local node (core.es_tls)


def _install_node_certs(settings: Settings) -> None:
    """Copy the node's key, certificate and the CA certificate into its config folder (where the node may read
    PEM files), owned by the node user; unchanged files are left alone (a rewrite makes the node reload them)."""
    src = es_tls_dir(settings)
    dest = settings.es_home / "config" / NODE_CERT_DIR
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(dest, 0o700)
    owner = _ensure_os_user(settings.es_os_user) if _is_root() else None
    for name, mode in (("node.key", 0o600), ("node.crt", 0o644), ("ca.crt", 0o644)):
        data = (src / name).read_bytes()
        target = dest / name
        if not target.exists() or target.read_bytes() != data:
            _write_file(target, data, mode)
        os.chmod(target, mode)
        if owner is not None:
            os.chown(target, *owner)
    if owner is not None:
        os.chown(dest, *owner)


def node_config(settings: Settings) -> str:
    es = settings.es_home
    return "\n".join(
        [
            "cluster.name: dossier-cockpit",
            "node.name: dossier-node-1",
            f"path.data: {es / 'data'}",
            f"path.logs: {es / 'logs'}",
            "network.host: 127.0.0.1",
            f"http.port: {settings.es_port}",
            "transport.port: 0",
            "discovery.type: single-node",
            "xpack.security.enabled: true",
            # HTTPS only, with the project's own CA (ensure_tls); PEM paths are relative to the config folder
            "xpack.security.http.ssl.enabled: true",
            f"xpack.security.http.ssl.key: {NODE_CERT_DIR}/node.key",
            f"xpack.security.http.ssl.certificate: {NODE_CERT_DIR}/node.crt",
            f"xpack.security.http.ssl.certificate_authorities: [ {NODE_CERT_DIR}/ca.crt ]",
            "xpack.security.transport.ssl.enabled: false",
            "action.destructive_requires_name: false",
            "cluster.routing.allocation.disk.threshold_enabled: false",
            "",
        ]
    )


def _prepare_node(settings: Settings, home: Path, password: str) -> Path:
    es = settings.es_home
    conf = es / "config"
    for sub in ("data", "logs"):
        (es / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(es / sub, 0o700)  # the index and its logs: the node's OS user's alone (chowned below as root)
    if not conf.exists():
        shutil.copytree(home / "config", conf)
    (conf / "elasticsearch.yml").write_text(node_config(settings))
    ensure_tls(settings)
    _install_node_certs(settings)
    (conf / "jvm.options.d").mkdir(exist_ok=True)
    (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{settings.es_heap}\n-Xmx{settings.es_heap}\n")
    as_user: list[str] = []
    if _is_root():
        _pass_through(settings.var_dir)
        _check_traversable(es.parent, settings.es_os_user)
        uid, gid = _ensure_os_user(settings.es_os_user)
        _chown_tree(es, uid, gid)
        for pw_file in (es_password_file(settings), app_password_file(settings)):
            if pw_file.exists():
                os.chown(pw_file, 0, 0)  # the password files stay root's
        as_user = ["runuser", "-u", settings.es_os_user, "--"]
    env = _node_env(settings, home)
    tool = str(home / "bin" / "elasticsearch-keystore")
    keystore = conf / "elasticsearch.keystore"
    for cmd, data in (
        ([tool, "create"], None) if not keystore.exists() else ([], None),
        ([tool, "add", "-x", "-f", "bootstrap.password"], password.encode()),
    ):
        if not cmd:
            continue
        proc = subprocess.run([*as_user, *cmd], input=data, env=env, capture_output=True, check=False)
        if proc.returncode != 0:
            detail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ServiceError(f"elasticsearch-keystore failed ({proc.returncode}): {' '.join(detail)}")
    return conf


def _pass_through(var_dir: Path) -> None:
    """var/ made under the process umask 077 is 0700: the node user may pass through it to var/es (x, no listing)."""
    mode = stat.S_IMODE(var_dir.stat().st_mode)
    if not mode & stat.S_IXOTH:
        os.chmod(var_dir, mode | stat.S_IXGRP | stat.S_IXOTH)  # noqa: S103 - traverse only, no read


def _check_traversable(path: Path, user: str) -> None:
    """The node runs as another user: every parent of its folder must be searchable by others."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise ServiceError(
                f"{parent} is not accessible to the node user {user!r} (mode {stat.S_IMODE(mode):o}): "
                "set COCKPIT_VAR_DIR to a folder outside it"
            )


def _node_env(settings: Settings, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ES_") and k != "JAVA_HOME"}
    env["ES_JAVA_HOME"] = str(java_home())
    env["ES_PATH_CONF"] = str(settings.es_home / "config")
    env["ES_JAVA_OPTS"] = "-XX:-HeapDumpOnOutOfMemoryError"
    return env


def es_log_file(settings: Settings) -> Path:
    return settings.es_home / "logs" / "dossier-cockpit.log"


def es_health(ep: EsEndpoint, timeout: float = 2.0) -> dict[str, str] | None:
    """Cluster health as a dict, None when nothing answers. Raises ServiceError on refused credentials."""
    import json

    try:
        status, body = _http_get(ep, "/_cluster/health", timeout=timeout)
    except OSError as exc:
        if isinstance(getattr(exc, "reason", exc), ssl.SSLCertVerificationError):
            where = "the project's CA (var/es-tls/ca.crt)" if ep.managed else "ES_CA_CERTS (the cluster's CA)"
            raise ServiceError(
                f"Elasticsearch at {ep.url} presents a certificate that is not trusted: check {where}"
            ) from exc
        return None
    if status == 401:
        raise ServiceError(f"Elasticsearch at {ep.url} refused the credentials of user {ep.user!r}: check ES_PASSWORD")
    if status != 200:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "status" in data else None


def _health_or_none(ep: EsEndpoint) -> dict[str, str] | None:
    """Health of the local node while it starts: an untrusted certificate (a node that is not ours, or one still
    serving an older certificate) counts as not answering yet; refused credentials still raise."""
    try:
        return es_health(ep)
    except ServiceError as exc:
        if isinstance(exc.__cause__, OSError):
            return None
        raise


def _outdated_config(settings: Settings) -> bool:
    try:
        return (settings.es_home / "config" / "elasticsearch.yml").read_text() != node_config(settings)
    except OSError:
        return False


def start_elasticsearch(settings: Settings | None = None) -> EsEndpoint:
    settings = settings or get_settings()
    ep = es_endpoint(settings)
    if not ep.managed:
        try:
            health = es_health(ep, timeout=5)
        except ServiceError:
            raise
        if health is None:
            raise ServiceError(
                f"ES_URL={ep.url} is not reachable: start that cluster or unset ES_URL to use the local node"
            )
        return ep
    pid_file = settings.es_home / "es.pid"
    ensure_tls(settings)  # the CA the clients trust: made once, before anyone talks to the node
    lock_down(settings.var_dir)  # nothing under var/ readable by other local accounts
    if _port_open("127.0.0.1", settings.es_port):
        if _pid_alive(pid_file) is not None and (settings.es_home / "config").exists():
            _install_node_certs(settings)  # renewed certificates: the running node re-reads them
        health = _health_or_none(ep)
        if health is not None and health.get("status") in ("green", "yellow"):
            ensure_app_user(settings, ep)
            return ep  # reuse the running node
        if _pid_alive(pid_file) is None:
            raise ServiceError(
                f"port {settings.es_port} is taken by another process: stop it or set COCKPIT_ES_PORT to a free port"
            )
        if _outdated_config(settings):
            _kill_pidfile(pid_file)  # our node, started with an older configuration (plain HTTP): restart it
    home = ensure_install(settings)
    if _pid_alive(pid_file) is None:
        _prepare_node(settings, home, ep.password)
        cmd = [str(home / "bin" / "elasticsearch"), "-d", "-p", str(pid_file)]
        if _is_root():
            cmd = ["runuser", "-u", settings.es_os_user, "--", *cmd]
        out = settings.es_home / "logs" / "startup.out"
        with open(out, "wb") as fh:
            rc = subprocess.run(
                cmd, env=_node_env(settings, home), stdout=fh, stderr=subprocess.STDOUT, check=False
            ).returncode
        if rc != 0:
            _kill_pidfile(pid_file)
            raise ServiceError(f"Elasticsearch failed to start (exit {rc}): see {out} and {es_log_file(settings)}")
    deadline = time.monotonic() + settings.es_start_timeout_s
    while time.monotonic() < deadline:
        health = _health_or_none(ep)
        if health is not None and health.get("status") in ("green", "yellow"):
            ensure_app_user(settings, ep)
            return ep
        if _pid_alive(pid_file) is None and not _port_open("127.0.0.1", settings.es_port):
            time.sleep(1.0)
            if _pid_alive(pid_file) is None:
                raise ServiceError(f"Elasticsearch exited during start-up: see {es_log_file(settings)}")
        time.sleep(0.5)
    _kill_pidfile(pid_file)
    raise ServiceError(
        f"Elasticsearch did not become healthy within {settings.es_start_timeout_s:.0f} s: see {es_log_file(settings)}"
    )


def _kill_pidfile(pid_file: Path, timeout: float = 30.0) -> bool:
    pid = _pid_alive(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def stop_elasticsearch(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return _kill_pidfile(settings.es_home / "es.pid")


def elasticsearch_running(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return _pid_alive(settings.es_home / "es.pid") is not None


# --------------------------------------------------------------------------- Redis

# The project's own redis-server keeps everything in settings.redis_home (0700):
#   password   generated once (0600), reused on every start
#   redis.conf rewritten on every start (0600): the password goes here, never on the command line
#   url        redis://:<password>@127.0.0.1:<port>/0 (0600) while the server runs
#   appendonlydir/  the AOF (appendonly yes, fsync every second): queued jobs survive a restart

_REDIS_START_TIMEOUT_S = 30.0  # replaying a large AOF takes a while
_REDIS_STOP_TIMEOUT_S = 30.0


def _redis_ping(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not usable"
        return False


def _redis_requires_auth(url: str) -> bool:
    """True when the server at `url` refuses a client that brings no password."""
    import urllib.parse

    import redis

    parts = urllib.parse.urlsplit(url)
    anonymous = redis.Redis(
        host=parts.hostname or "127.0.0.1", port=parts.port or 6379, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        anonymous.ping()
    except redis.exceptions.AuthenticationError:
        return True
    except redis.exceptions.ResponseError as exc:
        return "NOAUTH" in str(exc).upper()
    except Exception:  # noqa: BLE001 - not reachable: it does not answer anyone
        return False
    finally:
        anonymous.close()
    return False


def redact_redis_url(url: str) -> str:
    """The URL with its password replaced by *** (for logs, the CLI and the status page)."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redis_password_file(settings: Settings) -> Path:
    return settings.redis_home / "password"


def _private_home(settings: Settings) -> Path:
    home = settings.redis_home
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(home, 0o700)  # also tightens a folder made by the old launcher (0755)
    return home


def _write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable by the owner only (0600) from the first byte."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def redis_password(settings: Settings) -> str:
    """The local server's password: generated once into a 0600 file, the same on every start."""
    path = redis_password_file(settings)
    _private_home(settings)
    if path.exists():
        password = path.read_text().strip()
        if password:
            os.chmod(path, 0o600)
            return password
    password = secrets.token_urlsafe(24)
    _write_private(path, password + "\n")
    return password


def _conf_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def redis_config(settings: Settings, port: int, password: str) -> str:
    home = settings.redis_home
    return "\n".join(
        [
            "# written by core.services.start_redis on every start: edits here are lost",
            f"port {port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            f"requirepass {password}",
            "daemonize yes",
            f"pidfile {_conf_quote(str(home / 'redis.pid'))}",
            f"dir {_conf_quote(str(home))}",
            f"logfile {_conf_quote(str(home / 'redis.log'))}",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            "",
        ]
    )


def _redis_url_for(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0"


def _redis_pid(settings: Settings) -> int | None:
    """The pid of the redis-server this project started, None when it is not running."""
    pid = _pid_alive(settings.redis_home / "redis.pid")
    if pid is None:
        return None
    if not Path("/proc/self").exists():
        return pid  # no procfs: trust the pidfile
    try:  # a stale pidfile may name a recycled pid: only ever signal a redis-server
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if b"redis-server" in cmdline else None


def _exited(pid: int) -> bool:
    """True when `pid` is gone or a zombie (it has exited; its parent, often a container's init, reaps it later)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return Path("/proc/self").exists()  # with procfs: it vanished meanwhile; without: kill(0) said alive
    except OSError:
        return False
    return stat_line.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _wait_pid_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _exited(pid):
            return True
        time.sleep(0.05)
    return False


class _RedisLock:
    """Serialise start/stop between processes (a test session, `cockpit services up`, a worker)."""

    def __init__(self, settings: Settings) -> None:
        self.path = _private_home(settings) / ".lock"
        self.fd = -1

    def __enter__(self) -> _RedisLock:
        import fcntl

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def redis_url(settings: Settings | None = None) -> str | None:
    """The Redis URL to use (with the password), or None (in-process cache fallback)."""
    settings = settings or get_settings()
    if settings.redis_url:
        return _secret(settings.redis_url)
    url_file = settings.redis_home / "url"
    if url_file.exists() and _redis_pid(settings) is not None:
        return url_file.read_text().strip()
    return None


def _reusable(settings: Settings, url: str, password: str) -> bool:
    """The running server is ours, current-style: it wants our password and answers to it."""
    import urllib.parse

    if urllib.parse.urlsplit(url).password != password:
        return False  # the old launcher (no password) or a password file that was replaced
    deadline = time.monotonic() + _REDIS_START_TIMEOUT_S
    while time.monotonic() < deadline:  # it may still be replaying its AOF
        if _redis_ping(url):
            return _redis_requires_auth(url)
        if _redis_pid(settings) is None:
            return False
        time.sleep(0.2)
    return False


def start_redis(settings: Settings | None = None) -> str | None:
    """Start (or reuse) the project's password-protected, AOF-persistent redis-server; returns its URL.

    REDIS_URL, when set, is used as given. Without redis-server installed: None (in-process cache).
    A server left running by the old launcher (no password, no AOF) is stopped and replaced.
    """
    settings = settings or get_settings()
    if settings.redis_url:
        url = _secret(settings.redis_url)
        if not _redis_ping(url):
            raise ServiceError(
                f"REDIS_URL={redact_redis_url(url)} is not reachable (or refuses its password): "
                "start it, fix the URL or unset REDIS_URL"
            )
        return url
    lock_down(settings.var_dir)
    return _start_redis(settings, port=None)


def _start_redis(settings: Settings, port: int | None) -> str | None:
    server = shutil.which("redis-server")
    if not server and redis_url(settings) is None:
        return None
    with _RedisLock(settings):
        password = redis_password(settings)
        if _redis_pid(settings) is not None:
            url_file = settings.redis_home / "url"
            existing = url_file.read_text().strip() if url_file.exists() else None
            if existing and _reusable(settings, existing, password):
                return existing
            _stop_redis_locked(settings)  # started by the old launcher (no password, no AOF) or broken: replace it
        if not server:
            return None
        home = _private_home(settings)
        if port is None or _port_open("127.0.0.1", port):
            port = free_port(settings.redis_port)
        conf = home / "redis.conf"
        _write_private(conf, redis_config(settings, port, password))
        proc = subprocess.run([server, str(conf)], capture_output=True, check=False)
        if proc.returncode != 0:
            detail = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip().splitlines()[-1:]
            raise ServiceError(f"redis-server failed to start (exit {proc.returncode}): {' '.join(detail)}")
        url = _redis_url_for(port, password)
        started = time.monotonic()
        while time.monotonic() < started + _REDIS_START_TIMEOUT_S:
            if _redis_ping(url):
                _write_private(home / "url", url)
                return url
            if _redis_pid(settings) is None and time.monotonic() > started + 2:
                break  # it exited (port taken meanwhile, unreadable AOF, ...)
            time.sleep(0.1)
        _stop_redis_locked(settings)
        raise ServiceError(f"redis-server did not answer on port {port}: see {home / 'redis.log'}")


def _stop_redis_locked(settings: Settings) -> bool:
    home = settings.redis_home
    pid_file = home / "redis.pid"
    url_file = home / "url"
    pid = _redis_pid(settings)  # read before SHUTDOWN: redis-server removes its pidfile on the way out
    if pid is not None:
        url = url_file.read_text().strip() if url_file.exists() else None
        if not (url and _redis_shutdown(url)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)  # redis-server shuts down cleanly (AOF fsynced) on SIGTERM too
        if not _wait_pid_gone(pid, _REDIS_STOP_TIMEOUT_S):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _wait_pid_gone(pid, 5.0)
    # a pidfile naming a dead or recycled pid is only removed: never signal a process that is not ours
    pid_file.unlink(missing_ok=True)
    url_file.unlink(missing_ok=True)
    return pid is not None


def _redis_shutdown(url: str) -> bool:
    """Ask the server to SHUTDOWN (fsyncs and closes the AOF); True when it accepted."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        client.shutdown()  # returns once the server has dropped the connection; raises if it refused
        return True
    except Exception:  # noqa: BLE001 - not answering / refusing: the caller falls back to SIGTERM
        return False


def stop_redis(settings: Settings | None = None) -> bool:
    """Shut the project's redis-server down cleanly (AOF flushed). An external REDIS_URL is left alone."""
    settings = settings or get_settings()
    if not settings.redis_home.exists():
        return False
    with _RedisLock(settings):
        return _stop_redis_locked(settings)


def restart_redis(settings: Settings | None = None) -> str:
    """Stop the project's redis-server, wait until its process is gone, start it again (same port when free,
    same password, same data). Returns the URL. For failure drills; an external REDIS_URL cannot be restarted."""
    settings = settings or get_settings()
    if settings.redis_url:
        raise ServiceError("REDIS_URL points to an external Redis: restart it there, not from the cockpit")
    import urllib.parse

    with _RedisLock(settings):
        old = redis_url(settings)
        port = urllib.parse.urlsplit(old).port if old else None
        _stop_redis_locked(settings)
    url = _start_redis(settings, port=port)
    if url is None:
        raise ServiceError("redis-server is not installed: apt-get install redis-server")
    return url
