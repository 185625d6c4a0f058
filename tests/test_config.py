from __future__ import annotations

import re
from pathlib import Path

import pytest

from soxtrail.config import load_config, parse_config
from soxtrail.domain.errors import ConfigError
from soxtrail.services.workspace import CONFIG_TEMPLATE

GOOD = """
[store]
url = "sqlite:///.soxtrail/soxtrail.db"

[ledger]
origin = "soxtrail.example/acme"
key_file = ".soxtrail/ledger.key"

[tickets]
patterns = ["[A-Z][A-Z0-9]+-[0-9]+", "CHG[0-9]{7}"]
approved_statuses = ["Approved"]

[signing]
allowed_signers_file = "allowed_signers"
gpg_public_keys = ["keys/release.asc"]

[identities]
"alice@acme.example" = ["alice", "alice-acme", "Alice Liddell <alice@acme.example>"]

[[systems]]
name = "billing"
repos = ["acme/billing"]
protected_branches = ["main"]
production_environments = ["production"]
financial_paths = ["src/ledger/**"]
require_signed_commits = true

[controls.CM-02]
min_approvals = 1
min_approvals_financial = 2

[controls.CM-05]
blocking_severity = "high"

[controls.CM-12]
enabled = false
"""


def test_design_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "soxtrail.toml"
    path.write_text(GOOD)
    config = load_config(path, explicit=True)
    billing = config.system("billing")
    assert billing.require_signed_commits
    assert billing.financial_paths.matches("src/ledger/post.py")
    assert config.identities.person_of("alice-acme") == "alice@acme.example"
    assert config.store_url == f"sqlite:///{tmp_path / '.soxtrail' / 'soxtrail.db'}"
    assert config.key_file == tmp_path / ".soxtrail" / "ledger.key"
    assert config.control_settings("CM-02")["min_approvals_financial"] == 2


def test_the_template_init_writes_is_valid() -> None:
    config = parse_config(CONFIG_TEMPLATE.format(origin="soxtrail.local/x"), path=None)
    assert config.origin == "soxtrail.local/x"


def test_the_templates_commented_examples_are_valid_too() -> None:
    """Uncommenting every example setting of the template gives a valid configuration."""
    setting = re.compile(r'^# (\[|[a-z_"][^ ]* = )')
    lines = [
        line[2:] if setting.match(line) else line
        for line in CONFIG_TEMPLATE.format(origin="soxtrail.local/x").splitlines()
    ]
    config = parse_config("\n".join(lines), path=None)
    billing = config.system("billing")
    assert billing.owner == "carol@acme.example"
    assert billing.privileged.matches("github", "acme/billing", "admin")
    assert [rule.name for rule in config.sod_rules] == ["author-and-deployer"]
    assert config.model.hr.columns["person"] == "Employee ID"


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        pytest.param(
            ("[store]", "[store]\ncolour = 'blue'"), "store.colour", "unknown key", id="unknown-key"
        ),
        pytest.param(
            ("[tickets]", "[tickets]\nfoo = 1"), "tickets.foo", "unknown key", id="unknown-key-2"
        ),
        pytest.param(
            ("require_signed_commits = true", "require_signed_commits = 'yes'"),
            "systems[0].require_signed_commits",
            "valid boolean",
            id="wrong-type",
        ),
        pytest.param(
            ('financial_paths = ["src/ledger/**"]', 'financial_paths = ["src/[ledger"]'),
            "systems[0].financial_paths",
            "bad glob 'src/[ledger': unclosed '['",
            id="bad-glob",
        ),
        pytest.param(
            ('patterns = ["[A-Z][A-Z0-9]+-[0-9]+", "CHG[0-9]{7}"]', 'patterns = ["(unclosed"]'),
            "tickets.patterns",
            "bad regular expression",
            id="bad-regex",
        ),
        pytest.param(
            ('repos = ["acme/billing"]', 'repos = ["billing"]'),
            "systems[0].repos",
            "owner/name",
            id="bad-repo",
        ),
        pytest.param(
            ("[controls.CM-12]", "[controls.cm12]"),
            "controls",
            "not a control id",
            id="bad-control-id",
        ),
        pytest.param(
            ('url = "sqlite:///.soxtrail/soxtrail.db"', 'url = "mysql://x"'),
            "store.url",
            "sqlite:///PATH",
            id="bad-url",
        ),
        pytest.param(
            ('origin = "soxtrail.example/acme"', 'origin = "two words"'),
            "ledger.origin",
            "without spaces",
            id="bad-origin",
        ),
    ],
)
def test_errors_name_file_key_and_problem(
    tmp_path: Path, edit: tuple[str, str], key: str, problem: str
) -> None:
    path = tmp_path / "soxtrail.toml"
    old, new = edit
    assert old in GOOD
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        load_config(path, explicit=True)
    error = info.value
    assert error.file == str(path)
    assert error.key == key
    assert problem in error.problem
    assert str(error).startswith(f"{path}: {key}: ")
    assert error.exit_code == 2


def test_toml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "soxtrail.toml"
    path.write_text("[store]\nurl = \n")
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_config(path, explicit=True)


def test_duplicate_system(tmp_path: Path) -> None:
    text = GOOD + '\n[[systems]]\nname = "billing"\nrepos = ["acme/other"]\n'
    with pytest.raises(ConfigError, match="defined twice"):
        parse_config(text, path=tmp_path / "x.toml")


def test_missing_default_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "soxtrail.toml", explicit=False)
    assert config.systems == ()
    assert config.store_url.startswith("sqlite:///")


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.toml", explicit=True)


def test_db_override_wins_and_is_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = parse_config(
        GOOD,
        path=tmp_path / "conf" / "soxtrail.toml",
        db_url="sqlite:///x.db",
        env_db="postgresql://ignored",
    )
    assert config.store_url == f"sqlite:///{tmp_path / 'x.db'}"
    config = parse_config(GOOD, path=None, env_db="postgresql://u@h/db")
    assert config.store_url == "postgresql://u@h/db"


def test_unknown_system_lists_known(tmp_path: Path) -> None:
    config = parse_config(GOOD, path=tmp_path / "soxtrail.toml")
    with pytest.raises(ConfigError, match="no system 'payroll' \\(known: billing\\)"):
        config.system("payroll")
