"""A demo workspace: one system (`billing`), a real repository, people, and their changes.

Each method does what a team does and leaves the evidence their tools would send: git
history in the repository; GitHub webhooks, Jira issues and CI reports as files under
`evidence/`. `ingest()` then feeds it all to soxtrail the way a pipeline would (scan-git,
ingest, attest). Times advance a few minutes per step from `start`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from soxtrail.config import load_config
from soxtrail.demo.ci import junit, sarif
from soxtrail.demo.events import GitHubEvents, stamp
from soxtrail.demo.gitrepo import GITHUB, GitRepo, ssh_signing_key
from soxtrail.demo.tickets import jira_issue
from soxtrail.services.clock import Clock
from soxtrail.services.ingest import IngestReport, ingest
from soxtrail.services.keys import load_signer
from soxtrail.services.scan import scan_git
from soxtrail.services.workspace import init_workspace
from soxtrail.sources.framing import InputSource
from soxtrail.sources.registry import get_adapter
from soxtrail.store.database import Database

REPO = "acme/billing"


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    email: str

    @property
    def git(self) -> tuple[str, str]:
        return (self.name, self.email)


PEOPLE = {
    "alice": Person("alice", "Alice Liddell", "alice@acme.example"),
    "bob": Person("bob", "Bob Marley", "bob@acme.example"),
    "carol": Person("carol", "Carol Danvers", "carol@acme.example"),
    "dave": Person("dave", "Dave Bowman", "dave@acme.example"),
    "erin": Person("erin", "Erin Brockovich", "erin@acme.example"),
}

CONFIG = """\
# The demo workspace of soxtrail: one in-scope system, five people.
[store]
url = "{store}"

[ledger]
origin = "soxtrail.demo/acme"
key_file = ".soxtrail/ledger.key"

[tickets]
patterns = ["[A-Z][A-Z0-9]+-[0-9]+", "CHG[0-9]{{7}}"]
approved_statuses = ["Approved"]

[changes]
emergency_labels = ["emergency"]

[signing]
{signing}

[identities]
{identities}

