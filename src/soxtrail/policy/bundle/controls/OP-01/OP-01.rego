# METADATA
# title: Audit logging
# description: >-
#   Every expected audit log source (CloudTrail, Okta, GitHub, Kubernetes, Vault, ...)
#   delivered at least one event on every complete UTC day of the period, and the evidence it
#   delivered reaches back at least the retention period: its oldest event held is no later
#   than the day `retention_days` before the end of the period (or than the period's first
#   day, whichever is earlier). Which sources are expected is the `sources` parameter; when it
#   is empty, every source that delivered anything before the end of the period is expected,
#   so a source that never delivered cannot be missed by default: name the sources to catch
#   that. A day without a single event from an expected source is a finding naming the source
#   and the day.
# custom:
#   id: OP-01
#   short_name: audit_logging
#   domain: operations
#   frequency: daily
#   risk: high
#   population: log_source
#   phases: [period]
#   evidence: [audit_event]
#   objective: >-
#     Activity on the systems and tools that hold or change financial data is logged without
#     interruption and the logs are kept long enough to investigate and to audit.
#   test_procedure: >-
#     Obtain the list of in-scope audit log sources; for each, obtain the count of events per
#     day over the period from the log store and confirm that no day is missing; confirm that
#     the oldest retained event of each source is at least as old as the retention policy
#     requires; investigate every day without events and every source that falls short.
#   sox_refs:
#     - "COSO 2013 Principle 13 (relevant, quality information)"
#     - "COSO 2013 Principle 16 (ongoing monitoring)"
#     - "PCAOB AS 2201 .B4 (IT general controls: computer operations)"
#   parameters:
#     sources:
#       type: array
#       default: []
#       description: >-
#         Audit sources that must deliver every day (cloudtrail, okta, github, kubernetes,
#         vault, gitlab); empty means every source that delivered before the end of the period.
#     retention_days:
#       type: integer
#       default: 365
#       description: Days back from the end of the period that each source's evidence must reach.
package soxtrail.controls.audit_logging

import data.soxtrail.lib

control := "OP-01"

results contains lib.not_applicable("no audit log source delivered events before the end of the period and none is named in [controls.OP-01] sources") if {
	count(sources) == 0
}

results contains lib.result(s.subject, "fail", problems, evidence(s)) if {
	some s in sources
	count(problems) > 0
}

results contains lib.result(s.subject, "not_applicable", [reason], evidence(s)) if {
	count(problems) == 0
	some s in sources
	not expected(s)
	reason := sprintf("%s is not an expected audit source (expected: %s)", [s.source, concat(", ", named)])
}

results contains lib.result(s.subject, "pass", [passed(s)], evidence(s)) if {
	count(problems) == 0
	some s in sources
	expected(s)
	count(findings(s)) == 0
}

results contains lib.result(s.subject, "fail", findings(s), evidence(s)) if {
	count(problems) == 0
	some s in sources
	expected(s)
	count(findings(s)) > 0
}

sources := lib.list("log_sources")

window := object.get(input, "log_window", {})

evidence(s) := lib.ids([object.get(s, "evidence", [])])

# --- parameters ---------------------------------------------------------------------------

params := object.get(object.get(input, "params", {}), control, {})

named := sort([x | some x in params.sources]) if is_array(params.sources)

else := []

problems := array.concat(source_problems, retention_problems)

source_problems := [] if {
	is_array(params.sources)
	every x in params.sources {
		is_string(x)
	}
}

else := ["OP-01 is misconfigured: parameter sources must be a list of source names"]

retention_problems := [] if {
	is_number(params.retention_days)
	params.retention_days == floor(params.retention_days)
	params.retention_days >= 1
}

else := ["OP-01 is misconfigured: parameter retention_days must be a whole number of days, at least 1"]

# expected: named in the parameter, or (when the parameter names none) delivered at all.
expected(s) if {
	count(named) > 0
	s.source in named
}

expected(s) if {
	count(named) == 0
	s.delivered == true
}

# --- findings -----------------------------------------------------------------------------

findings(s) := array.concat(never(s), array.concat(lib.at_most(gaps(s), 62), retention(s)))

never(s) := [sprintf("%s has never delivered an audit event", [s.source])] if {
	not is_number(object.get(s, "first_event_at", null))
}

else := []

gaps(s) := [msg |
	is_number(object.get(s, "first_event_at", null))
	some d in lib.as_array(object.get(s, "days", []))
	not delivered_on(d)
	msg := sprintf("no %s audit events on %s", [s.source, d.day])
]

delivered_on(d) if d.events > 0

retention(s) := [msg |
	first := object.get(s, "first_event_at", null)
	is_number(first)
	floor(first / 86400) > floor(required_from / 86400)
	msg := sprintf("%s evidence reaches back only to %s; it must reach back to %s (%d days before %s, or the period's first day)", [s.source, day(first), day(required_from), params.retention_days, day(reference)])
]

reference := window.reference

required_from := min([window.start, reference - (params.retention_days * 86400)])

day(ts) := sprintf("%04d-%02d-%02d", lib.civil_date(floor(ts / 86400)))

passed(s) := sprintf("%s delivered events on each of the %d complete days of the period; its evidence reaches back to %s", [s.source, window.days, day(s.first_event_at)]) if {
	window.days > 0
}

else := sprintf("%s: no complete day of the period has ended yet; its evidence reaches back to %s", [s.source, day(s.first_event_at)])
