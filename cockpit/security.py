"""Login hardening shared by all workers of the cockpit: the login limiter and server-side session revocation.

- `LoginLimiter`: login attempts per account and per client address, counted by the `limits` library (the one
  Flask-Limiter builds on) in Redis, so every worker sees the same counts. An attempt is *consumed before* the
  password is checked (`FixedWindowRateLimiter.hit`, one atomic INCR in Redis): however many requests arrive in
  parallel, at most the configured number reach the argon2 check. A successful login clears its account's count
  and gives its address's unit back (the address limit counts failures, so an office behind one NAT address is
  not locked out at 8 am). Keys expire with their window: memory stays bounded.
- `SessionRevocations`: every login gets a random id (kept in the signed session cookie); logout records it as
  revoked in Redis until the session would have expired anyway, so a copied cookie stops working.
- Redis configured but unreachable: both fail closed (`Unavailable`): no login, no session is accepted, and the
  login page says why. No Redis configured at all (a developer laptop, one process): in-process storage, with a
  warning in the log.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger("cockpit.security")

_REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}


class Unavailable(RuntimeError):
    """The shared store (Redis) does not answer: logins and sessions fail closed."""


def _storage(uri: str) -> Storage:
    redis_like = uri.startswith(("redis://", "rediss://", "unix://"))
    storage = storage_from_string(uri, **(_REDIS_OPTIONS if redis_like else {}))
    if not isinstance(storage, Storage):  # an async (aio) scheme: not for a WSGI app
        raise ValueError(f"login limiter storage {uri.split(':', 1)[0]}:// is not a synchronous store")
    return storage


def storage_uri(configured: str | None) -> str:
    """The store for limits and revocations: Redis when configured, else memory (logged loudly)."""
    if configured:
        return configured
    log.warning("NO REDIS: login limits and session revocations are per process (not shared between workers)")
    return "memory://"


class LoginLimiter:
    """Atomic check-and-consume of login attempts per account and per address (see the module doc)."""

    def __init__(self, uri: str, *, account_limit: str, ip_limit: str, namespace: str = "dossier") -> None:
        self.storage = _storage(uri)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.account: RateLimitItem = parse(account_limit)
        self.ip: RateLimitItem = parse(ip_limit)
        self.namespace = namespace

    def _ids(self, kind: str, value: str) -> tuple[str, str, str]:
        return ("cockpit-login", self.namespace, f"{kind}:{value}")

    def acquire(self, username: str, address: str) -> bool:
        """Consume one attempt for the address and the account; False (nothing left) = refuse without checking."""
        try:
            if not self.strategy.hit(self.ip, *self._ids("ip", address)):
                return False
            if not self.strategy.hit(self.account, *self._ids("user", username)):
                self._give_back(address)  # refused before any check: the address did not try a password
                return False
            return True
        except Exception as exc:  # noqa: BLE001 - any storage failure: fail closed
            raise Unavailable(str(exc)) from exc

    def succeeded(self, username: str, address: str) -> None:
        """A correct password: the account starts afresh, the address gets its unit back."""
        try:
            self.strategy.clear(self.account, *self._ids("user", username))
            self._give_back(address)
        except Exception as exc:  # noqa: BLE001 - the login itself succeeded; the counts just stay
            log.warning("cannot reset login counts for %r: %s", username, exc)

    def _give_back(self, address: str) -> None:
        self.storage.incr(self.ip.key_for(*self._ids("ip", address)), self.ip.get_expiry(), amount=-1)


class SessionRevocations:
    """Revoked login ids, kept until the sessions they belong to would have expired anyway."""

    def __init__(self, uri: str, *, lifetime_s: int, namespace: str = "dossier") -> None:
        self.lifetime_s = lifetime_s
        self.namespace = namespace
        self._redis: Any = None
        self._memory: dict[str, float] = {}
        if not uri.startswith("memory://"):
            import redis

            self._redis = redis.Redis.from_url(uri, **_REDIS_OPTIONS)

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(18)

    def _key(self, sid: str) -> str:
        return f"cockpit-session-revoked:{self.namespace}:{sid}"

    def revoke(self, sid: str) -> None:
        try:
            if self._redis is not None:
                self._redis.set(self._key(sid), "1", ex=self.lifetime_s)
            else:
                now = time.time()
                self._memory = {k: v for k, v in self._memory.items() if v > now}  # bounded: expired ones go
                self._memory[sid] = now + self.lifetime_s
        except Exception as exc:  # noqa: BLE001
            raise Unavailable(str(exc)) from exc

    def revoked(self, sid: str) -> bool:
        try:
            if self._redis is not None:
                return bool(self._redis.exists(self._key(sid)))
            return self._memory.get(sid, 0.0) > time.time()
        except Exception as exc:  # noqa: BLE001
            raise Unavailable(str(exc)) from exc
