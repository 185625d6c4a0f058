"""`soxtrail gate`: allow or deny a deployment, fail closed (DESIGN §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from soxtrail.interfaces.cli.context import FORMAT_OPTION, CliState, OutputFormat, state

_STYLE = {
    "pass": "green",
    "waived": "cyan",
    "not_applicable": "dim",
    "fail": "red",
    "error": "bold red",
}

if TYPE_CHECKING:
    from soxtrail.services.gate import GateDecision


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
    from soxtrail.services.gate import decide_gate

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


def _subject(subject: str, decision: GateDecision) -> str:
    """How a subject reads in the table: nothing for the deployment itself, short shas."""
    if subject in ("*", f"{decision.repo}@{decision.commit}") or ":push:" in subject:
        return ""
    if len(subject) in (40, 64) and all(c in "0123456789abcdef" for c in subject):
        return subject[:7]
    return subject


def print_decision(cli: CliState, decision: GateDecision) -> None:
    """The decision as a table of controls, the change set, and the verdict."""
    wide = cli.out.width >= 120
    table = Table(
        title=f"{decision.system} → {decision.environment} @ {decision.commit[:12]}",
        show_lines=True,
        expand=False,
    )
    table.add_column("control", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("reasons")
    if wide:
        table.add_column("evidence", no_wrap=True)
    for verdict in decision.verdicts:
        worst = verdict.result
        lines: list[str] = []
        for result in verdict.results:
            if result.result is not worst:
                continue
            prefix = _subject(result.subject, decision)
            lines.extend(
                f"{prefix}: {reason}" if prefix and prefix not in reason else reason
                for reason in result.reasons
            )
        reasons = "\n".join(lines[:6]) + (f"\n… {len(lines) - 6} more" if len(lines) > 6 else "")
        evidence = sorted({e for r in verdict.results for e in r.evidence})
        style = _STYLE.get(worst.value, "")
        row = [
            f"{verdict.meta.id} {verdict.meta.short_name}",
            f"[{style}]{worst.value}[/]",
            reasons,
        ]
        if wide:
            row.append("\n".join(e[:12] for e in evidence[:4]))
        table.add_row(*row)
    cli.out.print(table)
    change_set = decision.to_json()["change_set"]
    since = (change_set["base"] or "the first deployment")[:12]
    cli.out.print(
        f"change set: {len(change_set['commits'])} commit(s), "
        f"{len(change_set['change_requests'])} change request(s) since {since}"
        + ("" if change_set["complete"] else " [yellow](incomplete: scan the repository)[/]")
    )
    verdict_text = "[bold green]ALLOW[/]" if decision.allowed else "[bold red]DENY[/]"
    if decision.dry_run:
        suffix = " (dry run, not recorded)"
    else:
        suffix = (
            f" — recorded as {decision.record_id[:12] if decision.record_id else '?'} "
            f"at ledger index {decision.ledger.get('index')}"
        )
    cli.out.print(f"decision: {verdict_text}{suffix}   policy {decision.policy_digest[:19]}…")


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)
