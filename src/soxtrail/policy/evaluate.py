"""Evaluate controls on one input and hold their answers to the contract (fail closed).

The engine's answer is only trusted where it keeps docs/policy-contract.md: one well-formed
result per subject of the control's population. Everything else becomes `error` with a
reason that says what was wrong: an undefined `results`, a missing or duplicate subject, an
unknown result value, an engine failure, a timeout. `error` never allows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from soxtrail.domain.results import ControlResult, Result
from soxtrail.policy.engine import Engine, EngineError
from soxtrail.policy.library import Library
from soxtrail.policy.metadata import ControlMeta

NO_SUBJECT = "*"
_ALLOWED = {"pass": Result.PASS, "fail": Result.FAIL, "not_applicable": Result.NOT_APPLICABLE}


def expected_subjects(meta: ControlMeta, document: Mapping[str, Any]) -> list[str]:
    """The subjects a control must report on, by its population (the contract's table)."""
    change_set = document.get("change_set") or {}
    population = meta.population
    if population == "change_request":
        return [cr["subject"] for cr in change_set.get("change_requests", [])]
    if population == "deployment":
        deployment = document.get("deployment")
        return [deployment["subject"]] if deployment else []
    if population == "push":
        return [p["subject"] for p in document.get("pushes", []) if p.get("protected")]
    if population == "commit_range":
        return [c["sha"] for c in change_set.get("commits", [])]
    if population == "iac_apply":
        return [i["subject"] for i in document.get("iac", [])]
    if population == "protection":
        return [p["subject"] for p in document.get("protection", [])]
    subjects = document.get("subjects", {}).get(population, [])
    return [str(s) for s in subjects]


def _error(meta: ControlMeta, subject: str, reason: str) -> ControlResult:
    return ControlResult(meta.id, subject, Result.ERROR, (reason,))


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _check(meta: ControlMeta, raw: Any, expected: Sequence[str]) -> list[ControlResult]:
    if raw is None:
        return [
            _error(meta, s, "the control's results are undefined") for s in expected or [NO_SUBJECT]
        ]
    if not isinstance(raw, list):
        return [
            _error(meta, s, "the control's results are not a set") for s in expected or [NO_SUBJECT]
        ]
    by_subject: dict[str, ControlResult] = {}
    broken: dict[str, str] = {}
    for element in raw:
        if not isinstance(element, dict) or not isinstance(element.get("subject"), str):
            broken[NO_SUBJECT if not expected else "?"] = f"malformed result {element!r}"
            continue
        subject = element["subject"]
        result = _ALLOWED.get(element.get("result"))  # type: ignore[arg-type]
        reasons = _strings(element.get("reasons", []))
        evidence = _strings(element.get("evidence", []))
        waived_by = _strings(element.get("waived_by", []))
        if subject in by_subject or subject in broken:
            broken[subject] = "more than one result for this subject"
            by_subject.pop(subject, None)
            continue
        if result is None:
            broken[subject] = f"unknown result {element.get('result')!r}"
        elif reasons is None or evidence is None or waived_by is None:
            broken[subject] = "reasons, evidence and waived_by must be lists of strings"
        elif result is not Result.PASS and not reasons:
            broken[subject] = f"a {result.value} result without a reason"
        elif waived_by and result is not Result.FAIL:
            broken[subject] = f"a {result.value} result names waivers (only a fail can be waived)"
        else:
            by_subject[subject] = ControlResult(
                meta.id, subject, result, reasons, evidence, waived_by=waived_by
            )
    out: list[ControlResult] = []
    wanted = list(expected) or [NO_SUBJECT]
    for subject in wanted:
        if subject in broken:
            out.append(_error(meta, subject, broken.pop(subject)))
        elif subject in by_subject:
            verdict = by_subject.pop(subject)
            if subject == NO_SUBJECT and verdict.result is not Result.NOT_APPLICABLE:
                verdict = _error(meta, subject, "no subjects, yet the control did not say n/a")
            out.append(verdict)
        else:
            out.append(_error(meta, subject, "the control gave no result for this subject"))
    out.extend(
        _error(meta, subject, "a result for a subject that is not in the input")
        for subject in [*by_subject, *broken]
    )
    return out


class EngineTimeoutError(EngineError):
    """The engine did not answer in time; it may still be busy with that evaluation."""


def _with_timeout(call: Callable[[], Any], deadline: float, timeout: float) -> Any:
    """`call()` on a thread of its own, waiting for its answer until `deadline` (monotonic).

    An engine cannot be interrupted: on a timeout the thread (a daemon) goes on until the
    engine returns, holding the engine, and its answer is thrown away.

    Raises:
        EngineTimeoutError: no answer by the deadline (`timeout` seconds after evaluation began).
    """
    answer: list[Any] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(call())
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run, name="policy-eval", daemon=True)
    worker.start()
    worker.join(max(deadline - time.monotonic(), 0.0))
    if worker.is_alive():
        raise EngineTimeoutError(f"the policy engine did not answer within {timeout:g} s")
    if failure:
        raise failure[0]
    return answer[0]


