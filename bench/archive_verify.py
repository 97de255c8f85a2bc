"""`cockpit archive verify` throughput against the disk's own sequential read (issue 12, "Revision-safe archive").

    .venv/bin/python -m bench.archive_verify --gb 2 --out bench/results/archive_verify.json

Builds an archive of random originals (sizes log-uniform between 20 KB and 5 MB, like real documents) with
`Archive.put` in a temporary folder under var/, and one big file of the same total size next to it. Then, cold and
warm, the verify (`indexing.archive_verify.verify`, 1 and the default 4 hashing threads) and
`dd if=<big file> of=/dev/null bs=1M` on the same file system. Also hashlib's SHA-256 in memory (the CPU's limit).

Cold = the files' pages dropped from the page cache before each run: with `posix_fadvise(POSIX_FADV_DONTNEED)` on
exactly the benchmark's files after a `sync` (default: other work on the machine keeps its cache), or with
`echo 3 > /proc/sys/vm/drop_caches` (`--drop-caches`, root and a writable /proc/sys only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import core  # noqa: F401  (offline environment)
from indexing.archive import Archive
from indexing.archive_verify import DEFAULT_WORKERS, verify

ROOT = Path(__file__).resolve().parent.parent
MIN_SIZE, MAX_SIZE = 20_000, 5_000_000


def sizes_for(total: int, rng: random.Random) -> list[int]:
    out: list[int] = []
    while sum(out) < total:
        out.append(int(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** rng.random()))
    return out


def build(archive: Archive, total: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    sizes = sizes_for(total, rng)
    t0 = time.perf_counter()
    for i, n in enumerate(sizes):
        archive.put(os.urandom(n), source=f"bench:{i}", kind="file", tenant="bench")
    seconds = time.perf_counter() - t0
    return {"files": len(sizes), "bytes": sum(sizes), "put_seconds": round(seconds, 2),
            "put_mb_per_s": round(sum(sizes) / 1e6 / seconds, 1), "median_size": sorted(sizes)[len(sizes) // 2]}  # fmt: skip


def write_big(path: Path, total: int) -> None:
    chunk = os.urandom(16 * 1024 * 1024)
    with open(path, "wb") as fh:
        written = 0
        while written < total:
            fh.write(chunk)
            written += len(chunk)
        fh.flush()
        os.fsync(fh.fileno())


def drop_cache(paths: list[Path], drop_all: bool) -> str:
    subprocess.run(["sync"], check=True)
    if drop_all:
        try:
            Path("/proc/sys/vm/drop_caches").write_text("3\n")
            return "drop_caches"
        except OSError as exc:
            print(f"  (drop_caches not possible: {exc}; falling back to posix_fadvise)")
    for root in paths:
        files = [root] if root.is_file() else [Path(d) / f for d, _, fs in os.walk(root) for f in fs]
        for f in files:
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return "posix_fadvise(DONTNEED) on the benchmark's files"


def run_dd(path: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=1M"], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    size = path.stat().st_size
    reported = re.search(r"([\d.,]+ [kMG]B/s)", proc.stderr)
    return {"seconds": round(seconds, 3), "mb_per_s": round(size / 1e6 / seconds, 1),
            "dd_says": reported.group(1) if reported else proc.stderr.strip().splitlines()[-1]}  # fmt: skip


def run_verify(archive: Archive, workers: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    report = verify(archive, workers=workers)
    wall = time.perf_counter() - t0
    assert report.ok, report.as_dict()
    return {"workers": workers, "files": report.checked, "seconds": round(report.seconds, 3),
            "wall_seconds": round(wall, 3), "mb_per_s": round(report.mb_per_s, 1)}  # fmt: skip


def hash_in_memory() -> float:
    buf = os.urandom(256 * 1024 * 1024)
    t0 = time.perf_counter()
    hashlib.sha256(buf).hexdigest()
    return round(len(buf) / 1e6 / (time.perf_counter() - t0), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gb", type=float, default=2.0, help="archive size in GB (10^9 bytes)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--runs", type=int, default=2, help="runs per case (the best is reported, all are kept)")
    ap.add_argument("--drop-caches", action="store_true", help="drop the whole page cache (root) for cold runs")
    ap.add_argument("--keep", action="store_true", help="keep the temporary archive")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "archive_verify.json")
    args = ap.parse_args()

    os.umask(0o077)
    work = ROOT / "var" / f"bench-archive-{uuid.uuid4().hex[:8]}"
    work.mkdir(parents=True, mode=0o700)
    archive = Archive(work / "archive")
    big = work / "big.bin"
    total = int(args.gb * 1e9)
    out: dict[str, Any] = {"gb": args.gb, "cpus": os.cpu_count(), "runs": args.runs, "cases": {}}
    try:
        print(f"building {args.gb} GB of originals in {archive.root} …", flush=True)
        out["archive"] = build(archive, total, args.seed)
        print(f"  {out['archive']}")
        write_big(big, out["archive"]["bytes"])
        out["sha256_in_memory_mb_per_s"] = hash_in_memory()
        print(f"  SHA-256 in memory: {out['sha256_in_memory_mb_per_s']} MB/s")
        cases: dict[str, list[dict[str, Any]]] = {}
        for temp in ("cold", "warm"):
            for name, fn in (
                ("dd", lambda: run_dd(big)),
                ("verify_1", lambda: run_verify(archive, 1)),
                (f"verify_{DEFAULT_WORKERS}", lambda: run_verify(archive, DEFAULT_WORKERS)),
            ):
                key = f"{name}_{temp}"
                for _ in range(args.runs):
                    if temp == "cold":
                        out["cold_method"] = drop_cache([archive.root, big], args.drop_caches)
                    else:
                        fn()  # warm the cache with this very read
                    result = fn()
                    cases.setdefault(key, []).append(result)
                    print(f"  {key:<16} {result['mb_per_s']:>8.1f} MB/s  ({result['seconds']} s)", flush=True)
        out["cases"] = cases
        best = {k: max(r["mb_per_s"] for r in v) for k, v in cases.items()}
        out["best_mb_per_s"] = best
        print("\n| | cold MB/s | warm MB/s |\n|---|---|---|")
        for name in ("dd", "verify_1", f"verify_{DEFAULT_WORKERS}"):
            print(f"| {name} | {best[f'{name}_cold']} | {best[f'{name}_warm']} |")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
