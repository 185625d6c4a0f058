"""SARIF 2.1.0 logs (OASIS Static Analysis Results Interchange Format): one `scan_report`
record per run.

Follows the OASIS SARIF 2.1.0 specification (§3.14 run, §3.27 result, §3.35 suppression,
§3.49 reportingDescriptor) and GitHub code scanning's `security-severity` rule property.
Any tool: CodeQL, Trivy, Checkov, gitleaks, Semgrep, ...

Per run: the tool (`tool.driver.name`; no `tool`, or a name absent, empty or null, gives the
`tool` hint, else `unknown`), its version, the category (`automationDetails.id`), and one
finding per result:

- rule: `ruleId`, else `rule.id`, else the id of the rule `ruleIndex`/`rule.index` points to;
  the rule's descriptor is looked up in the driver or, with `rule.toolComponent.index`, in
  an extension (CodeQL keeps its rules there);
- level: `result.level`, else `"none"` when `kind` is present and not `fail` (§3.27.10), else
  the rule's `defaultConfiguration.level`, else `"warning"`;
- security severity: the rule's `properties["security-severity"]` (else the result's), a
  number given as a string (`"7.5"`); not a number from 0 to 10 gives None;
- severity, normalised: from the security severity when given (>= 9.0 critical, >= 7.0 high,
  >= 4.0 medium, > 0 low, else info), else from the level (error: high, warning: medium,
  note: low, none: info);
- suppressed: the result has a non-empty `suppressions` array and every suppression is
  `accepted` or has no status. A suppression `underReview` or `rejected` leaves the finding
  open: a pending or refused suppression is not a decision to accept the risk (fail closed;
  this is also the SARIF SDK's reading, with no status taken as accepted);
- results of `kind` `pass` or `notApplicable` are not findings and are left out;
- `by_severity` counts open findings only: not suppressed and not `baselineState: absent`
  (a result of the baseline that this run no longer finds).

Strict about structure: `version` 2.1.0 and `runs` are required; a run's `tool`, when present,
needs a `driver` object (§3.18.2); every rule descriptor of the driver and extensions is an
object with a string `id` (§3.49.3); every field read has its SARIF type. Lenient where real
producers are: a run without `tool` (checkov) and an absent, null or empty `driver.name`
(codeql-action's test data) are read.

Not read: code flows, fixes, taxonomies, rule configuration overrides, external property
files, `uriBaseId` resolution (locations are reported as the log spells them).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Literal

from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import Finding, ScanReportFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.ci_context import (
    Context,
    clip,
    context_of,
    document_sha256,
    normalise_commit,
    occurred_at,
    repo_from_uri,
    run_links,
    subject_of,
)
from soxtrail.sources.reader import Node, describe

Severity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "high", "medium", "low", "info")
_LEVEL_SEVERITY: dict[str, Severity] = {
    "error": "high",
    "warning": "medium",
    "note": "low",
    "none": "info",
}
_NOT_FINDINGS = ("pass", "notApplicable")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(\d+)\}")


def severity_of(security_severity: float | None, level: str) -> Severity:
    """The normalised severity of a finding (see the module docstring)."""
    if security_severity is not None:
        if security_severity >= 9.0:
            return "critical"
        if security_severity >= 7.0:
            return "high"
        if security_severity >= 4.0:
            return "medium"
        return "low" if security_severity > 0 else "info"
    return _LEVEL_SEVERITY.get(level, "medium")


def _require_object(node: Node) -> Node:
    """`node` itself, which must hold a JSON object."""
    if not isinstance(node.value, dict):
        raise node.error(f"expected an object, got {describe(node.value)}")
    return node


def _score(node: Node | None) -> float | None:
    """A `security-severity` property value as a float from 0 to 10, else None."""
    if node is None:
        return None
    value = node.value.get("security-severity") if isinstance(node.value, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        score = float(value)
    except ValueError:
        return None
    return score if math.isfinite(score) and 0.0 <= score <= 10.0 else None


def _format(template: str, arguments: tuple[str, ...]) -> str:
    """A SARIF message string with `{0}` placeholders replaced (§3.11.5)."""

    def substitute(match: re.Match[str]) -> str:
        if match[1] is None:
            return match[0][0]
        index = int(match[1])
        return arguments[index] if index < len(arguments) else match[0]

    return _PLACEHOLDER.sub(substitute, template)


class _Run:
    """One run's rules and artifacts, for looking up what results refer to."""

    def __init__(self, run: Node) -> None:
        self.run = run
        tool = run.opt_obj("tool")
        # §3.18.2: a tool SHALL have a driver. A run without any `tool` is read (checkov
        # writes such runs: tests/corpus/sarif/checkov), a `tool` without its driver is not.
        self.driver = tool.obj("driver") if tool is not None else None
        self.extensions = list(tool.items("extensions")) if tool is not None else []
        for component in [self.driver, *self.extensions]:
            if component is not None:
                _require_object(component).opt_str("name")
                for rule in component.items("rules"):
                    _require_object(rule).req_str("id")  # §3.49.3: SHALL be present
        self.artifacts = list(run.items("artifacts"))

    def _rules(self, component: int | None) -> list[Node]:
        if component is None:
            owner = self.driver
        elif 0 <= component < len(self.extensions):
            owner = self.extensions[component]
        else:
            return []
        return list(owner.items("rules")) if owner is not None else []

    def rule(self, result: Node, rule_id: str | None) -> Node | None:
        """The reportingDescriptor of a result's rule (§3.52.3), or None."""
        reference = result.opt_obj("rule")
        component: int | None = None
        index = result.opt_int("ruleIndex")
        if reference is not None:
            if reference.opt_int("index") is not None:
                index = reference.opt_int("index")
            tool_component = reference.opt_obj("toolComponent")
            if tool_component is not None:
                component = tool_component.opt_int("index")
        rules = self._rules(component)
        if index is not None and 0 <= index < len(rules):
            return _require_object(rules[index])
        if rule_id is None:
            return None
        for owner in [self.driver, *self.extensions]:
            for candidate in owner.items("rules") if owner is not None else ():
                if candidate.value.get("id") == rule_id:
                    return candidate
        return None

    def artifact_uri(self, index: int | None) -> str | None:
        if index is None or not 0 <= index < len(self.artifacts):
            return None
        location = self.artifacts[index].opt_obj("location")
        return location.opt_str("uri") if location is not None else None


