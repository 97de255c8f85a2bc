"""Schema versions behind aliases: a migration copies with PIT + search_after + bulk and swaps the alias."""

from __future__ import annotations

from indexing import schema, store


def test_migrate_copies_everything_and_swaps_the_alias_atomically(es, index_prefix):
    alias = store.ensure_index(es, index_prefix, "customers")
    assert store.current_version(es, index_prefix, "customers") == schema.SCHEMA_VERSION
    docs = [
        {"customer_id": f"C{i}", "number": f"K-{10000 + i}", "name": f"Firma {i}", "tenant": "nord"}
        for i in range(1234)
    ]
    failures = store.bulk_write(es, ({"_index": alias, "_id": d["customer_id"], "_source": d} for d in docs))
    assert failures == []
    es.indices.refresh(index=alias)

    def transform(src: dict) -> dict:
        return src | {"segment": "A"}

    copied = store.migrate(es, index_prefix, "customers", schema.SCHEMA_VERSION + 1, transform)
    assert copied == 1234
    assert store.current_version(es, index_prefix, "customers") == schema.SCHEMA_VERSION + 1
    assert list(es.indices.get_alias(name=alias).keys()) == [
        schema.index_name(index_prefix, "customers", schema.SCHEMA_VERSION + 1)
    ]
    assert es.count(index=alias)["count"] == 1234
    assert es.get(index=alias, id="C7")["_source"]["segment"] == "A"


def test_scan_all_pages_through_more_than_one_page(es, index_prefix):
    alias = store.ensure_index(es, index_prefix, "notifications")
    store.bulk_write(es, ({"_index": alias, "_source": {"tenant": "nord", "n": i}} for i in range(1100)))
    es.indices.refresh(index=alias)
    assert len(list(store.scan_all(es, alias, size=250))) == 1100
