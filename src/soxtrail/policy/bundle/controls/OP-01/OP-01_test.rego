package soxtrail.controls.audit_logging_test

import data.soxtrail.controls.audit_logging as op01

# 2026-07-01T00:00:00Z and the two days after it.
jul1 := 1782864000

day := 86400

days(counts) := [{"day": sprintf("2026-07-%02d", [i + 1]), "events": n} | some i, n in counts]

source(name, counts, first) := {
	"subject": concat(":", ["audit-log", name]),
	"source": name,
	"adapters": [name],
	"configured": false,
	"delivered": true,
	"first_event_at": first,
	"last_event_at": jul1 + (2 * day),
	"days": days(counts),
	"evidence": [concat("-", ["ev-first", name])],
}

input_for(sources, params) := {
	"schema": 1,
	"phase": "period",
	"params": {"OP-01": object.union({"sources": [], "retention_days": 365}, params)},
	"log_window": {"start": jul1, "end": jul1 + (3 * day), "days": 3, "reference": jul1 + (3 * day)},
	"log_sources": sources,
}

# Old enough for a 365-day retention ending 2026-07-04.
old := jul1 - (400 * day)

only(results) := r if {
	count(results) == 1
	some r in results
}

test_every_day_covered_passes if {
	results := op01.results with input as input_for([source("cloudtrail", [10, 3, 7], old)], {})
	r := only(results)
	r.subject == "audit-log:cloudtrail"
	r.result == "pass"
	r.reasons == ["cloudtrail delivered events on each of the 3 complete days of the period; its evidence reaches back to 2025-05-27"]
	r.evidence == ["ev-first-cloudtrail"]
}

test_a_day_without_events_fails_naming_the_day if {
	results := op01.results with input as input_for([source("cloudtrail", [10, 0, 7], old)], {})
	r := only(results)
	r.result == "fail"
	r.reasons == ["no cloudtrail audit events on 2026-07-02"]
}

test_short_retention_fails if {
	results := op01.results with input as input_for([source("okta", [1, 1, 1], jul1 - (30 * day))], {})
	r := only(results)
	r.result == "fail"
	r.reasons == ["okta evidence reaches back only to 2026-06-01; it must reach back to 2025-07-04 (365 days before 2026-07-04, or the period's first day)"]
}

test_retention_reaches_the_period_start_when_shorter if {
	results := op01.results with input as input_for([source("okta", [1, 1, 1], jul1 + 3600)], {"retention_days": 1})
	r := only(results)
	r.result == "pass"
}

test_named_source_that_never_delivered_fails if {
	never := object.union(source("vault", [0, 0, 0], null), {"configured": true, "delivered": false, "evidence": []})
	results := op01.results with input as input_for([source("cloudtrail", [1, 1, 1], old), never], {"sources": ["cloudtrail", "vault"]})
	some r in results
	r.subject == "audit-log:vault"
	r.result == "fail"
	r.reasons == ["vault has never delivered an audit event"]
	count(results) == 2
}

test_unnamed_source_is_not_applicable_when_sources_are_named if {
	results := op01.results with input as input_for([source("cloudtrail", [1, 1, 1], old), source("okta", [0, 0, 0], old)], {"sources": ["cloudtrail"]})
	some r in results
	r.subject == "audit-log:okta"
	r.result == "not_applicable"
	r.reasons == ["okta is not an expected audit source (expected: cloudtrail)"]
}

test_no_sources_is_not_applicable if {
	results := op01.results with input as input_for([], {})
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_misconfigured_parameter_fails if {
	results := op01.results with input as input_for([source("cloudtrail", [1, 1, 1], old)], {"sources": "cloudtrail"})
	r := only(results)
	r.result == "fail"
	r.reasons == ["OP-01 is misconfigured: parameter sources must be a list of source names"]
}

test_missing_day_counts_fail_closed if {
	broken := object.union(source("cloudtrail", [1, 1, 1], old), {"days": [{"day": "2026-07-01"}]})
	results := op01.results with input as input_for([broken], {})
	r := only(results)
	r.result == "fail"
	r.reasons == ["no cloudtrail audit events on 2026-07-01"]
}
