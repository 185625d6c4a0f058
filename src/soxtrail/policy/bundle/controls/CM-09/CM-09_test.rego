package soxtrail.controls.signed_commits_test

import data.soxtrail.controls.signed_commits as cm09

base := "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

deployed := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

feature := "5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1"

deployment := {
	"subject": "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
	"repo": "acme/billing",
	"commit": deployed,
	"environment": "production",
	"production": true,
	"on_protected_branch": true,
	"evidence": ["ev-deploy"],
}

good(signer) := {"format": "ssh", "status": "good", "signer": signer, "trusted": true}

commit(sha, author, signature, forge_merge) := {
	"sha": sha,
	"repo": "acme/billing",
	"author": author,
	"committer": author,
	"parents": [base],
	"merge": forge_merge,
	"change_request": "acme/billing#42",
	"signature": signature,
	"forge_merge": forge_merge,
	"evidence": concat("-", ["ev-commit", substring(sha, 0, 7)]),
}

signed := commit(feature, "alice@acme.example", good("alice@acme.example"), false)

forge_merge := commit(deployed, "bob@acme.example", {"format": "gpg", "status": "good", "signer": "github", "trusted": true}, true)

change_set(commits) := {"base": base, "head": deployed, "complete": true, "commits": commits, "change_requests": []}

input_for(commits, required) := {
	"schema": 1,
	"phase": "gate",
	"params": {},
	"system": {"name": "billing", "repos": ["acme/billing"], "protected_branches": ["main"], "require_signed_commits": required},
	"deployment": deployment,
	"change_set": change_set(commits),
}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_commits_signed_by_trusted_keys_pass if {
	results := cm09.results with input as input_for([signed, forge_merge], true)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
	r.reasons == [
		"every commit of the change set (2) carries a good signature from a trusted key",
		"including 1 forge merge commit signed by the forge",
	]
	r.evidence == ["ev-commit-5e4d3c2", "ev-commit-9f8e7d6", "ev-deploy"]
}

test_unsigned_commit_fails if {
	results := cm09.results with input as input_for([signed, commit(deployed, "bob@acme.example", null, false)], true)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"1 of 2 commit(s) of the change set are not validly signed",
		"commit 9f8e7d6 by bob@acme.example is unsigned",
	]
}

test_bad_signature_fails if {
	bad := object.union(good("bob@acme.example"), {"status": "bad"})
	results := cm09.results with input as input_for([commit(deployed, "bob@acme.example", bad, false)], true)
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "commit 9f8e7d6 by bob@acme.example has a bad signature"
}

test_expired_key_fails if {
	expired := object.union(good("bob@acme.example"), {"status": "expired_key"})
	results := cm09.results with input as input_for([commit(deployed, "bob@acme.example", expired, false)], true)
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "commit 9f8e7d6 by bob@acme.example has a signature with status expired_key, not good"
}

test_untrusted_key_fails if {
	untrusted := {"format": "ssh", "status": "good", "signer": "mallory@evil.example", "trusted": false}
	results := cm09.results with input as input_for([commit(deployed, "bob@acme.example", untrusted, false)], true)
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "commit 9f8e7d6 by bob@acme.example is signed by mallory@evil.example with a key that is not trusted (ssh)"
}

test_forge_merge_with_untrusted_signature_fails if {
	untrusted := object.union(forge_merge, {"signature": {"trusted": false}})
	results := cm09.results with input as input_for([signed, untrusted], true)
	r := only(results)
	r.result == "fail"
	r.reasons[1] == "forge merge commit 9f8e7d6 by bob@acme.example is signed by github with a key that is not trusted (gpg)"
}

test_at_most_five_commits_are_listed_fails if {
	commits := [commit(sprintf("%d%s", [i, substring(deployed, 1, 39)]), "bob@acme.example", null, false) | some i in numbers.range(1, 7)]
	results := cm09.results with input as input_for(commits, true)
	r := only(results)
	r.result == "fail"
	r.reasons[0] == "7 of 7 commit(s) of the change set are not validly signed"
	r.reasons[1] == "commit 1f8e7d6 by bob@acme.example is unsigned"
	r.reasons[6] == "... and 2 more"
	count(r.reasons) == 7
}

test_incomplete_change_set_fails if {
	incomplete := object.union(input_for([signed], true), {"change_set": {"complete": false}})
	results := cm09.results with input as incomplete
	r := only(results)
	r.result == "fail"
	r.reasons == ["the change set between 1a2b3c4 and 9f8e7d6 is not fully known: scan the repository with soxtrail scan-git"]
}

test_unknown_change_set_fails if {
	results := cm09.results with input as object.union(input_for([], true), {"change_set": null})
	r := only(results)
	r.result == "fail"
	r.reasons == ["no change set is known: scan the repository with soxtrail scan-git"]
}

test_signatures_not_required_is_not_applicable if {
	results := cm09.results with input as input_for([commit(deployed, "bob@acme.example", null, false)], false)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "not_applicable"
	r.reasons == ["signed commits are not required for billing"]
}

test_change_set_without_commits_is_not_applicable if {
	results := cm09.results with input as input_for([], true)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "not_applicable"
	r.reasons == ["the change set brings no commits"]
}

test_no_deployment_is_not_applicable if {
	results := cm09.results with input as object.union(input_for([], true), {"deployment": null})
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_commits_without_forge_merges_pass if {
	results := cm09.results with input as input_for([signed], true)
	r := only(results)
	r.result == "pass"
	r.reasons == ["every commit of the change set (1) carries a good signature from a trusted key"]
}
