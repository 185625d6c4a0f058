"""Scan a git repository: store every commit its branches reach, raw object and record.

Where the previous scan stopped is read back from the evidence itself, with no table of its
own: the scanner gives the record of each branch's tip commit the lookup key
`scan_tip = <repo>:<branch>`, so the newest record with that key (highest ledger index)
names a commit the last scan of that branch read, with all its ancestors. Those tips go
back to the scanner as `since`: a second scan reads only the commits none of them reaches.
A branch that did not move adds no record, and its previous tip stays the newest.

Why this is safe: a scan stores everything its tips reach except what earlier tips reach,
in one transaction, so every recorded tip's whole history is stored; a tip that is no longer
in the repository (rewritten and garbage-collected) is ignored by the scanner, which then
reads more, never less. A branch scanned for the first time reads only the commits that the
other branches' previous tips do not reach: a commit's `branches` are the scanned branches
that contained it when it was first read. `full=True` reads everything again (after changing
the trusted keys, or to record branch membership anew): what is unchanged is skipped, and
only commits whose record changed get a new one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from soxtrail.ledger.note import NoteSigner
from soxtrail.services.clock import Clock
from soxtrail.services.ingest import IngestReport, Item, store_items
from soxtrail.sources.git_repo import (
    MEDIA_TYPE,
    Progress,
    ScannedCommit,
    branch_tips,
    scan_repository,
)
from soxtrail.store.database import Database
from soxtrail.store.evidence import NewDocument, latest_by_key

SOURCE = "git"


def previous_tips(db: Database, repo: str, branches: Sequence[str]) -> dict[str, str]:
    """The commit the last scan of each branch reached (branches never scanned are absent)."""
    tips: dict[str, str] = {}
    with db.read() as conn:
        for branch in branches:
            found = latest_by_key(conn, "scan_tip", f"{repo}:{branch}", kinds=["commit"])
            if found is not None and found.evidence.commit:
                tips[branch] = found.evidence.commit
    return tips


def _items(scanned: Iterator[ScannedCommit], repo: str) -> Iterator[Item]:
    for commit in scanned:
        sha256 = hashlib.sha256(commit.raw).hexdigest()
        document = NewDocument(
            sha256=sha256,
            original_sha256=commit.original_sha256 or sha256,
            content=commit.raw,
            source=SOURCE,
            media_type=MEDIA_TYPE,
            origin=f"git:{repo}@{commit.sha}",
            redactions=tuple(r.to_json() for r in commit.redactions),
        )
        yield Item(document, [commit.record.read_from(sha256)])


def scan_git(
    db: Database,
    path: Path,
    repo: str,
    branches: Sequence[str] = (),
    *,
    signer: NoteSigner,
    origin: str,
    clock: Clock,
    allowed_signers_file: Path | None = None,
    gpg_public_keys: Sequence[Path] = (),
    full: bool = False,
    progress: Progress | None = None,
    batch_size: int = 2000,
) -> IngestReport:
    """Scan a repository's branches into the store as one all-or-nothing transaction.

    1. Read the branch tips now (default: HEAD's branch); the scan reads exactly these.
    2. Unless `full`, read the tips the previous scans of these branches reached: the scan
       skips the commits they reach (`since`).
    3. Stream the commits, oldest first, each as a raw commit object (`application/
       x-git-commit`) with its `commit` record, into `store_items`: documents and records
       already stored are skipped; new ones get ledger entries and a checkpoint.

    Raises:
        InputError: not a repository, a shallow clone, an unknown branch, a bad key file.
        UsageError: git (or gpg, for OpenPGP keys) is missing.
        InternalError: git failed mid-scan (nothing is stored).
    """
    tips = branch_tips(path, branches)
    since: Mapping[str, str] | None = None if full else previous_tips(db, repo, list(tips))
    scanned = scan_repository(
        path,
        repo,
        tips,
        since=since,
        allowed_signers_file=allowed_signers_file,
        gpg_public_keys=gpg_public_keys,
        progress=progress,
    )
    return store_items(
        db,
        SOURCE,
        _items(scanned, repo),
        signer=signer,
        origin=origin,
        clock=clock,
        batch_size=batch_size,
        files=1,
    )
