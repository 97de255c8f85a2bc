"""A throw-away Dovecot IMAP server for tests: `with DovecotServer() as imap: ...`.

Debian's `dovecot-imapd` (scripts/system-deps.sh) started as our own `dovecot -F -c <conf>` process on a free
loopback port, with everything under a fresh temporary directory: the config, a passwd-file (plaintext
passwords: test users only), Maildir storage, base_dir (sockets, pid) and state_dir. Plaintext auth without TLS is
allowed (loopback only). The system's dovecot service and /etc/dovecot play no part.

Works as root (the master runs as root, login processes as `dovenull` in their chroot, mail as `nobody`) and as a
normal user (every process, mail included, runs as that user; no chroot). `stop()` ends the process (its own process
group), `start()` brings it back on the same port with the same mailboxes, `close()` also removes the directory.

A failed login makes Dovecot delay the following logins from the same address (its auth penalty: 2 s, 4 s, ... up
to 15 s; `auth_failure_delay = 0` does not switch that off): tests of a wrong password want a server of their own.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class ImapUser:
    name: str
    password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _greets(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            return s.recv(256).startswith(b"* OK")
    except OSError:
        return False


class DovecotServer:
    """One Dovecot instance. `users` are created up front (random passwords); `add_user` adds more while it runs."""

    def __init__(
        self, users: tuple[str, ...] = ("alice", "bob"), *, extra_conf: str = "", port: int | None = None
    ) -> None:
        if not Path(DOVECOT).exists():
            raise RuntimeError("dovecot is not installed: apt-get install dovecot-imapd (scripts/system-deps.sh)")
        self.host = HOST
        self.port = port or _free_port()
        self.extra_conf = extra_conf
        self.users: dict[str, ImapUser] = {}
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        self.root.chmod(0o755)  # login and auth processes run as other users: they must reach their files
        self._proc: subprocess.Popen[bytes] | None = None
        self._as_root = os.geteuid() == 0
        if self._as_root:
            for name in ("dovecot", "dovenull"):
                try:
                    pwd.getpwnam(name)
                except KeyError as e:
                    raise RuntimeError(f"system user {name!r} missing: is dovecot-core installed?") from e
            self._mail_uid, self._mail_gid = pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid
        else:
            self._mail_uid, self._mail_gid = os.getuid(), os.getgid()
        self.home_dir = self.root / "home"
        self.home_dir.mkdir()
        if self._as_root:
            os.chown(self.home_dir, self._mail_uid, self._mail_gid)
        self.passwd_file = self.root / "passwd"
        self.passwd_file.write_text("")
        self.passwd_file.chmod(0o644)
        self.log_file = self.root / "dovecot.log"
        self.conf_file = self.root / "dovecot.conf"
        self.conf_file.write_text(self._config())
        for name in users:
            self.add_user(name)

    # ----------------------------------------------------------------------------------------- config

    def _config(self) -> str:
        if self._as_root:
            identity = ""  # Debian's defaults: default_internal_user=dovecot, default_login_user=dovenull
            chroots = ""
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
            identity = f"default_internal_user = {me}\ndefault_internal_group = {group}\ndefault_login_user = {me}\n"
            # chroot needs root: switch it off for the services that have one by default
            chroots = "".join(f"service {s} {{\n  chroot =\n}}\n" for s in ("anvil", "ipc", "old-stats"))
        login_chroot = "" if self._as_root else "  chroot =\n"
        return f"""# throw-away test instance (tests/imap_server.py)
protocols = imap
listen = {HOST}
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = dovecot-test-{self.port}
log_path = {self.log_file}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
{identity}first_valid_uid = {min(self._mail_uid, 500)}
first_valid_gid = {min(self._mail_gid, 1)}
mail_location = maildir:~/Maildir
mail_fsync = never
namespace inbox {{
  inbox = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_file}
}}
userdb {{
  driver = static
  args = uid={self._mail_uid} gid={self._mail_gid} home={self.home_dir}/%u
}}
service imap-login {{
{login_chroot}  inet_listener imap {{
    address = {HOST}
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{chroots}{self.extra_conf}
"""

    def add_user(self, name: str, password: str | None = None) -> ImapUser:
        """A new user. While running, returns once the user can log in: Dovecot looks at the passwd-file at most
        once a second, so a user added right after another login may take up to a second to appear."""
        user = ImapUser(name, password or secrets.token_hex(8))
        self.users[name] = user
        with self.passwd_file.open("a") as f:
            f.write(f"{user.name}:{{PLAIN}}{user.password}::::::\n")
        if self.running:
            deadline = time.monotonic() + 5
            while not self._can_login(user):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"user {name!r} cannot log in:\n{self.diagnostics()}")
                time.sleep(0.1)
        return user

    def _can_login(self, user: ImapUser) -> bool:
        try:
            with imaplib.IMAP4(self.host, self.port, timeout=5) as c:
                c.login(user.name, user.password)
                c.logout()
                return True
        except imaplib.IMAP4.error:
            return False

    # ----------------------------------------------------------------------------------------- lifecycle

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 15.0) -> DovecotServer:
        if self.running:
            return self
        self._proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.conf_file)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("ab"),
            start_new_session=True,  # its own process group: stop() ends it and its children, nothing else
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self._proc.returncode}:\n{self.diagnostics()}")
            if _greets(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on {HOST}:{self.port} within {timeout} s:\n{self.diagnostics()}")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        # children that outlived the master (they exit when it goes; make sure)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while _greets(self.port, 0.2) and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------------------------------- helpers

    def client(self, user: str | ImapUser) -> Any:
        """A logged-in IMAPClient (plain connection) for `user`: for tests to APPEND, count, inspect."""
        from imapclient import IMAPClient

        u = user if isinstance(user, ImapUser) else self.users[user]
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        c.login(u.name, u.password)
        return c

    def diagnostics(self) -> str:
        parts = []
        for f in (self.root / "stderr.log", self.log_file):
            if f.exists():
                parts.append(f"--- {f.name}\n{f.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts) or "(no log)"


def start_dovecot(users: tuple[str, ...] = ("alice", "bob"), **kw: Any) -> DovecotServer:
    """Start a throw-away Dovecot; the caller calls `.close()` (or use `with DovecotServer() as imap`)."""
    return DovecotServer(users, **kw).start()


if __name__ == "__main__":  # manual check: python -m tests.imap_server
    with DovecotServer() as srv:
        print(f"dovecot on {srv.host}:{srv.port}, users: {srv.users}")
        with srv.client("alice") as c:
            print(c.capabilities())
        print(srv.conf_file.read_text())
