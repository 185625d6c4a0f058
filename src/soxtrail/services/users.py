"""Users, passwords and API tokens of soxtrail's own interfaces.

Every change (a user added or disabled, a password set, a token minted or revoked) is an
admin entry in the ledger with who did it, written in the same transaction as the change.
Secrets are never stored: passwords as Argon2id hashes, API tokens as the SHA-256 of a
256-bit random secret that is shown once, when the token is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from soxtrail.domain.errors import NotFoundError, UsageError, UserError
from soxtrail.domain.instants import format_instant
from soxtrail.domain.roles import Role, may_delegate, parse_role
from soxtrail.ledger.note import NoteSigner
from soxtrail.services.admin import admin_transaction
from soxtrail.services.clock import Clock
from soxtrail.store import users as store
from soxtrail.store.database import Database

TOKEN_PREFIX = "sxt_"  # noqa: S105 - a prefix that marks tokens, not a token
_NAME = re.compile(r"^[^\s/]{1,320}$")
_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so that timing does not tell who exists."""
    return _HASHER.hash("soxtrail: no such user")


class AuthenticationError(UserError):
    """Credentials are missing, wrong, expired or revoked (HTTP 401)."""

    code = "unauthenticated"


class AlreadyExistsError(UsageError):
    """A user of that name exists already (HTTP 409)."""

    code = "conflict"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and with which role (a token's role, or the user's own)."""

    user_id: int
    name: str
    display_name: str
    role: Role
    via: str
    token_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "user": self.name,
            "display_name": self.display_name,
            "role": self.role.value,
            "via": self.via,
            "token": self.token_id,
        }


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly minted token: `secret` is shown once and never stored."""

    token: store.TokenRow
    secret: str


def token_to_json(token: store.TokenRow, now: datetime) -> dict[str, Any]:
    status = "revoked" if token.revoked_at else ("expired" if token.expires_at <= now else "active")
    return {
        "id": token.id,
        "user": token.user_name,
        "role": token.role,
        "label": token.label,
        "created_at": format_instant(token.created_at),
        "created_by": token.created_by,
        "expires_at": format_instant(token.expires_at),
        "revoked_at": format_instant(token.revoked_at) if token.revoked_at else None,
        "revoked_by": token.revoked_by,
        "status": status,
    }


def user_to_json(user: store.UserRow) -> dict[str, Any]:
    return {
        "name": user.name,
        "display_name": user.display_name,
        "role": user.role,
        "active": user.active,
        "password": user.password_hash is not None,
        "created_at": format_instant(user.created_at),
        "created_by": user.created_by,
    }


