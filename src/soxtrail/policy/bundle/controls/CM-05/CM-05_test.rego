package soxtrail.controls.scanned_test

import data.soxtrail.controls.scanned as cm05

deployed := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

other := "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

deployment := {
	"subject": "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432",
	"repo": "acme/billing",
	"commit": deployed,
	"environment": "production",
	"production": true,
	"evidence": ["ev-deploy"],
}

finding(severity, rule, location) := {
	"rule_id": rule,
	"severity": severity,
	"fingerprint": concat(":", [rule, location]),
	"suppressed": false,
	"waived": false,
	"waiver": null,
	"location": location,
}

scan(commit, tool, findings) := {"commit": commit, "tool": tool, "findings": findings, "evidence": concat("-", ["ev-sarif", tool])}

sql_injection := finding("high", "py/sql-injection", "src/billing/report.py:12")

input_for(scans, severity, require_scan) := {
	"schema": 1,
	"phase": "gate",
	"params": {"CM-05": {"blocking_severity": severity, "require_scan": require_scan}},
	"deployment": deployment,
	"scans": scans,
}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_scan_without_blocking_findings_passes if {
	scans := [scan(deployed, "CodeQL", [finding("medium", "py/weak-hash", "src/x.py:3")]), scan(deployed, "Trivy", [])]
	results := cm05.results with input as input_for(scans, "high", true)
	r := only(results)
	r.subject == "acme/billing@9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
	r.result == "pass"
	r.reasons == ["CodeQL, Trivy scanned 9f8e7d6: no open finding at or above high"]
	r.evidence == ["ev-deploy", "ev-sarif-CodeQL", "ev-sarif-Trivy"]
}

test_high_finding_fails if {
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [sql_injection])], "high", true)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"1 blocking finding(s) at or above high on 9f8e7d6",
		"high py/sql-injection at src/billing/report.py:12 (CodeQL)",
	]
}

test_critical_finding_listed_first_fails if {
	findings := [sql_injection, finding("critical", "py/code-injection", "src/billing/eval.py:7")]
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", findings)], "high", true)
	r := only(results)
	r.result == "fail"
	r.reasons == [
		"2 blocking finding(s) at or above high on 9f8e7d6",
		"critical py/code-injection at src/billing/eval.py:7 (CodeQL)",
		"high py/sql-injection at src/billing/report.py:12 (CodeQL)",
	]
}

test_more_than_five_findings_are_counted_fails if {
	findings := [finding("high", "py/sql-injection", sprintf("src/billing/q%d.py:1", [i])) | some i in numbers.range(1, 7)]
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", findings)], "high", true)
	r := only(results)
	r.result == "fail"
	count(r.reasons) == 7
	r.reasons[0] == "7 blocking finding(s) at or above high on 9f8e7d6"
	r.reasons[1] == "high py/sql-injection at src/billing/q1.py:1 (CodeQL)"
	r.reasons[6] == "... and 2 more"
}

test_lower_threshold_blocks_medium_fails if {
	scans := [scan(deployed, "Semgrep", [finding("medium", "py/weak-hash", "src/x.py:3"), finding("low", "py/assert", "src/y.py:1")])]
	results := cm05.results with input as input_for(scans, "medium", true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["1 blocking finding(s) at or above medium on 9f8e7d6", "medium py/weak-hash at src/x.py:3 (Semgrep)"]
}

waived_by(f, waiver) := object.union(f, {"waived": true, "waiver": waiver})

test_waived_finding_fails_for_the_waiver_step_naming_finding_and_waiver if {
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [waived_by(sql_injection, "W-0a1b2c3d4e")])], "high", true)
	r := only(results)
	r.result == "fail"
	r.waived_by == ["W-0a1b2c3d4e"]
	r.reasons == [
		"1 blocking finding(s) at or above high on 9f8e7d6, each covered by a waiver",
		"high py/sql-injection at src/billing/report.py:12 (CodeQL), waived by W-0a1b2c3d4e",
	]
}

