package soxtrail.controls.secrets_management_test

import data.soxtrail.controls.secrets_management as ac07

# 2026-07-15 00:00 UTC
now := 1784073600

day := 86400

secret(overrides) := object.union(
	{
		"subject": "aws-secrets-manager:arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing/production/db-AbCdEf",
		"name": "billing/production/db",
		"manager": "aws-secrets-manager",
		"environment": "production",
		"created_at": now - (400 * day),
		"last_rotated_at": now - (14 * day),
		"evidence": ["ev-secret"],
	},
	overrides,
)

repo(scans) := {"subject": "repo:acme/billing", "repo": "acme/billing", "scans": scans}

clean_scan := {"tool": "gitleaks", "at": now - day, "complete": true, "open_findings": [], "evidence": "ev-scan"}

finding := {"rule_id": "aws-access-token", "location": "deploy/settings.py:12", "fingerprint": "x", "severity": "high"}

input_for(secrets, repos) := {
	"schema": 1,
	"phase": "period",
	"now": now,
	"params": {"AC-07": {"max_age_days": 90, "require_secret_scan": true}},
	"secrets": secrets,
	"secret_scans": repos,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_recently_rotated_secret_passes if {
	results := ac07.results with input as input_for([secret({})], [])
	r := only(results)
	r.result == "pass"
	r.reasons == ["billing/production/db is held in aws-secrets-manager for production and was last rotated 14 days ago (within 90 days)"]
}

test_secret_older_than_90_days_fails if {
	results := ac07.results with input as input_for([secret({"last_rotated_at": now - (120 * day)})], [])
	r := only(results)
	r.result == "fail"
	r.reasons == ["billing/production/db was last rotated 120 days ago (at 2026-03-17 00:00 UTC), beyond the 90 days allowed"]
}

test_secret_never_rotated_is_as_old_as_it_is if {
	results := ac07.results with input as input_for([secret({"last_rotated_at": null, "created_at": now - (100 * day)})], [])
	r := only(results)
	r.result == "fail"
	contains(r.reasons[0], "was created 100 days ago and never rotated (at ")
}

test_secret_without_dates_fails if {
	results := ac07.results with input as input_for([secret({"last_rotated_at": null, "created_at": null})], [])
	only(results).reasons == ["billing/production/db has no rotation or creation date: its age is unknown"]
}

test_secret_without_environment_fails if {
	results := ac07.results with input as input_for([secret({"environment": null})], [])
	only(results).reasons == ["billing/production/db is not scoped to an environment (no environment tag or metadata)"]
}

test_shared_secret_fails if {
	results := ac07.results with input as input_for([secret({"environment": "all"})], [])
	only(results).reasons == ["billing/production/db is shared across environments (environment \"all\")"]
}

test_clean_secret_scan_passes if {
	results := ac07.results with input as input_for([], [repo([clean_scan])])
	r := only(results)
	r.result == "pass"
	r.reasons == ["the latest gitleaks scan of acme/billing (2026-07-14 00:00 UTC) found no secret"]
	r.evidence == ["ev-scan"]
}

test_gitleaks_finding_fails if {
	scan := object.union(clean_scan, {"open_findings": [finding]})
	results := ac07.results with input as input_for([], [repo([scan])])
	r := only(results)
	r.result == "fail"
	r.reasons == ["gitleaks found 1 open secret in acme/billing: aws-access-token at deploy/settings.py:12"]
}

test_repository_without_secret_scan_fails if {
	results := ac07.results with input as input_for([], [repo([])])
	only(results).reasons == ["no secret scan of acme/billing"]
}

test_repository_without_scan_is_not_applicable_when_not_required if {
	doc := object.union(input_for([], [repo([])]), {"params": {"AC-07": {"max_age_days": 90, "require_secret_scan": false}}})
	results := ac07.results with input as doc
	only(results).result == "not_applicable"
}

test_incomplete_scan_fails if {
	scan := object.union(clean_scan, {"complete": false})
	results := ac07.results with input as input_for([], [repo([scan])])
	only(results).reasons == ["the gitleaks scan of acme/billing did not complete"]
}

test_nothing_in_scope_is_not_applicable if {
	results := ac07.results with input as input_for([], [])
	only(results).subject == "*"
}
