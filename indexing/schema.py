"""Index schema: names, mappings and the schema version. Pure data, no I/O.

Every index lives behind an alias ``<prefix>-<kind>`` that points at a concrete, versioned index
``<prefix>-<kind>-v<SCHEMA_VERSION>``. A schema change bumps SCHEMA_VERSION; `indexing.store.migrate`
copies documents with point-in-time + search_after + bulk (the reindex module is not in our archive)
and swaps the alias atomically.

Only modules shipped in the integ-test archive are used: standard analyzer, keyword, dense_vector,
nested, completion, date, numeric types. German stemming comes from the `lemmas` field that spaCy fills and the `stems`
field (Snowball stems computed client-side by nlp.stems).
"""

from __future__ import annotations

from typing import Any

# Identifier kinds recognised by nlp.entities; their normalised values go to `ids` and `entities.<kind>`.
from nlp.entities import ENTITY_KINDS

SCHEMA_VERSION = 1
EMBEDDING_DIMS = 384

KINDS = (
    "documents", "customers", "views", "audit", "audit_heads", "subscriptions", "notifications", "api_keys", "holds",
    "grants", "cases", "resubmissions",
)  # fmt: skip
# Append-only kinds: one concrete index under a fixed name, no alias and no versions (a migration would be a
# rewrite). The application's Elasticsearch role may create entries there and read them, never change or
# delete one (core.es_roles).
APPEND_ONLY_NAMES = {"audit": "audit-log"}

# A confidential document's fields (domain.access); a new version of the family keeps them.
CONFIDENTIAL_FIELDS = ("confidential", "confidential_users", "confidential_groups", "confidential_by",
                       "confidential_at")  # fmt: skip

# Registers (document classes). Keys are stable ids used in the index; labels live in the UI catalogue.
REGISTERS = (
    "offer",
    "order",
    "order_confirmation",
    "delivery_note",
    "invoice",
    "credit_note",
    "complaint",
    "correspondence",
    "contract",
    "service",
    "other",
    "review",  # "Klärfälle": documents the pipeline could not file with confidence
)


def alias_name(prefix: str, kind: str) -> str:
    """The name reads and writes use: the alias, or for an append-only kind its one index."""
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}")
    return f"{prefix}-{APPEND_ONLY_NAMES.get(kind, kind)}"


def index_name(prefix: str, kind: str, version: int = SCHEMA_VERSION) -> str:
    return f"{alias_name(prefix, kind)}-v{version}"


_KW = {"type": "keyword"}
_TEXT_KW = {"type": "text", "fields": {"raw": {"type": "keyword", "ignore_above": 512}}}


