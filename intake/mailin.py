"""Mail-in: one IMAP mailbox per tenant; every message that arrives becomes a document.

A message is taken as its raw RFC 822 bytes (exactly as the server returns them: MIME-broken mail too; the
indexing pipeline splits attachments) and handed to `submit(config, item)`. Only after `submit` returned is the
message moved out of `folder` into `processed_folder` (MOVE, or COPY + \\Deleted + UID EXPUNGE of that one UID
where the server has no MOVE). Nothing is ever deleted for good.

    submit raises            -> the message stays in `folder`; the next poll offers it again
    submit raises Reject...  -> moved to `failed_folder` (the caller's "never": too large, not allowed, ...)
    process dies in between  -> the next poll submits the same `job_key` again (the caller dedups), then moves

So `submit` must be idempotent per `MailItem.job_key`: sha256 of (tenant, user, host, folder, UIDVALIDITY, UID),
which names one message of one mailbox for as long as the server keeps that UIDVALIDITY.

Which messages: every message of `folder` without the \\Deleted flag (a message flagged \\Deleted was thrown away
by someone, or is the COPY fallback's leftover of a message already in `processed_folder`). BODY.PEEK[] is used,
so \\Seen is not set by the fetch.

The customer: plus-addressing (`dossier+K-10234@example.com`) in Delivered-To, X-Original-To, To or Cc gives
`customer_hint="K-10234"`. Preferred is an address whose local part before "+" is the mailbox's own (the login's
local part); then the envelope headers (Delivered-To, X-Original-To: the server wrote those); then To/Cc in order.
Tags are accepted only as 1-64 characters of [A-Za-z0-9._-] (starting alphanumeric); anything else is ignored.

`run()` polls every mailbox in a thread of its own; with IDLE (and `idle=True`) it waits in IDLE for new mail,
re-polling at least every `every_s`; without IDLE it polls every `every_s`. A mailbox that cannot be reached (or
refuses the login) is logged once per outage and retried with backoff (1 s doubling up to `every_s`); its thread
never dies. Calls of `submit` from the threads are serialised (one at a time).

Config file (`load_configs`), TOML, one table per mailbox; passwords never in the file:

    [[mailbox]]
    tenant = "nord"
    host = "imap.example.com"
    port = 993
    ssl = true                       # implicit TLS; or starttls = true on 143
    user = "dossier@example.com"
    password_env = "MAILIN_NORD_PASSWORD"   # or: password_file = "secrets/nord.pw" (relative to this file)
    # folder = "INBOX", processed_folder = "Verarbeitet", failed_folder = "Fehlgeschlagen"
    # allow_plaintext = true         # needed for ssl = starttls = false to a host that is not loopback

Servers that keep every folder below INBOX (Courier, some Cyrus) need e.g. processed_folder = "INBOX.Verarbeitet".
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import ipaddress
import json
import logging
import os
import re
import select
import socket
import ssl as ssl_lib
import threading
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any
from urllib.parse import quote

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 30.0  # every socket operation (connect, read, write)
IDLE_STEP_S = 0.5  # how often a wait in IDLE looks at `stop`
SUBJECT_LIMIT = 80  # characters of the subject in file_name
HINT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DELETED = b"\\Deleted"


# --------------------------------------------------------------------------- the port


@dataclass(frozen=True)
class MailboxConfig:
    tenant: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    ssl: bool = False  # implicit TLS (993); False = plain or STARTTLS
    starttls: bool = False
    folder: str = "INBOX"
    processed_folder: str = "Verarbeitet"  # created if missing
    failed_folder: str = "Fehlgeschlagen"  # created if missing


@dataclass(frozen=True)
class MailItem:
    raw: bytes  # the RFC 822 bytes, unchanged
    file_name: str  # "<uid>-<sanitised subject>.eml"
    source_uri: str  # "imap://<user>@<host>/<folder>/<uidvalidity>/<uid>" (user and folder %-encoded)
    job_key: str  # sha256 of (tenant, user, host, folder, uidvalidity, uid), hex[:32]
    customer_hint: str | None  # the plus-address tag, e.g. "K-10234"; None if absent


Submit = Callable[[MailboxConfig, MailItem], None]  # raises on failure; must be idempotent per job_key


@dataclass
class PollReport:
    seen: int = 0  # messages found in `folder` (not flagged \Deleted)
    submitted: int = 0  # submit returned
    moved: int = 0  # moved to processed_folder
    errors: list[str] = field(default_factory=list)  # one line per message left in `folder` (or rejected)
    rejected: int = 0  # submit raised RejectMessage: moved to failed_folder


class RejectMessage(Exception):  # noqa: N818 (a verdict, raised by submit, not an error of this module)
    """Raised by `submit`: this message will never be accepted. It goes to `failed_folder`, not retried."""


class MailinError(Exception):
    """The mailbox cannot be used as configured (login refused, folder missing, ...)."""


class MailboxUnavailable(MailinError, ConnectionError):
    """The server cannot be reached, or the connection broke (a poll that meets it can simply be retried)."""


class MailboxLoginFailed(MailinError):
    """The server refused the login."""


# --------------------------------------------------------------------------- items


def make_item(config: MailboxConfig, uidvalidity: int, uid: int, raw: bytes) -> MailItem:
    """The MailItem of one fetched message. Never raises on broken mail: names and hints fall back."""
    subject = ""
    hint = None
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        subject = _header_text(headers.get("Subject", ""))
        hint = customer_hint(headers, config.user)
    except Exception:  # noqa: BLE001 - whatever the mail is, its raw bytes are submitted
        logger.debug("mailin: headers of uid %s not parsed", uid, exc_info=True)
    return MailItem(
        raw=raw,
        file_name=f"{uid}-{_slug(subject)}.eml",
        source_uri=source_uri(config, uidvalidity, uid),
        job_key=job_key(config, uidvalidity, uid),
        customer_hint=hint,
    )


def job_key(config: MailboxConfig, uidvalidity: int, uid: int) -> str:
    parts = [config.tenant, config.user, config.host, config.folder, int(uidvalidity), int(uid)]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]


def source_uri(config: MailboxConfig, uidvalidity: int, uid: int) -> str:
    return f"imap://{quote(config.user, safe='')}@{config.host}/{quote(config.folder, safe='')}/{uidvalidity}/{uid}"


def customer_hint(headers: Message, mailbox_user: str) -> str | None:
    """The plus-address tag of this mailbox's address among Delivered-To, X-Original-To, To, Cc (see module doc)."""
    own = mailbox_user.split("@", 1)[0].lower()
    best: tuple[int, str] | None = None
    for name, rank in (("Delivered-To", 1), ("X-Original-To", 1), ("To", 2), ("Cc", 2)):
        for local in _local_parts(headers.get_all(name) or []):
            base, plus, tag = local.partition("+")
            if not plus or not HINT_RE.fullmatch(tag):
                continue
            r = 0 if base.lower() == own else rank
            if best is None or r < best[0]:
                best = (r, tag)
            if r == 0:
                return tag
    return best[1] if best else None


