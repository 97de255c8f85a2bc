"""A small evaluator of the Elasticsearch filter subset the permission builders emit (bool, term, terms, ids,
match_all, range, exists), so permission tests state who sees which document, not how the JSON looks."""

from __future__ import annotations

from typing import Any


def _values(src: dict[str, Any], field: str) -> list[Any]:
    value: Any = src
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def matches(query: dict[str, Any], src: dict[str, Any]) -> bool:  # noqa: C901 - one branch per clause type
    """Does `src` (with `_id`) match `query`?"""
    ((kind, body),) = query.items()
    if kind == "match_all":
        return True
    if kind == "bool":
        if not all(matches(q, src) for q in [*body.get("filter", []), *body.get("must", [])]):
            return False
        if any(matches(q, src) for q in body.get("must_not", [])):
            return False
        should = body.get("should", [])
        if should:
            need = int(body.get("minimum_should_match", 0 if body.get("filter") or body.get("must") else 1))
            return sum(matches(q, src) for q in should) >= need
        return True
    if kind == "term":
        ((field, value),) = body.items()
        value = value["value"] if isinstance(value, dict) else value
        return value in _values(src, field)
    if kind == "terms":
        ((field, values),) = body.items()
        return bool(set(_values(src, field)) & set(values))
    if kind == "ids":
        return src.get("_id") in body["values"]
    if kind == "exists":
        return bool(_values(src, body["field"]))
    if kind == "range":
        ((field, cond),) = body.items()
        ops = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }
        return any(all(ops[op](v, bound) for op, bound in cond.items() if op in ops) for v in _values(src, field))
    raise ValueError(f"clause {kind!r} not supported by the test evaluator")
