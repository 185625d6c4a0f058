# METADATA
# title: Pipeline-only deployment
# description: >-
#   Every production deployment was made by a pipeline run from a protected branch and,
#   unless require_manual_approval is false, was manually approved by someone who is neither
#   the author of a change request of the change set nor an author or committer of one of
#   its commits (segregation of duties). A deployment without a pipeline record fails.
#   Deployments to environments that are not production are not applicable; a deployment
#   whose production flag is missing is treated as production.
# custom:
#   id: CM-06
#   short_name: pipeline_deployment
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: deployment
#   phases: [gate, period]
#   evidence: [deployment, deployment_approval, pipeline_run, change_request, commit]
#   objective: >-
#     Changes reach production only through the deployment pipeline, from a protected branch,
#     and with the approval of someone who did not write them.
#   test_procedure: >-
#     For each sampled production deployment, identify the pipeline run that performed it and
#     confirm that it ran from a protected branch; inspect the deployment's manual approvals
#     and confirm that at least one approver is neither an author of the deployed change
#     requests nor an author or committer of the deployed commits (after identity mapping).
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities: segregation of duties)"
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     require_manual_approval:
#       type: boolean
#       default: true
#       description: Whether a production deployment needs an independent manual approval.
package soxtrail.controls.pipeline_deployment

import data.soxtrail.lib

control := "CM-06"

results contains lib.not_applicable("no deployment in the input") if {
	not is_object(lib.deployment)
}

results contains lib.result(d.subject, "not_applicable", [reason], evidence(d)) if {
	d := lib.deployment
	d.production == false
	reason := sprintf("not a production environment (%v)", [object.get(d, "environment", null)])
}

results contains lib.result(d.subject, "pass", passed(d), evidence(d)) if {
	d := lib.deployment
	is_object(d)
	not d.production == false
	count(problems(d)) == 0
}

results contains lib.result(d.subject, "fail", problems(d), evidence(d)) if {
	d := lib.deployment
	is_object(d)
	not d.production == false
	count(problems(d)) > 0
}

approval_optional if lib.param(control, "require_manual_approval") == false

pipeline(d) := d.pipeline if is_object(d.pipeline)

else := null

protected := {b | some b in input.system.protected_branches}

approvers(d) := {a | some a in object.get(d, "approvers", [])}

# authors are everyone who wrote the change set: change request authors, and the authors
# and committers of its commits.
authors := ((({cr.author | some cr in lib.change_requests} | {p | some cr in lib.change_requests; some p in cr.committers}) | {c.author | some c in lib.commits}) | {c.committer | some c in lib.commits})

independent(d) := {a |
	some a in approvers(d)
	is_string(a)
	not a in authors
}

problems(d) := array.concat(
	lib.param_problems(control, {"require_manual_approval": "boolean"}),
	array.concat(pipeline_problems(d), approval_problems(d)),
)

pipeline_problems(d) := [sprintf("no pipeline run deployed commit %s", [lib.short(d.commit)])] if {
	pipeline(d) == null
}

else := [msg] if {
	p := pipeline(d)
	branch := object.get(p, "branch", null)
	not branch in protected
	msg := sprintf("pipeline run %v ran from %v, not from a protected branch (%s)", [object.get(p, "run_id", null), branch, concat(", ", sort(protected))])
}

else := []

approval_problems(d) := [] if approval_optional

else := [msg] if {
	not is_object(lib.change_set)
	msg := "no change set is known, so the independence of the deployment's approvers from its authors cannot be checked"
}

else := ["no manual approval of this deployment"] if count(approvers(d)) == 0

else := array.concat(["no manual approval by someone independent of the change set's authors (segregation of duties)"], discounted(d)) if {
	count(independent(d)) == 0
}

else := []

# discounted says why approvals do not count.
discounted(d) := sort({msg |
	some a in approvers(d)
	is_string(a)
	a in authors
	msg := sprintf("approval by %s does not count: they wrote part of this change set (%s)", [a, concat(", ", lib.at_most(involvement(a), 5))])
} | {"an approval by an unknown person does not count" |
	some a in approvers(d)
	not is_string(a)
})

involvement(person) := array.concat(
	sort({cr.subject |
		some cr in lib.change_requests
		person in ({cr.author} | {p | some p in cr.committers})
	}),
	sort({lib.short(c.sha) |
		some c in lib.commits
		person in {c.author, c.committer}
	}),
)

passed(d) := array.concat([deployed(d)], array.concat(approved(d), discounted(d)))

deployed(d) := sprintf("pipeline run %v from %v deployed commit %s", [object.get(p, "run_id", null), object.get(p, "branch", null), lib.short(d.commit)]) if {
	p := pipeline(d)
}

approved(d) := ["manual approval not required (require_manual_approval is false)"] if approval_optional

else := [sprintf("approved by %s, independent of the change set's authors", [lib.people(independent(d))])]

evidence(d) := lib.ids(array.concat([d.evidence], [p.evidence | p := pipeline(d); is_object(p)]))