test_findings_waived_by_two_waivers_name_both_fails if {
	findings := [
		waived_by(sql_injection, "W-0a1b2c3d4e"),
		waived_by(finding("critical", "py/path-injection", "src/a.py:1"), "W-9f8e7d6c5b"),
		waived_by(finding("high", "py/sql-injection", "src/b.py:2"), "W-0a1b2c3d4e"),
	]
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", findings)], "high", true)
	r := only(results)
	r.result == "fail"
	r.waived_by == ["W-0a1b2c3d4e", "W-9f8e7d6c5b"]
	r.reasons[0] == "3 blocking finding(s) at or above high on 9f8e7d6, each covered by a waiver"
	r.reasons[1] == "critical py/path-injection at src/a.py:1 (CodeQL), waived by W-9f8e7d6c5b"
}

test_open_finding_beside_a_waived_one_fails_with_no_waiver if {
	findings := [waived_by(sql_injection, "W-0a1b2c3d4e"), finding("high", "py/xss", "src/c.py:3")]
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", findings)], "high", true)
	r := only(results)
	r.result == "fail"
	not "waived_by" in object.keys(r)
	r.reasons == ["1 blocking finding(s) at or above high on 9f8e7d6", "high py/xss at src/c.py:3 (CodeQL)"]
}

test_waived_finding_below_the_threshold_passes if {
	low := waived_by(finding("medium", "py/weak-hash", "src/x.py:3"), "W-0a1b2c3d4e")
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [low])], "high", true)
	r := only(results)
	r.result == "pass"
	not "waived_by" in object.keys(r)
}

test_waived_flag_without_a_waiver_id_still_blocks_fails if {
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [object.union(sql_injection, {"waived": true})])], "high", true)
	r := only(results)
	r.result == "fail"
	not "waived_by" in object.keys(r)
}

test_suppressed_and_waived_finding_is_suppressed_passes if {
	both := object.union(waived_by(sql_injection, "W-0a1b2c3d4e"), {"suppressed": true})
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [both])], "high", true)
	r := only(results)
	r.result == "pass"
	r.reasons == ["CodeQL scanned 9f8e7d6: no open finding at or above high", "1 blocking finding suppressed"]
}

test_suppressed_findings_pass if {
	suppressed := [object.union(sql_injection, {"suppressed": true}), object.union(finding("critical", "py/x", "a.py:1"), {"suppressed": true})]
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", suppressed)], "high", true)
	r := only(results)
	r.result == "pass"
	"2 blocking findings suppressed" in r.reasons
}

test_finding_of_unknown_severity_does_not_block_passes if {
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [finding("note", "py/todo", "a.py:1")])], "low", true)
	r := only(results)
	r.result == "pass"
}

test_finding_on_another_commit_is_ignored_fails if {
	results := cm05.results with input as input_for([scan(other, "CodeQL", [sql_injection])], "high", true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["no scan results for commit 9f8e7d6"]
	r.evidence == ["ev-deploy"]
}

test_no_scan_not_required_passes if {
	results := cm05.results with input as input_for([], "high", false)
	r := only(results)
	r.result == "pass"
	r.reasons == ["no scan results for 9f8e7d6 (not required: require_scan is false)"]
}

test_blocking_finding_fails_even_when_scan_not_required if {
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [sql_injection])], "high", false)
	r := only(results)
	r.result == "fail"
}

test_unknown_blocking_severity_fails if {
	results := cm05.results with input as input_for([scan(deployed, "CodeQL", [])], "severe", true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["CM-05 is misconfigured: parameter blocking_severity must be one of critical, high, medium, low"]
}

test_no_deployment_is_not_applicable if {
	results := cm05.results with input as object.remove(input_for([], "high", true), {"deployment"})
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}

test_blocking_finding_with_missing_fields_still_fails if {
	results := cm05.results with input as input_for([{"commit": deployed, "findings": [{"severity": "critical"}], "evidence": "ev-sarif-x"}], "high", true)
	r := only(results)
	r.result == "fail"
	r.reasons == ["1 blocking finding(s) at or above high on 9f8e7d6", "critical null at null (null)"]
}
