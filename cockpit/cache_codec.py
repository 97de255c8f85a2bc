"""The cache's value format: tagged JSON, never pickle.

Whoever can write to Redis could plant a pickle that runs code in every web worker that reads it. Values are
therefore stored as JSON with a few tags for what JSON lacks, and decoding only ever builds plain data and the
project's own dataclasses of a fixed allow-list (`CACHED_TYPES`), looked up by name in a registry made at import
time — a name read from the data is never imported. Anything else is refused:

- encoding a value of another type raises `CacheCodecError` (logged as an error by the serializer: a loud miss,
  never a pickle fallback);
- an entry that is not ours (a pickle, garbage, an unknown tag or class, fields that do not match the class)
  decodes to a miss.

Format: ``dc1:`` + UTF-8 JSON. Tagged objects are JSON objects with the key ``"~t"``:
``{"~t": "tuple", "v": [...]}``, ``set``, ``frozenset``, ``date``/``datetime``/``time`` (ISO), ``map`` (a dict whose
keys are not all strings, or that has a key ``"~t"``: ``"v": [[key, value], ...]``) and ``dc`` (a registered
dataclass: ``"n": "module.Class", "f": {field: value}``). Plain ints are stored as ASCII digits (cachelib's
`inc`/`dec` work on them).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Iterable
from typing import IO, Any, NoReturn

from cachelib.serializers import RedisSerializer

from app.dashboard_model import Dashboard, DashboardRequest, Drill, Panel, Point
from domain.errors import Message
from notifications.digests import DigestSubscription
from search.documents import DocumentData
from search.dossier import DossierData, HomeData
from search.parse import CustomerSuggestion, FacetBucket, Group, Hit, SearchResult

log = logging.getLogger("cockpit.cache")

MAGIC = b"dc1:"
TAG = "~t"

# Every dataclass a cached value may contain (AppContext.cached and the cockpit's page caches; the test
# tests/unit/test_cache_codec.py walks the cached types' annotations and fails when one is missing here).
CACHED_TYPES: tuple[type, ...] = (
    Message,
    Hit, FacetBucket, Group, CustomerSuggestion, SearchResult,
    DocumentData,
    DossierData, HomeData,
    DashboardRequest, Drill, Point, Panel, Dashboard,
    DigestSubscription,
)  # fmt: skip


class CacheCodecError(ValueError):
    """A value this format cannot hold, or an entry that is not a valid one of ours."""


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class Codec:
    """Tagged JSON over a fixed registry of dataclasses."""

    def __init__(self, types: Iterable[type]) -> None:
        self._by_name: dict[str, type] = {}
        self._fields: dict[type, tuple[tuple[str, bool], ...]] = {}  # (name, init)
        for cls in types:
            if not dataclasses.is_dataclass(cls):
                raise TypeError(f"{_type_name(cls)} is not a dataclass")
            self._by_name[_type_name(cls)] = cls
            self._fields[cls] = tuple((f.name, f.init) for f in dataclasses.fields(cls))

    @property
    def types(self) -> frozenset[type]:
        return frozenset(self._fields)

    # ------------------------------------------------------------------------------------------- encode

    def encode(self, value: Any) -> bytes:
        try:
            text = json.dumps(self._enc(value), ensure_ascii=False, separators=(",", ":"), allow_nan=True)
        except RecursionError as exc:
            raise CacheCodecError("value nested too deeply") from exc
        return MAGIC + text.encode("utf-8")

    def _enc(self, v: Any) -> Any:  # noqa: PLR0911, C901 - one branch per supported type
        t = type(v)
        if v is None or t is str or t is bool or t is int or t is float:
            return v
        if t is list:
            return [self._enc(x) for x in v]
        if t is dict:
            if TAG not in v and all(type(k) is str for k in v):
                return {k: self._enc(x) for k, x in v.items()}
            return {TAG: "map", "v": [[self._enc(k), self._enc(x)] for k, x in v.items()]}
        if t is tuple:
            return {TAG: "tuple", "v": [self._enc(x) for x in v]}
        fields = self._fields.get(t)
        if fields is not None:
            return {TAG: "dc", "n": _type_name(t), "f": {name: self._enc(getattr(v, name)) for name, _ in fields}}
        if t is dt.datetime:
            return {TAG: "datetime", "v": v.isoformat()}
        if t is dt.date:
            return {TAG: "date", "v": v.isoformat()}
        if t is dt.time:
            return {TAG: "time", "v": v.isoformat()}
        if t is set or t is frozenset:
            return {TAG: t.__name__, "v": [self._enc(x) for x in v]}
        if t.__module__ == "numpy" and getattr(v, "ndim", None) == 0 and hasattr(v, "item"):
            plain = v.item()  # a numpy scalar (pandas results): its Python number, equal to it
            if type(plain) in (bool, int, float, str):
                return plain
        raise CacheCodecError(f"cannot cache a value of type {_type_name(t)}")

    # ------------------------------------------------------------------------------------------- decode

    def decode(self, data: bytes) -> Any:
        if not data.startswith(MAGIC):
            raise CacheCodecError("not an entry of this format")
        try:
            return json.loads(data[len(MAGIC) :].decode("utf-8"), object_hook=self._hook)
        except CacheCodecError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise CacheCodecError(f"undecodable entry ({type(exc).__name__})") from exc

    def _hook(self, d: dict[str, Any]) -> Any:  # noqa: PLR0911 - one branch per tag
        if TAG not in d:
            return d
        tag, v = d.get(TAG), d.get("v")
        if tag == "dc":
            return self._dataclass(d)
        if set(d) != {TAG, "v"}:
            raise CacheCodecError(f"malformed {tag!r} entry")
        if tag == "tuple" and type(v) is list:
            return tuple(v)
        if tag == "map" and type(v) is list:
            return {k: x for k, x in v}  # noqa: C416 - pairs; an unhashable key raises TypeError: a miss
        if tag == "set" and type(v) is list:
            return set(v)
        if tag == "frozenset" and type(v) is list:
            return frozenset(v)
        if tag == "datetime" and type(v) is str:
            return dt.datetime.fromisoformat(v)
        if tag == "date" and type(v) is str:
            return dt.date.fromisoformat(v)
        if tag == "time" and type(v) is str:
            return dt.time.fromisoformat(v)
        raise CacheCodecError(f"unknown tag {tag!r}")

    def _dataclass(self, d: dict[str, Any]) -> Any:
        name, values = d.get("n"), d.get("f")
        cls = self._by_name.get(name) if type(name) is str else None  # the registry only: nothing is imported
        if cls is None or set(d) != {TAG, "n", "f"} or type(values) is not dict:
            raise CacheCodecError(f"unknown or malformed class entry {name!r}"[:200])
        fields = self._fields[cls]
        if set(values) != {f for f, _ in fields}:
            raise CacheCodecError(f"fields of {name} do not match")  # an entry from another release: a miss
        obj = cls(**{f: values[f] for f, init in fields if init})
        for f, init in fields:
            if not init:
                object.__setattr__(obj, f, values[f])
        return obj


CODEC = Codec(CACHED_TYPES)


class SafeRedisSerializer(RedisSerializer):
    """cachelib's serializer interface (`dumps`/`loads`) over `CODEC`: no pickle either way.

    `dumps` raises `CacheCodecError` for a value it cannot hold (logged here as an error: the value is not cached,
    the caller computes it every time — loud, so that the type is added to `CACHED_TYPES`); `loads` turns
    anything that is not a valid entry of ours (a planted pickle, garbage) into a miss, logged as a warning."""

    def dump(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise CacheCodecError("stream serialisation (pickle) is not offered")

    def load(self, f: IO[bytes], *_args: Any, **_kwargs: Any) -> NoReturn:
        raise CacheCodecError("stream deserialisation (pickle) is not offered")

    def dumps(self, value: Any, *_args: Any, **_kwargs: Any) -> bytes:
        if type(value) is int:
            return str(value).encode("ascii")  # cachelib's inc/dec use Redis INCRBY on plain integers
        try:
            return CODEC.encode(value)
        except CacheCodecError as exc:
            log.error("CACHE: value not cached, %s (add the type to cockpit.cache_codec.CACHED_TYPES)", exc)
            raise

    def loads(self, value: bytes | None, *_args: Any, **_kwargs: Any) -> Any:  # type: ignore[override]  # as cachelib's own
        if value is None:
            return None
        if value.startswith(MAGIC):
            try:
                return CODEC.decode(value)
            except CacheCodecError as exc:
                log.warning("CACHE: ignoring an undecodable entry (%s): a miss", exc)
                return None
        if value[:1] in b"-0123456789" and value.lstrip(b"-").isdigit() and len(value) < 40:
            return int(value)
        log.warning("CACHE: ignoring an entry in a foreign format (%d bytes, e.g. a pickle): a miss", len(value))
        return None
