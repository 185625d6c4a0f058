# METADATA
# title: Scanned
# description: >-
#   The deployed commit has security scan results (SAST, SCA or IaC, read from SARIF) and
#   none of their findings at or above the configured severity is open: a finding blocks
#   unless it is suppressed in the scan or waived. Severities rank critical > high > medium
#   > low; other severities (note, none) never block. Suppressed blocking findings are
#   counted in the verdict's reasons. When the only blocking findings are covered by
#   approved, unexpired finding waivers, the deployment is `waived` with those waivers' ids,
#   and its reasons name each waived finding.
# custom:
#   id: CM-05
#   short_name: scanned
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: deployment
#   phases: [gate, period]
#   evidence: [deployment, scan_report, waiver]
#   objective: >-
#     No known vulnerability at or above the accepted severity reaches an environment of an
#     in-scope system without an approved exception.
#   test_procedure: >-
#     For each sampled deployment, identify the deployed commit and the scan reports recorded
#     for that exact commit; confirm that at least one scan ran and that every finding at or
#     above the configured severity is either suppressed in the scan with a justification or
#     covered by an approved waiver.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     blocking_severity:
#       type: string
#       default: high
#       description: Lowest severity that blocks (critical, high, medium or low).
#     require_scan:
#       type: boolean
#       default: true
#       description: Whether the deployed commit must have at least one scan report.
package soxtrail.controls.scanned

import data.soxtrail.lib

control := "CM-05"

results contains lib.not_applicable("no deployment in the input") if {
	not is_object(lib.deployment)
}

results contains lib.result(d.subject, "pass", passed(d), evidence(d)) if {
	d := lib.deployment
	is_object(d)
	count(problems(d)) == 0
	count(at_or_above(d, "waived")) == 0
}

results contains lib.result(d.subject, "fail", problems(d), evidence(d)) if {
	d := lib.deployment
	is_object(d)
	count(problems(d)) > 0
}

# Blocking findings that are all waived: a failure the waiver step (after evaluation) turns
# into `waived` when every waiver in `waived_by` is approved and unexpired.
results contains lib.waived_failure(
	d.subject,
	waived(d),
	evidence(d),
	lib.finding_waivers(scans(d), threshold),
) if {
	d := lib.deployment
	is_object(d)
	count(problems(d)) == 0
	count(at_or_above(d, "waived")) > 0
}

severity := lib.param(control, "blocking_severity")

threshold := lib.severity_rank(severity)

scan_optional if lib.param(control, "require_scan") == false

scans(d) := [s | some s in lib.list("scans"); s.commit == d.commit]

# at_or_above is every finding at or above the threshold in `state`, as [-rank, text].
at_or_above(d, state) := lib.findings_at_or_above(scans(d), threshold, state)

problems(d) := array.concat(
	lib.param_problems(control, {"blocking_severity": "severity", "require_scan": "boolean"}),
	array.concat(missing(d), blocking(d)),
)

missing(d) := [sprintf("no scan results for commit %s", [lib.short(d.commit)]) |
	count(scans(d)) == 0
	not scan_optional
]

blocking(d) := [] if count(at_or_above(d, "open")) == 0

else := array.concat(
	[sprintf("%d blocking finding(s) at or above %s on %s", [count(at_or_above(d, "open")), severity, lib.short(d.commit)])],
	lib.at_most(lib.finding_texts(at_or_above(d, "open")), 5),
)

waived(d) := array.concat(
	[sprintf("%d blocking finding(s) at or above %s on %s, each covered by a waiver", [count(at_or_above(d, "waived")), severity, lib.short(d.commit)])],
	lib.at_most(lib.finding_texts(at_or_above(d, "waived")), 5),
)

passed(d) := array.concat(scanned(d), suppressed(d))

scanned(d) := [sprintf("no scan results for %s (not required: require_scan is false)", [lib.short(d.commit)])] if {
	count(scans(d)) == 0
}

else := [sprintf("%s scanned %s: no open finding at or above %s", [concat(", ", sort({s.tool | some s in scans(d)})), lib.short(d.commit), severity])]

suppressed(d) := [sprintf("%s suppressed", [lib.plural(n, "blocking finding")]) |
	n := count(at_or_above(d, "suppressed"))
	n > 0
]

evidence(d) := lib.ids(array.concat([d.evidence], [s.evidence | some s in scans(d)]))
