"""Argo CD Applications as deployment evidence: sync history and the current operation.

Reads `argoproj.io/v1alpha1` `Application` resources as YAML or JSON (`kubectl get application
-o yaml|json`, `argocd app get -o yaml|json`), lists of them (`kind: List` or
`ApplicationList`), multi-document YAML streams, and rendered webhook notifications.

Records (kind `deployment`, provider `argocd`):

- one per `status.history[]` entry (`id`, `revision` or `revisions[0]` for multi-source apps,
  `deployStartedAt`, `deployedAt`, `source`/`sources`, `initiatedBy` when Argo CD records it):
  deployment id `<app>:<id>`, status `success` (Argo CD only records completed syncs in the
  history), at `deployedAt`;
- one for the current `status.operationState` (`phase`, `operation.initiatedBy.username` /
  `automated`, `syncResult.revision`, `startedAt`, `finishedAt`, `message`): status from the
  phase (Succeeded: success, Failed and Error: failure, Running and Terminating:
  in_progress), at `finishedAt` (else `startedAt`), with the images of `status.summary.images`.
  Its deployment id is that of the history entry the operation wrote (same `deployStartedAt`
  and revision), else `<app>:operation:<startedAt>`, so that both records of one sync share
  their id.

Creator: `initiatedBy.username`, else `automated` when `initiatedBy.automated` is true.
Environment, first found: the `environment` hint (`--env`), the Application's annotation
`soxtrail.io/environment`, its label `soxtrail.io/environment`, `spec.destination.namespace`.
Repository: the source's `repoURL` as `owner/name` (or a GitLab group path) for git sources;
none for Helm chart sources. The sha is the revision; it is also the record's commit key when it
is a full git sha.

Notifications: Argo CD's webhook service posts whatever body its template renders (Go
`text/template` with Sprig functions, over `app`, `context`, ...). soxtrail reads the body of
a template that embeds the Application as JSON, e.g.
`body: '{"app": {{toJson .app}}, "context": {{toJson .context}}}'`: a JSON object whose `app`
is the Application; other keys are ignored. The notification ConfigMap, its templates and
triggers (the definitions, not rendered notifications) are recognised and ignored, as are
Applications that have not synced yet (no history and no operation state).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import DeploymentFacts
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.reader import Node, describe
from soxtrail.sources.yaml_documents import load_documents

PROVIDER = "argocd"
ENVIRONMENT_KEY = "soxtrail.io/environment"
AUTOMATED = "automated"
_PHASE_STATUS = {
    "Succeeded": "success",
    "Failed": "failure",
    "Error": "failure",
    "Running": "in_progress",
    "Terminating": "in_progress",
}
_SHA = re.compile(r"[0-9a-f]{40}")
_SCP_URL = re.compile(r"^[\w.-]+@[\w.-]+:(?P<path>.+)$")
_LIST_KINDS = ("List", "ApplicationList")


def _is_application(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("kind") == "Application"
        and str(value.get("apiVersion", "")).startswith("argoproj.io/")
    )


def repo_from_url(url: str | None) -> str | None:
    """`owner/name` (or `group/sub/project`) of a git URL; None when there is no such path.

    `https://github.com/foo/bar.git` and `git@github.com:foo/bar.git` both give `foo/bar`.
    """
    if not url:
        return None
    scp = _SCP_URL.match(url)
    if scp is not None:
        path = scp["path"]
    elif "://" in url:
        path = urlsplit(url).path
    else:
        return None
    path = path.strip("/").removesuffix(".git").strip("/")
    return path if "/" in path else None


def _label(meta: Node, group: str, key: str) -> str | None:
    values = meta.opt_obj(group)
    return None if values is None else values.opt_str(key)


def _environment(app: Node, meta: Node, hints: dict[str, str]) -> str:
    hinted = hints.get("environment")
    if hinted:
        return hinted
    declared = _label(meta, "annotations", ENVIRONMENT_KEY) or _label(
        meta, "labels", ENVIRONMENT_KEY
    )
    if declared:
        return declared
    return app.obj("spec").obj("destination").req_str("namespace")


def _first_source(node: Node) -> Node | None:
    """`source`, or the first of `sources` (multi-source Applications)."""
    source = node.opt_obj("source")
    if source is not None:
        return source
    return next(iter(node.items("sources")), None)


def _revision(node: Node) -> str | None:
    """`revision`, or the first of `revisions` (multi-source Applications)."""
    revision = node.opt_str("revision")
    if revision:
        return revision
    revisions = node.str_list("revisions")
    return revisions[0] if revisions else None


def _initiator(initiated_by: Node | None) -> tuple[str | None, bool]:
    if initiated_by is None:
        return None, False
    automated = initiated_by.opt_bool("automated") or False
    return initiated_by.opt_str("username") or (AUTOMATED if automated else None), automated


class _App:
    """What every record of one Application shares."""

    def __init__(self, node: Node, hints: dict[str, str]) -> None:
        meta = node.obj("metadata")
        self.node = node
        self.name = meta.req_str("name")
        self.environment = _environment(node, meta, hints)
        spec = node.opt_obj("spec")
        self.source = None if spec is None else _first_source(spec)

    def record(
        self,
        *,
        deployment_id: str,
        at: datetime,
        sha: str | None,
        source: Node | None,
        status: str,
        initiated_by: Node | None,
        locator: Node,
        images: tuple[str, ...] = (),
        description: str | None = None,
    ) -> Evidence:
        source = source or self.source
        creator, automated = _initiator(initiated_by)
        chart = source is not None and source.has("chart")
        repo = None if source is None or chart else repo_from_url(source.opt_str("repoURL"))
        subject = f"{PROVIDER}:{deployment_id}"
        facts = DeploymentFacts(
            provider=PROVIDER,
            deployment_id=deployment_id,
            environment=self.environment,
            sha=sha,
            ref=None if source is None else source.opt_str("targetRevision"),
            status=status,
            creator=creator,
            application=self.name,
            automated=automated,
            images=images,
            description=description,
        )
        return Evidence(
            kind=Kind.DEPLOYMENT,
            source=PROVIDER,
            occurred_at=at,
            subject=subject,
            facts=facts,
            actor=creator,
            repo=repo,
            commit=sha if sha is not None and _SHA.fullmatch(sha) else None,
            environment=self.environment,
            links=(("deployment", subject),),
            locator=locator.doc.position(locator.pointer),
        )


def _history_records(app: _App, status: Node) -> tuple[list[Evidence], dict[Any, str]]:
    """One record per history entry, and the entry ids by (deployStartedAt, revision)."""
    records: list[Evidence] = []
    by_start: dict[Any, str] = {}
    for entry in status.items("history"):
        deployment_id = f"{app.name}:{entry.req_id('id')}"
        revision = _revision(entry)
        started = entry.opt_instant("deployStartedAt")
        if started is not None:
            by_start[(started, revision)] = deployment_id
        records.append(
            app.record(
                deployment_id=deployment_id,
                at=entry.instant("deployedAt"),
                sha=revision,
                source=_first_source(entry),
                status="success",
                initiated_by=entry.opt_obj("initiatedBy"),
                locator=entry,
            )
        )
    return records, by_start


def _operation_record(app: _App, status: Node, op: Node, by_start: dict[Any, str]) -> Evidence:
    phase_node = op.child("phase")
    phase = op.req_str("phase")
    result = _PHASE_STATUS.get(phase)
    if result is None:
        known = ", ".join(_PHASE_STATUS)
        raise phase_node.error(f"unknown operation phase {phase!r} (expected one of {known})")
    operation = op.opt_obj("operation")
    sync = None if operation is None else operation.opt_obj("sync")
    sync_result = op.opt_obj("syncResult")
    revision = (None if sync_result is None else _revision(sync_result)) or (
        None if sync is None else _revision(sync)
    )
    started = op.instant("startedAt")
    finished = op.opt_instant("finishedAt")
    deployment_id = by_start.get((started, revision)) or (
        f"{app.name}:operation:{started.strftime('%Y-%m-%dT%H:%M:%SZ')}"
    )
    summary = status.opt_obj("summary")
    return app.record(
        deployment_id=deployment_id,
        at=finished or started,
        sha=revision,
        source=None if sync_result is None else _first_source(sync_result),
        status=result,
        initiated_by=None if operation is None else operation.opt_obj("initiatedBy"),
        locator=op,
        images=() if summary is None else summary.str_list("images"),
        description=op.opt_str("message"),
    )


def _application(node: Node, hints: dict[str, str]) -> tuple[list[Evidence], str | None]:
    status = node.opt_obj("status")
    history = [] if status is None else list(status.items("history"))
    op = None if status is None else status.opt_obj("operationState")
    if status is None or (not history and op is None):
        meta = node.opt_obj("metadata")
        name = (None if meta is None else meta.opt_str("name")) or "(unnamed)"
        where = node.doc.position(node.pointer) or "/"
        return [], f"Application {name} at {where} has no sync history or operation state yet"
    app = _App(node, hints)
    records, by_start = _history_records(app, status)
    if op is not None:
        records.append(_operation_record(app, status, op, by_start))
    return records, None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _looks_like_template(value: Any) -> bool:
    """A notification template definition: Go-template text over `.app`."""
    return isinstance(value, dict) and any(
        "{{" in text and ".app." in text for text in _strings(value)
    )


def _looks_like_triggers(value: Any) -> bool:
    """A notification trigger definition: a list of `{when, send}` conditions."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and "when" in item and "send" in item for item in value)
    )


