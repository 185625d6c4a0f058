# METADATA
# title: SSO and MFA
# description: >-
#   Every active account with access to the system (a membership matching the system's
#   `access` patterns, in any provider) signs in through single sign-on and has multi-factor
#   authentication. Accounts of an SSO identity provider (`sso_providers`, Okta by default)
#   are SSO accounts and need an active second factor themselves; accounts of other tools
#   need SSO (federated sign-in, or a provider listed in `sso_enforced_providers`) and then
#   rely on the identity provider's MFA, unless their own MFA is known to be off. Service
#   accounts (`[access] service_accounts`) are listed apart: they need an owner (a person
#   mapped to them in `[identities]`, else the system's owner), not SSO or MFA. An account
#   whose state is unknown, and an access-scoped provider with no snapshot at all, fail.
#   Accounts that are not active (suspended, deprovisioned, disabled, staged) are not
#   applicable.
# custom:
#   id: AC-01
#   short_name: sso_and_mfa
#   domain: logical_access
#   frequency: quarterly
#   risk: high
#   population: account
#   phases: [period]
#   evidence: [identity, membership, hr_record]
#   objective: >-
#     Only authenticated people reach in-scope systems: every human account signs in through
#     the company's identity provider with a second factor, and every machine account has an
#     accountable owner.
#   test_procedure: >-
#     Obtain the list of accounts with access to the system at the end of the period from the
#     identity provider and each tool; for each sampled active account, inspect its sign-in
#     method and enrolled factors and confirm SSO and an active second factor; for each
#     sampled service account, confirm that a named owner answers for it.
#   sox_refs:
#     - "COSO 2013 Principle 11 (technology general controls: security)"
#     - "PCAOB AS 2201 .B4 (IT general controls: access to programs and data)"
#     - "ITGC: Logical access - authentication"
#   parameters:
#     sso_providers:
#       type: array
#       default: ["okta"]
#       description: Providers that are the SSO identity provider; their accounts must have MFA.
#     sso_enforced_providers:
#       type: array
#       default: []
#       description: >-
#         Providers where sign-in is enforced through SSO (GitHub SAML SSO enforcement, AWS IAM
#         Identity Center); their accounts count as SSO accounts.
package soxtrail.controls.sso_and_mfa

import data.soxtrail.lib

control := "AC-01"

access := input.access if is_object(input.access)

else := {}

accounts := access.accounts if is_array(access.accounts)

else := []

missing := access.missing_providers if is_array(access.missing_providers)

else := []

when := lib.utc(object.get(access, "at", null))

system_name := object.get(object.get(input, "system", {}), "name", "the system")

results contains lib.not_applicable(msg) if {
	count(accounts) == 0
	count(missing) == 0
	object.get(access, "configured", false) != true
	msg := sprintf("%s has no access patterns configured ([[systems]] access)", [system_name])
}

results contains lib.not_applicable(msg) if {
	count(accounts) == 0
	count(missing) == 0
	object.get(access, "configured", false) == true
	msg := sprintf("no account has access to %s as of %s", [system_name, when])
}

results contains lib.result(sprintf("provider:%s", [p]), "fail", [msg], []) if {
	some p in missing
	msg := sprintf("no identity or membership snapshot of %s as of %s: the accounts with access through it are unknown", [p, when])
}

results contains lib.result(a.subject, "fail", problems, a.evidence) if {
	some a in accounts
	count(problems) > 0
}

results contains lib.result(a.subject, "fail", [msg], a.evidence) if {
	some a in accounts
	count(problems) == 0
	not is_string(object.get(a, "status", null))
	msg := sprintf("the status of %s is unknown (no account record in the %s snapshot)", [a.subject, a.provider])
}

results contains lib.result(a.subject, "not_applicable", [msg], a.evidence) if {
	some a in accounts
	count(problems) == 0
	is_string(a.status)
	a.status != "active"
	msg := sprintf("%s is %s: AC-01 covers active accounts", [a.subject, a.status])
}

results contains lib.result(a.subject, verdict, reasons, a.evidence) if {
	some a in accounts
	count(problems) == 0
	a.status == "active"
	a.service_account == true
	[verdict, reasons] := service_verdict(a)
}

results contains lib.result(a.subject, verdict, reasons, a.evidence) if {
	some a in accounts
	count(problems) == 0
	a.status == "active"
	object.get(a, "service_account", false) != true
	issues := array.concat(sso_issues(a), mfa_issues(a))
	[verdict, reasons] := human_verdict(a, issues)
}

problems := sort({sprintf("%s is misconfigured: parameter %s must be a list of provider names", [control, name]) |
	some name in ["sso_providers", "sso_enforced_providers"]
	not is_array(object.get(object.get(object.get(input, "params", {}), control, {}), name, null))
})

sso_providers := lib.param(control, "sso_providers")

sso_enforced := lib.param(control, "sso_enforced_providers")

service_verdict(a) := ["pass", [sprintf("service account owned by %s (exempt from SSO and MFA)", [a.owner])]] if {
	is_string(a.owner)
}

else := ["fail", [sprintf("service account %s has no owner: map it to a person in [identities] or set the system's owner", [a.subject])]]

human_verdict(a, issues) := ["fail", issues] if count(issues) > 0

else := ["pass", [sprintf("signs in through SSO (%s) with MFA (%s)", [sso_how(a), mfa_how(a)])]]

idp(a) if a.provider in sso_providers

sso_ok(a) if idp(a)

sso_ok(a) if a.provider in sso_enforced

sso_ok(a) if a.sso == true

sso_how(a) := sprintf("%s is the identity provider", [a.provider]) if idp(a)

else := sprintf("enforced for %s", [a.provider]) if a.provider in sso_enforced

else := "federated sign-in"

mfa_how(a) := lib.people(a.mfa_factors) if {
	a.mfa_enrolled == true
	count(object.get(a, "mfa_factors", [])) > 0
}

else := "enrolled" if a.mfa_enrolled == true

else := "the identity provider's"

sso_issues(a) := [] if sso_ok(a)

else := [sprintf("%s signs in with its own %s credentials, not through SSO", [a.subject, a.provider])] if a.sso == false

else := [sprintf("whether %s signs in through SSO is unknown", [a.subject])]

mfa_issues(a) := [] if a.mfa_enrolled == true

else := [sprintf("%s has no active MFA factor", [a.subject])] if a.mfa_enrolled == false

else := [] if {
	not idp(a)
	sso_ok(a)
}

else := [sprintf("the MFA enrolment of %s is unknown (no factor list read)", [a.subject])]
