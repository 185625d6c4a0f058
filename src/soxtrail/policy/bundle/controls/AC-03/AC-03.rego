# METADATA
# title: Periodic access review
# description: >-
#   Each quarter, each in-scope system has an access review campaign that was closed and
#   covered every account with access to the system when it started. Each account was
#   decided (keep, modify or revoke, with a reason) by its holder's manager or, failing
#   that, the system's owner, never by its holder. Each revocation was carried out: no
#   identity or membership snapshot taken later than the decision plus the grace period
#   still shows the access, and once the grace period is over some snapshot after the
#   decision must show it gone. A quarter with no campaign fails once the quarter is over.
# custom:
#   id: AC-03
#   short_name: access_review
#   domain: logical_access
#   frequency: quarterly
#   risk: high
#   population: access_review
#   phases: [period]
#   evidence: [access_review, identity, membership, hr_record]
#   objective: >-
#     Access to financially relevant systems stays limited to people who need it: their
#     managers confirm it every quarter, and access that is no longer needed is removed.
#   test_procedure: >-
#     For each quarter and in-scope system, obtain the access review campaign from the
#     evidence pack; compare its population with the accounts holding access-giving
#     memberships in the identity snapshots at its start; confirm that each account was
#     decided by its manager or the system owner with a reason before the campaign was
#     closed, and that each revoked account is absent or disabled in the first snapshots
#     after the grace period.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "COSO 2013 Principle 16 (monitoring activities)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
#   parameters:
#     revocation_grace_days:
#       type: integer
#       default: 5
#       description: >-
#         Days after a revoke decision by which the access must be gone from the identity
#         and membership snapshots.
package soxtrail.controls.access_review

import data.soxtrail.lib

control := "AC-03"

reviews := lib.list("access_reviews")

results contains lib.not_applicable("no quarter of an in-scope system in the input") if {
	count(reviews) == 0
}

results contains lib.result(q.subject, "fail", problems, []) if {
	some q in reviews
	count(problems) > 0
}

results contains lib.result(q.subject, "not_applicable", [msg], []) if {
	count(problems) == 0
	some q in reviews
	count(campaigns(q)) == 0
	not q.due == true
	msg := sprintf("no access review of %s for %s yet; it is due by %s", [q.system, q.quarter, lib.utc(q.end)])
}

results contains lib.result(q.subject, "fail", [msg], []) if {
	count(problems) == 0
	some q in reviews
	count(campaigns(q)) == 0
	q.due == true
	msg := sprintf("no access review campaign of %s for %s", [q.system, q.quarter])
}

results contains lib.result(q.subject, "pass", passes(q), evidence(q)) if {
	count(problems) == 0
	some q in reviews
	count(clean(q)) > 0
}

results contains lib.result(q.subject, "fail", lib.at_most(findings(q), 30), evidence(q)) if {
	count(problems) == 0
	some q in reviews
	count(campaigns(q)) > 0
	count(clean(q)) == 0
}

problems := lib.param_problems(control, {"revocation_grace_days": "integer"})

grace := lib.param(control, "revocation_grace_days") * 86400

campaigns(q) := q.campaigns if is_array(q.campaigns)

else := []

accounts(c) := c.accounts if is_array(c.accounts)

else := []

clean(q) := [c | some c in campaigns(q); count(campaign_problems(c)) == 0]

evidence(q) := lib.ids([c.evidence | some c in campaigns(q)])

findings(q) := [msg | some c in campaigns(q); some msg in campaign_problems(c)]

passes(q) := [msg |
	some c in clean(q)
	some msg in array.concat([summary(c)], pending(c))
]

summary(c) := sprintf("campaign %s reviewed %s (keep %d, modify %d, revoke %d); closed %s by %s", [
	c.id,
	lib.plural(count(accounts(c)), "account"),
	decided_as(c, "keep"), decided_as(c, "modify"), decided_as(c, "revoke"),
	lib.utc(c.closed_at), lib.person(object.get(c, "closed_by", null)),
])

decided_as(c, d) := count([a | some a in accounts(c); a.decision == d])

campaign_problems(c) := array.concat(
	array.concat(array.concat(not_closed(c), undecided(c)), array.concat(uncovered(c), unknown_population(c))),
	array.concat(array.concat(self_reviewed(c), not_assigned(c)), array.concat(no_reason(c), revocations(c))),
)

not_closed(c) := [sprintf("campaign %s was not closed (%d of %s undecided)", [c.id, count(undecided_accounts(c)), lib.plural(count(accounts(c)), "account")]) |
	not c.closed == true
]

undecided_accounts(c) := [a | some a in accounts(c); not is_string(object.get(a, "decision", null))]

undecided(c) := sort([sprintf("%s (reviewer %s) was not decided in %s", [a.account, lib.person(object.get(a, "reviewer", null)), c.id]) |
	some a in undecided_accounts(c)
])

covered(c) := {a.account | some a in accounts(c)}

population(c) := c.population if is_array(c.population)

else := []

uncovered(c) := sort([sprintf("%s had access when %s started but is not in the campaign", [acc, c.id]) |
	some acc in population(c)
	not acc in covered(c)
])

unknown_population(c) := sort([sprintf("no identity or membership snapshot of %s when %s started: its population is unknown", [p, c.id]) |
	is_array(c.missing_providers)
	some p in c.missing_providers
])

self_reviewed(c) := sort([sprintf("%s was decided by its own holder %s", [a.account, a.decided_by]) |
	some a in accounts(c)
	is_string(a.decided_by)
	a.decided_by == object.get(a, "person", null)
])

not_assigned(c) := sort([sprintf("%s was decided by %s, not its assigned reviewer %s", [a.account, a.decided_by, lib.person(object.get(a, "reviewer", null))]) |
	some a in accounts(c)
	is_string(a.decided_by)
	a.decided_by != object.get(a, "reviewer", null)
])

no_reason(c) := sort([sprintf("the decision on %s gives no reason", [a.account]) |
	some a in accounts(c)
	is_string(a.decision)
	trim_space(reason(a)) == ""
])

reason(a) := a.reason if is_string(a.reason)

else := ""

revoked(c) := [a | some a in accounts(c); a.decision == "revoke"]

after(a) := a.after if is_array(a.after)

else := []

deadline(a) := a.decided_at + grace

still_active(a) := [s | some s in after(a); s.at > deadline(a); s.has_access == true]

removed(a) := [s | some s in after(a); s.has_access == false]

revocations(c) := sort(array.concat(
	[sprintf("%s was revoked on %s but still had access on %s", [a.account, lib.utc(a.decided_at), lib.utc(s.at)]) |
		some a in revoked(c)
		count(still_active(a)) > 0
		s := still_active(a)[0]
	],
	[sprintf("%s was revoked on %s and no identity or membership snapshot since shows the access removed", [a.account, lib.utc(a.decided_at)]) |
		some a in revoked(c)
		count(still_active(a)) == 0
		count(removed(a)) == 0
		input.now > deadline(a)
	],
))

pending(c) := sort([sprintf("the revocation of %s is due by %s", [a.account, lib.utc(deadline(a))]) |
	some a in revoked(c)
	count(still_active(a)) == 0
	count(removed(a)) == 0
	input.now <= deadline(a)
])
