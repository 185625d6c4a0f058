package soxtrail.controls.pipeline_deployment_test

import data.soxtrail.controls.pipeline_deployment as cm06

deployed := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

feature := "5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1"

system := {
	"name": "billing",
	"repos": ["acme/billing"],
	"protected_branches": ["main"],
	"production_environments": ["production"],
	"require_signed_commits": true,
}

pipeline := {"run_id": "github:5512", "branch": "main", "conclusion": null, "evidence": "ev-run-5512"}

deployment(approvers) := {
	"subject": "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
	"repo": "acme/billing",
	"commit": deployed,
	"environment": "production",
	"production": true,
	"actor": "deploy-bot",
	"approvers": approvers,
	"pipeline": pipeline,
	"recorded": false,
	"on_protected_branch": true,
	"evidence": ["ev-deploy"],
}

commit(sha, author, committer) := {
	"sha": sha,
	"repo": "acme/billing",
	"author": author,
	"committer": committer,
	"change_request": "acme/billing#42",
	"evidence": concat("-", ["ev-commit", substring(sha, 0, 7)]),
}

change_set := {
	"base": "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
	"head": deployed,
	"complete": true,
	"commits": [commit(feature, "alice@acme.example", "alice@acme.example"), commit(deployed, "bob@acme.example", "web-flow")],
	"change_requests": [{
		"subject": "acme/billing#42",
		"author": "alice@acme.example",
		"merged": true,
		"committers": ["alice@acme.example"],
		"evidence": ["ev-pr-42"],
	}],
}

input_for(d, require) := {
	"schema": 1,
	"phase": "gate",
	"params": {"CM-06": {"require_manual_approval": require}},
	"system": system,
	"environment": d.environment,
	"deployment": d,
	"change_set": change_set,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_pipeline_from_main_with_independent_approval_passes if {
	results := cm06.results with input as input_for(deployment(["carol@acme.example"]), true)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
	r.reasons == [
		"pipeline run github:5512 from main deployed commit 9f8e7d6",
		"approved by carol@acme.example, independent of the change set's authors",
	]
	r.evidence == ["ev-deploy", "ev-run-5512"]
}

test_no_pipeline_record_fails if {
	results := cm06.results with input as input_for(object.union(deployment(["carol@acme.example"]), {"pipeline": null}), true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no pipeline run deployed commit 9f8e7d6"]
	r.evidence == ["ev-deploy"]
}

test_pipeline_from_unprotected_branch_fails if {
	d := object.union(deployment(["carol@acme.example"]), {"pipeline": {"branch": "hotfix/invoice-rounding"}})
	results := cm06.results with input as input_for(d, true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["pipeline run github:5512 ran from hotfix/invoice-rounding, not from a protected branch (main)"]
}

test_no_manual_approval_fails if {
	results := cm06.results with input as input_for(deployment([]), true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no manual approval of this deployment"]
}

test_approval_by_change_request_author_fails if {
	results := cm06.results with input as input_for(deployment(["alice@acme.example"]), true)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"no manual approval by someone independent of the change set's authors (segregation of duties)",
		"approval by alice@acme.example does not count: they wrote part of this change set (acme/billing#42, 5e4d3c2)",
	]
}

test_approval_by_commit_author_fails if {
	results := cm06.results with input as input_for(deployment(["bob@acme.example", null]), true)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"no manual approval by someone independent of the change set's authors (segregation of duties)",
		"an approval by an unknown person does not count",
		"approval by bob@acme.example does not count: they wrote part of this change set (9f8e7d6)",
	]
}

test_independent_approval_beside_author_approval_passes if {
	results := cm06.results with input as input_for(deployment(["alice@acme.example", "carol@acme.example"]), true)
	r := only(results)
	r.result == "pass"
	"approval by alice@acme.example does not count: they wrote part of this change set (acme/billing#42, 5e4d3c2)" in r.reasons
}

test_unknown_change_set_fails if {
	results := cm06.results with input as object.union(input_for(deployment(["carol@acme.example"]), true), {"change_set": null})
	r := only(results)
	r.result == "fail"
	r.reasons == ["no change set is known, so the independence of the deployment's approvers from its authors cannot be checked"]
}

test_approval_not_required_passes if {
	results := cm06.results with input as input_for(deployment([]), false)
	r := only(results)
	r.result == "pass"
	r.reasons == [
		"pipeline run github:5512 from main deployed commit 9f8e7d6",
		"manual approval not required (require_manual_approval is false)",
	]
}

test_pipeline_still_required_without_approval_requirement_fails if {
	results := cm06.results with input as input_for(object.union(deployment([]), {"pipeline": null}), false)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no pipeline run deployed commit 9f8e7d6"]
}

test_every_shortfall_is_listed_fails if {
	results := cm06.results with input as input_for(object.union(deployment([]), {"pipeline": null}), true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no pipeline run deployed commit 9f8e7d6", "no manual approval of this deployment"]
}

test_non_production_deployment_is_not_applicable if {
	staging := object.union(deployment([]), {"environment": "staging", "production": false, "pipeline": null})
	results := cm06.results with input as input_for(staging, true)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "not_applicable"
	r.reasons == ["not a production environment (staging)"]
}

test_missing_production_flag_is_treated_as_production_fails if {
	unknown := object.remove(object.union(deployment([]), {"pipeline": null}), {"production"})
	results := cm06.results with input as input_for(unknown, true)
	r := only(results)
	r.result == "fail"
}

test_missing_parameter_fails if {
	results := cm06.results with input as object.remove(input_for(deployment(["carol@acme.example"]), true), {"params"})
	r := only(results)
	r.result == "fail"
	r.reasons[0] == "CM-06 is misconfigured: parameter require_manual_approval must be true or false"
}

test_no_deployment_is_not_applicable if {
	results := cm06.results with input as object.union(input_for(deployment([]), true), {"deployment": null})
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_unknown_approver_is_not_mistaken_for_an_author_fails if {
	anonymous := object.union(change_set, {"change_requests": [object.union(change_set.change_requests[0], {"author": null})]})
	results := cm06.results with input as object.union(input_for(deployment([null]), true), {"change_set": anonymous})
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"no manual approval by someone independent of the change set's authors (segregation of duties)",
		"an approval by an unknown person does not count",
	]
}
