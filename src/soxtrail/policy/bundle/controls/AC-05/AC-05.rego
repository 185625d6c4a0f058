# METADATA
# title: Segregation of duties
# description: >-
#   Nobody with access to the system holds both sides of a segregation-of-duties rule
#   (`[[access.sod]]`: two lists of membership patterns `provider:group[:role]`), counting
#   every membership of every account of theirs in every provider, through the person
#   mapping (`[identities]`, then the HR roster's emails and person ids); and nobody
#   approved their own access grant. Each rule and each person holding at least one side of
#   it is one subject (`<rule>:<person>`), so that a waiver covers exactly one conflict;
#   each access grant of the period to the system is one subject (`grant:...`). A grant
#   whose approver is unknown fails: it cannot be shown not to be self-approved.
# custom:
#   id: AC-05
#   short_name: segregation_of_duties
#   domain: logical_access
#   frequency: quarterly
#   risk: high
#   population: sod
#   phases: [period]
#   evidence: [membership, identity, hr_record, access_grant]
#   objective: >-
#     No single person can both perform and conceal, or both make and approve, a change to
#     financial systems, unless an approved exception says why.
#   test_procedure: >-
#     Obtain the segregation-of-duties matrix; for each sampled person with access to the
#     system, list their group and role memberships in every tool at the end of the period
#     and confirm that they do not hold both sides of any rule without an approved waiver;
#     for each sampled access grant, confirm that its approver is not its grantee.
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities: segregation of duties)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
#     - "ITGC: Logical access - segregation of incompatible duties"
package soxtrail.controls.segregation_of_duties

import data.soxtrail.lib

control := "AC-05"

conflicts := input.sod if is_array(input.sod)

else := []

grants := input.grants if is_array(input.grants)

else := []

results contains lib.not_applicable("no person with access holds a side of a segregation-of-duties rule ([[access.sod]]), and no access grant in the period") if {
	count(conflicts) == 0
	count(grants) == 0
}

results contains lib.result(c.subject, "fail", [msg], c.evidence) if {
	some c in conflicts
	count(object.get(c, "first", [])) > 0
	count(object.get(c, "second", [])) > 0
	msg := sprintf("%s holds both sides of %s%s: %s and %s", [c.person, c.rule, why(c), lib.people(c.first), lib.people(c.second)])
}

results contains lib.result(c.subject, "pass", [msg], c.evidence) if {
	some c in conflicts
	held := array.concat(object.get(c, "first", []), object.get(c, "second", []))
	not both(c)
	msg := sprintf("%s holds only one side of %s: %s", [c.person, c.rule, lib.people(held)])
}

results contains lib.result(g.subject, verdict, [msg], lib.ids([g.evidence])) if {
	some g in grants
	[verdict, msg] := grant_verdict(g)
}

both(c) if {
	count(object.get(c, "first", [])) > 0
	count(object.get(c, "second", [])) > 0
}

why(c) := sprintf(" (%s)", [c.description]) if {
	is_string(object.get(c, "description", null))
	c.description != ""
}

else := ""

what(g) := sprintf("%s on %s", [g.role, g.resource]) if is_string(object.get(g, "role", null))

else := object.get(g, "resource", "an unknown resource")

grant_verdict(g) := ["fail", msg] if {
	not is_string(object.get(g, "approver", null))
	msg := sprintf("the approver of the grant of %s to %s is unknown: it cannot be shown not to be self-approved", [what(g), lib.person(object.get(g, "grantee", null))])
}

else := ["fail", msg] if {
	g.approver == g.grantee
	msg := sprintf("%s approved their own access grant of %s", [g.grantee, what(g)])
}

else := ["pass", msg] if {
	msg := sprintf("%s was granted %s by %s", [lib.person(object.get(g, "grantee", null)), what(g), g.approver])
}
