package soxtrail.controls.no_history_rewrite_test

import data.soxtrail.controls.no_history_rewrite as cm08

before := "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

after := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

zero := "0000000000000000000000000000000000000000"

push(branch, protected, forced, deleted) := {
	"subject": sprintf("github:push:%s:%s", [branch, after]),
	"repo": "acme/billing",
	"ref": concat("/", ["refs/heads", branch]),
	"branch": branch,
	"protected": protected,
	"forced": forced,
	"deleted": deleted,
	"created": false,
	"pusher": "alice@acme.example",
	"at": 1784050000,
	"before": before,
	"after": after,
	"via_change_request": true,
	"evidence": concat("-", ["ev-push", branch]),
}

input_for(pushes) := {"schema": 1, "phase": "period", "params": {}, "pushes": pushes}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_fast_forward_push_passes if {
	results := cm08.results with input as input_for([push("main", true, false, false)])
	r := only(results)
	r.subject == "github:push:main:9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
	r.reasons == ["push to main by alice@acme.example moved it from 1a2b3c4 to 9f8e7d6 without rewriting history"]
	r.evidence == ["ev-push-main"]
}

test_forced_push_fails if {
	results := cm08.results with input as input_for([push("main", true, true, false)])
	r := only(results)
	r.result == "fail"
	r.reasons == ["forced push to main by alice@acme.example rewrote history from 1a2b3c4 to 9f8e7d6"]
	r.evidence == ["ev-push-main"]
}

test_branch_deletion_fails if {
	deletion := object.union(push("main", true, false, true), {"after": zero, "pusher": "mallory@acme.example"})
	results := cm08.results with input as input_for([deletion])
	r := only(results)
	r.result == "fail"
	r.reasons == ["main was deleted by mallory@acme.example"]
}

test_forced_push_by_unknown_pusher_fails if {
	results := cm08.results with input as input_for([object.union(push("main", true, true, false), {"pusher": null})])
	r := only(results)
	r.result == "fail"
	r.reasons == ["forced push to main by an unknown person rewrote history from 1a2b3c4 to 9f8e7d6"]
}

test_push_without_flags_fails if {
	results := cm08.results with input as input_for([object.remove(push("main", true, false, false), {"forced", "deleted"})])
	r := only(results)
	r.result == "fail"
	r.reasons == ["the push to main by alice@acme.example does not record whether it was forced or deleted the branch"]
}

test_unprotected_pushes_are_ignored if {
	results := cm08.results with input as input_for([push("main", true, false, false), push("feature/invoices", false, true, false)])
	r := only(results)
	r.subject == "github:push:main:9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
}

test_each_protected_push_gets_its_own_result if {
	results := cm08.results with input as input_for([push("main", true, false, false), push("release", true, true, false)])
	count(results) == 2
	{[r.subject, r.result] | some r in results} == {
		["github:push:main:9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", "pass"],
		["github:push:release:9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", "fail"],
	}
}

test_no_protected_push_is_not_applicable if {
	results := cm08.results with input as input_for([push("feature/invoices", false, true, false)])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no pushes to protected branches in the input"]
}

test_no_pushes_is_not_applicable if {
	results := cm08.results with input as {"schema": 1, "phase": "gate", "params": {}}
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}
