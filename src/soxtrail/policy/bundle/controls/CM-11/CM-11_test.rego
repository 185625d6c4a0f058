package soxtrail.controls.infrastructure_change_test

import data.soxtrail.controls.infrastructure_change as cm11

plan_digest := "3b8f2c1d9e0a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"

other_digest := "c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8"

plan(applied, reviewed, scan) := {
	"subject": "terraform:acme/billing-infra:production:run-8812",
	"plan_sha256": plan_digest,
	"applied_sha256": applied,
	"reviewed": reviewed,
	"changes": {"create": 1, "update": 2, "delete": 0, "replace": 0},
	"scan": scan,
	"evidence": ["ev-plan-8812"],
}

finding(severity, rule, location) := {
	"rule_id": rule,
	"severity": severity,
	"fingerprint": null,
	"suppressed": false,
	"waived": false,
	"waiver": null,
	"location": location,
}

waived_by(f, waiver) := object.union(f, {"waived": true, "waiver": waiver})

scan_with(findings) := {
	"present": true,
	"reports": [{"tool": "checkov", "findings": findings, "evidence": "ev-checkov-8812"}],
	"evidence": ["ev-checkov-8812"],
}

clean_scan := scan_with([])

public_bucket := finding("high", "CKV_AWS_20", "main.tf:12")

unencrypted := finding("critical", "CKV_AWS_19", "main.tf:30")

input_for(iac) := {"schema": 1, "phase": "period", "params": {"CM-11": {"blocking_severity": "high"}}, "iac": iac}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_reviewed_plan_applied_as_reviewed_passes if {
	results := cm11.results with input as input_for([plan(plan_digest, true, clean_scan)])
	r := only(results)
	r.subject == "terraform:acme/billing-infra:production:run-8812"
	r.result == "pass"
	r.reasons == [
		"plan terraform:acme/billing-infra:production:run-8812 was reviewed and applied as reviewed (sha256 3b8f2c1d9e0a...)",
		"the IaC scan of plan terraform:acme/billing-infra:production:run-8812 has no blocking finding at or above high",
	]
	r.evidence == ["ev-checkov-8812", "ev-plan-8812"]
}

test_reviewed_plan_not_applied_yet_passes if {
	results := cm11.results with input as input_for([plan(null, true, clean_scan)])
	r := only(results)
	r.result == "pass"
	r.reasons[0] == "plan terraform:acme/billing-infra:production:run-8812 was reviewed and not applied yet"
}

test_unreviewed_plan_fails if {
	results := cm11.results with input as input_for([plan(plan_digest, false, clean_scan)])
	r := only(results)
	r.result == "fail"
	r.reasons == ["plan terraform:acme/billing-infra:production:run-8812 was not reviewed"]
}

test_applied_plan_differs_from_reviewed_fails if {
	results := cm11.results with input as input_for([plan(other_digest, true, clean_scan)])
	r := only(results)
	r.result == "fail"
	r.reasons == ["the applied plan differs from the reviewed one (applied sha256 c9b8a7f6e5d4..., reviewed 3b8f2c1d9e0a...)"]
}

test_plan_without_scan_fails if {
	results := cm11.results with input as input_for([plan(plan_digest, true, {"present": false, "reports": [], "evidence": []})])
	r := only(results)
	r.result == "fail"
	r.reasons == ["no IaC scan of the plan terraform:acme/billing-infra:production:run-8812"]
	r.evidence == ["ev-plan-8812"]
}

test_plan_with_null_scan_fails if {
	results := cm11.results with input as input_for([plan(plan_digest, true, null)])
	r := only(results)
	r.result == "fail"
	r.reasons == ["no IaC scan of the plan terraform:acme/billing-infra:production:run-8812"]
}

test_blocking_iac_findings_fail if {
	findings := [public_bucket, unencrypted, finding("medium", "CKV_AWS_18", "main.tf:40")]
	results := cm11.results with input as input_for([plan(plan_digest, true, scan_with(findings))])
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"the IaC scan of plan terraform:acme/billing-infra:production:run-8812 has 2 blocking finding(s) at or above high",
		"critical CKV_AWS_19 at main.tf:30 (checkov)",
		"high CKV_AWS_20 at main.tf:12 (checkov)",
	]
	r.evidence == ["ev-checkov-8812", "ev-plan-8812"]
	not "waived_by" in object.keys(r)
}

