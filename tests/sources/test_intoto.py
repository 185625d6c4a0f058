"""The in-toto / SLSA provenance adapter on every corpus attestation, built envelopes and
broken variants."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.facts import ProvenanceFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.framing import InputSource, frame
from soxtrail.sources.intoto import ADAPTER
from tests.helpers import CORPUS, FIXTURES, corpus, parse_file, records_of

EPOCH = "1970-01-01T00:00:00.000000Z"
SHA = "0123456789abcdef0123456789abcdef01234567"
V01 = "https://in-toto.io/Statement/v0.1"
V1 = "https://in-toto.io/Statement/v1"
SLSA_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_V1 = "https://slsa.dev/provenance/v1"
BARE = FIXTURES / "intoto" / "statement_v1_bare_two_subjects.intoto.json"


# (file, statement, predicate, subject name, sha256, builder, build type, source uri,
#  commit, ref, invocation, envelope, occurred_at, repo, locator, run link)
ATTESTATIONS = [
    pytest.param(
        "attestations/github-artifact-attestation/github_provenance_demo.bundle.jsonl",
        (V1, SLSA_V1),
        (
            "github_provenance_demo-0.0.12-py3-none-any.whl",
            "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b",
        ),
        (
            "https://github.com/actions/runner/github-hosted",
            "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
        ),
        (
            "git+https://github.com/actions/attest-demo@refs/heads/main",
            "a6c23b9806c593664f68637c8f9d45dfcf98b2db",
            "refs/heads/main",
        ),
        "https://github.com/actions/attest-demo/actions/runs/8788389601/attempts/1",
        (
            "sigstore-bundle",
            EPOCH,
            "actions/attest-demo",
            "/dsseEnvelope/payload",
            "github:8788389601",
        ),
        id="github-attestation-bundle-v0.3",
    ),
    pytest.param(
        "attestations/github-artifact-attestation/reusable-workflow.sigstore.json",
        (V1, SLSA_V1),
        (
            "github_provenance_demo-0.0.0-py3-none-any.whl",
            "49a3aa6075e0f49f82843e74b5baa614ad2a588e6675612bf108a0a008c5ac25",
        ),
        (
            "https://github.com/actions/runner/github-hosted",
            "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
        ),
        (
            "git+https://github.com/malancas/attest-demo@refs/heads/main",
            "95baf27389e83e6a5c48f42e190d48d7abcea19e",
            "refs/heads/main",
        ),
        "https://github.com/malancas/attest-demo/actions/runs/9228858953/attempts/1",
        (
            "sigstore-bundle",
            "2024-05-24T19:14:24.000000Z",
            "malancas/attest-demo",
            "/dsseEnvelope/payload",
            "github:9228858953",
        ),
        id="github-reusable-workflow-tlog-time",
    ),
    pytest.param(
        "attestations/slsa-verifier/bare-dsse-envelope.slsa-v0.2.intoto.jsonl",
        (V01, SLSA_V02),
        ("binary-linux-amd64", "4bdb495d05cbb9eb0722ec4fcfef8a02d5ca7a2fca0b0fed718447f89d39a589"),
        (
            "https://github.com/asraa/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/heads/malicious",
            "https://github.com/slsa-framework/slsa-github-generator/go@v1",
        ),
        (
            "git+https://github.com/asraa/slsa-on-github-test@refs/heads/main",
            "06f43f769174a538bf9ea44723d9c6c25ba4278d",
            "refs/heads/main",
        ),
        "2530941975-1",
        ("dsse", EPOCH, "asraa/slsa-on-github-test", "/payload", None),
        id="bare-dsse-slsa-v0.2",
    ),
    pytest.param(
        "attestations/slsa-verifier/bcr-MODULE.bazel.statement-v1.slsa-v1.jsonl",
        (V1, SLSA_V1),
        ("MODULE.bazel", "06ce330900a7d6403bc8d88e5dfad6aeeb8ae40179f66bb89e69c8bf6f6b1a0b"),
        (
            "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1",
            "https://actions.github.io/buildtypes/workflow/v1",
        ),
        (
            "git+https://github.com/aspect-build/rules_lint@refs/heads/publish-to-bcr",
            "8f70009fde0c94ade6ce2a054b94718c819126ec",
            "refs/heads/publish-to-bcr",
        ),
        "https://github.com/aspect-build/rules_lint/actions/runs/14095611671/attempts/1",
        (
            "sigstore-bundle",
            "2025-03-26T23:47:30.000000Z",
            "aspect-build/rules_lint",
            "/dsseEnvelope/payload",
            "github:14095611671",
        ),
        id="bcr-bundle-slsa-v1",
    ),
    pytest.param(
        "attestations/slsa-verifier/gcb-container-provenance-v0.3.json",
        (V01, "https://slsa.dev/provenance/v0.1"),
        (
            "https://us-west2-docker.pkg.dev/gosst-scare-sandbox/quickstart-docker-repo/quickstart-image:v39",
            "f472ca4b68898c951ac3b476cba919d0d56fca4ced631fabcead51e4b2b690e7",
        ),
        (
            "https://cloudbuild.googleapis.com/GoogleHostedWorker@v0.3",
            "https://cloudbuild.googleapis.com/CloudBuildYaml@v0.1",
        ),
        (
            "https://github.com/laurentsimon/gcb-tests",
            "01ce393d04eb6df2a7b2b3e95d4126e687afb7ae",
            None,
        ),
        "11f6c682-3451-4f72-ac2a-8e386eab66af",
        (
            "dsse",
            "2022-09-06T17:54:22.169342Z",
            "laurentsimon/gcb-tests",
            "/provenance_summary/provenance/0/envelope/payload",
            None,
        ),
        id="gcloud-build-provenance-slsa-v0.1",
    ),
    pytest.param(
        "attestations/slsa-verifier/gha_container-based-v2.1.0.slsa-v1.sigstore-bundle.json",
        (V01, SLSA_V1),
        (
            "gha_container-based-binary-linux-amd64-v14",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_container-based_slsa3.yml@refs/tags/v2.1.0",
            "https://slsa.dev/container-based-build/v0.1?draft",
        ),
        (
            "git+https://github.com/slsa-framework/example-package@refs/tags/v14",
            "4d329c75e7ec1725f7c9ce917a8799d408d06be3",
            "refs/tags/v14",
        ),
        "https://github.com/slsa-framework/example-package/actions/runs/13530999509/attempts/1",
        (
            "sigstore-bundle",
            "2025-02-25T21:11:49.000000Z",
            "slsa-framework/example-package",
            "/dsseEnvelope/payload",
            "github:13530999509",
        ),
        id="container-based-statement-v0.1-slsa-v1",
    ),
    pytest.param(
        "attestations/slsa-verifier/gha_generic-v2.1.0-push-v14.slsa-v0.2.sigstore-bundle.jsonl",
        (V01, SLSA_V02),
        (
            "gha_generic-binary-linux-amd64-v14",
            "376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa",
        ),
        (
            "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0",
            "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
        ),
        (
            "git+https://github.com/slsa-framework/example-package@refs/tags/v14",
            "4d329c75e7ec1725f7c9ce917a8799d408d06be3",
            "refs/tags/v14",
        ),
        "13530999509-1",
        (
            "sigstore-bundle",
            "2025-02-25T21:12:17.000000Z",
            "slsa-framework/example-package",
            "/dsseEnvelope/payload",
            None,
        ),
        id="generic-generator-bundle-slsa-v0.2",
    ),
]


@pytest.mark.parametrize(
    ("relative", "types", "artifact", "builder", "source", "invocation", "where"), ATTESTATIONS
)
def test_attestation(
    relative: str,
    types: tuple[str, str],
    artifact: tuple[str, str],
    builder: tuple[str, str],
    source: tuple[str, str, str | None],
    invocation: str,
    where: tuple[str, str, str, str, str | None],
) -> None:
    (record,) = records_of(ADAPTER, corpus(relative))
    facts = record.facts
    assert isinstance(facts, ProvenanceFacts)
    assert record.kind is Kind.PROVENANCE
    assert (facts.statement_type, facts.predicate_type) == types
    name, sha256 = artifact
    assert facts.subjects == ({"name": name, "sha256": sha256},)
    assert (facts.builder_id, facts.build_type) == builder
    assert (facts.source_uri, facts.source_commit, facts.source_ref) == source
    assert facts.invocation_id == invocation
    envelope, occurred_at, repo, locator, run = where
    assert (facts.envelope, facts.signed) == (envelope, True)
    assert record.subject == f"sha256:{sha256}"
    assert record.to_json()["occurred_at"] == occurred_at
    assert (record.repo, record.commit, record.locator) == (repo, source[1], locator)
    expected_links = [("artifact", f"sha256:{sha256}"), ("commit", source[1])]
    if run is not None:
        expected_links.append(("run", run))
    assert record.links == tuple(expected_links)


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        (
            "attestations/in-toto-links/package.2f89b927.link",
            (
                "in-toto link metadata of step 'package': a v0.9 link, not a statement about "
                "built artifacts; not used by any control"
            ),
        ),
        (
            "attestations/in-toto-links/write-code.776a00e2.link",
            (
                "in-toto link metadata of step 'write-code': a v0.9 link, not a statement about "
                "built artifacts; not used by any control"
            ),
        ),
        (
            "attestations/in-toto-links/demo.layout.template.json",
            "an in-toto layout: a supply-chain policy, not evidence of a build",
        ),
    ],
    ids=["link-package", "link-write-code", "layout"],
)
def test_links_and_layouts_are_ignored(relative: str, reason: str) -> None:
    (parsed,) = parse_file(ADAPTER, corpus(relative))
    assert (parsed.records, parsed.ignored) == ((), reason)


def test_bare_statement_with_several_subjects() -> None:
    (record,) = records_of(ADAPTER, BARE)
    facts = record.facts
    tar = "5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269"
    sbom = "a3f5c1d2e4b6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b4c6d8"
    commit = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d"
    assert facts.subjects == (
        {"name": "billing-api.tar", "sha256": tar},
        {"name": "billing-api.sbom.json", "sha256": sbom},
        {"name": "billing-api.tar", "sha256": tar},
    )
    assert (facts.signed, facts.envelope) == (False, None)
    assert (facts.source_uri, facts.source_commit, facts.source_ref) == (
        "git+https://github.com/acme/billing@refs/heads/main",
        commit,
        "refs/heads/main",
    )
    assert record.subject == f"sha256:{tar}"
    assert record.links == (
        ("artifact", f"sha256:{tar}"),
        ("artifact", f"sha256:{sbom}"),
        ("commit", commit),
        ("run", "github:123456789"),
    )
    assert (record.repo, record.commit, record.locator) == ("acme/billing", commit, "")
    assert record.to_json()["occurred_at"] == "2026-07-14T09:58:12.000000Z"


def test_hints_win_over_the_statement_but_its_commit_stays_linked() -> None:
    hints = {"repo": "acme/billing-fork", "commit": SHA, "run": "github:1"}
    (record,) = records_of(ADAPTER, BARE, hints)
    commit = "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d"
    assert (record.repo, record.commit) == ("acme/billing-fork", SHA)
    assert record.facts.source_commit == commit
    assert ("commit", commit) in record.links
    assert [link for link in record.links if link[0] == "run"] == [
        ("run", "github:1"),
        ("run", "github:123456789"),
    ]
    assert record.subject.startswith("sha256:5e2bf57d")


def _b64(value: Any) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


def _statement() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BARE.read_text())
    return loaded


def _write(tmp_path: Path, name: str, *documents: Any) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(d) for d in documents) + "\n")
    return path


def test_dsse_lines_of_a_jsonl_file(tmp_path: Path) -> None:
    spdx = {**_statement(), "predicateType": "https://spdx.dev/Document", "predicate": {}}
    signed = {
        "payloadType": "application/vnd.in-toto+json",
        "payload": _b64(spdx),
        "signatures": [{"keyid": "k", "sig": "c2ln"}],
    }
    unsigned = {
        "payloadType": "application/vnd.in-toto+json",
        "payload": _b64(_statement()),
        "signatures": [{"keyid": "k", "sig": ""}],
    }
    other = {"payloadType": "application/vnd.cyclonedx+json", "payload": _b64({}), "signatures": []}
    path = _write(tmp_path, "three.intoto.jsonl", signed, unsigned, other)
    first, second, third = parse_file(ADAPTER, path)
    (sbom,) = first.records
    facts = sbom.facts
    assert isinstance(facts, ProvenanceFacts)
    assert facts.predicate_type == "https://spdx.dev/Document"
    assert (facts.builder_id, facts.source_commit, sbom.repo) == (None, None, None)
    assert (facts.signed, facts.envelope, sbom.locator) == (True, "dsse", "/payload")
    (provenance,) = second.records
    assert isinstance(provenance.facts, ProvenanceFacts)
    assert provenance.facts.signed is False
    assert third.records == ()
    assert third.ignored == (
        "a DSSE envelope of 'application/vnd.cyclonedx+json', not an in-toto statement"
    )


def test_url_safe_base64_payload(tmp_path: Path) -> None:
    payload = base64.urlsafe_b64encode(json.dumps(_statement()).encode()).decode().rstrip("=")
    envelope = {"payloadType": "application/vnd.in-toto+json", "payload": payload, "signatures": []}
    (record,) = records_of(ADAPTER, _write(tmp_path, "urlsafe.json", envelope))
    assert record.facts.builder_id == "https://github.com/actions/runner/github-hosted"


def test_message_signature_bundle_is_ignored(tmp_path: Path) -> None:
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": "k"}},
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256", "digest": "AA=="},
            "signature": "AA==",
        },
    }
    (parsed,) = parse_file(ADAPTER, _write(tmp_path, "blob.sigstore.json", bundle))
    assert parsed.ignored == "a Sigstore bundle of a message signature carries no in-toto statement"


def _bundle_variant(tmp_path: Path, change: Any) -> Path:
    """The corpus bundle with its statement changed, written back as one long JSON line
    (longer than the framing's NDJSON sniffing window, so it is one plain document)."""
    source = corpus("attestations/github-artifact-attestation/reusable-workflow.sigstore.json")
    bundle = json.loads(source.read_text())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    change(statement)
    bundle["dsseEnvelope"]["payload"] = _b64(statement)
    return _write(tmp_path, source.name, bundle)


BROKEN_STATEMENTS = [
    pytest.param(
        lambda s: s.pop("subject"),
        "/dsseEnvelope/payload/subject",
        "missing required key",
        id="no-subject",
    ),
    pytest.param(
        lambda s: s.update(subject=[]),
        "/dsseEnvelope/payload/subject",
        "a statement needs at least one subject",
        id="empty-subject",
    ),
    pytest.param(
        lambda s: s["subject"][0].update(digest={}),
        "/dsseEnvelope/payload/subject/0/digest",
        "a subject needs at least one digest",
        id="empty-digest",
    ),
    pytest.param(
        lambda s: s["subject"][0]["digest"].update(sha256=12),
        "/dsseEnvelope/payload/subject/0/digest/sha256",
        "expected a string, got integer 12",
        id="digest-number",
    ),
    pytest.param(
        lambda s: s.update(_type="https://example.com/Statement/v1"),
        "/dsseEnvelope/payload/_type",
        "expected an in-toto Statement _type (https://in-toto.io/Statement/v0.1 or "
        "https://in-toto.io/Statement/v1), got 'https://example.com/Statement/v1'",
        id="foreign-type",
    ),
    pytest.param(
        lambda s: s["predicate"]["runDetails"]["builder"].pop("id"),
        "/dsseEnvelope/payload/predicate/runDetails/builder/id",
        "missing required key",
        id="slsa-v1-no-builder-id",
    ),
    pytest.param(
        lambda s: s["predicate"]["buildDefinition"].pop("buildType"),
        "/dsseEnvelope/payload/predicate/buildDefinition/buildType",
        "missing required key",
        id="slsa-v1-no-build-type",
    ),
]


@pytest.mark.parametrize(("change", "position", "problem"), BROKEN_STATEMENTS)
def test_broken_statements(tmp_path: Path, change: Any, position: str, problem: str) -> None:
    path = _bundle_variant(tmp_path, change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def _dsse_variant(tmp_path: Path, change: Any) -> Path:
    source = corpus("attestations/slsa-verifier/bare-dsse-envelope.slsa-v0.2.intoto.jsonl")
    envelope = json.loads(source.read_text())
    change(envelope)
    return _write(tmp_path, source.name, envelope)


@pytest.mark.parametrize(
    ("change", "position", "problem"),
    [
        pytest.param(
            lambda e: e.update(payload="not base64!"),
            "line 1, /payload",
            "not valid base64: ",
            id="payload-not-base64",
        ),
        pytest.param(
            lambda e: e.update(payload=base64.b64encode(b"<xml/>").decode()),
            "line 1, /payload",
            "the decoded payload is not valid JSON: ",
            id="payload-not-json",
        ),
        pytest.param(
            lambda e: e.update(payload=7),
            "line 1, /payload",
            "expected a string, got integer 7",
            id="payload-number",
        ),
        pytest.param(
            lambda e: e.pop("payload"),
            "line 1, /payload",
            "missing required key",
            id="no-payload",
        ),
        pytest.param(
            lambda e: e.update(payloadType=None),
            "line 1, /payloadType",
            "required value is null",
            id="payload-type-null",
        ),
    ],
)
def test_broken_envelopes(tmp_path: Path, change: Any, position: str, problem: str) -> None:
    path = _dsse_variant(tmp_path, change)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.file, caught.value.position) == (str(path), position)
    assert caught.value.problem.startswith(problem)


def test_bundle_without_envelope(tmp_path: Path) -> None:
    bundle = {
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": {},
    }
    path = _write(tmp_path, "empty.sigstore.json", bundle)
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "/dsseEnvelope",
        "a Sigstore bundle needs a dsseEnvelope",
    )


def test_unknown_document(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{\n  "predicate": {}\n}\n')
    with pytest.raises(InputError) as caught:
        records_of(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "",
        "not an in-toto statement, DSSE envelope, Sigstore bundle or in-toto link",
    )


def _first_document(path: Path) -> tuple[Any, Any]:
    framed = next(iter(frame(InputSource(str(path)), ADAPTER.framing)))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (CORPUS / "attestations").rglob("*") if p.is_file()),
    ids=lambda p: p.name,
)
def test_detect_recognises_every_corpus_attestation(path: Path) -> None:
    assert ADAPTER.detect(*_first_document(path))


@pytest.mark.parametrize(
    "relative",
    [
        "sarif/trivy/alpine-310.vuln.sarif",
        "sbom/cyclonedx/trivy-npm.cdx.json",
        "sbom/spdx/SPDXJSONExample-v2.3.spdx.json",
        "terraform-plan-json/terraform-testdata/basic-create.plan.json",
        "github-webhooks/workflow_run/completed.payload.json",
    ],
)
def test_detect_rejects_other_sources(relative: str) -> None:
    assert not ADAPTER.detect(*_first_document(corpus(relative)))
