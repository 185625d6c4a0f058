"""The built-in control library: its catalogue, its hygiene, its digest and the golden decision.

1. The library loads (every METADATA block is valid) and holds exactly CM-01..CM-12, with the
   short names, populations, phases, frequencies, risks and parameters of DESIGN §4.
2. Every control has a `_test.rego` with enough tests, and no non-test module calls a
   built-in whose answer depends on the machine or the network (time, net, http, ...).
3. The policy digest follows the policy modules, not the tests.
4. The golden "clean change": a realistic gate input on which every control passes or is not
   applicable.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.kinds import Kind
from soxtrail.domain.results import Result
from soxtrail.policy.engine import OpaEngine, make_engine
from soxtrail.policy.engine import test_rules as rego_test_rules
from soxtrail.policy.evaluate import evaluate_controls
from soxtrail.policy.library import BUILTIN_BUNDLE, Library, Module, load_library

FIXTURES = Path(__file__).parent / "fixtures"
GATE_INPUT_CLEAN = FIXTURES / "gate_input_clean.json"

# id: (short_name, population, frequency, risk, {parameter: (type, default)})
CATALOGUE: dict[str, tuple[str, str, str, str, dict[str, tuple[str, Any]]]] = {
    "CM-01": ("traceable_change", "commit_range", "per_change", "high", {}),
    "CM-02": (
        "independent_review",
        "change_request",
        "per_change",
        "high",
        {"min_approvals": ("integer", 1), "min_approvals_financial": ("integer", 2)},
    ),
    "CM-03": ("authorized_change", "change_request", "per_change", "high", {}),
    "CM-04": (
        "tested",
        "deployment",
        "per_change",
        "high",
        {"require_test_report": ("boolean", True)},
    ),
    "CM-05": (
        "scanned",
        "deployment",
        "per_change",
        "high",
        {"blocking_severity": ("string", "high"), "require_scan": ("boolean", True)},
    ),
    "CM-06": (
        "pipeline_deployment",
        "deployment",
        "per_change",
        "high",
        {"require_manual_approval": ("boolean", True)},
    ),
    "CM-07": ("integrity", "deployment", "per_change", "high", {}),
    "CM-08": ("no_history_rewrite", "push", "per_change", "high", {}),
    "CM-09": ("signed_commits", "deployment", "per_change", "medium", {}),
    "CM-10": (
        "emergency_change",
        "change_request",
        "per_change",
        "high",
        {"window_business_days": ("integer", 2)},
    ),
    "CM-11": (
        "infrastructure_change",
        "iac_apply",
        "per_change",
        "medium",
        {"blocking_severity": ("string", "high")},
    ),
    "CM-12": (
        "repository_protection",
        "protection",
        "daily",
        "medium",
        {
            "min_required_approvals": ("integer", 1),
            "require_status_checks": ("boolean", True),
            "require_enforce_admins": ("boolean", True),
        },
    ),
    "AC-01": (
        "sso_and_mfa",
        "account",
        "quarterly",
        "high",
        {"sso_providers": ("array", ["okta"]), "sso_enforced_providers": ("array", [])},
    ),
    "AC-02": ("leavers", "leaver", "quarterly", "high", {"window_business_days": ("integer", 1)}),
    "AC-05": ("segregation_of_duties", "sod", "quarterly", "high", {}),
    "AC-03": (
        "access_review",
        "access_review",
        "quarterly",
        "high",
        {"revocation_grace_days": ("integer", 5)},
    ),
    "AC-04": (
        "time_bound_privileged_access",
        "privileged_access",
        "per_change",
        "high",
        {"max_hours": ("integer", 12)},
    ),
    "AC-06": ("access_provisioning", "grant", "per_change", "high", {}),
    "AC-07": (
        "secrets_management",
        "secret",
        "quarterly",
        "high",
        {"max_age_days": ("integer", 90), "require_secret_scan": ("boolean", True)},
    ),
    "OP-01": (
        "audit_logging",
        "log_source",
        "daily",
        "high",
        {"retention_days": ("integer", 365), "sources": ("array", [])},
    ),
    "OP-02": (
        "backups_and_recovery",
        "backup",
        "quarterly",
        "high",
        {"max_days_between_backups": ("integer", 1)},
    ),
}
# The access and operations controls run over periods only.
GATE_CONTROLS = {cid for cid in CATALOGUE if cid.startswith("CM-")}

# Built-ins whose answers depend on the clock, the network, randomness or the host: controls
# get instants and facts from the input instead (docs/policy-contract.md, ADR 0002).
BANNED = re.compile(r"(?<![\w.])(?:(?:time|net|http|crypto|rand|io)\.|opa\.runtime\b)")
_STRINGS_AND_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')


def banned_calls(text: str) -> list[str]:
    """Banned built-in references in Rego source, ignoring comments and string literals."""
    code = _STRINGS_AND_COMMENTS.sub(lambda m: " " * len(m.group()), text)
    return [m.group() for m in BANNED.finditer(code)]


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


@pytest.fixture(scope="module")
def engine(library: Library) -> OpaEngine:
    return OpaEngine(library)


def test_library_holds_exactly_the_catalogue(library: Library) -> None:
    assert {m.id: m.short_name for m in library.controls} == {
        cid: entry[0] for cid, entry in CATALOGUE.items()
    }


@pytest.mark.parametrize("control_id", sorted(CATALOGUE))
def test_control_metadata_matches_the_catalogue(library: Library, control_id: str) -> None:
    short_name, population, frequency, risk, parameters = CATALOGUE[control_id]
    meta = library.control(control_id)
    assert meta.package == f"soxtrail.controls.{short_name}"
    assert meta.path.as_posix() == f"builtin/controls/{control_id}/{control_id}.rego"
    assert (meta.population, meta.frequency, meta.risk) == (population, frequency, risk)
    gate = control_id in GATE_CONTROLS
    assert meta.phases == (("gate", "period") if gate else ("period",))
    domains = {"CM": "change_management", "AC": "logical_access", "OP": "operations"}
    assert meta.domain == domains[control_id[:2]]
    assert {n: (p.type, p.default) for n, p in meta.parameters.items()} == parameters
    assert all(p.description for p in meta.parameters.values())
    assert set(meta.evidence) <= {k.value for k in Kind}, "evidence names unknown kinds"
    assert meta.title and meta.description and meta.objective and meta.test_procedure
    assert meta.sox_refs


def _module(library: Library, name: str) -> Module | None:
    return next((m for m in library.modules if m.name == name), None)


@pytest.mark.parametrize("control_id", sorted(CATALOGUE))
def test_every_control_has_rego_tests(library: Library, control_id: str) -> None:
    meta = library.control(control_id)
    tests = _module(library, f"builtin/controls/{control_id}/{control_id}_test.rego")
    assert tests is not None, f"{control_id} has no {control_id}_test.rego"
    assert tests.is_test
    assert tests.package == f"{meta.package}_test"
    assert len(rego_test_rules([tests])) >= 4


@pytest.mark.parametrize(
    ("source", "found"),
    [
        pytest.param("x := time.now_ns()", ["time."], id="time"),
        pytest.param("r := http.send({})", ["http."], id="http"),
        pytest.param("ok if net.cidr_contains(a, b)", ["net."], id="net"),
        pytest.param("v := opa.runtime().env", ["opa.runtime"], id="opa-runtime"),
        pytest.param('n := rand.intn("k", 9)', ["rand."], id="rand"),
        pytest.param(
            "c := crypto.sha256(x)\nj := io.jwt.decode(t)", ["crypto.", "io."], id="crypto-io"
        ),
        pytest.param("# no time.* built-ins here", [], id="comment"),
        pytest.param('msg := "at an unknown time. net.x"', [], id="string"),
        pytest.param("t := input.time.start", [], id="input-field"),
    ],
)
def test_banned_builtin_scan(source: str, found: list[str]) -> None:
    assert banned_calls(source) == found


def test_policy_modules_call_no_banned_builtin(library: Library) -> None:
    offenders = {m.name: calls for m in library.policy_modules if (calls := banned_calls(m.text))}
    assert offenders == {}


def test_policy_digest_follows_policy_modules_not_tests(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(BUILTIN_BUNDLE, bundle)
    original = load_library(builtin=bundle).digest
    assert original == load_library().digest
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", original)

    tests = bundle / "controls" / "CM-04" / "CM-04_test.rego"
    tests.write_text(tests.read_text("utf-8") + "\ntest_extra if true\n", "utf-8")
    assert load_library(builtin=bundle).digest == original

    control = bundle / "controls" / "CM-04" / "CM-04.rego"
    control.write_text(control.read_text("utf-8") + "\n# a comment is a change too\n", "utf-8")
    changed = load_library(builtin=bundle).digest
    assert changed != original

    helpers = bundle / "lib" / "soxtrail" / "lib.rego"
    helpers.write_text(helpers.read_text("utf-8").replace("... and %d more", "+%d more"), "utf-8")
    assert load_library(builtin=bundle).digest not in (original, changed)


def _gate_input() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(GATE_INPUT_CLEAN.read_text("utf-8"))
    return document


def test_clean_gate_input_carries_the_default_parameters(library: Library) -> None:
    # Every input carries every control's parameters (inputs.py, period.py): the defaults here.
    assert _gate_input()["params"] == library.all_params()


def test_clean_change_passes_every_control(library: Library, engine: OpaEngine) -> None:
    """The golden "clean change" decision: nothing fails, nothing errs."""
    gate = [m for m in library.controls if "gate" in m.phases]
    results = evaluate_controls(engine, library, _gate_input(), gate)
    verdicts = {(r.control_id, r.subject): r.result for r in results}
    not_applicable = {("CM-10", "acme/billing#41"), ("CM-10", "acme/billing#42"), ("CM-11", "*")}
    assert {key for key, result in verdicts.items() if result is not Result.PASS} == not_applicable
    assert all(verdicts[key] is Result.NOT_APPLICABLE for key in not_applicable)
    assert {cid for cid, _ in verdicts} == GATE_CONTROLS
    assert len(results) == len(verdicts) == 19
    assert all(r.reasons for r in results)
    assert all(r.evidence for r in results if r.result is Result.PASS)


def test_input_without_evidence_is_not_applicable_everywhere(
    library: Library, engine: OpaEngine
) -> None:
    """Absent parts of the input are n/a with a reason, never an undefined result."""
    document = {
        key: value
        for key, value in _gate_input().items()
        if key in ("schema", "phase", "now", "params", "system", "environment")
    }
    results = evaluate_controls(engine, library, document, library.controls)
    assert {(r.control_id, r.subject, r.result) for r in results} == {
        (m.id, "*", Result.NOT_APPLICABLE) for m in library.controls
    }


@pytest.mark.parametrize("control_id", sorted(CATALOGUE))
def test_null_parts_of_the_input_are_not_applicable(
    library: Library, engine: OpaEngine, control_id: str
) -> None:
    """The contract's `null` forms (no change set, no deployment) are n/a with a reason."""
    document = _gate_input() | {
        "change_set": None,
        "deployment": None,
        "pushes": [],
        "iac": [],
        "protection": [],
    }
    meta = library.control(control_id)
    results = evaluate_controls(engine, library, document, [meta])
    assert [(r.subject, r.result) for r in results] == [("*", Result.NOT_APPLICABLE)]
    assert results[0].reasons


