# METADATA
# title: Backups and recovery
# description: >-
#   The backups of the system's resources (its `backup_resources` ARN globs) succeeded on
#   schedule: every complete UTC day of the period has a successful backup job of each resource
#   within the last `max_days_between_backups` days, and every failed job (FAILED, ABORTED,
#   EXPIRED, PARTIAL) was followed by a successful one within that many days. Each calendar
#   quarter has at least one restore test of the system whose checks all match (every actual
#   value equals its expected value); each restore test of the period whose checks do not all
#   match fails, naming the check, the expected and the actual value. A quarter that has not
#   ended yet without a passing test is not applicable; a glob that matches no backup job fails.
# custom:
#   id: OP-02
#   short_name: backups_and_recovery
#   domain: operations
#   frequency: quarterly
#   risk: high
#   population: backup
#   phases: [period]
#   evidence: [backup, dr_test]
#   objective: >-
#     Financial data can be recovered: backups are taken on schedule and restoring them is
#     tested at least once a quarter with results compared against expected values.
#   test_procedure: >-
#     Obtain the backup job history of the in-scope resources for the period and confirm that
#     successful backups ran on schedule and that failures were remediated in time; obtain the
#     restore tests of each quarter, inspect the expected and actual values recorded and
#     confirm that at least one test per quarter matched in full.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: computer operations)"
#   parameters:
#     max_days_between_backups:
#       type: integer
#       default: 1
#       description: Most days a resource may go without a successful backup.
package soxtrail.controls.backups_and_recovery

import data.soxtrail.lib

control := "OP-02"

failed_states := {"failed", "aborted", "expired", "partial"}

results contains lib.not_applicable("no backup resources, restore tests or quarters in the input") if {
	count(subjects) == 0
}

subjects := array.concat(array.concat([b.subject | some b in backups], [s.subject | some s in scopes]), array.concat([t.subject | some t in period_tests], [q.subject | some q in quarters]))

backups := lib.list("backups")

scopes := lib.list("backup_scopes")

tests := lib.list("dr_tests")

period_tests := [t | some t in tests; t.in_period == true]

quarters := lib.list("quarters")

window := object.get(input, "backup_window", {})

params := object.get(object.get(input, "params", {}), control, {})

max_days := params.max_days_between_backups

problems := [] if {
	is_number(max_days)
	max_days == floor(max_days)
	max_days >= 1
}

else := ["OP-02 is misconfigured: parameter max_days_between_backups must be a whole number of days, at least 1"]

results contains lib.result(s, "fail", problems, []) if {
	count(problems) > 0
	some s in subjects
}

# --- backups of each resource -------------------------------------------------------------

results contains lib.result(b.subject, "not_applicable", [sprintf("no complete day of the period has ended yet for %s", [b.resource])], ev(b)) if {
	count(problems) == 0
	some b in backups
	count(lib.as_array(object.get(b, "days", []))) == 0
}

results contains lib.result(b.subject, "pass", [sprintf("%s: a successful backup at most %s apart on each of the %d complete days of the period", [b.resource, lib.plural(max_days, "day"), count(b.days)])], ev(b)) if {
	count(problems) == 0
	some b in backups
	count(b.days) > 0
	count(backup_findings(b)) == 0
}

results contains lib.result(b.subject, "fail", backup_findings(b), ev(b)) if {
	count(problems) == 0
	some b in backups
	count(b.days) > 0
	count(backup_findings(b)) > 0
}

ev(x) := lib.ids([object.get(x, "evidence", [])])

backup_findings(b) := array.concat(lib.at_most(uncovered(b), 62), unrecovered(b))

success_days(b) := {d.index | some d in b.days; d.succeeded > 0} | {x | some x in lib.as_array(object.get(b, "successes_before", []))}

uncovered(b) := [msg |
	some d in b.days
	count({x | some x in success_days(b); x <= d.index; x > d.index - max_days}) == 0
	msg := gap_message(b, d)
]

gap_message(b, d) := sprintf("no successful backup of %s on %s", [b.resource, d.day]) if max_days == 1

else := sprintf("no successful backup of %s in the %d days up to %s", [b.resource, max_days, d.day])

