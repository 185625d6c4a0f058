"""Audit search over the real corpus, ingested through the real adapters, on both engines.

Three sources are ingested: CloudTrail (stratus-red-team log files, as they are), Kubernetes
audit (falco trace files) and Vault audit (vault-guides log). The Kubernetes and Vault files
are the corpus files with their date moved to 2024-08-01 (one string replacement, nothing
else), so that one person acts in all three tools on one day. `[identities]` names that
person with one spelling per tool, in a case the tools do not use.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig

from soxtrail.config import load_config
from soxtrail.domain.errors import UsageError
from soxtrail.services import ledger as ledger_service
from soxtrail.services.search import SearchResult, build_query, search
from soxtrail.sources.registry import get_adapter
from soxtrail.store.database import MIGRATIONS
from soxtrail.store.evidence import get_raw_document
from tests.conftest import Workspace
from tests.helpers import corpus, parse_file

DAY = "2024-08-01"
PERSON = "chris@acme.example"
SPELLINGS = ("christophe", "Minikube-User", "token-lab-admins")
K8S_FILES = ("create_configmap_sensitive_values.json", "exec_pod.json")


def _moved(src: Path, dst: Path, old_day: str) -> Path:
    dst.write_bytes(src.read_bytes().replace(old_day.encode(), DAY.encode()))
    return dst


@pytest.fixture
def audit_ws(workspace: Workspace) -> Workspace:
    inputs = workspace.root / "inputs"
    (inputs / "k8s").mkdir(parents=True)
    k8s = [
        _moved(corpus(f"k8s-audit/falco-trace-files/{name}"), inputs / "k8s" / name, "2018-10-26")
        for name in K8S_FILES
    ]
    vault = _moved(
        corpus("vault-audit/vault-guides/vault-audit.log"), inputs / "vault.log", "2020-04-30"
    )
    workspace.ingest(get_adapter("cloudtrail"), corpus("aws-cloudtrail/stratus-red-team"))
    workspace.ingest(get_adapter("k8s-audit"), *k8s)
    workspace.ingest(get_adapter("vault-audit"), vault)
    config = workspace.root / "soxtrail.toml"
    text = config.read_text()
    spellings = ", ".join(f'"{s}"' for s in SPELLINGS)
    config.write_text(text.replace("[identities]", f'[identities]\n"{PERSON}" = [{spellings}]', 1))
    workspace.config = load_config(config, explicit=True, db_url=workspace.db_url)
    return workspace


def _search(ws: Workspace, **kwargs: object) -> SearchResult:
    options: dict[str, object] = {
        "actor": None,
        "resource": None,
        "on": None,
        "period": None,
        "identities": ws.config.model.identities,
        **kwargs,
    }
    return search(ws.db, build_query(**options))  # type: ignore[arg-type]


def _expected(ws: Workspace, actors: set[str], day: str) -> Counter[tuple[str, str, str]]:
    """(time, actor, action) of the audit events the adapters read for `actors` on `day`,
    straight from the files: the oracle the search must match."""
    inputs = ws.root / "inputs"
    files = [
        ("cloudtrail", p) for p in sorted(corpus("aws-cloudtrail/stratus-red-team").glob("*.json"))
    ]
    files += [("k8s-audit", inputs / "k8s" / name) for name in K8S_FILES]
    files += [("vault-audit", inputs / "vault.log")]
    out: Counter[tuple[str, str, str]] = Counter()
    for source, path in files:
        for parsed in parse_file(get_adapter(source), path):
            for record in parsed.records:
                if (
                    record.kind.value == "audit_event"
                    and record.actor in actors
                    and record.occurred_at.date().isoformat() == day
                ):
                    time = record.occurred_at.isoformat()
                    out[(time, str(record.actor), record.facts.action)] += 1  # type: ignore[attr-defined]
    return out


def test_a_person_on_a_day_gives_exactly_their_events_in_all_three_sources(
    audit_ws: Workspace,
) -> None:
    result = _search(audit_ws, actor=PERSON, on=DAY, limit=10_000)
    found = Counter((h.occurred_at.isoformat(), str(h.actor), h.action) for h in result.hits)
    assert found == _expected(audit_ws, {"christophe", "minikube-user", "token-lab-admins"}, DAY)
    by_source = Counter(h.source for h in result.hits)
    assert set(by_source) == {"cloudtrail", "k8s-audit", "vault-audit"}
    assert by_source["cloudtrail"] == 9  # christophe's nine calls of 1 August
    assert by_source["k8s-audit"] == 7  # six configmap creations, one pod exec
    assert not result.truncated and result.note is None
    times = [h.occurred_at for h in result.hits]
    assert times == sorted(times)


def test_no_hit_falls_outside_the_day(audit_ws: Workspace) -> None:
    day_before = _search(audit_ws, actor=PERSON, on="2024-07-31")
    assert [(h.source, h.action) for h in day_before.hits] == [
        ("cloudtrail", "cloudtrail.amazonaws.com:PutEventSelectors"),
        ("cloudtrail", "cloudtrail.amazonaws.com:StopLogging"),
    ]
    day_after = _search(audit_ws, actor=PERSON, on="2024-08-02")
    # christophe assumed a role at 08:29:59 and 08:30:00 on 2 August, never on 1 August.
    assert [h.occurred_at for h in day_after.hits] == [
        datetime(2024, 8, 2, 8, 29, 59, tzinfo=UTC),
        datetime(2024, 8, 2, 8, 30, tzinfo=UTC),
    ]
    start, end = datetime(2024, 8, 1, tzinfo=UTC), datetime(2024, 8, 2, tzinfo=UTC)
    assert all(start <= h.occurred_at < end for h in _search(audit_ws, actor=PERSON, on=DAY).hits)
    assert _search(audit_ws, actor=PERSON, on="2024-08-03").hits == []


def test_a_resource_on_a_day_exact_prefix_and_glob(audit_ws: Workspace) -> None:
    exact = _search(audit_ws, resource="default/my-config", on=DAY)
    assert [(h.source, h.actor, h.action) for h in exact.hits] == [
        ("k8s-audit", "minikube-user", "create")
    ] * 6
    role = "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd"
    prefix = _search(audit_ws, resource="arn:aws:iam::900138736586:role/*", on=DAY)
    assert [(h.source, h.resource, h.action) for h in prefix.hits] == [
        ("cloudtrail", role, "sts.amazonaws.com:AssumeRole")
    ] * 2
    glob = _search(audit_ws, resource="auth/userpass/users/lab-user-?", on=DAY)
    assert {h.resource for h in glob.hits} == {
        f"auth/userpass/users/lab-user-{i}" for i in range(1, 8)
    }
    assert {h.source for h in glob.hits} == {"vault-audit"}
    anywhere = _search(audit_ws, resource="*my-config", on=DAY)
    assert len(anywhere.hits) == 6
    assert _search(audit_ws, resource="default/my-config", on="2024-07-31").hits == []
    assert _search(audit_ws, resource="DEFAULT/MY-CONFIG", on=DAY).hits == []  # case-sensitive


def test_actor_resource_source_and_action_narrow_together(audit_ws: Workspace) -> None:
    both = _search(audit_ws, actor=PERSON, resource="default/*", on=DAY)
    assert {h.resource for h in both.hits} == {
        "default/my-config",
        "default/nginx-deployment-7998647bdf-phvq7",
    }
    only_vault = _search(audit_ws, actor=PERSON, on=DAY, sources=["vault-audit"], limit=10_000)
    assert only_vault.hits and {h.source for h in only_vault.hits} == {"vault-audit"}
    created = _search(audit_ws, actor=PERSON, on=DAY, action="iam.amazonaws.com:CreateUser")
    assert [(h.resource, h.outcome) for h in created.hits] == [("malicious-iam-user", "success")]


@pytest.mark.parametrize(
    "spelling", ["chris@acme.example", "CHRISTOPHE", "minikube-user", "Token-Lab-Admins"]
)
def test_any_spelling_finds_the_person_in_every_tool(audit_ws: Workspace, spelling: str) -> None:
    hits = _search(audit_ws, actor=spelling, on=DAY, limit=10_000).hits
    assert {h.actor for h in hits} == {"christophe", "minikube-user", "token-lab-admins"}


def test_an_unknown_actor_stands_for_itself(audit_ws: Workspace) -> None:
    root = _search(audit_ws, actor="root", on=DAY, limit=10_000).hits
    assert root and {(h.source, h.actor) for h in root} == {("vault-audit", "root")}
    assert _search(audit_ws, actor="nobody", on=DAY).hits == []


def test_the_limit_cuts_in_time_order_and_says_so(audit_ws: Workspace) -> None:
    full = _search(audit_ws, actor=PERSON, on=DAY, limit=10_000)
    cut = _search(audit_ws, actor=PERSON, on=DAY, limit=5)
    assert [h.record_id for h in cut.hits] == [h.record_id for h in full.hits[:5]]
    assert cut.truncated and cut.note is not None and "--limit" in cut.note
    document = cut.to_json()
    assert document["schema"] == 1 and document["truncated"] is True and document["count"] == 5


def test_each_hit_links_to_its_raw_document_and_ledger_entry(audit_ws: Workspace) -> None:
    hit = _search(audit_ws, actor=PERSON, on=DAY, action="iam.amazonaws.com:CreateUser").hits[0]
    with audit_ws.db.read() as conn:
        content, meta = get_raw_document(conn, hit.raw_sha256)
    assert b'"CreateUser"' in content and meta["source"] == "cloudtrail"
    proof = ledger_service.prove(audit_ws.db, hit.record_id)
    assert proof["index"] == hit.ledger_index


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"actor": PERSON, "on": "2024-13-01"}, "--on '2024-13-01'", id="bad-month"),
        pytest.param({"actor": PERSON, "on": "01/08/2024"}, "expected YYYY-MM-DD", id="bad-date"),
        pytest.param({"actor": PERSON, "period": "Q3"}, "period 'Q3'", id="bad-period"),
        pytest.param({"actor": PERSON, "on": DAY, "period": "2024"}, "not both", id="both"),
        pytest.param({}, "give --actor, --resource or both", id="neither"),
        pytest.param({"resource": "x", "limit": 0}, "--limit 0", id="bad-limit"),
    ],
)
def test_bad_queries_are_usage_errors(options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "actor": None,
        "resource": None,
        "on": None,
        "period": None,
        "identities": {},
        **options,
    }
    with pytest.raises(UsageError, match=message.replace("(", r"\(")) as caught:
        build_query(**arguments)  # type: ignore[arg-type]
    assert caught.value.exit_code == 2


def test_upgrading_a_store_from_0003_indexes_the_stored_audit_events(
    audit_ws: Workspace,
) -> None:
    before = _search(audit_ws, resource="default/my-config", on=DAY)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with audit_ws.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert audit_ws.db.current_revision() == "0003"
    audit_ws.db.upgrade()
    assert audit_ws.db.current_revision() == audit_ws.db.head_revision()
    after = _search(audit_ws, resource="default/my-config", on=DAY)
    assert [h.record_id for h in after.hits] == [h.record_id for h in before.hits]
    assert len(after.hits) == 6
    assert audit_ws.verify().ok


@pytest.mark.parametrize(
    ("pattern", "found"),
    [
        pytest.param("odd_name[1]%x", True, id="exact"),
        pytest.param("odd_name[1]%*", True, id="prefix"),
        pytest.param("odd?name[1]?x", True, id="question-marks"),
        pytest.param("*[1]%x", True, id="leading-star"),
        pytest.param("oddXname*", False, id="underscore-is-literal"),
        pytest.param("odd_name[1]x*", False, id="percent-is-literal"),
        pytest.param("odd_name1*", False, id="bracket-is-literal"),
    ],
)
def test_sql_wildcards_in_resources_are_literal(
    workspace: Workspace, pattern: str, found: bool
) -> None:
    event = json.loads(corpus("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json").read_text())
    event[0]["requestParameters"] = {"bucketName": "odd_name[1]%x"}
    workspace.ingest(get_adapter("cloudtrail"), workspace.write_json("odd.json", event))
    hits = _search(workspace, resource=pattern, on="2024-07-31").hits
    assert [h.resource for h in hits] == (["odd_name[1]%x"] if found else [])
