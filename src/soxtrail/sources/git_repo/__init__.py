"""The git repository scanner behind `soxtrail scan-git` (DESIGN §6).

Unlike the other sources, its input is not a file but a local repository, read by running
the `git` command (2.34 or later) as a subprocess; it never touches the database, the clock
or the network. Each commit the named branches reach becomes a pair: the raw commit object
(`git cat-file commit SHA`, kept verbatim as the raw document, media type
`application/x-git-commit`) and a `commit` evidence record (`CommitFacts`).

- `branch_tips(path, branches)`: what each branch points at (the scan's tips);
- `scan_repository(path, repo, branches, since=..., ...)`: the commits, oldest first.

Modules: `process` (running git), `trust` (the keys signatures are verified against),
`commits` (parsing git's output into records), `scanner` (the scan). See docs/sources/git.md.
"""

from __future__ import annotations

from soxtrail.sources.git_repo.commits import MAX_PATHS, pr_number
from soxtrail.sources.git_repo.scanner import (
    MEDIA_TYPE,
    Progress,
    ScannedCommit,
    branch_tips,
    default_branch,
    open_repository,
    repo_name_from_remote,
    scan_repository,
)

__all__ = [
    "MAX_PATHS",
    "MEDIA_TYPE",
    "Progress",
    "ScannedCommit",
    "branch_tips",
    "default_branch",
    "open_repository",
    "pr_number",
    "repo_name_from_remote",
    "scan_repository",
]
