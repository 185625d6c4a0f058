"""Package rules: standard library + cryptography only (orjson optional in `canonical`), lazy
re-exports, stable error codes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import soxtrail.ledger
from soxtrail.ledger import errors

PACKAGE = Path(soxtrail.ledger.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.add(node.module or "")
    return names


#: Accelerators a module may import only inside `try: ... except ImportError:`, running the
#: same (to the byte) without them: an auditor's copy has the standard library and
#: cryptography only.
OPTIONAL = {"canonical.py": {"orjson"}}


def _optional_imports(path: Path) -> set[str]:
    """The modules imported in the body of a `try` whose handler catches ImportError."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Try) and any(
            isinstance(handler.type, ast.Name) and handler.type.id == "ImportError"
            for handler in node.handlers
        ):
            for statement in node.body:
                if isinstance(statement, ast.Import):
                    names.update(alias.name for alias in statement.names)
    return names


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_imports_only_stdlib_cryptography_and_itself(path: Path) -> None:
    optional = OPTIONAL.get(path.name, set()) & _optional_imports(path)
    for name in _imports(path):
        top = name.split(".")[0]
        allowed = (
            top in sys.stdlib_module_names
            or top == "cryptography"
            or name == "soxtrail.ledger"
            or name.startswith("soxtrail.ledger.")
            or name in optional
        )
        assert allowed, f"{path.name} imports {name}"


def test_pure_modules_do_not_load_cryptography() -> None:
    code = (
        "import sys; import soxtrail.ledger.merkle, soxtrail.ledger.canonical, "
        "soxtrail.ledger.verify, soxtrail.ledger.hashing; "
        "assert not any(m.startswith('cryptography') for m in sys.modules), 'loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lazy_reexports_resolve() -> None:
    for name in soxtrail.ledger.__all__:
        assert getattr(soxtrail.ledger, name) is not None
    with pytest.raises(AttributeError):
        _ = soxtrail.ledger.no_such_name


def test_error_codes_are_stable_and_distinct() -> None:
    kinds = [
        errors.LedgerError,
        errors.VerificationError,
        errors.FormatError,
        errors.OutOfRangeError,
    ]
    assert [kind.code for kind in kinds] == [
        "ledger.error",
        "ledger.verification_failed",
        "ledger.malformed_input",
        "ledger.out_of_range",
    ]
    error = errors.VerificationError("root mismatch")
    assert str(error) == error.message == "root mismatch"
    assert isinstance(error, errors.LedgerError)
