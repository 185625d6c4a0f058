package soxtrail.controls.independent_review_test

import data.soxtrail.controls.independent_review as cm02

params := {"CM-02": {"min_approvals": 1, "min_approvals_financial": 2}}

head := "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"

older := "1111111111111111111111111111111111111111"

change(reviews, financial) := {
	"subject": "acme/billing#42",
	"author": "alice@acme.example",
	"head_sha": head,
	"financial": financial,
	"committers": ["alice@acme.example", "erin@acme.example"],
	"reviews": reviews,
	"evidence": ["ev-pr"],
}

approval(who, commit) := {"reviewer": who, "state": "approved", "commit": commit, "evidence": concat("-", ["ev", who])}

input_for(crs) := {"params": params, "change_set": {"change_requests": crs}}

only(results) := r if {
	count(results) == 1
	some r in results
}

test_independent_approval_on_head_passes if {
	results := cm02.results with input as input_for([change([approval("bob@acme.example", head)], false)])
	r := only(results)
	r.result == "pass"
	r.subject == "acme/billing#42"
	"ev-bob@acme.example" in r.evidence
}

test_self_approval_fails if {
	results := cm02.results with input as input_for([change([approval("alice@acme.example", head)], false)])
	r := only(results)
	r.result == "fail"
	"approval by alice@acme.example is self-approval by the author" in r.reasons
}

test_co_committer_approval_fails if {
	results := cm02.results with input as input_for([change([approval("erin@acme.example", head)], false)])
	r := only(results)
	r.result == "fail"
	"approval by erin@acme.example does not count: they committed to the change" in r.reasons
}

test_stale_approval_fails if {
	results := cm02.results with input as input_for([change([approval("bob@acme.example", older)], false)])
	r := only(results)
	r.result == "fail"
	"approval by bob@acme.example was given on 1111111, not the final head 9f8e7d6" in r.reasons
}

test_financial_change_needs_two if {
	results := cm02.results with input as input_for([change([approval("bob@acme.example", head)], true)])
	r := only(results)
	r.result == "fail"
	r.reasons[0] == "1 independent approval(s) on the final head 9f8e7d6, 2 needed (touches financial paths)"
}

test_financial_change_with_two_passes if {
	results := cm02.results with input as input_for([change([approval("bob@acme.example", head), approval("carol@acme.example", head)], true)])
	r := only(results)
	r.result == "pass"
}

test_dismissed_approval_does_not_count if {
	dismissed := {"reviewer": "bob@acme.example", "state": "dismissed", "commit": head, "evidence": "ev-d"}
	results := cm02.results with input as input_for([change([dismissed], false)])
	r := only(results)
	r.result == "fail"
	"approval by bob@acme.example was dismissed" in r.reasons
}

test_unknown_reviewer_does_not_count if {
	results := cm02.results with input as input_for([change([{"reviewer": null, "state": "approved", "commit": head, "evidence": "ev-x"}], false)])
	r := only(results)
	r.result == "fail"
}

test_no_change_requests_is_not_applicable if {
	results := cm02.results with input as input_for([])
	r := only(results)
	r.subject == "*"
	r.result == "not_applicable"
}
