"""What a SLSA provenance predicate says about a build: builder, build type, source, times.

Follows SLSA provenance v1 (`buildDefinition`, `runDetails`), v0.2 (`builder`, `buildType`,
`invocation.configSource`, `materials`, `metadata`) and v0.1 (`recipe`), as published at
slsa.dev/provenance. Used by the in-toto adapter (`soxtrail.sources.intoto`); any other
predicate type gives an empty `BuildInfo`.

The source is the repository and commit the build says it was made from:
- v1: `externalParameters.source` when it is a resource descriptor (container-based builder),
  else the first `resolvedDependencies[]` entry with a git commit digest, else the GitHub
  workflow's `externalParameters.workflow.repository` (with no commit);
- v0.2: `invocation.configSource`, else the first material with a git commit digest;
- v0.1: `recipe.definedInMaterial`, else the first material with a git commit digest.
A git commit digest is `gitCommit`, or `sha1` (how SLSA v0.2 spells a git commit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from soxtrail.sources.ci_context import normalise_commit, split_source_uri
from soxtrail.sources.reader import Node

_GITHUB_RUN = re.compile(r"^https://github\.com/[^/]+/[^/]+/actions/runs/(\d+)(?:/|$)")


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """The fields of a provenance predicate that controls use."""

    builder_id: str | None = None
    build_type: str | None = None
    source_uri: str | None = None
    source_commit: str | None = None
    source_ref: str | None = None
    invocation_id: str | None = None
    finished_at: datetime | None = None

    @property
    def run(self) -> str | None:
        """The `github:<run id>` of a GitHub Actions invocation id, else None."""
        match = _GITHUB_RUN.match(self.invocation_id or "")
        return f"github:{match[1]}" if match else None


def _commit_of(descriptor: Node) -> str | None:
    digest = descriptor.opt_obj("digest")
    if digest is None:
        return None
    for algorithm in ("gitCommit", "sha1"):
        value = digest.opt_str(algorithm)
        if value is not None:
            return normalise_commit(value)
    return None


def _first_git(descriptors: list[Node]) -> tuple[str | None, str | None]:
    """The uri and commit of the first resource descriptor with a git commit digest."""
    for descriptor in descriptors:
        commit = _commit_of(descriptor)
        if commit is not None:
            return descriptor.opt_str("uri"), commit
    return None, None


def _ref_of(uri: str | None) -> str | None:
    """The ref after `@` in a `git+https://host/owner/name@refs/...` URI."""
    return split_source_uri(uri)[1] if uri else None


def _v1(predicate: Node) -> BuildInfo:
    definition = predicate.obj("buildDefinition")
    details = predicate.obj("runDetails")
    parameters = definition.opt_obj("externalParameters")
    source = parameters.opt_child("source") if parameters is not None else None
    uri: str | None = None
    commit: str | None = None
    if source is not None and isinstance(source.value, dict) and source.has("uri"):
        uri, commit = source.req_str("uri"), _commit_of(source)
    if commit is None:
        dep_uri, commit = _first_git(list(definition.items("resolvedDependencies")))
        uri = dep_uri or uri
    ref = _ref_of(uri)
    workflow = parameters.opt_child("workflow") if parameters is not None else None
    if workflow is not None and isinstance(workflow.value, dict):
        uri = uri or workflow.opt_str("repository")
        ref = ref or workflow.opt_str("ref")
    metadata = details.opt_obj("metadata")
    finished = None
    if metadata is not None:
        finished = metadata.opt_instant("finishedOn") or metadata.opt_instant("startedOn")
    return BuildInfo(
        builder_id=details.obj("builder").req_str("id"),
        build_type=definition.req_str("buildType"),
        source_uri=uri,
        source_commit=commit,
        source_ref=ref,
        invocation_id=metadata.opt_str("invocationId") if metadata is not None else None,
        finished_at=finished,
    )


def _v0(predicate: Node) -> BuildInfo:
    materials = list(predicate.items("materials"))
    uri: str | None = None
    commit: str | None = None
    invocation = predicate.opt_obj("invocation")
    config = invocation.opt_obj("configSource") if invocation is not None else None
    recipe = predicate.opt_obj("recipe")
    if config is not None:
        uri, commit = config.opt_str("uri"), _commit_of(config)
    elif recipe is not None and recipe.opt_int("definedInMaterial") is not None:
        index = recipe.req_int("definedInMaterial")
        if 0 <= index < len(materials):
            uri, commit = materials[index].opt_str("uri"), _commit_of(materials[index])
    if commit is None:
        material_uri, commit = _first_git(materials)
        uri = material_uri or uri
    metadata = predicate.opt_obj("metadata")
    invocation_id: str | None = None
    finished = None
    if metadata is not None:
        invocation_id = metadata.opt_str("buildInvocationID") or metadata.opt_str(
            "buildInvocationId"
        )
        finished = metadata.opt_instant("buildFinishedOn") or metadata.opt_instant("buildStartedOn")
    build_type = predicate.opt_str("buildType")
    if build_type is None and recipe is not None:
        build_type = recipe.opt_str("type")
    return BuildInfo(
        builder_id=predicate.obj("builder").req_str("id"),
        build_type=build_type,
        source_uri=uri,
        source_commit=commit,
        source_ref=_ref_of(uri),
        invocation_id=invocation_id,
        finished_at=finished,
    )


def build_info(predicate: Node | None) -> BuildInfo:
    """What a predicate says about the build, by its shape (v1, v0.2/v0.1, or other).

    Raises:
        InputError: a SLSA predicate lacks a key its version requires (`builder.id`;
            v1 `buildDefinition.buildType`, `runDetails`), or has one of the wrong type.
    """
    if predicate is None or not isinstance(predicate.value, dict):
        return BuildInfo()
    if predicate.has("buildDefinition"):
        return _v1(predicate)
    if predicate.has("builder"):
        return _v0(predicate)
    return BuildInfo()
