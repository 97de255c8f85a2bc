"""`cockpit audit …`: verify the tamper-evident audit trail."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

audit_app = typer.Typer(no_args_is_help=True, help="The audit trail: who did what, when (tamper-evident)")
console = Console(stderr=True)


@audit_app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    prefix: Annotated[str | None, typer.Option(help="index prefix (default: settings)")] = None,
) -> None:
    """Walk every tenant's chain; name each changed, removed or inserted entry. Exit 1 if any."""
    from app.audit_verify import verify_trail
    from app.context import AppContext
    from domain.errors import AppError
    from web.cli import _operator

    operator = _operator()
    ctx = AppContext.create(prefix=prefix)
    try:
        total = ctx.repo.count("audit", {"query": {"match_all": {}}})
    except Exception:  # noqa: BLE001 - only the progress bar's length
        total = 0
    with Progress(TextColumn("audit entries"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json or not console.is_terminal) as bar:  # fmt: skip
        task = bar.add_task("verify", total=total or None)
        try:
            report = verify_trail(ctx, operator, progress=lambda n: bar.advance(task, n))
        except AppError as exc:
            console.print(f"[bold red]error:[/] {exc.code}")
            raise typer.Exit(2) from exc
    ctx.flush_background()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        rate = report.entries / report.seconds if report.seconds else 0.0
        typer.echo(f"{report.entries} entries in {len(report.chains)} chains, {report.seconds:.1f} s ({rate:,.0f}/s)")
        for f in report.findings:
            typer.echo(f"{f.kind.upper():9} chain {f.chain} seq {f.seq} entry {f.entry_id}: {f.detail}")
        typer.echo("OK: every chain is intact" if report.ok else f"FAILED: {len(report.findings)} finding(s)")
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
