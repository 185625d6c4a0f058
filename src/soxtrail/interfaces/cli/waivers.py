"""`soxtrail waiver ...`: approved, expiring exceptions, with separation of duties."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from soxtrail.domain.errors import UsageError
from soxtrail.interfaces.cli.context import ACTOR_OPTION, FORMAT_OPTION, OutputFormat, state

app = typer.Typer(
    help="Waivers: a failed control for one subject, accepted with a reason until a date. "
    "Approved by someone other than the requester and the change's authors; all in the ledger.",
    no_args_is_help=True,
)

if TYPE_CHECKING:
    from soxtrail.services import waivers as service


def _date(text: str) -> datetime:
    try:
        day = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--expires {text!r} is not a date (YYYY-MM-DD)") from exc
    if len(text) <= 10:  # a date: the waiver applies through the whole of that day (UTC)
        return datetime.combine(day.date(), time(23, 59, 59), tzinfo=UTC)
    return day if day.tzinfo else day.replace(tzinfo=UTC)


@app.command("request")
def request(
    ctx: typer.Context,
    control: Annotated[str, typer.Option("--control", help="Control id, e.g. CM-05.")],
    subject: Annotated[
        str,
        typer.Option(
            "--subject",
            help="The subject as the control names it "
            "(e.g. acme/billing#42, acme/billing@<sha>, finding:<rule>).",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why the exception is acceptable.")],
    expires: Annotated[str, typer.Option("--expires", help="Last day it applies (YYYY-MM-DD).")],
    actor: str | None = ACTOR_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Request a waiver. It applies only once another person approves it."""
    from soxtrail.services import waivers as service

    cli = state(ctx)
    if control not in {m.id for m in cli.library().controls}:
        raise UsageError(f"no control {control!r} (see soxtrail controls list)")
    waiver = service.request_waiver(
        cli.database(),
        control_id=control,
        subject=subject,
        reason=reason,
        expires_at=_date(expires),
        requested_by=cli.actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    _show(ctx, waiver, output)


@app.command("approve")
def approve(
    ctx: typer.Context,
    waiver_id: Annotated[str, typer.Argument(metavar="ID", help="The waiver id (W-...).")],
    reason: Annotated[str, typer.Option("--reason", help="Why you approve it.")] = "",
    actor: str | None = ACTOR_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Approve a waiver. Refused (exit 2) when you requested it or authored the change."""
    _decide(ctx, waiver_id, True, reason, actor, output)


@app.command("reject")
def reject(
    ctx: typer.Context,
    waiver_id: Annotated[str, typer.Argument(metavar="ID", help="The waiver id (W-...).")],
    reason: Annotated[str, typer.Option("--reason", help="Why you reject it.")] = "",
    actor: str | None = ACTOR_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Reject a waiver request."""
    _decide(ctx, waiver_id, False, reason, actor, output)


def _decide(
    ctx: typer.Context,
    waiver_id: str,
    approve: bool,
    reason: str,
    actor: str | None,
    output: OutputFormat,
) -> None:
    from soxtrail.services import waivers as service

    cli = state(ctx)
    waiver = service.decide_waiver(
        cli.database(),
        waiver_id,
        approve=approve,
        approver=cli.actor(actor),
        reason=reason,
        identities=cli.config.identities,
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    _show(ctx, waiver, output)


@app.command("list")
def list_waivers(
    ctx: typer.Context,
    control: Annotated[str | None, typer.Option("--control", help="Only this control.")] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Every waiver with its status (requested, approved, rejected, revoked, expired)."""
    from soxtrail.services import waivers as service

    cli = state(ctx)
    now = cli.clock()
    with cli.database().read() as conn:
        waivers = service.load_waivers(conn, control_id=control)
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "waivers": [w.to_json(now) for w in waivers]})
        return
    table = Table(
        "id", "control", "subject", "status", "requested by", "approver", "expires", "reason"
    )
    for w in waivers:
        data = w.to_json(now)
        table.add_row(
            w.id,
            w.control_id,
            w.subject,
            str(data["status"]),
            w.requested_by or "",
            w.approver or "",
            str(data["expires_at"] or "")[:10],
            w.reason,
        )
    cli.out.print(table)


def _show(ctx: typer.Context, waiver: service.Waiver, output: OutputFormat) -> None:
    cli = state(ctx)
    data = waiver.to_json(cli.clock())
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "waiver": data})
        return
    cli.out.print(
        f"waiver [bold]{waiver.id}[/] {waiver.control_id} {waiver.subject}: {data['status']}"
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="waiver")
