"""A generated year of a mid-size company, written straight through `store_items`.

`build_store(db_url, repos=200, prs=50_000, deployments=20_000, seed=1)` creates the schema
and stores, with the ledger, for each repository a main branch of merged pull requests (a
feature commit and a merge commit each, signed by nobody), each pull request's merge event,
one or two approving reviews on the final head (about 2% approved by their author only), an
approved Jira ticket, and a CI run of the merge commit; then production deployments of the
repository's main head spread over the year, each approved and run by a pipeline. Last, it
writes a stored control run of the year (`write_run`) with one result per control and
subject, as `soxtrail controls eval` would store them, without evaluating: benchmarks of
readers (reports, dashboards) need the shape and the volume, not the verdicts.

`write_workspace(directory, summary)` makes a workspace (configuration, ledger key) around
the store, so that the CLI and services can be pointed at it. Reusable by any benchmark.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from soxtrail.domain.evidence import Evidence, Kind
from soxtrail.domain.facts import (
    ChangeRequestFacts,
    CommitFacts,
    DeploymentFacts,
    PipelineRunFacts,
    ReviewFacts,
    StatusChange,
    TicketFacts,
)
from soxtrail.domain.results import ControlResult, Result
from soxtrail.ledger.canonical import canonical_json
from soxtrail.ledger.note import NoteSigner, generate_signer, signer_to_pem
from soxtrail.policy.library import load_library
from soxtrail.services.ingest import Item, store_items
from soxtrail.store.control_runs import write_run
from soxtrail.store.database import Database
from soxtrail.store.evidence import NewDocument, record_body
from soxtrail.store.ledger import LedgerWriter, write_checkpoint

ORIGIN = "soxtrail.bench/acme"
YEAR = 2026
SYSTEM = "platform"
PEOPLE = [f"dev{i:03d}" for i in range(120)]
APPROVERS = ["lead01", "lead02", "lead03", "lead04"]


@dataclass
class Summary:
    db_url: str
    origin: str
    signer: NoteSigner
    repos: list[str]
    period: str
    records: int = 0
    documents: int = 0
    prs: int = 0
    deployments: int = 0
    results: int = 0
    seconds: float = 0.0
    run_id: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _sha(*parts: object) -> str:
    return hashlib.sha1("\n".join(map(str, parts)).encode()).hexdigest()


def _item(records: list[Evidence], origin: str) -> Item:
    content = canonical_json([r.to_json() for r in records])
    sha = hashlib.sha256(content).hexdigest()
    document = NewDocument(sha, sha, content, "bench", "application/json", origin)
    return Item(document, [_with_raw(r, sha) for r in records])


def _with_raw(record: Evidence, sha: str) -> Evidence:
    from dataclasses import replace

    return replace(record, raw_sha256=sha)


class _Generator:
    def __init__(self, repos: int, prs: int, deployments: int, seed: int) -> None:
        self.random = random.Random(seed)
        self.repos = [f"acme/svc-{i:03d}" for i in range(repos)]
        self.prs = prs
        self.deployments = deployments
        self.start = datetime(YEAR, 1, 1, tzinfo=UTC)
        self.span = timedelta(days=364).total_seconds()
        #: per repo: (time, merge sha, pr number) in time order
        self.heads: dict[str, list[tuple[datetime, str, int]]] = {r: [] for r in self.repos}
        self.results: list[tuple[ControlResult, datetime | None]] = []

    def _at(self, fraction: float) -> datetime:
        return self.start + timedelta(seconds=int(fraction * self.span))

    def items(self) -> Iterator[Item]:
        per_repo = self.prs // len(self.repos)
        number = 0
        for r_index, repo in enumerate(self.repos):
            main = _sha(repo, "root")
            root = Evidence(
                kind=Kind.COMMIT,
                source="git",
                occurred_at=self.start,
                subject=main,
                repo=repo,
                commit=main,
                facts=CommitFacts(
                    sha=main,
                    author_email="dev000@acme.example",
                    committed_at=self.start,
                    message="Initial import",
                    branches=("main",),
                ),
            )
            yield _item([root], f"{repo}:root")
            for i in range(per_repo):
                number += 1
                yield self._pull_request(repo, r_index, i, per_repo, number, main)
                main = self.heads[repo][-1][1]
        yield from self._deployments()

    def _pull_request(
        self, repo: str, r_index: int, i: int, per_repo: int, number: int, parent: str
    ) -> Item:
        rnd = self.random
        at = self._at((i + rnd.random() * 0.5) / per_repo)
        author = rnd.choice(PEOPLE)
        feature = _sha(repo, number, "feature")
        merge = _sha(repo, number, "merge")
        pr = f"{repo}#{i + 1}"
        key = f"SVC{r_index}-{i + 1}"
        self_approved = rnd.random() < 0.02
        reviewers = [author] if self_approved else rnd.sample(APPROVERS, rnd.choice((1, 2)))
        opened = at - timedelta(hours=3)
        records = [
            Evidence(
                kind=Kind.COMMIT,
                source="git",
                occurred_at=opened,
                subject=feature,
                repo=repo,
                commit=feature,
                actor=f"{author}@acme.example",
                facts=CommitFacts(
                    sha=feature,
                    parents=(parent,),
                    author_name=author,
                    author_email=f"{author}@acme.example",
                    committer_email=f"{author}@acme.example",
                    authored_at=opened,
                    committed_at=opened,
                    message=f"Change {key}",
                    paths=(f"src/m{i % 40}.py",),
                    branches=("main",),
                ),
            ),
            Evidence(
                kind=Kind.COMMIT,
                source="git",
                occurred_at=at,
                subject=merge,
                repo=repo,
                commit=merge,
                actor="noreply@github.com",
                facts=CommitFacts(
                    sha=merge,
                    parents=(parent, feature),
                    author_name=author,
                    author_email=f"{author}@acme.example",
                    committer_name="GitHub",
                    committer_email="noreply@github.com",
                    authored_at=at,
                    committed_at=at,
                    message=f"Merge pull request #{i + 1} {key}",
                    pr_number=i + 1,
                    branches=("main",),
                ),
            ),
            Evidence(
                kind=Kind.CHANGE_REQUEST,
                source="github",
                occurred_at=at,
                subject=pr,
                repo=repo,
                change_request=pr,
                commit=merge,
                actor=reviewers[0],
                tickets=(key,),
                links=(("commit", feature),),
                facts=ChangeRequestFacts(
                    platform="github",
                    number=i + 1,
                    action="closed",
                    state="merged",
                    title=f"{key}: change {i + 1}",
                    author=author,
                    head_ref=f"feature/{i + 1}",
                    head_sha=feature,
                    base_ref="main",
                    base_sha=parent,
                    merged=True,
                    merged_at=at,
                    merged_by=reviewers[0],
                    merge_commit_sha=merge,
                    ticket_keys=(key,),
                ),
            ),
            Evidence(
                kind=Kind.TICKET,
                source="jira",
                occurred_at=opened - timedelta(hours=2),
                subject=key,
                actor=author,
                tickets=(key,),
                facts=TicketFacts(
                    tracker="jira",
                    key=key,
                    type="Change",
                    status="Approved",
                    summary=f"change {i + 1}",
                    reporter=author,
                    status_history=(
                        StatusChange(
                            at=opened - timedelta(hours=1),
                            by="cab01",
                            from_status="In Review",
                            to_status="Approved",
                        ),
                    ),
                ),
            ),
            Evidence(
                kind=Kind.PIPELINE_RUN,
                source="github",
                occurred_at=at + timedelta(minutes=9),
                subject=f"github:run:{number}",
                repo=repo,
                commit=merge,
                links=(("run", f"github:run:{number}"),),
                facts=PipelineRunFacts(
                    provider="github",
                    run_kind="workflow_run",
                    run_id=str(number),
                    name="ci",
                    branch="main",
                    head_sha=merge,
                    status="completed",
                    conclusion="success",
                ),
            ),
        ]
        for n, reviewer in enumerate(reviewers):
            records.append(
                Evidence(
                    kind=Kind.REVIEW,
                    source="github",
                    occurred_at=at - timedelta(minutes=30 - n),
                    subject=f"{pr}:review:{n}",
                    repo=repo,
                    change_request=pr,
                    actor=reviewer,
                    commit=feature,
                    facts=ReviewFacts(
                        platform="github",
                        number=i + 1,
                        review_id=f"{number}-{n}",
                        reviewer=reviewer,
                        state="approved",
                        commit_sha=feature,
                        submitted_at=at - timedelta(minutes=30 - n),
                        head_sha=feature,
                    ),
                )
            )
        self.heads[repo].append((at, merge, i + 1))
        ids = [record_body(r)[0] for r in records]
        for control in ("CM-02", "CM-03"):
            failed = control == "CM-02" and self_approved
            self.results.append(
                (
                    ControlResult(
                        control,
                        pr,
                        Result.FAIL if failed else Result.PASS,
                        (f"{pr}: {'approved only by its author' if failed else 'synthetic pass'}",),
                        tuple(ids[2:3]),
                    ),
                    at,
                )
            )
        self.results.append(
            (
                ControlResult(
                    "CM-10", pr, Result.NOT_APPLICABLE, (f"{pr} is not an emergency change",)
                ),
                at,
            )
        )
        for sha, when in ((feature, opened), (merge, at)):
            self.results.append(
                (
                    ControlResult(
                        "CM-01",
                        sha,
                        Result.PASS,
                        (f"commit {sha[:7]} arrived through {pr}",),
                        tuple(ids[:1]),
                    ),
                    when,
                )
            )
        return _item(records, f"{repo}:pr:{i + 1}")

    def _deployments(self) -> Iterator[Item]:
        per_repo = self.deployments // len(self.repos)
        for d_index in range(per_repo * len(self.repos)):
            repo = self.repos[d_index % len(self.repos)]
            k = d_index // len(self.repos)
            heads = self.heads[repo]
            at, sha, _number = heads[min(len(heads) - 1, (k + 1) * len(heads) // per_repo - 1)]
            at = at + timedelta(hours=1)
            subject = f"github:{d_index + 1}"
            approver = self.random.choice(APPROVERS)
            record = Evidence(
                kind=Kind.DEPLOYMENT,
                source="github",
                occurred_at=at,
                subject=subject,
                repo=repo,
                commit=sha,
                environment="production",
                actor="deploy-bot",
                links=(("deployment", subject), ("run", f"github:deploy:{d_index}")),
                facts=DeploymentFacts(
                    provider="github",
                    deployment_id=str(d_index + 1),
                    environment="production",
                    sha=sha,
                    ref="main",
                    status="success",
                    creator="deploy-bot",
                    approvers=(approver,),
                    run_id=f"deploy-{d_index}",
                ),
            )
            record_id = record_body(record)[0]
            for control in ("CM-04", "CM-05", "CM-06", "CM-07"):
                self.results.append(
                    (
                        ControlResult(
                            control, subject, Result.PASS, ("synthetic pass",), (record_id,)
                        ),
                        at,
                    )
                )
            self.results.append(
                (
                    ControlResult(
                        "CM-09",
                        subject,
                        Result.NOT_APPLICABLE,
                        ("signed commits are not required",),
                    ),
                    at,
                )
            )
            yield _item([record], f"{repo}:deploy:{d_index}")
        for repo in self.repos:
            self.results.append(
                (
                    ControlResult("CM-12", f"{repo}:main", Result.PASS, ("protected (synthetic)",)),
                    None,
                )
            )
        for control in ("CM-08", "CM-11"):
            self.results.append(
                (
                    ControlResult(
                        control, "*", Result.NOT_APPLICABLE, ("none in the synthetic year",)
                    ),
                    None,
                )
            )


def build_store(
    db_url: str, *, repos: int = 200, prs: int = 50_000, deployments: int = 20_000, seed: int = 1
) -> Summary:
    """Create the schema and store the generated year and its control run (see module doc)."""
    import time

    started = time.perf_counter()
    signer = generate_signer(ORIGIN)
    db = Database(db_url)
    db.upgrade()
    now = datetime(YEAR + 1, 1, 2, tzinfo=UTC)
    generator = _Generator(repos, prs, deployments, seed)
    try:
        report = store_items(
            db,
            "bench",
            generator.items(),
            signer=signer,
            origin=ORIGIN,
            clock=lambda: now,
            batch_size=5000,
        )
        library = load_library()
        with db.write() as conn:
            ledger = LedgerWriter(conn, now)
            run_id = write_run(
                conn,
                ledger,
                period=str(YEAR),
                system=SYSTEM,
                period_start=generator.start,
                period_end=datetime(YEAR + 1, 1, 1, tzinfo=UTC),
                policy_digest=library.digest,
                engine="opa",
                evaluated_at=now,
                results=generator.results,
            )
            ledger.finish()
            write_checkpoint(conn, signer, ORIGIN, now)
    finally:
        db.dispose()
    counts: dict[str, int] = {}
    for result, _ in generator.results:
        counts[result.result.value] = counts.get(result.result.value, 0) + 1
    return Summary(
        db_url=db_url,
        origin=ORIGIN,
        signer=signer,
        repos=generator.repos,
        period=str(YEAR),
        records=report.counts.records_new,
        documents=report.counts.documents_new,
        prs=sum(len(h) for h in generator.heads.values()),
        deployments=(deployments // repos) * repos,
        results=len(generator.results),
        seconds=time.perf_counter() - started,
        run_id=run_id,
        counts=counts,
    )


def write_workspace(directory: Path, summary: Summary) -> Path:
    """A workspace around the store: `soxtrail.toml` naming its repositories, the ledger key."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / "ledger.key"
    key.write_bytes(signer_to_pem(summary.signer))
    key.chmod(0o600)
    repos = ", ".join(f'"{r}"' for r in summary.repos)
    (directory / "soxtrail.toml").write_text(
        f'[store]\nurl = "{summary.db_url}"\n\n[ledger]\norigin = "{summary.origin}"\n'
        f'key_file = "ledger.key"\n\n[[systems]]\nname = "{SYSTEM}"\nrepos = [{repos}]\n'
        'protected_branches = ["main"]\nproduction_environments = ["production"]\n'
    )
    return directory / "soxtrail.toml"


