# METADATA
# title: Access provisioning
# description: >-
#   Each access to the system given in the period has an approved request: an access grant
#   (from a JIT tool or an access-request ticket) for the same person and the same target
#   (provider, group and, when the request names one, role), approved by someone other than
#   that person, before the access was given. New access is a membership `added` event, or
#   a membership that appears in a snapshot of the period when the provider's snapshot
#   before the period did not have it; such access was given at or before that snapshot, so
#   the approval must precede the snapshot. The approval time is the request's approved_at;
#   a JIT tool that grants only after approval and does not record when (AWS TEAM) is judged
#   by the grant's start. A request not approved, without an approver, approved by the
#   grantee, or approved after the access was given does not count. Service accounts need an
#   approved request too. A person the access cannot be tied to fails (fail closed).
# custom:
#   id: AC-06
#   short_name: access_provisioning
#   domain: logical_access
#   frequency: per_change
#   risk: high
#   population: grant
#   phases: [period]
#   evidence: [membership, access_grant, ticket]
#   objective: >-
#     Access to in-scope systems is given only on a request approved by someone other than
#     the person receiving it, before it is given.
#   test_procedure: >-
#     List the accesses to the system given in the period (membership additions, and
#     memberships new between identity snapshots). For each sampled access, obtain the
#     request (JIT record or ticket) and confirm that it names the same person and target,
#     that it was approved by someone other than that person, and that the approval precedes
#     the access.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls: security access)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
package soxtrail.controls.access_provisioning

import data.soxtrail.lib

control := "AC-06"

new_access := lib.list("new_access")

# JIT tools that provision access only once it is approved and do not say when it was.
jit_providers := {"aws-team"}

results contains lib.not_applicable("no access to this system was given in the period") if {
	count(new_access) == 0
}

results contains lib.result(a.subject, "pass", [passed(a, good(a)[0])], ids(a)) if {
	some a in new_access
	count(good(a)) > 0
}

results contains lib.result(a.subject, "fail", problems(a), ids(a)) if {
	some a in new_access
	count(good(a)) == 0
}

requests(a) := a.requests if is_array(a.requests)

else := []

good(a) := [r | some r in requests(a); count(request_problems(a, r)) == 0]

approval_time(r) := r.approved_at if is_number(object.get(r, "approved_at", null))

else := r.granted_at if {
	r.provider in jit_providers
	is_number(object.get(r, "granted_at", null))
}

else := null

request_problems(a, r) := [sprintf("request %s was not approved", [r.subject])] if {
	not r.approved == true
}

else := [sprintf("request %s has no approver", [r.subject])] if {
	not is_string(object.get(r, "approver", null))
}

else := [sprintf("request %s was approved by %s, who received the access", [r.subject, r.approver])] if {
	r.approver == a.person
}

else := [sprintf("request %s does not say when it was approved", [r.subject])] if {
	approval_time(r) == null
}

else := [sprintf("request %s was approved at %s, after the access was given at %s", [r.subject, lib.utc(approval_time(r)), lib.utc(a.at)])] if {
	approval_time(r) > a.at
}

else := []

target(a) := sprintf("%s%s in %s", [a.group, role_suffix(a), a.provider])

role_suffix(a) := sprintf(" (%s)", [a.role_name]) if is_string(object.get(a, "role_name", null))

else := sprintf(" (%s)", [a.role]) if is_string(object.get(a, "role", null))

else := ""

given(a) := sprintf("%s was given %s %s at %s", [lib.person(object.get(a, "person", null)), target(a), how(a), lib.utc(a.at)])

how(a) := "(membership added)" if a.how == "added"

else := "(first seen in a snapshot)"

problems(a) := [sprintf("%s with no access request", [given(a)])] if {
	count(requests(a)) == 0
}

else := array.concat(
	[sprintf("%s with no approved request:", [given(a)])],
	[p | some r in requests(a); some p in request_problems(a, r)],
)

passed(a, r) := sprintf("%s on request %s, approved by %s at %s", [given(a), r.subject, r.approver, lib.utc(approval_time(r))])

ids(a) := lib.ids(array.concat(a.evidence, [r.evidence | some r in requests(a)]))
