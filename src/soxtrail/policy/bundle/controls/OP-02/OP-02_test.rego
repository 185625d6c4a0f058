package soxtrail.controls.backups_and_recovery_test

import data.soxtrail.controls.backups_and_recovery as op02

# 2026-07-01T00:00:00Z (day index 20635) and a three-day window.
jul1 := 1782864000

day := 86400

arn := "arn:aws:rds:eu-west-1:123456789012:db:billing-prod"

days(succeeded) := [{"day": sprintf("2026-07-%02d", [i + 1]), "index": 20635 + i, "succeeded": n, "failed": 0} | some i, n in succeeded]

job(id, state, at) := {"job_id": id, "state": state, "provider_state": upper(state), "at": at, "status_message": null, "evidence": concat("-", ["ev", id])}

resource(succeeded, jobs) := {"subject": arn, "resource": arn, "days": days(succeeded), "successes_before": [20634], "jobs": jobs, "evidence": ["ev-backups"]}

check(name, expected, actual) := {"name": name, "expected": expected, "actual": actual}

restore(checks) := {
	"subject": "dr-test:billing:t1",
	"performed_at": jul1 + (day + 36000),
	"performed_by": "carol@acme.example",
	"recovery_point": "rp-1",
	"quarter": "2026-Q3",
	"in_period": true,
	"checks": checks,
	"evidence": "ev-dr",
}

quarter(over) := {"subject": "restore-test:billing:2026-Q3", "quarter": "2026-Q3", "start": jul1, "end": jul1 + (92 * day), "over": over}

input_for(backups, tests, quarters) := {
	"schema": 1,
	"phase": "period",
	"params": {"OP-02": {"max_days_between_backups": 1}},
	"system": {"name": "billing"},
	"backup_window": {"start": jul1, "end": jul1 + (3 * day), "days": 3, "resources_configured": true},
	"backups": backups,
	"backup_scopes": [],
	"dr_tests": tests,
	"quarters": quarters,
}

result_of(results, subject) := r if {
	some r in results
	r.subject == subject
}

good := [check("ledger rows", 1827364, 1827364), check("ledger sha256", "9f86d0", "9f86d0")]

test_daily_backups_and_matching_restore_pass if {
	results := op02.results with input as input_for([resource([1, 1, 1], [])], [restore(good)], [quarter(true)])
	count(results) == 3
	result_of(results, arn).result == "pass"
	result_of(results, "dr-test:billing:t1").result == "pass"
	q := result_of(results, "restore-test:billing:2026-Q3")
	q.result == "pass"
	q.evidence == ["ev-dr"]
}

test_a_day_without_a_successful_backup_fails if {
	results := op02.results with input as input_for([resource([1, 0, 1], [])], [], [])
	r := result_of(results, arn)
	r.result == "fail"
	r.reasons == ["no successful backup of arn:aws:rds:eu-west-1:123456789012:db:billing-prod on 2026-07-02"]
}

test_failed_backup_not_retried_fails if {
	failed := job("j2", "failed", jul1 + day + 3600)
	results := op02.results with input as input_for([resource([1, 0, 1], [failed, job("j3", "completed", (jul1 + (3 * day)) - 60)])], [], [])
	r := result_of(results, arn)
	r.result == "fail"
	r.reasons[1] == "backup job j2 of arn:aws:rds:eu-west-1:123456789012:db:billing-prod ended FAILED at 2026-07-02 01:00 UTC and no successful backup followed within 1 day"
}

test_failed_backup_retried_in_time_passes if {
	jobs := [job("j2", "failed", jul1 + day + 3600), job("j3", "completed", jul1 + day + 7200)]
	results := op02.results with input as input_for([resource([1, 1, 1], jobs)], [], [])
	result_of(results, arn).result == "pass"
}

test_restore_test_mismatch_fails_naming_the_check if {
	results := op02.results with input as input_for([], [restore([check("ledger rows", 1827364, 1827000), good[1]])], [quarter(true)])
	r := result_of(results, "dr-test:billing:t1")
	r.result == "fail"
	r.reasons == [`restore test of rp-1 on 2026-07-02 10:00 UTC by carol@acme.example: check "ledger rows" expected 1827364, got 1827000`]
	q := result_of(results, "restore-test:billing:2026-Q3")
	q.result == "fail"
	q.reasons[0] == "no restore test of billing in 2026-Q3 matched its expected values"
}

test_type_matters_in_checks if {
	results := op02.results with input as input_for([], [restore([check("rows", 10, "10")])], [])
	result_of(results, "dr-test:billing:t1").result == "fail"
}

test_quarter_without_test_fails_once_over if {
	results := op02.results with input as input_for([], [], [quarter(true)])
	r := result_of(results, "restore-test:billing:2026-Q3")
	r.result == "fail"
	r.reasons == ["no restore test of billing in 2026-Q3"]
}

test_quarter_not_over_is_not_applicable if {
	results := op02.results with input as input_for([], [], [quarter(false)])
	result_of(results, "restore-test:billing:2026-Q3").result == "not_applicable"
}

test_glob_without_jobs_fails if {
	doc := object.union(input_for([], [], []), {"backup_scopes": [{"subject": "backup-resources:arn:aws:s3:::billing-*", "pattern": "arn:aws:s3:::billing-*"}]})
	results := op02.results with input as doc
	r := result_of(results, "backup-resources:arn:aws:s3:::billing-*")
	r.result == "fail"
	r.reasons == ["no backup job of any resource matching arn:aws:s3:::billing-* in the period"]
}

test_misconfigured_parameter_fails if {
	doc := object.union(input_for([resource([1, 1, 1], [])], [], []), {"params": {"OP-02": {"max_days_between_backups": "daily"}}})
	results := op02.results with input as doc
	result_of(results, arn).result == "fail"
}
