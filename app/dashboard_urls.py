"""The dashboard's URL state (pure): `/dashboard?period=90d&segment=A&o.volume_register=365d`.

`parse_dashboard_params` reads it into a `DashboardRequest` and never raises: unknown or malformed values fall
back to defaults with a message (an i18n key and the parameter's name). `dashboard_query` writes the canonical
form back (bookmarkable, linkable from an ERP). The cockpit and the weekly digest read URLs with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from app.dashboard_model import DEFAULT_PERIOD, PANELS, PERIODS, DashboardRequest
from indexing.schema import REGISTERS

Message = tuple[str, str]
LIST_PARAMS = {"tenant": "tenants", "segment": "segments", "manager": "managers", "department": "departments",
               "register": "registers"}  # fmt: skip
MAX_VALUES = 50
MAX_VALUE_CHARS = 200


def parse_query_string(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs.lstrip("?"), keep_blank_values=True, max_num_fields=500)
    except ValueError:
        return {}


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    raw = params.get(name)
    vals = [raw] if isinstance(raw, str) else list(raw or [])
    return [str(v).strip()[:MAX_VALUE_CHARS] for v in vals if str(v).strip()][:MAX_VALUES]


def _date(params: Mapping[str, Any], name: str, messages: list[Message]) -> dt.date | None:
    vals = _values(params, name)
    if not vals:
        return None
    try:
        return dt.date.fromisoformat(vals[0]) if len(vals[0]) == 10 else _bad(name, messages)
    except ValueError:
        return _bad(name, messages)


def _bad(name: str, messages: list[Message]) -> dt.date | None:
    messages.append(("msg.bad_value", name))
    return None


def parse_dashboard_params(params: Mapping[str, Any] | str | None) -> tuple[DashboardRequest, list[Message]]:
    if isinstance(params, str) or params is None:
        params = parse_query_string(params or "")
    messages: list[Message] = []
    period = (_values(params, "period") or [DEFAULT_PERIOD])[0]
    if period not in PERIODS:
        messages.append(("msg.bad_value", "period"))
        period = DEFAULT_PERIOD
    date_from, date_to = _date(params, "from", messages), _date(params, "to", messages)
    if period == "custom" and date_from and date_to and date_from > date_to:
        messages.append(("msg.bad_value", "from"))
        date_from, date_to = date_to, date_from
    lists: dict[str, tuple[str, ...]] = {}
    for param, attr in LIST_PARAMS.items():
        vals = _values(params, param)
        if param == "register" and (bad := [v for v in vals if v not in REGISTERS]):
            messages.append(("msg.bad_value", "register"))
            vals = [v for v in vals if v not in bad]
        lists[attr] = tuple(sorted(set(vals)))
    overrides = {}
    for key in params:
        if key.startswith("o."):
            value = (_values(params, key) or [""])[0]
            if key[2:] in PANELS and value in PERIODS and value != "custom":
                overrides[key[2:]] = value
            else:
                messages.append(("msg.bad_value", key[:40]))
    req = DashboardRequest(period=period, date_from=date_from if period == "custom" else None,
                           date_to=date_to if period == "custom" else None, overrides=overrides,
                           tenants=lists["tenants"], segments=lists["segments"], managers=lists["managers"],
                           departments=lists["departments"], registers=lists["registers"])  # fmt: skip
    return req, messages


def dashboard_query(req: DashboardRequest) -> str:
    pairs: list[tuple[str, str]] = []
    if req.period != DEFAULT_PERIOD:
        pairs.append(("period", req.period))
    if req.period == "custom":
        pairs += [(k, v.isoformat()) for k, v in (("from", req.date_from), ("to", req.date_to)) if v]
    for param, attr in LIST_PARAMS.items():
        pairs += [(param, v) for v in getattr(req, attr)]
    pairs += [(f"o.{k}", v) for k, v in sorted(req.overrides.items())]
    return urlencode(pairs)