def test_the_gate_compiles_its_controls_and_the_helpers_alone(library: Library) -> None:
    gate = library.phase_controls("gate")
    assert {m.id for m in gate} == GATE_CONTROLS
    names = {m.name for m in library.modules_for(gate)}
    assert names == {m.path.as_posix() for m in gate} | {"builtin/lib/soxtrail/lib.rego"}


def _user_controls(tmp_path: Path, **bodies: str) -> Library:
    """The built-in library plus user controls `UX-01..` whose rule bodies are given."""
    for number, (short_name, body) in enumerate(bodies.items(), start=1):
        control_id = f"UX-{number:02d}"
        (tmp_path / f"{control_id}.rego").write_text(
            "# METADATA\n# title: A user control\n# custom:\n"
            f"#   id: {control_id}\n#   short_name: {short_name}\n"
            "#   domain: change_management\n#   frequency: per_change\n"
            "#   population: deployment\n#   phases: [gate]\n#   evidence: [deployment]\n"
            "#   objective: x\n#   test_procedure: x\n#   sox_refs: [x]\n"
            f"package soxtrail.controls.{short_name}\n\n{body}\n",
            "utf-8",
        )
    return load_library([tmp_path])


@pytest.mark.parametrize(
    ("body", "pulled_in"),
    [
        pytest.param("results := data.soxtrail.lib.x", set(), id="helpers-only"),
        pytest.param(
            "results := data.soxtrail.controls.leavers.results", {"AC-02"}, id="another-control"
        ),
        pytest.param(
            "import data.soxtrail.controls.leavers as ac02\nresults := ac02.results",
            {"AC-02"},
            id="imported-control",
        ),
        pytest.param(
            '# data.soxtrail.controls[x] in a comment\nresults := {"data.soxtrail": 1}',
            set(),
            id="comment-and-string",
        ),
    ],
)
def test_a_subset_brings_the_controls_its_modules_refer_to(
    tmp_path: Path, body: str, pulled_in: set[str]
) -> None:
    library = _user_controls(tmp_path, user_check=body)
    mine = library.control("UX-01")
    modules = {m.package for m in library.modules_for([mine])}
    controls = {m.id for m in library.controls if m.package in modules}
    assert controls == {"UX-01"} | pulled_in
    assert "soxtrail.lib" in modules


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("results := data.soxtrail.controls[name].results", id="computed-name"),
        pytest.param("import data.soxtrail.controls\nresults := 1", id="the-controls-root"),
        pytest.param('results := data["soxtrail"]', id="quoted-key"),
        pytest.param("everything := data", id="the-data-root"),
    ],
)
def test_a_reference_the_text_cannot_resolve_compiles_everything(tmp_path: Path, body: str) -> None:
    library = _user_controls(tmp_path, user_check=body)
    assert library.modules_for([library.control("UX-01")]) == library.policy_modules


def test_a_control_outside_the_compiled_subset_is_an_error_not_a_pass(
    library: Library,
) -> None:
    """An engine compiled for the gate has no period control: asked for one, it answers
    nothing, and the contract makes that `error`."""
    engine = make_engine(library, controls=library.phase_controls("gate"))
    leavers = library.control("AC-02")
    results = evaluate_controls(engine, library, _gate_input(), [leavers])
    assert [(r.result, r.reasons) for r in results] == [
        (Result.ERROR, ("the control's results are undefined",))
    ]
