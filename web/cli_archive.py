"""CLI of the archive of originals: `cockpit archive verify` (the checks are app/archive.py and
indexing/archive_verify.py; this prints them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from core.settings import get_settings

console = Console(stderr=True)
archive_app = typer.Typer(no_args_is_help=True, help="The archive of originals: verify, tighten modes")

_SHOWN = 20  # problems listed per kind in the text output (--json lists all)


def verify_command(
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    index: Annotated[bool, typer.Option("--index/--no-index", help="compare with the index's documents")] = True,
    fix_modes: Annotated[
        bool, typer.Option("--fix-modes", help="first tighten modes to 0700 folders / 0400 originals")
    ] = False,
    adopt: Annotated[
        bool, typer.Option("--adopt-unlisted", help="record intact originals the manifest lacks (older archives)")
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="hashing threads")] = 4,
    archive_dir: Annotated[
        Path | None, typer.Option("--archive-dir", help="the archive (default: COCKPIT_ARCHIVE_DIR or var/archive)")
    ] = None,
) -> None:
    """Re-hash every original; report changed, missing (named by the manifest or the index) and unexpected
    files, and modes too open. Exits 1 on any problem."""
    from app.archive import VerifyOptions, verify_archive
    from domain.errors import Unavailable
    from indexing.archive import Archive, ArchiveError

    root = archive_dir or get_settings().archive_dir
    if not root.is_dir():
        console.print(f"[bold red]error:[/] no archive at {root}")
        raise typer.Exit(2)
    archive = Archive(root)
    ctx: Any = None
    if index:
        from app.context import AppContext

        ctx = AppContext.create(archive_root=root)
    progress = Progress(
        TextColumn("verifying"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task: list[TaskID] = []

    def on_start(files: int, total: int) -> None:
        task.append(progress.add_task("verify", total=total))

    def on_bytes(n: int) -> None:
        progress.advance(task[0], n)

    try:
        with progress:
            report = verify_archive(
                archive, ctx, VerifyOptions(index, fix_modes, adopt, workers), on_start=on_start, on_bytes=on_bytes
            )
    except Unavailable as exc:
        cause = exc.__cause__ or exc
        console.print(f"[bold red]error:[/] the index cannot be read ({cause}); `--no-index` checks the disk only")
        raise typer.Exit(2) from exc
    except ArchiveError as exc:  # the manifest could not be written (--adopt-unlisted)
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        data = report.as_dict()
        data["unlisted_sha256"] = report.unlisted
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: Any) -> None:
    out = Console()
    out.print(f"archive {report.root} (manifest {report.manifest})")
    out.print(
        f"checked {report.checked} originals, {report.bytes / 1e6:.1f} MB in {report.seconds:.2f} s: "
        f"{report.mb_per_s:.1f} MB/s"
    )
    if report.modes_fixed:
        out.print(f"modes tightened: {report.modes_fixed}")
    sections: list[tuple[str, list[str]]] = [
        ("CHANGED (hash mismatch)", [f"{c['path']}: now {c['actual']}" for c in report.changed]),
        ("MISSING", [f"{m['sha256']} (named by {' and '.join(m['named_by'])})" for m in report.missing]),
        ("UNEXPECTED files", list(report.unexpected)),
        ("UNREADABLE", [f"{u['path']}: {u['error']}" for u in report.unreadable]),
        ("MODES TOO OPEN (run with --fix-modes)", list(report.loose_modes)),
    ]
    for title, lines in sections:
        if not lines:
            continue
        out.print(f"[bold red]{title}: {len(lines)}[/]")
        for line in lines[:_SHOWN]:
            out.print(f"  {line}", markup=False, highlight=False)
        if len(lines) > _SHOWN:
            out.print(f"  … and {len(lines) - _SHOWN} more (--json lists all)")
    if report.manifest_bad_lines:
        out.print(f"[bold red]MANIFEST: {report.manifest_bad_lines} unreadable lines[/]")
    indexed = "not compared" if report.indexed is None else f"{report.indexed} originals named"
    out.print(f"manifest: {report.manifest_live} originals recorded; index: {indexed}")
    if report.unlisted:
        out.print(
            f"unlisted: {len(report.unlisted)} originals in neither the manifest nor the index"
            + (f" ({report.adopted} recorded now)" if report.adopted else " (--adopt-unlisted records them)")
        )
    out.print("[bold green]OK[/]" if report.ok else "[bold red]PROBLEMS FOUND[/]")


def register(app: typer.Typer) -> None:
    archive_app.command("verify")(verify_command)
    app.add_typer(archive_app, name="archive")
