# METADATA
# title: Traceable change
# description: >-
#   Every commit that reached a protected branch of an in-scope repository arrived through a
#   merged change request: no direct pushes, and no orphan commit in a deployment's change
#   set. While the git graph between the last deployment and the candidate is not fully
#   known, every commit of the change set fails (fail closed) until the repository is scanned.
# custom:
#   id: CM-01
#   short_name: traceable_change
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: commit_range
#   phases: [gate, period]
#   evidence: [commit, change_request]
#   objective: >-
#     Every change that reaches a protected branch of an in-scope system can be traced to a
#     change request that went through the forge's review workflow and was merged; nothing
#     reaches a protected branch by a direct push.
#   test_procedure: >-
#     For each sampled commit on a protected branch, identify the change request that
#     brought it (through its merge or squash commit, the commits its rebase merge wrote, or
#     the push that fast-forwarded it) and confirm that the change request was merged. Confirm that the list of commits between the previously deployed
#     commit and the deployed commit is complete (the repository was scanned), so that no
#     commit escaped the population.
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities)"
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
package soxtrail.controls.traceable_change

import data.soxtrail.lib

control := "CM-01"

results contains lib.not_applicable("no change set in the input") if {
	not is_object(lib.change_set)
}

results contains lib.not_applicable("no commits in this change set") if {
	count(lib.commits) == 0
	lib.change_set_complete
}

# With no commit to report on, an incomplete change set cannot fail here; CM-07 fails the
# deployment for it.
results contains lib.not_applicable(reason) if {
	is_object(lib.change_set)
	count(lib.commits) == 0
	not lib.change_set_complete
	reason := sprintf("no commits known in this change set (%s; CM-07 fails the deployment for it)", [lib.change_set_gap])
}

results contains lib.result(c.sha, "pass", [reason], evidence(c)) if {
	some c in lib.commits
	traced(c)
	lib.change_set_complete
	reason := sprintf("commit %s by %s arrived through merged change request %s", [lib.short(c.sha), lib.person(object.get(c, "author", null)), c.change_request])
}

results contains lib.result(c.sha, "fail", reasons(c), evidence(c)) if {
	some c in lib.commits
	not passes(c)
}

passes(c) if {
	traced(c)
	lib.change_set_complete
}

# The change requests the input holds, and those of them that were merged.
known := {cr.subject | some cr in lib.change_requests}

merged := {cr.subject | some cr in lib.change_requests; cr.merged == true}

traced(c) if c.change_request in merged

evidence(c) := lib.ids(array.concat([c.evidence], [cr.evidence |
	some cr in lib.change_requests
	cr.subject == c.change_request
]))

reasons(c) := array.concat(sort(untraced(c)), gap)

gap := [lib.change_set_gap] if not lib.change_set_complete

else := []

untraced(c) := ((direct_push(c) | unknown_change_request(c)) | unmerged_change_request(c))

direct_push(c) := {msg |
	not is_string(object.get(c, "change_request", null))
	msg := sprintf("commit %s by %s reached %s without a merged change request (direct push)", [lib.short(c.sha), lib.person(object.get(c, "author", null)), lib.protected_branch])
}

unknown_change_request(c) := {msg |
	is_string(c.change_request)
	not c.change_request in known
	msg := sprintf("commit %s by %s reached %s through %s, but soxtrail holds no evidence of that change request", [lib.short(c.sha), lib.person(object.get(c, "author", null)), lib.protected_branch, c.change_request])
}

unmerged_change_request(c) := {msg |
	is_string(c.change_request)
	not c.change_request in merged
	some cr in lib.change_requests
	cr.subject == c.change_request
	msg := sprintf("commit %s by %s reached %s while its change request %s was not merged (state: %v)", [lib.short(c.sha), lib.person(object.get(c, "author", null)), lib.protected_branch, cr.subject, object.get(cr, "state", null)])
}
