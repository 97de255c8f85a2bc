"""The `cockpit` command line: services, doctor, demo data, ingest, serve.

Heavy modules (torch, spaCy, unstructured, dash) are imported inside the commands that need them,
so `cockpit services status` stays instant.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

import core  # noqa: F401
from core.services import ServiceError
from core.settings import get_settings
from web.cli_access import register as register_access
from web.cli_access import require_permission_table, require_processes
from web.cli_archive import register as register_archive
from web.cli_audit import register as register_audit
from web.cli_compliance import register as register_compliance
from web.cli_compliance import require_retention_table
from web.cli_intake import register as register_intake

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Dossier Cockpit")


def _require_company_logins() -> None:
    """Refuse to serve with a broken COCKPIT_LDAP_FILE (company logins); the message names the key."""
    from rich.markup import escape

    from app.ldap_login import configured
    from domain.ldap_config import LdapConfigError

    try:
        configured()
    except LdapConfigError as exc:
        console.print(f"[red]company logins (COCKPIT_LDAP_FILE): {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None


services_app = typer.Typer(no_args_is_help=True, help="Start, stop and inspect Elasticsearch and Redis")
app.add_typer(services_app, name="services")
keys_app = typer.Typer(no_args_is_help=True, help="API keys of the ERP/CRM integrations")
app.add_typer(keys_app, name="api-key")
console = Console(stderr=True)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


@services_app.command("up")
def services_up() -> None:
    """Start (or reuse) Elasticsearch and Redis."""
    from core import services

    settings = get_settings()
    t0 = time.perf_counter()
    try:
        ep = services.start_elasticsearch(settings)
    except ServiceError as exc:
        _fail(str(exc))
    where = "local node" if ep.managed else "external cluster"
    console.print(f"Elasticsearch ready at {ep.url} ({where}) in {time.perf_counter() - t0:.1f} s")
    try:
        url = services.start_redis(settings)
    except ServiceError as exc:
        _fail(str(exc))
    if url:
        console.print(f"Redis ready at {services.redact_redis_url(url)}")
    else:
        console.print(
            "[bold yellow]WARNING: no Redis (redis-server not installed, REDIS_URL unset): "
            "the cockpit uses a per-process in-memory cache[/]"
        )


@services_app.command("down")
def services_down() -> None:
    """Stop the services this project started (an external ES_URL/REDIS_URL is left alone)."""
    from core import services
    from web.cli_intake import stop_detached

    settings = get_settings()
    if stop_detached(settings.var_dir / "worker" / "worker.pid"):
        console.print("background worker stopped")
    es = services.stop_elasticsearch(settings)
    rd = services.stop_redis(settings)
    console.print(
        f"Elasticsearch {'stopped' if es else 'was not running'}; Redis {'stopped' if rd else 'was not running'}"
    )


@services_app.command("status")
def services_status() -> None:
    """Show whether the services answer."""
    from app.doctor import check_elasticsearch, check_redis

    settings = get_settings()
    for check in (check_elasticsearch(settings), check_redis(settings)):
        mark = "[green]up[/]" if check.ok else "[red]down[/]"
        console.print(f"{check.component}: {mark} {check.version} {check.detail}")


@app.command()
def doctor(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Report every component with its version and state; exit 1 if a required one is missing."""
    from app.doctor import run_checks

    checks = run_checks()
    if as_json:
        print(json.dumps([c.as_dict() for c in checks], ensure_ascii=False, indent=1))
    else:
        table = Table(title="Dossier Cockpit – doctor")
        for col in ("component", "state", "version", "detail"):
            table.add_column(col)
        for c in checks:
            state = "[green]ok[/]" if c.ok else ("[red]MISSING[/]" if c.required else "[yellow]missing (optional)[/]")
            table.add_row(c.component, state, c.version, c.detail)
        Console().print(table)
    if any(c.required and not c.ok for c in checks):
        raise typer.Exit(1)


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("var/demo-corpus"),
    customers: int = 60,
    documents: int = 400,
    seed: int = 7,
) -> None:
    """Generate the deterministic demo corpus (real PDFs, e-mails, Office files, scans)."""
    from demo.generate import generate

    t0 = time.perf_counter()
    manifest = generate(out, customers=customers, documents=documents, seed=seed)
    console.print(f"demo corpus in {out} ({time.perf_counter() - t0:.1f} s): {manifest}")


