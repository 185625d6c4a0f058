"""Every corpus file of every source goes through the real `soxtrail ingest` into SQLite and
PostgreSQL, and ingesting it a second time changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from soxtrail.interfaces.cli.app import main
from tests.helpers import CORPUS

#: corpus folder -> source name (folders of formats soxtrail reads).
SOURCES: dict[str, str] = {
    "github-webhooks": "github",
    "gitlab-webhooks": "gitlab",
    "gitlab-audit": "gitlab",
    "gitlab-api": "gitlab",
    "jira-webhooks": "jira",
    "jira-rest": "jira",
    "argocd": "argocd",
    "attestations": "intoto",
    "junit": "junit",
    "sarif": "sarif",
    "sbom/cyclonedx": "cyclonedx",
    "terraform-plan-json": "terraform-plan",
    "aws-cloudtrail": "cloudtrail",
    "vault-audit": "vault-audit",
    "k8s-audit": "k8s-audit",
    "okta-system-log": "okta",
    "github-audit-log": "github-audit",
}

#: What an API response does not say about itself, as a user passes it (`--hint K=V`).
HINTS: dict[str, list[str]] = {
    "gitlab-api/mr-approval-state.json": ["--hint", "repo=acme/billing", "--hint", "mr=7"],
    "gitlab-api/protected-branch.json": ["--hint", "repo=acme/billing"],
}

#: Corpus files that are deliberately not of the folder's format: they must be refused with
#: exit 2 and a message naming the problem, and leave nothing behind.
REFUSED: dict[str, str] = {
    "jira-rest/go-atlassian/atlassian-admin-org-audit-events.json": "not a Jira document",
    "sbom/cyclonedx/cern-lhc-vdm-editor.cdx-1.2.xml": "the document is XML",
    "terraform-plan-json/checkov-fixtures/corrupted.plan.json": "this is a Terraform state, not a plan",
    "k8s-audit/falco-trace-files/malformed-kind-0.json": "/kind: expected a string, got integer 0",
    "okta-system-log/panther/okta_admin_disabled_mfa.rule.yml": "not valid JSON",
    "github-audit-log/panther/github_branch_policy_override.rule.yml": "not valid JSON",
    "github-audit-log/panther/github_repo_ruleset_modified.rule.yml": "not valid JSON",
}


def corpus_files(folder: str) -> list[Path]:
    return sorted(
        p for p in (CORPUS / folder).rglob("*") if p.is_file() and not p.name.startswith(".")
    )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("folder", sorted(SOURCES))
def test_corpus_ingests_and_reingest_changes_nothing(
    folder: str, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "ws"
    code, _, err = run(capsys, "--db", db_url, "init", str(workspace))
    assert code == 0, err
    config = str(workspace / "soxtrail.toml")
    source = SOURCES[folder]
    files = corpus_files(folder)
    assert files
    for path in files:
        refused = REFUSED.get(path.relative_to(CORPUS).as_posix())
        if refused:
            code, _, err = run(
                capsys, "--config", config, "--db", db_url, "ingest", source, str(path)
            )
            assert code == 2 and refused in err and str(path) in err, err
            continue
        hints = HINTS.get(path.relative_to(CORPUS).as_posix(), [])
        code, out, err = run(
            capsys,
            "--config",
            config,
            "--db",
            db_url,
            "ingest",
            source,
            str(path),
            *hints,
            "--format",
            "json",
        )
        assert code == 0, f"{path}: {err}"
        first = json.loads(out)
        assert first["documents"]["new"] + first["documents"]["already_stored"] >= 1
        hints = HINTS.get(path.relative_to(CORPUS).as_posix(), [])
        code, out, err = run(
            capsys,
            "--config",
            config,
            "--db",
            db_url,
            "ingest",
            source,
            str(path),
            *hints,
            "--format",
            "json",
        )
        assert code == 0, err
        second = json.loads(out)
        assert second["documents"]["new"] == 0 and second["records"]["new"] == 0, path
        assert second["ledger"]["size"] == first["ledger"]["size"]
    code, out, err = run(
        capsys, "--config", config, "--db", db_url, "ledger", "verify", "--format", "json"
    )
    assert code == 0, err
    assert json.loads(out)["ok"] is True
