"""Kubernetes environment snapshots: what runs, from `kubectl get ... -o json|yaml` output.

Reads the output of `kubectl get pods,deployments -o json` (a `v1` `List` whose `items` are
Pods and Deployments), any other `List`/`PodList`/`DeploymentList`, a single object, YAML
(`-o yaml`) and multi-document YAML streams, following the Kubernetes API reference for Pod
(`spec.containers[].image`, `status.phase`, `status.startTime`,
`status.containerStatuses[].name/imageID/state.running.startedAt`), Deployment, StatefulSet,
DaemonSet, ReplicaSet and Job (`spec.template`), and `metadata` (`name`, `namespace`,
`labels`, `annotations`, `creationTimestamp`).

One `environment_snapshot` record per document (file), with a workload per container:

- Pods: image from the spec; digest from the running container's `imageID`
  (`docker-pullable://repo@sha256:...` or `repo@sha256:...`; a bare `sha256:` image id is a
  local config digest, not a registry digest, and is not used), else from an image reference
  pinned with `@sha256:`. Pods in phase Succeeded or Failed run nothing and are left out.
- Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs: one workload per container of the
  pod template; digest only when the image is pinned with `@sha256:`.
- version: the `app.kubernetes.io/version` label (pod template's, else the object's);
  commit: the `soxtrail.io/commit` annotation (the object's, else the pod template's).
- Other kinds in a list (Services, ConfigMaps, ...) are skipped; init and ephemeral
  containers are not counted.

A snapshot has no time of its own: `occurred_at` is the `observed_at` hint when the caller
gives one (the time `kubectl` ran), else the newest timestamp in the document
(`creationTimestamp`, `startTime`, container `startedAt`, condition transition/update times),
which is only a lower bound of when the snapshot was taken. A snapshot without either is
reported as ignored. `cluster` comes from the `cluster` hint; the environment from the
`environment` hint (`--env`), else the namespace shared by every workload. Every digest is a
lookup link (`artifact`), every commit annotation a `commit` link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from soxtrail.domain.errors import InputError
from soxtrail.domain.evidence import Evidence
from soxtrail.domain.facts import EnvironmentSnapshotFacts, Workload
from soxtrail.domain.kinds import Kind
from soxtrail.sources.base import Document, Framing, Parsed
from soxtrail.sources.reader import Node
from soxtrail.sources.timestamps import parse_timestamp
from soxtrail.sources.yaml_documents import load_documents

SOURCE = "k8s-snapshot"
VERSION_LABEL = "app.kubernetes.io/version"
COMMIT_ANNOTATION = "soxtrail.io/commit"
TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
_NOT_RUNNING = ("Succeeded", "Failed")
_DIGEST = re.compile(r"@(sha256:[0-9a-f]{64})$")


def image_digest(reference: str | None) -> str | None:
    """`sha256:...` of `repo@sha256:...` or `docker-pullable://repo@sha256:...`, else None."""
    if not reference:
        return None
    match = _DIGEST.search(reference)
    return None if match is None else match[1]


def _meta_value(meta: Node | None, group: str, key: str) -> str | None:
    values = None if meta is None else meta.opt_obj(group)
    return None if values is None else values.opt_str(key)


def _is_list(value: Any) -> bool:
    return isinstance(value, dict) and str(value.get("kind", "")).endswith("List")


def _objects(node: Node) -> Iterator[Node]:
    """The objects of one decoded document: a List's items, or the object itself."""
    node.req_str("kind")
    if _is_list(node.value):
        for item in node.items("items", required=True):
            item.req_str("kind")
            yield item
    else:
        yield node


def _times(obj: Node) -> Iterator[datetime]:
    meta = obj.obj("metadata")
    created = meta.opt_instant("creationTimestamp")
    if created is not None:
        yield created
    status = obj.opt_obj("status")
    if status is None:
        return
    started = status.opt_instant("startTime")
    if started is not None:
        yield started
    for condition in status.items("conditions"):
        for key in ("lastTransitionTime", "lastUpdateTime"):
            at = condition.opt_instant(key)
            if at is not None:
                yield at
    for container in status.items("containerStatuses"):
        state = container.opt_obj("state")
        running = None if state is None else state.opt_obj("running")
        at = None if running is None else running.opt_instant("startedAt")
        if at is not None:
            yield at


def _pod(pod: Node) -> list[Workload]:
    meta = pod.obj("metadata")
    status = pod.opt_obj("status")
    if status is not None and status.opt_str("phase") in _NOT_RUNNING:
        return []
    image_ids: dict[str, str | None] = {}
    if status is not None:
        for container in status.items("containerStatuses"):
            image_ids[container.req_str("name")] = container.opt_str("imageID")
    out = []
    for container in pod.obj("spec").items("containers", required=True):
        name = container.req_str("name")
        image = container.req_str("image")
        out.append(
            Workload(
                kind="Pod",
                namespace=meta.opt_str("namespace"),
                name=meta.req_str("name"),
                container=name,
                image=image,
                digest=image_digest(image_ids.get(name)) or image_digest(image),
                version=_meta_value(meta, "labels", VERSION_LABEL),
                commit=_meta_value(meta, "annotations", COMMIT_ANNOTATION),
            )
        )
    return out