[[systems]]
name = "billing"
repos = ["acme/billing"]
protected_branches = ["main"]
production_environments = ["production"]
financial_paths = ["src/ledger/**"]
require_signed_commits = {signed}
{system}
{tail}"""


@dataclass(frozen=True)
class ConfigExtension:
    """What a richer workspace adds to the configuration: more people, keys of the billing
    `[[systems]]` table, and tables after it."""

    people: tuple[Person, ...] = ()
    system: str = ""
    tail: str = ""


def _identities(extra: Sequence[Person] = ()) -> str:
    lines = []
    for person in [*PEOPLE.values(), *extra]:
        spellings = [person.login, f"acct-{person.login}", f"{person.name} <{person.email}>"]
        lines.append(f'"{person.email}" = {json.dumps(spellings)}')
    return "\n".join(lines)


@dataclass
class Change:
    number: int
    branch: str
    head: str
    merge: str
    author: str
    #: The pull request's own commits (its branch), oldest first.
    commits: list[str] = field(default_factory=list)
    #: What the merge put on main, oldest first: the branch's commits and the merge commit,
    #: the squash commit, or the commits a rebase merge wrote.
    merged: list[str] = field(default_factory=list)


class Scenario:
    """A workspace under construction; see the module docstring."""

    def __init__(
        self,
        root: Path,
        *,
        db_url: str | None = None,
        signed: bool = False,
        start: datetime | None = None,
        extension: ConfigExtension | None = None,
    ) -> None:
        self.root = root
        extension = extension or ConfigExtension()
        root.mkdir(parents=True, exist_ok=True)
        self.now = start or (datetime.now(UTC) - timedelta(days=12)).replace(
            minute=0, second=0, microsecond=0
        )
        self.repo = GitRepo(root / "repo")
        signing = ""
        if signed:
            signing = 'allowed_signers_file = "keys/allowed_signers"'
            self._make_keys(root / "keys")
        store = db_url or "sqlite:///.soxtrail/soxtrail.db"
        (root / "soxtrail.toml").write_text(
            CONFIG.format(
                store=store,
                identities=_identities(extension.people),
                signing=signing,
                signed="true" if signed else "false",
                system=extension.system,
                tail=extension.tail,
            )
        )
        init_workspace(root, db_url=None, env_db=None, clock=self.clock)
        self.config = load_config(root / "soxtrail.toml", explicit=True)
        self.db = Database(self.config.store_url)
        self.signer = load_signer(self.config.key_file, self.config.origin)
        self.github = GitHubEvents(REPO)
        self.evidence = root / "evidence"
        self._sequence = 0
        self._run_id = 9_100_000_000
        self._review_id = 80_000_000
        self._attest: list[tuple[str, Path, str]] = []
        self._snapshots: list[tuple[Path, str]] = []
        self.base = self.repo.commit(
            {
                "README.md": "# billing\n",
                "src/ledger/post.py": "def post():\n    return 0\n",
                "src/api/app.py": "app = None\n",
            },
            "Initial import",
            author=PEOPLE["alice"].git,
            at=self.tick(),
        )

    def _make_keys(self, directory: Path) -> None:
        """SSH signing keys for everyone and for GitHub's merges, all trusted."""
        lines = []
        people = [(p.email, p.login) for p in PEOPLE.values()] + [(GITHUB[1], "github")]
        for email, name in people:
            key = ssh_signing_key(directory, name)
            self.repo.signing_keys[email] = key
            public = key.with_suffix(".pub").read_text().strip()
            lines.append(f'{email} namespaces="git" {public}')
        (directory / "allowed_signers").write_text("\n".join(lines) + "\n")

    def stop_signing(self, login: str) -> None:
        """From now on `login` commits without a signature."""
        self.repo.signing_keys.pop(PEOPLE[login].email, None)

    # --- time and files ------------------------------------------------------------------

    def tick(self, minutes: int = 7) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def clock(self) -> datetime:
        return self.now

    def write(self, folder: str, name: str, content: str) -> Path:
        """A file of evidence the team's tools produced, under `evidence/<folder>/`."""
        return self._write(folder, name, content)

    def _write(self, folder: str, name: str, content: str) -> Path:
        self._sequence += 1
        path = self.evidence / folder / f"{self._sequence:04d}-{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        return path

    def event(self, name: str, document: dict[str, Any]) -> Path:
        return self._write("github", f"{name}.json", json.dumps(document, indent=2))

    def _next_run(self) -> int:
        self._run_id += 1
        return self._run_id

    # --- what people do ------------------------------------------------------------------

    def protect_main(self, *, approvals: int = 1, force_pushes: bool = False) -> None:
        """Branch protection on main, as the repository admin set it."""
        self.event(
            "branch_protection_rule",
            self.github.protection_rule(
                action="created",
                pattern="main",
                at=self.tick(),
                actor="carol",
                approvals=approvals,
                force_pushes=force_pushes,
            ),
        )

    def ticket(
        self,
        key: str,
        *,
        summary: str,
        reporter: str = "alice",
        approver: str | None = "dave",
        approve_at: datetime | None = None,
        issue_type: str = "Change",
        labels: Sequence[str] = (),
    ) -> None:
        created = self.now - timedelta(hours=2)
        transitions = [(created + timedelta(minutes=5), reporter, "Open", "In Review")]
        if approver is not None:
            when = approve_at or (created + timedelta(minutes=30))
            transitions.append((when, approver, "In Review", "Approved"))
        issue = jira_issue(
            key,
            summary=summary,
            reporter=reporter,
            created=created,
            transitions=transitions,
            issue_type=issue_type,
            labels=labels,
        )
        self._write("jira", f"{key}.json", json.dumps(issue, indent=2))

    def change(
        self,
        number: int,
        *,
        title: str,
        author: str,
        files: dict[str, str],
        approvers: Sequence[str] = ("bob",),
        ticket: str | None = "auto",
        ticket_approver: str | None = "dave",
        ticket_after_merge: bool = False,
        squash: bool = False,
        rebase: bool = False,
        more_commits: int = 0,
        labels: Sequence[str] = (),
        co_author: str | None = None,
        stale_approval: bool = False,
        merged_by: str | None = None,
    ) -> Change:
        """A pull request: branch, commits, reviews, ticket, merge, push, CI.

        `more_commits`: further commits by the author after the first; `squash` or
        `rebase`: how GitHub merges it (default: a merge commit). A rebase merge writes new
        commits: `Change.merge` is the last of them, `Change.merged` lists them all."""
        branch = f"feature/{number}"
        key = f"FIN-{number}" if ticket == "auto" else ticket
        base_sha = self.repo.head("main")
        self.repo.checkout(branch, create_from="main")
        commits = [self.repo.commit(files, title, author=PEOPLE[author].git, at=self.tick())]
        commits.extend(
            self.repo.commit(
                {f"src/api/{number}_{step}.py": f"step = {step}\n"},
                f"{title}: step {step}",
                author=PEOPLE[author].git,
                at=self.tick(),
            )
            for step in range(1, more_commits + 1)
        )
        if co_author:
            commits.append(
                self.repo.commit(
                    {f"docs/{number}.md": "notes\n"},
                    "Add notes",
                    author=PEOPLE[co_author].git,
                    at=self.tick(),
                )
            )
        body = f"Implements {key}." if key else "No ticket."
        self.event(
            "pull_request.opened",
            self.github.pull_request(
                action="opened",
                number=number,
                title=f"{title}",
                body=body,
                author=author,
                head_ref=branch,
                head_sha=commits[-1],
                base_sha=base_sha,
                at=self.tick(),
                labels=tuple(labels),
                commits=len(commits),
            ),
        )
        if stale_approval:
            for reviewer in approvers:
                self._review(number, reviewer, commits[-1], commits[-1], author)
            commits.append(
                self.repo.commit(
                    {f"src/api/{number}_fix.py": "fix = 1\n"},
                    "Address review",
                    author=PEOPLE[author].git,
                    at=self.tick(),
                )
            )
            self.event(
                "pull_request.synchronize",
                self.github.pull_request(
                    action="synchronize",
                    number=number,
                    title=title,
                    body=body,
                    author=author,
                    head_ref=branch,
                    head_sha=commits[-1],
                    base_sha=base_sha,
                    at=self.tick(),
                    labels=tuple(labels),
                    sender=author,
                    commits=len(commits),
                ),
            )
        else:
            for reviewer in approvers:
                self._review(number, reviewer, commits[-1], commits[-1], author)
        if key and ticket_approver is not None and not ticket_after_merge:
            self.ticket(key, summary=title, reporter=author, approver=ticket_approver)
        elif key and ticket_approver is None:
            self.ticket(key, summary=title, reporter=author, approver=None)
        merged_at = self.tick()
        merger = merged_by or (approvers[0] if approvers else author)
        if squash:
            merge = self.repo.squash_pull_request(
                branch, number, title, author=PEOPLE[author].git, at=merged_at
            )
            merged = [merge]
        elif rebase:
            merged = self.repo.rebase_pull_request(branch, at=merged_at)
            merge = merged[-1]
        else:
            merge = self.repo.merge_pull_request(branch, number, title, "acme", at=merged_at)
            merged = [*commits, merge]
        self.event(
            "pull_request.closed",
            self.github.pull_request(
                action="closed",
                number=number,
                title=title,
                body=body,
                author=author,
                head_ref=branch,
                head_sha=commits[-1],
                base_sha=base_sha,
                at=merged_at,
                merged_by=merger,
                merge_sha=merge,
                labels=tuple(labels),
                commits=len(commits),
            ),
        )
        if key and ticket_approver is not None and ticket_after_merge:
            self.ticket(
                key,
                summary=title,
                reporter=author,
                approver=ticket_approver,
                approve_at=merged_at + timedelta(hours=3),
            )
        self.event(
            "push",
            self.github.push(
                ref="refs/heads/main",
                before=base_sha,
                after=merge,
                pusher=merger,
                at=merged_at,
                commits=merged,
            ),
        )
        return Change(number, branch, commits[-1], merge, author, commits, merged)

    def _review(self, number: int, reviewer: str, commit: str, head: str, author: str) -> None:
        self._review_id += 1
        self.event(
            "pull_request_review",
            self.github.review(
                number=number,
                reviewer=reviewer,
                state="approved",
                commit_id=commit,
                head_sha=head,
                author=author,
                at=self.tick(),
                review_id=self._review_id,
            ),
        )

    def direct_push(
        self, *, author: str, files: dict[str, str], message: str, forced: bool = False
    ) -> str:
        """A commit pushed straight to main (no pull request). `forced`: history is rewritten
        first (main's newest commit dropped), and the push is a force push."""
        before = self.repo.head("main")
        self.repo.checkout("main")
        if forced:
            self.repo.reset_hard("HEAD~1")
        sha = self.repo.commit(files, message, author=PEOPLE[author].git, at=self.tick())
        push = self.github.push(
            ref="refs/heads/main",
            before=before,
            after=sha,
            pusher=author,
            at=self.now,
            commits=[sha],
            forced=forced,
        )
        self.event("push", push)
        return sha

    def force_push(self, *, author: str, files: dict[str, str], message: str) -> str:
        """Rewrite main: drop its newest commit, commit something else, push with --force."""
        return self.direct_push(author=author, files=files, message=message, forced=True)

    def ci(
        self,
        sha: str,
        *,
        conclusion: str = "success",
        failing_tests: Sequence[str] = (),
        tests: bool = True,
        findings: Sequence[tuple[str, str, float | None, str]] = (),
    ) -> None:
        """The CI run of a commit on main: workflow run, test report, code scan."""
        self.event(
            "workflow_run",
            self.github.workflow_run(
                run_id=self._next_run(),
                name="ci",
                head_sha=sha,
                branch="main",
                conclusion=conclusion,
                at=self.tick(),
                actor="bob",
            ),
        )
        if tests:
            path = self._write(
                "ci", f"junit-{sha[:8]}.xml", junit("billing.tests", 42, failing_tests)
            )
            self._attest.append(("junit", path, sha))
        path = self._write("ci", f"codeql-{sha[:8]}.sarif", sarif("CodeQL", findings))
        self._attest.append(("sarif", path, sha))

    def approve_deployment(
        self,
        sha: str,
        *,
        environment: str = "production",
        approver: str | None = "carol",
        creator: str = "deploy-bot",
    ) -> int:
        """A deploy workflow starts and waits for its environment's approval (GitHub
        environments); the approver approves. The gate runs after this, in the deploy job."""
        run_id = self._next_run()
        if approver is not None:
            review = self.github.deployment_review(
                environment=environment,
                approver=approver,
                run_id=run_id,
                sha=sha,
                at=self.tick(),
                actor=creator,
            )
            self.event("deployment_review", review)
        return run_id

    def finish_deployment(
        self,
        sha: str,
        run_id: int,
        *,
        environment: str = "production",
        creator: str = "deploy-bot",
        state: str = "success",
    ) -> None:
        """The deploy job ran: its workflow run and the deployment's status."""
        conclusion = "success" if state == "success" else "failure"
        self.event(
            "workflow_run",
            self.github.workflow_run(
                run_id=run_id,
                name="deploy",
                head_sha=sha,
                branch="main",
                conclusion=conclusion,
                at=self.tick(),
                actor=creator,
            ),
        )
        self.event(
            "deployment_status",
            self.github.deployment_status(
                deployment_id=run_id % 1_000_000,
                environment=environment,
                sha=sha,
                state=state,
                creator=creator,
                at=self.tick(),
                run_id=run_id,
            ),
        )

    def deploy(
        self,
        sha: str,
        *,
        environment: str = "production",
        approver: str | None = "carol",
        creator: str = "deploy-bot",
        state: str = "success",
    ) -> int:
        """A whole pipeline deployment: the environment approval, then the deploy job."""
        run_id = self.approve_deployment(
            sha, environment=environment, approver=approver, creator=creator
        )
        self.finish_deployment(sha, run_id, environment=environment, creator=creator, state=state)
        return run_id

    # --- feeding soxtrail -------------------------------------------------------------------

    def snapshot(
        self, *, environment: str = "production", commit: str, image: str | None = None
    ) -> None:
        """What runs in the cluster: `kubectl get deployments -o json` of the billing API."""
        image = image or f"ghcr.io/acme/billing:{commit[:12]}"
        document = {
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "metadata": {
                        "name": "billing-api",
                        "namespace": environment,
                        "creationTimestamp": stamp(self.tick()),
                        "labels": {
                            "app.kubernetes.io/name": "billing-api",
                            "app.kubernetes.io/version": commit[:12],
                        },
                        "annotations": {"soxtrail.io/commit": commit},
                    },
                    "spec": {
                        "template": {"spec": {"containers": [{"name": "api", "image": image}]}}
                    },
                }
            ],
        }
        path = self._write("k8s", f"{environment}.json", json.dumps(document, indent=2))
        self._snapshots.append((path, environment))

    def ingest(self) -> list[IngestReport]:
        """Scan the repository, ingest the events and tickets, attest the CI reports."""
        signing = self.config.model.signing
        reports = [
            scan_git(
                self.db,
                self.repo.path,
                REPO,
                ["main"],
                signer=self.signer,
                origin=self.config.origin,
                clock=self.clock,
                allowed_signers_file=(
                    self.config.resolve(signing.allowed_signers_file)
                    if signing.allowed_signers_file
                    else None
                ),
            )
        ]
        for folder, source in (("github", "github"), ("jira", "jira")):
            directory = self.evidence / folder
            if directory.exists():
                reports.append(self._ingest(source, [InputSource(str(directory))]))
        for kind, path, sha in self._attest:
            reports.append(
                self._ingest(kind, [InputSource(str(path), {"repo": REPO, "commit": sha})])
            )
        for path, environment in self._snapshots:
            hints = {"environment": environment, "observed_at": stamp(self.now)}
            reports.append(self._ingest("k8s-snapshot", [InputSource(str(path), hints)]))
        self._attest = []
        self._snapshots = []
        return reports

    def ingest_file(self, source: str, path: Path, **hints: str) -> IngestReport:
        """`soxtrail ingest SOURCE PATH --hint KEY=VALUE...`, as the CLI runs it."""
        return self._ingest(source, [InputSource(str(path), hints)])

    def _ingest(self, source: str, inputs: list[InputSource]) -> IngestReport:
        return ingest(
            self.db,
            get_adapter(source),
            inputs,
            signer=self.signer,
            origin=self.config.origin,
            clock=self.clock,
        )

    def close(self) -> None:
        self.db.dispose()


def fixed(at: datetime) -> Clock:
    return lambda: at