def documents_mapping(dims: int = EMBEDDING_DIMS) -> dict[str, Any]:
    """One Elasticsearch entry per document *version*."""
    return {
        "dynamic": "strict",
        "_meta": {"schema_version": SCHEMA_VERSION},
        "properties": {
            # identity and versions
            "doc_id": _KW,  # == _id, deterministic: tenant + content hash
            "family_id": _KW,  # all versions of one logical document share it
            "version": {"type": "integer"},
            "is_latest": {"type": "boolean"},
            "content_sha256": _KW,  # of the original bytes; the archive key
            "text_sha256": _KW,
            "sources": {  # every place this exact content arrived from
                "properties": {
                    "uri": _KW,
                    "kind": _KW,  # file | email | attachment | erp | upload
                    "received_at": {"type": "date"},
                }
            },
            "source_kind": _KW,
            "channel": _KW,  # mail | scan | erp | upload | file (documents.channel_of)
            "direction": _KW,  # in | out (documents.direction_of)
            # permissions: on every document, filtered on every request
            "tenant": _KW,
            "acl_groups": _KW,  # the register's read groups (domain.access)
            "export_groups": _KW,  # the register's export groups
            "confidential": {"type": "boolean"},  # then only these users and groups read it
            "confidential_users": _KW,
            "confidential_groups": _KW,
            "confidential_by": _KW,
            "confidential_at": {"type": "date"},
            # content
            "title": _TEXT_KW,
            "text": {"type": "text", "analyzer": "standard"},
            "lemmas": {"type": "text", "analyzer": "standard"},  # spaCy lookup lemmas of title+text
            "stems": {"type": "text", "analyzer": "standard"},  # Snowball stems of title+text (nlp.stems)
            "language": _KW,
            "file_name": _TEXT_KW,
            "mime_type": _KW,
            "file_size": {"type": "long"},
            "pages": {"type": "integer"},
            "element_count": {"type": "integer"},
            # filing (Einakten)
            "customer_ids": _KW,
            "customer_names": _TEXT_KW,
            "primary_customer_id": _KW,
            "register": _KW,
            "filing": {
                "properties": {
                    "status": _KW,  # auto | review | manual
                    "confidence": {"type": "float"},
                    "reasons": {"type": "text", "index": False},
                    "register_reason": {"type": "text", "index": False},
                    "candidates": _KW,
                    "suggested_register": _KW,  # the classifier's register, also for review documents
                }
            },
            "status": _KW,  # open | closed | n/a (complaints, invoices)
            # the case the document is worked in (app.case_sync keeps these in step with the case record)
            "case_id": _KW,
            "case_state": _KW,  # open | overdue | closed: the facet "Fallstatus"
            "case_step": _KW,
            "case_assignee": _KW,
            "case_department": _KW,
            "case_due_at": {"type": "date"},
            "case_opened_at": {"type": "date"},
            "complaint_reason": _KW,  # nlp.reasons key, complaints only
            # dates
            "doc_date": {"type": "date"},
            "received_at": {"type": "date"},
            "indexed_at": {"type": "date"},
            "year_month": _KW,  # "2026-11", convenient facet
            # retention (domain.retention): kept until, why, what looked odd, which table computed it
            "contract_end": {"type": "date"},  # contracts: the period runs from here (set by hand)
            "retain_until": {"type": "date"},  # absent: never disposed (review)
            "retention_basis": _KW,  # "<register>:<years>y:<doc_date|contract_end>" | "<register>:never"
            "retention_flags": _KW,  # future_date | no_date | no_contract_end | unknown_register | never
            "retention_table": _KW,  # RetentionTable.fingerprint: another table → recomputed by backfill
            # entities: normalised identifiers for exact matching, plus typed lists and a facet field
            "ids": _KW,  # every normalised identifier (lower case, no separators)
            "entities": {"properties": {kind: _KW for kind in ENTITY_KINDS}},
            "entity_facets": _KW,  # "<kind>:<value>", for the entity facet
            "total_amount": {"type": "double"},
            "currency": _KW,
            # e-mail structure
            "parent_id": _KW,  # the e-mail an attachment came with
            "attachment_ids": _KW,
            "thread_id": _KW,
            "mail_from": _KW,
            "mail_to": _KW,
            "subject": _TEXT_KW,
            "archive_path": {"type": "keyword", "index": False},
            # passages for semantic search: best passage per document via nested kNN + inner_hits
            "passages": {
                "type": "nested",
                "properties": {
                    "ord": {"type": "integer"},
                    "text": {"type": "text", "index": False},
                    "vector": {
                        "type": "dense_vector",
                        "dims": dims,
                        "index": True,
                        "similarity": "cosine",
                        "index_options": {"type": "int8_hnsw"},
                    },
                },
            },
        },
    }


def customers_mapping() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "_meta": {"schema_version": SCHEMA_VERSION},
        "properties": {
            "customer_id": _KW,
            "number": _KW,
            "number_norm": _KW,
            "name": _TEXT_KW,
            "legal_form": _KW,
            "aliases": _TEXT_KW,
            "tenant": _KW,
            "acl_groups": _KW,
            "segment": _KW,
            "account_manager": _KW,
            "department": _KW,
            "emails": _KW,
            "domains": _KW,
            "phones": _KW,
            "ibans": _KW,
            "vat_id": _KW,
            "addresses": {
                "properties": {
                    "kind": _KW,
                    "street": {"type": "text"},
                    "zip": _KW,
                    "city": _TEXT_KW,
                    "country": _KW,
                    "lat": {"type": "float"},
                    "lon": {"type": "float"},
                }
            },
            "suggest": {
                "type": "completion",
                "analyzer": "simple",
                "contexts": [{"name": "tenant", "type": "category", "path": "tenant"}],
            },
            "updated_at": {"type": "date"},
        },
    }