@app.command("ingest-customers")
def ingest_customers(
    file: Annotated[Path, typer.Argument(help="CRM export (CSV with ; or XLSX)")],
    every: Annotated[float, typer.Option(help="re-import every N s (a scheduled sync; 0 = once)")] = 0,
) -> None:
    """Load customer master data (upsert by customer id) with a change report; new or changed customers queue a
    re-filing of the documents waiting in review."""
    from app.context import AppContext
    from app.intake import request_refile
    from domain.errors import Unavailable
    from indexing.customers import ingest_customer_file

    while True:
        try:
            result = ingest_customer_file(file)
        except (OSError, ValueError) as exc:
            if not every:
                _fail(str(exc))
            console.print(f"[red]{file}: {exc}[/] (next try in {every:g} s)")
        else:
            console.print(result.describe())
            if result.new or result.changed:
                ctx = AppContext.create()
                for tenant in result.tenants:
                    try:
                        request_refile(ctx, tenant)
                        console.print(f"re-filing of the review queue of {tenant} queued")
                    except Unavailable:
                        console.print(f"[yellow]re-filing of {tenant} not queued: the job queue is unavailable[/]")
        if not every:
            return
        time.sleep(every)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8050,
    workers: int = 2,
    debug: Annotated[bool, typer.Option(help="Dash dev server instead of gunicorn")] = False,
    deliver_every: Annotated[
        float | None, typer.Option(help="send due notification e-mails every N s (0 = off; default: settings)")
    ] = None,
    worker: Annotated[bool, typer.Option(help="also run a queue worker (unless a background one runs)")] = True,
) -> None:
    """Serve the cockpit and the API (gunicorn; --debug for the Dash dev server), a queue worker, and deliver
    notification e-mails."""
    require_retention_table()
    require_permission_table()
    require_processes()
    _require_company_logins()
    _print_welcome(host, port)
    if debug:
        from web.app import create_app

        create_app().run(host=host, port=port, debug=True)
        return
    import signal
    import subprocess

    every = get_settings().deliver_every_s if deliver_every is None else deliver_every
    children: list[subprocess.Popen[bytes]] = []
    if every > 0:
        children.append(subprocess.Popen([sys.executable, "-m", "web.cli", "deliver", "--every", str(every)]))
    from web.cli_intake import worker_running

    if worker and not worker_running():
        children.append(subprocess.Popen([sys.executable, "-m", "web.cli", "worker", "--concurrency", "1"]))
    cmd = [
        sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
        "--threads", "4", "--timeout", "120", "--access-logfile", "-", "web.wsgi:server",
    ]  # fmt: skip
    web = subprocess.Popen(cmd)
    children.insert(0, web)

    def _forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, _forward)
    signal.signal(signal.SIGINT, _forward)
    rc = web.wait()
    _forward(signal.SIGTERM, None)
    for child in children[1:]:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
    raise typer.Exit(rc)


def _print_welcome(host: str, port: int) -> None:
    """The URL and the demo logins, so a new user can log in at once."""
    from app.users import UserDirectory

    shown = "localhost" if host in ("0.0.0.0", "127.0.0.1") else host  # noqa: S104 - display only
    table = Table(title="Logins (config/users.toml; demo password: demo)", title_justify="left")
    for col in ("login", "role", "tenant", "department", "groups"):
        table.add_column(col)
    try:
        users = UserDirectory().all()
    except Exception as exc:  # noqa: BLE001 - the server reports the same problem; keep the hint short
        console.print(f"[yellow]users file: {exc}[/]")
        users = {}
    for u in sorted(users.values(), key=lambda u: (sorted(u.tenants), u.login)):
        table.add_row(
            u.login,
            ", ".join(sorted(u.roles)),
            ", ".join(sorted(u.tenants)),
            u.department or "",
            ", ".join(sorted(u.groups)),
        )
    console.print(table)
    console.print(f"[bold green]Dossier Cockpit: http://{shown}:{port}/[/]  (Ctrl+C stops it)")


