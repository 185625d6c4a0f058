"""`soxtrail gate`: allow or deny a deployment, fail closed (DESIGN §6)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from soxtrail.interfaces.cli.context import FORMAT_OPTION, CliState, OutputFormat, state
from soxtrail.services.gate import GateDecision, decide_gate

_STYLE = {
    "pass": "green",
    "waived": "cyan",
    "not_applicable": "dim",
    "fail": "red",
    "error": "bold red",
}


def gate(
    ctx: typer.Context,
    system: Annotated[str, typer.Option("--system", "-s", help="The system, as in [[systems]].")],
    env: Annotated[str, typer.Option("--env", "-e", help="The environment deployed to.")],
    commit: Annotated[str, typer.Option("--commit", help="The candidate commit (sha or prefix).")],
    repo: Annotated[
        str | None,
        typer.Option(help="The repository, when the system has several and the commit is unknown."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Evaluate without recording the decision.")
    ] = False,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Decide whether COMMIT may be deployed to ENV: evaluate every gate control over the
    change set since the last deployment, apply approved waivers, record the decision in the
    ledger. Exit 0 allow, 1 deny, 2 bad usage or input, 3 internal error. Missing evidence,
    an undefined rule or an engine error is `error`, and `error` denies."""
    cli = state(ctx)
    decision = decide_gate(
        cli.database(),
        cli.config,
        cli.library(),
        cli.engine(),
        system_name=system,
        environment=env,
        commit=commit,
        repo=repo,
        clock=cli.clock,
        signer=cli.signer(),
        dry_run=dry_run,
    )
    if output is OutputFormat.json:
        cli.print_json(decision.to_json())
    else:
        print_decision(cli, decision)
    raise typer.Exit(0 if decision.allowed else 1)


def print_decision(cli: CliState, decision: GateDecision) -> None:
    """The decision as a table of controls, the change set, and the verdict."""
    document = decision.to_json()
    table = Table(
        title=f"{decision.system} → {decision.environment} @ {decision.commit[:12]}",
        show_lines=True,
        expand=False,
    )
    table.add_column("control", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("reasons")
    table.add_column("evidence", no_wrap=True)
    for control in document["controls"]:
        style = _STYLE.get(control["result"], "")
        reasons = "\n".join(control["reasons"][:6])
        if len(control["reasons"]) > 6:
            reasons += f"\n… {len(control['reasons']) - 6} more"
        evidence = "\n".join(e[:12] for e in control["evidence"][:4])
        table.add_row(
            f"{control['id']} {control['short_name']}",
            f"[{style}]{control['result']}[/]",
            reasons,
            evidence,
        )
    cli.out.print(table)
    change_set = document["change_set"]
    cli.out.print(
        f"change set: {len(change_set['commits'])} commit(s), "
        f"{len(change_set['change_requests'])} change request(s) since "
        f"{(change_set['base'] or 'the first deployment')[:12]}"
        + ("" if change_set["complete"] else " [yellow](incomplete: scan the repository)[/]")
    )
    verdict = "[bold green]ALLOW[/]" if decision.allowed else "[bold red]DENY[/]"
    suffix = (
        " (dry run, not recorded)"
        if decision.dry_run
        else (f" — recorded at ledger index {decision.ledger.get('index')}")
    )
    cli.out.print(f"decision: {verdict}{suffix}   policy {decision.policy_digest[:19]}…")


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)
