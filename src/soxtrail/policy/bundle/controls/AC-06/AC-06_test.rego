package soxtrail.controls.access_provisioning_test

import data.soxtrail.controls.access_provisioning as ac06

# 2026-07-13 10:00 UTC
given_at := 1783936800

request(overrides) := object.union(
	{
		"subject": "access-request:ACC-12",
		"provider": "github",
		"grantee": "alice@acme.example",
		"approver": "bob@acme.example",
		"approved": true,
		"approved_at": given_at - 1800,
		"granted_at": given_at,
		"evidence": ["ev-request"],
	},
	overrides,
)

access(requests) := {
	"subject": "github:acme/billing:admin:alice@1783936800",
	"provider": "github",
	"group": "acme/billing",
	"role": "admin",
	"member": "alice",
	"person": "alice@acme.example",
	"service_account": false,
	"how": "added",
	"at": given_at,
	"requests": requests,
	"evidence": ["ev-membership"],
}

input_for(items) := {"schema": 1, "phase": "period", "params": {"AC-06": {}}, "new_access": items}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_access_with_an_approved_request_passes if {
	results := ac06.results with input as input_for([access([request({})])])
	r := only(results)
	r.result == "pass"
	r.reasons == ["alice@acme.example was given acme/billing (admin) in github (membership added) at 2026-07-13 10:00 UTC on request access-request:ACC-12, approved by bob@acme.example at 2026-07-13 09:30 UTC"]
	r.evidence == ["ev-membership", "ev-request"]
}

test_access_without_a_request_fails if {
	results := ac06.results with input as input_for([access([])])
	r := only(results)
	r.result == "fail"
	r.reasons == ["alice@acme.example was given acme/billing (admin) in github (membership added) at 2026-07-13 10:00 UTC with no access request"]
}

test_a_named_role_is_shown_by_name if {
	a := object.union(access([]), {"provider": "aws-iam", "group": "111122223333", "role": "arn:aws:sso:::permissionSet/ssoins-1/ps-1", "role_name": "AdministratorAccess"})
	results := ac06.results with input as input_for([a])
	r := only(results)
	r.result == "fail"
	r.reasons == ["alice@acme.example was given 111122223333 (AdministratorAccess) in aws-iam (membership added) at 2026-07-13 10:00 UTC with no access request"]
}

test_request_approved_after_the_access_fails if {
	results := ac06.results with input as input_for([access([request({"approved_at": given_at + 3600})])])
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "request access-request:ACC-12 was approved at 2026-07-13 11:00 UTC, after the access was given at 2026-07-13 10:00 UTC"
}

test_request_approved_by_the_grantee_fails if {
	results := ac06.results with input as input_for([access([request({"approver": "alice@acme.example"})])])
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "request access-request:ACC-12 was approved by alice@acme.example, who received the access"
}

test_unapproved_request_fails if {
	results := ac06.results with input as input_for([access([request({"approved": false, "approver": null})])])
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "request access-request:ACC-12 was not approved"
}

test_jit_grant_without_approval_time_is_judged_by_its_start if {
	jit := request({"subject": "aws-team:req-1", "provider": "aws-team", "approved_at": null})
	results := ac06.results with input as input_for([access([jit])])
	only(results).result == "pass"
	ticket := request({"approved_at": null})
	later := ac06.results with input as input_for([access([ticket])])
	only(later).result == "fail"
	only(later).reasons[1] == "request access-request:ACC-12 does not say when it was approved"
}

test_no_new_access_is_not_applicable if {
	results := ac06.results with input as input_for([])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}
