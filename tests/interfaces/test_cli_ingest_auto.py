"""`soxtrail ingest auto PATH...`: each file goes to the adapter that recognises its shape.

A directory holds one corpus file of each source the corpus has (copied from tests/corpus),
and the store says which adapter read each one. A document no source recognises stops the
ingest (exit 2, naming the file) and nothing is stored; in a directory, files whose suffix
no source reads are skipped; a second run stores nothing new.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from tests.helpers import corpus
from tests.interfaces.test_cli_contract import soxtrail

#: corpus file -> the source (adapter name) that must read it.
ONE_OF_EACH: dict[str, str] = {
    "github-webhooks/pull_request/opened.payload.json": "github",
    "gitlab-webhooks/pipeline/success.go-gitlab.json": "gitlab",
    "jira-webhooks/server/issue_updated.closed.json": "jira",
    "argocd/application/synced-healthy-with-history.yaml": "argocd",
    "attestations/slsa-verifier/gcb-container-provenance-v0.3.json": "intoto",
    "junit/test-reporter-fixtures/pytest.junit.xml": "junit",
    "sarif/codeql-action/valid-sarif.sarif": "sarif",
    "sbom/cyclonedx/vex-cisa-affected.cdx.json": "cyclonedx",
    "terraform-plan-json/checkov-fixtures/updates.tf1.4.6.plan.json": "terraform-plan",
    "aws-cloudtrail/stratus-red-team/iam-create-user-login-profile.json": "cloudtrail",
    "k8s-audit/falco-trace-files/create_secret.v1.json": "k8s-audit",
    "okta-system-log/streamalert/okta_new_login.json": "okta",
    "github-audit-log/streamalert/protected_branch.destroy.json": "github-audit",
}
#: The Vault audit log is 1397 lines: its first three, as a smaller log of the same device.
VAULT = "vault-audit/vault-guides/vault-audit.log"
VAULT_LINES = 3


def evidence_folder(root: Path) -> Path:
    folder = root / "evidence"
    folder.mkdir()
    for relative in ONE_OF_EACH:
        shutil.copy(corpus(relative), folder / Path(relative).name)
    lines = corpus(VAULT).read_text().splitlines(keepends=True)[:VAULT_LINES]
    (folder / "vault-audit.log").write_text("".join(lines))
    (folder / "README.md").write_text("# exports of the week\n")  # no source reads .md
    return folder


def stored(root: Path) -> tuple[dict[str, str], dict[str, int]]:
    """(file name -> source of its raw document, source -> records) as the store holds them."""
    with sqlite3.connect(root / ".soxtrail" / "soxtrail.db") as db:
        documents = db.execute("SELECT origin, source FROM raw_documents").fetchall()
        records = db.execute("SELECT source, count(*) FROM evidence GROUP BY source").fetchall()
    by_file: dict[str, str] = {}
    for origin, source in documents:
        name = Path(origin).name.split(":")[0]  # NDJSON documents are `file:line`
        assert by_file.setdefault(name, source) == source, f"{name} read by two sources"
    return by_file, dict(records)


def ledger_size(root: Path) -> int:
    size: int = json.loads(soxtrail("ledger", "status", "-f", "json", cwd=root).stdout)["size"]
    return size


def test_each_file_goes_to_its_adapter_and_a_second_run_stores_nothing(tmp_path: Path) -> None:
    assert soxtrail("init", cwd=tmp_path).returncode == 0
    folder = evidence_folder(tmp_path)
    first = soxtrail("ingest", "auto", str(folder), "-f", "json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["source"] == "auto"
    assert report["files"] == len(ONE_OF_EACH) + 1, "README.md is skipped"
    assert report["documents"]["new"] == len(ONE_OF_EACH) + VAULT_LINES
    by_file, records = stored(tmp_path)
    expected = {Path(p).name: s for p, s in ONE_OF_EACH.items()} | {
        "vault-audit.log": "vault-audit"
    }
    assert by_file == expected
    assert set(records) == set(expected.values()), "every source stored records"
    assert records["vault-audit"] == VAULT_LINES
    assert sum(records.values()) == report["records"]["new"]
    # The Argo CD Application is a deployment of its app, not ignored.
    assert report["ignored"] == []

    size = ledger_size(tmp_path)
    second = soxtrail("ingest", "auto", str(folder), "-f", "json", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["documents"] == {"new": 0, "already_stored": report["documents"]["new"]}
    assert again["records"]["new"] == 0
    assert ledger_size(tmp_path) == size
    assert stored(tmp_path) == (by_file, records)


def test_a_document_no_source_recognises_stops_the_ingest(tmp_path: Path) -> None:
    """A Trivy report is JSON that soxtrail does not read: named, exit 2, nothing stored,
    not even the files that were recognised."""
    assert soxtrail("init", cwd=tmp_path).returncode == 0
    folder = evidence_folder(tmp_path)
    unknown = folder / "zz-scan.json"
    shutil.copy(corpus("trivy-json/secrets.trivy.json"), unknown)
    size = ledger_size(tmp_path)
    result = soxtrail("ingest", "auto", str(folder), cwd=tmp_path)
    assert result.returncode == 2
    assert (
        f"{unknown}: no source recognises this document; name the source explicitly"
        in result.stderr
    )
    assert ledger_size(tmp_path) == size
    assert stored(tmp_path) == ({}, {})
