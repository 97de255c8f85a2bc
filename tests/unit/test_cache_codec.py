"""cockpit.cache_codec: tagged JSON over a fixed registry of the project's dataclasses, never pickle."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import pickle
import sys
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.dashboard_model import Dashboard, DashboardRequest, Drill, Panel, Point
from cockpit.cache_codec import CACHED_TYPES, CODEC, MAGIC, CacheCodecError, SafeRedisSerializer
from domain.errors import Message
from notifications.digests import DigestSubscription
from search.documents import DocumentData
from search.dossier import DossierData, HomeData
from search.parse import CustomerSuggestion, FacetBucket, Group, Hit, SearchResult

# What AppContext.cached and the cockpit's page caches store (app/*.py, cockpit/pages/dashboard.py)
CACHED_ROOTS = (SearchResult, DocumentData, Hit, CustomerSuggestion, DossierData, HomeData, Dashboard,
                DigestSubscription)  # fmt: skip


def _dataclasses_in(tp: Any, seen: set[type]) -> None:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if tp not in seen:
            seen.add(tp)
            for hint in typing.get_type_hints(tp).values():
                _dataclasses_in(hint, seen)
        return
    for arg in typing.get_args(tp):
        _dataclasses_in(arg, seen)


def test_every_dataclass_a_cached_value_can_hold_is_registered():
    seen: set[type] = set()
    for root in CACHED_ROOTS:
        _dataclasses_in(root, seen)
    missing = {f"{c.__module__}.{c.__qualname__}" for c in seen - set(CACHED_TYPES)}
    assert not missing, f"add to cockpit.cache_codec.CACHED_TYPES: {sorted(missing)}"


HIT = Hit("d1", 1.5, title="Rechnung", customer_ids=("C1",), customer_names=("Müller",), register="invoice",
          highlights={"text": ((("a ", False), ("b", True)),)}, sort=(1.5, "d1"), source={"tenant": "nord", "n": [1, 2]})  # fmt: skip
SAMPLES: list[Any] = [
    None, True, 0, -7, 2**70, 1.25, "ä€\u0000", [], {}, (), [1, (2, 3)], {"~t": "looks like a tag"},
    {("a", 1): "tuple key", 3: "int key", None: 1}, {1, 2}, frozenset({"x"}),
    dt.date(2026, 12, 7), dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, 8, 30), dt.time(7, 5),
    Message("dash.msg.failed", {"n": 3}),
    HIT,
    SearchResult(hits=[HIT], total=1, facets={"register": [FacetBucket("invoice", 1, True)]},
                 groups=[Group(None, 1, (HIT,))], next_search_after=(1.5, "d1"), messages=[Message("m", {})],
                 dense_weight=0.5),
    DocumentData("d1", {"title": "t"}, (("x", False),), 1, [{"v": 1}], [("C1", "Müller", None)], {"d2": {"title": "a"}}),
    DossierData("C1", {"name": "Müller"}, "Müller", 3, [("invoice", 2, [HIT])], 1, HIT, None, 100.5, "EUR", 2,
                [("2026-12", "invoice", 2)], [HIT], {"person": [("Anna", 2)]}),
    HomeData(1, 2, 3, 4, [HIT], [{"customer_id": "C1"}]),
    Dashboard(DashboardRequest(date_from=dt.date(2026, 1, 1), tenants=("nord",), overrides={}), ("2026-01-01", "2026-12-07"),
              {"k": Panel("k", "bar", (Point("2026-W01", 2.0, drill=Drill(filters={"register": ("invoice",)})),),
                          figures={"median_days": 1.5}, notes=(Message("n"),), period=("a", "b"))},
              messages=(Message("x"),), scope_note=Message("s", {"who": "anna"}), options={"segment": ("A",)}),
    (DigestSubscription("s1", "anna", "period=90d"),),
    (True, [HIT]),
    {"v1": 3, "v2": None},
    {"C1": ("Müller", None)},
    [CustomerSuggestion("C1", "K-1", "Müller", "nord")],
]  # fmt: skip


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_values_round_trip_equal_and_typed(value):
    data = CODEC.encode(value)
    assert data.startswith(MAGIC) and b"pickle" not in data
    again = CODEC.decode(data)
    assert again == value and type(again) is type(value)


def test_numpy_scalars_become_equal_python_numbers():
    again = CODEC.decode(CODEC.encode({"a": np.int64(3), "b": np.float64(1.5), "c": np.bool_(True)}))
    assert again == {"a": 3, "b": 1.5, "c": True} and type(again["a"]) is int


@pytest.mark.parametrize("value", [object(), Path("/etc"), b"bytes", {"x": [lambda: 1]}, np.arange(3),
                                   dataclasses.make_dataclass("Unlisted", ["a"])(1)])  # fmt: skip
def test_a_value_outside_the_format_is_refused(value):
    with pytest.raises(CacheCodecError, match="cannot cache"):
        CODEC.encode(value)


def test_the_serializer_logs_a_refused_value_as_an_error(caplog):
    with pytest.raises(CacheCodecError):
        SafeRedisSerializer().dumps({"x": object()})
    assert any(r.levelname == "ERROR" and "builtins.object" in r.getMessage() for r in caplog.records)


def _entry(obj: Any) -> bytes:
    return MAGIC + json.dumps(obj).encode()


@pytest.mark.parametrize(
    "entry",
    [
        _entry({"~t": "dc", "n": "antigravity.Fly", "f": {}}),  # a module name from the data: never imported
        _entry({"~t": "dc", "n": "os.system", "f": {"command": "true"}}),
        _entry({"~t": "dc", "n": "domain.errors.Message", "f": {"code": "x"}}),  # a field missing
        _entry({"~t": "dc", "n": "domain.errors.Message", "f": {"code": "x", "params": {}, "evil": 1}}),
        _entry(
            {
                "~t": "dc",
                "n": "app.dashboard_model.DashboardRequest",
                "f": {f.name: None for f in dataclasses.fields(DashboardRequest)} | {"period": "nope", "overrides": {}},
            }
        ),  # its own checks
        _entry({"~t": "eval", "v": "1+1"}),
        _entry({"~t": "map", "v": [[[1], 2]]}),  # an unhashable key
        _entry({"~t": "tuple", "v": "abc"}),
        _entry({"~t": "date", "v": "not a date"}),
        MAGIC + b"{not json",
        MAGIC + b"\xff\xfe",
    ],
)
def test_a_malformed_or_foreign_entry_is_a_miss(entry):
    modules = set(sys.modules)
    with pytest.raises(CacheCodecError):
        CODEC.decode(entry)
    assert SafeRedisSerializer().loads(entry) is None
    assert "antigravity" not in sys.modules and set(sys.modules) - modules == set()


class _Boom:
    def __reduce__(self) -> tuple[Any, ...]:
        return (pytest.fail, ("unpickled!",))


def test_a_pickle_is_never_loaded():
    ser = SafeRedisSerializer()
    payload = pickle.dumps(_Boom())
    for planted in (payload, b"!" + payload, pickle.dumps({"a": 1})):
        assert ser.loads(planted) is None
    with pytest.raises(CacheCodecError):
        ser.load(io.BytesIO(payload))


def test_integers_stay_plain_for_cachelib_inc_and_dec():
    ser = SafeRedisSerializer()
    assert ser.dumps(42) == b"42" and ser.loads(b"42") == 42 and ser.loads(b"-3") == -3
    assert ser.loads(ser.dumps("42")) == "42" and ser.loads(ser.dumps(True)) is True
    assert ser.loads(None) is None
