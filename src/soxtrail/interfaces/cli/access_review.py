"""`soxtrail access-review ...`: quarterly access review campaigns (AC-03), all in the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from soxtrail.interfaces.cli.context import ACTOR_OPTION, FORMAT_OPTION, OutputFormat, state

if TYPE_CHECKING:
    from soxtrail.domain.access_review import Campaign

app = typer.Typer(
    help="Access review campaigns: every account with access to a system, reviewed each "
    "quarter by its holder's manager (or the system's owner), decided keep, modify or revoke "
    "with a reason. Every step is an evidence record in the ledger; AC-03 checks them.",
    no_args_is_help=True,
)

CAMPAIGN_ARGUMENT = typer.Argument(metavar="ID", help="The campaign id (AR-...).")


@app.command("start")
def start(
    ctx: typer.Context,
    period: Annotated[str, typer.Option("--period", help="The quarter reviewed (YYYY-Qn).")],
    system: Annotated[str, typer.Option("--system", help="The in-scope system.")],
    actor: str | None = ACTOR_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Start a campaign: the accounts with access now, each assigned to its reviewer."""
    from soxtrail.services import access_review as service

    cli = state(ctx)
    campaign = service.start_campaign(
        cli.database(),
        cli.config,
        period=period,
        system_name=system,
        actor=cli.actor(actor),
        signer=cli.signer(),
        clock=cli.clock,
    )
    _show(ctx, campaign, output)


@app.command("list")
def list_campaigns(
    ctx: typer.Context,
    system: Annotated[str | None, typer.Option("--system", help="Only this system.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="Only this quarter.")] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Every campaign with its status and counts."""
    from soxtrail.services import access_review as service

    cli = state(ctx)
    with cli.database().read() as conn:
        campaigns = service.load_campaigns(conn, system=system, period=period)
    rows = service.summary_rows(campaigns)
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "campaigns": rows})
        return
    table = Table("id", "system", "quarter", "status", "accounts", "undecided", "revoke", "closed")
    for row in rows:
        counts = row["counts"]
        table.add_row(
            row["id"],
            row["system"],
            row["period"],
            row["status"],
            str(counts["accounts"]),
            str(counts["undecided"]),
            str(counts["revoke"]),
            str(row["closed_at"] or ""),
        )
    cli.out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    campaign_id: Annotated[str, CAMPAIGN_ARGUMENT],
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """One campaign: its accounts, reviewers, decisions and, for revocations, the snapshots
    taken since."""
    from soxtrail.services import access_review as service
    from soxtrail.services import access_review_checks as checks

    cli = state(ctx)
    with cli.database().read() as conn:
        campaign = service.get_campaign(conn, campaign_id)
        document = checks.campaign_detail(conn, cli.config, campaign, cli.clock())
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "campaign": document})
        return
    _header(ctx, document)
    for account in document["accounts"]:
        decided = account["decision"] or "undecided"
        line = (
            f"  {account['account']} ({account['person'] or 'no person'}): {decided}, "
            f"reviewer {account['reviewer']} ({account['reviewer_basis']})"
        )
        if account["decision"]:
            line += f", by {account['decided_by']} at {account['decided_at']}: {account['reason']}"
        line += _revocation(account.get("revocation"))
        cli.out.print(line, markup=False, highlight=False)


def _revocation(revocation: dict[str, Any] | None) -> str:
    if revocation is None:
        return ""
    snapshots = revocation["snapshots"]
    if not snapshots:
        return "; no snapshot since the decision"
    last = snapshots[-1]
    return f"; {'still has access' if last['has_access'] else 'access removed'} at {last['at']}"


@app.command("decide")
def decide(
    ctx: typer.Context,
    campaign_id: Annotated[str, CAMPAIGN_ARGUMENT],
    account: Annotated[
        str,
        typer.Argument(metavar="ACCOUNT", help="The account (provider:login, as `show` lists it)."),
    ],
    decision: Annotated[str, typer.Argument(metavar="keep|modify|revoke", help="The decision.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="The reviewer deciding (a person, as in [identities]); default: SOXTRAIL_ACTOR.",
            show_default=False,
        ),
    ] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Decide on one account. Refused (exit 2) for your own account or one assigned to
    another reviewer, and once the campaign is closed."""
    from soxtrail.services import access_review as service

    cli = state(ctx)
    campaign = service.decide_account(
        cli.database(),
        cli.config,
        campaign_id,
        account,
        decision=decision.strip().lower(),
        reason=reason,
        reviewer=cli.actor(by),
        signer=cli.signer(),
        clock=cli.clock,
    )
    _show(ctx, campaign, output)


@app.command("close")
def close(
    ctx: typer.Context,
    campaign_id: Annotated[str, CAMPAIGN_ARGUMENT],
    actor: str | None = ACTOR_OPTION,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Close a campaign. Refused (exit 2) while any account is undecided."""
    from soxtrail.services import access_review as service

    cli = state(ctx)
    campaign = service.close_campaign(
        cli.database(),
        cli.config,
        campaign_id,
        actor=cli.actor(actor),
        signer=cli.signer(),
        clock=cli.clock,
    )
    _show(ctx, campaign, output)


def _header(ctx: typer.Context, document: dict[str, Any]) -> None:
    counts = document["counts"]
    state(ctx).out.print(
        f"campaign [bold]{document['id']}[/] {document['system']} {document['period']}: "
        f"{document['status']}, {counts['accounts']} accounts, {counts['undecided']} undecided "
        f"(keep {counts['keep']}, modify {counts['modify']}, revoke {counts['revoke']})"
    )


def _show(ctx: typer.Context, campaign: Campaign, output: OutputFormat) -> None:
    document = campaign.to_json()
    if output is OutputFormat.json:
        state(ctx).print_json({"schema": 1, "campaign": document})
        return
    _header(ctx, document)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="access-review")
