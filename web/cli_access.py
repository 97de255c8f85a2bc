"""`cockpit access …`: the permission table (config/permissions.toml) — check it, apply it to indexed documents."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

access_app = typer.Typer(no_args_is_help=True, help="Who may read, file and export which register (per tenant)")
console = Console(stderr=True)


def require_permission_table() -> None:
    """Refuse to start (serve, worker) with a malformed permission table; the message names the line."""
    from domain.access import PolicyError
    from indexing.access_policy import configured_policy

    try:
        configured_policy()
    except PolicyError as exc:
        console.print(f"[bold red]error:[/] permission table: {escape(str(exc))}")
        raise typer.Exit(2) from exc


def require_processes() -> None:
    """Refuse to start (serve, worker) with a process file that cannot run; the message names file and line."""
    from app.processes import default_library
    from domain.process import ProcessError

    try:
        default_library().check_all()
    except ProcessError as exc:
        console.print(f"[bold red]error:[/] process definition: {escape(str(exc))}")
        raise typer.Exit(2) from exc


def _context(prefix: str | None):  # type: ignore[no-untyped-def]
    from app.context import AppContext

    require_permission_table()
    return AppContext.create(prefix=prefix)


@access_app.command("show")
def show() -> None:
    """Print the table in use (JSON)."""
    from domain.access import policy_as_dict
    from indexing.access_policy import configured_policy

    require_permission_table()
    typer.echo(json.dumps(policy_as_dict(configured_policy()), ensure_ascii=False, indent=1))


@access_app.command("check")
def check(prefix: Annotated[str | None, typer.Option(help="index prefix (default: settings)")] = None) -> None:
    """Do the indexed documents carry the table's read/export groups? Exit 1 naming the registers that differ."""
    from app.access import drift
    from web.cli import _operator

    operator = _operator()
    found = drift(_context(prefix), operator)
    for tenant, register in found.pairs:
        typer.echo(f"DIFFERS  tenant {tenant} register {register}")
    typer.echo(f"{found.checked} documents checked: " + ("OK" if found.ok else "run `cockpit access apply`"))
    raise typer.Exit(0 if found.ok else 1)


@access_app.command("apply")
def apply(prefix: Annotated[str | None, typer.Option(help="index prefix (default: settings)")] = None) -> None:
    """Rewrite the read/export groups of the documents the table now treats differently (audited)."""
    from app.access import apply_table
    from web.cli import _operator

    operator = _operator()
    ctx = _context(prefix)
    found = apply_table(ctx, operator)
    ctx.flush_background()
    typer.echo(f"{found.rewritten} documents rewritten ({len(found.pairs)} registers differed)")


def register(app: typer.Typer) -> None:
    app.add_typer(access_app, name="access")