unrecovered(b) := [msg |
	some j in b.jobs
	j.state in failed_states
	j.at >= window.start
	j.at + (max_days * 86400) <= window.end
	count([s | some s in b.jobs; s.state == "completed"; s.at > j.at; s.at <= j.at + (max_days * 86400)]) == 0
	msg := sprintf("backup job %s of %s ended %s at %s%s and no successful backup followed within %s", [j.job_id, b.resource, j.provider_state, lib.utc(j.at), status(j), lib.plural(max_days, "day")])
]

status(j) := sprintf(" (%s)", [j.status_message]) if is_string(j.status_message)

else := ""

# --- resource globs -----------------------------------------------------------------------

results contains lib.result(s.subject, "not_applicable", [msg], []) if {
	count(problems) == 0
	some s in scopes
	not is_string(object.get(s, "pattern", null))
	msg := sprintf("%s names no backup_resources in its [[systems]] table: its backups are not checked", [input.system.name])
}

results contains lib.result(s.subject, "not_applicable", ["no complete day of the period has ended yet"], []) if {
	count(problems) == 0
	some s in scopes
	is_string(object.get(s, "pattern", null))
	window.days == 0
}

results contains lib.result(s.subject, "fail", [msg], []) if {
	count(problems) == 0
	some s in scopes
	is_string(object.get(s, "pattern", null))
	window.days > 0
	msg := sprintf("no backup job of any resource matching %s in the period", [s.pattern])
}

# --- restore tests ------------------------------------------------------------------------

mismatches(t) := [msg |
	some c in t.checks
	not c.actual == c.expected
	msg := sprintf("restore test of %s on %s by %s: check %s expected %s, got %s", [restored(t), lib.utc(t.performed_at), lib.person(t.performed_by), json.marshal(c.name), json.marshal(c.expected), json.marshal(c.actual)])
]

restored(t) := t.recovery_point if is_string(t.recovery_point)

else := "an unnamed recovery point"

passing(t) if {
	count(lib.as_array(object.get(t, "checks", []))) > 0
	count(mismatches(t)) == 0
}

test_findings(t) := ["the restore test has no checks: it compares nothing"] if {
	count(lib.as_array(object.get(t, "checks", []))) == 0
}

else := mismatches(t)

results contains lib.result(t.subject, "pass", [msg], [t.evidence]) if {
	count(problems) == 0
	some t in period_tests
	passing(t)
	msg := sprintf("restore test of %s on %s by %s: all %s matched", [restored(t), lib.utc(t.performed_at), lib.person(t.performed_by), lib.plural(count(t.checks), "check")])
}

results contains lib.result(t.subject, "fail", test_findings(t), [t.evidence]) if {
	count(problems) == 0
	some t in period_tests
	not passing(t)
}

# --- one passing restore test per quarter -------------------------------------------------

in_quarter(q) := [t | some t in tests; t.quarter == q.quarter]

passing_in(q) := [t | some t in in_quarter(q); passing(t)]

results contains lib.result(q.subject, "pass", [msg], lib.ids([t.evidence | some t in passing_in(q)])) if {
	count(problems) == 0
	some q in quarters
	count(passing_in(q)) > 0
	t := passing_in(q)[0]
	msg := sprintf("%s: restore test of %s on %s matched all %s", [q.quarter, restored(t), lib.utc(t.performed_at), lib.plural(count(t.checks), "check")])
}

results contains lib.result(q.subject, "fail", quarter_findings(q), lib.ids([t.evidence | some t in in_quarter(q)])) if {
	count(problems) == 0
	some q in quarters
	count(passing_in(q)) == 0
	q.over == true
}

results contains lib.result(q.subject, "not_applicable", [msg], lib.ids([t.evidence | some t in in_quarter(q)])) if {
	count(problems) == 0
	some q in quarters
	count(passing_in(q)) == 0
	not q.over == true
	msg := sprintf("%s has not ended and has no passing restore test yet (due by %s)", [q.quarter, lib.utc(q.end)])
}

quarter_findings(q) := [sprintf("no restore test of %s in %s", [input.system.name, q.quarter])] if {
	count(in_quarter(q)) == 0
}

else := array.concat([sprintf("no restore test of %s in %s matched its expected values", [input.system.name, q.quarter])], [m | some t in in_quarter(q); some m in test_findings(t)])
