"""CLI commands of retention and legal hold: `retention report|table|contract-end`, `hold set|lift|list`,
`dispose` (a dry run unless --execute). Thin adapters over `app.retention` and `app.disposal`; the operator is
the system, named by the account that runs the command (recorded in the audit trail)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(stderr=True)
retention_app = typer.Typer(no_args_is_help=True, help="Retention by document class: report, table, contract end")
hold_app = typer.Typer(no_args_is_help=True, help="Legal holds on documents, dossiers and saved views")
T = TypeVar("T")


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(2)


def require_retention_table() -> None:
    """Refuse to start (serve, worker) with an unusable retention table; the message names the key."""
    from domain.retention import RetentionConfigError
    from indexing.retention import configured_table

    try:
        configured_table()
    except RetentionConfigError as exc:
        _fail(f"retention table: {exc}")


def _operator() -> Any:
    import getpass

    from domain.principal import Principal

    return Principal(login=f"cli:{getpass.getuser()}", kind="system", roles=frozenset({"admin"}), name="cli")


def _run(fn: Callable[[], T]) -> T:
    """Call a use case; its refusals and storage failures become one line and exit code 2."""
    from domain.errors import AppError
    from domain.retention import RetentionConfigError
    from i18n import t
    from indexing.records import WriteFailed
    from search.repository import ReadFailed

    try:
        return fn()
    except AppError as exc:
        if exc.__cause__ is not None:
            console.print(escape(f"{type(exc.__cause__).__name__}: {str(exc.__cause__)[:300]}"), style="dim")
        _fail(t(exc.code, "en", **exc.params))
    except RetentionConfigError as exc:
        _fail(f"retention table: {exc}")
    except (ReadFailed, WriteFailed) as exc:
        _fail(f"Elasticsearch: {exc} (is it running? `cockpit services up`)")
    raise AssertionError("unreachable")


def _ctx() -> Any:
    from app.context import AppContext

    return _run(AppContext.create)


# --------------------------------------------------------------------------- retention


@retention_app.command("report")
def retention_report(
    months: Annotated[int, typer.Option(help="what expires within the next N months (and what is due already)")] = 12,
    tenant: Annotated[str | None, typer.Option(help="one tenant (default: every tenant)")] = None,
    limit: Annotated[int, typer.Option(help="documents listed at most")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """What expires in the next N months, per register, with the documents and their holds."""
    from app.retention import report

    ctx = _ctx()
    rep = _run(lambda: report(ctx, _operator(), months=months, tenant=tenant, limit=limit))
    if as_json:
        data = {k: v for k, v in rep.__dict__.items() if k not in ("items", "registers", "holds", "unresolved_holds")}
        data["registers"] = [r.__dict__ for r in rep.registers]
        data["items"] = [i.__dict__ for i in rep.items]
        data["holds"] = [h.as_dict() for h in rep.holds]
        data["unresolved_holds"] = [h.as_dict() for h in rep.unresolved_holds]
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    out = Console()
    summary = Table(title=f"Retention until {rep.until} (today {rep.today}, profile {rep.profile}, "
                          f"tenants {', '.join(rep.tenants) or '-'})")  # fmt: skip
    for col in ("register", "expiring", "due now"):
        summary.add_column(col)
    for r in rep.registers:
        summary.add_row(r.register, str(r.expiring), str(r.due))
    summary.add_row("[bold]all[/]", str(rep.total), str(rep.due))
    out.print(summary)
    docs = Table(title=f"Documents (first {len(rep.items)}{' of ' + str(rep.total) if rep.truncated else ''})")
    for col in ("retain until", "register", "tenant", "doc", "customer", "date", "held", "flags"):
        docs.add_column(col)
    for i in rep.items:
        docs.add_row(i.retain_until or "", i.register, i.tenant, i.doc_id, ", ".join(i.customer_ids), i.doc_date or "",
                     i.held or "", ", ".join(i.flags))  # fmt: skip
    out.print(docs)
    if rep.flagged:
        out.print(f"{rep.flagged} documents need a look: " + ", ".join(f"{k} {v}" for k, v in rep.flags.items()))
    out.print(f"{len(rep.holds)} active holds, {rep.held} listed documents held")
    for h in rep.unresolved_holds:
        out.print(f"[red]hold {h.hold_id} ({h.tenant}, view {h.view_id}) cannot be resolved: disposal blocked[/]")


@retention_app.command("table")
def retention_table() -> None:
    """The retention table in force (config/retention.toml or COCKPIT_RETENTION_FILE)."""
    from core.settings import get_settings
    from indexing.retention import configured_table

    table = _run(configured_table)
    out = Table(title=f"{get_settings().retention_file} — profile {table.profile}, fingerprint {table.fingerprint}")
    for col in ("register", "years", "from", "until invoice", "law"):
        out.add_column(col)
    for r in table.rules.values():
        out.add_row(r.register, str(r.years) if r.dispose else "never disposed", r.start,
                    "yes" if r.until_invoice else "", r.law)  # fmt: skip
    Console().print(out)


@retention_app.command("contract-end")
def contract_end(
    doc_id: Annotated[str, typer.Argument(help="the contract's document id")],
    end: Annotated[str, typer.Argument(help="the contract's end YYYY-MM-DD, or 'none' to clear it")],
) -> None:
    """Record a contract's end: its retention runs from there."""
    from app.retention import set_contract_end

    day = None
    if end.lower() != "none":
        try:
            day = dt.date.fromisoformat(end)
        except ValueError:
            _fail(f"{end!r} is not a date (YYYY-MM-DD)")
    ctx = _ctx()
    change = _run(lambda: set_contract_end(ctx, _operator(), doc_id, day))
    console.print(f"{doc_id}: contract end {change['contract_end'] or 'unknown'}, kept until {change['retain_until']}")


