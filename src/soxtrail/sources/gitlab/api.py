"""GitLab REST API objects: merge request approvals and protected branches.

- `GET /projects/:id/merge_requests/:iid/approvals` gives one review record (state approved)
  per `approved_by[].user`. The response names its merge request (`iid`) but neither the
  project's path nor the commit the approvals were given on: pass `--hint repo=group/project`
  (else the project is spelled `project:<id>`) and, when you read it at the MR's head,
  `--hint commit=SHA` (else CM-02 cannot count the approvals as given on the final head).
- `GET .../merge_requests/:iid/approval_state` gives the same from `rules[].approved_by`; it
  names no merge request at all, so `--hint repo=...` and `--hint mr=IID` are required.
- `GET /projects/:id/protected_branches[/:name]` (one object or the list) gives one
  repo_protection record per branch rule; `--hint repo=group/project` is required.

None of these responses carries a time of its own: the records take the `observed_at` hint
(when you read the API), else the response's `updated_at`, else 1970-01-01 ("unknown").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from soxtrail.domain.evidence import change_request_key
from soxtrail.domain.facts import RepoProtectionFacts, ReviewFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Parsed
from soxtrail.sources.gitlab.common import SOURCE, UNKNOWN_TIME, record
from soxtrail.sources.reader import Node
from soxtrail.sources.timestamps import parse_timestamp

#: GitLab access levels (protected branches, members).
ACCESS_LEVELS = {0: "no one", 30: "developers", 40: "maintainers", 60: "admins"}


def is_approvals(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("approved_by"), list) and "iid" in data


def is_approval_state(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("rules"), list)
        and ("approval_rules_overwritten" in data)
    )


def is_protected_branch(data: Any) -> bool:
    return isinstance(data, dict) and "push_access_levels" in data and "name" in data


def _hint_time(doc: Document, fallback: datetime | None) -> datetime:
    text = doc.hints.get("observed_at")
    if text:
        try:
            return parse_timestamp(text)
        except (TypeError, ValueError) as exc:
            raise doc.error("", f"bad observed_at hint: {exc}") from exc
    return fallback or UNKNOWN_TIME


def _repo(node: Node, *, required: bool) -> str:
    repo = node.doc.hints.get("repo")
    if repo:
        return repo
    if required:
        raise node.error(
            "this GitLab API response does not name its project: pass --hint repo=group/project"
        )
    return f"project:{node.req_id('project_id')}"


def _approvals(node: Node, approvers: list[str], number: int) -> Parsed:
    repo = _repo(node, required=False)
    key = change_request_key(repo, number)
    commit = node.doc.hints.get("commit")
    at = _hint_time(node.doc, node.opt_instant("updated_at"))
    records = []
    for reviewer in dict.fromkeys(approvers):
        facts = ReviewFacts(
            platform="gitlab",
            number=number,
            reviewer=reviewer,
            state="approved",
            action="approved",
            commit_sha=commit,
        )
        records.append(
            record(
                Kind.REVIEW,
                node,
                occurred_at=at,
                subject=key,
                facts=facts,
                actor=reviewer,
                repo=repo,
                commit=commit,
                change_request=key,
            )
        )
    if not records:
        return Parsed(ignored=f"merge request !{number} has no approvals yet")
    return Parsed(records=records)


def parse_approvals(root: Node) -> Parsed:
    """A merge request approvals response."""
    approvers = [
        item.obj("user").req_str("username") for item in root.items("approved_by", required=True)
    ]
    return _approvals(root, approvers, root.req_int("iid"))


def parse_approval_state(root: Node) -> Parsed:
    """A merge request approval_state response (needs the repo and mr hints)."""
    text = root.doc.hints.get("mr")
    if not text or not text.isdigit():
        raise root.error(
            "an approval_state response does not name its merge request: "
            "pass --hint repo=group/project --hint mr=IID"
        )
    _repo(root, required=True)
    approvers = [
        user.req_str("username")
        for rule in root.items("rules", required=True)
        for user in rule.items("approved_by")
    ]
    return _approvals(root, approvers, int(text))


def _levels(node: Node, key: str) -> list[dict[str, Any]]:
    out = []
    for item in node.items(key):
        level = item.opt_int("access_level")
        out.append(
            {
                "access_level": level,
                "description": item.opt_str("access_level_description")
                or ACCESS_LEVELS.get(level or -1),
                "user_id": item.opt_int("user_id"),
                "group_id": item.opt_int("group_id"),
            }
        )
    return out


def parse_protected_branch(node: Node) -> Parsed:
    """One protected branch rule as a repo_protection record."""
    repo = _repo(node, required=True)
    name = node.req_str("name")
    push = _levels(node, "push_access_levels")
    merge = _levels(node, "merge_access_levels")
    settings: dict[str, Any] = {
        # Normalised keys, as the GitHub adapter spells them (CM-12 reads these).
        "enforced": True,
        "requires_pull_request": bool(push) and all(p["access_level"] == 0 for p in push),
        "allow_force_pushes": bool(node.opt_bool("allow_force_push")),
        "allow_deletions": False,  # a protected branch cannot be deleted through git on GitLab
        "require_code_owner_review": bool(node.opt_bool("code_owner_approval_required")),
        # GitLab's own fields, verbatim.
        "push_access_levels": push,
        "merge_access_levels": merge,
        "unprotect_access_levels": _levels(node, "unprotect_access_levels"),
    }
    facts = RepoProtectionFacts(
        provider=SOURCE,
        rule_kind="protected_branch",
        action="observed",
        pattern=name,
        settings=settings,
    )
    subject = f"{SOURCE}:protected_branch:{repo}:{name}"
    return Parsed(
        records=[
            record(
                Kind.REPO_PROTECTION,
                node,
                occurred_at=_hint_time(node.doc, None),
                subject=subject,
                facts=facts,
                repo=repo,
            )
        ]
    )


def parse_protected_branches(root: Node) -> Parsed:
    """One protected branch, or the list of a project's."""
    if isinstance(root.value, list):
        records = [r for item in root.items() for r in parse_protected_branch(item).records]
        return Parsed(records=records)
    return parse_protected_branch(root)
