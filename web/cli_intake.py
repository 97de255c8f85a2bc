"""CLI commands of the intake: `ingest` (a producer on the queue), `worker`, `watch`, `mail-in`, `jobs`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from core.settings import get_settings

console = Console(stderr=True)
jobs_app = typer.Typer(no_args_is_help=True, help="Jobs of the intake queue: failed ones, retry")


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(2)


def _operator() -> Any:
    import getpass

    from domain.principal import Principal

    return Principal(login=f"cli:{getpass.getuser()}", kind="system", roles=frozenset({"admin"}), name="cli")


def _app_error(exc: Exception) -> str:
    from domain.errors import AppError
    from i18n import t

    if isinstance(exc, AppError):
        return t(exc.code, "en", **exc.params)
    return str(exc)


# --------------------------------------------------------------------------- ingest (producer)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files, folders, .mbox files")],
    tenant: Annotated[str, typer.Option(help="tenant (Mandant) these sources belong to")] = "",
    summary: Annotated[Path | None, typer.Option(help="write the run summary as JSON")] = None,
    own_company: Annotated[
        Path | None, typer.Option(help="JSON with our own company's IBAN/VAT/domain per tenant (never a customer's)")
    ] = None,
    wait: Annotated[bool, typer.Option(help="wait for the workers and print the run summary")] = True,
    batch: Annotated[int, typer.Option(help="files per queue message (default: spread over the live workers)")] = 0,
    timeout: Annotated[float, typer.Option(help="give up waiting after N s (the jobs stay queued)")] = 0,
) -> None:
    """Queue documents for indexing (the workers extract, file, embed and index); prints an accountable summary."""
    from app.context import AppContext
    from app.intake import Upload, auto_batch, job_store, submit_bulk
    from domain.errors import AppError
    from indexing.pipeline import own_identifiers_from
    from indexing.sources import iter_source_files

    for p in paths:
        if not p.exists():
            _fail(f"{p} does not exist")
    settings = get_settings()
    tenant = tenant or settings.default_tenant
    ctx = AppContext.create()
    try:
        store = job_store(ctx)
        if own_company is not None:
            try:
                store.set_own_identifiers(tenant, own_identifiers_from(own_company, tenant))
            except (OSError, ValueError, AttributeError) as exc:
                _fail(f"cannot read --own-company {own_company}: {exc}")
        sources = list(iter_source_files(paths))
        t0 = time.perf_counter()
        unreadable: list[tuple[str, str]] = []

        def uploads() -> Any:
            for src in sources:
                uri = f"{tenant}/{src.rel_key}"
                try:
                    data = src.read_bytes()
                except OSError as exc:
                    unreadable.append((uri, f"unreadable: {exc}"))
                    continue
                if not data:
                    unreadable.append((uri, "empty_file: zero-byte file"))
                    continue
                if len(data) > settings.max_file_mb * 1024 * 1024:
                    unreadable.append((uri, f"too_large: {len(data)} bytes"))
                    continue
                yield Upload(data=data, file_name=src.file_name, source_uri=uri)

        size = batch or settings.intake_batch or auto_batch(len(sources), len(store.live_workers()))
        jobs = submit_bulk(ctx, _operator(), uploads(), tenant=tenant, batch=size)
    except AppError as exc:
        _fail(_app_error(exc))
    console.print(f"queued {len(jobs)} files of tenant {tenant} ({len(unreadable)} refused before queueing)")
    if not wait:
        console.print("job ids: " + " ".join(j.id for j in jobs[:20]) + (" …" if len(jobs) > 20 else ""))
        return
    finished = _wait(ctx, [j.id for j in jobs], timeout)
    report = _report(tenant, finished, unreadable, time.perf_counter() - t0, len(sources))
    console.print(_describe(report))
    if summary:
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    if report["waiting"]:
        _fail(f"{report['waiting']} jobs still queued or running after {timeout:.0f} s (they stay on the queue)")
    if not report["adds_up"]:
        _fail("run summary does not add up (see above)")


def _wait(ctx: Any, ids: list[str], timeout: float) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from app.intake import job_store

    store = job_store(ctx)
    deadline = time.monotonic() + timeout if timeout > 0 else None
    warned = False
    last: dict[str, Any] = {}
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(), console=console,
    ) as bar:  # fmt: skip
        task = bar.add_task("indexed", total=len(ids), info="")
        open_ids = list(ids)
        while True:
            for i in range(0, len(open_ids), 500):  # only the jobs not finished yet (cheap while a run goes on)
                last.update(store.get_many(open_ids[i : i + 500]))
            open_ids = [i for i in ids if i not in last or not last[i].finished]
            done = sum(1 for j in last.values() if j.finished)
            failed = sum(1 for j in last.values() if j.state == "failed")
            workers = len(store.live_workers())
            bar.update(task, completed=done, info=f"{failed} failed · {workers} workers")
            if done >= len(ids) or (deadline is not None and time.monotonic() > deadline):
                break
            if workers == 0 and not warned:
                console.print("[yellow]no live worker: the jobs wait on the queue until one starts (cockpit worker)[/]")
                warned = True
            time.sleep(1.0)
    return last


def _report(
    tenant: str, jobs: dict[str, Any], refused: list[tuple[str, str]], seconds: float, seen: int
) -> dict[str, Any]:
    outcomes = Counter(j.outcome or j.state for j in jobs.values())
    failed = [
        {"source_uri": j.source_uri, "reason_code": j.reason_code, "message": j.reason, "job": j.id}
        for j in jobs.values()
        if j.state == "failed"
    ] + [{"source_uri": uri, "reason_code": why.split(":")[0], "message": why, "job": None} for uri, why in refused]
    waiting = sum(1 for j in jobs.values() if not j.finished)
    accounted = sum(1 for j in jobs.values() if j.finished) + len(refused)
    return {
        "tenant": tenant,
        "seconds": round(seconds, 2),
        "files_seen": seen,
        "documents_indexed": outcomes.get("indexed", 0),
        "sent_to_review": outcomes.get("review", 0),
        "new_versions": outcomes.get("new_version", 0),
        "unchanged": outcomes.get("unchanged", 0),
        "duplicates_merged": outcomes.get("duplicate", 0),
        "failed": failed,
        "waiting": waiting,
        "adds_up": accounted + waiting == seen,
    }


def _describe(r: dict[str, Any]) -> str:
    lines = [
        f"Ingest for tenant {r['tenant']}: {r['seconds']:.1f} s through the queue",
        f"  files seen {r['files_seen']}: indexed {r['documents_indexed'] + r['sent_to_review']} (of them sent to "
        f"review {r['sent_to_review']}), new versions {r['new_versions']}, unchanged {r['unchanged']}, "
        f"duplicates merged {r['duplicates_merged']}, failed {len(r['failed'])}, still waiting {r['waiting']}",
        f"  every file accounted: {'yes' if r['adds_up'] else 'NO'}",
    ]
    lines += [f"  FAILED {f['source_uri']}: {f['reason_code']}: {f['message'][:200]}" for f in r["failed"][:50]]
    return "\n".join(lines)


# --------------------------------------------------------------------------- worker


def worker(
    concurrency: Annotated[int, typer.Option(help="worker processes (one job at a time each)")] = 1,
    detach: Annotated[bool, typer.Option(help="run in the background (pid and log under var/worker)")] = False,
    stop: Annotated[bool, typer.Option(help="stop the background worker")] = False,
) -> None:
    """Run queue workers: they index what every channel sends (any number, on any machine with the same
    Redis, Elasticsearch and archive)."""
    home = get_settings().var_dir / "worker"
    pid_file = home / "worker.pid"
    if not stop:
        from web.cli_compliance import require_retention_table

        require_retention_table()
        from web.cli_access import require_processes

        require_processes()
    if stop:
        console.print("worker stopped" if stop_detached(pid_file) else "no background worker was running")
        return
    if concurrency < 1 or concurrency > 64:
        _fail("--concurrency must be between 1 and 64")
    cmd = [
        sys.executable, "-m", "dramatiq", "intake.worker", "--processes", str(concurrency), "--threads", "1",
        "--queues", "intake", "bulk", "--worker-shutdown-timeout", "30000",
    ]  # fmt: skip
    # No OMP_NUM_THREADS=1 here: the extraction process is measurably faster without it (bench/intake.py); the
    # embedding model's threads are settings.torch_threads.
    env = dict(os.environ)
    if not detach:
        os.execve(sys.executable, cmd, env)  # noqa: S606 - the worker replaces this process
    if _alive(pid_file):
        console.print(f"a background worker is already running (pid {pid_file.read_text().strip()})")
        return
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    log = (home / "worker.log").open("ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True, cwd=os.getcwd())
    pid_file.write_text(str(proc.pid))
    console.print(f"worker started in the background (pid {proc.pid}, log {home / 'worker.log'})")


def worker_running() -> bool:
    """Whether the background worker of this machine runs (`cockpit worker --detach`)."""
    return _alive(get_settings().var_dir / "worker" / "worker.pid")


def _alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def stop_detached(pid_file: Path, timeout: float = 40.0) -> bool:
    """Stop a background worker (SIGTERM: running jobs finish or go back to the queue)."""
    if not _alive(pid_file):
        pid_file.unlink(missing_ok=True)
        return False
    pid = int(pid_file.read_text().strip())
    os.kill(pid, signal.SIGTERM)  # the dramatiq master: it stops its workers cleanly (a group signal would not)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid_file):
        time.sleep(0.2)
    if _alive(pid_file):
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------- hot folders and mail-in


def watch(
    folder: Annotated[Path, typer.Argument(help="the hot folder (scanner or export share)")],
    tenant: Annotated[str, typer.Option(help="tenant the files belong to")] = "",
    every: Annotated[float, typer.Option(help="seconds between scans")] = 2.0,
    settle: Annotated[float, typer.Option(help="a file is taken when its size was stable this long")] = 2.0,
    once: Annotated[bool, typer.Option(help="one scan, then exit")] = False,
) -> None:
    """Take files from a hot folder once they are complete; processed/ and failed/ (with a reason file) after."""
    from app.context import AppContext
    from intake.hotfolder import HotFolder, run

    if not folder.is_dir():
        _fail(f"{folder} is not a folder")
    tenant = tenant or get_settings().default_tenant
    _submit, _status = folder_ports(AppContext.create(), folder, tenant)
    hot = HotFolder(folder, submit=_submit, status=_status, tenant=tenant, settle_s=settle,
                    max_bytes=int(get_settings().max_file_mb * 1024 * 1024))  # fmt: skip
    if once:  # a file is taken when it was seen unchanged twice: two scans, `settle` apart
        hot.scan()
        time.sleep(settle)
        console.print(str(hot.scan()))
        return
    console.print(f"watching {folder} for tenant {tenant} (every {every:g} s; Ctrl-C stops)")
    stop_event = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    try:
        run(hot, every_s=every, stop=stop_event)
    except KeyboardInterrupt:
        stop_event.set()


def folder_ports(ctx: Any, folder: Path, tenant: str) -> tuple[Any, Any]:
    """The hot folder's ports: a file → a job (channel "folder"), job ids → (state, reason code)."""
    from app.intake import Upload, jobs, submit
    from domain.errors import Invalid
    from domain.principal import Principal
    from intake.hotfolder import Rejected

    system = Principal.system()
    owner = f"folder:{folder.resolve()}"

    def _submit(data: bytes, file_name: str, source_uri: str) -> str:
        try:
            job = submit(ctx, system, Upload(data=data, file_name=file_name, source_uri=source_uri), channel="folder",
                         tenant=tenant, owner=owner)  # fmt: skip
        except Invalid as exc:  # empty, too large …: never acceptable, to failed/ with the reason
            raise Rejected(f"{exc.code}: {_app_error(exc)}") from exc
        return str(job.id)

    def _status(ids: list[str]) -> dict[str, tuple[str, str | None]]:
        found = {j.id: j for j in jobs(ctx, system, ids)}
        return {i: ((found[i].state, found[i].reason_code or None) if i in found else ("unknown", None)) for i in ids}

    return _submit, _status


