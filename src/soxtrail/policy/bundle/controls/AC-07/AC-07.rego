# METADATA
# title: Secrets management
# description: >-
#   Each secret of the system lives in a secrets manager (AWS Secrets Manager, Vault), was
#   rotated within max_age_days, and is scoped to exactly one environment; and no secret is
#   found in the system's repositories. A secret belongs to the system by its system tag (or
#   custom metadata, or the ingest hint), else by a segment of its name or path. Its age is
#   counted from its last rotation, else from its creation (a secret never rotated is as old
#   as it is); with neither date its age is unknown and it fails. It is scoped when it has
#   an environment (tag, custom metadata or hint) that is a single name, not a shared one
#   (all, any, shared, global, common, *, or a list). Each repository of the system passes
#   when the newest report of every secret scanner on it (gitleaks JSON, or SARIF from a
#   secret scanner) completed with no open finding, and fails on any open finding (not
#   suppressed, not fixed since the baseline); a repository without any secret scan fails
#   while require_secret_scan is true. Secrets seen in ingested logs are redacted at ingest
#   (the raw document records each redaction), not judged here.
# custom:
#   id: AC-07
#   short_name: secrets_management
#   domain: logical_access
#   frequency: quarterly
#   risk: high
#   population: secret
#   phases: [period]
#   evidence: [secret_metadata, scan_report]
#   objective: >-
#     Credentials of in-scope systems are kept in a secrets manager, rotated regularly,
#     separated per environment, and never committed to source code.
#   test_procedure: >-
#     Obtain the secrets-manager inventory of the system at period end; for each sampled
#     secret confirm where it is stored, its last rotation date against the allowed age, and
#     its environment scope. For each repository of the system, inspect the latest secret
#     scan of the period and confirm it completed with no open finding.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls: security access)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
#   parameters:
#     max_age_days:
#       type: integer
#       default: 90
#       description: Longest a secret may go without rotation, in days.
#     require_secret_scan:
#       type: boolean
#       default: true
#       description: Whether a repository without any secret scan fails (else not applicable).
package soxtrail.controls.secrets_management

import data.soxtrail.lib

control := "AC-07"

secrets := lib.list("secrets")

repos := lib.list("secret_scans")

max_age := lib.param(control, "max_age_days")

param_problems := lib.param_problems(control, {"max_age_days": "integer", "require_secret_scan": "boolean"})

shared_environments := {"all", "any", "shared", "global", "common", "*"}

results contains lib.not_applicable("no secrets and no repositories of this system in the input") if {
	count(secrets) == 0
	count(repos) == 0
}

# --- secrets --------------------------------------------------------------------------------

results contains lib.result(s.subject, "pass", [secret_summary(s)], s.evidence) if {
	some s in secrets
	count(secret_problems(s)) == 0
}

results contains lib.result(s.subject, "fail", secret_problems(s), s.evidence) if {
	some s in secrets
	count(secret_problems(s)) > 0
}

secret_problems(s) := array.concat(array.concat(param_problems, manager_problems(s)), array.concat(age_problems(s), scope_problems(s)))

manager_problems(s) := [sprintf("%s is not held in a secrets manager", [s.name])] if {
	not is_string(object.get(s, "manager", null))
}

else := []

age_base(s) := s.last_rotated_at if is_number(object.get(s, "last_rotated_at", null))

else := s.created_at if is_number(object.get(s, "created_at", null))

else := null

age_days(s) := floor((input.now - age_base(s)) / 86400)

age_phrase(s) := sprintf("was last rotated %s ago", [lib.plural(age_days(s), "day")]) if {
	is_number(object.get(s, "last_rotated_at", null))
}

else := sprintf("was created %s ago and never rotated", [lib.plural(age_days(s), "day")])

age_problems(s) := [sprintf("%s has no rotation or creation date: its age is unknown", [s.name])] if {
	age_base(s) == null
}

else := [msg] if {
	is_number(max_age)
	age_days(s) > max_age
	msg := sprintf("%s %s (at %s), beyond the %s allowed", [s.name, age_phrase(s), lib.utc(age_base(s)), lib.plural(max_age, "day")])
}

else := []

environment(s) := trim_space(s.environment) if is_string(object.get(s, "environment", null))

else := ""

scope_problems(s) := [sprintf("%s is not scoped to an environment (no environment tag or metadata)", [s.name])] if {
	environment(s) == ""
}

else := [sprintf("%s is shared across environments (environment %q)", [s.name, environment(s)])] if {
	shared(environment(s))
}

else := []

shared(env) if lower(env) in shared_environments

shared(env) if contains(env, ",")

shared(env) if contains(env, " ")

secret_summary(s) := sprintf("%s is held in %s for %s and %s (within %s)", [
	s.name, s.manager, environment(s), age_phrase(s), lib.plural(max_age, "day"),
])

# --- repositories ---------------------------------------------------------------------------

scans(r) := r.scans if is_array(r.scans)

else := []

results contains lib.result(r.subject, "not_applicable", [msg], []) if {
	some r in repos
	count(scans(r)) == 0
	input.params[control].require_secret_scan == false
	msg := sprintf("no secret scan of %s, and none is required (require_secret_scan = false)", [r.repo])
}

results contains lib.result(r.subject, "fail", repo_problems(r), repo_ids(r)) if {
	some r in repos
	not repo_not_applicable(r)
	count(repo_problems(r)) > 0
}

results contains lib.result(r.subject, "pass", [repo_summary(r, s) | some s in scans(r)], repo_ids(r)) if {
	some r in repos
	not repo_not_applicable(r)
	count(repo_problems(r)) == 0
}

repo_not_applicable(r) if {
	count(scans(r)) == 0
	input.params[control].require_secret_scan == false
}

repo_problems(r) := array.concat(param_problems, [sprintf("no secret scan of %s", [r.repo])]) if {
	count(scans(r)) == 0
}

else := array.concat(param_problems, [p | some s in scans(r); some p in scan_problems(r, s)])

scan_problems(r, s) := [sprintf("the %s scan of %s did not complete", [s.tool, r.repo])] if {
	not s.complete == true
}

else := [msg] if {
	count(s.open_findings) > 0
	found := sort([sprintf("%s at %s", [f.rule_id, f.location]) | some f in s.open_findings])
	msg := sprintf("%s found %s in %s: %s", [s.tool, lib.plural(count(s.open_findings), "open secret"), r.repo, concat(", ", lib.at_most(found, 5))])
}

else := []

repo_summary(r, s) := sprintf("the latest %s scan of %s (%s) found no secret", [s.tool, r.repo, lib.utc(s.at)])

repo_ids(r) := lib.ids([s.evidence | some s in scans(r)])
