package soxtrail.controls.emergency_change_test

import data.soxtrail.controls.emergency_change as cm10

merged_at := 1784050000

ticket(key, days, approved_by) := {
	"key": key,
	"found": true,
	"tracker": "jira",
	"type": "Emergency Change",
	"status": "Approved",
	"approved": true,
	"approved_at": merged_at + (days * 86400),
	"approved_by": approved_by,
	"emergency": true,
	"business_days_to_approval": days,
	"evidence": [concat("-", ["ev-ticket", key])],
}

open_ticket(key) := object.union(ticket(key, 0, null), {"status": "In Progress", "approved": false, "approved_at": null, "business_days_to_approval": null})

change(tickets, emergency, elapsed) := {
	"subject": "acme/billing#57",
	"repo": "acme/billing",
	"number": 57,
	"title": "FIN-9: hotfix invoice rounding",
	"author": "alice@acme.example",
	"state": "merged",
	"merged": true,
	"merged_at": merged_at,
	"merged_by": "alice@acme.example",
	"labels": ["emergency"],
	"emergency": emergency,
	"financial": true,
	"business_days_since_merge": elapsed,
	"tickets": tickets,
	"evidence": ["ev-pr-57"],
}

input_for(crs) := {"schema": 1, "phase": "period", "params": {"CM-10": {"window_business_days": 2}}, "change_set": {"change_requests": crs}}

only(results) := r if {
	count(results) == 1
	some r in results
}

verdict(cr) := r if {
	results := cm10.results with input as input_for([cr])
	r := only(results)
}

test_emergency_approved_within_window_passes if {
	r := verdict(change([ticket("FIN-9", 1, "dave@acme.example")], true, 3))
	r.subject == "acme/billing#57"
	r.result == "pass"
	r.reasons == ["FIN-9 was approved retrospectively by dave@acme.example 1 business day(s) after the merge, within the 2 allowed"]
	r.evidence == ["ev-pr-57", "ev-ticket-FIN-9"]
}

test_emergency_approved_before_merge_passes if {
	before := object.union(ticket("FIN-9", 0, "dave@acme.example"), {"approved_at": merged_at - 600})
	r := verdict(change([before], true, 5))
	r.result == "pass"
	r.reasons == ["FIN-9 was approved by dave@acme.example before the merge"]
}

test_emergency_approved_too_late_fails if {
	r := verdict(change([ticket("FIN-9", 4, "dave@acme.example")], true, 6))
	r.result == "fail"
	r.reasons == [
		"no independent retrospective approval within 2 business day(s) of the merge; 6 elapsed",
		"FIN-9 was approved 4 business day(s) after the merge, beyond the 2 allowed",
	]
}

test_emergency_never_approved_after_window_fails if {
	r := verdict(change([open_ticket("FIN-9")], true, 3))
	r.result == "fail"
	r.reasons == [
		"no independent retrospective approval within 2 business day(s) of the merge; 3 elapsed",
		"FIN-9 was never approved (status: In Progress)",
	]
}

test_emergency_inside_window_passes if {
	r := verdict(change([open_ticket("FIN-9")], true, 1))
	r.result == "pass"
	r.reasons == [
		"retrospective approval due within 2 business day(s) of the merge; 1 elapsed",
		"FIN-9 was never approved (status: In Progress)",
	]
}

test_emergency_on_last_day_of_window_passes if {
	r := verdict(change([open_ticket("FIN-9")], true, 2))
	r.result == "pass"
	r.reasons[0] == "retrospective approval due within 2 business day(s) of the merge; 2 elapsed"
}

test_emergency_self_approved_after_window_fails if {
	r := verdict(change([ticket("FIN-9", 1, "alice@acme.example")], true, 3))
	r.result == "fail"
	r.reasons == [
		"no independent retrospective approval within 2 business day(s) of the merge; 3 elapsed",
		"FIN-9 was approved by alice@acme.example, the author of acme/billing#57",
	]
}

test_emergency_self_approved_inside_window_passes_pending if {
	r := verdict(change([ticket("FIN-9", 0, "alice@acme.example")], true, 0))
	r.result == "pass"
	r.reasons == [
		"retrospective approval due within 2 business day(s) of the merge; 0 elapsed",
		"FIN-9 was approved by alice@acme.example, the author of acme/billing#57",
	]
}

