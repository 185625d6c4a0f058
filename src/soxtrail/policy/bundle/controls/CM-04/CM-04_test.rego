package soxtrail.controls.tested_test

import data.soxtrail.controls.tested as cm04

deployed := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

other := "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

deployment := {
	"subject": "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
	"repo": "acme/billing",
	"commit": deployed,
	"environment": "production",
	"production": true,
	"actor": "deploy-bot",
	"approvers": ["carol@acme.example"],
	"pipeline": {"run_id": "github:5512", "branch": "main", "conclusion": null, "evidence": "ev-run-5512"},
	"recorded": false,
	"on_protected_branch": true,
	"evidence": ["ev-deploy"],
}

run(commit, name, conclusion, at) := {
	"commit": commit,
	"name": name,
	"provider": "github_actions",
	"run_kind": "workflow_run",
	"status": status(conclusion),
	"conclusion": conclusion,
	"at": at,
	"evidence": sprintf("ev-run-%s-%d", [name, at]),
}

status(null) := "in_progress"

status(c) := "completed" if c != null

report(commit, failures, errors) := {
	"commit": commit,
	"tool": "pytest",
	"tests": 120,
	"failures": failures,
	"errors": errors,
	"skipped": 2,
	"evidence": sprintf("ev-junit-%d-%d", [failures, errors]),
}

green := [run(deployed, "ci", "success", 1784050100)]

clean := [report(deployed, 0, 0)]

input_for(runs, tests, require_report) := {
	"schema": 1,
	"phase": "gate",
	"params": {"CM-04": {"require_test_report": require_report}},
	"environment": "production",
	"deployment": deployment,
	"runs": runs,
	"tests": tests,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_successful_run_and_clean_report_passes if {
	results := cm04.results with input as input_for(green, clean, true)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
	r.reasons == [
		"the latest ci run on 9f8e7d6 concluded success",
		"pytest ran 120 tests on 9f8e7d6 with no failures or errors (2 skipped)",
	]
	r.evidence == ["ev-deploy", "ev-junit-0-0", "ev-run-ci-1784050100"]
}

test_no_run_fails if {
	results := cm04.results with input as input_for([run(other, "ci", "success", 1784050100)], clean, true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no completed CI run for commit 9f8e7d6"]
}

test_run_in_progress_only_fails if {
	results := cm04.results with input as input_for([run(deployed, "ci", null, 1784050100)], clean, true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no completed CI run for commit 9f8e7d6"]
}

test_failed_run_fails if {
	results := cm04.results with input as input_for([run(deployed, "ci", "failure", 1784050100)], clean, true)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"no successful CI run for commit 9f8e7d6",
		"the latest ci run on 9f8e7d6 concluded failure",
	]
}

test_failed_workflow_beside_successful_one_fails if {
	runs := [run(deployed, "ci", "success", 1784050100), run(deployed, "e2e", "timed_out", 1784050200)]
	results := cm04.results with input as input_for(runs, clean, true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["the latest e2e run on 9f8e7d6 concluded timed_out"]
}

test_success_rerun_after_failure_passes if {
	runs := [run(deployed, "ci", "failure", 1784050100), run(deployed, "ci", "success", 1784050900)]
	results := cm04.results with input as input_for(runs, clean, true)
	r := only(results)
	r.result == "pass"
	"the latest ci run on 9f8e7d6 concluded success" in r.reasons
	"ev-run-ci-1784050100" in r.evidence
}

test_cancelled_rerun_after_success_fails if {
	runs := [run(deployed, "ci", "success", 1784050100), run(deployed, "ci", "cancelled", 1784050900)]
	results := cm04.results with input as input_for(runs, clean, true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["the latest ci run on 9f8e7d6 concluded cancelled"]
}

test_skipped_workflow_beside_success_passes if {
	runs := [run(deployed, "ci", "success", 1784050100), run(deployed, "docs", "skipped", 1784050100)]
	results := cm04.results with input as input_for(runs, clean, true)
	r := only(results)
	r.result == "pass"
}

test_pipeline_in_progress_is_ignored_passes if {
	runs := [run(deployed, "ci", "success", 1784050100), run(deployed, "deploy", null, 1784109000)]
	results := cm04.results with input as input_for(runs, clean, true)
	r := only(results)
	r.result == "pass"
}

test_missing_test_report_fails if {
	results := cm04.results with input as input_for(green, [report(other, 0, 0)], true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no test report for commit 9f8e7d6"]
}

test_failing_test_report_fails if {
	results := cm04.results with input as input_for(green, [report(deployed, 3, 1), report(deployed, 0, 0)], true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["pytest report on 9f8e7d6: 3 failure(s) and 1 error(s) in 120 tests"]
}

test_missing_report_not_required_passes if {
	results := cm04.results with input as input_for(green, [], false)
	r := only(results)
	r.result == "pass"
	"no test report for 9f8e7d6 (not required: require_test_report is false)" in r.reasons
}

test_failing_report_not_required_still_fails if {
	results := cm04.results with input as input_for(green, [report(deployed, 0, 2)], false)
	r := only(results)
	r.result == "fail"
	r.reasons == ["pytest report on 9f8e7d6: 0 failure(s) and 2 error(s) in 120 tests"]
}

test_non_production_deployment_is_evaluated_fails if {
	staging := object.union(input_for([], clean, true), {"environment": "staging", "deployment": object.union(deployment, {"environment": "staging", "production": false})})
	results := cm04.results with input as staging
	r := only(results)
	r.result == "fail"
	r.reasons == ["no completed CI run for commit 9f8e7d6"]
}

test_missing_parameter_fails if {
	results := cm04.results with input as object.remove(input_for(green, [], true), {"params"})
	r := only(results)
	r.result == "fail"
	r.reasons == ["CM-04 is misconfigured: parameter require_test_report must be true or false", "no test report for commit 9f8e7d6"]
}

test_no_deployment_is_not_applicable if {
	results := cm04.results with input as object.union(input_for(green, clean, true), {"deployment": null})
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
	r.reasons == ["no deployment in the input"]
}

test_deployment_absent_from_input_is_not_applicable if {
	results := cm04.results with input as object.remove(input_for(green, clean, true), {"deployment"})
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_failing_report_with_missing_fields_still_fails if {
	results := cm04.results with input as input_for(green, [{"commit": deployed, "failures": 2, "evidence": "ev-junit-x"}], true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["null report on 9f8e7d6: 2 failure(s) and null error(s) in null tests"]
}

test_failed_run_without_name_or_time_still_fails if {
	runs := [run(deployed, "ci", "success", 1784050100), object.remove(run(deployed, "ci", "failure", 1784050900), {"name", "at"})]
	results := cm04.results with input as input_for(runs, clean, true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["the latest null run on 9f8e7d6 concluded failure"]
}
