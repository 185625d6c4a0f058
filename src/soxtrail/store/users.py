"""Users and API tokens: rows of soxtrail's own access (no evidence here).

These tables hold the current state; the history of every change (who added whom with which
role, which token was minted or revoked, by whom, when) is in the ledger as admin entries,
written in the same transaction as the change (`soxtrail.services.users`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from soxtrail.store.tables import api_tokens, users


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    name: str
    display_name: str
    role: str
    password_hash: str | None
    active: bool
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: str
    user_id: int
    user_name: str
    role: str
    label: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None


def _user(row: Any) -> UserRow:
    return UserRow(
        id=int(row.id),
        name=str(row.name),
        display_name=str(row.display_name),
        role=str(row.role),
        password_hash=row.password_hash,
        active=bool(row.active),
        created_at=row.created_at,
        created_by=str(row.created_by),
    )


def _token(row: Any) -> TokenRow:
    return TokenRow(
        id=str(row.id),
        user_id=int(row.user_id),
        user_name=str(row.name),
        role=str(row.role),
        label=str(row.label),
        created_at=row.created_at,
        created_by=str(row.created_by),
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def find_user(conn: Connection, name: str) -> UserRow | None:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    return None if row is None else _user(row)


def user_by_id(conn: Connection, user_id: int) -> UserRow | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _user(row)


def all_users(conn: Connection) -> list[UserRow]:
    return [_user(row) for row in conn.execute(select(users).order_by(users.c.name))]


def insert_user(
    conn: Connection,
    *,
    name: str,
    display_name: str,
    role: str,
    password_hash: str | None,
    now: datetime,
    created_by: str,
) -> int:
    new_id = conn.execute(
        insert(users)
        .values(
            name=name,
            display_name=display_name,
            role=role,
            password_hash=password_hash,
            active=True,
            created_at=now,
            created_by=created_by,
            updated_at=now,
        )
        .returning(users.c.id)
    ).scalar_one()
    return int(new_id)


def update_user(conn: Connection, user_id: int, now: datetime, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(updated_at=now, **values))


_TOKEN_COLUMNS = (
    api_tokens.c.id,
    api_tokens.c.user_id,
    users.c.name,
    api_tokens.c.role,
    api_tokens.c.label,
    api_tokens.c.created_at,
    api_tokens.c.created_by,
    api_tokens.c.expires_at,
    api_tokens.c.revoked_at,
    api_tokens.c.revoked_by,
)


def insert_token(
    conn: Connection,
    *,
    token_id: str,
    user_id: int,
    role: str,
    label: str,
    token_sha256: str,
    now: datetime,
    created_by: str,
    expires_at: datetime,
) -> None:
    conn.execute(
        insert(api_tokens).values(
            id=token_id,
            user_id=user_id,
            role=role,
            label=label,
            token_sha256=token_sha256,
            created_at=now,
            created_by=created_by,
            expires_at=expires_at,
        )
    )


def token_by_hash(conn: Connection, token_sha256: str) -> TokenRow | None:
    row = conn.execute(
        select(*_TOKEN_COLUMNS)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_sha256 == token_sha256)
    ).first()
    return None if row is None else _token(row)


def token_by_id(conn: Connection, token_id: str) -> TokenRow | None:
    row = conn.execute(
        select(*_TOKEN_COLUMNS)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.id == token_id)
    ).first()
    return None if row is None else _token(row)


def tokens(conn: Connection, user_ids: Sequence[int] | None = None) -> list[TokenRow]:
    query = select(*_TOKEN_COLUMNS).join(users, users.c.id == api_tokens.c.user_id)
    if user_ids is not None:
        query = query.where(api_tokens.c.user_id.in_(list(user_ids)))
    return [_token(row) for row in conn.execute(query.order_by(api_tokens.c.created_at))]


def revoke(conn: Connection, token_id: str, now: datetime, by: str) -> None:
    conn.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now, revoked_by=by)
    )
