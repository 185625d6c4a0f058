# METADATA
# title: Repository protection
# description: >-
#   The protection (branch protection rules or rulesets) of every protected branch of an
#   in-scope repository requires approvals on change requests and passing status checks,
#   forbids force pushes and deletion, and applies to administrators; and every change to
#   these settings that weakens them was itself made under an approved change. Each
#   shortfall is reported as its own reason. A setting that is missing counts as the unsafe
#   value.
# custom:
#   id: CM-12
#   short_name: repository_protection
#   domain: change_management
#   frequency: daily
#   risk: medium
#   population: protection
#   phases: [gate, period]
#   evidence: [repo_protection, audit_event]
#   objective: >-
#     The forge enforces the change management process on protected branches for everyone,
#     administrators included, and the enforcement itself cannot be relaxed without an
#     approved change.
#   test_procedure: >-
#     For each in-scope repository's protected branches, inspect the branch protection or
#     ruleset configuration in force (and its history over the period from the forge's audit
#     log); confirm the required number of approvals, required status checks, the blocking of
#     force pushes and deletion and enforcement for administrators; for each change that
#     weakened them, obtain the approved change that authorized it.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "COSO 2013 Principle 16 (monitoring activities)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     min_required_approvals:
#       type: integer
#       default: 1
#       description: Approvals the branch protection must require on change requests.
#     require_status_checks:
#       type: boolean
#       default: true
#       description: Whether the branch protection must require passing status checks.
#     require_enforce_admins:
#       type: boolean
#       default: true
#       description: Whether the branch protection must apply to administrators.
package soxtrail.controls.repository_protection

import data.soxtrail.lib

control := "CM-12"

results contains lib.not_applicable("no protected branches in the input") if {
	count(lib.list("protection")) == 0
}

results contains lib.result(p.subject, "pass", passed(p), evidence(p)) if {
	some p in lib.list("protection")
	count(problems(p)) == 0
}

results contains lib.result(p.subject, "fail", problems(p), evidence(p)) if {
	some p in lib.list("protection")
	count(problems(p)) > 0
}

minimum := lib.param(control, "min_required_approvals")

status_checks_optional if lib.param(control, "require_status_checks") == false

admins_optional if lib.param(control, "require_enforce_admins") == false

settings(p) := p.settings if is_object(p.settings)

else := null

changes(p) := p.changes if is_array(p.changes)

else := []

problems(p) := array.concat(
	lib.param_problems(control, {
		"min_required_approvals": "integer",
		"require_status_checks": "boolean",
		"require_enforce_admins": "boolean",
	}),
	array.concat(setting_problems(p), unapproved_changes(p)),
)

setting_problems(p) := [sprintf("no evidence of branch protection for %s", [p.subject])] if settings(p) == null

else := [msg |
	some check in checks
	msg := shortfall(p.subject, settings(p), check)
]

checks := ["approvals", "status_checks", "force_pushes", "deletions", "admins"]

shortfall(subject, s, "approvals") := sprintf("%s requires %d approval(s) on change requests, %d needed", [subject, s.required_approvals, minimum]) if {
	is_number(s.required_approvals)
	s.required_approvals < minimum
}

shortfall(subject, s, "approvals") := sprintf("%s does not require approvals on change requests, %d needed", [subject, minimum]) if {
	not is_number(object.get(s, "required_approvals", null))
}

shortfall(subject, s, "status_checks") := sprintf("%s does not require status checks to pass", [subject]) if {
	not s.require_status_checks == true
	not status_checks_optional
}

shortfall(subject, s, "force_pushes") := sprintf("%s allows force pushes", [subject]) if not s.allow_force_pushes == false

shortfall(subject, s, "deletions") := sprintf("%s allows the branch to be deleted", [subject]) if not s.allow_deletions == false

shortfall(subject, s, "admins") := sprintf("%s does not apply to administrators", [subject]) if {
	not s.enforce_admins == true
	not admins_optional
}

unapproved_changes(p) := sort({msg |
	some c in changes(p)
	not c.weakens == false
	not c.approved_change == true
	msg := sprintf("protection of %s weakened by %s at %s without an approved change (%v)", [p.subject, lib.person(object.get(c, "actor", null)), lib.utc(object.get(c, "at", null)), object.get(c, "action", null)])
})

passed(p) := array.concat(
	[
		sprintf("%s requires %d approval(s) on change requests and blocks force pushes and deletion", [p.subject, settings(p).required_approvals]),
		status_note(p),
		admins_note(p),
	],
	approved_changes(p),
)

status_note(p) := "status checks must pass" if settings(p).require_status_checks == true

else := "status checks are not required (allowed: require_status_checks is false)"

admins_note(p) := "the protection applies to administrators" if settings(p).enforce_admins == true

else := "the protection does not apply to administrators (allowed: require_enforce_admins is false)"

approved_changes(p) := sort({msg |
	some c in changes(p)
	not c.weakens == false
	c.approved_change == true
	msg := sprintf("protection of %s weakened by %s at %s under an approved change", [p.subject, lib.person(object.get(c, "actor", null)), lib.utc(object.get(c, "at", null))])
})

evidence(p) := lib.ids(array.concat([p.evidence], [c.evidence | some c in changes(p)]))
