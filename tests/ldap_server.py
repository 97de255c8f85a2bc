"""A throw-away OpenLDAP server for tests: `with SlapdServer() as ldap: ...`.

Debian's `slapd` (scripts/system-deps.sh) started as our own `slapd -d 0 -h ldap://127.0.0.1:<port>/ -f <conf>`
process with everything under a fresh temporary directory: a generated slapd.conf (mdb database, the memberof
overlay, the rootdn's password), the database files, the pid and args files. It runs as the current user; the
system's slapd service and /etc/ldap/slapd.d play no part. The directory's entries are added over LDAP as the
rootdn after the start (so the memberof overlay maintains `memberOf` as it would in production).

`stop()` ends the process (its own process group), `start()` brings it back on the same port with the same
data, `close()` also removes the directory.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

SLAPD = "/usr/sbin/slapd"
MODULES = "/usr/lib/ldap"
SCHEMA = "/etc/ldap/schema"
HOST = "127.0.0.1"
BASE = "dc=example,dc=test"
ROOT_DN = f"cn=admin,{BASE}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def ssha(password: str) -> str:
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


class SlapdServer:
    def __init__(self, *, port: int | None = None) -> None:
        for path in (SLAPD, f"{MODULES}/back_mdb.la", f"{SCHEMA}/inetorgperson.schema"):
            if not Path(path).exists():
                raise RuntimeError(f"{path} missing: apt-get install slapd ldap-utils (scripts/system-deps.sh)")
        self.host = HOST
        self.port = port or _free_port()
        self.root_password = secrets.token_urlsafe(12)
        self.root = Path(tempfile.mkdtemp(prefix="slapd-test-"))
        (self.root / "db").mkdir()
        self._proc: subprocess.Popen[bytes] | None = None
        self.conf = self.root / "slapd.conf"
        self.conf.write_text(self._config())

    @property
    def url(self) -> str:
        return f"ldap://{self.host}:{self.port}"

    def _config(self) -> str:
        return "\n".join([
            f"include {SCHEMA}/core.schema",
            f"include {SCHEMA}/cosine.schema",
            f"include {SCHEMA}/nis.schema",
            f"include {SCHEMA}/inetorgperson.schema",
            f"modulepath {MODULES}",
            "moduleload back_mdb",
            "moduleload memberof",
            f"pidfile {self.root}/slapd.pid",
            f"argsfile {self.root}/slapd.args",
            "loglevel none",
            "database mdb",
            "maxsize 16777216",
            f'suffix "{BASE}"',
            f'rootdn "{ROOT_DN}"',
            f"rootpw {ssha(self.root_password)}",
            f"directory {self.root}/db",
            "overlay memberof",
            "access to attrs=userPassword by anonymous auth by self write by * none",
            "access to * by users read by * none",
            "",
        ])  # fmt: skip

    def _answers(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.3):
                return True
        except OSError:
            return False

    def start(self, timeout: float = 20.0) -> None:
        out = open(self.root / "slapd.log", "ab")  # noqa: SIM115 - the process keeps it
        self._proc = subprocess.Popen(
            [SLAPD, "-d", "0", "-h", f"ldap://{HOST}:{self.port}/", "-f", str(self.conf)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = (self.root / "slapd.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"slapd exited with {self._proc.returncode}:\n{log}")
            if self._answers():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"slapd did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def add(self, entries: list[tuple[str, dict[str, Any]]]) -> None:
        """Add (dn, attributes) entries as the rootdn, in order."""
        import ldap3

        conn = ldap3.Connection(ldap3.Server(self.url), ROOT_DN, self.root_password, auto_bind=True)
        try:
            for dn, attrs in entries:
                if not conn.add(dn, attributes=attrs):
                    raise RuntimeError(f"adding {dn} failed: {conn.result}")
        finally:
            conn.unbind()

    def __enter__(self) -> SlapdServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