def evaluate_controls(
    engine: Engine,
    library: Library,
    document: Mapping[str, Any],
    controls: Sequence[ControlMeta],
    *,
    timeout: float = 10.0,
) -> list[ControlResult]:
    """Evaluate `controls` on `document`; one ControlResult per control and subject.

    1. Disabled controls are reported `not_applicable`, saying so.
    2. One engine call answers every control; if it fails, each control is evaluated
       alone so that one broken control does not hide the others' verdicts.
    3. All of it within `timeout` seconds of evaluation: past that, every control not yet
       answered is `error` (the engine, still busy, is not asked again). Compiling the
       policy (`Engine.prepare`: the query of every control, then, when needed, each
       control's own) does not count: its time depends on the policy alone, not on the
       input, and it evaluates no control. It has no bound of its own.
    4. Each control's answer is checked against the contract; what does not hold is `error`.
    """
    results: list[ControlResult] = []
    active = []
    for meta in controls:
        if library.enabled(meta):
            active.append(meta)
        else:
            results.append(
                ControlResult(
                    meta.id,
                    NO_SUBJECT,
                    Result.NOT_APPLICABLE,
                    (f"disabled in the configuration ([controls.{meta.id}] enabled = false)",),
                )
            )
    if not active:
        return results
    engine.prepare()
    deadline = time.monotonic() + timeout
    failures: dict[str, str] = {}
    try:
        answers: dict[str, Any] = _with_timeout(
            partial(engine.evaluate, document), deadline, timeout
        )
    except EngineTimeoutError as exc:
        # The engine is still busy with the slow evaluation and cannot be interrupted:
        # asking it about each control alone would wait for it. Every control is `error`.
        answers, failures = {}, {m.short_name: str(exc) for m in active}
    except EngineError:
        answers = {}
        for meta in active:
            if meta.short_name in failures:
                continue
            compiling = time.monotonic()
            engine.prepare(meta.package)
            deadline += time.monotonic() - compiling
            try:
                answers[meta.short_name] = _with_timeout(
                    partial(engine.evaluate_package, meta.package, document), deadline, timeout
                )
            except EngineTimeoutError as inner:
                # This control, and the ones not yet asked (the engine is busy), are `error`.
                asked = {*answers, *failures}
                failures.update(
                    {m.short_name: str(inner) for m in active if m.short_name not in asked}
                )
            except EngineError as inner:
                failures[meta.short_name] = str(inner)
    for meta in active:
        if meta.short_name in failures:
            subjects = expected_subjects(meta, document) or [NO_SUBJECT]
            results.extend(_error(meta, s, failures[meta.short_name]) for s in subjects)
    active = [m for m in active if m.short_name not in failures]
    for meta in active:
        results.extend(
            _check(meta, answers.get(meta.short_name), expected_subjects(meta, document))
        )
    return results
