"""The CloudTrail adapter: log files, bare arrays, single events, EventBridge, SNS.

Corpus: `aws-cloudtrail/**` (AWS processing-library fixtures with placeholders and an
all-null record; real Stratus Red Team detonation events). Shapes the corpus lacks are BUILT
fixtures in `tests/fixtures/cloudtrail/` (see the README there).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soxtrail.domain.errors import InputError
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document
from soxtrail.sources.cloudtrail import ADAPTER
from soxtrail.sources.framing import InputSource, frame
from tests.helpers import FIXTURES, corpus, parse_file, records_of

FIX = FIXTURES / "cloudtrail"
T2013 = datetime(2013, 11, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(record: Any) -> tuple[Any, ...]:
    f = record.facts
    return (record.subject, record.actor, f.action, f.resource, f.outcome, f.reason, f.source_ip)


# Each corpus file: the records it gives, as (subject, actor, action, resource, outcome,
# reason, source_ip), their times, and what the document reports as ignored.
CORPUS_CASES = [
    pytest.param(
        "aws-processing-library/records-all-fields-null.json",
        [
            (
                "cloudtrail:sha256:66b0dd8021beac7c5dd326a03d454992",
                "userIdentityUserName2",
                "eventSource2:eventName2",
                "arn:aws:iam:sample1",
                "failure",
                "errorCode2",
                "sourceIPAddress2",
            )
        ],
        [T2013],
        "1 event(s) without eventTime, eventName or eventSource skipped: /Records/0",
        id="all-fields-null",
    ),
    pytest.param(
        "aws-processing-library/records-unknown-fields.json",
        [
            (
                "cloudtrail:sha256:b4e1122ebc26d69bb8eaf412701f47eb",
                "userIdentityUserName1",
                "eventSource1:eventName1",
                "arn:aws:iam:sample1",
                "failure",
                "errorCode1",
                "sourceIPAddress1",
            ),
            (
                "cloudtrail:sha256:66b0dd8021beac7c5dd326a03d454992",
                "userIdentityUserName2",
                "eventSource2:eventName2",
                "arn:aws:iam:sample1",
                "failure",
                "errorCode2",
                "sourceIPAddress2",
            ),
        ],
        [T2013, T2013],
        None,
        id="unknown-fields",
    ),
    pytest.param(
        "aws-processing-library/s3-log-file-records-envelope.placeholders.json",
        [
            (
                "cloudtrail:sha256:0f4c9ccc58d822fcd6d8a9e7189d44a3",
                "userIdentityUserName1",
                "eventSource1:eventName1",
                "my-redshift-cluster",
                "failure",
                "errorCode1",
                "sourceIPAddress1",
            ),
            (
                "cloudtrail:sha256:bf88943fd3f0831df4bd5c2455878895",
                "userIdentityUserName2",
                "eventSource2:eventName2",
                None,
                "failure",
                "errorCode2",
                "sourceIPAddress2",
            ),
            (
                "cloudtrail:sha256:88c2786fed26d91abcf199747fa11ba0",
                "userIdentityUserName3",
                "eventSource3:eventName3",
                None,
                "failure",
                "errorCode3",
                "sourceIPAddress3",
            ),
            (
                "cloudtrail:sha256:fc442ece195c96608292690839544ef1",
                "userIdentityArn4",
                "eventSource4:eventName4",
                None,
                "failure",
                "errorCode4",
                "sourceIPAddress4",
            ),
            (
                "cloudtrail:sha256:ccbd4b75569b56f7a8d3a1be786ec927",
                "userIdentityArn5",
                "eventSource5:eventName5",
                None,
                "failure",
                "errorCode5",
                "sourceIPAddress5",
            ),
            (
                "cloudtrail:sha256:f5edabfca05d861bcf7cc7bdebeaa05b",
                "userIdentityArn6",
                "eventSource6:eventName6",
                None,
                "failure",
                "errorCode6",
                "sourceIPAddress6",
            ),
        ],
        [T2013] * 6,
        None,
        id="records-envelope-placeholders",
    ),
    pytest.param(
        "aws-processing-library/sns-notification-new-log-file.json",
        [],
        [],
        "a CloudTrail new-log-file notification; ingest the files it names: "
        "s3://my-test-bucket/myprefix/AWSLogs/123456789012/CloudTrail/us-east-1/2014/03/09/"
        "123456789012_CloudTrail_us-east-1_20140309T2015Z_996mpJdKNLd1Yvzl.json.gz",
        id="sns-new-log-file",
    ),
    pytest.param(
        "stratus-red-team/cloudtrail-put-event-selectors.json",
        [
            (
                "cloudtrail:c2a89408-340a-42f0-8ace-75d9f5769393",
                "christophe",
                "cloudtrail.amazonaws.com:PutEventSelectors",
                "stratus-red-team-ctes-trail-khlvciwdor",
                "success",
                None,
                "221.254.191.250",
            )
        ],
        [at("2024-07-31T12:50:02")],
        None,
        id="put-event-selectors",
    ),
    pytest.param(
        "stratus-red-team/cloudtrail-stop.json",
        [
            (
                "cloudtrail:10163ed2-2253-469d-a5ee-cbc6651f8934",
                "christophe",
                "cloudtrail.amazonaws.com:StopLogging",
                "stratus-red-team-ct-stop-trail-buykxbqejv",
                "success",
                None,
                "86.245.153.234",
            )
        ],
        [at("2024-07-31T13:06:24")],
        None,
        id="stop-logging",
    ),
    pytest.param(
        "stratus-red-team/console-login-without-mfa.json",
        [
            (
                "cloudtrail:865d9377-9c6b-4fd7-8aad-725e95f6a140",
                "stratus-red-team-nmfalu-jfzdtsvchl",
                "signin.amazonaws.com:ConsoleLogin",
                None,
                "success",
                None,
                "225.01.00.16",
            )
        ],
        [at("2024-08-02T08:53:24")],
        None,
        id="console-login",
    ),
    pytest.param(
        "stratus-red-team/ec2-runinstances-unauthorized.json",
        [
            (
                "cloudtrail:1a4debbb-12e9-4bde-b8c7-ea29002bb2a7",
                "stratus-red-team-ec2lui-role-idtzskbvtd/aws-go-sdk-1722511821294449000",
                "ec2.amazonaws.com:RunInstances",
                None,
                "failure",
                "Client.UnauthorizedOperation",
                "06.237.252.245",
            ),
            (
                "cloudtrail:04c882a5-7652-40d1-b44c-83535fc19268",
                "christophe",
                "sts.amazonaws.com:AssumeRole",
                "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd",
                "success",
                None,
                "06.237.252.245",
            ),
            (
                "cloudtrail:9a6353be-6cb8-4a0c-ab85-a46dbd3a2b71",
                "christophe",
                "sts.amazonaws.com:AssumeRole",
                "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd",
                "success",
                None,
                "06.237.252.245",
            ),
        ],
        [at("2024-08-01T11:30:23"), at("2024-08-01T11:30:22"), at("2024-08-01T11:30:21")],
        None,
        id="runinstances-unauthorized",
    ),
    pytest.param(
        "stratus-red-team/iam-create-admin-user.json",
        [
            (
                "cloudtrail:083dc4ad-e264-46bc-a407-d0dd31b58bdc",
                "christophe",
                "iam.amazonaws.com:AttachUserPolicy",
                "malicious-iam-user",
                "success",
                None,
                "075.050.255.67",
            ),
            (
                "cloudtrail:94faedcc-0fa4-46e6-9322-022e8e934f04",
                "christophe",
                "iam.amazonaws.com:CreateAccessKey",
                "malicious-iam-user",
                "success",
                None,
                "075.050.255.67",
            ),
            (
                "cloudtrail:3346344c-5a3e-429e-8405-420f98f75d6e",
                "christophe",
                "iam.amazonaws.com:CreateUser",
                "malicious-iam-user",
                "success",
                None,
                "075.050.255.67",
            ),
        ],
        [at("2024-08-01T13:33:28")] * 3,
        None,
        id="iam-create-admin-user",
    ),
    pytest.param(
        "stratus-red-team/iam-create-user-login-profile.json",
        [
            (
                "cloudtrail:e544d47e-6d75-45cf-a8a9-7e90d5f7d38d",
                "christophe",
                "sts.amazonaws.com:GetCallerIdentity",
                None,
                "success",
                None,
                "253.234.5.234",
            ),
            (
                "cloudtrail:64fb98c9-cb40-4f9a-b800-6c15e82e9be6",
                "christophe",
                "iam.amazonaws.com:DeleteLoginProfile",
                "stratus-red-team-login-profile-user",
                "failure",
                "EntityTemporarilyUnmodifiableException",
                "253.234.5.234",
            ),
            (
                "cloudtrail:d3906a7d-604b-407f-acb6-fc425742821e",
                "christophe",
                "iam.amazonaws.com:CreateLoginProfile",
                "stratus-red-team-login-profile-user",
                "success",
                None,
                "253.234.5.234",
            ),
        ],
        [at("2024-08-01T13:42:21"), at("2024-08-01T13:42:22"), at("2024-08-01T13:42:21")],
        None,
        id="login-profile",
    ),
    pytest.param(
        "stratus-red-team/lambda-update-function-code.json",
        [
            (
                "cloudtrail:4672b74f-2466-4784-b3fb-5b4db904a995",
                "christophe",
                "lambda.amazonaws.com:UpdateFunctionCode20150331v2",
                (
                    "arn:aws:lambda:ap-westeast-2r:266106314375:function:"
                    "stratus-red-team-olc-func-vayhjqkdav"
                ),
                "success",
                None,
                "253.8.50.132",
            )
        ],
        [at("2024-08-01T13:52:02")],
        None,
        id="lambda-update-code",
    ),
    pytest.param(
        "stratus-red-team/organizations-leave-access-denied.json",
        [
            (
                "cloudtrail:099bfd30-232c-4dff-9998-3821921063ca",
                "christophe",
                "sts.amazonaws.com:AssumeRole",
                "arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role",
                "success",
                None,
                "252.5.222.230",
            ),
            (
                "cloudtrail:16903cbd-fdff-4818-82f2-d66ad09aaf57",
                "stratus-red-team-leave-org-role/aws-go-sdk-1722587398902687000",
                "organizations.amazonaws.com:LeaveOrganization",
                None,
                "failure",
                "AccessDenied",
                "252.5.222.230",
            ),
            (
                "cloudtrail:e3441619-0bf6-4818-bf18-391fb65ba98e",
                "christophe",
                "sts.amazonaws.com:AssumeRole",
                "arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role",
                "success",
                None,
                "252.5.222.230",
            ),
        ],
        [at("2024-08-02T08:30:00"), at("2024-08-02T08:30:00"), at("2024-08-02T08:29:59")],
        None,
        id="leave-organization-denied",
    ),
    pytest.param(
        "stratus-red-team/sts-federation-token.json",
        [
            (
                "cloudtrail:6e882b9d-2af8-4c67-b91f-aeac6a0e5e70",
                "stratus-red-team-user-federation-user",
                "sts.amazonaws.com:GetFederationToken",
                "stratus_red_team",
                "success",
                None,
                "255.090.254.5",
            ),
            (
                "cloudtrail:91529247-c4c4-4793-afc8-d70bbcfe9d19",
                "stratus-red-team-user-federation-user/stratus_red_team",
                "sts.amazonaws.com:GetCallerIdentity",
                None,
                "success",
                None,
                "255.090.254.5",
            ),
        ],
        [at("2024-11-30T08:43:17"), at("2024-11-30T08:43:18")],
        None,
        id="federation-token",
    ),
]


@pytest.mark.parametrize(("relative", "expected", "times", "ignored"), CORPUS_CASES)
def test_corpus(
    relative: str, expected: list[tuple[Any, ...]], times: list[datetime], ignored: str | None
) -> None:
    (parsed,) = parse_file(ADAPTER, corpus(f"aws-cloudtrail/{relative}"))
    assert [row(r) for r in parsed.records] == expected
    assert [r.occurred_at for r in parsed.records] == times
    assert parsed.ignored == ignored
    assert {r.kind for r in parsed.records} <= {Kind.AUDIT_EVENT}
    assert {r.facts.provider for r in parsed.records} <= {"cloudtrail"}


def test_assumed_role_details_and_links() -> None:
    records = records_of(
        ADAPTER, corpus("aws-cloudtrail/stratus-red-team/ec2-runinstances-unauthorized.json")
    )
    run = records[0]
    assert run.locator == "/0"
    assert run.facts.actor_type == "AssumedRole"
    assert run.facts.details["mfa_authenticated"] == "false"
    assert run.facts.details["access_key_id"] == "ASIA9F6MXE9HSYOXYQOS"
    assert run.facts.details["session_issuer_arn"] == (
        "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd"
    )
    assert run.facts.details["errorMessage"].startswith("You are not authorized")
    assert ("actor", "aws-go-sdk-1722511821294449000") in run.links
    assert run.facts.user_agent == "stratus-red-team_c8ff220a-7e52-429b-868f-d979123ed2d3"
    assert records[1].facts.resource_type == "AWS::IAM::Role"


def test_attach_policy_links_every_resource() -> None:
    record = records_of(
        ADAPTER, corpus("aws-cloudtrail/stratus-red-team/iam-create-admin-user.json")
    )[0]
    assert record.facts.resource_type == "AWS::IAM::User"
    assert [v for k, v in record.links if k == "resource"] == [
        "malicious-iam-user",
        "arn:aws:iam::aws:policy/AdministratorAccess",
    ]
    assert record.facts.details["readOnly"] is False
    assert record.facts.details["recipientAccountId"] == "229654561268"


def test_console_login_details() -> None:
    (record,) = records_of(
        ADAPTER, corpus("aws-cloudtrail/stratus-red-team/console-login-without-mfa.json")
    )
    assert record.facts.details["additional_MFAUsed"] == "No"
    assert record.facts.details["eventType"] == "AwsConsoleSignIn"
    assert record.facts.actor_type == "IAMUser"


# --- built fixtures ----------------------------------------------------------------------


def test_eventbridge_sso_session() -> None:
    (record,) = records_of(ADAPTER, FIX / "eventbridge_sso_create_bucket.json")
    assert record.locator == "/detail"
    assert record.actor == "AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@acme.example"
    assert ("actor", "alice@acme.example") in record.links
    assert record.facts.action == "s3.amazonaws.com:CreateBucket"
    assert (record.facts.resource, record.facts.resource_type) == (
        "acme-billing-exports",
        "AWS::S3::Bucket",
    )
    assert record.occurred_at == at("2024-07-02T14:03:10")


def test_root_console_login_failure() -> None:
    (record,) = records_of(ADAPTER, FIX / "root_console_login_failure.json")
    assert record.locator == ""
    assert record.actor == "arn:aws:iam::111122223333:root"
    assert record.facts.actor_type == "Root"
    assert record.facts.outcome == "failure"
    assert record.facts.reason is None
    assert record.facts.details["errorMessage"] == "Failed authentication"


def test_ndjson_service_and_user() -> None:
    service, user = records_of(ADAPTER, FIX / "service_and_user_events.ndjson")
    assert service.actor == "lambda.amazonaws.com"
    assert service.facts.actor_type == "AWSService"
    assert service.facts.resource == "arn:aws:iam::111122223333:role/billing-export-lambda"
    assert user.actor == "deploy-bot"
    assert (user.facts.resource, user.facts.resource_type) == (
        "prod/billing/db",
        "AWS::SecretsManager::Secret",
    )


def test_sns_message_with_records() -> None:
    records = records_of(ADAPTER, FIX / "sns_message_with_records.json")
    assert [r.subject for r in records] == [
        "cloudtrail:a1b2c3d4-0000-4000-8000-000000000001",
        "cloudtrail:a1b2c3d4-0000-4000-8000-000000000002",
    ]
    assert [r.locator for r in records] == ["/Message/Records/0", "/Message/Records/1"]


def test_digest_file_is_ignored() -> None:
    (parsed,) = parse_file(ADAPTER, FIX / "digest_file.json")
    assert parsed.records == ()
    assert parsed.ignored == "a CloudTrail digest file (integrity hashes of log files), not events"


def test_gzipped_log_file(tmp_path: Path) -> None:
    source = corpus("aws-cloudtrail/stratus-red-team/iam-create-admin-user.json")
    path = tmp_path / "111122223333_CloudTrail_eu-west-1_20240801T1335Z_abc.json.gz"
    path.write_bytes(gzip.compress(source.read_bytes()))
    assert [r.subject for r in records_of(ADAPTER, path)] == [
        r.subject for r in records_of(ADAPTER, source)
    ]


# --- malformed ---------------------------------------------------------------------------


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "trail.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


STOP = corpus("aws-cloudtrail/stratus-red-team/cloudtrail-stop.json")


@pytest.mark.parametrize(
    ("mutate", "position", "problem"),
    [
        pytest.param(
            lambda d: d[0].__setitem__("eventName", 7),
            "/0/eventName",
            "expected a string, got integer 7",
            id="event-name-not-string",
        ),
        pytest.param(
            lambda d: d[0].__setitem__("eventTime", "31/07/2024"),
            "/0/eventTime",
            "not a timestamp: '31/07/2024'",
            id="bad-event-time",
        ),
        pytest.param(
            lambda d: d[0].__setitem__("userIdentity", "christophe"),
            "/0/userIdentity",
            'expected an object, got string "christophe"',
            id="identity-not-object",
        ),
        pytest.param(
            lambda d: d[0].__setitem__("resources", {"ARN": "x"}),
            "/0/resources",
            "expected an array, got object",
            id="resources-not-array",
        ),
    ],
)
def test_malformed_event(tmp_path: Path, mutate: Any, position: str, problem: str) -> None:
    data = json.loads(STOP.read_text())
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.file, caught.value.position, caught.value.problem) == (
        str(path),
        position,
        problem,
    )


def test_truncated_log_file(tmp_path: Path) -> None:
    text = corpus(
        "aws-cloudtrail/aws-processing-library/s3-log-file-records-envelope.placeholders.json"
    ).read_text()
    path = write(tmp_path, text[:1000])
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.file == str(path)
    assert caught.value.position.startswith("line ")
    assert caught.value.problem.startswith("not valid JSON")


def test_records_not_an_array(tmp_path: Path) -> None:
    path = write(tmp_path, {"Records": {"eventName": "x"}})
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert (caught.value.position, caught.value.problem) == (
        "/Records",
        "expected an array, got object",
    )


def test_sns_message_not_json(tmp_path: Path) -> None:
    data = json.loads(
        corpus(
            "aws-cloudtrail/aws-processing-library/sns-notification-new-log-file.json"
        ).read_text()
    )
    data["Message"] = data["Message"][:40]
    path = write(tmp_path, data)
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position == "/Message"
    assert caught.value.problem.startswith("the SNS Message is not valid JSON")


def test_other_eventbridge_event(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"detail-type": "EC2 Instance State-change Notification", "detail": {"state": "running"}},
    )
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.position == ""
    assert "not CloudTrail" in caught.value.problem


def test_wrong_source_entirely() -> None:
    path = corpus("github-webhooks/push/push-to-master.payload.json")
    with pytest.raises(InputError) as caught:
        parse_file(ADAPTER, path)
    assert caught.value.problem == (
        "not a CloudTrail log file, event, EventBridge event or SNS notification"
    )


# --- detect ------------------------------------------------------------------------------


def _first(path: Path) -> tuple[Document, Any]:
    framed = next(iter(frame(InputSource(str(path)), "json")))
    return framed.doc, framed.data


@pytest.mark.parametrize(
    "path",
    [
        *(pytest.param(corpus(f"aws-cloudtrail/{c.values[0]}"), id=c.id) for c in CORPUS_CASES),
        *(
            pytest.param(FIX / name, id=name)
            for name in (
                "eventbridge_sso_create_bucket.json",
                "root_console_login_failure.json",
                "service_and_user_events.ndjson",
                "sns_message_with_records.json",
                "digest_file.json",
            )
        ),
    ],
)
def test_detect_accepts(path: Path) -> None:
    assert ADAPTER.detect(*_first(path))


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param("okta-system-log/streamalert/okta_new_login.json", id="okta"),
        pytest.param(
            "github-audit-log/streamalert/protected_branch.destroy.json", id="github-audit"
        ),
        pytest.param("k8s-audit/falco-trace-files/create_secret.v1.json", id="k8s"),
        pytest.param("vault-audit/vault-guides/vault-audit.log", id="vault"),
        pytest.param("github-webhooks/push/push-to-master.payload.json", id="github-webhook"),
    ],
)
def test_detect_rejects(relative: str) -> None:
    assert not ADAPTER.detect(*_first(corpus(relative)))
