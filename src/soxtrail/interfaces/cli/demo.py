"""`soxtrail demo`: build a demo workspace and run the whole flow on it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state


def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to build it (replaced if it is an old demo).")
    ] = Path("demo-workspace"),
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Build a demo workspace (SQLite, a real git repository, real-format events from
    GitHub, Jira and CI, and a week of identity, access, audit-log, secrets and backup data
    from Okta, GitHub, AWS, Vault and HR) and run the whole flow: ingest, gate a clean change
    (allowed) and a self-approved one (denied, with reasons), waive an SoD conflict, run an
    access review, evaluate the period (the access and operations findings are listed),
    verify the ledger, and write the period's evidence pack (HTML, PDF, XLSX, JSON and the
    verifiable bundle)."""
    from soxtrail.demo.run import run_demo
    from soxtrail.interfaces.cli.gate import print_decision

    cli = state(ctx)
    report = run_demo(directory)
    if output is OutputFormat.json:
        cli.print_json(report.to_json())
        return
    cli.out.print(f"[bold]soxtrail demo[/] in {directory.resolve()}\n")
    for decision in (report.clean, report.self_approved):
        if decision is not None:
            print_decision(cli, decision.to_json())
            cli.out.print()
    for run in report.runs:
        counts = ", ".join(f"{n} {r}" for r, n in sorted(run.counts.items()))
        summary = f"{run.subjects} results ({counts})"
        cli.out.print(f"[green]✓[/] controls evaluated over the period: {summary}")
    if report.controls:
        cli.out.print("\nAccess and operations controls over the period:")
    for outcome in report.controls:
        counts = ", ".join(f"{n} {r}" for r, n in sorted(outcome.counts.items()))
        mark = (
            "[red]✗[/]" if "fail" in outcome.counts or "error" in outcome.counts else "[green]✓[/]"
        )
        cli.out.print(f"{mark} {outcome.control} {escape(outcome.title)}: {counts}")
        for subject, result, reason in outcome.findings:
            cli.out.print(f"    {result} {escape(subject)}: {escape(reason)}")
    if report.controls:
        cli.out.print()
    mark = "[green]✓[/]" if report.ledger_ok else "[red]✗[/]"
    cli.out.print(f"{mark} ledger verified: {report.ledger_size} entries, every checkpoint signed")
    pack = report.pack
    if pack is not None:
        cli.out.print(
            f"[green]✓[/] evidence pack: {pack.controls} controls, {pack.samples} sampled "
            f"item(s), {pack.exceptions} exception(s), written to {pack.directory}"
        )
        if pack.bundle is not None:
            cli.out.print(f"  open {pack.directory / 'report.html'}; bundle {pack.bundle}")
    cli.out.print(
        f"\nNext: cd {directory} and try `soxtrail ledger status`, `soxtrail controls list`, "
        "`soxtrail waiver list`, `soxtrail ledger prove <record id>`, "
        "`soxtrail bundle verify evidence-pack/*.zip`."
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
