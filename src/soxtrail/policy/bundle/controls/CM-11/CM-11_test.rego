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

clean_scan := {"present": true, "blocking": 0, "evidence": ["ev-checkov-8812"]}

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
	results := cm11.results with input as input_for([plan(plan_digest, true, {"present": false, "blocking": 0, "evidence": []})])
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
	results := cm11.results with input as input_for([plan(plan_digest, true, {"present": true, "blocking": 2, "evidence": ["ev-checkov-8812"]})])
	r := only(results)
	r.result == "fail"
	r.reasons == ["the IaC scan of plan terraform:acme/billing-infra:production:run-8812 has 2 blocking finding(s) at or above high"]
	r.evidence == ["ev-checkov-8812", "ev-plan-8812"]
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
