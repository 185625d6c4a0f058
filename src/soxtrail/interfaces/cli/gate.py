"""`soxtrail gate`: allow or deny a deployment, fail closed (DESIGN §6)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from soxtrail.interfaces.cli.context import FORMAT_OPTION, CliState, OutputFormat, state

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
    server: Annotated[
        str | None,
        typer.Option(
            "--server",
            envvar="SOXTRAIL_SERVER",
            help="Ask this soxtrail server instead of the local store (token in SOXTRAIL_TOKEN).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for the server.")
    ] = 60.0,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Decide whether COMMIT may be deployed to ENV: evaluate every gate control over the
    change set since the last deployment, apply approved waivers, record the decision in the
    ledger. Exit 0 allow, 1 deny, 2 bad usage or input, 3 internal error (an unreachable
    server, a damaged store included; nothing is recorded). Missing evidence, an undefined
    rule or an engine error is `error`, and `error` denies."""
    cli = state(ctx)
    if server is not None:
        document = _ask_server(server, system, env, commit, repo, dry_run, timeout)
        if output is OutputFormat.json:
            cli.print_json(document)
        else:
            print_decision(cli, document)
        raise typer.Exit(0 if document["decision"] == "allow" else 1)

    # The policy compiles on a thread of its own while the store's modules load and the
    # change set is read: the gate's latency is the longer of the two, not their sum.
    engine = cli.engine(phase="gate")
    from soxtrail.services.gate import decide_gate

    decision = decide_gate(
        cli.database(),
        cli.config,
        cli.library(),
        engine,
        system_name=system,
        environment=env,
        commit=commit,
        repo=repo,
        clock=cli.clock,
        # A dry run writes nothing: it needs no ledger key (nor the cryptography it loads).
        signer=None if dry_run else cli.signer(),
        dry_run=dry_run,
    )
    document = decision.to_json()
    if output is OutputFormat.json:
        cli.print_json(document)
    else:
        print_decision(cli, document)
    raise typer.Exit(0 if decision.allowed else 1)


def _ask_server(
    server: str,
    system: str,
    env: str,
    commit: str,
    repo: str | None,
    dry_run: bool,
    timeout: float,
) -> dict[str, Any]:
    """The server's decision (`POST /api/v1/gate`), checked to be one: anything else is an
    error, never an allow."""
    from soxtrail.interfaces.cli.remote import ServerUnavailableError, post_json

    body = {
        "system": system,
        "environment": env,
        "commit": commit,
        "repo": repo,
        "dry_run": dry_run,
    }
    document = post_json(server, "/api/v1/gate", body, timeout=timeout)
    if document.get("schema") != 1 or document.get("decision") not in ("allow", "deny"):
        raise ServerUnavailableError(f"{server}: the answer is not a gate decision (schema 1)")
    return document


def _subject(subject: str, document: dict[str, Any]) -> str:
    """How a subject reads in the table: nothing for the deployment itself, short shas."""
    if subject in ("*", f"{document['repo']}@{document['commit']}") or ":push:" in subject:
        return ""
    if len(subject) in (40, 64) and all(c in "0123456789abcdef" for c in subject):
        return subject[:7]
    return subject


def print_decision(cli: CliState, document: dict[str, Any]) -> None:
    """A decision (the JSON document of `soxtrail gate -f json`, local or from the server) as
    a table of controls, the change set, and the verdict."""
    from rich.table import Table

    wide = cli.out.width >= 120
    table = Table(
        title=f"{document['system']} → {document['environment']} @ {document['commit'][:12]}",
        show_lines=True,
        expand=False,
    )
    table.add_column("control", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("reasons")
    if wide:
        table.add_column("evidence", no_wrap=True)
    for control in document["controls"]:
        worst = control["result"]
        lines: list[str] = []
        for result in control["subjects"]:
            if result["result"] != worst:
                continue
            prefix = _subject(result["subject"], document)
            lines.extend(
                f"{prefix}: {reason}" if prefix and prefix not in reason else reason
                for reason in result["reasons"]
            )
        reasons = "\n".join(lines[:6]) + (f"\n… {len(lines) - 6} more" if len(lines) > 6 else "")
        style = _STYLE.get(worst, "")
        row = [f"{control['id']} {control['short_name']}", f"[{style}]{worst}[/]", reasons]
        if wide:
            row.append("\n".join(e[:12] for e in control["evidence"][:4]))
        table.add_row(*row)
    cli.out.print(table)
    change_set = document["change_set"]
    since = (change_set["base"] or "the first deployment")[:12]
    cli.out.print(
        f"change set: {len(change_set['commits'])} commit(s), "
        f"{len(change_set['change_requests'])} change request(s) since {since}"
        + ("" if change_set["complete"] else " [yellow](incomplete: scan the repository)[/]")
    )
    allowed = document["decision"] == "allow"
    verdict_text = "[bold green]ALLOW[/]" if allowed else "[bold red]DENY[/]"
    if document["dry_run"]:
        suffix = " (dry run, not recorded)"
    else:
        record = document.get("record") or "?"
        index = (document.get("ledger") or {}).get("index")
        suffix = f" — recorded as {record[:12]} at ledger index {index}"
    cli.out.print(f"decision: {verdict_text}{suffix}   policy {document['policy_digest'][:19]}…")


def register(app: typer.Typer) -> None:
    app.command("gate")(gate)