def generic_mapping() -> dict[str, Any]:
    """Views, subscriptions, notifications and audit: JSON bodies with a few keyword fields."""
    return {
        "dynamic": "true",
        "_meta": {"schema_version": SCHEMA_VERSION},
        "dynamic_templates": [{"strings_as_keywords": {"match_mapping_type": "string", "mapping": _KW}}],
        "properties": {
            "tenant": _KW,
            "owner": _KW,
            "created_at": {"type": "date"},
            "updated_at": {"type": "date"},
            "body": {"type": "object", "enabled": False},
        },
    }


def audit_mapping() -> dict[str, Any]:
    """One audit entry: who did what, when, where from, to which document/customer — every field queryable;
    `body` keeps the rest (not indexed, but part of the entry's hash). Fields not listed are kept, not indexed."""
    long_ = {"type": "long"}
    return {
        "dynamic": "false",
        "_meta": {"schema_version": SCHEMA_VERSION},
        "properties": {
            **{
                k: _KW
                for k in (
                    "action",
                    "tenant",
                    "owner",
                    "actor_name",
                    "principal_kind",
                    "key_name",
                    "roles",
                    "ip",
                    "user_agent",
                    "via",
                    "day",
                    "outcome",
                    "owner_login",
                    "doc_id",
                    "customer_id",
                    "view_id",
                    "filters",
                    "target",
                    "chain",
                    "prev_hash",
                    "hash",
                )
            },  # fmt: skip
            "created_at": {"type": "date"},
            "query": _TEXT_KW,
            "hits": long_,
            "rows": long_,
            "seq": long_,
            "body": {"type": "object", "enabled": False},
        },
    }


def mapping_for(kind: str, dims: int = EMBEDDING_DIMS) -> dict[str, Any]:
    if kind == "documents":
        return documents_mapping(dims)
    if kind == "customers":
        return customers_mapping()
    if kind == "audit":
        return audit_mapping()
    if kind == "grants":
        return grants_mapping()
    if kind == "cases":
        return cases_mapping()
    if kind == "resubmissions":
        return resubmissions_mapping()
    return generic_mapping()


def grants_mapping() -> dict[str, Any]:
    """Temporary grants: the generic record plus the dates the active ones are selected by."""
    mapping = generic_mapping()
    mapping["properties"].update({"until": {"type": "date"}, "revoked_at": {"type": "date"}})
    return mapping


def cases_mapping() -> dict[str, Any]:
    """Cases (app.cases): the generic record plus their dates and keywords; the definition snapshot (the process
    file's text) and the protocol are kept, not indexed."""
    mapping = generic_mapping()
    mapping["properties"].update({
        **{k: _KW for k in ("case_id", "customer_id", "doc_ids", "process", "process_version", "step", "status",
                            "state", "assignee", "department", "role", "team", "decision", "opened_by",
                            "thread_ids")},
        "reopened_at": {"type": "date"},
        "due_at": {"type": "date"},
        "opened_at": {"type": "date"},
        "closed_at": {"type": "date"},
        "definition": {"type": "text", "index": False},
        "protocol": {"type": "object", "enabled": False},
    })  # fmt: skip
    return mapping


def resubmissions_mapping() -> dict[str, Any]:
    """Resubmissions (Wiedervorlagen, app.resubmissions): the generic record plus the dates they are due."""
    mapping = generic_mapping()
    mapping["properties"].update({"due_on": {"type": "date"}, "due_at": {"type": "date"},
                                  "released_at": {"type": "date"}, "note": {"type": "text", "index": False}})  # fmt: skip
    return mapping


def index_settings(kind: str) -> dict[str, Any]:
    return {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}
