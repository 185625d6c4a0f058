# METADATA
# title: Integrity
# description: >-
#   The deployed commit is reachable from a protected branch (so it is the merged, approved
#   code), the change set it brings is fully known, and what runs in the environment matches
#   the last approved deployment: every environment snapshot in the input must match it and
#   no drift may be recorded. A deployment with no snapshot of its environment yet (the
#   usual case at the gate) is not failed for it.
# custom:
#   id: CM-07
#   short_name: integrity
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: deployment
#   phases: [gate, period]
#   evidence: [deployment, commit, environment_snapshot, drift]
#   objective: >-
#     What runs in production is exactly what was merged, approved and deployed through the
#     pipeline; unauthorized changes to production are detected.
#   test_procedure: >-
#     For each sampled deployment, confirm that the deployed commit is on a protected branch
#     and that the list of commits it brought is complete. Inspect the environment snapshots
#     taken after the deployment and confirm that every running workload's image digest and
#     commit equal those of the last approved deployment; investigate every recorded drift.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "COSO 2013 Principle 16 (monitoring activities)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
package soxtrail.controls.integrity

import data.soxtrail.lib

control := "CM-07"

results contains lib.not_applicable("no deployment in the input") if {
	not is_object(lib.deployment)
}

results contains lib.result(d.subject, "pass", passed(d), evidence(d)) if {
	d := lib.deployment
	is_object(d)
	count(problems(d)) == 0
}

results contains lib.result(d.subject, "fail", problems(d), evidence(d)) if {
	d := lib.deployment
	is_object(d)
	count(problems(d)) > 0
}

snapshots(d) := [s | some s in lib.list("snapshots"); s.environment == d.environment]

drift(d) := [x | some x in lib.list("drift"); x.environment == d.environment]

problems(d) := array.concat(array.concat(branch_problems(d), gap), array.concat(mismatches(d), drifts(d)))

branch_problems(d) := [] if d.on_protected_branch == true

else := [sprintf("commit %s is not on a protected branch (%s)", [lib.short(d.commit), concat(", ", sort({b | some b in input.system.protected_branches}))])]

gap := [] if lib.change_set_complete

else := [lib.change_set_gap]

mismatches(d) := sort({msg |
	some s in snapshots(d)
	object.get(s, "matches_last_deployment", null) != true
	msg := sprintf("the %v snapshot of %s does not match the last deployment: %s", [d.environment, lib.utc(object.get(s, "at", null)), differences(s)])
})

drifts(d) := sort({msg |
	some x in drift(d)
	msg := sprintf("drift in %v detected at %s: %s", [d.environment, lib.utc(object.get(x, "at", null)), differences(x)])
})

differences(x) := concat("; ", x.differences) if {
	is_array(x.differences)
	count(x.differences) > 0
}

else := "no differences recorded"

passed(d) := [sprintf("commit %s is on a protected branch and its change set is fully known", [lib.short(d.commit)]), snapshot_note(d)]

snapshot_note(d) := sprintf("no %v snapshot yet", [d.environment]) if count(snapshots(d)) == 0

else := sprintf("the %v snapshot of %s matches the last deployment", [d.environment, lib.utc(snapshots(d)[0].at)]) if {
	count(snapshots(d)) == 1
}

else := sprintf("all %d %v snapshots match the last deployment, the latest taken %s", [
	count(snapshots(d)), d.environment,
	lib.utc(max({s.at | some s in snapshots(d)})),
])

evidence(d) := lib.ids(array.concat(
	[d.evidence],
	array.concat([s.evidence | some s in snapshots(d)], [x.evidence | some x in drift(d)]),
))