def _is_notifications_config(value: Any) -> bool:
    if not isinstance(value, dict) or value.get("kind") != "ConfigMap":
        return False
    data = value.get("data")
    return isinstance(data, dict) and any(
        str(key).startswith(("template.", "trigger.")) for key in data
    )


def _recognised(value: Any) -> bool:
    """Whether a decoded document is something this adapter reads (for `detect`)."""
    if not isinstance(value, dict | list):
        return False
    if _is_application(value) or _is_notifications_config(value):
        return True
    if _looks_like_triggers(value) or _looks_like_template(value):
        return True
    if isinstance(value, dict) and value.get("kind") in _LIST_KINDS:
        items = value.get("items")
        return isinstance(items, list) and any(_is_application(item) for item in items)
    app = value.get("app") if isinstance(value, dict) else None
    return (
        isinstance(app, dict)
        and app.get("kind", "Application") == "Application"
        and isinstance(app.get("metadata"), dict)
    )


def _applications(node: Node) -> list[Node] | str:
    """The Applications of one decoded document, or why it holds none by design."""
    value = node.value
    if _is_application(value):
        return [node]
    if isinstance(value, dict) and value.get("kind") in _LIST_KINDS:
        items = list(node.items("items", required=True))
        apps = [item for item in items if _is_application(item.value)]
        if items and not apps:
            raise node.error(f"the {value['kind']}'s items are not Argo CD Applications")
        return apps or f"{value['kind']} without items"
    if isinstance(value, dict) and value.get("app") is not None:
        app = node.obj("app")
        kind = app.value.get("kind", "Application")
        if kind != "Application":
            raise app.error(f"expected an Argo CD Application, got kind {describe(kind)}")
        return [app]
    if _is_notifications_config(value):
        return "Argo CD notifications ConfigMap (templates and triggers), not deployment evidence"
    if _looks_like_triggers(value):
        return "Argo CD notification trigger definition, not a rendered notification"
    if _looks_like_template(value):
        return "Argo CD notification template definition, not a rendered notification"
    raise node.error(
        "not an Argo CD Application (kind Application, apiVersion argoproj.io/*), "
        "Application list or notification payload with an app"
    )


