# METADATA
# title: No history rewrite
# description: >-
#   No push to a protected branch of an in-scope repository was forced (rewriting its
#   history) or deleted the branch. A push that does not record whether it was forced or a
#   deletion fails, since it cannot be shown not to be one.
# custom:
#   id: CM-08
#   short_name: no_history_rewrite
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: push
#   phases: [gate, period]
#   evidence: [push]
#   objective: >-
#     The history of protected branches is append-only, so that every change that ever
#     reached them stays traceable and reviewed changes cannot be replaced afterwards.
#   test_procedure: >-
#     Obtain the complete list of pushes to protected branches for the period from the forge's
#     events or audit log; confirm that none was a forced push or a branch deletion, and
#     investigate each one that was.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
package soxtrail.controls.no_history_rewrite

import data.soxtrail.lib

control := "CM-08"

results contains lib.not_applicable("no pushes to protected branches in the input") if {
	count(protected_pushes) == 0
}

results contains lib.result(p.subject, "pass", [reason], lib.ids([p.evidence])) if {
	some p in protected_pushes
	count(problems(p)) == 0
	reason := sprintf("push to %v by %s moved it %s without rewriting history", [branch(p), pusher(p), moved(p)])
}

results contains lib.result(p.subject, "fail", problems(p), lib.ids([p.evidence])) if {
	some p in protected_pushes
	count(problems(p)) > 0
}

protected_pushes := [p | some p in lib.list("pushes"); p.protected == true]

pusher(p) := lib.person(object.get(p, "pusher", null))

branch(p) := object.get(p, "branch", null)

# moved renders "from <before> to <after>".
moved(p) := sprintf("from %s to %s", [lib.short(object.get(p, "before", null)), lib.short(object.get(p, "after", null))])

problems(p) := array.concat(array.concat(forced(p), deleted(p)), unknown(p))

forced(p) := [sprintf("forced push to %v by %s rewrote history %s", [branch(p), pusher(p), moved(p)]) | p.forced == true]

deleted(p) := [sprintf("%v was deleted by %s", [branch(p), pusher(p)]) | p.deleted == true]

unknown(p) := sort({sprintf("the push to %v by %s does not record whether it was forced or deleted the branch", [branch(p), pusher(p)]) |
	some flag in ["forced", "deleted"]
	not is_boolean(object.get(p, flag, null))
})