def cached_workspace(size: dict[str, int]) -> tuple[Path, dict[str, Any]]:
    """A workspace around the generated year of `size` (`repos`, `prs`, `deployments`),
    built once per size, schema and policy under $TMPDIR/soxtrail-bench-report and reused,
    with `describe` of its store. Readers only: a benchmark that writes (a new control run)
    works on a copy of `store.db`."""
    import json
    import tempfile

    from soxtrail.store.database import HEAD_REVISION

    # The store is evaluated with the policy in force: a new policy or schema, a new store.
    policy = load_library().digest.removeprefix("sha256:")[:12]
    name = "-".join([*map(str, size.values()), f"schema{HEAD_REVISION}", policy])
    root = Path(tempfile.gettempdir()) / "soxtrail-bench-report" / name
    marker = root / "store.json"
    if marker.exists():
        described: dict[str, Any] = json.loads(marker.read_text())
        return root, described
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("store.db*"):
        old.unlink()
    summary = build_store(f"sqlite:///{root / 'store.db'}", seed=1, **size)
    write_workspace(root, summary)
    described = describe(summary)
    marker.write_text(json.dumps(described))
    return root, described


def describe(summary: Summary) -> dict[str, Any]:
    return {
        "repos": len(summary.repos),
        "prs": summary.prs,
        "deployments": summary.deployments,
        "records": summary.records,
        "documents": summary.documents,
        "results": summary.results,
        "build_seconds": round(summary.seconds, 1),
    }
