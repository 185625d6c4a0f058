package soxtrail.controls.access_review_test

import data.soxtrail.controls.access_review as ac03

# 2026-07-01 00:00 UTC, 2026-10-01 00:00 UTC, and some instants between.
q3_start := 1782864000

q3_end := 1790812800

started := 1783684800 # 2026-07-10 12:00 UTC

decided := 1784116800 # 2026-07-15 12:00 UTC

closed := 1784203200 # 2026-07-16 12:00 UTC

day := 86400

account(name, reviewer, decision) := {
	"account": sprintf("okta:%s@acme.example", [name]),
	"person": sprintf("%s@acme.example", [name]),
	"reviewer": reviewer,
	"reviewer_basis": "manager",
	"decision": decision,
	"reason": "still works on billing",
	"decided_by": reviewer,
	"decided_at": decided,
	"after": [],
	"evidence": [sprintf("ev-okta-%s", [name])],
}

undecided_account(name, reviewer) := object.union(account(name, reviewer, null), {"decided_by": null, "decided_at": null, "reason": null})

campaign(accounts, is_closed) := {
	"id": "AR-0123456789",
	"started_at": started,
	"started_by": "dave@acme.example",
	"closed": is_closed,
	"closed_at": closed_at(is_closed),
	"closed_by": "dave@acme.example",
	"population": [a.account | some a in accounts],
	"missing_providers": [],
	"accounts": accounts,
	"evidence": ["ev-start", "ev-close"],
}

closed_at(true) := closed

closed_at(false) := null

quarter(campaigns, due) := {
	"subject": "billing:2026-Q3",
	"system": "billing",
	"quarter": "2026-Q3",
	"start": q3_start,
	"end": q3_end,
	"due": due,
	"campaigns": campaigns,
}

input_for(quarters, now) := {
	"schema": 1,
	"phase": "period",
	"now": now,
	"params": {"AC-03": {"revocation_grace_days": 5}},
	"access_reviews": quarters,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

complete := [
	account("alice", "carol@acme.example", "keep"),
	account("bob", "dave@acme.example", "modify"),
]

test_closed_campaign_with_every_account_decided_passes if {
	results := ac03.results with input as input_for([quarter([campaign(complete, true)], true)], q3_end + day)
	r := only(results)
	r.subject == "billing:2026-Q3"
	r.result == "pass"
	r.reasons == ["campaign AR-0123456789 reviewed 2 accounts (keep 1, modify 1, revoke 0); closed 2026-07-16 12:00 UTC by dave@acme.example"]
	r.evidence == ["ev-close", "ev-start"]
}

test_undecided_account_and_open_campaign_fail if {
	accounts := [account("alice", "carol@acme.example", "keep"), undecided_account("bob", "dave@acme.example")]
	results := ac03.results with input as input_for([quarter([campaign(accounts, false)], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"campaign AR-0123456789 was not closed (1 of 2 accounts undecided)",
		"okta:bob@acme.example (reviewer dave@acme.example) was not decided in AR-0123456789",
	]
}

test_no_campaign_after_the_quarter_fails if {
	results := ac03.results with input as input_for([quarter([], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no access review campaign of billing for 2026-Q3"]
}

test_no_campaign_before_the_quarter_ends_is_not_applicable if {
	results := ac03.results with input as input_for([quarter([], false)], started)
	r := only(results)
	r.result == "not_applicable"
	r.reasons == ["no access review of billing for 2026-Q3 yet; it is due by 2026-10-01 00:00 UTC"]
}

test_account_with_access_at_the_start_but_left_out_fails if {
	c := object.union(campaign(complete, true), {"population": ["okta:alice@acme.example", "okta:bob@acme.example", "okta:mallory@acme.example"]})
	results := ac03.results with input as input_for([quarter([c], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == ["okta:mallory@acme.example had access when AR-0123456789 started but is not in the campaign"]
}

test_missing_snapshot_at_the_start_fails if {
	c := object.union(campaign(complete, true), {"missing_providers": ["github"]})
	results := ac03.results with input as input_for([quarter([c], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no identity or membership snapshot of github when AR-0123456789 started: its population is unknown"]
}

test_self_review_and_wrong_reviewer_fail if {
	accounts := [
		object.union(account("alice", "carol@acme.example", "keep"), {"decided_by": "alice@acme.example"}),
		object.union(account("bob", "dave@acme.example", "keep"), {"decided_by": "erin@acme.example"}),
	]
	results := ac03.results with input as input_for([quarter([campaign(accounts, true)], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"okta:alice@acme.example was decided by its own holder alice@acme.example",
		"okta:alice@acme.example was decided by alice@acme.example, not its assigned reviewer carol@acme.example",
		"okta:bob@acme.example was decided by erin@acme.example, not its assigned reviewer dave@acme.example",
	]
}

test_decision_without_reason_fails if {
	accounts := [object.union(account("alice", "carol@acme.example", "keep"), {"reason": " "})]
	results := ac03.results with input as input_for([quarter([campaign(accounts, true)], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == ["the decision on okta:alice@acme.example gives no reason"]
}

revoked_with(after) := object.union(account("bob", "dave@acme.example", "revoke"), {"after": after})

test_revocation_carried_out_passes if {
	accounts := [revoked_with([{"at": decided + day, "has_access": false, "evidence": []}])]
	results := ac03.results with input as input_for([quarter([campaign(accounts, true)], true)], q3_end + day)
	r := only(results)
	r.result == "pass"
}

test_revocation_still_active_after_the_grace_period_fails if {
	accounts := [revoked_with([
		{"at": decided + day, "has_access": true, "evidence": ["ev-1"]},
		{"at": decided + (10 * day), "has_access": true, "evidence": ["ev-2"]},
	])]
	results := ac03.results with input as input_for([quarter([campaign(accounts, true)], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == ["okta:bob@acme.example was revoked on 2026-07-15 12:00 UTC but still had access on 2026-07-25 12:00 UTC"]
}

test_revocation_still_active_within_the_grace_period_is_pending if {
	accounts := [revoked_with([{"at": decided + day, "has_access": true, "evidence": ["ev-1"]}])]
	results := ac03.results with input as input_for([quarter([campaign(accounts, true)], false)], decided + (2 * day))
	r := only(results)
	r.result == "pass"
	r.reasons[1] == "the revocation of okta:bob@acme.example is due by 2026-07-20 12:00 UTC"
}

test_revocation_never_shown_removed_fails_after_the_grace_period if {
	accounts := [revoked_with([])]
	results := ac03.results with input as input_for([quarter([campaign(accounts, true)], true)], q3_end + day)
	r := only(results)
	r.result == "fail"
	r.reasons == ["okta:bob@acme.example was revoked on 2026-07-15 12:00 UTC and no identity or membership snapshot since shows the access removed"]
}

test_one_clean_campaign_of_several_passes if {
	abandoned := object.union(campaign([undecided_account("bob", "dave@acme.example")], false), {"id": "AR-abandoned0"})
	results := ac03.results with input as input_for([quarter([abandoned, campaign(complete, true)], true)], q3_end + day)
	r := only(results)
	r.result == "pass"
}

test_misconfigured_grace_fails if {
	doc := object.union(input_for([quarter([campaign(complete, true)], true)], q3_end + day), {"params": {"AC-03": {"revocation_grace_days": "a week"}}})
	results := ac03.results with input as doc
	r := only(results)
	r.result == "fail"
	r.reasons == ["AC-03 is misconfigured: parameter revocation_grace_days must be a whole number"]
}

test_no_quarters_is_not_applicable if {
	results := ac03.results with input as {"schema": 1, "phase": "period", "params": {}}
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}
