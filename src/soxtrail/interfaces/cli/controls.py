"""`soxtrail controls ...`: the control library, its Rego unit tests, period evaluation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from soxtrail.domain.errors import NotFoundError, VerdictError
from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

app = typer.Typer(
    help="The SOX controls in force: built-in Rego policies plus your own directories.",
    no_args_is_help=True,
)


@app.command("list")
def list_controls(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """Every control with its domain, frequency, population and whether it is enabled."""
    cli = state(ctx)
    library = cli.library()
    if output is OutputFormat.json:
        cli.print_json(
            {
                "schema": 1,
                "policy_digest": library.digest,
                "controls": [
                    {**m.to_json(), "enabled": library.enabled(m), "params": library.params(m)}
                    for m in library.controls
                ],
            }
        )
        return
    table = Table("id", "short name", "title", "frequency", "population", "phases", "enabled")
    for meta in library.controls:
        table.add_row(
            meta.id,
            meta.short_name,
            meta.title,
            meta.frequency,
            meta.population,
            ",".join(meta.phases),
            "yes" if library.enabled(meta) else "[yellow]no[/]",
        )
    cli.out.print(table)
    cli.out.print(f"policy digest {library.digest}")


@app.command("show")
def show(
    ctx: typer.Context,
    control_id: Annotated[str, typer.Argument(metavar="ID", help="Control id or short name.")],
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """A control's objective, test procedure, SOX references, evidence and parameters."""
    cli = state(ctx)
    library = cli.library()
    try:
        meta = library.control(control_id)
    except KeyError as exc:
        raise NotFoundError(f"no control {control_id!r} (see soxtrail controls list)") from exc
    if output is OutputFormat.json:
        cli.print_json(
            {
                "schema": 1,
                **meta.to_json(),
                "enabled": library.enabled(meta),
                "params": library.params(meta),
            }
        )
        return
    cli.out.print(f"[bold]{meta.id} {meta.title}[/] ({meta.short_name})")
    cli.out.print(meta.description + "\n")
    cli.out.print(f"[bold]objective[/]       {meta.objective}")
    cli.out.print(f"[bold]test procedure[/]  {meta.test_procedure}")
    cli.out.print(
        f"[bold]domain[/]          {meta.domain}; frequency {meta.frequency}; risk {meta.risk}"
    )
    cli.out.print(f"[bold]population[/]      {meta.population}; runs at {', '.join(meta.phases)}")
    cli.out.print(f"[bold]evidence[/]        {', '.join(meta.evidence)}")
    cli.out.print(f"[bold]SOX references[/]  {'; '.join(meta.sox_refs)}")
    params = library.params(meta)
    for name, parameter in meta.parameters.items():
        cli.out.print(
            f"  {name} = {params[name]!r}  ({parameter.type}, default {parameter.default!r}): "
            f"{parameter.description}"
        )
    cli.out.print(f"enabled: {'yes' if library.enabled(meta) else 'no'}; package {meta.package}")


@app.command("test")
def test(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Also load controls and tests from this directory.", show_default=False
        ),
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Run every Rego unit test (`test_*` rules) of the library with OPA. Exit 1 on failure."""
    from soxtrail.policy.engine import OpaEngine
    from soxtrail.policy.library import load_library

    cli = state(ctx)
    config = cli.config
    directories = [config.resolve(d) for d in config.model.policy.directories]
    if directory is not None:
        directories.append(directory)
    library = load_library(directories, config.model.controls, config_name=config.source_name)
    outcomes = OpaEngine(library).run_tests()
    failed = [o for o in outcomes if not o.passed]
    if output is OutputFormat.json:
        cli.print_json(
            {
                "schema": 1,
                "passed": len(outcomes) - len(failed),
                "failed": len(failed),
                "tests": [
                    {
                        "package": o.package,
                        "name": o.name,
                        "module": o.module,
                        "passed": o.passed,
                        "message": o.message,
                    }
                    for o in outcomes
                ],
            }
        )
    else:
        for outcome in failed:
            where = f"{outcome.package}.{outcome.name} ({outcome.module})"
            cli.out.print(f"[red]FAIL[/] {where}: {outcome.message}")
        cli.out.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise VerdictError(f"{len(failed)} Rego test(s) failed")
    if not outcomes:
        raise VerdictError("no Rego tests found")


@app.command("eval")
def evaluate(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", "-p", help="2026, 2026-Q3, 2026-07 or A..B.")],
    system: Annotated[str | None, typer.Option("--system", "-s", help="Only this system.")] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Evaluate every control over every subject of the period (each merged change request,
    production deployment, protected-branch push and commit, Terraform apply, protected
    branch) and store the results as a ledgered run that reports and the dashboard read."""
    from soxtrail.domain.period import parse_period
    from soxtrail.interfaces.cli.progress import RichProgress
    from soxtrail.services.period import evaluate_period

    cli = state(ctx)
    with RichProgress(cli.err, unit="items") as progress:
        summaries = evaluate_period(
            cli.database(),
            cli.config,
            cli.library(),
            cli.engine(),
            period=parse_period(period),
            system_name=system,
            clock=cli.clock,
            signer=cli.signer(),
            progress=progress,
        )
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "runs": [s.to_json() for s in summaries]})
        return
    if not summaries:
        cli.out.print("no systems configured: add [[systems]] to soxtrail.toml")
    for summary in summaries:
        counts = ", ".join(f"{n} {r}" for r, n in sorted(summary.counts.items()))
        cli.out.print(
            f"[green]✓[/] {summary.system} {summary.period}: {summary.subjects} result(s) "
            f"({counts}); run {summary.run_id[:12]}"
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="controls")
