package soxtrail.controls.segregation_of_duties_test

import data.soxtrail.controls.segregation_of_duties as ac05

conflict(first, second) := {
	"subject": "author-and-deployer:alice@acme.example",
	"rule": "author-and-deployer",
	"description": "writes financial code and deploys it",
	"person": "alice@acme.example",
	"first": first,
	"second": second,
	"evidence": ["ev-m1", "ev-m2"],
}

grant(grantee, approver) := {
	"subject": "grant:jit:42",
	"provider": "aws-iam",
	"resource": "123456789012",
	"role": "AdministratorAccess",
	"grantee": grantee,
	"approver": approver,
	"granted_at": 1784000000,
	"evidence": "ev-grant-42",
}

verdicts(sod, grants) := v if {
	results := ac05.results with input as {"schema": 1, "phase": "period", "params": {}, "sod": sod, "grants": grants}
	v := {r.subject: r | some r in results}
}

test_holding_both_sides_fails if {
	v := verdicts([conflict(["github:acme/billing:write"], ["okta:Prod-Deployers"])], [])
	r := v["author-and-deployer:alice@acme.example"]
	r.result == "fail"
	r.reasons == ["alice@acme.example holds both sides of author-and-deployer (writes financial code and deploys it): github:acme/billing:write and okta:Prod-Deployers"]
	r.evidence == ["ev-m1", "ev-m2"]
}

test_holding_one_side_passes if {
	v := verdicts([conflict(["github:acme/billing:write"], [])], [])
	r := v["author-and-deployer:alice@acme.example"]
	r.result == "pass"
	r.reasons == ["alice@acme.example holds only one side of author-and-deployer: github:acme/billing:write"]
}

test_self_approved_grant_fails if {
	v := verdicts([], [grant("bob@acme.example", "bob@acme.example")])
	v["grant:jit:42"].result == "fail"
	v["grant:jit:42"].reasons == ["bob@acme.example approved their own access grant of AdministratorAccess on 123456789012"]
	v["grant:jit:42"].evidence == ["ev-grant-42"]
}

test_independently_approved_grant_passes if {
	v := verdicts([], [grant("bob@acme.example", "carol@acme.example")])
	v["grant:jit:42"].result == "pass"
	v["grant:jit:42"].reasons == ["bob@acme.example was granted AdministratorAccess on 123456789012 by carol@acme.example"]
}

test_grant_with_unknown_approver_fails_closed if {
	v := verdicts([], [grant("bob@acme.example", null)])
	v["grant:jit:42"].result == "fail"
}

test_nothing_to_check_is_not_applicable if {
	results := ac05.results with input as {"schema": 1, "phase": "period", "params": {}}
	count(results) == 1
	some r in results
	r.subject == "*"
	r.result == "not_applicable"
}
