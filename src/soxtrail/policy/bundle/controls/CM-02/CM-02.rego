# METADATA
# title: Independent review
# description: >-
#   Each change request has at least the configured number of approvals (more when it
#   touches financial paths) from people other than its author and other than anyone who
#   committed to it, given on the change request's final head commit. Approvals of older
#   commits, dismissed approvals and approvals by the author or a co-committer do not count.
# custom:
#   id: CM-02
#   short_name: independent_review
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: change_request
#   phases: [gate, period]
#   evidence: [change_request, review, commit]
#   objective: >-
#     Every change to an in-scope system is reviewed and approved by someone independent of
#     the people who wrote it, on exactly the code that was merged.
#   test_procedure: >-
#     For each sampled merged change request, list its approvals and the commit each was
#     given on; confirm that enough approvals were given on the final head commit by people
#     who are neither the author nor a committer of the change (after identity mapping), and
#     that the threshold for financial paths applied when the change touched them.
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities)"
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     min_approvals:
#       type: integer
#       default: 1
#       description: Independent approvals needed on the final head.
#     min_approvals_financial:
#       type: integer
#       default: 2
#       description: Independent approvals needed when the change touches financial paths.
package soxtrail.controls.independent_review

import data.soxtrail.lib

control := "CM-02"

results contains lib.not_applicable("no change requests in scope") if {
	lib.change_set
	count(lib.change_requests) == 0
}

results contains lib.not_applicable("no change set in the input") if {
	not lib.change_set
}

# Independent approvals on the final head.
independent(cr) := {r.reviewer |
	some r in cr.reviews
	r.state == "approved"
	r.commit == cr.head_sha
	is_string(r.reviewer)
	r.reviewer != cr.author
	not r.reviewer in cr.committers
}

needed(cr) := lib.param(control, "min_approvals_financial") if cr.financial

needed(cr) := lib.param(control, "min_approvals") if not cr.financial

evidence(cr) := array.concat(cr.evidence, [r.evidence | some r in cr.reviews])

results contains lib.result(cr.subject, "pass", [reason], evidence(cr)) if {
	some cr in lib.change_requests
	count(independent(cr)) >= needed(cr)
	reason := sprintf("approved on the final head %s by %s", [lib.short(cr.head_sha), lib.people(independent(cr))])
}

results contains lib.result(cr.subject, "fail", reasons(cr), evidence(cr)) if {
	some cr in lib.change_requests
	count(independent(cr)) < needed(cr)
}

reasons(cr) := array.concat(
	[sprintf("%d independent approval(s) on the final head %s, %d needed%s", [
		count(independent(cr)), lib.short(cr.head_sha), needed(cr), financial_note(cr),
	])],
	sort(discounted(cr)),
)

financial_note(cr) := " (touches financial paths)" if cr.financial

financial_note(cr) := "" if not cr.financial

# Why approvals that were given do not count.
discounted(cr) := (((self_approvals(cr) | co_committer_approvals(cr)) | stale_approvals(cr)) | dismissed(cr))

self_approvals(cr) := {sprintf("approval by %s is self-approval by the author", [r.reviewer]) |
	some r in cr.reviews
	r.state == "approved"
	r.reviewer == cr.author
}

co_committer_approvals(cr) := {sprintf("approval by %s does not count: they committed to the change", [r.reviewer]) |
	some r in cr.reviews
	r.state == "approved"
	r.reviewer != cr.author
	r.reviewer in cr.committers
}

stale_approvals(cr) := {msg |
	some r in cr.reviews
	r.state == "approved"
	r.commit != cr.head_sha
	r.reviewer != cr.author
	not r.reviewer in cr.committers
	msg := sprintf("approval by %s was given on %s, not the final head %s", [r.reviewer, lib.short(r.commit), lib.short(cr.head_sha)])
}

dismissed(cr) := {sprintf("approval by %s was dismissed", [r.reviewer]) |
	some r in cr.reviews
	r.state == "dismissed"
}
