package soxtrail.controls.time_bound_privileged_access_test

import data.soxtrail.controls.time_bound_privileged_access as ac04

# 2026-07-14 09:00 UTC
start := 1784019600

hour := 3600

grant(overrides) := object.union(
	{
		"subject": "aws-team:req-1",
		"provider": "aws-team",
		"resource": "111122223333",
		"role": "AdministratorAccess",
		"grantee": "alice@acme.example",
		"approver": "bob@acme.example",
		"approved": true,
		"granted_at": start,
		"expires_at": start + (2 * hour),
		"revoked_at": null,
		"privileged": true,
		"activity_after_expiry": [],
		"evidence": ["ev-grant-1"],
	},
	overrides,
)

membership(overrides) := object.union(
	{
		"subject": "okta:Billing-Admins:alice@acme.example",
		"provider": "okta",
		"group": "Billing-Admins",
		"role": null,
		"member": "alice@acme.example",
		"person": "alice@acme.example",
		"service_account": false,
		"at": start + hour,
		"covering": [],
		"evidence": ["ev-membership-1"],
	},
	overrides,
)

input_for(grants, memberships) := {
	"schema": 1,
	"phase": "period",
	"now": start + (30 * hour),
	"params": {"AC-04": {"max_hours": 12}},
	"grants": grants,
	"privileged_memberships": memberships,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

by_subject(results, subject) := r if {
	some r in results
	r.subject == subject
}

test_properly_approved_short_grant_passes if {
	results := ac04.results with input as input_for([grant({})], [])
	r := only(results)
	r.result == "pass"
	r.reasons == ["AdministratorAccess on 111122223333 (aws-team:req-1) was granted to alice@acme.example, approved by bob@acme.example, for 2 hours (at most 12 hours), and not used after it ended"]
	r.evidence == ["ev-grant-1"]
}

test_grant_approved_by_the_grantee_fails if {
	results := ac04.results with input as input_for([grant({"approver": "alice@acme.example"})], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["AdministratorAccess on 111122223333 (aws-team:req-1) was approved by its own grantee alice@acme.example"]
}

test_grant_without_approver_fails if {
	results := ac04.results with input as input_for([grant({"approver": null})], [])
	r := only(results)
	r.result == "fail"
	contains(r.reasons[0], "without an approver")
}

test_grant_without_expiry_fails if {
	results := ac04.results with input as input_for([grant({"expires_at": null})], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["AdministratorAccess on 111122223333 (aws-team:req-1) granted to alice@acme.example has no expiry"]
}

test_grant_longer_than_allowed_fails if {
	results := ac04.results with input as input_for([grant({"expires_at": start + (24 * hour)})], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["AdministratorAccess on 111122223333 (aws-team:req-1) lasts 1 day, longer than the 12 hours allowed"]
}

test_expired_grant_still_used_fails if {
	used := [
		{"at": start + (3 * hour), "action": "sts.amazonaws.com:AssumeRole", "evidence": "ev-ct-1"},
		{"at": start + (4 * hour), "action": "ec2.amazonaws.com:RunInstances", "evidence": "ev-ct-2"},
	]
	results := ac04.results with input as input_for([grant({"activity_after_expiry": used})], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["AdministratorAccess on 111122223333 (aws-team:req-1) was used after it ended at 2026-07-14 11:00 UTC: 2 actions in account 111122223333, the first sts.amazonaws.com:AssumeRole at 2026-07-14 12:00 UTC"]
	r.evidence == ["ev-ct-1", "ev-ct-2", "ev-grant-1"]
}

test_standing_membership_fails if {
	results := ac04.results with input as input_for([], [membership({})])
	r := only(results)
	r.result == "fail"
	r.reasons == ["standing privileged access: alice@acme.example holds Billing-Admins in okta with no approved, time-bound grant covering 2026-07-14 10:00 UTC"]
}

test_standing_permission_set_through_a_group_names_both if {
	m := membership({
		"subject": "aws-iam:111122223333:arn:aws:sso:::permissionSet/ssoins-1/ps-1:u-1",
		"provider": "aws-iam",
		"group": "111122223333",
		"role": "arn:aws:sso:::permissionSet/ssoins-1/ps-1",
		"role_name": "AdministratorAccess",
		"via_group": "g-1",
	})
	results := ac04.results with input as input_for([], [m])
	r := only(results)
	r.result == "fail"
	r.reasons == ["standing privileged access: alice@acme.example holds 111122223333 (AdministratorAccess) in aws-iam through group g-1 with no approved, time-bound grant covering 2026-07-14 10:00 UTC"]
}

test_membership_covered_by_a_valid_grant_passes if {
	g := grant({"provider": "okta", "resource": "Billing-Admins", "role": null, "covering_only": true})
	m := membership({"covering": ["aws-team:req-1"]})
	results := ac04.results with input as input_for([g], [m])
	r := only(results)
	r.subject == "okta:Billing-Admins:alice@acme.example"
	r.result == "pass"
	r.reasons == ["alice@acme.example holds Billing-Admins in okta under aws-team:req-1, approved by bob@acme.example, until 2026-07-14 11:00 UTC"]
	r.evidence == ["ev-grant-1", "ev-membership-1"]
}

test_membership_covered_by_a_self_approved_grant_fails if {
	g := grant({"approver": "alice@acme.example"})
	m := membership({"covering": ["aws-team:req-1"]})
	results := ac04.results with input as input_for([g], [m])
	count(results) == 2
	by_subject(results, "aws-team:req-1").result == "fail"
	r := by_subject(results, "okta:Billing-Admins:alice@acme.example")
	r.result == "fail"
	r.reasons[1] == "AdministratorAccess on 111122223333 (aws-team:req-1) was approved by its own grantee alice@acme.example"
}

test_service_account_is_not_applicable if {
	results := ac04.results with input as input_for([], [membership({"service_account": true, "person": null, "member": "svc-deploy"})])
	r := only(results)
	r.result == "not_applicable"
	r.reasons == ["svc-deploy is a service account: AC-04 is about people's access"]
}

test_no_privileged_access_is_not_applicable if {
	results := ac04.results with input as input_for([], [])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_misconfigured_parameter_fails_every_grant if {
	bad := object.union(input_for([grant({})], []), {"params": {"AC-04": {"max_hours": "long"}}})
	results := ac04.results with input as bad
	r := only(results)
	r.result == "fail"
	r.reasons == ["AC-04 is misconfigured: parameter max_hours must be a whole number"]
}
