"""The REST API's cost over the in-process call (issue 9, "Measured").

    .venv/bin/python -m bench.api --size 100000 --queries 200 --out bench/results/api.json

- **API search vs in-process**: the same hybrid search with the default facets (page size 20, a non-admin
  principal of one tenant) through `GET /api/v1/search` over real HTTP (the deployment's app with both doors
  under gunicorn with a gthread worker, as `cockpit serve` runs it, on loopback, one keep-alive client) and
  through the use case
  `app.search.search` in-process. Every query text is different ("uncached": no result cache, a new query
  vector), each text runs through both paths, the order alternating, so noise hits both alike.
- **Customer lookup**: `GET /api/v1/customers?number=…` for random customer numbers.

The index is the query-latency benchmark's synthetic one (`bench-latency-<n>`, reused when present; see
`bench/query_latency.py`), plus its 2,000 customers as master data. Query vectors are precomputed random unit
vectors (the model's time is measured in `bench/query_latency.py`), identical for both paths.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import es_client, percentiles
from bench.query_latency import VectorTable, customers, ensure_index, query_texts

TARGET_API_P95_MS = 150.0
TARGET_OVERHEAD = 0.10
TARGET_LOOKUP_P95_MS = 30.0
GROUPS = ("all", "sales", "service")  # "all": the group of master data (customers carry it)


def ensure_customers(es: Any, prefix: str) -> None:
    from indexing.customers import upsert_rows

    rows = [
        {"customer_id": cid, "customer_number": cid, "name": name, "tenant": tenant}
        for cid, name, tenant in customers()  # the synthetic documents use the number as the customer id
    ]
    report = upsert_rows(es, prefix, rows)
    print(f"{prefix}: customers {len(report.new)} new, {len(report.changed)} changed, "
          f"{len(report.unchanged)} unchanged", flush=True)  # fmt: skip


def build_app(es: Any, prefix: str, texts: list[str]) -> Any:
    """The deployment's app (both doors) on the bench index, with the precomputed query vectors."""
    from core.settings import REPO_ROOT
    from web.app import create_app

    table = VectorTable()
    for i, t in enumerate(texts):
        table.add(t, 10_000 + i)
    return create_app(prefix, REPO_ROOT / "config" / "users.toml", es=es, secret_key="bench", warm_up=False,
                      embedder_factory=lambda: table,
                      cache_config={"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True},
                      rate_limit="1000000/minute", limiter_storage="memory://")  # fmt: skip


def _gunicorn(prefix: str, texts: list[str], port: int) -> None:
    """Child process: gunicorn (the production server of `cockpit serve`: gthread worker) with the same app."""
    from gunicorn.app.base import BaseApplication

    from core.es import get_client

    app = build_app(get_client(), prefix, texts)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for k, v in {"bind": f"127.0.0.1:{port}", "workers": 1, "worker_class": "gthread", "threads": 4,
                         "accesslog": None, "loglevel": "warning", "keepalive": 30}.items():  # fmt: skip
                self.cfg.set(k, v)

        def load(self) -> Any:
            return app.server

    Server().run()


def serve(prefix: str, texts: list[str]) -> tuple[str, Any]:
    import multiprocessing
    import socket

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = multiprocessing.get_context("spawn").Process(target=_gunicorn, args=(prefix, texts, port), daemon=True)
    proc.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, proc
        except requests.RequestException:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def main(argv: list[str] | None = None) -> int:
    import requests

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--lookups", type=int, default=300)
    ap.add_argument("--out", type=Path, default=Path("bench/results/api.json"))
    args = ap.parse_args(argv)

    from api.models import SearchQuery
    from app import api_keys
    from app import search as search_uc
    from domain.principal import Principal

    es = es_client()
    prefix = ensure_index(es, args.size)
    ensure_customers(es, prefix)
    texts = query_texts(args.queries + 20, seed=4242)
    app = build_app(es, prefix, texts)
    ctx = app.server.extensions["app_context"]
    operator = Principal(login="cli:bench", kind="system", roles=frozenset({"admin"}))
    key, token = api_keys.create_key(ctx, operator, name=f"bench-{int(time.time())}", tenant="nord",
                                     groups=set(GROUPS), capabilities={"search"})  # fmt: skip
    principal = key.principal()  # the in-process path runs as exactly the key's principal
    base, server = serve(prefix, texts)
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"

    def api_search(text: str) -> float:
        t0 = time.perf_counter()
        r = http.get(f"{base}/api/v1/search", params={"q": text})
        r.json()
        dt_ms = (time.perf_counter() - t0) * 1000.0
        assert r.status_code == 200, r.text[:300]
        return dt_ms

    def inproc_search(text: str) -> float:
        t0 = time.perf_counter()
        result = search_uc.search(ctx, principal, SearchQuery(q=text).to_request(1))
        dt_ms = (time.perf_counter() - t0) * 1000.0
        assert not result.messages or all(m.code != "msg.search_failed" for m in result.messages)
        return dt_ms

    for t in texts[:20]:  # warm-up (JIT of the server, connection, caches of the process)
        api_search(t)
        inproc_search(t)
    api: list[float] = []
    local: list[float] = []
    for i, t in enumerate(texts[20:]):
        if i % 2:
            api.append(api_search(t))
            local.append(inproc_search(t))
        else:
            local.append(inproc_search(t))
            api.append(api_search(t))
    hop: list[float] = []  # the HTTP round trip itself: an endpoint that does nothing
    for _ in range(100):
        t0 = time.perf_counter()
        http.get(f"{base}/healthz").json()
        hop.append((time.perf_counter() - t0) * 1000.0)
    nord = [cid for cid, _, tenant in customers() if tenant == "nord"]  # the key's tenant
    numbers = [cid.replace("-", " ") if i % 3 == 0 else cid for i, cid in enumerate(nord)]
    lookups: list[float] = []
    found = 0
    for i in range(args.lookups):
        number = numbers[(i * 7919) % len(numbers)]
        t0 = time.perf_counter()
        r = http.get(f"{base}/api/v1/customers", params={"number": number})
        r.json()
        lookups.append((time.perf_counter() - t0) * 1000.0)
        assert r.status_code == 200
        found += bool(r.json()["customers"])
    server.terminate()
    server.join(10)
    assert found >= len(lookups) * 0.9, f"customer lookups found only {found} of {len(lookups)}"
    api_keys.revoke_key(ctx, operator, key.key_id)

    p_api, p_local, p_lookup = percentiles(api), percentiles(local), percentiles(lookups)
    overhead = p_api["p95"] / p_local["p95"] - 1.0
    paired = statistics.median(a - b for a, b in zip(api, local, strict=True))
    out = {
        "documents": args.size,
        "queries": len(api),
        "api_search_ms": p_api,
        "inprocess_search_ms": p_local,
        "api_over_inprocess_p95": round(overhead, 4),
        "median_paired_difference_ms": round(paired, 2),
        "http_round_trip_ms": percentiles(hop),
        "customer_lookup_ms": p_lookup,
        "customer_lookups_found": found,
        "targets": {
            "api_p95_ms": TARGET_API_P95_MS,
            "overhead": TARGET_OVERHEAD,
            "lookup_p95_ms": TARGET_LOOKUP_P95_MS,
        },
        "met": {
            "api_p95": p_api["p95"] <= TARGET_API_P95_MS,
            "overhead": overhead <= TARGET_OVERHEAD,
            "lookup_p95": p_lookup["p95"] <= TARGET_LOOKUP_P95_MS,
        },
    }
    print(
        f"API search       p50 {p_api['p50']:.1f} ms  p95 {p_api['p95']:.1f} ms  (target p95 <= {TARGET_API_P95_MS:.0f})"
    )
    print(f"in-process       p50 {p_local['p50']:.1f} ms  p95 {p_local['p95']:.1f} ms")
    print(f"API over in-process at p95: {overhead * 100:+.1f} % (target <= {TARGET_OVERHEAD * 100:.0f} %); "
          f"median paired difference {paired:+.1f} ms")  # fmt: skip
    print(
        f"customer lookup  p50 {p_lookup['p50']:.1f} ms  p95 {p_lookup['p95']:.1f} ms  (target p95 <= {TARGET_LOOKUP_P95_MS:.0f})"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    return 0 if all(out["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
