"""Stored period evaluations: one ledgered run per (period, system), with its results.

A run's header holds the SHA-256 of all its results (in a canonical order), and the run's id
is the SHA-256 of its header; one ledger entry binds the id. So changing, adding or removing
any stored result changes the digest, and `ledger verify` names the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, String, func, insert, select, type_coerce

from soxtrail.domain.instants import format_instant
from soxtrail.domain.results import ControlResult, Result
from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.entries import content_id, record_entry
from soxtrail.ledger.errors import FormatError
from soxtrail.store.ledger import LedgerWriter
from soxtrail.store.tables import control_results, control_runs

_CHUNK = 2000


@dataclass(frozen=True)
class StoredResult:
    """A stored result. `waivers` are all the waivers that waived it (a CM-05 or CM-11
    result can rest on several finding waivers); `waiver` is the first of them."""

    control_id: str
    subject: str
    result: Result
    occurred_at: datetime | None
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]
    waiver: str | None
    waivers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "control": self.control_id,
            "subject": self.subject,
            "result": self.result.value,
            "occurred_at": format_instant(self.occurred_at) if self.occurred_at else None,
            "reasons": list(self.reasons),
            "evidence": list(self.evidence),
            "waiver": self.waiver,
            "waivers": list(self.waivers),
        }


def result_body(result: ControlResult) -> str:
    """`{evidence, reasons, waiver}`, and `waivers` (every waiver's id) on a waived result.

    Rows stored before `waivers` existed have none: they read as `[waiver]` (a result then
    kept its first waiver only). Other results' bodies are as they always were.
    """
    body: dict[str, Any] = {
        "reasons": list(result.reasons),
        "evidence": list(result.evidence),
        "waiver": result.waiver,
    }
    if result.result is Result.WAIVED and (result.waived_by or result.waiver):
        body["waivers"] = list(result.waived_by or (result.waiver,))
    return canonical_json(body).decode("utf-8")


def body_waivers(body: dict[str, Any]) -> tuple[str, ...]:
    """The waivers of a stored result's body (of any version: see `result_body`)."""
    waivers = body.get("waivers")
    if isinstance(waivers, list):
        return tuple(str(w) for w in waivers)
    waiver = body.get("waiver")
    return (waiver,) if isinstance(waiver, str) else ()


#: `json.JSONEncoder(ensure_ascii=False).encode` of a string, without its dispatch on type.
_STRING = json.encoder.encode_basestring


def _line(control_id: str, subject: str, result: str, occurred_at: str | None, body: str) -> bytes:
    """The canonical JSON (RFC 8785) of one result line, built directly: its members are
    strings (or null) under fixed ASCII keys, so the sorted concatenation of standard library
    string encodings is exactly `canonical_json` of the object, at a fraction of the cost
    (a report writes hundreds of thousands; `tests/store/test_control_runs.py` pins it)."""
    occurred = "null" if occurred_at is None else _STRING(occurred_at)
    text = (
        f'{{"body":{_STRING(body)},"control":{_STRING(control_id)},"occurred_at":{occurred},'
        f'"result":{_STRING(result)},"subject":{_STRING(subject)}}}'
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("string contains a lone surrogate, which is not valid Unicode") from exc


class RunRows(Protocol):
    """A run's results, readable more than once, as `control_results` rows without the run
    id (`control_id`, `subject`, `result`, `occurred_at`, `body`), in the run's order: by
    control, then subject."""

    def rows(self) -> Iterator[dict[str, Any]]: ...

    def counts(self) -> dict[str, int]: ...


class _ListedRows:
    """Results held in memory (a run written without evaluating, tests)."""

    def __init__(self, results: Sequence[tuple[ControlResult, datetime | None]]) -> None:
        self._rows: list[dict[str, Any]] = [
            {
                "control_id": result.control_id,
                "subject": result.subject[:400],
                "result": result.result.value,
                "occurred_at": occurred_at,
                "body": result_body(result),
            }
            for result, occurred_at in sorted(
                results, key=lambda r: (r[0].control_id, r[0].subject)
            )
        ]

    def rows(self) -> Iterator[dict[str, Any]]:
        return iter(self._rows)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self._rows:
            counts[row["result"]] = counts.get(row["result"], 0) + 1
        return counts


def write_run(
    conn: Connection,
    ledger: LedgerWriter,
    *,
    period: str,
    system: str,
    period_start: datetime,
    period_end: datetime,
    policy_digest: str,
    engine: str,
    evaluated_at: datetime,
    results: Sequence[tuple[ControlResult, datetime | None]],
) -> str:
    """Store a run and its results with one ledger entry; returns the run id."""
    return write_run_rows(
        conn,
        ledger,
        period=period,
        system=system,
        period_start=period_start,
        period_end=period_end,
        policy_digest=policy_digest,
        engine=engine,
        evaluated_at=evaluated_at,
        results=_ListedRows(results),
    )


def write_run_rows(
    conn: Connection,
    ledger: LedgerWriter,
    *,
    period: str,
    system: str,
    period_start: datetime,
    period_end: datetime,
    policy_digest: str,
    engine: str,
    evaluated_at: datetime,
    results: RunRows,
) -> str:
    """Store a run and its results with one ledger entry; returns the run id.

    The results are read twice, a chunk at a time: for the results digest (which the run id
    depends on), then to insert them. Nothing else of them is held.
    """
    digest = hashlib.sha256()
    size = 0
    for r in results.rows():
        occurred = r["occurred_at"]
        line = _line(
            r["control_id"],
            r["subject"],
            r["result"],
            format_instant(occurred) if occurred else None,
            r["body"],
        )
        digest.update(line + b"\n")
        size += 1
    header = {
        "v": 1,
        "type": "control_run",
        "period": period,
        "system": system,
        "period_start": format_instant(period_start),
        "period_end": format_instant(period_end),
        "policy_digest": policy_digest,
        "engine": engine,
        "evaluated_at": format_instant(evaluated_at),
        "results": size,
        "counts": results.counts(),
        "results_sha256": digest.hexdigest(),
    }
    text = canonical_json(header)
    run_id = content_id(text)
    exists = conn.execute(select(control_runs.c.id).where(control_runs.c.id == run_id)).first()
    if exists is not None:
        # The same run (same instant, same results) is stored already: content-addressed,
        # storing it again adds nothing (and must not fail on the primary key).
        return run_id
    index = ledger.append(record_entry("control_run", run_id, "period"))
    conn.execute(
        insert(control_runs).values(
            id=run_id,
            period=period,
            system=system,
            period_start=period_start,
            period_end=period_end,
            policy_digest=policy_digest,
            engine=engine,
            evaluated_at=evaluated_at,
            results_sha256=header["results_sha256"],
            header=text.decode("utf-8"),
            ledger_index=index,
        )
    )
    chunk: list[dict[str, Any]] = []
    for r in results.rows():
        chunk.append({**r, "run_id": run_id})
        if len(chunk) == _CHUNK:
            conn.execute(insert(control_results), chunk)
            chunk = []
    if chunk:
        conn.execute(insert(control_results), chunk)
    return run_id


def latest_run(conn: Connection, system: str, period: str) -> dict[str, Any] | None:
    """The newest run of a system and period: its id and header."""
    row = conn.execute(
        select(control_runs.c.id, control_runs.c.header, control_runs.c.ledger_index)
        .where(control_runs.c.system == system, control_runs.c.period == period)
        .order_by(control_runs.c.evaluated_at.desc(), control_runs.c.ledger_index.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {"id": row.id, "ledger_index": int(row.ledger_index), **json.loads(row.header)}


class ResultRow:
    """A stored result as its row holds it: the body still canonical JSON text and the
    instant as the database returned it, so that streaming a whole run (a report's
    populations, 10^5 and more rows) parses only what it shows.

    SQLite returns the instant as the text SQLAlchemy stored (`YYYY-MM-DD HH:MM:SS.ffffff`,
    UTC): the result line takes it as it is, and only `occurred_at` parses it.
    """

    __slots__ = ("_occurred", "body", "control_id", "result", "subject")

    def __init__(
        self,
        control_id: str,
        subject: str,
        result: str,
        occurred: str | datetime | None,
        body: str,
    ) -> None:
        self.control_id = control_id
        self.subject = subject
        self.result = result
        self._occurred = occurred
        self.body = body

    @property
    def occurred_at(self) -> datetime | None:
        value = self._occurred
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def occurred_text(self) -> str | None:
        """The instant as `format_instant` spells it (None when the result has none)."""
        value = self._occurred
        if isinstance(value, str) and _sqlite_instant(value):
            return f"{value[:10]}T{value[11:]}Z"
        occurred = self.occurred_at
        return None if occurred is None else format_instant(occurred)

    def line(self) -> bytes:
        """The result's canonical line, as the run's results digest hashes it."""
        return _line(self.control_id, self.subject, self.result, self.occurred_text, self.body)

    def stored(self) -> StoredResult:
        body = json.loads(self.body)
        return StoredResult(
            self.control_id,
            self.subject,
            Result(self.result),
            self.occurred_at,
            tuple(body["reasons"]),
            tuple(body["evidence"]),
            body["waiver"],
            body_waivers(body),
        )


def _sqlite_instant(text: str) -> bool:
    """Whether `text` is SQLAlchemy's SQLite spelling of an instant of year 1000 or later,
    which becomes `format_instant`'s by two characters (earlier years: `format_instant`)."""
    return len(text) == 26 and text[10] == " " and text[19] == "." and text[0] != "0"


def iter_result_rows(
    conn: Connection,
    run_id: str,
    *,
    control_id: str | None = None,
    result: str | None = None,
    results: Sequence[str] | None = None,
) -> Iterator[ResultRow]:
    """A run's result rows in (control, subject) order, streamed (`results`: any of these)."""
    query = select(
        control_results.c.control_id,
        control_results.c.subject,
        control_results.c.result,
        # As the driver returns it (`ResultRow` converts it when asked): parsing 10^5
        # instants costs more than the rest of the row.
        type_coerce(control_results.c.occurred_at, String),
        control_results.c.body,
    ).where(control_results.c.run_id == run_id)
    if control_id:
        query = query.where(control_results.c.control_id == control_id)
    if result:
        query = query.where(control_results.c.result == result)
    if results is not None:
        query = query.where(control_results.c.result.in_(list(results)))
    query = query.order_by(control_results.c.control_id, control_results.c.subject)
    rows = conn.execution_options(yield_per=_CHUNK).execute(query)
    try:
        for row in rows:
            yield ResultRow(*row)
    finally:
        rows.close()


def iter_results(
    conn: Connection,
    run_id: str,
    *,
    control_id: str | None = None,
    result: str | None = None,
    results: Sequence[str] | None = None,
) -> Iterator[StoredResult]:
    """A run's results in (control, subject) order, streamed (`results`: any of these)."""
    for row in iter_result_rows(
        conn, run_id, control_id=control_id, result=result, results=results
    ):
        yield row.stored()


def count_results(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(control_results)).scalar_one())


def recompute(conn: Connection, run_id: str) -> tuple[str, int]:
    """The digest and count of a run's stored results, recomputed (for verification)."""
    digest = hashlib.sha256()
    count = 0
    for row in iter_result_rows(conn, run_id):
        digest.update(row.line() + b"\n")
        count += 1
    return digest.hexdigest(), count


def list_runs(
    conn: Connection, *, system: str | None = None, period: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Stored runs, newest first: each run's id, ledger index and header."""
    query = select(control_runs.c.id, control_runs.c.header, control_runs.c.ledger_index)
    if system is not None:
        query = query.where(control_runs.c.system == system)
    if period is not None:
        query = query.where(control_runs.c.period == period)
    query = query.order_by(
        control_runs.c.evaluated_at.desc(), control_runs.c.ledger_index.desc()
    ).limit(limit)
    return [
        {"id": row.id, "ledger_index": int(row.ledger_index), **json.loads(row.header)}
        for row in conn.execute(query)
    ]
