"""The archive of originals as a whole: `cockpit archive verify` (disk, manifest and index compared).

The file work is `indexing.archive_verify`; this adds the index's side — the hash of every document version's
original, read as the system (the check spans all tenants)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.context import AppContext
from domain.errors import Unavailable
from domain.principal import Principal
from indexing.archive import Archive
from indexing.archive_verify import DEFAULT_WORKERS, VerifyReport, verify
from search.originals import originals_body
from search.repository import ReadFailed


@dataclass(frozen=True)
class VerifyOptions:
    use_index: bool = True
    fix_modes: bool = False
    adopt: bool = False
    workers: int = DEFAULT_WORKERS


def indexed_originals(ctx: AppContext) -> set[str]:
    """The content hash of every document version in the index (all tenants). Raises `Unavailable`."""
    try:
        return {
            str((hit.get("_source") or {}).get("content_sha256") or "")
            for hit in ctx.repo.scan("documents", originals_body(Principal.system()), batch=5000)
        } - {""}
    except ReadFailed as exc:
        raise Unavailable("error.unavailable") from exc


def verify_archive(
    archive: Archive,
    ctx: AppContext | None,
    options: VerifyOptions,
    *,
    on_start: Callable[[int, int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> VerifyReport:
    """Re-hash every original; compare with the manifest and, when `ctx` is given and `use_index`, the index."""
    indexed = indexed_originals(ctx) if ctx is not None and options.use_index else None
    return verify(
        archive, indexed=indexed, fix_modes=options.fix_modes, adopt=options.adopt, workers=options.workers,
        on_start=on_start, on_bytes=on_bytes,
    )  # fmt: skip
