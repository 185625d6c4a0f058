package soxtrail.controls.integrity_test

import data.soxtrail.controls.integrity as cm07

deployed := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

base := "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

system := {"name": "billing", "repos": ["acme/billing"], "protected_branches": ["main", "release"]}

deployment := {
	"subject": "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
	"repo": "acme/billing",
	"commit": deployed,
	"environment": "production",
	"production": true,
	"recorded": false,
	"on_protected_branch": true,
	"evidence": ["ev-deploy"],
}

change_set := {"base": base, "head": deployed, "complete": true, "commits": [], "change_requests": []}

snapshot(environment, at, matches, differences) := {
	"environment": environment,
	"at": at,
	"workloads": [{"name": "billing-api", "image": "ghcr.io/acme/billing", "digest": "sha256:4f1c9a", "commit": deployed, "version": "1.4.2"}],
	"matches_last_deployment": matches,
	"differences": differences,
	"evidence": sprintf("ev-snapshot-%d", [at]),
}

input_for(d, cs, snapshots, drift) := {
	"schema": 1,
	"phase": "gate",
	"params": {},
	"system": system,
	"environment": "production",
	"deployment": d,
	"change_set": cs,
	"snapshots": snapshots,
	"drift": drift,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_protected_commit_without_snapshot_passes if {
	results := cm07.results with input as input_for(deployment, change_set, [], [])
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
	r.reasons == [
		"commit 9f8e7d6 is on a protected branch and its change set is fully known",
		"no production snapshot yet",
	]
	r.evidence == ["ev-deploy"]
}

test_matching_snapshot_passes if {
	results := cm07.results with input as input_for(deployment, change_set, [snapshot("production", 1784100000, true, [])], [])
	r := only(results)
	r.result == "pass"
	"the production snapshot of 2026-07-15 07:20 UTC matches the last deployment" in r.reasons
	r.evidence == ["ev-deploy", "ev-snapshot-1784100000"]
}

test_several_matching_snapshots_pass if {
	snapshots := [snapshot("production", 1784100000, true, []), snapshot("production", 1784103600, true, [])]
	results := cm07.results with input as input_for(deployment, change_set, snapshots, [])
	r := only(results)
	r.result == "pass"
	"all 2 production snapshots match the last deployment, the latest taken 2026-07-15 08:20 UTC" in r.reasons
}

test_commit_off_protected_branch_fails if {
	results := cm07.results with input as input_for(object.union(deployment, {"on_protected_branch": false}), change_set, [], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["commit 9f8e7d6 is not on a protected branch (main, release)"]
}

test_unknown_branch_membership_fails if {
	results := cm07.results with input as input_for(object.remove(deployment, {"on_protected_branch"}), change_set, [], [])
	r := only(results)
	r.result == "fail"
}

test_incomplete_change_set_fails if {
	results := cm07.results with input as input_for(deployment, object.union(change_set, {"complete": false}), [], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["the change set between 1a2b3c4 and 9f8e7d6 is not fully known: scan the repository with soxtrail scan-git"]
}

test_unknown_change_set_fails if {
	results := cm07.results with input as input_for(deployment, null, [], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["no change set is known: scan the repository with soxtrail scan-git"]
}

test_mismatching_snapshot_fails if {
	differences := ["billing-api runs sha256:9d0e11, the last deployment shipped sha256:4f1c9a"]
	results := cm07.results with input as input_for(deployment, change_set, [snapshot("production", 1784100000, false, differences)], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["the production snapshot of 2026-07-15 07:20 UTC does not match the last deployment: billing-api runs sha256:9d0e11, the last deployment shipped sha256:4f1c9a"]
	r.evidence == ["ev-deploy", "ev-snapshot-1784100000"]
}

test_mismatch_without_differences_fails if {
	results := cm07.results with input as input_for(deployment, change_set, [snapshot("production", 1784100000, false, [])], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["the production snapshot of 2026-07-15 07:20 UTC does not match the last deployment: no differences recorded"]
}

test_drift_fails if {
	drift := [{"environment": "production", "at": 1784100000, "differences": ["billing-worker is not part of any deployment", "billing-api has 3 replicas, not 2"], "evidence": "ev-drift-1"}]
	results := cm07.results with input as input_for(deployment, change_set, [], drift)
	r := only(results)
	r.result == "fail"
	r.reasons == ["drift in production detected at 2026-07-15 07:20 UTC: billing-worker is not part of any deployment; billing-api has 3 replicas, not 2"]
	r.evidence == ["ev-deploy", "ev-drift-1"]
}

test_other_environment_snapshots_are_ignored_passes if {
	drift := [{"environment": "staging", "at": 1784100000, "differences": ["x"], "evidence": "ev-drift-staging"}]
	results := cm07.results with input as input_for(deployment, change_set, [snapshot("staging", 1784100000, false, ["y"])], drift)
	r := only(results)
	r.result == "pass"
	r.evidence == ["ev-deploy"]
}

test_every_shortfall_is_listed_fails if {
	d := object.union(deployment, {"on_protected_branch": false})
	results := cm07.results with input as input_for(d, object.union(change_set, {"complete": false}), [snapshot("production", 1784100000, false, [])], [])
	r := only(results)
	r.result == "fail"
	count(r.reasons) == 3
}

test_no_deployment_is_not_applicable if {
	results := cm07.results with input as input_for(null, change_set, [], [])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no deployment in the input"]
}
