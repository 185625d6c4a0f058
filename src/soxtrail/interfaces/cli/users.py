"""`soxtrail users ...`: people who use the server and dashboard, and their API tokens."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import UTC, datetime, time, timedelta
from typing import Annotated

import typer
from rich.table import Table

from soxtrail.domain.errors import UsageError
from soxtrail.interfaces.cli.context import FORMAT_OPTION, CliState, OutputFormat, state

app = typer.Typer(
    help="Users of the server and dashboard (roles: admin, compliance, approver, engineer, "
    "auditor, ci) and their API tokens. Every change is an admin entry in the ledger.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="API tokens: hashed, shown once, scoped to a role, expiring.")
app.add_typer(token_app, name="token")

ACTOR = typer.Option(
    None,
    "--actor",
    help="Who does this (recorded in the ledger); default SOXTRAIL_ACTOR, else cli:<login>.",
    show_default=False,
)


def _actor(given: str | None) -> str:
    if given or os.environ.get("SOXTRAIL_ACTOR"):
        return given or os.environ["SOXTRAIL_ACTOR"]
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def _password(from_stdin: bool, prompt: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if prompt:
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise UsageError("the passwords differ")
        return first
    return None


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person, as in [identities] (an email).")],
    role: Annotated[
        str, typer.Option("--role", help="admin, compliance, approver, engineer, auditor or ci.")
    ],
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a local password from stdin.")
    ] = False,
    password_prompt: Annotated[
        bool, typer.Option("--password", help="Prompt for a local password.")
    ] = False,
    actor: str | None = ACTOR,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Add a user. Without a password they sign in by SSO only."""
    from soxtrail.services import users as service

    cli = state(ctx)
    user = service.add_user(
        cli.database(),
        name=name,
        role=role,
        display_name=display_name,
        password=_password(password_stdin, password_prompt),
        actor=_actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "user": service.user_to_json(user)})
    else:
        cli.out.print(f"[green]✓[/] user {user.name} ({user.role}) added")


@app.command("list")
def list_users(ctx: typer.Context, output: OutputFormat = FORMAT_OPTION) -> None:
    """Every user with role, status and whether they have a local password."""
    from soxtrail.services import users as service
    from soxtrail.store import users as store

    cli = state(ctx)
    with cli.database().read() as conn:
        users = store.all_users(conn)
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "users": [service.user_to_json(u) for u in users]})
        return
    table = Table("name", "display name", "role", "active", "password", "added by")
    for u in users:
        table.add_row(
            u.name,
            u.display_name,
            u.role,
            "yes" if u.active else "[red]no[/]",
            "yes" if u.password_hash else "no",
            u.created_by,
        )
    cli.out.print(table)


@app.command("disable")
def disable(
    ctx: typer.Context, name: Annotated[str, typer.Argument()], actor: str | None = ACTOR
) -> None:
    """Disable a user: their sessions and tokens stop working at once."""
    from soxtrail.services import users as service

    cli = state(ctx)
    service.set_active(
        cli.database(),
        name,
        False,
        actor=_actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    cli.out.print(f"[green]✓[/] user {name} disabled")


@app.command("enable")
def enable(
    ctx: typer.Context, name: Annotated[str, typer.Argument()], actor: str | None = ACTOR
) -> None:
    """Enable a disabled user again."""
    from soxtrail.services import users as service

    cli = state(ctx)
    service.set_active(
        cli.database(),
        name,
        True,
        actor=_actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    cli.out.print(f"[green]✓[/] user {name} enabled")


@app.command("password")
def password(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument()],
    stdin: Annotated[bool, typer.Option("--stdin", help="Read it from stdin.")] = False,
    actor: str | None = ACTOR,
) -> None:
    """Set a user's local password (prompted, or from stdin)."""
    from soxtrail.services import users as service

    cli = state(ctx)
    secret = _password(stdin, not stdin)
    assert secret is not None
    service.set_password(
        cli.database(),
        name,
        secret,
        actor=_actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    cli.out.print(f"[green]✓[/] password of {name} set")


def _expiry(cli: CliState, days: int | None, date: str | None) -> datetime:
    if date:
        try:
            day = datetime.fromisoformat(date)
        except ValueError as exc:
            raise UsageError(f"--expires {date!r} is not a date (YYYY-MM-DD)") from exc
        if len(date) <= 10:
            return datetime.combine(day.date(), time(23, 59, 59), tzinfo=UTC)
        return day if day.tzinfo else day.replace(tzinfo=UTC)
    return cli.clock() + timedelta(days=days or 90)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
    role: Annotated[
        str | None, typer.Option("--role", help="The token's role (default: the user's).")
    ] = None,
    label: Annotated[str, typer.Option("--label", help="What it is for.")] = "",
    expires_in: Annotated[
        int | None, typer.Option("--expires-in", min=1, max=3660, help="Days (default 90).")
    ] = None,
    expires: Annotated[str | None, typer.Option("--expires", help="Last day (YYYY-MM-DD).")] = None,
    actor: str | None = ACTOR,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Mint an API token. The secret is printed once and never stored (only its SHA-256)."""
    from soxtrail.services import users as service

    cli = state(ctx)
    minted = service.create_token(
        cli.database(),
        user=name,
        role=role,
        label=label,
        expires_at=_expiry(cli, expires_in, expires),
        actor=_actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    data = service.token_to_json(minted.token, cli.clock())
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "token": data, "secret": minted.secret})
        return
    cli.err.print(
        f"[green]✓[/] token {data['id']} for {data['user']} ({data['role']}), "
        f"expires {str(data['expires_at'])[:10]}; the secret is shown once:"
    )
    sys.stdout.write(minted.secret + "\n")


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="tok_...")],
    actor: str | None = ACTOR,
) -> None:
    """Revoke a token at once."""
    from soxtrail.services import users as service

    cli = state(ctx)
    service.revoke_token(
        cli.database(),
        token_id,
        actor=_actor(actor),
        signer=cli.signer(),
        origin=cli.config.origin,
        clock=cli.clock,
    )
    cli.out.print(f"[green]✓[/] token {token_id} revoked")


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    output: OutputFormat = FORMAT_OPTION,
) -> None:
    """Tokens with their role, expiry and status (never their secret)."""
    from soxtrail.services import users as service
    from soxtrail.store import users as store

    cli = state(ctx)
    now = cli.clock()
    with cli.database().read() as conn:
        user = store.find_user(conn, name.lower()) if name else None
        if name and user is None:
            raise UsageError(f"no user {name!r}")
        rows = store.tokens(conn, [user.id] if user else None)
    data = [service.token_to_json(t, now) for t in rows]
    if output is OutputFormat.json:
        cli.print_json({"schema": 1, "tokens": data})
        return
    table = Table("id", "user", "role", "label", "expires", "status")
    for t in data:
        table.add_row(
            str(t["id"]),
            str(t["user"]),
            str(t["role"]),
            str(t["label"]),
            str(t["expires_at"])[:10],
            str(t["status"]),
        )
    cli.out.print(table)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="users")