class ArgoCdAdapter:
    """`ingest argocd`: Application resources and rendered notifications (module docstring)."""

    name = PROVIDER
    framing: Framing = "yaml"
    media_type = "application/yaml"
    suffixes: tuple[str, ...] = (".yaml", ".yml", ".json")

    def parse(self, doc: Document, data: Any) -> Parsed:
        """Deployment records from every Application of the document.

        Raises:
            InputError: invalid YAML/JSON, not an Argo CD document, or a malformed Application.
        """
        hints = dict(doc.hints)
        records: list[Evidence] = []
        ignored: list[str] = []
        for loaded in load_documents(doc, data):
            found = _applications(Node(loaded.data, loaded.doc))
            if isinstance(found, str):
                ignored.append(found)
                continue
            for app in found:
                app_records, why = _application(app, hints)
                records.extend(app_records)
                if why:
                    ignored.append(why)
        if not records and not ignored:
            ignored.append("empty document")
        return Parsed(records=tuple(records), ignored="; ".join(ignored) if ignored else None)

    def detect(self, doc: Document, data: Any) -> bool:
        """Applications, lists of them, notification payloads and notification definitions."""
        try:
            loaded = load_documents(doc, data)
        except InputError:
            return False
        return bool(loaded) and all(_recognised(item.data) for item in loaded)


ADAPTER = ArgoCdAdapter()
