package soxtrail.controls.repository_protection_test

import data.soxtrail.controls.repository_protection as cm12

params := {"CM-12": {"min_required_approvals": 1, "require_status_checks": true, "require_enforce_admins": true}}

strict := {
	"required_approvals": 1,
	"dismiss_stale_reviews": true,
	"require_status_checks": true,
	"allow_force_pushes": false,
	"allow_deletions": false,
	"enforce_admins": true,
}

protection(settings, changes) := {
	"subject": "acme/billing:main",
	"repo": "acme/billing",
	"branch": "main",
	"settings": settings,
	"changes": changes,
	"evidence": ["ev-protection-main"],
}

change(weakens, approved) := {
	"at": 1784050000,
	"actor": "erin@acme.example",
	"action": "edited",
	"weakens": weakens,
	"approved_change": approved,
	"evidence": "ev-audit-771",
}

input_for(protections, ps) := {"schema": 1, "phase": "period", "params": ps, "protection": protections}

only(results) := r if {
	count(results) == 1
	some r in results
}

verdict(p) := r if {
	results := cm12.results with input as input_for([p], params)
	r := only(results)
}

test_strict_protection_passes if {
	r := verdict(protection(strict, []))
	r.subject == "acme/billing:main"
	r.result == "pass"
	r.reasons == [
		"acme/billing:main requires 1 approval(s) on change requests and blocks force pushes and deletion",
		"status checks must pass",
		"the protection applies to administrators",
	]
	r.evidence == ["ev-protection-main"]
}

test_no_protection_evidence_fails if {
	r := verdict(protection(null, []))
	r.result == "fail"
	r.reasons == ["no evidence of branch protection for acme/billing:main"]
}

test_too_few_approvals_fails if {
	r := verdict(protection(object.union(strict, {"required_approvals": 0}), []))
	r.result == "fail"
	r.reasons == ["acme/billing:main requires 0 approval(s) on change requests, 1 needed"]
}

test_reviews_not_required_fails if {
	r := verdict(protection(object.union(strict, {"required_approvals": null}), []))
	r.result == "fail"
	r.reasons == ["acme/billing:main does not require approvals on change requests, 1 needed"]
}

test_status_checks_not_required_fails if {
	r := verdict(protection(object.union(strict, {"require_status_checks": false}), []))
	r.result == "fail"
	r.reasons == ["acme/billing:main does not require status checks to pass"]
}

test_force_pushes_allowed_fails if {
	r := verdict(protection(object.union(strict, {"allow_force_pushes": true}), []))
	r.result == "fail"
	r.reasons == ["acme/billing:main allows force pushes"]
}

test_deletion_allowed_fails if {
	r := verdict(protection(object.union(strict, {"allow_deletions": true}), []))
	r.result == "fail"
	r.reasons == ["acme/billing:main allows the branch to be deleted"]
}

test_admins_exempt_fails if {
	r := verdict(protection(object.union(strict, {"enforce_admins": false}), []))
	r.result == "fail"
	r.reasons == ["acme/billing:main does not apply to administrators"]
}

test_every_shortfall_is_listed_fails if {
	lax := {"required_approvals": 0, "require_status_checks": false, "allow_force_pushes": true, "allow_deletions": true, "enforce_admins": false}
	r := verdict(protection(lax, [change(true, false)]))
	r.result == "fail"
	r.reasons == [
		"acme/billing:main requires 0 approval(s) on change requests, 1 needed",
		"acme/billing:main does not require status checks to pass",
		"acme/billing:main allows force pushes",
		"acme/billing:main allows the branch to be deleted",
		"acme/billing:main does not apply to administrators",
		"protection of acme/billing:main weakened by erin@acme.example at 2026-07-14 17:26 UTC without an approved change (edited)",
	]
}

test_missing_settings_count_as_unsafe_fails if {
	r := verdict(protection({"required_approvals": 2}, []))
	r.result == "fail"
	count(r.reasons) == 4
}

test_unapproved_weakening_fails if {
	r := verdict(protection(strict, [change(true, false)]))
	r.result == "fail"
	r.reasons == ["protection of acme/billing:main weakened by erin@acme.example at 2026-07-14 17:26 UTC without an approved change (edited)"]
	r.evidence == ["ev-audit-771", "ev-protection-main"]
}

test_approved_weakening_passes if {
	r := verdict(protection(strict, [change(true, true)]))
	r.result == "pass"
	"protection of acme/billing:main weakened by erin@acme.example at 2026-07-14 17:26 UTC under an approved change" in r.reasons
}

test_strengthening_change_passes if {
	r := verdict(protection(strict, [change(false, false)]))
	r.result == "pass"
}

test_relaxed_parameters_pass if {
	relaxed := {"CM-12": {"min_required_approvals": 0, "require_status_checks": false, "require_enforce_admins": false}}
	lax := object.union(strict, {"required_approvals": 0, "require_status_checks": false, "enforce_admins": false})
	results := cm12.results with input as input_for([protection(lax, [])], relaxed)
	r := only(results)
	r.result == "pass"
	r.reasons == [
		"acme/billing:main requires 0 approval(s) on change requests and blocks force pushes and deletion",
		"status checks are not required (allowed: require_status_checks is false)",
		"the protection does not apply to administrators (allowed: require_enforce_admins is false)",
	]
}

test_stricter_minimum_fails if {
	results := cm12.results with input as input_for([protection(strict, [])], {"CM-12": object.union(params["CM-12"], {"min_required_approvals": 2})})
	r := only(results)
	r.result == "fail"
	r.reasons == ["acme/billing:main requires 1 approval(s) on change requests, 2 needed"]
}

test_missing_parameters_fail if {
	results := cm12.results with input as input_for([protection(strict, [])], {})
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"CM-12 is misconfigured: parameter min_required_approvals must be a whole number",
		"CM-12 is misconfigured: parameter require_enforce_admins must be true or false",
		"CM-12 is misconfigured: parameter require_status_checks must be true or false",
	]
}

test_each_branch_gets_its_own_result if {
	release := object.union(protection(null, []), {"subject": "acme/billing:release", "branch": "release"})
	results := cm12.results with input as input_for([protection(strict, []), release], params)
	count(results) == 2
	{[r.subject, r.result] | some r in results} == {["acme/billing:main", "pass"], ["acme/billing:release", "fail"]}
}

test_no_protected_branches_is_not_applicable if {
	results := cm12.results with input as input_for([], params)
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no protected branches in the input"]
}
