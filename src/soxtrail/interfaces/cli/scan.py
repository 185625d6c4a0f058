"""`soxtrail scan-git PATH [--repo NAME] [--branch BR]...`: commits of a local repository."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from soxtrail.domain.errors import UsageError
from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

if TYPE_CHECKING:
    from soxtrail.services.ingest import IngestReport


def scan_git_command(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A local clone (working tree or bare, not shallow).", show_default=False
        ),
    ],
    *,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            help="owner/name as the forge spells it (GitLab: group/subgroup/project). "
            "Default: read from the origin remote's URL.",
            show_default=False,
        ),
    ] = None,
    branch: Annotated[
        list[str] | None,
        typer.Option(
            "--branch",
            "-b",
            help="A branch to scan; repeat for several. Default: the branch HEAD names.",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read every commit again instead of only those since the last scan "
            "(e.g. after changing the trusted keys in [signing]).",
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Rows written per database round trip.")
    ] = 2000,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Store every commit the branches reach, as one transaction: all of them, or none.

    Each commit is kept as its raw commit object (verbatim, secrets redacted) with a `commit`
    record: author, committer, message, trailers, paths changed, ticket keys, the pull
    request a merge or squash commit names, the branches that contain it, and its
    signature as git verifies it against the keys in `[signing]` only. A second scan reads
    only the commits added since the first; scanning again changes nothing.
    """
    from soxtrail.interfaces.cli.progress import RichProgress
    from soxtrail.services.scan import scan_git
    from soxtrail.sources.git_repo import repo_name_from_remote

    cli = state(ctx)
    name = repo or repo_name_from_remote(path)
    if not name:
        raise UsageError(f"{path}: no origin remote to name the repository; give --repo owner/name")
    config = cli.config
    signing = config.model.signing
    db = cli.database()
    signer = cli.signer()
    with RichProgress(cli.err, unit="commits") as progress:
        report = scan_git(
            db,
            path,
            name,
            branch or [],
            signer=signer,
            origin=config.origin,
            clock=cli.clock,
            allowed_signers_file=(
                config.resolve(signing.allowed_signers_file)
                if signing.allowed_signers_file
                else None
            ),
            gpg_public_keys=[config.resolve(key) for key in signing.gpg_public_keys],
            full=full,
            progress=progress,
            batch_size=batch_size,
        )
    if output is OutputFormat.json:
        document = report.to_json()
        document["repo"] = name
        cli.print_json(document)
    else:
        _print_report(cli.out, report, name)


def _print_report(out: object, report: IngestReport, repo: str) -> None:
    from rich.console import Console

    assert isinstance(out, Console)
    counts = report.counts
    out.print(
        f"[green]✓[/] git {repo}: {counts.documents_new + counts.documents_seen} commit(s) read, "
        f"{counts.records_new} new record(s) ({counts.records_seen} already stored)"
    )
    if report.checkpoint is not None:
        out.print(f"  ledger size {report.ledger_size}, checkpoint signed")
    else:
        out.print(f"  ledger size {report.ledger_size}, unchanged")


def register(app: typer.Typer) -> None:
    app.command("scan-git")(scan_git_command)
