"""`soxtrail deploy record` and `soxtrail drift`."""

from __future__ import annotations

from typing import Annotated

import typer

from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

deploy_app = typer.Typer(
    help="Deployments made by pipelines that send no forge event.", no_args_is_help=True
)


@deploy_app.command("record")
def record(
    ctx: typer.Context,
    system: Annotated[str, typer.Option("--system", "-s", help="The system.")],
    env: Annotated[str, typer.Option("--env", "-e", help="The environment deployed to.")],
    commit: Annotated[str, typer.Option("--commit", help="The commit deployed.")],
    actor: Annotated[
        str, typer.Option("--actor", help="Who or what deployed (pipeline identity).")
    ],
    run: Annotated[str | None, typer.Option("--run", help="The pipeline run (URL or id).")] = None,
    approved_by: Annotated[
        list[str] | None, typer.Option("--approved-by", help="Who approved it. Repeatable.")
    ] = None,
    status: Annotated[str, typer.Option(help="success or failure.")] = "success",
    repo: Annotated[
        str | None, typer.Option(help="The repository, for multi-repo systems.")
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Record a deployment as evidence (CM-06, CM-07 and change sets read it)."""
    from soxtrail.services.deployments import record_deployment

    cli = state(ctx)
    record_id, document = record_deployment(
        cli.database(),
        cli.config,
        system_name=system,
        environment=env,
        commit=commit,
        actor=actor,
        run=run,
        approved_by=approved_by or [],
        status=status,
        clock=cli.clock,
        signer=cli.signer(),
        repo=repo,
    )
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "record": record_id, "deployment": document})
        return
    cli.out.print(
        f"[green]✓[/] deployment of {document['sha'][:12]} to {env} recorded ({record_id[:12]})"
    )


def drift(
    ctx: typer.Context,
    system: Annotated[str, typer.Option("--system", "-s", help="The system.")],
    env: Annotated[str, typer.Option("--env", "-e", help="The environment to check.")],
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Compare what runs in ENV (the newest snapshot) with the last approved deployment.
    Exit 1 on drift, naming what differs. The result is recorded as evidence for CM-07."""
    from soxtrail.services.deployments import detect_drift

    cli = state(ctx)
    report = detect_drift(
        cli.database(),
        cli.config,
        system_name=system,
        environment=env,
        clock=cli.clock,
        signer=cli.signer(),
    )
    if output is OutputFormat.json:
        cli.print_json(report.to_json())
    elif report.drifted:
        cli.out.print(f"[bold red]drift[/] in {system}/{env}:")
        for difference in report.differences:
            cli.out.print(f"  • {difference}")
    else:
        cli.out.print(f"[green]✓[/] {system}/{env} runs what was last approved")
    raise typer.Exit(1 if report.drifted else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(deploy_app, name="deploy")
    app.command("drift")(drift)
