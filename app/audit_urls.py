"""The audit page's URL state (pure): `/audit?user=anna.schmidt&doc=…&customer=C1&action=export&action=login
&from=2026-03-01&to=2026-03-31&tenant=nord&after=1767225600000_42`.

`parse_audit_params` reads it into a `search.audit.AuditQuery` and never raises: malformed values are dropped
with a message (an i18n key and the parameter's name), a reversed period is swapped. `audit_query_string` writes
the canonical form back, so a filtered trail can be bookmarked or sent to a colleague.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from search.audit import AuditQuery, Cursor

Message = tuple[str, str]
PAGE_SIZE = 50
MAX_VALUE_CHARS = 300
MAX_ACTIONS = 30
ACTION = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
CURSOR = re.compile(r"^(-?\d{1,19})_(-?\d{1,19})$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
KNOWN = frozenset({"user", "doc", "customer", "action", "from", "to", "tenant", "after", "before"})


def parse_query_string(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs.lstrip("?"), keep_blank_values=True, max_num_fields=200)
    except ValueError:
        return {}


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    raw = params.get(name)
    vals = [raw] if isinstance(raw, str) else list(raw or [])
    return [str(v).strip() for v in vals if v is not None and str(v).strip()]


def _one(params: Mapping[str, Any], name: str, messages: list[Message]) -> str | None:
    vals = _values(params, name)
    if not vals:
        return None
    value = vals[0]
    if len(value) > MAX_VALUE_CHARS or CONTROL.search(value):
        messages.append(("msg.bad_value", name))
        return None
    return value


def _date(params: Mapping[str, Any], name: str, messages: list[Message]) -> dt.date | None:
    value = _one(params, name, messages)
    if value is None:
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    messages.append(("msg.bad_value", name))
    return None


def parse_cursor(value: str | None) -> Cursor | None:
    """`<created_at ms>_<seq>` -> the sort values of an entry; None for anything else."""
    m = CURSOR.match(value or "")
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    if not (-(2**63) <= a < 2**63 and -(2**63) <= b < 2**63):
        return None
    return a, b


def cursor_text(cursor: Cursor) -> str:
    return f"{int(cursor[0])}_{int(cursor[1])}"


def _cursor(params: Mapping[str, Any], name: str, messages: list[Message]) -> Cursor | None:
    value = _one(params, name, messages)
    if value is None:
        return None
    cursor = parse_cursor(value)
    if cursor is None:
        messages.append(("msg.bad_value", name))
    return cursor


def parse_audit_params(
    params: Mapping[str, Any] | str | None, *, size: int = PAGE_SIZE
) -> tuple[AuditQuery, list[Message]]:
    if isinstance(params, str) or params is None:
        params = parse_query_string(params or "")
    messages: list[Message] = []
    actions: list[str] = []
    for value in _values(params, "action"):
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if ACTION.match(part):
                actions.append(part)
            elif ("msg.bad_value", "action") not in messages:
                messages.append(("msg.bad_value", "action"))
    if len(set(actions)) > MAX_ACTIONS:
        messages.append(("msg.bad_value", "action"))
    date_from, date_to = _date(params, "from", messages), _date(params, "to", messages)
    if date_from and date_to and date_from > date_to:
        messages.append(("msg.bad_value", "from"))
        date_from, date_to = date_to, date_from
    after, before = _cursor(params, "after", messages), _cursor(params, "before", messages)
    unknown = sorted(k for k in params if k not in KNOWN and not k.startswith("_"))
    messages += [("msg.bad_value", k[:40]) for k in unknown[:5]]
    query = AuditQuery(
        user=_one(params, "user", messages), doc_id=_one(params, "doc", messages),
        customer_id=_one(params, "customer", messages), actions=tuple(sorted(set(actions)))[:MAX_ACTIONS],
        date_from=date_from, date_to=date_to, tenant=_one(params, "tenant", messages), size=size,
        after=None if before else after, before=before,
    )  # fmt: skip
    return query, messages


def audit_query_string(query: AuditQuery, *, page: bool = True) -> str:
    pairs: list[tuple[str, str]] = []
    for param, value in (("user", query.user), ("doc", query.doc_id), ("customer", query.customer_id)):
        if value:
            pairs.append((param, value))
    pairs += [("action", a) for a in sorted(set(query.actions))]
    if query.date_from:
        pairs.append(("from", query.date_from.isoformat()))
    if query.date_to:
        pairs.append(("to", query.date_to.isoformat()))
    if query.tenant:
        pairs.append(("tenant", query.tenant))
    if page and query.before is not None:
        pairs.append(("before", cursor_text(query.before)))
    elif page and query.after is not None:
        pairs.append(("after", cursor_text(query.after)))
    return urlencode(pairs)


def audit_href(query: AuditQuery, *, page: bool = True) -> str:
    qs = audit_query_string(query, page=page)
    return f"/audit?{qs}" if qs else "/audit"


def page_href(query: AuditQuery, *, after: Cursor | None = None, before: Cursor | None = None) -> str:
    """The same filters, another page (newer: `before`, older: `after`)."""
    return audit_href(replace(query, after=after, before=before))
