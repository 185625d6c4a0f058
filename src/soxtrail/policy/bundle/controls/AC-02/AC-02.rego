# METADATA
# title: Leavers
# description: >-
#   Each person the HR roster says was terminated has every account in every provider the
#   system's access patterns name disabled within the configured number of business days of
#   the termination date (weekends and `[changes] holidays` excluded), and none of those
#   accounts signs in or acts after that. An account is judged on its status in the latest
#   snapshot, on when it was disabled (its deactivation time, else its last status change,
#   else the first snapshot that showed it disabled) and on its last sign-in and its audit
#   events after the termination. Accounts the latest snapshot no longer lists are judged
#   too: every account the person held at the termination or that a snapshot after it
#   listed (a joiner who left inside the period). An account still active after the window
#   fails, so does an account whose status or disabling time is unknown, so does a leaver
#   when an access-scoped provider has no snapshot at all, and so does a leaver who started
#   after a provider's latest snapshot before the termination and has no account found
#   there (nothing shows whether they had one while employed). While the window is still open, an
#   account still active passes with a reason saying when it is due.
# custom:
#   id: AC-02
#   short_name: leavers
#   domain: logical_access
#   frequency: quarterly
#   risk: high
#   population: leaver
#   phases: [period]
#   evidence: [hr_record, identity, membership, audit_event]
#   objective: >-
#     People who leave the company lose their access to in-scope systems promptly, so that
#     no former employee can reach financial systems or data.
#   test_procedure: >-
#     Obtain the HR list of terminations in the period; for each sampled leaver, list their
#     accounts in the identity provider and each in-scope tool, and confirm from account
#     status and deactivation records that each was disabled within the allowed number of
#     business days of the termination date, and from sign-in and audit logs that none was
#     used after that.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls: security)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
#     - "ITGC: Logical access - user termination"
#   parameters:
#     window_business_days:
#       type: integer
#       default: 1
#       description: Business days after the termination date within which every account must be disabled.
package soxtrail.controls.leavers

import data.soxtrail.lib

control := "AC-02"

leavers := input.leavers if is_array(input.leavers)

else := []

open_statuses := {"active", "staged"}

window := lib.param(control, "window_business_days")

problems := lib.param_problems(control, {"window_business_days": "integer"})

results contains lib.not_applicable(msg) if {
	count(leavers) == 0
	object.get(object.get(input, "access", {}), "configured", false) != true
	msg := sprintf("%s has no access patterns configured ([[systems]] access)", [object.get(object.get(input, "system", {}), "name", "the system")])
}

results contains lib.not_applicable("no leaver in the HR roster for this period") if {
	count(leavers) == 0
	object.get(object.get(input, "access", {}), "configured", false) == true
}

results contains lib.result(l.subject, "fail", problems, evidence(l)) if {
	some l in leavers
	count(problems) > 0
}

results contains lib.result(l.subject, "fail", issues(l), evidence(l)) if {
	some l in leavers
	count(problems) == 0
	count(issues(l)) > 0
}

results contains lib.result(l.subject, "pass", fine(l), evidence(l)) if {
	some l in leavers
	count(problems) == 0
	count(issues(l)) == 0
}

accounts(l) := l.accounts if is_array(l.accounts)

else := []

missing(l) := l.missing_providers if is_array(l.missing_providers)

else := []

unobserved(l) := l.unobserved_providers if is_array(l.unobserved_providers)

else := []

terminated(l) := lib.utc(object.get(l, "termination_date", null))

issues(l) := array.concat(
	array.concat(
		sort({msg | some p in missing(l); msg := sprintf("no identity snapshot of %s: %s's accounts there are unknown", [p, l.person])}),
		sort({msg | some u in unobserved(l); msg := unobserved_issue(l, u)}),
	),
	sort({msg | some a in accounts(l); some msg in account_issues(l, a)}),
)

unobserved_issue(l, u) := sprintf("no snapshot of %s between %s's start on %s and the termination (the latest before it is from %s): their accounts there are unknown", [u.provider, l.person, lib.utc(l.start_date), lib.utc(u.snapshot_at)])

account_issues(l, a) := array.concat(array.concat(state_issues(l, a), login_issues(a)), activity_issues(a))

state_issues(l, a) := [sprintf("the status of %s is unknown", [a.subject])] if {
	not is_string(object.get(a, "status", null))
}

else := [msg] if {
	a.status in open_statuses
	not within_window(l)
	msg := sprintf("%s is still %s %d business day(s) after the termination on %s (allowed: %d)", [a.subject, a.status, l.business_days_since_termination, terminated(l), window])
}

else := [] if a.status in open_statuses

else := [msg] if {
	not is_number(object.get(a, "business_days_to_disable", null))
	msg := sprintf("%s is %s, but when it was disabled is unknown", [a.subject, a.status])
}

else := [msg] if {
	a.business_days_to_disable > window
	msg := sprintf("%s was disabled on %s, %d business day(s) after the termination on %s (allowed: %d)", [a.subject, lib.utc(a.disabled_at), a.business_days_to_disable, terminated(l), window])
}

else := []

within_window(l) if {
	is_number(object.get(l, "business_days_since_termination", null))
	l.business_days_since_termination <= window
}

login_issues(a) := [msg] if {
	is_number(object.get(a, "business_days_to_last_login", null))
	a.business_days_to_last_login > window
	msg := sprintf("%s signed in on %s, %d business day(s) after the termination", [a.subject, lib.utc(a.last_login_at), a.business_days_to_last_login])
}

else := []

late_activity(a) := [e |
	some e in object.get(a, "activity", [])
	is_number(object.get(e, "business_days_after_termination", null))
	e.business_days_after_termination > window
]

activity_issues(a) := [msg] if {
	events := late_activity(a)
	count(events) > 0
	latest := max({e.at | some e in events})
	actions := sort({e.action | some e in events})
	msg := sprintf("%s was used after the deadline: %s, last on %s", [a.subject, lib.people(actions), lib.utc(latest)])
}

else := []

fine(l) := [sprintf("%s has no account in the in-scope tools", [l.person])] if count(accounts(l)) == 0

else := sort({msg | some a in accounts(l); msg := account_fine(l, a)})

account_fine(l, a) := msg if {
	a.status in open_statuses
	msg := sprintf("%s is still %s; due to be disabled within %d business day(s) of the termination on %s (%d elapsed)", [a.subject, a.status, window, terminated(l), l.business_days_since_termination])
}

else := sprintf("%s was disabled on %s, %d business day(s) after the termination on %s", [a.subject, lib.utc(a.disabled_at), a.business_days_to_disable, terminated(l)])

evidence(l) := lib.ids(array.concat([l.evidence], [ids |
	some a in accounts(l)
	ids := array.concat(lib.as_array(object.get(a, "evidence", [])), [e.evidence | some e in late_activity(a)])
]))
