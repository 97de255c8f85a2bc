"""The application's Elasticsearch identity (pure data): what the cockpit, the API and the workers may do.

Everything on the indices of the documents and the records around them; on the audit trail
(``<prefix>-audit-log``) only create entries, read them, refresh and create the index — never ``index`` over
an existing id, update or delete (the trail is append-only for the application; tests/integration/
test_audit_chain.py tries). Set-up and clean-up (dropping a prefix) need the administrator (`elastic`).

The index names must match `indexing.schema` (tests/unit/test_audit_chain.py checks); the role is written
by `core.services.ensure_app_user` on every start of the project's own node, and printed by
``cockpit services es-role`` for a cluster of one's own.
"""

from __future__ import annotations

from typing import Any

APP_USER = "dossier_app"
APP_ROLE = "dossier_app"
MUTABLE_KINDS = ("documents", "customers", "views", "audit_heads", "subscriptions", "notifications", "api_keys",
                 "holds", "grants", "cases", "resubmissions")  # fmt: skip
AUDIT_INDEX_SUFFIX = "audit-log"
AUDIT_PRIVILEGES = ("create_doc", "read", "view_index_metadata", "create_index", "auto_configure", "maintenance")


def app_role() -> dict[str, Any]:
    kinds = "|".join(MUTABLE_KINDS)
    return {
        "cluster": ["monitor"],
        "indices": [
            {"names": [f"/.*-({kinds})(-v[0-9]+)?/"], "privileges": ["all"]},
            {"names": [f"/.*-{AUDIT_INDEX_SUFFIX}/"], "privileges": list(AUDIT_PRIVILEGES)},
        ],
    }
