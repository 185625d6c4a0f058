"""Policy input about secrets (AC-07): secrets-manager metadata and secret-scanning results.

The input parts (docs/policy-contract.md, "Secrets"):

- `secrets`: the system's secrets as of the end of the period (the newest metadata record
  of each, deleted ones left out), with their manager, environment, creation and last
  rotation instants. A secret belongs to the system when its `system` (tag, custom metadata
  or ingest hint) is the system's name, or else when one segment of its name or path is
  (`billing/production/db`, `secret/billing/...`), compared case-insensitively;
- `secret_scans`: one entry per repository of the system, with the newest report of each
  secret scanner on that repository up to the end of the period and its open findings (not
  suppressed, not `absent` from the run). A secret scanner is a tool named in
  `SECRET_SCANNERS` (gitleaks, trufflehog, ...) or a report whose category mentions
  secrets (`--hint tool=...` and SARIF `automationDetails.id` say so).

Subjects: each secret (`secrets[].subject`) and each repository (`repo:<owner/name>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from soxtrail.domain.access_facts import SecretMetadataFacts
from soxtrail.domain.evidence import StoredEvidence
from soxtrail.domain.facts import ScanReportFacts
from soxtrail.domain.period import Period
from soxtrail.policy.library import Library
from soxtrail.services import policy_input as pi
from soxtrail.services.grant_inputs import as_of
from soxtrail.store.queries import of_kind

if TYPE_CHECKING:
    from soxtrail.services.period import Batch

#: Tools whose reports are secret scans (lower-case tool names).
SECRET_SCANNERS = frozenset(
    {"gitleaks", "trufflehog", "detect-secrets", "ggshield", "noseyparker"}
    | {"github secret scanning"}
)
_SEGMENTS = re.compile(r"[/:]")


def belongs_to(facts: SecretMetadataFacts, system: str) -> bool:
    """Whether a secret belongs to `system` (module docstring)."""
    wanted = system.lower()
    if facts.system is not None:
        return facts.system.strip().lower() == wanted
    names = [facts.name, facts.path or ""]
    return any(wanted in (s.lower() for s in _SEGMENTS.split(n)) for n in names)


def secrets_json(ctx: pi.Context) -> list[dict[str, Any]]:
    """The system's live secrets as of `ctx.now`, newest record of each."""
    latest: dict[str, StoredEvidence] = {}
    for stored in of_kind(ctx.conn, ["secret_metadata"], end=ctx.now):
        latest[stored.evidence.subject] = stored
    out = []
    for subject in sorted(latest):
        stored = latest[subject]
        facts = stored.evidence.facts
        assert isinstance(facts, SecretMetadataFacts)
        if not belongs_to(facts, ctx.system.name):
            continue
        if facts.deleted_at is not None and facts.deleted_at <= ctx.now:
            continue
        out.append(
            {
                "subject": subject,
                "name": facts.name,
                "manager": facts.manager,
                "provider": facts.provider,
                "environment": facts.environment,
                "system": facts.system,
                "created_at": pi.epoch(facts.created_at),
                "last_rotated_at": pi.epoch(facts.last_rotated_at),
                "rotation_enabled": facts.rotation_enabled,
                "rotation_interval_days": facts.rotation_interval_days,
                "observed_at": pi.epoch(stored.evidence.occurred_at),
                "evidence": [stored.id],
            }
        )
    return out


def is_secret_scan(facts: ScanReportFacts) -> bool:
    tool = facts.tool.strip().lower()
    return tool in SECRET_SCANNERS or "secret" in (facts.category or "").lower()


def secret_scans_json(ctx: pi.Context, end: datetime) -> list[dict[str, Any]]:
    """One entry per repository: the newest report of each secret scanner before `end`."""
    out = []
    for repo in ctx.system.repos:
        newest: dict[str, StoredEvidence] = {}
        for stored in of_kind(ctx.conn, ["scan_report"], repo=repo, end=end):
            facts = stored.evidence.facts
            if isinstance(facts, ScanReportFacts) and is_secret_scan(facts):
                newest[facts.tool.strip().lower()] = stored
        scans = []
        for tool in sorted(newest):
            stored = newest[tool]
            facts = stored.evidence.facts
            assert isinstance(facts, ScanReportFacts)
            scans.append(
                {
                    "tool": facts.tool,
                    "at": pi.epoch(stored.evidence.occurred_at),
                    "commit": stored.evidence.commit,
                    "complete": facts.analysis_complete,
                    "open_findings": [
                        {
                            "rule_id": f.rule_id,
                            "location": f.location,
                            "fingerprint": f.fingerprint,
                            "severity": f.severity,
                        }
                        for f in facts.findings
                        if not f.suppressed and f.baseline_state != "absent"
                    ],
                    "evidence": stored.id,
                }
            )
        out.append({"subject": f"repo:{repo}", "repo": repo, "scans": scans})
    return out


def secret_batches(ctx: pi.Context, library: Library, period: Period) -> Iterator[Batch]:
    """AC-07: one input with the system's secrets and its repositories' secret scans."""
    from soxtrail.services.period import Batch, base_document  # period imports this module

    at_end = as_of(ctx, period)
    document = base_document(at_end, library)
    document["secrets"] = secrets_json(at_end)
    document["secret_scans"] = secret_scans_json(at_end, at_end.now)
    subjects = [s["subject"] for s in document["secrets"]] + [
        r["subject"] for r in document["secret_scans"]
    ]
    document["subjects"] = {"secret": subjects}
    yield Batch("secret", document, dict.fromkeys(subjects, at_end.now))