test_scan_present_without_reports_fails if {
	results := cm11.results with input as input_for([plan(plan_digest, true, {"present": true, "evidence": []})])
	r := only(results)
	r.result == "fail"
	r.reasons == ["no IaC scan of the plan terraform:acme/billing-infra:production:run-8812"]
}

test_waived_findings_fail_for_the_waiver_step_naming_each_waiver if {
	findings := [waived_by(public_bucket, "W-0a1b2c3d4e"), waived_by(unencrypted, "W-9f8e7d6c5b")]
	results := cm11.results with input as input_for([plan(plan_digest, true, scan_with(findings))])
	r := only(results)
	r.result == "fail"
	r.waived_by == ["W-0a1b2c3d4e", "W-9f8e7d6c5b"]
	r.reasons == [
		"the IaC scan of plan terraform:acme/billing-infra:production:run-8812 has 2 blocking finding(s) at or above high, each covered by a waiver",
		"critical CKV_AWS_19 at main.tf:30 (checkov), waived by W-9f8e7d6c5b",
		"high CKV_AWS_20 at main.tf:12 (checkov), waived by W-0a1b2c3d4e",
	]
}

test_open_finding_beside_a_waived_one_fails_with_no_waiver if {
	findings := [waived_by(public_bucket, "W-0a1b2c3d4e"), unencrypted]
	results := cm11.results with input as input_for([plan(plan_digest, true, scan_with(findings))])
	r := only(results)
	r.result == "fail"
	not "waived_by" in object.keys(r)
	r.reasons == [
		"the IaC scan of plan terraform:acme/billing-infra:production:run-8812 has 1 blocking finding(s) at or above high",
		"critical CKV_AWS_19 at main.tf:30 (checkov)",
	]
}

test_waived_findings_of_an_unreviewed_plan_fail_with_no_waiver if {
	findings := [waived_by(public_bucket, "W-0a1b2c3d4e")]
	results := cm11.results with input as input_for([plan(plan_digest, false, scan_with(findings))])
	r := only(results)
	r.result == "fail"
	not "waived_by" in object.keys(r)
	r.reasons == ["plan terraform:acme/billing-infra:production:run-8812 was not reviewed"]
}

test_waived_flag_without_a_waiver_id_still_blocks_fails if {
	findings := [object.union(public_bucket, {"waived": true})]
	results := cm11.results with input as input_for([plan(plan_digest, true, scan_with(findings))])
	r := only(results)
	r.result == "fail"
	not "waived_by" in object.keys(r)
}

test_suppressed_and_below_threshold_findings_pass if {
	findings := [
		object.union(public_bucket, {"suppressed": true}),
		waived_by(finding("medium", "CKV_AWS_18", "main.tf:40"), "W-0a1b2c3d4e"),
	]
	results := cm11.results with input as input_for([plan(plan_digest, true, scan_with(findings))])
	r := only(results)
	r.result == "pass"
	not "waived_by" in object.keys(r)
	r.reasons[2] == "1 blocking finding suppressed"
}

test_every_shortfall_is_listed_fails if {
	results := cm11.results with input as input_for([plan(other_digest, false, null)])
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"plan terraform:acme/billing-infra:production:run-8812 was not reviewed",
		"the applied plan differs from the reviewed one (applied sha256 c9b8a7f6e5d4..., reviewed 3b8f2c1d9e0a...)",
		"no IaC scan of the plan terraform:acme/billing-infra:production:run-8812",
	]
}

test_each_plan_gets_its_own_result if {
	second := object.union(plan(plan_digest, false, clean_scan), {"subject": "terraform:acme/billing-infra:production:run-8813"})
	results := cm11.results with input as input_for([plan(plan_digest, true, clean_scan), second])
	count(results) == 2
	{[r.subject, r.result] | some r in results} == {
		["terraform:acme/billing-infra:production:run-8812", "pass"],
		["terraform:acme/billing-infra:production:run-8813", "fail"],
	}
}

test_missing_parameter_fails if {
	results := cm11.results with input as object.remove(input_for([plan(plan_digest, true, clean_scan)]), {"params"})
	r := only(results)
	r.result == "fail"
	r.reasons == ["CM-11 is misconfigured: parameter blocking_severity must be one of critical, high, medium, low"]
}

test_no_plans_is_not_applicable if {
	results := cm11.results with input as input_for([])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no infrastructure plans in the input"]
}
