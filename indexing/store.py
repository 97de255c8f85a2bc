"""Elasticsearch I/O of the write side: indices behind aliases, bulk writes, lookups, migrations.

No reindex module in our archive: `migrate` copies with point-in-time + search_after + bulk and then
swaps the alias atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import streaming_bulk

from indexing import schema


def is_transient(exc: BaseException) -> bool:
    """Whether an exception from the client means "Elasticsearch is away or overloaded, try again later"."""
    from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, TransportError

    if isinstance(exc, ConnectionError | ConnectionTimeout):
        return True
    if isinstance(exc, ApiError):
        return exc.meta.status in (429, 502, 503, 504)
    return isinstance(exc, TransportError)


def ensure_index(es: Elasticsearch, prefix: str, kind: str, dims: int = schema.EMBEDDING_DIMS) -> str:
    """Create the concrete index of the current schema version and its alias when missing (an append-only kind:
    its one index, created without an alias — the application's role may not manage aliases there)."""
    alias = schema.alias_name(prefix, kind)
    if kind in schema.APPEND_ONLY_NAMES:
        if not es.indices.exists(index=alias):
            es.options(ignore_status=400).indices.create(
                index=alias, mappings=schema.mapping_for(kind, dims), settings=schema.index_settings(kind)
            )
        add_missing_fields(es, alias, schema.mapping_for(kind, dims))
        return alias
    if es.indices.exists_alias(name=alias):
        add_missing_fields(es, alias, schema.mapping_for(kind, dims))
        return alias
    name = schema.index_name(prefix, kind)
    if not es.indices.exists(index=name):
        es.options(ignore_status=400).indices.create(
            index=name, mappings=schema.mapping_for(kind, dims), settings=schema.index_settings(kind)
        )
    es.indices.put_alias(index=name, name=alias)
    return alias


def add_missing_fields(es: Elasticsearch, alias: str, mapping: dict[str, Any]) -> list[str]:
    """Additive schema changes without a new version: top-level fields of `mapping` that the alias's index
    lacks (e.g. `stems`) are added in place. Documents indexed before have no value for them until re-ingested;
    anything else (a changed type) needs a SCHEMA_VERSION bump and `migrate`."""
    current = es.indices.get_mapping(index=alias)
    have: set[str] = set()
    for body in current.values():
        have |= set(((body.get("mappings") or {}).get("properties") or {}).keys())
    missing = {k: v for k, v in mapping.get("properties", {}).items() if k not in have}
    if missing:
        es.indices.put_mapping(index=alias, properties=missing)
    return sorted(missing)


def ensure_indices(es: Elasticsearch, prefix: str, dims: int = schema.EMBEDDING_DIMS) -> None:
    for kind in schema.KINDS:
        ensure_index(es, prefix, kind, dims)


def current_version(es: Elasticsearch, prefix: str, kind: str) -> int | None:
    alias = schema.alias_name(prefix, kind)
    try:
        names = list(es.indices.get_alias(name=alias).keys())
    except NotFoundError:
        return None
    return max(int(n.rsplit("-v", 1)[1]) for n in names)


def scan_all(
    es: Elasticsearch, index: str, query: dict[str, Any] | None = None, size: int = 500, source: list[str] | None = None
) -> Iterator[dict[str, Any]]:
    """Every hit of `query` via point-in-time + search_after (stable under concurrent writes)."""
    pit = es.open_point_in_time(index=index, keep_alive="2m")["id"]
    try:
        after: list[Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "size": size,
                "query": query or {"match_all": {}},
                "pit": {"id": pit, "keep_alive": "2m"},
                "sort": [{"_shard_doc": "asc"}],
            }
            if source is not None:
                kwargs["source"] = source
            if after is not None:
                kwargs["search_after"] = after
            resp = es.search(**kwargs)
            hits = resp["hits"]["hits"]
            if not hits:
                return
            pit = resp.get("pit_id", pit)
            yield from hits
            after = hits[-1]["sort"]
    finally:
        es.options(ignore_status=404).close_point_in_time(id=pit)


def migrate(
    es: Elasticsearch,
    prefix: str,
    kind: str,
    to_version: int,
    transform: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d,
    dims: int = schema.EMBEDDING_DIMS,
) -> int:
    """Copy the alias's current index into version `to_version` (new mapping), then swap the alias."""
    if kind in schema.APPEND_ONLY_NAMES:
        raise ValueError(f"{kind} is append-only: it is never copied (new fields are added in place)")
    alias = schema.alias_name(prefix, kind)
    source = list(es.indices.get_alias(name=alias).keys())[0]
    target = schema.index_name(prefix, kind, to_version)
    if not es.indices.exists(index=target):
        es.indices.create(index=target, mappings=schema.mapping_for(kind, dims), settings=schema.index_settings(kind))
    actions = (
        {"_op_type": "index", "_index": target, "_id": hit["_id"], "_source": transform(hit["_source"])}
        for hit in scan_all(es, source)
    )
    copied = 0
    for ok, item in streaming_bulk(es, actions, chunk_size=500, max_retries=3, raise_on_error=False):
        if not ok:
            raise RuntimeError(f"migration failed for {item}")
        copied += 1
    es.indices.refresh(index=target)
    es.indices.update_aliases(
        actions=[{"remove": {"index": source, "alias": alias}}, {"add": {"index": target, "alias": alias}}]
    )
    return copied


def bulk_write(es: Elasticsearch, actions: Iterable[dict[str, Any]], chunk_size: int = 200) -> list[tuple[str, str]]:
    """Write actions with retries on 429; returns [(id, error)] for the ones that failed."""
    failures: list[tuple[str, str]] = []
    for ok, item in streaming_bulk(
        es,
        actions,
        chunk_size=chunk_size,
        max_chunk_bytes=20 * 1024 * 1024,
        max_retries=5,
        initial_backoff=1,
        raise_on_error=False,
        raise_on_exception=False,
    ):
        if not ok:
            op = next(iter(item.values()))
            failures.append((str(op.get("_id")), str(op.get("error"))[:300]))
    return failures


def get_existing(es: Elasticsearch, index: str, ids: list[str], fields: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    resp = es.mget(index=index, ids=ids, source_includes=fields)
    return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}


def family_members_many(
    es: Elasticsearch, index: str, tenant: str, family_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The indexed versions of each family, in one round trip (one msearch body per family)."""
    if not family_ids:
        return {}
    searches: list[dict[str, Any]] = []
    for family_id in family_ids:
        searches.append({"index": index})
        searches.append(
            {
                "size": 100,
                "query": {"bool": {"filter": [{"term": {"tenant": tenant}}, {"term": {"family_id": family_id}}]}},
                "_source": ["doc_id", "version", "is_latest", *schema.CONFIDENTIAL_FIELDS],
            }
        )
    resp = es.msearch(searches=searches)
    out: dict[str, list[dict[str, Any]]] = {}
    for family_id, r in zip(family_ids, resp["responses"], strict=True):
        if "error" in r:
            raise RuntimeError(f"family lookup failed: {r['error']}")
        out[family_id] = [h["_source"] | {"_id": h["_id"]} for h in r["hits"]["hits"]]
    return out


def backfill(
    es: Elasticsearch,
    prefix: str,
    missing_field: str,
    derive: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    fields: list[str] | None = None,
    query: dict[str, Any] | None = None,
) -> int:
    """Partial updates for every document without `missing_field` (fields added by a newer version; no
    painless needed) — or matching `query` instead: `derive(source)` gives the new fields. Returns the number of
    documents updated."""
    alias = schema.alias_name(prefix, "documents")
    query = query or {"bool": {"must_not": [{"exists": {"field": missing_field}}]}}
    if not es.indices.exists(index=alias) or not es.count(index=alias, query=query)["count"]:
        return 0
    add_missing_fields(es, alias, schema.mapping_for("documents"))
    done = 0

    def actions() -> Iterator[dict[str, Any]]:  # the point in time does not see the updates: streaming is safe
        nonlocal done
        for h in scan_all(es, alias, query, source=fields):
            done += 1
            yield {"_op_type": "update", "_index": h["_index"], "_id": h["_id"], "doc": derive(h["_source"])}

    failures = bulk_write(es, actions(), chunk_size=500)
    if failures:
        raise RuntimeError(f"back-fill failed for {len(failures)} documents: {failures[:3]}")
    es.indices.refresh(index=alias)
    return done
