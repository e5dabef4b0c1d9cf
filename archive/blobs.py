"""Content-addressed store of raw capture bytes.

Every blob is named by the SHA-256 of its bytes and written once: identical bytes fetched a
thousand times take the space of one. A write goes to a temporary file in the same folder,
is flushed to disk, then renamed into place, so a crash never leaves a half-written blob
under a real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile("[0-9a-f]{64}")


class BlobStore:
    """Blobs under ``root/ab/cd/abcdef…``; two levels of fan-out keep folders small."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its SHA-256 and whether it was new (False: already stored)."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            # A full disk or a kill leaves no partial blob behind under a real name.
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha, True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file() and not p.name.startswith("."))
