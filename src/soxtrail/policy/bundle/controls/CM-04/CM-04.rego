# METADATA
# title: Tested
# description: >-
#   The deployed commit has a successful CI run, the latest completed run of each of its
#   workflows succeeded (a failure fixed by a successful rerun counts as fixed), and its
#   test reports show no failures or errors. A test report is required unless
#   require_test_report is false; a failing report fails the control either way. Runs still
#   in progress are not evidence and are ignored; neutral and skipped conclusions are not
#   failures. Deployments to every environment are evaluated, not only production ones.
# custom:
#   id: CM-04
#   short_name: tested
#   domain: change_management
#   frequency: per_change
#   risk: high
#   population: deployment
#   phases: [gate, period]
#   evidence: [deployment, pipeline_run, test_report]
#   objective: >-
#     Only code that passed its automated tests reaches an environment of an in-scope system.
#   test_procedure: >-
#     For each sampled deployment, identify the deployed commit, inspect the CI runs recorded
#     for that exact commit and confirm that the latest run of each workflow succeeded; inspect
#     the test reports (JUnit) recorded for the commit and confirm that they report no failed
#     and no erroneous tests.
#   sox_refs:
#     - "COSO 2013 Principle 10 (control activities)"
#     - "COSO 2013 Principle 11 (technology general controls)"
#     - "PCAOB AS 2201 .B4 (IT general controls: program changes)"
#   parameters:
#     require_test_report:
#       type: boolean
#       default: true
#       description: Whether the deployed commit must have at least one test report.
package soxtrail.controls.tested

import data.soxtrail.lib

control := "CM-04"

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

# Conclusions that are not failures; a run without a conclusion has not completed.
harmless := {"success", "neutral", "skipped"}

completed_runs(d) := [r |
	some r in lib.list("runs")
	r.commit == d.commit
	is_string(r.conclusion)
]

reports(d) := [t | some t in lib.list("tests"); t.commit == d.commit]

# A run without a name is a workflow of its own; a run without a time is the oldest.
name_of(r) := object.get(r, "name", null)

at_of(r) := object.get(r, "at", 0)

workflows(d) := {name_of(r) | some r in completed_runs(d)}

latest(d, name) := [r |
	some r in completed_runs(d)
	name_of(r) == name
	at_of(r) == max({at_of(x) | some x in completed_runs(d); name_of(x) == name})
]

report_optional if lib.param(control, "require_test_report") == false

problems(d) := array.concat(
	lib.param_problems(control, {"require_test_report": "boolean"}),
	array.concat(run_problems(d), report_problems(d)),
)

run_problems(d) := [sprintf("no completed CI run for commit %s", [lib.short(d.commit)])] if {
	count(completed_runs(d)) == 0
}

else := array.concat(unsuccessful, failing) if {
	unsuccessful := [sprintf("no successful CI run for commit %s", [lib.short(d.commit)]) |
		not "success" in {r.conclusion | some r in completed_runs(d)}
	]
	failing := sort({msg |
		some name in workflows(d)
		some r in latest(d, name)
		not r.conclusion in harmless
		msg := sprintf("the latest %v run on %s concluded %s", [name, lib.short(d.commit), r.conclusion])
	})
}

report_problems(d) := array.concat(missing, failing) if {
	missing := [sprintf("no test report for commit %s", [lib.short(d.commit)]) |
		count(reports(d)) == 0
		not report_optional
	]
	failing := sort({msg |
		some t in reports(d)
		not clean(t)
		msg := sprintf("%v report on %s: %v failure(s) and %v error(s) in %v tests", [
			object.get(t, "tool", null), lib.short(d.commit),
			object.get(t, "failures", null), object.get(t, "errors", null), object.get(t, "tests", null),
		])
	})
}

clean(t) if {
	t.failures == 0
	t.errors == 0
}

passed(d) := array.concat(
	sort({sprintf("the latest %v run on %s concluded %s", [name, lib.short(d.commit), r.conclusion]) |
		some name in workflows(d)
		some r in latest(d, name)
	}),
	report_notes(d),
)

report_notes(d) := [sprintf("no test report for %s (not required: require_test_report is false)", [lib.short(d.commit)])] if {
	count(reports(d)) == 0
}

else := sort({sprintf("%s ran %v tests on %s with no failures or errors (%v skipped)", [t.tool, t.tests, lib.short(d.commit), object.get(t, "skipped", 0)]) |
	some t in reports(d)
})

evidence(d) := lib.ids(array.concat(
	[d.evidence],
	array.concat([r.evidence | some r in lib.list("runs"); r.commit == d.commit], [t.evidence | some t in reports(d)]),
))
