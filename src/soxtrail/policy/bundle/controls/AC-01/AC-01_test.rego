package soxtrail.controls.sso_and_mfa_test

import data.soxtrail.controls.sso_and_mfa as ac01

params := {"AC-01": {"sso_providers": ["okta"], "sso_enforced_providers": []}}

account(subject, provider, overrides) := object.union(
	{
		"subject": subject,
		"provider": provider,
		"member": subject,
		"known": true,
		"status": "active",
		"sso": null,
		"mfa_enrolled": true,
		"mfa_factors": ["push"],
		"person": "alice@acme.example",
		"service_account": false,
		"owner": null,
		"privileged": false,
		"evidence": [concat("-", ["ev", subject])],
	},
	overrides,
)

input_for(accounts, missing, p) := {
	"schema": 1,
	"phase": "period",
	"params": p,
	"system": {"name": "billing"},
	"access": {"at": 1784109600, "configured": true, "providers": ["okta", "github"], "missing_providers": missing, "accounts": accounts},
}

verdicts_with(accounts, missing, p) := v if {
	results := ac01.results with input as input_for(accounts, missing, p)
	v := {r.subject: r | some r in results}
}

verdicts(accounts, missing) := verdicts_with(accounts, missing, params)

test_okta_user_with_active_factor_passes if {
	v := verdicts([account("okta:alice@acme.example", "okta", {})], [])
	r := v["okta:alice@acme.example"]
	r.result == "pass"
	r.reasons == ["signs in through SSO (okta is the identity provider) with MFA (push)"]
	r.evidence == ["ev-okta:alice@acme.example"]
}

test_user_without_mfa_fails if {
	v := verdicts([account("okta:bob@acme.example", "okta", {"mfa_enrolled": false, "mfa_factors": []})], [])
	v["okta:bob@acme.example"].result == "fail"
	v["okta:bob@acme.example"].reasons == ["okta:bob@acme.example has no active MFA factor"]
}

test_okta_user_without_factor_list_fails_closed if {
	v := verdicts([account("okta:bob@acme.example", "okta", {"mfa_enrolled": null, "mfa_factors": []})], [])
	v["okta:bob@acme.example"].result == "fail"
	v["okta:bob@acme.example"].reasons == ["the MFA enrolment of okta:bob@acme.example is unknown (no factor list read)"]
}

test_tool_account_behind_enforced_sso_relies_on_the_idp_mfa if {
	a := account("github:alice-gh", "github", {"mfa_enrolled": null, "mfa_factors": []})
	v := verdicts_with([a], [], {"AC-01": {"sso_providers": ["okta"], "sso_enforced_providers": ["github"]}})
	v["github:alice-gh"].result == "pass"
	v["github:alice-gh"].reasons == ["signs in through SSO (enforced for github) with MFA (the identity provider's)"]
}

test_tool_account_without_sso_fails if {
	a := account("github:alice-gh", "github", {"mfa_enrolled": null, "mfa_factors": []})
	v := verdicts([a], [])
	v["github:alice-gh"].result == "fail"
	v["github:alice-gh"].reasons == [
		"whether github:alice-gh signs in through SSO is unknown",
		"the MFA enrolment of github:alice-gh is unknown (no factor list read)",
	]
}

test_own_credentials_are_not_sso if {
	a := account("aws-iam:deploy", "aws-iam", {"sso": false, "mfa_enrolled": true})
	v := verdicts([a], [])
	v["aws-iam:deploy"].result == "fail"
	v["aws-iam:deploy"].reasons == ["aws-iam:deploy signs in with its own aws-iam credentials, not through SSO"]
}

test_explicitly_disabled_mfa_fails_even_behind_sso if {
	a := account("github:carl", "github", {"sso": true, "mfa_enrolled": false})
	v := verdicts([a], [])
	v["github:carl"].result == "fail"
	v["github:carl"].reasons == ["github:carl has no active MFA factor"]
}

test_service_account_needs_an_owner_not_mfa if {
	owned := account("okta:svc-billing", "okta", {"service_account": true, "person": null, "owner": "carol@acme.example", "mfa_enrolled": false})
	orphan := account("github:ci-bot[bot]", "github", {"service_account": true, "person": null, "owner": null, "mfa_enrolled": null})
	v := verdicts([owned, orphan], [])
	v["okta:svc-billing"].result == "pass"
	v["okta:svc-billing"].reasons == ["service account owned by carol@acme.example (exempt from SSO and MFA)"]
	v["github:ci-bot[bot]"].result == "fail"
}

test_unknown_status_fails_closed if {
	v := verdicts([account("okta:dave@acme.example", "okta", {"known": false, "status": null})], [])
	v["okta:dave@acme.example"].result == "fail"
	v["okta:dave@acme.example"].reasons == ["the status of okta:dave@acme.example is unknown (no account record in the okta snapshot)"]
}

test_inactive_accounts_are_not_applicable if {
	v := verdicts([account("okta:erin@acme.example", "okta", {"status": "deprovisioned", "mfa_enrolled": false})], [])
	v["okta:erin@acme.example"].result == "not_applicable"
	v["okta:erin@acme.example"].reasons == ["okta:erin@acme.example is deprovisioned: AC-01 covers active accounts"]
}

test_provider_without_snapshot_fails if {
	v := verdicts([account("okta:alice@acme.example", "okta", {})], ["github"])
	v["provider:github"].result == "fail"
	v["provider:github"].reasons == ["no identity or membership snapshot of github as of 2026-07-15 10:00 UTC: the accounts with access through it are unknown"]
	count(v) == 2
}

test_no_access_configured_is_not_applicable if {
	results := ac01.results with input as {"schema": 1, "phase": "period", "params": params, "system": {"name": "billing"}}
	results == {{"subject": "*", "result": "not_applicable", "reasons": ["billing has no access patterns configured ([[systems]] access)"], "evidence": []}}
}

test_misconfigured_parameter_fails_every_account if {
	v := verdicts_with([account("okta:alice@acme.example", "okta", {})], [], {"AC-01": {"sso_providers": "okta", "sso_enforced_providers": []}})
	v["okta:alice@acme.example"].result == "fail"
	v["okta:alice@acme.example"].reasons == ["AC-01 is misconfigured: parameter sso_providers must be a list of provider names"]
}
