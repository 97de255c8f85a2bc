"""Every Elasticsearch body of the read side starts from the permission filter — found automatically.

Builders are the public functions of the `search` package named ``*_body`` or ``*_bodies``. Each is called with
sample arguments (by parameter name) for an ordinary principal and for one who sees nothing; the body must
carry that principal's permission filter (documents, customers) or tenant filter (views, subscriptions,
notifications, audit), and nothing for the one who sees nothing. A new builder whose parameters have no sample
here fails the test until a sample is added — no builder escapes by not being listed.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import search
from domain.principal import Principal
from search.audit import AuditQuery
from search.dashboards import Bounds, DashboardScope
from search.permissions import MATCH_NOTHING, permission_filter, tenant_filter
from search.query_parser import parse_query
from search.request import SearchRequest
from search.retention import HoldExclusions

ANNA = Principal("anna", frozenset({"nord"}), frozenset({"all", "contracts"}), department="vertrieb-nord")
NOBODY = Principal("nobody", frozenset(), frozenset({"all"}))

SAMPLES: dict[str, Any] = {
    "register": "invoice",
    "req": SearchRequest(text="rechnung", filters={"register": ("invoice",)}, group_by="customer"),
    "request": SearchRequest(text="rechnung", filters={"register": ("invoice",)}, group_by="customer"),
    "parsed": parse_query("rechnung kunde:K-10234"),
    "analysis": None,
    "chain": "chain-x",
    "vector": [0.1, 0.2, 0.3],
    "customer_id": "C1",
    "customer_ids": ["C1", "C2"],
    "doc_id": "d1",
    "doc_ids": ["d1", "d2"],
    "ids": ["d1", "d2"],
    "family_id": "fam",
    "today": dt.date(2026, 3, 1),
    "login": "anna",
    "logins": ["anna"],
    "departments": ["vertrieb-nord"],
    "keys": ["C1", None],
    "prefix_text": "Mü",
    "pit_id": "pit-1",
    "view_ids": ["v1"],
    "now_iso": "2026-03-01T00:00:00+00:00",
    "stale_iso": "2026-02-28T23:45:00+00:00",
    "size": 10,
    "unread_only": False,
    "key_id": "0123456789abcdef",
    "tenant": "t-sample",
    "attrs": {"segment": ("A",)},
    "scope": DashboardScope(period=Bounds(dt.date(2026, 1, 1), dt.date(2026, 3, 1)), customer_in=("C1",)),
    "weeks": Bounds(dt.date(2025, 1, 6), dt.date(2026, 3, 1)),
    "since": dt.date(2026, 1, 1),
    "groups": {"A": ("C1",), "B": ("C2",)},
    "query": AuditQuery(
        user="anna",
        doc_id="d1",
        customer_id="C1",
        actions=("export",),
        tenant="t-sample",
        date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 3, 1),
        after=(1767225600000, 7),
    ),
    # retention, legal holds, disposal (search/retention.py)
    "until": "2027-03-01",
    "exclusions": HoldExclusions(frozenset({"d9"}), frozenset({("t-sample", "C9")}), ({"term": {"register": "x"}},)),
    "clauses": [{"term": {"register": "invoice"}}],
    "shas": ["a" * 64],
    "numbers": ["4711"],
    "family_ids": ["fam"],
    # cases (search/cases.py)
    "case_id": "case-1",
    "thread_id": "thread-1",
    "resubmission_id": "resub-1",
}


def builders() -> Iterator[tuple[str, Callable[..., Any]]]:
    for info in pkgutil.iter_modules(search.__path__):
        module = importlib.import_module(f"search.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and name.endswith(("_body", "_bodies")):
                yield f"{module.__name__}.{name}", fn


ALL = sorted(builders())


def call(fn: Callable[..., Any], principal: Principal) -> Any:
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(fn).parameters.values():
        if param.name == "principal":
            kwargs["principal"] = principal
        elif param.default is inspect.Parameter.empty:
            assert param.name in SAMPLES, f"{fn.__module__}.{fn.__name__}: add a sample for parameter {param.name!r}"
            kwargs[param.name] = SAMPLES[param.name]
    return fn(**kwargs)


def dumped(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def test_the_builders_are_found():
    names = {n.rsplit(".", 1)[1] for n, _ in ALL}
    # the two that a hand-kept list once missed, and one of each module
    assert {"original_body", "review_item_body", "keyword_body", "dossier_body", "views_body", "inbox_body"} <= names
    assert len(ALL) >= 30


@pytest.mark.parametrize(("name", "fn"), ALL, ids=[n for n, _ in ALL])
def test_every_body_starts_from_the_principals_filter(name: str, fn: Callable[..., Any]):
    assert "principal" in inspect.signature(fn).parameters, f"{name} takes no principal"
    body = dumped(call(fn, ANNA))
    assert dumped(permission_filter(ANNA)) in body or dumped(tenant_filter(ANNA)) in body, name
    with pytest.raises(TypeError):
        call(fn, None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "fn"), ALL, ids=[n for n, _ in ALL])
def test_who_sees_nothing_gets_nothing(name: str, fn: Callable[..., Any]):
    body = dumped(call(fn, NOBODY))
    assert dumped(MATCH_NOTHING) in body, name
    assert '"nord"' not in body


@pytest.mark.parametrize(("name", "fn"), ALL, ids=[n for n, _ in ALL])
def test_no_body_changes_the_shared_filters(name: str, fn: Callable[..., Any]):
    """The filters are built once per principal and embedded in every body: no builder may modify them."""
    from domain.principal import GrantScope
    from search.permissions import customer_filter

    granted = ANNA.with_(grants=(GrantScope("nord", "dossier", "K-1", "2099-01-01T00:00:00+00:00", "g", ("all",)),
                                 GrantScope("nord", "document", "fam", "2099-01-01T00:00:00+00:00", "h")))  # fmt: skip
    before = [dumped(permission_filter(granted)), dumped(permission_filter(granted, "export")),
              dumped(customer_filter(granted))]  # fmt: skip
    body = call(fn, granted)
    body2 = call(fn, granted)
    assert dumped(body) == dumped(body2), name
    after = [dumped(permission_filter(granted)), dumped(permission_filter(granted, "export")),
             dumped(customer_filter(granted))]  # fmt: skip
    assert after == before, name