def mail_in(
    config: Annotated[Path | None, typer.Option(help="mailboxes (TOML); default: settings.mailin_file")] = None,
    every: Annotated[float, typer.Option(help="seconds between polls (IDLE waits in between where offered)")] = 60.0,
    once: Annotated[bool, typer.Option(help="one poll of every mailbox, then exit")] = False,
) -> None:
    """Poll the tenants' IMAP mailboxes: each message (with its attachments) becomes documents of one thread."""
    from app.context import AppContext
    from intake.mailin import load_configs, poll_once, run

    path = config or get_settings().mailin_file
    if path is None:
        _fail("no mailboxes configured: --config FILE or COCKPIT_MAILIN_FILE")
    try:
        configs = load_configs(Path(str(path)))
    except (OSError, ValueError) as exc:
        _fail(f"{path}: {exc}")
    ctx = AppContext.create()
    submit = mail_submitter(ctx)
    if once:
        for cfg in configs:
            console.print(f"{cfg.user}@{cfg.host} ({cfg.tenant}): {poll_once(cfg, submit)}")
        return
    stop_event = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
    console.print(f"polling {len(configs)} mailboxes every {every:g} s (IDLE where offered)")
    try:
        run(configs, submit, every_s=every, stop=stop_event)
    except KeyboardInterrupt:
        stop_event.set()


