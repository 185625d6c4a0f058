"""GitHub webhook payloads for the demo, built from GitHub's own examples (templates/)."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from soxtrail.domain.instants import utc


@cache
def _template(name: str) -> dict[str, Any]:
    text = resources.files("soxtrail.demo").joinpath("templates", f"{name}.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def template(name: str) -> dict[str, Any]:
    """A fresh deep copy of a payload template."""
    return copy.deepcopy(_template(name))


def stamp(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(login: str, user_id: int) -> dict[str, Any]:
    return {
        "login": login,
        "id": user_id,
        "node_id": f"U_{user_id}",
        "type": "User",
        "site_admin": False,
        "html_url": f"https://github.com/{login}",
    }


class GitHubEvents:
    """Payload builders for one repository (`owner/name`)."""

    def __init__(self, full_name: str, repo_id: int = 700001) -> None:
        self.full_name = full_name
        self.owner, self.name = full_name.split("/", 1)
        self.repo_id = repo_id
        self._ids: dict[str, int] = {}

    def user(self, login: str) -> dict[str, Any]:
        user_id = self._ids.setdefault(login, 1000 + len(self._ids) + 1)
        return _user(login, user_id)

    def _repository(self, document: dict[str, Any]) -> None:
        repository = document.get("repository")
        if isinstance(repository, dict):
            repository.update(
                {
                    "id": self.repo_id,
                    "name": self.name,
                    "full_name": self.full_name,
                    "html_url": f"https://github.com/{self.full_name}",
                    "owner": {**repository.get("owner", {}), "login": self.owner},
                    "default_branch": "main",
                }
            )

    def _sender(self, document: dict[str, Any], login: str) -> None:
        document["sender"] = self.user(login)

    def pull_request(
        self,
        *,
        action: str,
        number: int,
        title: str,
        body: str,
        author: str,
        head_ref: str,
        head_sha: str,
        base_sha: str,
        at: datetime,
        merged_by: str | None = None,
        merge_sha: str | None = None,
        labels: tuple[str, ...] = (),
        sender: str | None = None,
        commits: int = 1,
    ) -> dict[str, Any]:
        """A `pull_request` event; `commits`: how many commits the pull request has."""
        document = template("pull_request.closed" if action == "closed" else "pull_request.opened")
        document["action"] = action
        document["number"] = number
        pr = document["pull_request"]
        merged = merged_by is not None
        pr.update(
            {
                "number": number,
                "title": title,
                "body": body,
                "user": self.user(author),
                "state": "closed" if action == "closed" else "open",
                "html_url": f"https://github.com/{self.full_name}/pull/{number}",
                "created_at": stamp(at),
                "updated_at": stamp(at),
                "closed_at": stamp(at) if action == "closed" else None,
                "merged_at": stamp(at) if merged else None,
                "merged": merged,
                "merged_by": self.user(merged_by) if merged_by else None,
                "merge_commit_sha": merge_sha,
                "draft": False,
                "commits": commits,
                "labels": [
                    {"id": 5000 + i, "name": label, "color": "d73a4a", "default": False}
                    for i, label in enumerate(labels)
                ],
            }
        )
        pr["head"].update({"ref": head_ref, "sha": head_sha, "label": f"{self.owner}:{head_ref}"})
        pr["base"].update({"ref": "main", "sha": base_sha, "label": f"{self.owner}:main"})
        for side in ("head", "base"):
            if isinstance(pr[side].get("repo"), dict):
                pr[side]["repo"].update({"name": self.name, "full_name": self.full_name})
        self._repository(document)
        self._sender(document, sender or merged_by or author)
        return document

    def review(
        self,
        *,
        number: int,
        reviewer: str,
        state: str,
        commit_id: str,
        head_sha: str,
        author: str,
        at: datetime,
        review_id: int,
        action: str = "submitted",
    ) -> dict[str, Any]:
        document = template("pull_request_review.submitted")
        document["action"] = action
        document["review"].update(
            {
                "id": review_id,
                "user": self.user(reviewer),
                "state": state,
                "commit_id": commit_id,
                "submitted_at": stamp(at),
                "body": None,
            }
        )
        pr = document["pull_request"]
        pr.update(
            {
                "number": number,
                "user": self.user(author),
                "updated_at": stamp(at),
                "state": "open",
                "merged_at": None,
            }
        )
        pr["head"].update({"sha": head_sha})
        self._repository(document)
        self._sender(document, reviewer)
        return document

    def workflow_run(
        self,
        *,
        run_id: int,
        name: str,
        head_sha: str,
        branch: str,
        conclusion: str,
        at: datetime,
        actor: str,
        event: str = "push",
    ) -> dict[str, Any]:
        document = template("workflow_run.completed")
        run = document["workflow_run"]
        run.update(
            {
                "id": run_id,
                "name": name,
                "head_sha": head_sha,
                "head_branch": branch,
                "conclusion": conclusion,
                "status": "completed",
                "event": event,
                "created_at": stamp(at),
                "updated_at": stamp(at),
                "run_started_at": stamp(at),
                "html_url": f"https://github.com/{self.full_name}/actions/runs/{run_id}",
                "actor": self.user(actor),
                "triggering_actor": self.user(actor),
                "pull_requests": [],
            }
        )
        document["workflow"]["name"] = name
        document["workflow"]["path"] = f".github/workflows/{name}.yml"
        run["path"] = f".github/workflows/{name}.yml"
        self._repository(document)
        self._sender(document, actor)
        return document

    def deployment_status(
        self,
        *,
        deployment_id: int,
        environment: str,
        sha: str,
        state: str,
        creator: str,
        at: datetime,
        run_id: int | None = None,
    ) -> dict[str, Any]:
        document = template("deployment_status")
        deployment = document["deployment"]
        deployment.update(
            {
                "id": deployment_id,
                "sha": sha,
                "ref": "main",
                "environment": environment,
                "original_environment": environment,
                "creator": self.user(creator),
                "created_at": stamp(at),
                "updated_at": stamp(at),
            }
        )
        status = document["deployment_status"]
        status.update(
            {
                "id": deployment_id * 10 + 1,
                "state": state,
                "environment": environment,
                "creator": self.user(creator),
                "created_at": stamp(at),
                "updated_at": stamp(at),
            }
        )
        if run_id is not None:
            document["workflow_run"] = {
                "id": run_id,
                "name": "deploy",
                "head_sha": sha,
                "head_branch": "main",
                "html_url": f"https://github.com/{self.full_name}/actions/runs/{run_id}",
                "created_at": stamp(at),
                "updated_at": stamp(at),
            }
        self._repository(document)
        self._sender(document, creator)
        return document

    def deployment_review(
        self, *, environment: str, approver: str, run_id: int, sha: str, at: datetime, actor: str
    ) -> dict[str, Any]:
        document = template("deployment_review.approved")
        document["approver"] = self.user(approver)
        document["since"] = stamp(at)
        document["reviewers"] = [{"type": "User", "reviewer": self.user(approver)}]
        job = document["workflow_job_runs"][0]
        job.update({"environment": environment, "created_at": stamp(at), "updated_at": stamp(at)})
        run = document["workflow_run"]
        run.update(
            {
                "id": run_id,
                "head_sha": sha,
                "head_branch": "main",
                "created_at": stamp(at),
                "updated_at": stamp(at),
                "actor": self.user(actor),
                "triggering_actor": self.user(actor),
            }
        )
        self._repository(document)
        self._sender(document, approver)
        return document

    def push(
        self,
        *,
        ref: str,
        before: str,
        after: str,
        pusher: str,
        at: datetime,
        commits: list[str],
        forced: bool = False,
        deleted: bool = False,
    ) -> dict[str, Any]:
        document = template("push")
        document.update(
            {
                "ref": ref,
                "before": before,
                "after": after,
                "forced": forced,
                "deleted": deleted,
                "created": False,
                "base_ref": None,
            }
        )
        document["commits"] = [
            {
                "id": sha,
                "tree_id": sha,
                "distinct": True,
                "message": "",
                "timestamp": stamp(at),
                "author": {"name": pusher, "email": f"{pusher}@acme.example", "username": pusher},
                "committer": {
                    "name": pusher,
                    "email": f"{pusher}@acme.example",
                    "username": pusher,
                },
                "added": [],
                "removed": [],
                "modified": [],
            }
            for sha in commits
        ]
        document["head_commit"] = document["commits"][-1] if commits else None
        document["pusher"] = {"name": pusher, "email": f"{pusher}@acme.example"}
        self._repository(document)
        document["repository"]["pushed_at"] = int(utc(at).timestamp())
        self._sender(document, pusher)
        return document

    def protection_rule(
        self,
        *,
        action: str,
        pattern: str,
        at: datetime,
        actor: str,
        approvals: int = 1,
        force_pushes: bool = False,
        enforce_admins: bool = True,
    ) -> dict[str, Any]:
        document = template("branch_protection_rule.created")
        document["action"] = action
        document["rule"].update(
            {
                "name": pattern,
                "repository_id": self.repo_id,
                "created_at": stamp(at),
                "updated_at": stamp(at),
                "pull_request_reviews_enforcement_level": "everyone",
                "required_approving_review_count": approvals,
                "dismiss_stale_reviews_on_push": True,
                "required_status_checks": ["ci"],
                "required_status_checks_enforcement_level": "everyone",
                "admin_enforced": enforce_admins,
                "allow_force_pushes_enforcement_level": "everyone" if force_pushes else "off",
                "allow_deletions_enforcement_level": "off",
            }
        )
        self._repository(document)
        self._sender(document, actor)
        return document
