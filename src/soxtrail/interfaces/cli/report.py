"""`soxtrail report` and `soxtrail sample`: the auditor's evidence pack of a period."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from soxtrail.domain.errors import UsageError, VerdictError
from soxtrail.domain.period import parse_period
from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state
from soxtrail.services.report import FORMATS


def _label(period: str) -> str:
    """A period label; a label that is not a period form (the demo's `demo`) is looked up as
    the stored run's label as written."""
    try:
        return parse_period(period).label
    except UsageError:
        return period.strip()


SEED_HELP = "Seed of the sample (any text; the auditor's choice). Same seed, same sample."
SIZE_HELP = "Sample size instead of the one the control's frequency and risk give."


def report(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", "-p", help="2026, 2026-Q3, 2026-07 or A..B.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the pack into.")],
    system: Annotated[str | None, typer.Option("--system", "-s", help="Only this system.")] = None,
    formats: Annotated[
        str, typer.Option("--format", help=f"Comma-separated formats among {','.join(FORMATS)}.")
    ] = ",".join(FORMATS),
    bundle: Annotated[
        bool,
        typer.Option(
            "--bundle",
            help="Also write one ZIP archive with the report, the evidence records and raw "
            "documents behind the sample, their inclusion proofs, the signed checkpoint, the "
            "public key, the policy and the inputs: `soxtrail bundle verify` checks it offline.",
        ),
    ] = False,
    seed: Annotated[
        str | None, typer.Option("--seed", help=SEED_HELP + " Default: the run id.")
    ] = None,
    size: Annotated[int | None, typer.Option("--size", min=1, help=SIZE_HELP)] = None,
) -> None:
    """Write the evidence pack of a period from its stored run (`soxtrail controls eval`
    first): per control its description, objective, frequency, SOX references and test
    procedure, the population with results and a completeness check, a reproducible sample
    with each sampled item re-evaluated and traced back to ticket, review, commit and
    pipeline, and every exception. Exit 1 when a sampled result no longer follows from the
    evidence (evaluate again), 2 when the period has no stored run."""
    from soxtrail.services.report import parse_formats, write_pack

    cli = state(ctx)
    label = _label(period)
    summary = write_pack(
        cli.database(),
        cli.config,
        cli.library(),
        cli.engine(),
        period_label=label,
        out=out,
        now=cli.clock(),
        signer=cli.signer(),
        system_name=system,
        formats=parse_formats(formats),
        bundle=bundle,
        seed=seed,
        size=size,
    )
    for path in summary.files:
        cli.out.print(f"[green]✓[/] {path}")
    if summary.bundle:
        cli.out.print(f"[green]✓[/] {summary.bundle} (verify: soxtrail bundle verify PATH)")
    cli.out.print(
        f"{summary.controls} control(s), {summary.samples} sampled item(s), "
        f"{summary.exceptions} exception(s), {summary.findings} completeness finding(s)"
    )
    if summary.discrepancies:
        for line in summary.discrepancies:
            cli.err.print(f"[red]✗[/] {line}", markup=True, highlight=False)
        raise VerdictError(
            f"{len(summary.discrepancies)} sampled result(s) no longer follow from the evidence: "
            f"run `soxtrail controls eval --period {label}` again, then the report"
        )


def sample(
    ctx: typer.Context,
    control: Annotated[str, typer.Option("--control", "-c", help="Control id or short name.")],
    period: Annotated[str, typer.Option("--period", "-p", help="2026, 2026-Q3, 2026-07 or A..B.")],
    seed: Annotated[str, typer.Option("--seed", help=SEED_HELP)],
    size: Annotated[int | None, typer.Option("--size", min=1, help=SIZE_HELP)] = None,
    system: Annotated[str | None, typer.Option("--system", "-s", help="Only this system.")] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The reproducible sample of one control over a period's stored run: each subject
    ranked by SHA-256(seed LF control LF subject), the smallest ranks first; the size by the
    control's frequency and risk unless given (docs/evidence-pack.md)."""
    from soxtrail.services.report.build import sample_only
    from soxtrail.services.report.sampling import METHOD

    cli = state(ctx)
    label = _label(period)
    with cli.database().read() as conn:
        sections = sample_only(
            conn,
            cli.config,
            cli.library(),
            control_id=control,
            period_label=label,
            system_name=system,
            seed=seed,
            size=size,
        )
    if output is OutputFormat.json:
        cli.print_json(
            {
                "schema": 1,
                "period": label,
                "seed": seed,
                "method": METHOD,
                "samples": [
                    {
                        "system": name,
                        "control": s.meta.id,
                        "population": s.population,
                        "planned": s.planned,
                        "items": [
                            {
                                "rank": i.rank,
                                "hash": i.hash,
                                "subject": i.stored.subject,
                                "result": i.stored.result.value,
                            }
                            for i in s.sample
                        ],
                    }
                    for name, s in sections
                ],
            }
        )
        return
    for name, section in sections:
        cli.out.print(
            f"[bold]{section.meta.id}[/] {name} {label}: {len(section.sample)} of "
            f"{section.population} (planned {section.planned}), seed {seed!r}"
        )
        table = Table("#", "subject", "result", "rank (SHA-256)")
        for item in section.sample:
            table.add_row(str(item.rank), item.stored.subject, item.stored.result.value, item.hash)
        cli.out.print(table)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.command("sample")(sample)
