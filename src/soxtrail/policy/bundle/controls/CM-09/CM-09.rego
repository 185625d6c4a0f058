# METADATA
# title: Signed commits
# description: >-
#   In systems that require signed commits, every commit of a deployment's change set
#   carries a good signature (GPG, SSH or gitsign) from a trusted key ([signing] in the
#   configuration). A merge or squash commit made by the forge counts when it carries a good
#   signature by the forge's key, which the input marks as trusted. The change set must be
#   fully known: commits that soxtrail has not seen cannot be shown to be signed.
# custom:
#   id: CM-09
#   short_name: signed_commits
#   domain: change_management
#   frequency: per_change
#   risk: medium
#   population: deployment
#   phases: [gate, period]
#   evidence: [deployment, commit]
#   objective: >-
#     Every change deployed to a system that requires it is attributable to a known person
#     (or to the forge that merged it) by a cryptographic signature, so that authorship cannot
#     be forged.
#   test_procedure: >-
#     For each sampled deployment of a system that requires signed commits, list the commits
#     between the previously deployed and the deployed commit and verify each one's signature
#     (for example with `git verify-commit`) against the trusted keys in the configuration,
#     and the forge's key for merge commits made by the forge.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
package soxtrail.controls.signed_commits

import data.soxtrail.lib

control := "CM-09"

results contains lib.not_applicable("no deployment in the input") if {
	not is_object(lib.deployment)
}

results contains lib.result(d.subject, "not_applicable", [reason], lib.ids([d.evidence])) if {
	d := lib.deployment
	is_object(d)
	not input.system.require_signed_commits == true
	reason := sprintf("signed commits are not required for %v", [object.get(object.get(input, "system", {}), "name", null)])
}

results contains lib.result(d.subject, "not_applicable", ["the change set brings no commits"], evidence(d)) if {
	d := lib.deployment
	is_object(d)
	input.system.require_signed_commits == true
	count(problems) == 0
	count(lib.commits) == 0
}

results contains lib.result(d.subject, "pass", passed, evidence(d)) if {
	d := lib.deployment
	is_object(d)
	input.system.require_signed_commits == true
	count(problems) == 0
	count(lib.commits) > 0
}

results contains lib.result(d.subject, "fail", problems, evidence(d)) if {
	d := lib.deployment
	is_object(d)
	input.system.require_signed_commits == true
	count(problems) > 0
}

gap := [] if lib.change_set_complete

else := [lib.change_set_gap]

# offences says, in change set order, why each commit that is not validly signed fails.
offences := [sprintf("%s %s by %s %s", [kind(c), lib.short(object.get(c, "sha", null)), lib.person(object.get(c, "author", null)), why(object.get(c, "signature", null))]) |
	some c in lib.commits
	not valid(object.get(c, "signature", null))
]

valid(signature) if {
	signature.status == "good"
	signature.trusted == true
}

kind(c) := "forge merge commit" if c.forge_merge == true

else := "commit"

why(signature) := "is unsigned" if not is_object(signature)

else := "has a bad signature" if signature.status == "bad"

else := sprintf("has a signature with status %v, not good", [object.get(signature, "status", null)]) if {
	not signature.status == "good"
}

else := sprintf("is signed by %s with a key that is not trusted (%v)", [lib.person(object.get(signature, "signer", null)), object.get(signature, "format", null)])

problems := array.concat(gap, listed)

listed := [] if count(offences) == 0

else := array.concat(
	[sprintf("%d of %d commit(s) of the change set are not validly signed", [count(offences), count(lib.commits)])],
	lib.at_most(offences, 5),
)

passed := array.concat(
	[sprintf("every commit of the change set (%d) carries a good signature from a trusted key", [count(lib.commits)])],
	[sprintf("including %s signed by the forge", [lib.plural(n, "forge merge commit")]) |
		n := count([c | some c in lib.commits; c.forge_merge == true])
		n > 0
	],
)

evidence(d) := lib.ids(array.concat([d.evidence], [c.evidence | some c in lib.commits]))
