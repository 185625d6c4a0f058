"""A deliberately tiny source adapter for testing the ingest framework, store and ledger.

It is not a stand-in for a real adapter (those are tested on the real corpus): it reads
`{"commits": [{"repo", "sha", "at", "author", "paths"}]}` so that store tests can create
exactly the records they need, many of them, fast.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.facts import CommitFacts
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.reader import Node


class CommitListAdapter:
    name = "test-commits"
    framing = "json"
    media_type = "application/json"
    suffixes = (".json", ".ndjson")

    def detect(self, doc: Document, data: Any) -> bool:
        return isinstance(data, dict) and "commits" in data

    def parse(self, doc: Document, data: Any) -> Parsed:
        root = Node(data, doc)
        records = []
        for item in root.items("commits", required=True):
            sha = item.req_str("sha")
            repo = item.req_str("repo")
            records.append(
                Evidence(
                    kind=Kind.COMMIT,
                    source=self.name,
                    occurred_at=item.instant("at"),
                    subject=sha,
                    actor=item.opt_str("author"),
                    repo=repo,
                    commit=sha,
                    locator=item.pointer,
                    facts=CommitFacts(
                        sha=sha, author_email=item.opt_str("author"), paths=item.str_list("paths")
                    ),
                )
            )
        return Parsed(records=records)


ADAPTER = CommitListAdapter()


def commits_document(n: int, *, start: int = 0, repo: str = "acme/billing") -> dict[str, Any]:
    return {
        "commits": [
            {
                "repo": repo,
                "sha": f"{i:040x}",
                "at": f"2026-07-01T00:00:{i % 60:02d}Z",
                "author": f"dev{i % 7}@acme.example",
                "paths": [f"src/m{i % 13}.py"],
            }
            for i in range(start, start + n)
        ]
    }
