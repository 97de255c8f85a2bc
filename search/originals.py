"""Which originals the index names (every document version's `content_sha256`): compared with the archive by
`cockpit archive verify`. A body builder like the others (pure, from the permission filter)."""

from __future__ import annotations

from typing import Any

from domain.principal import Principal
from search.permissions import permission_filter


def originals_body(principal: Principal) -> dict[str, Any]:
    """Every document version the principal may see, only its original's hash (for a point-in-time scan)."""
    return {
        "query": {"bool": {"filter": [permission_filter(principal)]}},
        "_source": {"includes": ["content_sha256"]},
    }
