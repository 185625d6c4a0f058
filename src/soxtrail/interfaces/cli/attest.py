"""`soxtrail attest KIND PATH --repo R --commit SHA`: CI results about a commit; and
`soxtrail attest dr-test FILE`: a restore test, which is about a system, not a commit."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state


class AttestKind(StrEnum):
    junit = "junit"
    sarif = "sarif"
    terraform_plan = "terraform-plan"
    terraform_apply = "terraform-apply"
    cyclonedx = "cyclonedx"
    provenance = "provenance"
    dr_test = "dr-test"


_SOURCE = {
    AttestKind.junit: "junit",
    AttestKind.sarif: "sarif",
    AttestKind.terraform_plan: "terraform-plan",
    AttestKind.terraform_apply: "terraform-apply",
    AttestKind.cyclonedx: "cyclonedx",
    AttestKind.provenance: "intoto",
    AttestKind.dr_test: "dr-test",
}


def attest(
    ctx: typer.Context,
    kind: Annotated[AttestKind, typer.Argument(help="What the file is.")],
    paths: Annotated[
        list[str], typer.Argument(help="Report files (or - for stdin).", show_default=False)
    ],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="The repository (owner/name) it is about (not for dr-test)."),
    ] = None,
    commit: Annotated[
        str | None,
        typer.Option("--commit", help="The full commit sha it is about (not for dr-test)."),
    ] = None,
    run: Annotated[str | None, typer.Option("--run", help="The CI run that produced it.")] = None,
    tool: Annotated[
        str | None, typer.Option("--tool", help="The tool, when the file does not say.")
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Attach CI results to a commit: JUnit test reports, SARIF scans, Terraform plans (and
    `terraform-apply` for the plan that was applied: CM-11 compares the digests), CycloneDX
    SBOMs and in-toto/SLSA provenance. The files do not name their commit; this does.

    `dr-test` records a restore test (docs/sources/dr-test.md): the file names the system,
    when and by whom, the recovery point restored and the checks made, each with its
    expected and actual value; it passes only when every actual value equals the expected
    one. It takes no --repo or --commit. A malformed file stores nothing and exits 2."""
    from soxtrail.domain.errors import UsageError
    from soxtrail.interfaces.cli.ingest import _print_report
    from soxtrail.services.ingest import ingest
    from soxtrail.sources.framing import InputSource
    from soxtrail.sources.registry import get_adapter

    cli = state(ctx)
    adapter = get_adapter(_SOURCE[kind])
    hints: dict[str, str] = {}
    if kind is AttestKind.dr_test:
        if repo or commit:
            raise UsageError(
                "attest dr-test takes no --repo or --commit: the file names its system"
            )
    elif not repo or not commit:
        raise UsageError(f"attest {kind.value} needs --repo and --commit")
    else:
        hints = {"repo": repo, "commit": commit.lower()}
    if run:
        hints["run"] = run
    if tool:
        hints["tool"] = tool
    report = ingest(
        cli.database(),
        adapter,
        [InputSource(p, hints) for p in paths],
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    if output is OutputFormat.json:
        cli.print_json(report.to_json())
    else:
        _print_report(cli.out, report)


def register(app: typer.Typer) -> None:
    app.command("attest")(attest)