def _role(text: str) -> Role:
    try:
        return parse_role(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def add_user(
    db: Database,
    *,
    name: str,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
    actor: str,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> store.UserRow:
    """Add a user (the name is the person, as in `[identities]`, e.g. an email address).

    Raises:
        UsageError: a bad name, role or password.
        AlreadyExistsError: the user exists.
    """
    name = name.strip().lower()
    if not _NAME.match(name):
        raise UsageError(f"{name!r} is not a user name (a login or email, no spaces)")
    chosen = _role(role)
    if password is not None and len(password) < 12:
        raise UsageError("a password needs at least 12 characters")
    hashed = _HASHER.hash(password) if password is not None else None
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        if store.find_user(tx.conn, name) is not None:
            raise AlreadyExistsError(f"user {name!r} exists already")
        store.insert_user(
            tx.conn,
            name=name,
            display_name=display_name or name,
            role=chosen.value,
            password_hash=hashed,
            now=tx.now,
            created_by=actor,
        )
        tx.record("user.add", {"user": name, "role": chosen.value, "password": hashed is not None})
        user = store.find_user(tx.conn, name)
    assert user is not None
    return user


def set_password(
    db: Database,
    name: str,
    password: str,
    *,
    actor: str,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> None:
    """Set (or replace) a user's local password."""
    if len(password) < 12:
        raise UsageError("a password needs at least 12 characters")
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        user = _existing(tx.conn, name)
        store.update_user(tx.conn, user.id, tx.now, password_hash=_HASHER.hash(password))
        tx.record("user.password", {"user": user.name})


def set_active(
    db: Database,
    name: str,
    active: bool,
    *,
    actor: str,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> None:
    """Enable or disable a user; a disabled user's sessions and tokens stop working."""
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        user = _existing(tx.conn, name)
        store.update_user(tx.conn, user.id, tx.now, active=active)
        tx.record("user.enable" if active else "user.disable", {"user": user.name})


def _existing(conn: Any, name: str) -> store.UserRow:
    user = store.find_user(conn, name.strip().lower())
    if user is None:
        raise NotFoundError(f"no user {name!r} (see soxtrail users list)")
    return user


def create_token(
    db: Database,
    *,
    user: str,
    role: str | None,
    label: str,
    expires_at: datetime,
    actor: str,
    actor_role: Role | None = None,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
) -> NewToken:
    """Mint an API token for `user`, scoped to `role` (default: the user's role).

    The token's role must not exceed the user's, nor (when given) the actor's.

    Raises:
        UsageError: bad role, expiry in the past, or a role the user or actor may not give.
        NotFoundError: no such user.
    """
    now = clock()
    if expires_at <= now:
        raise UsageError("a token must expire in the future")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = "tok_" + secrets.token_hex(6)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        owner = _existing(tx.conn, user)
        if not owner.active:
            raise UsageError(f"user {owner.name} is disabled")
        held = Role(owner.role)
        chosen = _role(role) if role else held
        if not may_delegate(held, chosen):
            raise UsageError(f"a {held} user cannot hold a {chosen} token")
        if actor_role is not None and not may_delegate(actor_role, chosen):
            raise UsageError(f"a {actor_role} cannot mint a {chosen} token")
        store.insert_token(
            tx.conn,
            token_id=token_id,
            user_id=owner.id,
            role=chosen.value,
            label=label or token_id,
            token_sha256=digest,
            now=tx.now,
            created_by=actor,
            expires_at=expires_at,
        )
        tx.record(
            "token.create",
            {
                "token": token_id,
                "user": owner.name,
                "role": chosen.value,
                "label": label or token_id,
                "expires_at": format_instant(expires_at),
                "token_sha256": digest,
            },
        )
        row = store.token_by_id(tx.conn, token_id)
    assert row is not None
    return NewToken(row, secret)


def revoke_token(
    db: Database, token_id: str, *, actor: str, signer: NoteSigner, origin: str, clock: Clock
) -> store.TokenRow:
    """Revoke a token at once (idempotent: revoking a revoked token changes nothing).

    Raises:
        NotFoundError: no such token.
    """
    with admin_transaction(db, actor=actor, signer=signer, origin=origin, clock=clock) as tx:
        token = store.token_by_id(tx.conn, token_id)
        if token is None:
            raise NotFoundError(f"no token {token_id!r}")
        if token.revoked_at is None:
            store.revoke(tx.conn, token_id, tx.now, actor)
            tx.record("token.revoke", {"token": token_id, "user": token.user_name})
        row = store.token_by_id(tx.conn, token_id)
    assert row is not None
    return row


def authenticate_token(db: Database, secret: str, now: datetime) -> Principal:
    """The principal a bearer token stands for.

    Raises:
        AuthenticationError: unknown, expired or revoked token, or a disabled user.
    """
    if not secret.startswith(TOKEN_PREFIX):
        raise AuthenticationError("not a soxtrail API token")
    digest = hashlib.sha256(secret.encode()).hexdigest()
    with db.read() as conn:
        token = store.token_by_hash(conn, digest)
        user = store.user_by_id(conn, token.user_id) if token else None
    if token is None or user is None:
        raise AuthenticationError("unknown API token")
    if token.revoked_at is not None:
        raise AuthenticationError(f"API token {token.id} was revoked")
    if token.expires_at <= now:
        raise AuthenticationError(f"API token {token.id} expired")
    if not user.active:
        raise AuthenticationError(f"user {user.name} is disabled")
    return Principal(user.id, user.name, user.display_name, Role(token.role), "token", token.id)


def authenticate_password(db: Database, name: str, password: str) -> Principal:
    """The principal of a local user name and password (Argon2id).

    Raises:
        AuthenticationError: unknown user, no local password, wrong password or disabled.
    """
    with db.read() as conn:
        user = store.find_user(conn, name.strip().lower())
    stored = user.password_hash if user is not None else None
    try:
        _HASHER.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError) as exc:
        raise AuthenticationError("wrong user name or password") from exc
    if user is None or stored is None:
        raise AuthenticationError("wrong user name or password")
    if not user.active:
        raise AuthenticationError(f"user {user.name} is disabled")
    return Principal(user.id, user.name, user.display_name, Role(user.role), "password")


def principal_of_user(db: Database, user_id: int) -> Principal | None:
    """The principal of a signed-in session's user, or None when gone or disabled."""
    with db.read() as conn:
        user = store.user_by_id(conn, user_id)
    if user is None or not user.active:
        return None
    return Principal(user.id, user.name, user.display_name, Role(user.role), "session")


def principal_of_name(db: Database, name: str, via: str) -> Principal | None:
    """The principal of an active user called `name` (SSO sign-in), or None."""
    with db.read() as conn:
        user = store.find_user(conn, name.strip().lower())
    if user is None or not user.active:
        return None
    return Principal(user.id, user.name, user.display_name, Role(user.role), via)
