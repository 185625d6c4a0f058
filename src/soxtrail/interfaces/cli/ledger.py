"""`soxtrail ledger ...`: the tamper-evident evidence log."""

from __future__ import annotations

from typing import Annotated

import typer

from soxtrail.domain.errors import TamperError
from soxtrail.interfaces.cli.context import FORMAT_OPTION, OutputFormat, state

app = typer.Typer(
    help="The tamper-evident ledger: an RFC 9162 Merkle tree over every document, record, "
    "decision and administrative action, with signed C2SP checkpoints.",
    no_args_is_help=True,
)


@app.command("status")
def status(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """Size, root hash and latest signed checkpoint of the ledger."""
    from soxtrail.services import ledger as ledger_service

    cli = state(ctx)
    report = ledger_service.status(cli.database(), cli.signer(), cli.config.origin)
    if output is OutputFormat.json:
        cli.print_json(report.to_json())
        return
    cli.out.print(f"origin      {report.origin}")
    cli.out.print(f"size        {report.size}")
    cli.out.print(f"root        {report.root.hex()}")
    cp = report.checkpoint
    if cp is None:
        cli.out.print("checkpoint  none yet (run `soxtrail ledger checkpoint`)")
    else:
        cli.out.print(f"checkpoint  size {cp.tree_size}, signed {cp.created_at:%Y-%m-%d %H:%M:%S}Z")
        cli.out.print(cp.note, highlight=False, markup=False)


@app.command("checkpoint")
def checkpoint(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option(help="Sign a new checkpoint even if the tree did not grow.")
    ] = False,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Sign a checkpoint of the current tree with the ledger key. All checkpoints are kept:
    hand them to auditors or witnesses so that a later rewrite of history is detectable."""
    from soxtrail.services import ledger as ledger_service

    cli = state(ctx)
    cp = ledger_service.checkpoint(
        cli.database(), cli.signer(), cli.config.origin, cli.clock, force=force
    )
    if output is OutputFormat.json:
        cli.print_json(
            {"schema": 1, "size": cp.tree_size, "root": cp.root.hex(), "checkpoint": cp.note}
        )
        return
    cli.out.print(cp.note, highlight=False, markup=False, end="")


@app.command("prove")
def prove(
    ctx: typer.Context,
    ident: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="An evidence record id (or a prefix of 8+ hex digits), a raw document "
            "sha256, or a ledger index.",
        ),
    ],
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The inclusion proof of one entry: its leaf index, the audit path and the signed
    checkpoint whose root it leads to. Verifiable offline with `soxtrail.ledger`."""
    from soxtrail.services import ledger as ledger_service

    cli = state(ctx)
    document = ledger_service.prove(cli.database(), ident)
    if output is OutputFormat.json:
        cli.print_json(document)
        return
    cli.out.print(f"entry       {document['index']}  {document['entry']}", markup=False)
    cli.out.print(f"leaf hash   {document['leaf_hash']}")
    cli.out.print(f"tree size   {document['tree_size']}")
    cli.out.print(f"root        {document['root']}")
    cli.out.print(f"proof       {len(document['proof'])} hashes")
    for node in document["proof"]:
        cli.out.print(f"  {node}")
    cli.out.print(document["checkpoint"], highlight=False, markup=False, end="")


@app.command("consistency")
def consistency(
    ctx: typer.Context,
    old: Annotated[int, typer.Argument(metavar="OLD_SIZE", help="The older tree size.")],
    new: Annotated[
        int | None,
        typer.Argument(metavar="NEW_SIZE", help="The newer tree size (default: current)."),
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """The consistency proof that the tree of OLD_SIZE entries is a prefix of the tree of
    NEW_SIZE entries: nothing before OLD_SIZE was changed, dropped or reordered."""
    from soxtrail.services import ledger as ledger_service

    cli = state(ctx)
    document = ledger_service.consistency(cli.database(), old, new)
    if output is OutputFormat.json:
        cli.print_json(document)
        return
    cli.out.print(f"old  size {document['old_size']}  root {document['old_root']}")
    cli.out.print(f"new  size {document['new_size']}  root {document['new_root']}")
    cli.out.print(f"proof {len(document['proof'])} hashes")
    for node in document["proof"]:
        cli.out.print(f"  {node}")


@app.command("verify")
def verify(
    ctx: typer.Context,
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="Verifier key (name+hash+key) to check checkpoints with, instead of the "
            "workspace's own key. Repeatable.",
        ),
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Recompute every leaf and stored subtree from the stored entries, bind every entry to
    its row, and check every checkpoint's signature and root. Exit 1 on any mismatch,
    naming the first bad index and what is wrong."""
    from soxtrail.interfaces.cli.progress import RichProgress
    from soxtrail.ledger.note import NoteVerifier
    from soxtrail.services import ledger as ledger_service

    cli = state(ctx)
    verifiers = [NoteVerifier.from_key(k) for k in key] if key else [cli.signer().verifier()]
    with RichProgress(cli.err, unit="items") as progress:
        report = ledger_service.verify(cli.database(), verifiers, cli.config.origin, progress)
    first = report.first()
    if output is OutputFormat.json:
        cli.print_json(
            {
                "schema": 1,
                "ok": report.ok,
                "size": report.size,
                "root": report.root.hex(),
                "checkpoints": report.checkpoints,
                "entries": dict(sorted(report.entries_by_type.items())),
                "first_problem": None
                if first is None
                else {"index": first.index, "problem": first.what},
                "problems": [{"index": p.index, "problem": p.what} for p in report.problems],
            }
        )
    elif report.ok:
        cli.out.print(
            f"[green]✓[/] ledger verified: {report.size} entries, {report.checkpoints} "
            f"checkpoint(s), root {report.root.hex()}"
        )
    if not report.ok:
        assert first is not None
        raise TamperError(
            f"ledger verification failed: {first}"
            + (
                f" (and {len(report.problems) - 1} more problem(s))"
                if len(report.problems) > 1
                else ""
            )
        )


@app.command("export-key")
def export_key(ctx: typer.Context) -> None:
    """Print the public verifier key (name+keyhash+base64key, C2SP signed-note format).
    Give it to auditors and witnesses; it verifies checkpoints and evidence packs."""
    cli = state(ctx)
    typer.echo(cli.signer().verifier_key())


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="ledger")
