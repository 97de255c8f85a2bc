"""Cases (issue 14): the task list and the case page at 10,000 open cases, and how soon a due resubmission
reaches the inbox.

    .venv/bin/python -m bench.cases --requests 100 --out bench/results/cases.json

Corpus (prefix ``bench-cases-10k``, rebuilt every run, ~15 s): 10,000 open complaint cases written with bulk in
the record shape `app.cases._create` writes (process snapshot, step fields, protocol) and their 10,000 complaint
documents carrying the case fields (`app.case_sync.document_fields`). 3 tenants x 10 departments (~330 cases
per queue), every case in capture, check, decide or answer, ~55 % claimed by one of the department's 8 agents
(the bench agent holds more than the others: ~70 tasks), opened in the last 25 days, the current step entered
in the last 4 days, states true to their due dates (~1 % overdue). Every assignee is a real user of the directory (`_flag_lost` checks each holder).

Timed server side, the bench agent of department ``team-nord-00`` (the manager of nord for the decisions):

- ``task list (reads)``: `app.cases.my_tasks` + `app.cases.work_queue` — the task list page's reads;
- ``case page (reads)``: `app.cases.get_case` + `app.cases.definition_of` for a case of the queue;
- ``/aufgaben`` and ``/fall/<id>``: the Dash page (pages router callback through the Flask test client, as
  `bench.pages` times pages: login, session, layout, JSON) — when `cockpit/pages/tasks.py` / `case.py` exist.

Target: p95 ≤ 150 ms for each (exit 1 when missed).

Reminders: the real deliverer (`python -m web.cli deliver --every N`, a subprocess on the bench prefix via
COCKPIT_INDEX_PREFIX / COCKPIT_USERS_FILE) runs; a resubmission due today is set (on a day without work: on the
last working day, so it is due at once), the inbox (`app.notifications.notifications`) polled every 20 ms; the
latency from setting it to its reminder in the inbox, against the interval. Target: latency ≤ interval.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench._common import es_client, percentiles

PREFIX = "bench-cases-10k"
N_CASES = 10_000
TENANTS = ("nord", "sued", "west")
TEAMS_PER_TENANT = 10
AGENTS_PER_TEAM = 8
AGENT = "bench.agent"  # agent 0 of team-nord-00
MANAGER = "bench.manager.nord"
TARGET_MS = 150.0
GROUP = "service"
STEPS = (("capture", 0.25), ("check", 0.35), ("decide", 0.2), ("answer", 0.2))


def team_name(tenant: str, k: int) -> str:
    return f"team-{tenant}-{k:02d}"


def agent_login(tenant: str, k: int, a: int) -> str:
    return AGENT if (tenant, k, a) == ("nord", 0, 0) else f"agent.{tenant}.{k:02d}.{a}"


def users_file(tmp: Path) -> Path:
    from app.users import hash_password

    pw = hash_password("bench")
    rows = []

    def user(login: str, tenant: str, role: str, department: str) -> str:
        return (f'[[users]]\nlogin = "{login}"\nname = "{login}"\npassword_hash = "{pw}"\ntenants = ["{tenant}"]\n'
                f'roles = ["{role}"]\ngroups = ["all", "{GROUP}"]\ndepartment = "{department}"\nlang = "de"\n')  # fmt: skip

    for tenant in TENANTS:
        rows.append(user(f"bench.manager.{tenant}", tenant, "manager", f"vertrieb-{tenant}"))
        for k in range(TEAMS_PER_TENANT):
            rows += [
                user(agent_login(tenant, k, a), tenant, "agent", team_name(tenant, k)) for a in range(AGENTS_PER_TEAM)
            ]
    path = tmp / "users.toml"
    path.write_text("\n".join(rows), encoding="utf-8")
    return path


def build(es: Any, now: dt.datetime) -> dict[str, Any]:
    """The 10,000 open cases and their documents (the prefix is dropped first)."""
    from app.case_sync import document_fields
    from app.cases import entry, local_today, step_due
    from app.context import AppContext
    from app.processes import default_library
    from domain.principal import Principal
    from indexing import store
    from indexing.schema import alias_name
    from search import cases as C
    from tests.helpers import index_documents, make_doc

    es.options(ignore_status=404).indices.delete(index=f"{PREFIX}-*", expand_wildcards="all")
    ctx = AppContext.create(es, PREFIX)
    definition = default_library().current("complaint")
    system = Principal.system()
    rng = random.Random(14)
    docs: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    index = alias_name(PREFIX, "cases")
    store.ensure_index(es, PREFIX, "cases")
    for i in range(N_CASES):
        tenant = TENANTS[i % len(TENANTS)]
        k = rng.randrange(TEAMS_PER_TENANT)
        team = team_name(tenant, k)
        step_id = rng.choices([s for s, _ in STEPS], [w for _, w in STEPS])[0]
        step = definition.step(step_id)
        opened = now - dt.timedelta(hours=rng.uniform(1, 25 * 24))
        entered = max(opened, now - dt.timedelta(hours=rng.uniform(0, 4 * 24)))  # the current step's start
        due = step_due(definition, step, local_today(ctx, entered))
        assignee = None
        if step.role == "agent" and rng.random() < 0.55:
            weights = [5.0] + [1.0] * (AGENTS_PER_TEAM - 1) if (tenant, k) == ("nord", 0) else None
            assignee = agent_login(tenant, k, rng.choices(range(AGENTS_PER_TEAM), weights)[0])
        case_id, doc_id = f"bc{i:05d}", f"bcd{i:05d}"
        customer = f"K{rng.randrange(2000):05d}"
        record: dict[str, Any] = {
            "kind": C.CASE_KIND, "case_id": case_id, "tenant": tenant, "customer_id": customer, "doc_ids": [doc_id],
            "thread_ids": [], "process": definition.name, "process_version": definition.version,
            "definition": definition.text, "status": C.OPEN, "team": team, "owner": "system",
            "opened_by": "system", "opened_at": opened.isoformat(), "created_at": opened.isoformat(),
            "updated_at": entered.isoformat(), "closed_at": None, "decision": None,
            "step": step.id, "role": step.role, "department": step.department or team, "due_at": due,
            "assignee": assignee, "state": C.OVERDUE if due < local_today(ctx, now).isoformat() else C.OPEN,
            "protocol": [entry(system, opened, "opened", definition.start, doc_id=doc_id)]
                        + ([entry(system, entered, "completed", "capture", trigger="complete", next=step.id)]
                           if step.id != "capture" else []),
        }  # fmt: skip
        actions.append({"_op_type": "index", "_index": index, "_id": case_id, "_source": record})
        docs.append(make_doc(doc_id, tenant=tenant, register="complaint", customer_ids=[customer], acl_groups=[GROUP],
                             text=f"Reklamation {i}: Ware beschädigt angekommen", received_at=opened.isoformat(),
                             direction="in", **document_fields(case_id, record)))  # fmt: skip
    index_documents(es, PREFIX, docs)
    failures = store.bulk_write(es, iter(actions), chunk_size=1000)
    if failures:
        raise SystemExit(f"{len(failures)} cases not written: {failures[:3]}")
    es.indices.refresh(index=index)
    overdue = sum(a["_source"]["state"] == C.OVERDUE for a in actions)
    return {"cases": N_CASES, "overdue": overdue}


def timed(fn: Any, n: int) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def stats(values: list[float]) -> dict[str, Any]:
    p = percentiles(values)
    return {"median_ms": p["p50"], "p95_ms": p["p95"], "p99_ms": p["p99"], "requests": len(values),
            "p95_vs_target": round(p["p95"] / TARGET_MS, 3)}  # fmt: skip


def measure(es: Any, requests: int, tmp: Path) -> dict[str, Any]:
    from app import cases
    from app.context import AppContext

    ufile = users_file(tmp)
    ctx = AppContext.create(es, PREFIX, users_file=ufile)
    agent, manager = ctx.directory.get(AGENT), ctx.directory.get(MANAGER)
    assert agent is not None and manager is not None
    mine, queue = cases.my_tasks(ctx, agent), cases.work_queue(ctx, agent)
    decisions = cases.work_queue(ctx, manager)
    sizes = {"my_tasks": len(mine), "work_queue": len(queue), "manager_work_queue": len(decisions)}
    print(f"  bench agent: {len(mine)} tasks, {len(queue)} in the queue; manager: {len(decisions)}", flush=True)
    ids = [c.case_id for c in queue] or [c.case_id for c in mine]
    random.Random(3).shuffle(ids)

    def case_page(i: int) -> None:
        case = cases.get_case(ctx, agent, ids[i % len(ids)])
        cases.definition_of(ctx, case)

    ops: dict[str, Any] = {
        "task list (reads)": lambda _i: (cases.my_tasks(ctx, agent), cases.work_queue(ctx, agent)),
        "my_tasks": lambda _i: cases.my_tasks(ctx, agent),
        "work_queue": lambda _i: cases.work_queue(ctx, agent),
        "manager work_queue": lambda _i: cases.work_queue(ctx, manager),
        "case page (reads)": case_page,
    }
    pages = page_client(es, ufile, tmp)
    if pages is not None:
        ops["/aufgaben"] = lambda _i: pages.page("/aufgaben")
        ops["/fall/<id>"] = lambda i: pages.page(f"/fall/{ids[(i + 7) % len(ids)]}")
    out: dict[str, Any] = {"sizes": sizes}
    for name, fn in ops.items():
        timed(fn, 5)  # warm-up
        out[name] = stats(timed(fn, requests))
        s = out[name]
        print(f"  {name:20s} median {s['median_ms']:7.1f} ms  p95 {s['p95_ms']:7.1f} ms  "
              f"({s['p95_vs_target']:.2f} x target)", flush=True)  # fmt: skip
    return out


def page_client(es: Any, ufile: Path, tmp: Path) -> Any:
    """A logged-in Dash test client when the cockpit's task and case pages exist (else None)."""
    root = Path(__file__).resolve().parent.parent / "cockpit" / "pages"
    if not ((root / "tasks.py").exists() and (root / "case.py").exists()):
        return None
    from cockpit.app import create_app
    from cockpit.dashclient import DashClient

    app = create_app(index_prefix=PREFIX, users_file=ufile, archive_dir=tmp / "archive", es=es,
                     cache_config={"CACHE_TYPE": "NullCache"}, warm_up=False)  # fmt: skip
    client = DashClient(app)
    client.login(AGENT, "bench")
    return client


