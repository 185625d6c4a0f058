package soxtrail.controls.leavers_test

import data.soxtrail.controls.leavers as ac02

# 2026-06-26 00:00 UTC (a Friday).
terminated_at := 1782432000

params := {"AC-02": {"window_business_days": 1}}

account(subject, overrides) := object.union(
	{
		"subject": subject,
		"provider": "okta",
		"known": true,
		"status": "deprovisioned",
		"disabled_at": terminated_at + 36000,
		"business_days_to_disable": 0,
		"last_login_at": terminated_at - 86400,
		"business_days_to_last_login": null,
		"activity": [],
		"evidence": [concat("-", ["ev", subject])],
	},
	overrides,
)

leaver(accounts, elapsed, missing) := {
	"subject": "bob@acme.example",
	"person": "bob@acme.example",
	"person_id": "E2",
	"termination_date": terminated_at,
	"business_days_since_termination": elapsed,
	"accounts": accounts,
	"missing_providers": missing,
	"evidence": ["ev-hr-E2"],
}

verdict(l) := r if {
	results := ac02.results with input as {"schema": 1, "phase": "period", "params": params, "access": {"configured": true}, "leavers": [l]}
	count(results) == 1
	some r in results
}

test_leaver_disabled_in_time_passes if {
	r := verdict(leaver([account("okta:bob@acme.example", {}), account("github:bob-b", {"provider": "github", "status": "disabled", "business_days_to_disable": 1, "disabled_at": terminated_at + (3 * 86400)})], 5, []))
	r.subject == "bob@acme.example"
	r.result == "pass"
	r.reasons == [
		"github:bob-b was disabled on 2026-06-29 00:00 UTC, 1 business day(s) after the termination on 2026-06-26 00:00 UTC",
		"okta:bob@acme.example was disabled on 2026-06-26 10:00 UTC, 0 business day(s) after the termination on 2026-06-26 00:00 UTC",
	]
	r.evidence == ["ev-github:bob-b", "ev-hr-E2", "ev-okta:bob@acme.example"]
}

test_leaver_still_active_fails if {
	r := verdict(leaver([account("okta:bob@acme.example", {"status": "active", "disabled_at": null, "business_days_to_disable": null}), account("github:bob-b", {"provider": "github", "status": "active", "disabled_at": null, "business_days_to_disable": null})], 13, []))
	r.result == "fail"
	r.reasons == [
		"github:bob-b is still active 13 business day(s) after the termination on 2026-06-26 00:00 UTC (allowed: 1)",
		"okta:bob@acme.example is still active 13 business day(s) after the termination on 2026-06-26 00:00 UTC (allowed: 1)",
	]
}

test_leaver_still_active_within_the_window_passes_with_due_date if {
	r := verdict(leaver([account("okta:bob@acme.example", {"status": "active", "disabled_at": null, "business_days_to_disable": null})], 1, []))
	r.result == "pass"
	r.reasons == ["okta:bob@acme.example is still active; due to be disabled within 1 business day(s) of the termination on 2026-06-26 00:00 UTC (1 elapsed)"]
}

test_disabled_too_late_fails if {
	r := verdict(leaver([account("okta:bob@acme.example", {"business_days_to_disable": 4, "disabled_at": terminated_at + (6 * 86400)})], 10, []))
	r.result == "fail"
	r.reasons == ["okta:bob@acme.example was disabled on 2026-07-02 00:00 UTC, 4 business day(s) after the termination on 2026-06-26 00:00 UTC (allowed: 1)"]
}

test_disabled_at_an_unknown_time_fails_closed if {
	r := verdict(leaver([account("aws-iam:bob", {"status": "disabled", "disabled_at": null, "business_days_to_disable": null})], 10, []))
	r.result == "fail"
	r.reasons == ["aws-iam:bob is disabled, but when it was disabled is unknown"]
}

test_unknown_status_fails_closed if {
	r := verdict(leaver([account("okta:bob@acme.example", {"known": false, "status": null})], 10, []))
	r.result == "fail"
	r.reasons == ["the status of okta:bob@acme.example is unknown"]
}

test_activity_after_the_deadline_fails_even_when_disabled if {
	events := [
		{"at": terminated_at + (5 * 86400), "action": "user.session.start", "business_days_after_termination": 3, "evidence": "ev-log-1"},
		{"at": terminated_at + 3600, "action": "user.session.end", "business_days_after_termination": 0, "evidence": "ev-log-0"},
	]
	r := verdict(leaver([account("okta:bob@acme.example", {"activity": events, "business_days_to_last_login": 3, "last_login_at": terminated_at + (5 * 86400)})], 10, []))
	r.result == "fail"
	r.reasons == [
		"okta:bob@acme.example signed in on 2026-07-01 00:00 UTC, 3 business day(s) after the termination",
		"okta:bob@acme.example was used after the deadline: user.session.start, last on 2026-07-01 00:00 UTC",
	]
	"ev-log-1" in r.evidence
	not "ev-log-0" in r.evidence
}

test_provider_without_snapshot_fails if {
	r := verdict(leaver([account("okta:bob@acme.example", {})], 10, ["github"]))
	r.result == "fail"
	r.reasons == ["no identity snapshot of github: bob@acme.example's accounts there are unknown"]
}

test_leaver_without_accounts_passes if {
	r := verdict(leaver([], 10, []))
	r.result == "pass"
	r.reasons == ["bob@acme.example has no account in the in-scope tools"]
}

test_no_leavers_is_not_applicable if {
	results := ac02.results with input as {"schema": 1, "phase": "period", "params": params, "access": {"configured": true}, "leavers": []}
	results == {{"subject": "*", "result": "not_applicable", "reasons": ["no leaver in the HR roster for this period"], "evidence": []}}
}

test_misconfigured_window_fails if {
	results := ac02.results with input as {"schema": 1, "phase": "period", "params": {"AC-02": {"window_business_days": "1"}}, "access": {"configured": true}, "leavers": [leaver([], 1, [])]}
	some r in results
	r.result == "fail"
	r.reasons == ["AC-02 is misconfigured: parameter window_business_days must be a whole number"]
}

# A joiner who left between two reads of Okta: nothing shows an account of theirs there.
joiner(accounts) := object.union(leaver(accounts, 3, []), {
	"start_date": terminated_at - (3 * 86400),
	"unobserved_providers": [{"provider": "okta", "snapshot_at": terminated_at - (6 * 86400)}],
})

test_joiner_unobserved_while_employed_fails_closed if {
	r := verdict(joiner([]))
	r.result == "fail"
	r.reasons == ["no snapshot of okta between bob@acme.example's start on 2026-06-23 00:00 UTC and the termination (the latest before it is from 2026-06-20 00:00 UTC): their accounts there are unknown"]
}

test_joiner_unobserved_fails_even_with_other_accounts_disabled_in_time if {
	r := verdict(joiner([account("github:bob-b", {"provider": "github"})]))
	r.result == "fail"
	count(r.reasons) == 1
	startswith(r.reasons[0], "no snapshot of okta between")
}