@app.command()
def deliver(
    every: Annotated[float, typer.Option(help="repeat every N seconds (0 = once)")] = 0.0,
) -> None:
    """Send due notification e-mails (immediate ones, daily digests and the weekly dashboard digests, which are
    computed at the first run from Monday's digest hour on); retries what failed before. Each round also marks
    overdue cases and releases due resubmissions as reminders (those also between rounds)."""
    import datetime as dt

    from app.context import AppContext
    from app.digests import enqueue_digests
    from app.notifications import case_rounds
    from app.notifications import deliver as deliver_due
    from app.resubmissions import release_due
    from cockpit.dashboard_links import drill_href

    ctx = AppContext.create()
    while True:
        started = time.monotonic()
        now = dt.datetime.now(dt.UTC)
        weekly = enqueue_digests(ctx, now, drill_href=drill_href)
        swept, reminders = case_rounds(ctx, now)
        report = deliver_due(ctx, now)
        errors = weekly.errors + swept.errors + report.errors
        console.print(
            f"{dt.datetime.now().isoformat(timespec='seconds')}: due {report.due}, e-mails sent {report.emails_sent} "
            f"({report.notifications_sent} notifications, {report.digests_sent} weekly digests), requeued "
            f"{report.requeued}, withdrawn {report.withdrawn}"
            + (f"; weekly digests of {weekly.week} queued {weekly.queued}" if weekly.queued else "")
            + f"; reminders {reminders.released} (withdrawn {reminders.withdrawn}), cases overdue +{swept.overdue}, "
            f"given back {swept.released}" + (f", errors: {'; '.join(errors)[:300]}" if errors else "")
        )
        if every <= 0:
            raise typer.Exit(0 if not errors else 1)
        # rounds start every N s, however long one took; in between, due resubmissions are released into the
        # inbox every min(5 s, N/2) — a reminder does not wait for the next round (its e-mail does)
        tick = min(5.0, every / 2)
        while (left := every - (time.monotonic() - started)) > 0:
            time.sleep(min(tick, left))
            if every - (time.monotonic() - started) > tick / 2:
                release_due(ctx)


@app.command("seed-views")
def seed_views() -> None:
    """Create the example saved views for every tenant (idempotent)."""
    from app.context import AppContext
    from views.seed import seed_examples

    ctx = AppContext.create()
    written = seed_examples(ctx.repo, ctx.store)
    console.print(f"{len(written)} example views written" + ("" if written else " (all existed already)"))


@app.command("demo-cases")
def demo_cases() -> None:
    """Work the demo complaints' cases into every state (some overdue) and set resubmissions (idempotent; after
    the demo ingest)."""
    from app.context import AppContext
    from demo.cases import settle, work_demo_cases

    ctx = AppContext.create()
    settle(ctx)  # the worker opens the last complaints' cases just after their jobs finished
    report = work_demo_cases(ctx)
    console.print(report.describe())


@app.command()
def backfill() -> None:
    """Fill in fields a newer version derives (channel, direction, complaint reason) for documents indexed
    before, and retain_until where it is missing or was computed with another retention table; idempotent."""
    from app.context import AppContext
    from app.maintenance import backfill_document_fields, backfill_retention

    ctx = AppContext.create()
    n = backfill_document_fields(ctx)
    console.print(f"{n} documents updated" if n else "nothing to fill in")
    kept = backfill_retention(ctx)
    console.print(f"retain_until computed for {kept} documents" if kept else "retain_until current everywhere")


