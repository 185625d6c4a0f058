# METADATA
# title: soxtrail shared helpers
# description: Helpers every control uses to build results in the shape of the contract.
package soxtrail.lib

# result builds one element of a control's `results` set.
result(subject, verdict, reasons, evidence) := {
	"subject": subject,
	"result": verdict,
	"reasons": reasons,
	"evidence": evidence,
}

# not_applicable is the single result of a control with no subjects in the input.
not_applicable(reason) := result("*", "not_applicable", [reason], [])

# short shortens a commit sha for messages.
short(sha) := substring(sha, 0, 7) if is_string(sha)

short(sha) := "(unknown)" if not is_string(sha)

# people renders a set or array of people for messages, sorted.
people(xs) := concat(", ", sort([x | some x in xs]))

# param reads a control's parameter from input.params.
param(control_id, name) := input.params[control_id][name]