test_emergency_approver_unknown_fails if {
	r := verdict(change([ticket("FIN-9", 1, null)], true, 3))
	r.result == "fail"
	r.reasons[1] == "the approver of FIN-9 is unknown"
}

test_emergency_approval_time_unknown_fails if {
	unknown := object.union(ticket("FIN-9", 1, "dave@acme.example"), {"approved_at": null, "business_days_to_approval": null})
	r := verdict(change([unknown], true, 3))
	r.result == "fail"
	r.reasons[1] == "the time of the approval of FIN-9 is unknown"
}

test_emergency_without_ticket_after_window_fails if {
	r := verdict(change([], true, 4))
	r.result == "fail"
	r.reasons == [
		"no independent retrospective approval within 2 business day(s) of the merge; 4 elapsed",
		"acme/billing#57 links no ticket",
	]
}

test_emergency_ticket_without_evidence_fails if {
	r := verdict(change([{"key": "FIN-9", "found": false, "approved": false, "evidence": []}], true, 4))
	r.result == "fail"
	r.reasons[1] == "FIN-9 is referenced but soxtrail holds no evidence of it"
}

test_emergency_elapsed_unknown_fails if {
	r := verdict(change([open_ticket("FIN-9")], true, null))
	r.result == "fail"
	r.reasons[0] == "no independent retrospective approval within 2 business day(s) of the merge, and the business days elapsed since the merge are unknown"
}

test_wider_window_passes if {
	results := cm10.results with input as object.union(input_for([change([ticket("FIN-9", 4, "dave@acme.example")], true, 6)]), {"params": {"CM-10": {"window_business_days": 5}}})
	r := only(results)
	r.result == "pass"
}

test_missing_parameter_fails if {
	results := cm10.results with input as object.remove(input_for([change([ticket("FIN-9", 1, "dave@acme.example")], true, 3)]), {"params"})
	r := only(results)
	r.result == "fail"
	r.reasons == ["CM-10 is misconfigured: parameter window_business_days must be a whole number"]
}

test_not_emergency_is_not_applicable if {
	r := verdict(change([], false, 10))
	r.subject == "acme/billing#57"
	r.result == "not_applicable"
	r.reasons == ["not an emergency change"]
}

test_no_change_requests_is_not_applicable if {
	results := cm10.results with input as input_for([])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_emergency_approved_on_last_day_of_window_passes if {
	r := verdict(change([ticket("FIN-9", 2, "dave@acme.example")], true, 4))
	r.result == "pass"
	r.reasons == ["FIN-9 was approved retrospectively by dave@acme.example 2 business day(s) after the merge, within the 2 allowed"]
}

test_emergency_approved_at_merge_passes if {
	at_merge := object.union(ticket("FIN-9", 0, "dave@acme.example"), {"business_days_to_approval": null})
	r := verdict(change([at_merge], true, 5))
	r.result == "pass"
	r.reasons == ["FIN-9 was approved by dave@acme.example before the merge"]
}

test_emergency_approved_inside_open_window_passes_once if {
	r := verdict(change([ticket("FIN-9", 1, "dave@acme.example")], true, 1))
	r.result == "pass"
	r.reasons == ["FIN-9 was approved retrospectively by dave@acme.example 1 business day(s) after the merge, within the 2 allowed"]
}

test_emergency_self_approved_on_last_day_fails_for_the_approver_only if {
	r := verdict(change([ticket("FIN-9", 2, "alice@acme.example")], true, 3))
	r.result == "fail"
	r.reasons == [
		"no independent retrospective approval within 2 business day(s) of the merge; 3 elapsed",
		"FIN-9 was approved by alice@acme.example, the author of acme/billing#57",
	]
}

test_mistyped_parameter_fails if {
	results := cm10.results with input as object.union(input_for([change([ticket("FIN-9", 1, "dave@acme.example")], true, 1)]), {"params": {"CM-10": {"window_business_days": "two"}}})
	r := only(results)
	r.result == "fail"
	r.reasons == ["CM-10 is misconfigured: parameter window_business_days must be a whole number"]
}

test_mistyped_parameter_fails_an_unapproved_change_once if {
	mistyped := {"params": {"CM-10": {"window_business_days": "two"}}}
	pending := cm10.results with input as object.union(input_for([change([open_ticket("FIN-9")], true, 1)]), mistyped)
	only(pending).result == "fail"
	unknown := cm10.results with input as object.union(input_for([change([open_ticket("FIN-9")], true, null)]), mistyped)
	only(unknown).result == "fail"
}