_ADDR_RE = re.compile(r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+)@[A-Za-z0-9.-]+")


def _local_parts(values: list[Any]) -> Iterator[str]:
    texts = [_header_text(v) for v in values]
    found = False
    for _display, addr in email.utils.getaddresses(texts):
        if "@" in addr:
            found = True
            yield addr.rsplit("@", 1)[0].strip('"')
    if not found:  # an address list getaddresses gave up on: take what looks like addresses
        for text in texts:
            yield from _ADDR_RE.findall(text)


def _header_text(value: Any) -> str:
    """A header value as text: RFC 2047 words decoded (any charset, UTF-16 too), raw 8-bit bytes as UTF-8 or
    Latin-1, anything undecodable replaced. Never raises."""
    try:
        chunks = decode_header(value if isinstance(value, Header) else str(value))
    except Exception:  # noqa: BLE001
        return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        else:
            out.append(_decode_bytes(chunk, charset))
    return "".join(out)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    if charset and charset.lower() not in ("unknown-8bit", "us-ascii", "ascii"):
        try:
            return data.decode(charset, "replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _slug(subject: str) -> str:
    text = unicodedata.normalize("NFC", subject)
    text = re.sub(r"[^\w.-]+", "_", text).strip("._-")[:SUBJECT_LIMIT].rstrip("._-")
    return text or "message"


# --------------------------------------------------------------------------- one connection


@contextlib.contextmanager
def _translated(config: MailboxConfig) -> Iterator[None]:
    """Socket trouble and protocol aborts become MailboxUnavailable (naming the mailbox, never the password)."""
    try:
        yield
    except MailinError:
        raise
    except (OSError, IMAPClientAbortError) as exc:
        raise MailboxUnavailable(f"{_name(config)}: {type(exc).__name__}: {exc}") from exc


def _name(config: MailboxConfig) -> str:
    return f"mailin {config.tenant} {config.user}@{config.host}:{config.port}/{config.folder}"


class _Session:
    """A logged-in connection with what the server offers."""

    def __init__(self, config: MailboxConfig, timeout_s: float) -> None:
        if config.folder in (config.processed_folder, config.failed_folder):
            raise ValueError(f"{_name(config)}: processed_folder and failed_folder must differ from folder")
        self.config = config
        context = ssl_lib.create_default_context() if (config.ssl or config.starttls) else None
        with _translated(config):
            self.client = IMAPClient(
                config.host, port=config.port, ssl=config.ssl, ssl_context=context, timeout=timeout_s
            )
        try:
            with _translated(config):
                if config.starttls:
                    self.client.starttls(context)
                self.client.login(config.user, config.password)
                self.has_move = self.client.has_capability("MOVE")
                self.has_uidplus = self.client.has_capability("UIDPLUS")
                self.has_idle = self.client.has_capability("IDLE")
        except LoginError as exc:
            self.close()
            raise MailboxLoginFailed(f"{_name(config)}: login refused: {exc}") from exc
        except IMAPClientError as exc:  # e.g. STARTTLS not offered
            self.close()
            raise MailinError(f"{_name(config)}: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            self.close()
            raise
        self.folders_ready = False

    def close(self) -> None:
        try:
            self.client.logout()
        except Exception:  # noqa: BLE001 - a broken connection: just drop it
            with contextlib.suppress(Exception):
                self.client.shutdown()

    def ensure_folders(self) -> None:
        if self.folders_ready:
            return
        for folder in (self.config.processed_folder, self.config.failed_folder):
            if self.client.folder_exists(folder):
                continue
            try:
                self.client.create_folder(folder)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                if not self.client.folder_exists(folder):  # another poller may have created it meanwhile
                    raise MailinError(f"{_name(self.config)}: cannot create folder {folder!r}: {exc}") from exc
            try:  # mail clients show subscribed folders
                self.client.subscribe_folder(folder)
            except IMAPClientAbortError:
                raise
            except IMAPClientError:
                pass
        self.folders_ready = True

    def poll(self, submit: Submit, stop: threading.Event | None = None) -> PollReport:
        config, client = self.config, self.client
        with _translated(config):
            self.ensure_folders()
            try:
                info = client.select_folder(config.folder)
            except IMAPClientAbortError:
                raise
            except IMAPClientError as exc:
                raise MailinError(f"{_name(config)}: cannot select {config.folder!r}: {exc}") from exc
            if b"UIDVALIDITY" not in info:  # RFC 3501 requires it; without it no job_key is stable
                raise MailinError(f"{_name(config)}: the server gives no UIDVALIDITY for {config.folder!r}")
            uidvalidity = int(info[b"UIDVALIDITY"])
            uids = sorted(client.search(["NOT", "DELETED"]))
            report = PollReport(seen=len(uids))
            for uid in uids:
                if stop is not None and stop.is_set():
                    break
                self._take(uid, uidvalidity, submit, report)
        return report

    def _take(self, uid: int, uidvalidity: int, submit: Submit, report: PollReport) -> None:
        config, client = self.config, self.client
        try:
            fetched = client.fetch([uid], ["BODY.PEEK[]"])
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            report.errors.append(f"uid {uid}: fetch failed: {exc}")
            return
        raw = fetched.get(uid, {}).get(b"BODY[]")
        if raw is None:  # gone meanwhile (another client moved or expunged it): nothing to take
            return
        item = make_item(config, uidvalidity, uid, bytes(raw))
        target = config.processed_folder
        try:
            submit(config, item)
        except RejectMessage as exc:
            report.errors.append(f"uid {uid} ({item.file_name}): rejected: {exc}")
            target = config.failed_folder
        except Exception as exc:  # noqa: BLE001 - stays in the folder, offered again next poll
            report.errors.append(f"uid {uid} ({item.file_name}): submit failed: {type(exc).__name__}: {exc}")
            return
        else:
            report.submitted += 1
        try:
            self._move(uid, target)
        except IMAPClientAbortError:
            raise
        except IMAPClientError as exc:
            report.errors.append(f"uid {uid} ({item.file_name}): not moved to {target!r}: {exc}")
            return
        if target == config.processed_folder:
            report.moved += 1
        else:
            report.rejected += 1

    def _move(self, uid: int, folder: str) -> None:
        if self.has_move:
            self.client.move([uid], folder)
            return
        self.client.copy([uid], folder)
        self.client.add_flags([uid], [_DELETED], silent=True)
        if self.has_uidplus:
            self.client.uid_expunge([uid])
        else:  # RFC 3501 alone cannot expunge one message: every \Deleted one of the folder goes
            self.client.expunge()

    def idle_wait(self, every_s: float, stop: threading.Event) -> None:
        """Wait in IDLE until the folder has a new message, `every_s` passed, or `stop` is set."""
        client = self.client
        deadline = time.monotonic() + every_s
        with _translated(self.config):
            client.idle()
            quick_empty = 0
            while not stop.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                step = min(remaining, IDLE_STEP_S)
                started = time.monotonic()
                responses = client.idle_check(timeout=step)
                if any(r and r[0] == b"BYE" for r in responses):
                    raise MailboxUnavailable(f"{_name(self.config)}: the server closed the connection (BYE)")
                if any(len(r) > 1 and r[1] == b"EXISTS" for r in responses):
                    break
                if not responses and time.monotonic() - started < step / 2:
                    # idle_check swallows EOF: the socket said "readable" and no line came
                    quick_empty += 1
                    if quick_empty >= 5 or _peer_closed(client):
                        raise MailboxUnavailable(f"{_name(self.config)}: connection closed during IDLE")
                    time.sleep(0.05)
                else:
                    quick_empty = 0
            client.idle_done()


def _peer_closed(client: IMAPClient) -> bool:
    sock = client.socket()
    if isinstance(sock, ssl_lib.SSLSocket):
        return False  # no peeking through TLS: the caller's count decides
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def poll_once(config: MailboxConfig, submit: Submit, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> PollReport:
    """Connect, submit every message of `config.folder`, move each submitted one; see the module doc.

    Raises MailboxUnavailable (a ConnectionError) when the server cannot be reached or the connection breaks,
    MailboxLoginFailed / MailinError when the mailbox cannot be used as configured. Per-message failures do not
    raise: they are in the report, and those messages stay for the next poll."""
    session = _Session(config, timeout_s)
    try:
        return session.poll(submit)
    finally:
        session.close()


# --------------------------------------------------------------------------- the loop


def _default_log(message: str) -> None:
    logger.info(message)


def run(
    configs: list[MailboxConfig],
    submit: Submit,
    *,
    every_s: float = 60.0,
    stop: threading.Event | None = None,
    idle: bool = True,
    log: Callable[[str], None] = _default_log,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> None:
    """Watch every mailbox until `stop` is set (forever without one); see the module doc."""
    stop = stop if stop is not None else threading.Event()
    if not configs:
        log("mailin: no mailboxes configured")
        return
    lock = threading.Lock()

    def serialised(config: MailboxConfig, item: MailItem) -> None:
        with lock:
            submit(config, item)

    threads = [
        threading.Thread(
            target=_watch,
            args=(config, serialised, every_s, stop, idle, log, timeout_s),
            name=f"mailin-{config.tenant}-{config.user}",
            daemon=True,
        )
        for config in configs
    ]
    for t in threads:
        t.start()
    try:
        while any(t.is_alive() for t in threads):
            for t in threads:
                t.join(0.5)
    except BaseException:
        stop.set()
        for t in threads:
            t.join(timeout_s)
        raise


def _watch(
    config: MailboxConfig,
    submit: Submit,
    every_s: float,
    stop: threading.Event,
    idle: bool,
    log: Callable[[str], None],
    timeout_s: float,
) -> None:
    name = _name(config)
    first_backoff = min(1.0, every_s)
    backoff = first_backoff
    down = False
    while not stop.is_set():
        session: _Session | None = None
        try:
            session = _Session(config, timeout_s)
            announced = False
            while not stop.is_set():
                report = session.poll(submit, stop)
                if down:
                    log(f"{name}: reachable again")
                    down = False
                backoff = first_backoff
                if report.submitted or report.errors:
                    log(f"{name}: {report.submitted} submitted, {report.moved} moved, {report.rejected} rejected")
                    for line in report.errors:
                        log(f"{name}: {line}")
                if not (idle and session.has_idle):
                    break
                if not announced:
                    log(f"{name}: waiting in IDLE (polling at least every {every_s:g} s)")
                    announced = True
                session.idle_wait(every_s, stop)
        except Exception as exc:  # noqa: BLE001 - never dies: logged once per outage, retried with backoff
            if not down:
                reason = (
                    str(exc).removeprefix(f"{name}: ")
                    if isinstance(exc, MailinError)
                    else f"{type(exc).__name__}: {exc}"
                )
                log(f"{name}: unavailable, retrying (backoff up to {every_s:g} s): {reason}")
                down = True
            stop.wait(backoff)
            backoff = min(backoff * 2, every_s)
            continue
        finally:
            if session is not None:
                session.close()
        stop.wait(every_s)


# --------------------------------------------------------------------------- configuration

_REQUIRED = ("tenant", "host", "port", "user")
_STR_KEYS = ("tenant", "host", "user", "folder", "processed_folder", "failed_folder", "password_env", "password_file")
_BOOL_KEYS = ("ssl", "starttls", "allow_plaintext")
_KNOWN = frozenset((*_REQUIRED, *_STR_KEYS, *_BOOL_KEYS))


def load_configs(path: Path) -> list[MailboxConfig]:
    """The mailboxes of a TOML file (see the module doc). Raises ValueError naming the file and entry."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the mailbox configuration: {exc}") from exc
    extra = sorted(set(data) - {"mailbox"})
    if extra:
        raise ValueError(f"{path}: unknown top-level keys {extra} (expected [[mailbox]] tables)")
    entries = data.get("mailbox", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{path}: 'mailbox' must be an array of tables ([[mailbox]])")
    configs: list[MailboxConfig] = []
    seen: dict[tuple[str, int, str, str], int] = {}
    for number, entry in enumerate(entries, 1):
        config = _config_entry(path, number, entry)
        key = (config.host.lower(), config.port, config.user, config.folder)
        if key in seen:
            raise ValueError(
                f"{path}: [[mailbox]] #{number} (tenant {config.tenant!r}): the same mailbox folder as #{seen[key]}"
            )
        seen[key] = number
        configs.append(config)
    return configs


def _config_entry(path: Path, number: int, entry: dict[str, Any]) -> MailboxConfig:
    tenant = entry.get("tenant")
    where = f"{path}: [[mailbox]] #{number}" + (f" (tenant {tenant!r})" if isinstance(tenant, str) else "")
    if "password" in entry:
        raise ValueError(f"{where}: no 'password' in the file: use password_env or password_file")
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(entry) - _KNOWN)
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}")
    for k in _STR_KEYS:
        if k in entry and (not isinstance(entry[k], str) or not entry[k].strip()):
            raise ValueError(f"{where}: {k} must be a non-empty string")
    for k in _BOOL_KEYS:
        if k in entry and not isinstance(entry[k], bool):
            raise ValueError(f"{where}: {k} must be true or false")
    port = entry["port"]
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"{where}: port must be a number 1-65535")
    ssl, starttls = entry.get("ssl", False), entry.get("starttls", False)
    if ssl and starttls:
        raise ValueError(f"{where}: ssl and starttls exclude each other (ssl: implicit TLS, starttls: upgrade on 143)")
    if not ssl and not starttls and not entry.get("allow_plaintext", False) and not _is_loopback(entry["host"]):
        raise ValueError(f"{where}: the password would travel unencrypted: set ssl or starttls (or allow_plaintext)")
    config = MailboxConfig(
        tenant=entry["tenant"],
        host=entry["host"],
        port=port,
        user=entry["user"],
        password=_password(path, where, entry),
        ssl=ssl,
        starttls=starttls,
        **{k: entry[k] for k in ("folder", "processed_folder", "failed_folder") if k in entry},
    )
    if config.folder in (config.processed_folder, config.failed_folder):
        raise ValueError(f"{where}: processed_folder and failed_folder must differ from folder")
    return config


def _password(path: Path, where: str, entry: dict[str, Any]) -> str:
    env, file = entry.get("password_env"), entry.get("password_file")
    if (env is None) == (file is None):
        raise ValueError(f"{where}: give exactly one of password_env or password_file")
    if env is not None:
        value = os.environ.get(env, "")
        if not value:
            raise ValueError(f"{where}: environment variable {env} (password_env) is not set")
        return value
    p = Path(str(file)).expanduser()
    if not p.is_absolute():
        p = path.parent / p
    try:
        value = p.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where}: password_file {str(p)!r} cannot be read: {exc}") from exc
    if not value:
        raise ValueError(f"{where}: password_file {str(p)!r} is empty")
    return value


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
