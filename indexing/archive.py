"""Write-once archive of original files, addressed by SHA-256 and verified on every read."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class ArchiveError(RuntimeError):
    pass


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ArchiveError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` once; a second put of the same bytes is a no-op. Returns the sha256."""
        digest = sha256_bytes(data)
        target = self.path_for(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The original bytes; raises ArchiveError when missing or tampered with."""
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveError(f"original {sha256[:12]}… is missing from the archive") from exc
        if sha256_bytes(data) != sha256:
            raise ArchiveError(f"original {sha256[:12]}… failed verification (tampered or damaged)")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()