def _rule_id(result: Node) -> str | None:
    rule_id = result.opt_str("ruleId")
    if rule_id is None:
        reference = result.opt_obj("rule")
        rule_id = reference.opt_str("id") if reference is not None else None
    return rule_id


def _level(result: Node, rule: Node | None) -> str:
    level = result.opt_str("level")
    if level is not None:
        return level
    if (result.opt_str("kind") or "fail") != "fail":
        return "none"
    if rule is not None:
        configuration = rule.opt_obj("defaultConfiguration")
        if configuration is not None and configuration.opt_str("level") is not None:
            return configuration.req_str("level")
    return "warning"


def _message(result: Node, rule: Node | None, driver: Node | None) -> str | None:
    message = result.opt_obj("message")
    if message is None:
        return None
    text = message.opt_str("text") or message.opt_str("markdown")
    arguments = message.str_list("arguments")
    message_id = message.opt_str("id")
    if text is None and message_id is not None:
        tables = [
            rule.opt_obj("messageStrings") if rule is not None else None,
            driver.opt_obj("globalMessageStrings") if driver is not None else None,
        ]
        for table in tables:
            entry = table.opt_obj(message_id) if table is not None else None
            if entry is not None and entry.opt_str("text") is not None:
                text = entry.req_str("text")
                break
        if text is None:
            text = f"{message_id}({', '.join(arguments)})"
            arguments = ()
    return clip(_format(text, arguments)) if text is not None else None


def _location(result: Node, run: _Run) -> str | None:
    for location in result.items("locations"):
        physical = location.opt_obj("physicalLocation")
        artifact = physical.opt_obj("artifactLocation") if physical is not None else None
        if artifact is None or physical is None:
            continue
        uri = artifact.opt_str("uri") or run.artifact_uri(artifact.opt_int("index"))
        if uri is None:
            continue
        region = physical.opt_obj("region")
        line = region.opt_int("startLine") if region is not None else None
        return f"{uri}:{line}" if line is not None else uri
    return None


def _suppressed(result: Node) -> bool:
    suppressions = list(result.items("suppressions"))
    if not suppressions:
        return False
    return all(s.opt_str("status") in (None, "accepted") for s in suppressions)


def _fingerprint(result: Node) -> str | None:
    for key in ("fingerprints", "partialFingerprints"):
        prints = result.opt_obj(key)
        if prints is None:
            continue
        for name in prints.value:
            return prints.req_str(name)
    return None


