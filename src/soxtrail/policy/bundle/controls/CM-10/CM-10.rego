# METADATA
# title: Emergency change
# description: >-
#   A change request marked as an emergency (by the configured label or its ticket's type)
#   may be merged without pre-approval, but a linked ticket must then be approved,
#   retrospectively, within the configured number of business days of the merge, by someone
#   other than the change request's author. While that window is still open and no such
#   approval exists, the change passes with a reason saying when the approval is due; once
#   the window has closed, it fails. Business days are counted when the input is built.
# custom:
#   id: CM-10
#   short_name: emergency_change
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: change_request
#   phases: [gate, period]
#   evidence: [change_request, ticket]
#   objective: >-
#     Emergency changes that bypass pre-approval are authorized promptly after the fact by
#     someone independent of their author, so that the emergency path cannot be used to avoid
#     authorization.
#   test_procedure: >-
#     List the emergency changes of the period; for each sampled one, inspect the linked
#     ticket's status history and confirm that it was approved by someone other than the
#     change request's author within the allowed number of business days after the merge.
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities)"
#     - "COSO 2013 Principle 12 (policies and procedures)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     window_business_days:
#       type: integer
#       default: 2
#       description: Business days after the merge within which the retrospective approval is due.
package soxtrail.controls.emergency_change

import data.soxtrail.lib

control := "CM-10"

results contains lib.not_applicable("no change requests in scope") if {
	count(lib.change_requests) == 0
}

results contains lib.result(cr.subject, "not_applicable", ["not an emergency change"], evidence(cr)) if {
	some cr in lib.change_requests
	not cr.emergency == true
}

results contains lib.result(cr.subject, "pass", approvals(cr), evidence(cr)) if {
	some cr in emergencies
	count(problems) == 0
	count(approvals(cr)) > 0
}

results contains lib.result(cr.subject, "pass", array.concat([due(cr)], issues(cr)), evidence(cr)) if {
	some cr in emergencies
	count(problems) == 0
	count(approvals(cr)) == 0
	within_window(cr)
}

results contains lib.result(cr.subject, "fail", array.concat([overdue(cr)], issues(cr)), evidence(cr)) if {
	some cr in emergencies
	count(problems) == 0
	count(approvals(cr)) == 0
	not within_window(cr)
}

results contains lib.result(cr.subject, "fail", problems, evidence(cr)) if {
	some cr in emergencies
	count(problems) > 0
}

problems := lib.param_problems(control, {"window_business_days": "integer"})

window := lib.param(control, "window_business_days")

emergencies := [cr | some cr in lib.change_requests; cr.emergency == true]

tickets(cr) := cr.tickets if is_array(cr.tickets)

else := []

approved(cr) := [t |
	some t in tickets(cr)
	t.found == true
	t.approved == true
]

independent(cr, t) if {
	is_string(t.approved_by)
	t.approved_by != cr.author
}

before_merge(cr, t) if {
	is_number(t.approved_at)
	is_number(cr.merged_at)
	t.approved_at <= cr.merged_at
}

in_time(t) if {
	is_number(t.business_days_to_approval)
	t.business_days_to_approval <= window
}

within_window(cr) if {
	is_number(cr.business_days_since_merge)
	cr.business_days_since_merge <= window
}

approvals(cr) := sort({msg |
	some t in approved(cr)
	independent(cr, t)
	before_merge(cr, t)
	msg := sprintf("%s was approved by %s before the merge", [t.key, t.approved_by])
} | {msg |
	some t in approved(cr)
	independent(cr, t)
	not before_merge(cr, t)
	in_time(t)
	msg := sprintf("%s was approved retrospectively by %s %d business day(s) after the merge, within the %d allowed", [t.key, t.approved_by, t.business_days_to_approval, window])
})

due(cr) := sprintf("retrospective approval due within %d business day(s) of the merge; %d elapsed", [window, cr.business_days_since_merge])

overdue(cr) := sprintf("no independent retrospective approval within %d business day(s) of the merge; %d elapsed", [window, cr.business_days_since_merge]) if {
	is_number(cr.business_days_since_merge)
}

else := sprintf("no independent retrospective approval within %d business day(s) of the merge, and the business days elapsed since the merge are unknown", [window])

# issues says why each linked ticket does not (yet) show a timely, independent approval.
issues(cr) := array.concat(unlinked(cr), sort((((not_found(cr) | never_approved(cr)) | late(cr)) | time_unknown(cr)) | (approver_unknown(cr) | self_approved(cr))))

unlinked(cr) := [sprintf("%s links no ticket", [cr.subject])] if count(tickets(cr)) == 0

else := []

not_found(cr) := {sprintf("%s is referenced but soxtrail holds no evidence of it", [t.key]) |
	some t in tickets(cr)
	object.get(t, "found", null) != true
}

never_approved(cr) := {sprintf("%s was never approved (status: %v)", [t.key, object.get(t, "status", null)]) |
	some t in tickets(cr)
	t.found == true
	object.get(t, "approved", null) != true
}

late(cr) := {msg |
	some t in approved(cr)
	not before_merge(cr, t)
	is_number(t.business_days_to_approval)
	t.business_days_to_approval > window
	msg := sprintf("%s was approved %d business day(s) after the merge, beyond the %d allowed", [t.key, t.business_days_to_approval, window])
}

time_unknown(cr) := {sprintf("the time of the approval of %s is unknown", [t.key]) |
	some t in approved(cr)
	not before_merge(cr, t)
	not is_number(object.get(t, "business_days_to_approval", null))
}

approver_unknown(cr) := {sprintf("the approver of %s is unknown", [t.key]) |
	some t in approved(cr)
	not is_string(object.get(t, "approved_by", null))
}

self_approved(cr) := {sprintf("%s was approved by %s, the author of %s", [t.key, t.approved_by, cr.subject]) |
	some t in approved(cr)
	t.approved_by == cr.author
}

evidence(cr) := lib.ids(array.concat([cr.evidence], [t.evidence | some t in tickets(cr)]))
