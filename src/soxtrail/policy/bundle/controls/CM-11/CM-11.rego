# METADATA
# title: Infrastructure change
# description: >-
#   Each Terraform apply rests on a plan that was reviewed, the plan that was applied is the
#   reviewed one (their SHA-256 digests are equal), and the plan was scanned by an IaC
#   scanner without blocking findings. A blocking finding is one at or above the configured
#   severity that is not suppressed in the scan; open ones are named in the verdict's
#   reasons. When the only blocking findings are covered by approved, unexpired CM-11
#   finding waivers (finding:<rule id> or finding:<fingerprint>), the plan is `waived` with
#   those waivers' ids, and its reasons name each waived finding. A plan that was not
#   applied yet is judged on its review and scan.
# custom:
#   id: CM-11
#   short_name: infrastructure_change
#   domain: change_management
#   frequency: per_change
#   risk: medium
#   population: iac_apply
#   phases: [gate, period]
#   evidence: [iac_plan, scan_report, waiver]
#   objective: >-
#     Changes to the infrastructure of in-scope systems are reviewed before they are applied,
#     are applied exactly as reviewed, and introduce no known misconfiguration at or above the
#     accepted severity.
#   test_procedure: >-
#     For each sampled Terraform apply, obtain the plan that was reviewed and the plan that
#     was applied, recompute both SHA-256 digests and confirm they are equal; confirm the
#     review was recorded before the apply; inspect the IaC scan of the plan and confirm that
#     every finding at or above the configured severity is either suppressed in the scan or
#     covered by an approved waiver.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     blocking_severity:
#       type: string
#       default: high
#       description: Lowest IaC finding severity that blocks (critical, high, medium or low).
package soxtrail.controls.infrastructure_change

import data.soxtrail.lib

control := "CM-11"

results contains lib.not_applicable("no infrastructure plans in the input") if {
	count(lib.list("iac")) == 0
}

results contains lib.result(i.subject, "pass", passed(i), evidence(i)) if {
	some i in lib.list("iac")
	count(problems(i)) == 0
	count(at_or_above(i, "waived")) == 0
}

results contains lib.result(i.subject, "fail", problems(i), evidence(i)) if {
	some i in lib.list("iac")
	count(problems(i)) > 0
}

# Blocking findings that are all waived, and nothing else amiss: a failure the waiver step
# (after evaluation) turns into `waived` when every waiver in `waived_by` is approved and
# unexpired (as CM-05).
results contains lib.waived_failure(
	i.subject,
	waived(i),
	evidence(i),
	lib.finding_waivers(reports(i), threshold),
) if {
	some i in lib.list("iac")
	count(problems(i)) == 0
	count(at_or_above(i, "waived")) > 0
}

severity := lib.param(control, "blocking_severity")

threshold := lib.severity_rank(severity)

scan(i) := i.scan if is_object(i.scan)

else := null

# reports are the IaC scan reports of the plan, their findings with CM-11's waivers.
reports(i) := scan(i).reports if is_array(scan(i).reports)

else := []

scanned(i) if {
	scan(i).present == true
	count(reports(i)) > 0
}

# at_or_above is every finding of the plan's scan at or above the threshold in `state`.
at_or_above(i, state) := lib.findings_at_or_above(reports(i), threshold, state)

digest(x) := substring(x, 0, 12) if is_string(x)

else := "(unknown)"

problems(i) := array.concat(
	lib.param_problems(control, {"blocking_severity": "severity"}),
	array.concat(array.concat(unreviewed(i), altered(i)), scan_problems(i)),
)

unreviewed(i) := [sprintf("plan %s was not reviewed", [i.subject]) | not i.reviewed == true]

altered(i) := [msg |
	applied := object.get(i, "applied_sha256", null)
	applied != null
	applied != object.get(i, "plan_sha256", null)
	msg := sprintf("the applied plan differs from the reviewed one (applied sha256 %s..., reviewed %s...)", [digest(applied), digest(object.get(i, "plan_sha256", null))])
]

scan_problems(i) := [sprintf("no IaC scan of the plan %s", [i.subject])] if not scanned(i)

else := array.concat(
	[sprintf("the IaC scan of plan %s has %d blocking finding(s) at or above %v", [i.subject, count(at_or_above(i, "open")), severity])],
	lib.at_most(lib.finding_texts(at_or_above(i, "open")), 5),
) if {
	count(at_or_above(i, "open")) > 0
}

else := []

waived(i) := array.concat(
	[sprintf("the IaC scan of plan %s has %d blocking finding(s) at or above %v, each covered by a waiver", [i.subject, count(at_or_above(i, "waived")), severity])],
	lib.at_most(lib.finding_texts(at_or_above(i, "waived")), 5),
)

passed(i) := array.concat(
	[applied_note(i), sprintf("the IaC scan of plan %s has no blocking finding at or above %v", [i.subject, severity])],
	suppressed(i),
)

suppressed(i) := [sprintf("%s suppressed", [lib.plural(n, "blocking finding")]) |
	n := count(at_or_above(i, "suppressed"))
	n > 0
]

applied_note(i) := sprintf("plan %s was reviewed and not applied yet", [i.subject]) if {
	object.get(i, "applied_sha256", null) == null
}

else := sprintf("plan %s was reviewed and applied as reviewed (sha256 %s...)", [i.subject, digest(i.plan_sha256)])

evidence(i) := lib.ids(array.concat([i.evidence], [s.evidence | s := scan(i); s != null]))
