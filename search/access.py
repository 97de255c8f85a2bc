"""Bodies that compare the documents' permission fields with the permission table (pure).

`drift_body` counts, per tenant and register, the documents and each value of ``acl_groups`` and
``export_groups``: the documents match the table exactly when every expected group is on all of them and no
other group is on any (`app.access.drift`). `rows_body` lists one (tenant, register)'s documents with their
fields, to rewrite those that differ.
"""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.permissions import permission_filter, require_principal

MAX_TENANTS = 1000
MAX_REGISTERS = 100
MAX_GROUPS = 1000


def drift_body(principal: Principal) -> dict[str, Any]:
    require_principal(principal)
    groups = {"acl": {"terms": {"field": "acl_groups", "size": MAX_GROUPS}},
              "export": {"terms": {"field": "export_groups", "size": MAX_GROUPS}}}  # fmt: skip
    return {
        "size": 0,
        "query": {"bool": {"filter": [permission_filter(principal)]}},
        "aggs": {
            "t": {
                "terms": {"field": "tenant", "size": MAX_TENANTS},
                "aggs": {"r": {"terms": {"field": "register", "size": MAX_REGISTERS}, "aggs": groups}},
            }
        },
    }


def rows_body(principal: Principal, tenant: str, register: str) -> dict[str, Any]:
    require_principal(principal)
    return {
        "query": {
            "bool": {
                "filter": [permission_filter(principal), {"term": {"tenant": tenant}}, {"term": {"register": register}}]
            }
        },  # fmt: skip
        "_source": ["acl_groups", "export_groups", "filing.suggested_register"],
    }