def _templated(obj: Node, kind: str) -> list[Workload]:
    meta = obj.obj("metadata")
    template = obj.obj("spec").obj("template")
    template_meta = template.opt_obj("metadata")
    version = _meta_value(template_meta, "labels", VERSION_LABEL) or _meta_value(
        meta, "labels", VERSION_LABEL
    )
    commit = _meta_value(meta, "annotations", COMMIT_ANNOTATION) or _meta_value(
        template_meta, "annotations", COMMIT_ANNOTATION
    )
    out = []
    for container in template.obj("spec").items("containers", required=True):
        image = container.req_str("image")
        out.append(
            Workload(
                kind=kind,
                namespace=meta.opt_str("namespace"),
                name=meta.req_str("name"),
                container=container.req_str("name"),
                image=image,
                digest=image_digest(image),
                version=version,
                commit=commit,
            )
        )
    return out


def _observed_at(doc: Document) -> datetime | None:
    text = doc.hints.get("observed_at")
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except (ValueError, TypeError) as exc:
        raise doc.error("", f"observed_at hint: {exc}") from exc


def _workload_order(workload: Workload) -> tuple[str, str, str, str]:
    return (workload.namespace or "", workload.kind, workload.name, workload.container or "")


class K8sSnapshotAdapter:
    """`ingest k8s-snapshot`: kubectl JSON/YAML output (see the module docstring)."""

    name = SOURCE
    framing: Framing = "yaml"
    media_type = "application/yaml"
    suffixes: tuple[str, ...] = (".json", ".yaml", ".yml")

    def parse(self, doc: Document, data: Any) -> Parsed:
        """One environment snapshot from every workload of the document.

        Raises:
            InputError: invalid JSON/YAML, not Kubernetes objects, or a malformed workload.
        """
        workloads: list[Workload] = []
        times: list[datetime] = []
        seen_list = False
        for loaded in load_documents(doc, data):
            node = Node(loaded.data, loaded.doc)
            if not isinstance(node.value, dict):
                raise node.error("expected a Kubernetes object or List")
            seen_list = seen_list or _is_list(node.value)
            for obj in _objects(node):
                kind = obj.req_str("kind")
                if kind == "Pod":
                    workloads.extend(_pod(obj))
                elif kind in TEMPLATE_KINDS:
                    workloads.extend(_templated(obj, kind))
                elif not _is_list(node.value):
                    raise obj.error(
                        f"kind {kind} is not a Pod, a workload ({', '.join(TEMPLATE_KINDS)}) "
                        "or a List of them"
                    )
                else:
                    continue
                times.extend(_times(obj))
        if not workloads and not seen_list:
            return Parsed(ignored="no Kubernetes objects in the document")
        at = _observed_at(doc) or (max(times) if times else None)
        if at is None:
            return Parsed(
                ignored="snapshot without any timestamp: give observed_at (when kubectl ran)"
            )
        return Parsed(records=(self._record(doc, workloads, at),))

    def _record(self, doc: Document, workloads: list[Workload], at: datetime) -> Evidence:
        cluster = doc.hints.get("cluster") or None
        namespaces = {w.namespace for w in workloads}
        environment = doc.hints.get("environment") or (
            namespaces.pop() if len(namespaces) == 1 else None
        )
        ordered = tuple(sorted(workloads, key=_workload_order))
        digests = sorted({w.digest for w in ordered if w.digest})
        commits = sorted({w.commit for w in ordered if w.commit})
        where = "/".join(part for part in (cluster, environment) if part)
        subject = f"k8s:{where}" if where else "k8s"
        return Evidence(
            kind=Kind.ENVIRONMENT_SNAPSHOT,
            source=SOURCE,
            occurred_at=at,
            subject=subject,
            facts=EnvironmentSnapshotFacts(cluster=cluster, workloads=ordered),
            environment=environment,
            links=tuple(("artifact", d) for d in digests) + tuple(("commit", c) for c in commits),
        )

    def detect(self, doc: Document, data: Any) -> bool:
        """Pods, pod-template workloads and Lists of them (an empty List too)."""
        try:
            loaded = load_documents(doc, data)
        except InputError:
            return False
        return bool(loaded) and all(_detectable(item.data) for item in loaded)


def _detectable(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    if _is_list(value):
        items = value.get("items")
        return isinstance(items, list) and (
            not items
            or any(isinstance(i, dict) and i.get("kind") in ("Pod", *TEMPLATE_KINDS) for i in items)
        )
    return value.get("kind") in ("Pod", *TEMPLATE_KINDS) and isinstance(value.get("spec"), dict)


ADAPTER = K8sSnapshotAdapter()
