# METADATA
# title: Authorized change
# description: >-
#   Each change request links a ticket (a Jira key or a ServiceNow change) that soxtrail
#   holds evidence of and that entered an approved status before the change request was
#   merged, approved by someone other than the change request's author. Which statuses
#   count as approved is configuration ([tickets] approved_statuses), applied when the
#   input is built. An emergency change without such a pre-approval is left to CM-10.
# custom:
#   id: CM-03
#   short_name: authorized_change
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: change_request
#   phases: [gate, period]
#   evidence: [change_request, ticket]
#   objective: >-
#     Every change to an in-scope system is authorized before it is merged, by someone other
#     than the person who made it, through a ticket in the change management system.
#   test_procedure: >-
#     For each sampled merged change request, identify the linked ticket, inspect its status
#     history and confirm that it entered an approved status before the merge time, and that
#     the person who approved it is not the change request's author (after identity mapping).
#     For emergency changes without pre-approval, perform the CM-10 procedure instead.
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities)"
#     - "COSO 2013 Principle 12 (policies and procedures)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
package soxtrail.controls.authorized_change

import data.soxtrail.lib

control := "CM-03"

results contains lib.not_applicable("no change requests in scope") if {
	count(lib.change_requests) == 0
}

results contains lib.result(cr.subject, "pass", approvals(cr), evidence(cr)) if {
	some cr in lib.change_requests
	count(approvals(cr)) > 0
}

results contains lib.result(cr.subject, "not_applicable", [reason], evidence(cr)) if {
	some cr in lib.change_requests
	count(approvals(cr)) == 0
	cr.emergency == true
	reason := "emergency change: retrospective approval is checked by CM-10"
}

results contains lib.result(cr.subject, "fail", reasons(cr), evidence(cr)) if {
	some cr in lib.change_requests
	count(approvals(cr)) == 0
	not cr.emergency == true
}

tickets(cr) := cr.tickets if is_array(cr.tickets)

else := []

# authorizes holds for a ticket that was approved before the merge by someone who is not
# the change request's author.
authorizes(cr, t) if {
	t.found == true
	t.approved == true
	is_number(t.approved_at)
	is_number(cr.merged_at)
	t.approved_at <= cr.merged_at
	is_string(t.approved_by)
	t.approved_by != cr.author
}

approvals(cr) := sort({msg |
	some t in tickets(cr)
	authorizes(cr, t)
	msg := sprintf("%s was approved by %s %s before the merge", [t.key, t.approved_by, lib.duration(cr.merged_at - t.approved_at)])
})

evidence(cr) := lib.ids(array.concat([cr.evidence], [t.evidence | some t in tickets(cr)]))

reasons(cr) := array.concat(unlinked(cr), sort(why_not(cr)))

unlinked(cr) := [sprintf("%s links no ticket", [cr.subject])] if count(tickets(cr)) == 0

else := [sprintf("%s has no merge time, so approval before the merge cannot be shown", [cr.subject])] if {
	not is_number(object.get(cr, "merged_at", null))
}

else := []

# why_not says, for each linked ticket, why it does not authorize the change.
why_not(cr) := ((((((not_found(cr) | never_approved(cr)) | approval_time_unknown(cr)) | approved_late(cr)) | approver_unknown(cr)) | self_approved(cr)))

not_found(cr) := {sprintf("%s is referenced but soxtrail holds no evidence of it", [t.key]) |
	some t in tickets(cr)
	object.get(t, "found", null) != true
}

never_approved(cr) := {sprintf("%s was never approved (status: %v)", [t.key, object.get(t, "status", null)]) |
	some t in tickets(cr)
	t.found == true
	object.get(t, "approved", null) != true
}

approved(cr) := [t |
	some t in tickets(cr)
	t.found == true
	t.approved == true
]

approval_time_unknown(cr) := {sprintf("%s is approved but the time of its approval is unknown", [t.key]) |
	some t in approved(cr)
	not is_number(object.get(t, "approved_at", null))
}

approved_late(cr) := {sprintf("%s was approved %s after the merge", [t.key, lib.duration(t.approved_at - cr.merged_at)]) |
	some t in approved(cr)
	is_number(t.approved_at)
	is_number(cr.merged_at)
	t.approved_at > cr.merged_at
}

approver_unknown(cr) := {sprintf("the approver of %s is unknown", [t.key]) |
	some t in approved(cr)
	not is_string(object.get(t, "approved_by", null))
}

self_approved(cr) := {sprintf("%s was approved by %s, the author of %s", [t.key, t.approved_by, cr.subject]) |
	some t in approved(cr)
	is_string(t.approved_by)
	t.approved_by == cr.author
}