def reminders(es: Any, tmp: Path, every: float, rounds: int) -> dict[str, Any]:
    """Latency from setting a resubmission due now to its reminder in the inbox, with the real deliverer."""
    from app import notifications, resubmissions
    from app.context import AppContext
    from domain.workdays import is_working_day

    ufile = users_file(tmp)
    ctx = AppContext.create(es, PREFIX, users_file=ufile)
    agent = ctx.directory.get(AGENT)
    assert agent is not None
    env = {**os.environ, "COCKPIT_INDEX_PREFIX": PREFIX, "COCKPIT_USERS_FILE": str(ufile)}
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "web.cli", "deliver", "--every", str(every)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    lat: list[float] = []
    try:
        deadline = time.monotonic() + 120
        while not any("reminders" in ln for ln in lines):  # the deliverer's first round is done
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"deliverer did not start: {''.join(lines)[-2000:]}")
            time.sleep(0.1)
        rng = random.Random(5)
        for r in range(rounds):
            time.sleep(rng.uniform(0, every))  # any moment of the deliverer's cycle
            now = dt.datetime.now(dt.UTC)
            while not is_working_day(now.date(), resubmissions._state()):
                now -= dt.timedelta(days=1)  # a day without work: set on the last working day (due at once)
            t0 = time.perf_counter()
            res = resubmissions.create(ctx, agent, on=now.date(), note=f"bench {r}", doc_id="bcd00000",
                                       now=now)  # fmt: skip
            while True:
                found = notifications.notifications(ctx, agent, size=50)[0]
                if any(n.id == f"resub-{res.id}" for n in found):  # the reminder's id (app.resubmissions)
                    break
                if time.perf_counter() - t0 > 10 * every + 30:
                    raise SystemExit(f"reminder {res.id} not in the inbox: {''.join(lines)[-2000:]}")
                time.sleep(0.02)
            lat.append((time.perf_counter() - t0) * 1000.0)
            print(f"  reminder {r + 1}/{rounds}: {lat[-1]:.0f} ms (interval {every * 1000:.0f} ms)", flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    p = percentiles(lat)
    return {"interval_s": every, "rounds": rounds, "median_ms": p["p50"], "p95_ms": p["p95"], "max_ms": round(max(lat), 1),
            "p95_vs_interval": round(p["p95"] / (every * 1000.0), 3), "latencies_ms": [round(x, 1) for x in lat],
            "deliverer_log_tail": lines[-3:]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=100, help="measured requests per operation")
    ap.add_argument("--every", type=float, default=2.0, help="the deliverer's interval (s)")
    ap.add_argument("--reminders", type=int, default=10, help="resubmissions timed")
    ap.add_argument("--out", type=Path, default=Path("bench/results/cases.json"))
    args = ap.parse_args(argv)
    es = es_client()
    t0 = time.perf_counter()
    corpus = build(es, dt.datetime.now(dt.UTC))
    corpus["build_s"] = round(time.perf_counter() - t0, 1)
    print(f"{corpus['cases']:,} open cases ({corpus['overdue']:,} overdue) in {corpus['build_s']} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        timings = measure(es, args.requests, Path(tmp))
        reminder = reminders(es, Path(tmp), args.every, args.reminders)
    measured = {k: v for k, v in timings.items() if isinstance(v, dict) and "p95_ms" in v}
    gated = {
        k: v for k, v in measured.items() if k in ("task list (reads)", "case page (reads)", "/aufgaben", "/fall/<id>")
    }
    result = {"corpus": corpus, "target_ms": TARGET_MS, **timings, "reminders": reminder}
    result["target_met"] = all(v["p95_ms"] <= TARGET_MS for v in gated.values())
    result["reminder_target_met"] = reminder["p95_ms"] <= args.every * 1000.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"p95 ≤ {TARGET_MS:.0f} ms: {'met' if result['target_met'] else 'NOT met'} "
          f"({', '.join(k + ' ' + str(v['p95_ms']) for k, v in gated.items())}); reminder p95 {reminder['p95_ms']:.0f} ms "
          f"vs interval {args.every * 1000:.0f} ms: {'met' if result['reminder_target_met'] else 'NOT met'}")  # fmt: skip
    print(f"wrote {args.out}")
    return 0 if result["target_met"] and result["reminder_target_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
