"""Batched read queries for the services (the gate's hot path: few round trips each)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, or_, select

from soxtrail.domain.evidence import Evidence, StoredEvidence
from soxtrail.store.tables import evidence, evidence_keys, ledger_entries

_CHUNK = 500
_COLUMNS = (evidence.c.id, evidence.c.ledger_index, evidence.c.body)


def _stored(row: object) -> StoredEvidence:
    return StoredEvidence(
        id=str(row.id),  # type: ignore[attr-defined]
        ledger_index=int(row.ledger_index),  # type: ignore[attr-defined]
        evidence=Evidence.from_json(json.loads(row.body)),  # type: ignore[attr-defined]
    )


def by_keys(
    conn: Connection,
    name: str,
    values: Collection[str],
    kinds: Sequence[str] | None = None,
) -> dict[str, list[StoredEvidence]]:
    """Records with lookup key `name` equal to any of `values`, grouped by value, oldest first."""
    out: dict[str, list[StoredEvidence]] = defaultdict(list)
    wanted = sorted(set(values))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = (
            select(evidence_keys.c.value, *_COLUMNS)
            .join(evidence, evidence.c.id == evidence_keys.c.record_id)
            .where(evidence_keys.c.name == name, evidence_keys.c.value.in_(chunk))
            .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
        )
        if kinds:
            query = query.where(evidence.c.kind.in_(list(kinds)))
        for row in conn.execute(query):
            out[str(row.value)].append(_stored(row))
    return dict(out)


def by_commits(
    conn: Connection, shas: Collection[str], kinds: Sequence[str]
) -> dict[str, list[StoredEvidence]]:
    """Records whose `commit` column is one of `shas` (the commit index), grouped by sha."""
    out: dict[str, list[StoredEvidence]] = defaultdict(list)
    wanted = sorted(set(shas))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        # The kind is filtered here, not in SQL: with it in the WHERE clause SQLite's planner
        # (without ANALYZE statistics) picks the (kind, occurred_at) index and scans every
        # record of the kind; by commit, a handful of rows match.
        query = (
            select(evidence.c.commit_sha, evidence.c.kind, *_COLUMNS)
            .where(evidence.c.commit_sha.in_(chunk))
            .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
        )
        wanted_kinds = set(kinds)
        for row in conn.execute(query):
            if row.kind in wanted_kinds:
                out[str(row.commit_sha)].append(_stored(row))
    return dict(out)


def commits_of_repo(conn: Connection, repo: str) -> dict[str, StoredEvidence]:
    """The newest commit record of each commit of `repo`, by sha, in one query: what
    `by_commits` finds for each of them, restricted to the repository (a walk's preload)."""
    query = (
        select(evidence.c.commit_sha, *_COLUMNS)
        .where(evidence.c.repo == repo, evidence.c.kind == "commit")
        .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
    )
    out: dict[str, StoredEvidence] = {}
    for row in conn.execute(query):
        stored = _stored(row)
        if stored.evidence.repo == repo:
            out[str(row.commit_sha)] = stored  # time order: the newest wins
    return out


def of_kind(
    conn: Connection,
    kinds: Sequence[str],
    *,
    repo: str | None = None,
    environment: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[StoredEvidence]:
    """Records of some kinds, filtered by repo, environment and time window."""
    query = select(*_COLUMNS).where(evidence.c.kind.in_(list(kinds)))
    if repo is not None:
        query = query.where(evidence.c.repo == repo)
    if environment is not None:
        query = query.where(evidence.c.environment == environment)
    if start is not None:
        query = query.where(evidence.c.occurred_at >= start)
    if end is not None:
        query = query.where(evidence.c.occurred_at < end)
    order = (evidence.c.occurred_at, evidence.c.ledger_index)
    query = query.order_by(*(c.desc() for c in order)) if newest_first else query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return [_stored(row) for row in conn.execute(query)]


def exact_commit(conn: Connection, sha: str, repos: Sequence[str]) -> list[str]:
    """`[sha]` when a commit record of that sha exists in one of `repos`, else `[]`."""
    query = (
        select(evidence.c.commit_sha)
        .where(
            evidence.c.commit_sha == sha,
            evidence.c.kind == "commit",
            evidence.c.repo.in_(list(repos)),
        )
        .limit(1)
    )
    return [str(s) for s in conn.execute(query).scalars()]


def commit_prefix(conn: Connection, prefix: str, repos: Sequence[str]) -> list[str]:
    """Full shas of commit records starting with `prefix` in some repositories."""
    query = (
        select(evidence.c.commit_sha)
        .where(
            evidence.c.kind == "commit",
            evidence.c.commit_sha.startswith(prefix),
            evidence.c.repo.in_(list(repos)),
        )
        .distinct()
        .limit(3)
    )
    return [str(sha) for sha in conn.execute(query).scalars()]


def by_subjects(
    conn: Connection, subjects: Collection[str], kinds: Sequence[str]
) -> dict[str, list[StoredEvidence]]:
    """Records whose subject is one of `subjects`, grouped by subject, oldest first."""
    out: dict[str, list[StoredEvidence]] = defaultdict(list)
    wanted = sorted(set(subjects))
    wanted_kinds = set(kinds)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        # The kind is filtered in Python, as in `by_commits`: with it in SQL, SQLite's planner
        # picks the (kind, occurred_at) index and reads every record of the kind (every
        # ticket of the year for one ticket key).
        query = (
            select(evidence.c.subject, evidence.c.kind, *_COLUMNS)
            .where(evidence.c.subject.in_(chunk))
            .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
        )
        for row in conn.execute(query):
            if row.kind in wanted_kinds:
                out[str(row.subject)].append(_stored(row))
    return dict(out)


def iter_deployments(
    conn: Connection,
    environment: str,
    repo: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    newest_first: bool = False,
) -> Iterator[StoredEvidence]:
    """Deployment records of `repo` (or of no repository) to `environment`, streamed in time
    order, so that a caller looking for the first match reads a few rows, not the year."""
    query = select(*_COLUMNS).where(
        evidence.c.kind == "deployment",
        evidence.c.environment == environment,
        or_(evidence.c.repo == repo, evidence.c.repo.is_(None)),
    )
    if start is not None:
        query = query.where(evidence.c.occurred_at >= start)
    if end is not None:
        query = query.where(evidence.c.occurred_at < end)
    order = (evidence.c.occurred_at, evidence.c.ledger_index)
    query = query.order_by(*(c.desc() for c in order)) if newest_first else query.order_by(*order)
    result = conn.execution_options(yield_per=200).execute(query)
    try:
        for row in result:
            yield _stored(row)
    finally:
        result.close()


def ledger_indexes(conn: Connection, ids: Collection[str]) -> dict[str, int]:
    """The ledger index of each evidence record among `ids` (unknown ids are left out)."""
    out: dict[str, int] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = conn.execute(
            select(evidence.c.id, evidence.c.ledger_index).where(evidence.c.id.in_(chunk))
        )
        out.update({str(row.id): int(row.ledger_index) for row in rows})
    return out


def stream_of_kind(
    conn: Connection,
    kinds: Sequence[str],
    *,
    environment: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[StoredEvidence]:
    """`of_kind`, streamed in time order (for reports over a whole period)."""
    query = select(*_COLUMNS).where(evidence.c.kind.in_(list(kinds)))
    if environment is not None:
        query = query.where(evidence.c.environment == environment)
    if start is not None:
        query = query.where(evidence.c.occurred_at >= start)
    if end is not None:
        query = query.where(evidence.c.occurred_at < end)
    query = query.order_by(evidence.c.occurred_at, evidence.c.ledger_index)
    result = conn.execution_options(yield_per=1000).execute(query)
    try:
        for row in result:
            yield _stored(row)
    finally:
        result.close()


def by_ids(conn: Connection, ids: Collection[str]) -> dict[str, StoredEvidence]:
    """Records by id (unknown ids are left out)."""
    out: dict[str, StoredEvidence] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in conn.execute(select(*_COLUMNS).where(evidence.c.id.in_(chunk))):
            stored = _stored(row)
            out[stored.id] = stored
    return out


def record_rows(conn: Connection, ids: Collection[str]) -> Iterator[tuple[str, int, str, str]]:
    """(id, ledger index, canonical body, raw document sha256) of records, in id order, as
    stored: the bytes an auditor's bundle carries."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        query = (
            select(evidence.c.id, evidence.c.ledger_index, evidence.c.body, evidence.c.raw_sha256)
            .where(evidence.c.id.in_(chunk))
            .order_by(evidence.c.id)
        )
        for row in conn.execute(query):
            yield str(row.id), int(row.ledger_index), str(row.body), str(row.raw_sha256)


def ledger_entries_at(conn: Connection, indexes: Collection[int]) -> dict[int, str]:
    """The canonical JSON of the ledger entries at `indexes` (in chunks)."""
    out: dict[int, str] = {}
    wanted = sorted(set(indexes))
    for start in range(0, len(wanted), _CHUNK):
        rows = conn.execute(
            select(ledger_entries.c.idx, ledger_entries.c.entry).where(
                ledger_entries.c.idx.in_(wanted[start : start + _CHUNK])
            )
        )
        out.update({int(idx): str(entry) for idx, entry in rows})
    return out
