"""A run's results on their way to the store, kept on disk instead of in memory.

Period evaluation answers hundreds of thousands of (control, subject) pairs a year. It hands
each batch's results to a `ResultSpool` as soon as the batch is evaluated, and keeps none of
them: the spool is a private temporary SQLite database (SQLite's empty file name: a file in
the temporary directory, `SQLITE_TMPDIR`, `TMPDIR` or `/var/tmp`, unlinked as soon as it is
opened, so that nothing of it outlives the process, even a killed one) with a small page
cache. It keeps one result per control and subject, the worst (a subject can be in two
batches: a commit on two protected branches), and gives the rows back in the run's canonical
order, twice if asked: once for the results digest (the run id depends on it) and once to
insert them, both inside the store's one write transaction
(`soxtrail.store.control_runs.write_run_rows`).

The store is not the spool: on SQLite, writing results into it as they come would hold the
store's only write lock for the whole evaluation, minutes on a year, and every gate, ingest
and webhook would give up behind it after the busy timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any

from soxtrail.domain.results import ControlResult, Result
from soxtrail.store.control_runs import result_body
from soxtrail.store.database import StoreError

NO_SUBJECT = "*"

#: Pages of the spool's cache (SQLite's default, 2 MiB): the rest is on disk.
_CACHE_KIB = 2048

_SCHEMA = """
CREATE TABLE results (
    control_id TEXT NOT NULL,
    subject BLOB NOT NULL,
    severity INTEGER NOT NULL,
    result TEXT NOT NULL,
    occurred_at TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (control_id, subject)
)
"""

# The worst result of a control and subject stays; of equal ones, the first.
_UPSERT = """
INSERT INTO results (control_id, subject, severity, result, occurred_at, body)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (control_id, subject) DO UPDATE SET
    severity = excluded.severity,
    result = excluded.result,
    occurred_at = excluded.occurred_at,
    body = excluded.body
WHERE excluded.severity > results.severity
"""


@contextmanager
def _failing_as_store() -> Iterator[None]:
    """The spool's own database failing (its temporary directory full, most likely) is the
    store failing: exit 3, nothing of the run stored."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(
            f"the temporary file of the run's results failed: {exc} (it is in SQLITE_TMPDIR, "
            "TMPDIR or /var/tmp)"
        ) from exc


def _key(subject: str) -> bytes:
    """A subject as the spool orders it: UTF-8 bytes sort as Python sorts the string (by
    code point); a lone surrogate is kept (the run's result line refuses it, as before)."""
    return subject.encode("utf-8", "surrogatepass")


class ResultSpool:
    """One run's results, the worst per control and subject, on disk.

    Use as a context manager (closing it deletes the file). `add` after `rows` is an error.
    """

    def __init__(self, severity: Mapping[Result, int]) -> None:
        self._severity = severity
        with _failing_as_store():
            self._db = sqlite3.connect("", isolation_level=None)
            self._db.execute("PRAGMA journal_mode=OFF")  # a private scratch file: no rollback
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
            self._db.execute("PRAGMA temp_store=FILE")
            self._db.execute(_SCHEMA)
        self._finished = False

    def __enter__(self) -> ResultSpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def add(self, results: Iterable[tuple[ControlResult, datetime | None]]) -> None:
        """Keep some results (with when their subjects happened), the worst of each pair."""
        assert not self._finished, "results added to a finished spool"
        severity = self._severity
        rows = [
            (
                r.control_id,
                _key(r.subject),
                severity[r.result],
                r.result.value,
                None if when is None else when.isoformat(),
                result_body(r),
            )
            for r, when in results
        ]
        with _failing_as_store():
            self._db.execute("BEGIN")
            try:
                self._db.executemany(_UPSERT, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _finish(self) -> None:
        """`*` (no subject) only for a control that has no result about a subject."""
        if not self._finished:
            with _failing_as_store():
                self._db.execute(
                    "DELETE FROM results WHERE subject = ? AND control_id IN "
                    "(SELECT control_id FROM results WHERE subject != ?)",
                    (_key(NO_SUBJECT), _key(NO_SUBJECT)),
                )
            self._finished = True

    def __len__(self) -> int:
        with _failing_as_store():
            return int(self._db.execute("SELECT count(*) FROM results").fetchone()[0])

    def counts(self) -> dict[str, int]:
        """How many results of each kind (`pass`, `fail`, ...) the run has."""
        self._finish()
        with _failing_as_store():
            rows = self._db.execute("SELECT result, count(*) FROM results GROUP BY result")
            return {str(result): int(n) for result, n in rows}

    def rows(self) -> Iterator[dict[str, Any]]:
        """The results as `control_results` rows (without the run id), in the run's order:
        by control, then subject. Streamed from disk; each call reads them again."""
        self._finish()
        with _failing_as_store():
            cursor = self._db.execute(
                "SELECT control_id, subject, result, occurred_at, body FROM results "
                "ORDER BY control_id, subject"
            )
        cursor.arraysize = 1000
        try:
            while True:
                with _failing_as_store():
                    chunk = cursor.fetchmany()
                if not chunk:
                    break
                for control_id, subject, result, occurred_at, body in chunk:
                    yield {
                        "control_id": control_id,
                        "subject": subject.decode("utf-8", "surrogatepass")[:400],
                        "result": result,
                        "occurred_at": (
                            None if occurred_at is None else datetime.fromisoformat(occurred_at)
                        ),
                        "body": body,
                    }
        finally:
            cursor.close()