def _operator() -> Any:
    """Who runs the CLI: the system, named by the account that runs it (recorded in the audit trail)."""
    import getpass
    import socket

    from app.audit import Origin, set_origin
    from domain.principal import Principal

    set_origin(Origin("cli", user_agent=f"cockpit CLI ({getpass.getuser()}@{socket.gethostname()})"))
    return Principal(login=f"cli:{getpass.getuser()}", kind="system", roles=frozenset({"admin"}), name="cli")


@keys_app.command("create")
def api_key_create(
    name: Annotated[str, typer.Option(help="the integration, e.g. 'SAP ERP' (shown in the audit trail)")],
    tenant: Annotated[str, typer.Option(help="the tenant the key reads and writes")],
    groups: Annotated[str, typer.Option(help="comma-separated groups (document access), e.g. all")] = "all",
    capabilities: Annotated[str, typer.Option(help="comma-separated: search, export, master_data, review")] = "search",
    expires: Annotated[str | None, typer.Option(help="expiry date YYYY-MM-DD (default: never)")] = None,
) -> None:
    """Create a key; the token is printed once (only its SHA-256 is stored)."""
    import datetime as dt

    from app.api_keys import create_key
    from app.context import AppContext
    from domain.errors import AppError
    from domain.principal import as_set
    from i18n import t
    from indexing.records import WriteFailed
    from search.repository import ReadFailed

    until = None
    if expires:
        try:
            until = dt.datetime.combine(dt.date.fromisoformat(expires), dt.time(23, 59, 59), dt.UTC)
        except ValueError:
            _fail(f"--expires {expires!r} is not a date (YYYY-MM-DD)")
    try:
        key, token = create_key(AppContext.create(), _operator(), name=name, tenant=tenant, groups=as_set(groups),
                                capabilities=as_set(capabilities), expires=until)  # fmt: skip
    except AppError as exc:
        _fail(t(exc.code, "en", **exc.params))
    except (ReadFailed, WriteFailed) as exc:
        _fail(f"Elasticsearch: {exc} (is it running? `cockpit services up`)")
    console.print(f"API key {key.key_id} for {key.name!r} (tenant {key.tenant}, groups {', '.join(sorted(key.groups))}, "
                  f"capabilities {', '.join(sorted(key.capabilities))}, expires {key.expires_at or 'never'}):")  # fmt: skip
    print(token)


@keys_app.command("list")
def api_key_list() -> None:
    """Every key (never the token) with its state."""
    import datetime as dt

    from app.api_keys import list_keys
    from app.context import AppContext

    now = dt.datetime.now(dt.UTC)
    table = Table(title="API keys")
    for col in ("id", "name", "tenant", "groups", "capabilities", "created", "expires", "state"):
        table.add_column(col)
    for k in list_keys(AppContext.create(), _operator()):
        state = "revoked" if k.revoked_at else ("expired" if not k.active(now) else "active")
        table.add_row(k.key_id, k.name, k.tenant, ", ".join(sorted(k.groups)), ", ".join(sorted(k.capabilities)),
                      k.created_at[:19], (k.expires_at or "never")[:19], state)  # fmt: skip
    Console().print(table)


@keys_app.command("revoke")
def api_key_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (see `list`)")]) -> None:
    """Revoke a key: its next call is refused."""
    from app.api_keys import revoke_key
    from app.context import AppContext
    from domain.errors import AppError
    from i18n import t
    from indexing.records import WriteFailed
    from search.repository import ReadFailed

    try:
        key = revoke_key(AppContext.create(), _operator(), key_id)
    except AppError as exc:
        _fail(t(exc.code, "en", **exc.params))
    except (ReadFailed, WriteFailed) as exc:
        _fail(f"Elasticsearch: {exc} (is it running? `cockpit services up`)")
    console.print(f"revoked {key.key_id} ({key.name!r}, tenant {key.tenant})")


register_intake(app)
register_compliance(app)
register_archive(app)
register_audit(app)
register_access(app)


def main() -> None:
    import os

    from indexing.archive import PROCESS_UMASK

    os.umask(PROCESS_UMASK)  # what the cockpit, the API, the workers write is the service user's alone
    app()


if __name__ == "__main__":
    main()
