# METADATA
# title: Time-bound privileged access
# description: >-
#   Privileged access to the system (the memberships its `privileged` patterns name, and the
#   grants of such access) is given only on request, approved by someone other than the
#   person who receives it, for a limited time, and not used after it expires. Each
#   privileged membership held at the end of the period must be covered by such a grant
#   whose window contains the time the membership was observed; a membership with no
#   covering grant is standing privileged access and fails. Each privileged grant given in
#   the period fails when it has no approver, was approved by its grantee, has no expiry,
#   lasts longer than max_hours, or was used after it expired: successful CloudTrail events
#   of the grantee in the grant's AWS account after the grant ended, not covered by another
#   grant, count as use (failed calls show the access was gone and do not). Rejected,
#   cancelled and pending requests gave no access and are not in the population. Service
#   accounts (the configuration's access.service_accounts) are people-less and reported
#   not applicable: AC-05 and AC-03 cover their ownership. An unknown approver, grantee,
#   start or expiry fails (fail closed).
# custom:
#   id: AC-04
#   short_name: time_bound_privileged_access
#   domain: logical_access
#   frequency: per_change
#   risk: high
#   population: privileged_access
#   phases: [period]
#   evidence: [access_grant, membership, identity, audit_event]
#   objective: >-
#     Production and administrative access to in-scope systems is granted only on approved
#     request, for a limited time, and nobody holds it standing.
#   test_procedure: >-
#     List the privileged memberships of the system at period end and the privileged access
#     grants of the period. For each sampled membership, confirm that an approved, unexpired
#     time-bound grant to the same person covered it. For each sampled grant, inspect the
#     request in the JIT tool or ticket: confirm that the approver is not the grantee, that
#     the grant expired within the allowed duration, and, in the cloud audit log, that the
#     grantee did not act in the account with that access after it expired.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls: security access)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
#   parameters:
#     max_hours:
#       type: integer
#       default: 12
#       description: Longest a privileged grant may last, in hours, from its start to its expiry.
package soxtrail.controls.time_bound_privileged_access

import data.soxtrail.lib

control := "AC-04"

max_hours := lib.param(control, "max_hours")

memberships := lib.list("privileged_memberships")

grants := lib.list("grants")

# Grants that are subjects (the others are listed only because they cover a membership).
subject_grants := [g | some g in grants; not object.get(g, "covering_only", false) == true]

grant_by_subject := {g.subject: g | some g in grants}

results contains lib.not_applicable("no privileged memberships and no privileged grants of this system in the period") if {
	count(memberships) == 0
	count(subject_grants) == 0
}

# --- grants ---------------------------------------------------------------------------------

results contains lib.result(g.subject, "pass", [grant_summary(g)], g.evidence) if {
	some g in subject_grants
	count(grant_problems(g)) == 0
}

results contains lib.result(g.subject, "fail", grant_problems(g), lib.ids(array.concat(g.evidence, activity_ids(g)))) if {
	some g in subject_grants
	count(grant_problems(g)) > 0
}

grant_problems(g) := array.concat(
	array.concat(lib.param_problems(control, {"max_hours": "integer"}), validity_problems(g)),
	used_after_expiry(g),
)

# validity_problems are what makes a grant unfit to cover access (approval and time bound).
validity_problems(g) := array.concat(approval_problems(g), expiry_problems(g))

what(g) := sprintf("%s on %s (%s)", [role_name(g), g.resource, g.subject])

role_name(g) := g.role if is_string(object.get(g, "role", null))

else := "access"

approval_problems(g) := [sprintf("the grantee of %s is unknown", [what(g)])] if {
	not is_string(object.get(g, "grantee", null))
}

else := [sprintf("%s was granted to %s without an approver", [what(g), g.grantee])] if {
	not is_string(object.get(g, "approver", null))
}

else := [sprintf("%s was approved by its own grantee %s", [what(g), g.grantee])] if {
	g.approver == g.grantee
}

else := []

expiry_problems(g) := [sprintf("%s granted to %s has no expiry", [what(g), lib.person(object.get(g, "grantee", null))])] if {
	not is_number(object.get(g, "expires_at", null))
}

else := [sprintf("%s has no recorded start, so its length is unknown", [what(g)])] if {
	not is_number(object.get(g, "granted_at", null))
}

else := [msg] if {
	is_number(max_hours)
	length := g.expires_at - g.granted_at
	length > max_hours * 3600
	msg := sprintf("%s lasts %s, longer than the %d hours allowed", [what(g), lib.duration(length), max_hours])
}

else := []

activity(g) := g.activity_after_expiry if is_array(g.activity_after_expiry)

else := []

activity_ids(g) := [e.evidence | some e in activity(g)]

used_after_expiry(g) := [msg] if {
	events := activity(g)
	count(events) > 0
	first := events[0]
	msg := sprintf("%s was used after it ended at %s: %s in account %s, the first %s at %s", [
		what(g), lib.utc(grant_end(g)), lib.plural(count(events), "action"),
		g.resource, first.action, lib.utc(first.at),
	])
}

else := []

grant_end(g) := min({t | some t in [object.get(g, "revoked_at", null), object.get(g, "expires_at", null)]; is_number(t)})

grant_summary(g) := sprintf("%s was granted to %s, approved by %s, for %s (at most %d hours), and not used after it ended", [
	what(g), g.grantee, g.approver, lib.duration(g.expires_at - g.granted_at), max_hours,
])

# --- memberships ----------------------------------------------------------------------------

results contains lib.result(m.subject, "not_applicable", [msg], m.evidence) if {
	some m in memberships
	m.service_account == true
	msg := sprintf("%s is a service account: AC-04 is about people's access", [m.member])
}

results contains lib.result(m.subject, "pass", [covered_summary(m)], membership_ids(m)) if {
	some m in memberships
	not m.service_account == true
	count(valid_covering(m)) > 0
}

results contains lib.result(m.subject, "fail", membership_problems(m), membership_ids(m)) if {
	some m in memberships
	not m.service_account == true
	count(valid_covering(m)) == 0
}

covering(m) := [grant_by_subject[s] | some s in m.covering; grant_by_subject[s]]

valid_covering(m) := [g | some g in covering(m); count(validity_problems(g)) == 0]

held(m) := sprintf("%s holds %s%s in %s%s", [lib.person(m.person), m.group, role_suffix(m), m.provider, via_suffix(m)])

role_suffix(m) := sprintf(" (%s)", [m.role_name]) if is_string(object.get(m, "role_name", null))

else := sprintf(" (%s)", [m.role]) if is_string(object.get(m, "role", null))

else := ""

via_suffix(m) := sprintf(" through group %s", [m.via_group]) if is_string(object.get(m, "via_group", null))

else := ""

membership_problems(m) := [sprintf("standing privileged access: %s with no approved, time-bound grant covering %s", [held(m), lib.utc(m.at)])] if {
	count(covering(m)) == 0
}

else := array.concat(
	[sprintf("%s under grants that are not valid:", [held(m)])],
	[p | some g in covering(m); some p in validity_problems(g)],
)

covered_summary(m) := sprintf("%s under %s, approved by %s, until %s", [held(m), g.subject, g.approver, lib.utc(grant_end(g))]) if {
	g := valid_covering(m)[0]
}

membership_ids(m) := lib.ids(array.concat(m.evidence, [g.evidence | some g in covering(m)]))
