package soxtrail.controls.authorized_change_test

import data.soxtrail.controls.authorized_change as cm03

merged_at := 1784050000

ticket(key, approved_at, approved_by) := {
	"key": key,
	"found": true,
	"tracker": "jira",
	"type": "Change",
	"status": "Done",
	"approved": true,
	"approved_at": approved_at,
	"approved_by": approved_by,
	"emergency": false,
	"business_days_to_approval": 0,
	"evidence": [concat("-", ["ev-ticket", key])],
}

change(tickets, emergency) := {
	"subject": "acme/billing#42",
	"repo": "acme/billing",
	"number": 42,
	"title": "FIN-7: post invoices to the ledger",
	"author": "alice@acme.example",
	"state": "merged",
	"merged": true,
	"merged_at": merged_at,
	"merged_by": "bob@acme.example",
	"merge_commit_sha": "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
	"head_sha": "5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1",
	"base_ref": "main",
	"labels": [],
	"emergency": emergency,
	"financial": true,
	"tickets": tickets,
	"evidence": ["ev-pr-42"],
}

input_for(crs) := {"schema": 1, "phase": "gate", "params": {}, "change_set": {"change_requests": crs}}

only(results) := r if {
	count(results) == 1
	some r in results
}

# verdict is the only result of CM-03 on one change request.
verdict(cr) := r if {
	results := cm03.results with input as input_for([cr])
	r := only(results)
}

test_ticket_approved_before_merge_passes if {
	r := verdict(change([ticket("FIN-7", merged_at - 20000, "dave@acme.example")], false))
	r.subject == "acme/billing#42"
	r.result == "pass"
	r.reasons == ["FIN-7 was approved by dave@acme.example 5 hours before the merge"]
	r.evidence == ["ev-pr-42", "ev-ticket-FIN-7"]
}

test_ticket_approved_at_the_merge_passes if {
	r := verdict(change([ticket("CHG0012345", merged_at, "dave@acme.example")], false))
	r.result == "pass"
	r.reasons == ["CHG0012345 was approved by dave@acme.example less than a minute before the merge"]
}

test_one_approved_ticket_among_several_passes if {
	missing := object.union(ticket("FIN-8", null, null), {"found": false, "approved": false})
	r := verdict(change([missing, ticket("FIN-7", merged_at - 90000, "dave@acme.example")], false))
	r.result == "pass"
	r.reasons == ["FIN-7 was approved by dave@acme.example 1 day before the merge"]
}

test_no_ticket_linked_fails if {
	r := verdict(change([], false))
	r.result == "fail"
	r.reasons == ["acme/billing#42 links no ticket"]
	r.evidence == ["ev-pr-42"]
}

test_ticket_without_evidence_fails if {
	missing := {"key": "FIN-7", "found": false, "approved": false, "approved_at": null, "approved_by": null, "evidence": []}
	r := verdict(change([missing], false))
	r.result == "fail"
	r.reasons == ["FIN-7 is referenced but soxtrail holds no evidence of it"]
}

test_ticket_never_approved_fails if {
	open := object.union(ticket("FIN-7", null, null), {"approved": false, "status": "In Progress"})
	r := verdict(change([open], false))
	r.result == "fail"
	r.reasons == ["FIN-7 was never approved (status: In Progress)"]
}

test_ticket_approved_after_merge_fails if {
	r := verdict(change([ticket("FIN-7", merged_at + 10800, "dave@acme.example")], false))
	r.result == "fail"
	r.reasons == ["FIN-7 was approved 3 hours after the merge"]
}

test_ticket_approved_days_after_merge_fails if {
	r := verdict(change([ticket("FIN-7", merged_at + ((2 * 86400) + 100), "dave@acme.example")], false))
	r.result == "fail"
	r.reasons == ["FIN-7 was approved 2 days after the merge"]
}

test_ticket_approved_by_author_fails if {
	r := verdict(change([ticket("FIN-7", merged_at - 3600, "alice@acme.example")], false))
	r.result == "fail"
	r.reasons == ["FIN-7 was approved by alice@acme.example, the author of acme/billing#42"]
}

test_ticket_approver_unknown_fails if {
	r := verdict(change([ticket("FIN-7", merged_at - 3600, null)], false))
	r.result == "fail"
	r.reasons == ["the approver of FIN-7 is unknown"]
}

test_ticket_approval_time_unknown_fails if {
	r := verdict(change([ticket("FIN-7", null, "dave@acme.example")], false))
	r.result == "fail"
	r.reasons == ["FIN-7 is approved but the time of its approval is unknown"]
}

test_every_shortfall_is_listed_fails if {
	late_self := ticket("FIN-7", merged_at + 120, "alice@acme.example")
	r := verdict(change([late_self, ticket("FIN-9", merged_at - 60, null)], false))
	r.result == "fail"
	r.reasons == [
		"FIN-7 was approved 2 minutes after the merge",
		"FIN-7 was approved by alice@acme.example, the author of acme/billing#42",
		"the approver of FIN-9 is unknown",
	]
}

test_unmerged_change_request_fails if {
	cr := object.union(change([ticket("FIN-7", merged_at - 3600, "dave@acme.example")], false), {"merged_at": null})
	r := verdict(cr)
	r.result == "fail"
	r.reasons == ["acme/billing#42 has no merge time, so approval before the merge cannot be shown"]
}

test_emergency_without_pre_approval_is_not_applicable if {
	r := verdict(change([ticket("FIN-7", merged_at + 3600, "dave@acme.example")], true))
	r.subject == "acme/billing#42"
	r.result == "not_applicable"
	r.reasons == ["emergency change: retrospective approval is checked by CM-10"]
}

test_emergency_with_pre_approval_passes if {
	r := verdict(change([ticket("FIN-7", merged_at - 3600, "dave@acme.example")], true))
	r.result == "pass"
}

test_each_change_request_gets_its_own_result if {
	other := object.union(change([], false), {"subject": "acme/billing#43", "number": 43})
	results := cm03.results with input as input_for([change([ticket("FIN-7", merged_at - 3600, "dave@acme.example")], false), other])
	count(results) == 2
	{[r.subject, r.result] | some r in results} == {["acme/billing#42", "pass"], ["acme/billing#43", "fail"]}
}

test_no_change_requests_is_not_applicable if {
	results := cm03.results with input as input_for([])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no change requests in scope"]
}

test_no_change_set_is_not_applicable if {
	results := cm03.results with input as {"schema": 1, "phase": "gate", "params": {}, "change_set": null}
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_bare_ticket_key_fails if {
	r := verdict(change([{"key": "FIN-7"}], false))
	r.result == "fail"
	r.reasons == ["FIN-7 is referenced but soxtrail holds no evidence of it"]
}

test_change_request_without_merge_time_fails if {
	r := verdict(object.remove(change([ticket("FIN-7", merged_at - 3600, "dave@acme.example")], false), {"merged_at"}))
	r.result == "fail"
	r.reasons == ["acme/billing#42 has no merge time, so approval before the merge cannot be shown"]
}
