# METADATA
# title: soxtrail shared helpers
# description: Helpers every control uses to build results in the shape of the contract.
package soxtrail.lib

# result builds one element of a control's `results` set.
result(subject, verdict, reasons, evidence) := {
	"subject": subject,
	"result": verdict,
	"reasons": reasons,
	"evidence": evidence,
}

# not_applicable is the single result of a control with no subjects in the input.
not_applicable(reason) := result("*", "not_applicable", [reason], [])

# short shortens a commit sha for messages.
short(sha) := substring(sha, 0, 7) if is_string(sha)

short(sha) := "(unknown)" if not is_string(sha)

# people renders a set or array of people for messages, sorted.
people(xs) := concat(", ", sort([x | some x in xs]))

# param reads a control's parameter from input.params.
param(control_id, name) := input.params[control_id][name]

# ---------------------------------------------------------------------------------------
# Reading the input. Every reader is total: a missing or null part of the input reads as
# an empty list (or null), so that a control still gives exactly one result per subject
# and the absence of evidence counts against the subject (fail closed), never for it.
#
# Beware: OPA evaluates `not is_string(x.y)` to false, not true, when x.y is undefined (the
# built-in's argument is undefined, so is the whole expression, and the rule fails). Negated
# built-in calls therefore read optional fields with object.get(x, "y", null) or go through
# these readers.

# list is input[name] when it is an array, else [] (runs, tests, scans, pushes, iac, ...).
list(name) := input[name] if is_array(input[name])

else := []

# deployment is the input's deployment, or null when there is none.
deployment := input.deployment if is_object(input.deployment)

else := null

# change_set is the input's change set, or null when there is none.
change_set := input.change_set if is_object(input.change_set)

else := null

# change_requests are the change set's change requests ([] without a change set).
change_requests := input.change_set.change_requests if is_array(input.change_set.change_requests)

else := []

# commits are the change set's commits ([] without a change set).
commits := input.change_set.commits if is_array(input.change_set.commits)

else := []

# change_set_complete holds when the git graph of the change set is fully known.
change_set_complete if input.change_set.complete == true

# change_set_gap says why a change set cannot be trusted to be whole (CM-01, CM-07, CM-09).
change_set_gap := "no change set is known: scan the repository with soxtrail scan-git" if {
	not is_object(change_set)
}

change_set_gap := msg if {
	is_object(change_set)
	not is_string(object.get(change_set, "base", null))
	head := short(object.get(change_set, "head", null))
	msg := sprintf("the change set up to %s is not fully known: scan the repository with soxtrail scan-git", [head])
}

change_set_gap := msg if {
	is_string(change_set.base)
	head := short(object.get(change_set, "head", null))
	msg := sprintf("the change set between %s and %s is not fully known: scan the repository with soxtrail scan-git", [short(change_set.base), head])
}

# protected_branch names the protected branch a commit reached, for messages.
protected_branch := input.system.protected_branches[0] if count(input.system.protected_branches) == 1

else := "a protected branch"

# ---------------------------------------------------------------------------------------
# Rendering facts for reasons.

# ids flattens evidence ids (strings or arrays of strings) into a sorted array of strings;
# nulls and other values are dropped.
ids(xs) := sort({id |
	some x in xs
	some id in as_array(x)
	is_string(id)
})

as_array(x) := x if is_array(x)

else := [x]

# person names someone in a message; null (unknown) reads "an unknown person".
person(p) := p if is_string(p)

else := "an unknown person"

# plural renders a count with its noun: "1 day", "3 days".
plural(n, noun) := sprintf("%d %s", [n, noun]) if n == 1

else := sprintf("%d %ss", [n, noun])

# duration renders a length of time given in seconds: "45 minutes", "3 hours", "2 days".
duration(seconds) := "less than a minute" if seconds < 60

duration(seconds) := plural(floor(seconds / 60), "minute") if {
	seconds >= 60
	seconds < 3600
}

duration(seconds) := plural(floor(seconds / 3600), "hour") if {
	seconds >= 3600
	seconds < 86400
}

duration(seconds) := plural(floor(seconds / 86400), "day") if seconds >= 86400

# utc renders an instant (epoch seconds) as "2026-07-15 10:00 UTC", by integer arithmetic
# only (no time.* built-ins: see docs/policy-contract.md).
utc(ts) := sprintf("%04d-%02d-%02d %02d:%02d UTC", [date[0], date[1], date[2], hour, minute]) if {
	is_number(ts)
	seconds := floor(ts)
	days := floor(seconds / 86400)
	of_day := seconds - (days * 86400)
	date := civil_date(days)
	hour := floor(of_day / 3600)
	minute := floor((of_day - (hour * 3600)) / 60)
}

utc(ts) := "an unknown time" if not is_number(ts)

