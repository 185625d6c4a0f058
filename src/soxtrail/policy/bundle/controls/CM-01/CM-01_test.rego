package soxtrail.controls.traceable_change_test

import data.soxtrail.controls.traceable_change as cm01

base := "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

head := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

feature := "5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1"

system := {"name": "billing", "repos": ["acme/billing"], "protected_branches": ["main"]}

commit(sha, author, change_request) := {
	"sha": sha,
	"repo": "acme/billing",
	"author": author,
	"committer": author,
	"authored_at": 1784000000,
	"committed_at": 1784000000,
	"parents": [base],
	"merge": false,
	"paths": ["src/billing/invoice.py"],
	"financial": false,
	"change_request": change_request,
	"signature": null,
	"forge_merge": false,
	"evidence": concat("-", ["ev-commit", substring(sha, 0, 7)]),
}

change_request(number, merged) := {
	"subject": sprintf("acme/billing#%d", [number]),
	"repo": "acme/billing",
	"number": number,
	"author": "alice@acme.example",
	"state": state(merged),
	"merged": merged,
	"evidence": [sprintf("ev-pr-%d", [number])],
}

state(true) := "merged"

state(false) := "closed"

change_set(commits, crs, complete) := {
	"base": base,
	"head": head,
	"complete": complete,
	"commits": commits,
	"change_requests": crs,
}

input_for(cs) := {"schema": 1, "phase": "gate", "system": system, "params": {}, "change_set": cs}

only(results) := r if {
	count(results) == 1
	some r in results
}

result_for(results, subject) := r if {
	some r in results
	r.subject == subject
}

test_commit_from_merged_change_request_passes if {
	cs := change_set([commit(feature, "alice@acme.example", "acme/billing#42")], [change_request(42, true)], true)
	results := cm01.results with input as input_for(cs)
	r := only(results)
	r.subject == feature
	r.result == "pass"
	r.reasons == ["commit 5e4d3c2 by alice@acme.example arrived through merged change request acme/billing#42"]
	r.evidence == ["ev-commit-5e4d3c2", "ev-pr-42"]
}

test_direct_push_fails if {
	cs := change_set([commit(head, "mallory@acme.example", null)], [], true)
	results := cm01.results with input as input_for(cs)
	r := only(results)
	r.subject == head
	r.result == "fail"
	r.reasons == ["commit 9f8e7d6 by mallory@acme.example reached main without a merged change request (direct push)"]
	r.evidence == ["ev-commit-9f8e7d6"]
}

test_direct_push_by_unknown_author_fails if {
	cs := change_set([commit(head, null, null)], [], true)
	results := cm01.results with input as input_for(cs)
	r := only(results)
	r.result == "fail"
	r.reasons == ["commit 9f8e7d6 by an unknown person reached main without a merged change request (direct push)"]
}

test_change_request_without_evidence_fails if {
	cs := change_set([commit(feature, "alice@acme.example", "acme/billing#77")], [change_request(42, true)], true)
	results := cm01.results with input as input_for(cs)
	r := only(results)
	r.result == "fail"
	r.reasons == ["commit 5e4d3c2 by alice@acme.example reached main through acme/billing#77, but soxtrail holds no evidence of that change request"]
}

test_unmerged_change_request_fails if {
	cs := change_set([commit(feature, "alice@acme.example", "acme/billing#42")], [change_request(42, false)], true)
	results := cm01.results with input as input_for(cs)
	r := only(results)
	r.result == "fail"
	r.reasons == ["commit 5e4d3c2 by alice@acme.example reached main while its change request acme/billing#42 was not merged (state: closed)"]
	r.evidence == ["ev-commit-5e4d3c2", "ev-pr-42"]
}

test_each_commit_gets_its_own_result if {
	cs := change_set(
		[commit(feature, "alice@acme.example", "acme/billing#42"), commit(head, "mallory@acme.example", null)],
		[change_request(42, true)],
		true,
	)
	results := cm01.results with input as input_for(cs)
	count(results) == 2
	result_for(results, feature).result == "pass"
	result_for(results, head).result == "fail"
}

test_incomplete_change_set_fails_every_commit if {
	cs := change_set(
		[commit(feature, "alice@acme.example", "acme/billing#42"), commit(head, "mallory@acme.example", null)],
		[change_request(42, true)],
		false,
	)
	results := cm01.results with input as input_for(cs)
	count(results) == 2
	traced := result_for(results, feature)
	traced.result == "fail"
	traced.reasons == ["the change set between 1a2b3c4 and 9f8e7d6 is not fully known: scan the repository with soxtrail scan-git"]
	pushed := result_for(results, head)
	pushed.result == "fail"
	pushed.reasons == [
		"commit 9f8e7d6 by mallory@acme.example reached main without a merged change request (direct push)",
		"the change set between 1a2b3c4 and 9f8e7d6 is not fully known: scan the repository with soxtrail scan-git",
	]
}

test_incomplete_first_change_set_names_its_head if {
	cs := object.union(change_set([commit(feature, "alice@acme.example", "acme/billing#42")], [change_request(42, true)], false), {"base": null})
	results := cm01.results with input as input_for(cs)
	r := only(results)
	r.result == "fail"
	r.reasons == ["the change set up to 9f8e7d6 is not fully known: scan the repository with soxtrail scan-git"]
}

test_no_commits_is_not_applicable if {
	results := cm01.results with input as input_for(change_set([], [], true))
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no commits in this change set"]
}

test_no_commits_known_is_not_applicable_and_says_why if {
	results := cm01.results with input as input_for(change_set([], [], false))
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no commits known in this change set (the change set between 1a2b3c4 and 9f8e7d6 is not fully known: scan the repository with soxtrail scan-git; CM-07 fails the deployment for it)"]
}

test_no_change_set_is_not_applicable if {
	results := cm01.results with input as input_for(null)
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_change_set_absent_from_input_is_not_applicable if {
	results := cm01.results with input as {"schema": 1, "phase": "period", "system": system, "params": {}}
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no change set in the input"]
}
