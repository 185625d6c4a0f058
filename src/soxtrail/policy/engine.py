"""Rego engines behind one small interface (docs/adr/0002-policy-engine.md).

`OpaEngine` embeds real OPA (the Go implementation, through `opa-golib-python-bindings`) and
is the engine soxtrail runs: it is the reference semantics of Rego and evaluates a control
set in about a millisecond. `RegoCppEngine` (regopy, Microsoft's rego-cpp) can be chosen with
`[policy] engine = "rego-cpp"`, but it fails our golden decision tests (wrong strings from
`concat` over sets, unescaped quotes in its JSON output, wrong answers and crashes under
`with`), so it is not recommended; the ADR lists what we measured.

Both compile the library once and answer one query per evaluation: the `results` of every
control package, keyed by short name. A package whose `results` is undefined is simply absent
from the answer; the caller turns that into `error` (fail closed).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from soxtrail.domain.errors import SoxtrailError
from soxtrail.policy.library import Library, Module
from soxtrail.policy.metadata import ControlMeta

#: Every control package's results, by short name (packages without results are absent).
RESULTS_QUERY = "x := {name: r | some name; r := data.soxtrail.controls[name].results}"
#: An input for which OPA compiles a guarded query (`_guarded`) and evaluates no control.
_PREPARE_ONLY = {"soxtrail_prepare_only": True}
_TEST_RULE = re.compile(r"^(test_[A-Za-z0-9_]+)\b", re.MULTILINE)


class EngineError(SoxtrailError):
    """The policy engine failed: compilation, a runtime error, or an unreadable answer."""

    code = "policy_engine"
    exit_code = 3

    def __init__(self, message: str) -> None:
        # Engines dump whole syntax trees into their errors: keep what a person can read.
        first = message.strip().splitlines()[0] if message.strip() else message
        super().__init__(first if len(first) <= 300 else first[:297] + "...")
        self.detail = message


@dataclass(frozen=True)
class RegoTest:
    package: str
    name: str
    module: str
    passed: bool
    message: str = ""


class Engine(Protocol):
    name: str

    def evaluate(self, input_document: Mapping[str, Any]) -> dict[str, Any]:
        """Results of every control package for one input (see RESULTS_QUERY)."""
        ...

    def evaluate_package(self, package: str, input_document: Mapping[str, Any]) -> Any:
        """`data.<package>.results` alone (used to isolate a failing control)."""
        ...

    def prepare(self, package: str | None = None) -> None:
        """Compile what `evaluate` (or `evaluate_package(package)`) needs, evaluating no
        control; blocks until done (also behind a compile already running in the
        background), and does nothing the second time. A policy that does not compile is
        left for the evaluation to meet (and fail closed). Evaluation timeouts start after
        it (`evaluate_controls`)."""
        ...

    def run_tests(self) -> list[RegoTest]:
        """Run every `test_*` rule of every test module; a test passes when it is `true`."""
        ...


def test_rules(modules: Sequence[Module]) -> list[tuple[Module, str]]:
    """Every `test_*` rule head in the test modules, in file order, without repeats."""
    found: list[tuple[Module, str]] = []
    for module in modules:
        if not module.is_test:
            continue
        seen: set[str] = set()
        for name in _TEST_RULE.findall(module.text):
            if name not in seen:
                seen.add(name)
                found.append((module, name))
    return found


class RegoCppEngine:
    """Evaluates with regopy (rego-cpp). Thread-safe through a lock; compiled once."""

    name = "rego-cpp"

    def __init__(
        self,
        library: Library,
        *,
        include_tests: bool = False,
        modules: Sequence[Module] | None = None,
    ) -> None:
        from regopy import Interpreter, RegoError

        self._error = RegoError
        self._library = library
        self._lock = threading.Lock()
        self._interpreter = Interpreter()
        if modules is None:
            modules = library.modules if include_tests else library.policy_modules
        try:
            for module in modules:
                self._interpreter.add_module(module.name, module.text)
            self._bundle = self._interpreter.build(RESULTS_QUERY)
        except RegoError as exc:
            raise EngineError(f"the policy library does not compile: {exc}") from exc
        if not self._bundle.ok():
            raise EngineError(f"the policy library does not compile: {self._bundle.node}")
        self._modules = modules

    @staticmethod
    def _value(output: Any, *, binding: str | None) -> Any:
        text = str(output)
        if text.strip() == "undefined":
            return _UNDEFINED
        if not output.ok():
            raise EngineError(f"evaluation failed: {text}")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EngineError(f"unreadable engine output: {text[:200]}") from exc
        if binding is not None:
            bindings = document.get("bindings") or {}
            return bindings.get(binding, _UNDEFINED)
        expressions = document.get("expressions") or []
        return expressions[0] if expressions else _UNDEFINED

    def evaluate(self, input_document: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            try:
                self._interpreter.set_input_term(json.dumps(input_document))
                output = self._interpreter.query_bundle(self._bundle)
            except self._error as exc:
                raise EngineError(f"evaluation failed: {exc}") from exc
            value = self._value(output, binding="x")
        if value is _UNDEFINED or not isinstance(value, dict):
            raise EngineError("the results query was undefined")
        return value

    def evaluate_package(self, package: str, input_document: Mapping[str, Any]) -> Any:
        with self._lock:
            try:
                self._interpreter.set_input_term(json.dumps(input_document))
                output = self._interpreter.query(f"data.{package}.results")
            except self._error as exc:
                raise EngineError(f"evaluation of {package} failed: {exc}") from exc
            value = self._value(output, binding=None)
        return None if value is _UNDEFINED else value

    def prepare(self, package: str | None = None) -> None:
        """Nothing to do: the results query is built with the engine (per-package queries
        are not prepared ahead by rego-cpp)."""

    def run_tests(self) -> list[RegoTest]:
        """Refused: Rego unit tests rely on `with input as`, which crashes rego-cpp."""
        raise EngineError(
            "rego-cpp cannot run Rego unit tests (`with input as` crashes it); use the opa engine"
        )


class OpaEngine:
    """Evaluates with real OPA embedded through `opa-golib-python-bindings` (optional)."""

    name = "opa"

    def __init__(
        self, library: Library, *, modules: Sequence[Module] | None = None, warm: bool = False
    ) -> None:
        """Compile `modules` (default: every policy module of the library).

        OPA compiles the modules with each query it prepares (the bulk of the cost, about
        0.2 s for the gate's controls), and keeps the prepared query by its text. Every
        query is guarded (`_guarded`) so that `prepare` can compile it on an input that
        evaluates no control: a control slow to evaluate never slows the compile.

        Args:
            warm: `prepare` the results query on a thread of its own, so that it compiles
                while the caller reads the store; the first evaluation (or `prepare`) waits
                for it. Errors are left for that evaluation to meet.
        """
        try:
            from opa_bindings import OpaEngine as _Opa
            from opa_bindings import OpaError
        except ImportError as exc:  # pragma: no cover - depends on the optional wheel
            raise EngineError(
                "the OPA engine is not installed: run `pip install --ignore-requires-python "
                "opa-golib-python-bindings==0.4.4` (see docs/adr/0002-policy-engine.md)"
            ) from exc
        self._error = OpaError
        self._factory = _Opa
        self._library = library
        self._lock = threading.Lock()
        self._prepared: set[str] = set()
        # Decisions compile the policy modules only: the unit tests double the compile time
        # of every process that gates. `run_tests` compiles them on an engine of its own.
        self._engine = self._compiled(library.policy_modules if modules is None else modules)
        if warm:
            threading.Thread(target=self._warm, name="policy-compile", daemon=True).start()

    def _warm(self) -> None:
        self.prepare()

    def prepare(self, package: str | None = None) -> None:
        query = _guarded(RESULTS_QUERY if package is None else _package_query(package))
        with self._lock:
            if query in self._prepared:
                return
            self._prepared.add(query)
            # An error here is left alone: the evaluation meets it, and fails closed.
            with contextlib.suppress(self._error):
                self._engine.eval_query(query, input=_PREPARE_ONLY)

    def _compiled(self, modules: Sequence[Module]) -> Any:
        engine = self._factory()
        try:
            for module in modules:
                engine.add_policy(module.name, module.text)
        except self._error as exc:
            raise EngineError(f"the policy library does not compile: {exc}") from exc
        return engine

    def evaluate(self, input_document: Mapping[str, Any]) -> dict[str, Any]:
        with self._lock:
            try:
                rows = self._engine.eval_query(_guarded(RESULTS_QUERY), input=dict(input_document))
            except self._error as exc:
                raise EngineError(f"evaluation failed: {exc}") from exc
        if not rows or not isinstance(rows[0].get("x"), dict):
            raise EngineError("the results query was undefined")
        value: dict[str, Any] = rows[0]["x"]
        return value

    def evaluate_package(self, package: str, input_document: Mapping[str, Any]) -> Any:
        with self._lock:
            try:
                rows = self._engine.eval_query(
                    _guarded(_package_query(package)), input=dict(input_document)
                )
            except self._error as exc:
                raise EngineError(f"evaluation of {package} failed: {exc}") from exc
        return rows[0]["x"] if rows else None

    def run_tests(self) -> list[RegoTest]:
        """Each test package is evaluated whole, once (its document holds the value of every
        rule that is defined; an undefined test is absent from it): one query per package
        instead of one per test, each of which OPA prepares anew. A package whose evaluation
        fails is run test by test, so that each failing test gets its own error."""
        outcomes = []
        engine = self._compiled(self._library.modules)
        documents: dict[str, dict[str, Any] | None] = {}
        for module, rule in test_rules(self._library.modules):
            package = module.package
            if package not in documents:
                documents[package] = self._package_document(engine, package)
            document = documents[package]
            if document is not None:
                value = document.get(rule, _UNDEFINED)
            else:
                with self._lock:
                    try:
                        rows = engine.eval_query(f"x := data.{package}.{rule}")
                    except self._error as exc:
                        outcomes.append(RegoTest(package, rule, module.name, False, str(exc)))
                        continue
                value = rows[0]["x"] if rows else _UNDEFINED
            passed = value is True
            # (`!r` in the f-string would apply to the whole conditional: "got 'undefined'".)
            shown = "undefined" if value is _UNDEFINED else repr(value)
            message = "" if passed else f"got {shown}"
            outcomes.append(RegoTest(package, rule, module.name, passed, message))
        return outcomes

    def _package_document(self, engine: Any, package: str) -> dict[str, Any] | None:
        """`data.<package>` evaluated, or None when its evaluation fails."""
        with self._lock:
            try:
                rows = engine.eval_query(f"x := data.{package}")
            except self._error:
                return None
        value = rows[0]["x"] if rows else None
        return value if isinstance(value, dict) else None


def _package_query(package: str) -> str:
    return f"x := data.{package}.results"


def _guarded(query: str) -> str:
    """`query`, undefined on the `_PREPARE_ONLY` input: evaluating it on that input compiles
    it (OPA keeps it prepared, by its text, for every input) and evaluates no control. An
    input of ours never has that key; one that had it would get no results: `error`."""
    return f"not input.soxtrail_prepare_only; {query}"


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


_UNDEFINED: Any = _Undefined()


ENGINES = ("opa", "rego-cpp")


def make_engine(
    library: Library,
    name: str = "opa",
    *,
    controls: Collection[ControlMeta] | None = None,
    warm: bool = False,
) -> Engine:
    """The engine called `name`: `opa` (the default) or `rego-cpp`.

    Args:
        controls: compile only what these controls need (`Library.modules_for`): the gate
            compiles its twelve controls, not the period's; evaluating another control on
            this engine gives an undefined result, which is `error`. Default: every control.
        warm: OPA only: finish compiling in the background (see `OpaEngine`).
    """
    modules = None if controls is None else library.modules_for(controls)
    if name == "opa":
        return OpaEngine(library, modules=modules, warm=warm)
    if name == "rego-cpp":
        return RegoCppEngine(library, modules=modules)
    raise EngineError(f"unknown policy engine {name!r} (known: {', '.join(ENGINES)})")