def _finding(result: Node, run: _Run) -> Finding | None:
    _require_object(result)
    if result.opt_str("kind") in _NOT_FINDINGS:
        return None
    rule_id = _rule_id(result)
    rule = run.rule(result, rule_id)
    if rule_id is None and rule is not None:
        rule_id = rule.opt_str("id")
    level = _level(result, rule)
    score = _score(rule.opt_obj("properties") if rule is not None else None)
    if score is None:
        score = _score(result.opt_obj("properties"))
    return Finding(
        rule_id=rule_id,
        level=level,
        security_severity=score,
        severity=severity_of(score, level),
        location=_location(result, run),
        message=_message(result, rule, run.driver),
        suppressed=_suppressed(result),
        fingerprint=_fingerprint(result),
        baseline_state=result.opt_str("baselineState"),
    )


def _stated_time(run: Node) -> datetime | None:
    """When the run ended (or started), from its first invocation."""
    for invocation in run.items("invocations"):
        for key in ("endTimeUtc", "startTimeUtc"):
            stamp = invocation.opt_instant(key)
            if stamp is not None:
                return stamp
    return None


def _complete(run: Node) -> bool:
    if run.opt_child("results") is None:
        return False
    return all(i.opt_bool("executionSuccessful") is not False for i in run.items("invocations"))


class SarifAdapter:
    """`ingest sarif` / `attest sarif`: SARIF 2.1.0 logs of any scanner."""

    name = "sarif"
    framing: Framing = "json"
    media_type = "application/sarif+json"
    suffixes: tuple[str, ...] = (".sarif", ".sarif.json", ".json")

    def detect(self, doc: Document, data: Any) -> bool:
        if not isinstance(data, dict) or not isinstance(data.get("runs"), list):
            return False
        schema = data.get("$schema")
        return data.get("version") == "2.1.0" or (isinstance(schema, str) and "sarif" in schema)

    def parse(self, doc: Document, data: Any) -> Parsed:
        context = context_of(doc)
        root = Node(data, doc)
        version = root.req_str("version")
        if version != "2.1.0":
            raise root.error(f"SARIF version {version!r} is not supported (2.1.0 only)", "version")
        runs = list(root.items("runs", required=True))
        if not runs:
            return Parsed(ignored="a SARIF log with no runs (no analysis was performed)")
        digest = document_sha256(doc)
        return Parsed(records=tuple(self._record(run, doc, context, digest) for run in runs))

    def _record(self, node: Node, doc: Document, context: Context, digest: str) -> Evidence:
        run = _Run(_require_object(node))
        driver = run.driver
        tool = (driver.opt_str("name") if driver is not None else None) or context.tool
        tool = tool or "unknown"
        findings: list[Finding] = []
        for result in node.items("results"):
            finding = _finding(result, run)
            if finding is not None:
                findings.append(finding)
        by_severity: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        for finding in findings:
            if not finding.suppressed and finding.baseline_state != "absent":
                by_severity[finding.severity] += 1
        automation = node.opt_obj("automationDetails")
        facts = ScanReportFacts(
            tool=tool,
            tool_version=(
                (driver.opt_str("version") or driver.opt_str("semanticVersion"))
                if driver is not None
                else None
            ),
            category=automation.opt_str("id") if automation is not None else None,
            findings=tuple(findings),
            by_severity=by_severity,
            analysis_complete=_complete(node),
        )
        repo, commit = self._source(node, context)
        return Evidence(
            kind=Kind.SCAN_REPORT,
            source=self.name,
            occurred_at=occurred_at(_stated_time(node), context),
            subject=subject_of(repo, commit, f"{tool}@sha256:{digest}"),
            facts=facts,
            repo=repo,
            commit=commit,
            links=run_links(context),
            locator=node.pointer,
        )

    @staticmethod
    def _source(run: Node, context: Context) -> tuple[str | None, str | None]:
        """Repository and commit: the hints, else the run's `versionControlProvenance`."""
        repo, commit = context.repo, context.commit
        for details in run.items("versionControlProvenance"):
            uri = details.opt_str("repositoryUri")
            if repo is None and uri is not None:
                repo = repo_from_uri(uri)
            if commit is None:
                revision = details.opt_child("revisionId")
                if revision is not None and not isinstance(revision.value, str):
                    raise revision.error(f"expected a string, got {describe(revision.value)}")
                commit = normalise_commit(revision.value if revision is not None else None)
            break
        return repo, commit


ADAPTER = SarifAdapter()