def mail_submitter(ctx: Any) -> Any:
    """The mail-in port: one message → one job (idempotent by the message's UID key)."""
    from app.intake import Upload, submit
    from domain.errors import Invalid
    from domain.principal import Principal
    from intake.mailin import RejectMessage

    system = Principal.system()

    def _submit(cfg: Any, item: Any) -> None:
        try:
            submit(
                ctx, system,
                Upload(data=item.raw, file_name=item.file_name, source_uri=item.source_uri, key=item.job_key,
                       customer_id=_known_customer(ctx, cfg.tenant, item.customer_hint)),
                channel="mail", tenant=cfg.tenant, owner=f"mail:{cfg.user}",
            )  # fmt: skip
        except Invalid as exc:  # never acceptable (too large, ...): to the failed folder, not offered every poll
            raise RejectMessage(_app_error(exc)) from exc

    return _submit


def _known_customer(ctx: Any, tenant: str, hint: str | None) -> str | None:
    """A plus-address names a customer by id or number; unknown ones are dropped (the rules file the mail)."""
    if not hint:
        return None
    from app.customers import lookup
    from domain.principal import Principal

    system = Principal.system()
    for found in lookup(ctx, system, number=hint, size=5):
        if found.get("tenant") == tenant:
            return str(found.get("customer_id"))
    return None


# --------------------------------------------------------------------------- jobs


@jobs_app.command("failed")
def jobs_failed() -> None:
    """Failed jobs with their reasons."""
    from app.context import AppContext
    from app.intake import queue_status

    st = queue_status(AppContext.create(), _operator())
    table = Table(title=f"failed jobs ({st.failed_total})")
    for col in ("job", "tenant", "channel", "file", "reason"):
        table.add_column(col)
    for j in st.failed:
        table.add_row(j.id, j.tenant, j.channel, j.file_name, f"{j.reason_code}: {j.reason[:120]}")
    Console().print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[str, typer.Argument(help="a failed job's id")]) -> None:
    """Put a failed job back on the queue."""
    from app.context import AppContext
    from app.intake import retry
    from domain.errors import AppError

    try:
        job = retry(AppContext.create(), _operator(), job_id)
    except AppError as exc:
        _fail(_app_error(exc))
    console.print(f"{job.id} queued again ({job.file_name})")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(worker)
    app.command()(watch)
    app.command("mail-in")(mail_in)
    app.add_typer(jobs_app, name="jobs")