# --------------------------------------------------------------------------- holds


@hold_app.command("set")
def hold_set(
    reason: Annotated[str, typer.Option(help="why (a case, a request of the authorities …)")],
    doc: Annotated[str | None, typer.Option(help="a document id")] = None,
    customer: Annotated[str | None, typer.Option(help="a customer id: the whole dossier")] = None,
    view: Annotated[str | None, typer.Option(help="a saved view id: every document it matches")] = None,
    tenant: Annotated[str | None, typer.Option(help="the tenant (needed for a customer)")] = None,
) -> None:
    """Put a legal hold on a document, a dossier or a saved view (with --customer: a dossier view in that dossier)."""
    from app.holds import set_hold

    ctx = _ctx()
    hold = _run(lambda: set_hold(ctx, _operator(), reason=reason, doc_id=doc, customer_id=customer, view_id=view,
                                 tenant=tenant))  # fmt: skip
    console.print(f"hold {hold.hold_id} set on {hold.target} {hold.doc_id or hold.view_id or hold.customer_id} "
                  f"({hold.tenant}: {hold.label})")  # fmt: skip
    print(hold.hold_id)


@hold_app.command("lift")
def hold_lift(
    hold_id: Annotated[str, typer.Argument(help="the hold's id (see `hold list`)")],
    reason: Annotated[str, typer.Option(help="why it is lifted")],
) -> None:
    """Lift a hold (the record stays, with who lifted it, when and why)."""
    from app.holds import lift_hold

    ctx = _ctx()
    hold = _run(lambda: lift_hold(ctx, _operator(), hold_id, reason=reason))
    console.print(f"hold {hold.hold_id} lifted ({hold.target} {hold.doc_id or hold.view_id or hold.customer_id})")


@hold_app.command("list")
def hold_list(
    tenant: Annotated[str | None, typer.Option(help="one tenant")] = None,
    include_lifted: Annotated[bool, typer.Option("--all", help="lifted holds too")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The legal holds, newest first."""
    from app.holds import list_holds

    ctx = _ctx()
    holds = _run(lambda: list_holds(ctx, _operator(), tenant=tenant, include_lifted=include_lifted))
    if as_json:
        print(json.dumps([h.as_dict() for h in holds], ensure_ascii=False, indent=1))
        return
    out = Table(title="Legal holds")
    for col in ("id", "tenant", "on", "what", "reason", "set by", "set at", "state"):
        out.add_column(col)
    for h in holds:
        state = "active" if h.active else f"lifted {str(h.lifted_at)[:10]} by {h.lifted_by}"
        out.add_row(h.hold_id, h.tenant, h.target, f"{h.doc_id or h.view_id or h.customer_id} {h.label}", h.reason,
                    h.set_by, h.set_at[:19], state)  # fmt: skip
    Console().print(out)


# --------------------------------------------------------------------------- disposal


def dispose(
    execute: Annotated[bool, typer.Option("--execute", help="really delete (default: a dry run)")] = False,
    tenant: Annotated[str | None, typer.Option(help="one tenant (default: every tenant)")] = None,
    doc: Annotated[list[str] | None, typer.Option(help="only this document (repeat); refused if held or kept")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Dispose of documents whose retention has ended and that no legal hold covers (and of their originals
    once no document references them). A dry run unless --execute; every run leaves a certificate (CSV)."""
    from app.disposal import dispose as run_disposal

    ctx = _ctx()
    run = _run(lambda: run_disposal(ctx, _operator(), execute=execute, tenant=tenant, doc_ids=doc or []))
    if as_json:
        print(json.dumps({"run_id": run.run_id, "dry_run": run.dry_run, "counts": run.counts(),
                          "certificate": str(run.certificate or ""),
                          "documents": [{k: v for k, v in i.__dict__.items() if k not in ("source", "hit")}
                                        for i in run.items]}, ensure_ascii=False, indent=1))  # fmt: skip
        return
    c = run.counts()
    what = "deleted" if execute else "would delete"
    console.print(f"disposal {run.run_id} ({'executed' if execute else 'DRY RUN: nothing deleted'}): {what} "
                  f"{c['deleted'] if execute else c['documents']} documents, originals "
                  f"{c['originals_deleted'] if execute else c['originals_would_go']}; skipped {c['skipped'] or 0}")  # fmt: skip
    for t, reason in run.refused.items():
        console.print(f"[red]tenant {t}: nothing disposed ({reason})[/]")
    console.print(f"certificate: {run.certificate or '(not written, see the log)'}")


def register(app: typer.Typer) -> None:
    app.add_typer(retention_app, name="retention")
    app.add_typer(hold_app, name="hold")
    app.command()(dispose)