# civil_date is [year, month, day] of a day count since 1970-01-01 (proleptic Gregorian;
# H. Hinnant's days_from_civil inverse).
civil_date(days) := [year, month, day] if {
	z := days + 719468
	era := floor(z / 146097)
	doe := z - (era * 146097)
	yoe := floor((((doe - floor(doe / 1460)) + floor(doe / 36524)) - floor(doe / 146096)) / 365)
	doy := doe - (((365 * yoe) + floor(yoe / 4)) - floor(yoe / 100))
	mp := floor(((5 * doy) + 2) / 153)
	day := (doy - floor(((153 * mp) + 2) / 5)) + 1
	month := month_of_march_based(mp)
	year := ((yoe + (era * 400)) + january_or_february(month))
}

month_of_march_based(mp) := mp + 3 if mp < 10

month_of_march_based(mp) := mp - 9 if mp >= 10

january_or_february(month) := 1 if month <= 2

january_or_february(month) := 0 if month > 2

# at_most lists the first n messages of a sorted list and says how many were left out.
at_most(messages, n) := messages if count(messages) <= n

at_most(messages, n) := array.concat(array.slice(messages, 0, n), [sprintf("... and %d more", [count(messages) - n])]) if {
	count(messages) > n
}

# severity_rank orders finding severities; anything else (note, none, unknown) ranks 0.
severity_rank(severity) := rank if {
	is_string(severity)
	rank := {"critical": 4, "high": 3, "medium": 2, "low": 1}[lower(severity)]
}

else := 0

# severities are the severity names a control parameter may name.
severities := ["critical", "high", "medium", "low"]

# ---------------------------------------------------------------------------------------
# Parameters.

# param_problems checks a control's parameters in the input against the kinds it expects
# ({"name": "boolean" | "integer" | "severity"}) and says what is wrong. A control with a
# missing or mistyped parameter fails with this reason instead of silently skipping a check.
param_problems(control_id, spec) := sort({msg |
	some name, kind in spec
	not has_kind(object.get(object.get(object.get(input, "params", {}), control_id, {}), name, null), kind)
	msg := sprintf("%s is misconfigured: parameter %s must be %s", [control_id, name, kind_names[kind]])
})

kind_names := {
	"boolean": "true or false",
	"integer": "a whole number",
	"severity": "one of critical, high, medium, low",
}

has_kind(x, "boolean") if is_boolean(x)

has_kind(x, "integer") if {
	is_number(x)
	x == floor(x)
}

has_kind(x, "severity") if x in severities

# ---------------------------------------------------------------------------------------
# Scan findings (CM-05, CM-11). A report is {"tool", "findings"}; a finding has a severity,
# rule_id, location, suppressed, and waiver: the id of the approved, unexpired waiver of
# the control for `finding:<rule_id>` or `finding:<fingerprint>`, or null (the input names
# only waivers in force, of the control that reads them).

# finding_state: a finding suppressed in the scan does not block; one the input names a
# waiver for is waived; any other is open.
finding_state(f) := "suppressed" if f.suppressed == true

else := "waived" if is_string(object.get(f, "waiver", null))

else := "open"

# findings_at_or_above are the findings of `reports` whose severity ranks at least
# `threshold` and whose state is `state`, as [-rank, text] pairs: `finding_texts` lists
# their texts worst first ("high py/sql-injection at src/x.py:12 (CodeQL)", and for a
# waived one ", waived by W-...").
findings_at_or_above(reports, threshold, state) := {[0 - rank, text] |
	some r in reports
	some f in r.findings
	rank := severity_rank(f.severity)
	rank >= threshold
	state == finding_state(f)
	text := sprintf("%v %v at %v (%v)%s", [f.severity, object.get(f, "rule_id", null), object.get(f, "location", null), object.get(r, "tool", null), waiver_note(f)])
}

waiver_note(f) := sprintf(", waived by %s", [f.waiver]) if finding_state(f) == "waived"

else := ""

# finding_texts are the texts of findings_at_or_above's pairs, worst first.
finding_texts(pairs) := [text | some [_, text] in sort(pairs)]

# finding_waivers are the ids of the waivers of the waived findings of `reports` at or
# above `threshold`, sorted, each once.
finding_waivers(reports, threshold) := sort({f.waiver |
	some r in reports
	some f in r.findings
	severity_rank(f.severity) >= threshold
	finding_state(f) == "waived"
})

# waived_failure is the `fail` of a subject whose only shortfalls are waived findings:
# `waived_by` names their waivers (finding_waivers), and the waiver step (after evaluation)
# makes it `waived` when every one is an approved, unexpired waiver of the control
# (docs/policy-contract.md).
waived_failure(subject, reasons, evidence, waivers) := object.union(
	result(subject, "fail", reasons, evidence),
	{"waived_by": waivers},
)
