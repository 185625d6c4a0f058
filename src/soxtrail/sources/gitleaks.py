"""Gitleaks JSON reports (`gitleaks detect --report-format json`): secret-scanning findings.

Format (gitleaks README, "Reporting", and its `report.Finding` type, checked against its
`testdata/expected/report/json_simple.json`): a JSON array of findings, each with `RuleID`,
`Description`, `StartLine`, `EndLine`, `StartColumn`, `EndColumn`, `Match`, `Secret`,
`File`, `SymlinkFile`, `Commit`, `Entropy`, `Author`, `Email`, `Date`, `Message`, `Tags`,
`Fingerprint` (and `Line` with `--report-format json --verbose` style extras, `Link` in newer
versions). An empty array is a scan that found nothing. The gitleaks SARIF and JUnit reports
are read by the `sarif` and `junit` sources.

One `scan_report` record per report, like the SARIF source: `tool` `gitleaks`, one finding
per element with `rule_id` = `RuleID`, level `error` and severity `high` (a leaked secret is
always blocking), `location` = `File:StartLine`, `message` = the description plus the commit
it was found at, `fingerprint` = `Fingerprint`, else gitleaks' own spelling of it
(`<commit>:<file>:<rule>:<line>`, the form `.gitleaksignore` lists). `analysis_complete` is
True (gitleaks writes the report only when the scan finished).

The secret never reaches a record, and never the store: `Secret`, `Match` and `Line` (and
the older `Context`) are redacted from the raw document before it is stored or parsed
(`sources/redaction.py`, rules `json-secret-key` and `gitleaks-match`), and this adapter does
not read them. Repository and commit come from the `repo` and `commit` hints
(`sources/ci_context.py`), the time from the `observed_at` hint.
"""

from __future__ import annotations

from typing import Any

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import Finding, ScanReportFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.ci_context import (
    clip,
    context_of,
    document_sha256,
    occurred_at,
    run_links,
    subject_of,
)
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.sarif import SEVERITIES

SOURCE = "gitleaks"
_MARKERS = ("RuleID", "File", "StartLine")


def _is_finding(value: Any) -> bool:
    return isinstance(value, dict) and all(k in value for k in _MARKERS)


def _finding(node: Node) -> Finding:
    if not isinstance(node.value, dict):
        raise node.error(f"expected a gitleaks finding object, got {describe(node.value)}")
    rule = node.req_str("RuleID")
    path = node.req_str("File")
    line = node.opt_int("StartLine")
    commit = node.opt_str("Commit") or ""
    description = node.opt_str("Description") or rule
    where = f" at commit {commit[:12]}" if commit else ""
    fingerprint = node.opt_str("Fingerprint") or None
    if fingerprint is None:
        fingerprint = f"{commit}:{path}:{rule}:{line}" if commit else f"{path}:{rule}:{line}"
    return Finding(
        rule_id=rule,
        level="error",
        severity="high",
        location=f"{path}:{line}" if line is not None else path,
        message=clip(f"{description} in {path}{where}"),
        fingerprint=fingerprint,
    )


class GitleaksAdapter:
    """`ingest gitleaks` / `attest gitleaks`: gitleaks JSON reports."""

    name = SOURCE
    framing: Framing = "json"
    media_type = "application/json"
    suffixes: tuple[str, ...] = (".json",)

    def detect(self, doc: Document, data: Any) -> bool:
        return isinstance(data, list) and bool(data) and all(_is_finding(f) for f in data)

    def parse(self, doc: Document, data: Any) -> Parsed:
        """One scan_report record for the report.

        Raises:
            InputError: not an array of findings, or a finding without RuleID or File.
        """
        context = context_of(doc)
        root = Node(data, doc)
        if not isinstance(data, list):
            raise root.error(f"expected an array of gitleaks findings, got {describe(data)}")
        findings = tuple(_finding(f) for f in root.items())
        by_severity: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        by_severity["high"] = len(findings)
        repo, commit = context.repo, context.commit
        facts = ScanReportFacts(
            tool=SOURCE,
            category="secrets",
            findings=findings,
            by_severity=by_severity,
            analysis_complete=True,
        )
        record = Evidence(
            kind=Kind.SCAN_REPORT,
            source=SOURCE,
            occurred_at=occurred_at(None, context),
            subject=subject_of(repo, commit, f"{SOURCE}@sha256:{document_sha256(doc)}"),
            facts=facts,
            repo=repo,
            commit=commit,
            links=run_links(context),
            locator=root.pointer,
        )
        return Parsed(records=(record,))


ADAPTER = GitleaksAdapter()
