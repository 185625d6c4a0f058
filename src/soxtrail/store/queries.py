"""Batched read queries for the services (the gate's hot path: few round trips each).

The queries a gate runs are built once per shape (`functools.cache`) with bound parameters,
lists included (expanding parameters): building a statement costs SQLAlchemy several times
what SQLite takes to answer it, and a gate runs about twenty. Each leads with the columns of
one index (see `tables.py`), so that its cost follows what it finds, not the store's size;
a filter that would tempt SQLite's planner onto a broader index (`kind`, `repo`) is applied
in Python to the handful of rows found.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Select, bindparam, or_, select

from soxtrail.domain.evidence import Evidence, StoredEvidence
from soxtrail.store.tables import ENVELOPE_KEY_COLUMNS, evidence, evidence_keys, ledger_entries

_CHUNK = 500
_COLUMNS = (evidence.c.id, evidence.c.ledger_index, evidence.c.body)


def _stored(row: object) -> StoredEvidence:
    return StoredEvidence(
        id=str(row.id),  # type: ignore[attr-defined]
        ledger_index=int(row.ledger_index),  # type: ignore[attr-defined]
        evidence=Evidence.from_json(json.loads(row.body)),  # type: ignore[attr-defined]
    )


@cache
def _by_keys_query(with_kinds: bool) -> Select[tuple[object, ...]]:
    query = (
        select(evidence_keys.c.value, evidence.c.occurred_at, *_COLUMNS)
        .join(evidence, evidence.c.id == evidence_keys.c.record_id)
        .where(
            evidence_keys.c.name == bindparam("name"),
            evidence_keys.c.value.in_(bindparam("values", expanding=True)),
        )
        .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
    )
    if with_kinds:
        query = query.where(evidence.c.kind.in_(bindparam("kinds", expanding=True)))
    return query


def by_keys(
    conn: Connection,
    name: str,
    values: Collection[str],
    kinds: Sequence[str] | None = None,
) -> dict[str, list[StoredEvidence]]:
    """Records with lookup key `name` equal to any of `values`, grouped by value, oldest first.

    A key of the envelope (`ENVELOPE_KEY_COLUMNS`: repository, commit, change request,
    environment, actor) is the record's own column, searched by its index; the same name
    given as a link (every commit a push brought) is an `evidence_keys` row. Both are read.
    """
    found: dict[str, dict[str, tuple[object, StoredEvidence]]] = defaultdict(dict)
    wanted = sorted(set(values))
    query = _by_keys_query(bool(kinds))
    column = ENVELOPE_KEY_COLUMNS.get(name)
    wanted_kinds = set(kinds or ())
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        params = {"name": name, "values": chunk, "kinds": list(kinds or ())}
        for row in conn.execute(query, params):
            found[str(row.value)][row.id] = (row.occurred_at, _stored(row))
        if column is None:
            continue
        for row in conn.execute(_by_column_query(column), {"values": chunk}):
            if (not kinds or row.kind in wanted_kinds) and row.id not in found[str(row.match)]:
                found[str(row.match)][row.id] = (row.occurred_at, _stored(row))
    return {
        value: [
            stored
            for _, stored in sorted(
                records.values(), key=lambda item: (item[0], item[1].ledger_index)
            )
        ]
        for value, records in found.items()
        if records
    }


@cache
def _by_column_query(column: str) -> Select[tuple[object, ...]]:
    # The kind is filtered in Python, not in SQL: with it in the WHERE clause SQLite's planner
    # (without ANALYZE statistics) prefers the (kind, occurred_at) index for the ORDER BY and
    # reads every record of the kind; by commit or by subject, a handful of rows match.
    match = evidence.c[column]
    return (
        select(match.label("match"), evidence.c.kind, evidence.c.occurred_at, *_COLUMNS)
        .where(match.in_(bindparam("values", expanding=True)))
        .order_by(evidence.c.occurred_at, evidence.c.ledger_index)
    )


def _by_column(
    conn: Connection, column: str, values: Collection[str], kinds: Sequence[str]
) -> dict[str, list[StoredEvidence]]:
    out: dict[str, list[StoredEvidence]] = defaultdict(list)
    wanted = sorted(set(values))
    wanted_kinds = set(kinds)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in conn.execute(_by_column_query(column), {"values": chunk}):
            if row.kind in wanted_kinds:
                out[str(row.match)].append(_stored(row))
    return dict(out)


def by_commits(
    conn: Connection, shas: Collection[str], kinds: Sequence[str]
) -> dict[str, list[StoredEvidence]]:
    """Records whose `commit` column is one of `shas` (the commit index), grouped by sha."""
    return _by_column(conn, "commit_sha", shas, kinds)


@cache
def _of_kind_query(
    *, repo: bool, environment: bool, start: bool, end: bool, limit: int | None, newest_first: bool
) -> Select[tuple[object, ...]]:
    query = select(*_COLUMNS).where(evidence.c.kind.in_(bindparam("kinds", expanding=True)))
    if repo:
        query = query.where(evidence.c.repo == bindparam("repo"))
    if environment:
        query = query.where(evidence.c.environment == bindparam("environment"))
    if start:
        query = query.where(evidence.c.occurred_at >= bindparam("start"))
    if end:
        query = query.where(evidence.c.occurred_at < bindparam("end"))
    order = (evidence.c.occurred_at, evidence.c.ledger_index)
    query = query.order_by(*(c.desc() for c in order)) if newest_first else query.order_by(*order)
    return query if limit is None else query.limit(limit)


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
        out[str(row.commit_sha)] = _stored(row)  # time order: the newest wins
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
    query = _of_kind_query(
        repo=repo is not None,
        environment=environment is not None,
        start=start is not None,
        end=end is not None,
        limit=limit,
        newest_first=newest_first,
    )
    params = {
        "kinds": list(kinds),
        "repo": repo,
        "environment": environment,
        "start": start,
        "end": end,
    }
    return [_stored(row) for row in conn.execute(query, params)]


@cache
def _commit_records_query(prefix: bool) -> Select[tuple[object, ...]]:
    sha = evidence.c.commit_sha
    # A prefix is a range of the commit index (shas are lowercase hex: `g` sorts after all).
    match = (
        (sha >= bindparam("sha")) & (sha < bindparam("end")) if prefix else sha == bindparam("sha")
    )
    return select(sha, evidence.c.kind, evidence.c.repo).where(match).order_by(sha)


def _commit_shas(conn: Connection, sha: str, repos: Sequence[str], *, prefix: bool) -> list[str]:
    # Kind and repository are filtered here, not in SQL, so that SQLite stays on the commit
    # index (with `repo IN` it reads every commit of the repository).
    rows = conn.execute(_commit_records_query(prefix), {"sha": sha, "end": sha + "g"})
    wanted = set(repos)
    return list(
        dict.fromkeys(str(r.commit_sha) for r in rows if r.kind == "commit" and r.repo in wanted)
    )


def exact_commit(conn: Connection, sha: str, repos: Sequence[str]) -> list[str]:
    """`[sha]` when a commit record of that sha exists in one of `repos`, else `[]`."""
    return _commit_shas(conn, sha, repos, prefix=False)[:1]


def commit_prefix(conn: Connection, prefix: str, repos: Sequence[str]) -> list[str]:
    """Full shas of commit records starting with `prefix` (lowercase hex) in some
    repositories: up to three, enough to tell a unique prefix from an ambiguous one."""
    return _commit_shas(conn, prefix, repos, prefix=True)[:3]


def by_subjects(
    conn: Connection, subjects: Collection[str], kinds: Sequence[str]
) -> dict[str, list[StoredEvidence]]:
    """Records whose subject is one of `subjects`, grouped by subject, oldest first."""
    return _by_column(conn, "subject", subjects, kinds)


@cache
def _deployments_query(start: bool, end: bool, newest_first: bool) -> Select[tuple[object, ...]]:
    query = select(*_COLUMNS).where(
        evidence.c.kind == "deployment",
        evidence.c.environment == bindparam("environment"),
        or_(evidence.c.repo == bindparam("repo"), evidence.c.repo.is_(None)),
    )
    if start:
        query = query.where(evidence.c.occurred_at >= bindparam("start"))
    if end:
        query = query.where(evidence.c.occurred_at < bindparam("end"))
    order = (evidence.c.occurred_at, evidence.c.ledger_index)
    return query.order_by(*(c.desc() for c in order)) if newest_first else query.order_by(*order)


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
    query = _deployments_query(start is not None, end is not None, newest_first)
    params = {"environment": environment, "repo": repo, "start": start, "end": end}
    result = conn.execution_options(yield_per=200).execute(query, params)
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
    query = _of_kind_query(
        repo=False,
        environment=environment is not None,
        start=start is not None,
        end=end is not None,
        limit=None,
        newest_first=False,
    )
    params = {"kinds": list(kinds), "environment": environment, "start": start, "end": end}
    result = conn.execution_options(yield_per=1000).execute(query, params)
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
