"""Publish the release folder to the Hugging Face Hub as one commit tagged ``v<version>``.

The tag is the release: consumers pin ``load_dataset(repo_id, revision="v<version>")``. A version is published
once. Re-publishing identical content is a no-op, and different content under an existing tag is refused, so a tag
never moves. The commit makes the repository tree equal to the release folder (files left over from an older release,
such as a shard that no longer exists, are deleted in the same commit), because the card's ``data/train-*`` pattern
would otherwise read them into the split.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import httpx2  # huggingface_hub 2.x transport: its connection errors are not OSErrors
import polars as pl
from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, get_token
from huggingface_hub.errors import HFValidationError, RepositoryNotFoundError
from huggingface_hub.hf_api import GitRefs
from huggingface_hub.utils import set_client_factory, validate_repo_id

from pipeline.errors import GateFailed
from pipeline.outputs import Outputs
from pipeline.release import manifest as release
from pipeline.release.manifest import MANIFEST_NAME as MANIFEST
from pipeline.release.manifest import verify_files

REPO_TYPE = "dataset"
# Created by the Hub in every repository (LFS rules). It is not part of a release, so it is never deleted.
HUB_OWNED_FILES = frozenset({".gitattributes"})
# semver.org 2.0.0, verbatim.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
# What a failed Hub call raises: HfHubHTTPError and OfflineModeIsEnabled are OSErrors, a README the Hub rejects is a
# ValueError, and a refused connection or a timeout is an httpx2.HTTPError.
HUB_ERRORS = (OSError, ValueError, httpx2.HTTPError)
LOGIN_HINT = "set HF_TOKEN to a token with write access, or run `hf auth login` once to save one"


@dataclasses.dataclass(frozen=True)
class PublishResult:
    repo_id: str
    tag: str
    action: Literal["published", "unchanged", "dry-run"]
    commit: str | None  # the commit the tag points to; None for a dry run


def main(
    *, dataset_dir: Path, repo_id: str, private: bool, dry_run: bool, releases_dir: Path | None, timeout: float
) -> None:
    use_timeout(timeout)
    publish(dataset_dir, repo_id, private=private, dry_run=dry_run, releases_dir=releases_dir)


def use_timeout(seconds: float) -> None:
    """Give every Hub request a timeout: huggingface_hub's default client waits forever for a silent server."""
    from huggingface_hub.utils._http import hf_request_event_hook

    set_client_factory(
        lambda: httpx2.Client(
            event_hooks={"request": [hf_request_event_hook]}, follow_redirects=True, timeout=httpx2.Timeout(seconds)
        )
    )


def publish(
    dataset_dir: Path,
    repo_id: str,
    *,
    private: bool = False,
    dry_run: bool = False,
    api: HfApi | None = None,
    echo: Callable[[str], None] = print,
    releases_dir: Path | None = None,
) -> PublishResult:
    """Upload ``dataset_dir`` to the dataset repo ``repo_id`` and tag it; ``dry_run`` only reports what would happen.

    Raises GateFailed when the release may not be published or the Hub refused it; the token is never in the message.
    """
    try:
        validate_repo_id(repo_id)
    except HFValidationError as err:
        raise GateFailed(f"invalid --repo-id {repo_id!r}: {err}") from None
    manifest = verify_files(dataset_dir)
    _check_releasable(manifest)
    # The folder may be stale: the latest validation of its output root must have passed, for the same inputs.
    release.passed_validation(Outputs(Path(dataset_dir).parent).validation_report, manifest["input_fingerprint"])
    if releases_dir is not None:
        # The folder's status dates from its build: a release of other content may have been recorded since.
        _, status, _ = release.build_status(
            release.recorded_releases(releases_dir),
            release.parse_version(manifest["version"]),
            manifest["fingerprint"],
        )
        if status.startswith(release.UNRELEASED):
            raise GateFailed(f"release {manifest['version']}: {status}")
    token = get_token()
    api = api or HfApi()
    if dry_run:
        return _dry_run(dataset_dir, manifest, repo_id, api, token, echo)
    if token is None:
        raise GateFailed(f"no Hugging Face token: {LOGIN_HINT}")
    return _publish(dataset_dir, manifest, repo_id, private, api, token, echo)


def _check_releasable(manifest: dict[str, Any]) -> None:
    version = manifest["version"]
    if not SEMVER.match(version):
        raise GateFailed(f"version {version!r} in {MANIFEST} is not a semantic version (MAJOR.MINOR.PATCH)")
    validation = manifest["validation"]
    if not validation["passed"]:
        raise GateFailed(
            f"validation did not pass ({validation['checks_passed']} of {validation['checks']} checks): "
            f"refusing to publish {version}"
        )
    status = manifest["release_status"]
    if status.startswith(release.UNRELEASED):
        raise GateFailed(f"build {version} cannot be published: {status}")


def _tag(manifest: dict[str, Any]) -> str:
    return f"v{manifest['version']}"


def _load_line(repo_id: str, tag: str) -> str:
    return f'load_dataset("{repo_id}", revision="{tag}")'


def _redact(text: str, token: str | None) -> str:
    return text.replace(token, "<token>") if token else text


def _describe(err: BaseException, token: str | None) -> str:
    # Hub error messages quote the server's reply, and nothing guarantees that the reply leaves the credentials out.
    return _redact(f"{type(err).__name__}: {err}", token)


@contextmanager
def _hub_step(what: str, token: str | None) -> Iterator[None]:
    """Turn a failed Hub call into a GateFailed saying what failed, with the token removed from the cause.

    ``from None`` keeps the original exception, whose request carries the Authorization header, out of tracebacks.
    """
    try:
        yield
    except HUB_ERRORS as err:
        raise GateFailed(f"{what} failed: {_describe(err, token)}") from None


def _release_tags(refs: GitRefs) -> dict[str, str]:
    """Tag name -> commit for the tags that name a release (``v`` + semver)."""
    return {
        ref.name: ref.target_commit for ref in refs.tags if ref.name.startswith("v") and SEMVER.match(ref.name[1:])
    }


def _main_head(refs: GitRefs) -> str | None:
    return next((ref.target_commit for ref in refs.branches if ref.name == "main"), None)


def _semver_key(tag: str) -> tuple[int, int, int, tuple[tuple[int, int, str], ...]]:
    """semver precedence: a pre-release sorts before its release, numeric identifiers before alphanumeric ones."""
    major, minor, patch, pre, _build = SEMVER.match(tag[1:]).groups()
    if pre is None:
        # (2, ...) sorts after every pre-release identifier, which start with 0 (numeric) or 1 (alphanumeric).
        return int(major), int(minor), int(patch), ((2, 0, ""),)
    identifiers = tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split("."))
    return int(major), int(minor), int(patch), identifiers


def _fetch_manifest(api: HfApi, repo_id: str, revision: str, token: str | None) -> dict[str, Any]:
    # A throwaway cache: publishing should not leave copies of old manifests in the user's Hub cache.
    with tempfile.TemporaryDirectory(prefix="publish-") as cache:
        path = api.hf_hub_download(
            repo_id, MANIFEST, repo_type=REPO_TYPE, revision=revision, cache_dir=cache, token=token
        )
        return json.loads(Path(path).read_text(encoding="utf-8"))


def _stale_files(api: HfApi, repo_id: str, head: str | None, manifest: dict[str, Any], token: str | None) -> list[str]:
    """Files on main that are not part of this release (deleted in the release commit)."""
    if head is None:
        return []
    keep = {entry["path"] for entry in manifest["files"]} | {MANIFEST} | HUB_OWNED_FILES
    return sorted(set(api.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=head, token=token)) - keep)


def _upload_listing(dataset_dir: Path, manifest: dict[str, Any]) -> list[tuple[str, int]]:
    listed = [(entry["path"], entry["size"]) for entry in manifest["files"]]
    return sorted(listed) + [(MANIFEST, (dataset_dir / MANIFEST).stat().st_size)]


def _publish(
    dataset_dir: Path,
    manifest: dict[str, Any],
    repo_id: str,
    private: bool,
    api: HfApi,
    token: str,
    echo: Callable[[str], None],
) -> PublishResult:
    tag = _tag(manifest)
    with _hub_step(f"creating dataset repo {repo_id}", token):
        api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True, token=token)
    with _hub_step(f"listing the tags of {repo_id}", token):
        refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE, token=token)
    tags = _release_tags(refs)
    if tag in tags:
        return _already_published(manifest, repo_id, tag, tags[tag], api, token, echo)
    head = _main_head(refs)
    with _hub_step(f"listing the files on main of {repo_id}", token):
        stale = _stale_files(api, repo_id, head, manifest, token)
    listing = _upload_listing(dataset_dir, manifest)
    operations = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=dataset_dir / path) for path, _ in listing]
    operations += [CommitOperationDelete(path_in_repo=path) for path in stale]
    deleting = f", deleting {len(stale)} left from older releases" if stale else ""
    echo(f"uploading {len(listing)} files to {repo_id} for {tag}{deleting}")
    # One create_commit, not upload_folder: with hf_xet installed upload_folder may split a large folder into several
    # commits, and a tag must point at a commit holding the whole release. parent_commit makes the Hub refuse the
    # commit if main moved since the file listing above, so the deletions are never computed from a stale tree.
    with _hub_step(f"uploading {tag} to {repo_id} (nothing was tagged)", token):
        commit = api.create_commit(
            repo_id,
            operations,
            commit_message=f"Release {manifest['name']} {tag}",
            commit_description=f"fingerprint {manifest['fingerprint']}, rows {json.dumps(manifest['rows'])}",
            repo_type=REPO_TYPE,
            parent_commit=head,
            token=token,
        )
    echo(f"commit {commit.oid}: {commit.commit_url}")
    with _hub_step(f"tagging commit {commit.oid} as {tag} (the commit is on main, untagged; re-run publish)", token):
        api.create_tag(
            repo_id,
            tag=tag,
            revision=commit.oid,
            tag_message=f"{manifest['name']} {manifest['version']} fingerprint {manifest['fingerprint']}",
            repo_type=REPO_TYPE,
            token=token,
        )
    echo(f"tagged {tag}")
    echo(_load_line(repo_id, tag))
    return PublishResult(repo_id=repo_id, tag=tag, action="published", commit=commit.oid)


def _already_published(
    manifest: dict[str, Any],
    repo_id: str,
    tag: str,
    commit: str,
    api: HfApi,
    token: str,
    echo: Callable[[str], None],
) -> PublishResult:
    with _hub_step(f"reading {MANIFEST} at {tag}", token):
        published = _fetch_manifest(api, repo_id, tag, token)
    if published.get("fingerprint") != manifest["fingerprint"]:
        raise GateFailed(
            f"{tag} already published on {repo_id} with different content (fingerprint"
            f" {published.get('fingerprint')} there, {manifest['fingerprint']} here); bump package.version"
        )
    echo(f"{tag} is already published on {repo_id} with the same content (commit {commit}); nothing to do")
    echo(_load_line(repo_id, tag))
    return PublishResult(repo_id=repo_id, tag=tag, action="unchanged", commit=commit)


def _dry_run(
    dataset_dir: Path,
    manifest: dict[str, Any],
    repo_id: str,
    api: HfApi,
    token: str | None,
    echo: Callable[[str], None],
) -> PublishResult:
    """Report the upload and the diff against the Hub using read-only calls."""
    tag = _tag(manifest)
    echo(f"dry run: nothing will be changed on the Hub{'' if token else ' (no token: public data only)'}")
    echo(f"would upload to {repo_id} in one commit, then tag it {tag}:")
    for path, size in _upload_listing(dataset_dir, manifest):
        echo(f"  {path}  {size} bytes")
    baseline: dict[str, Any] | None = None
    try:
        refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE, token=token)
        tags = _release_tags(refs)
        if tag in tags:
            same = _fetch_manifest(api, repo_id, tag, token).get("fingerprint") == manifest["fingerprint"]
            verdict = "same content: publishing would be a no-op" if same else "different content: would be refused"
            echo(f"{tag} is already on the Hub with {verdict}")
        for path in _stale_files(api, repo_id, _main_head(refs), manifest, token):
            echo(f"would delete from main (not in this release): {path}")
        latest = max(tags, key=_semver_key, default=None)
        if latest is not None:
            baseline = _fetch_manifest(api, repo_id, latest, token)
            echo(f"diff against {latest}, the latest version on the Hub:")
        else:
            echo(f"{repo_id} has no published version yet; diff against nothing:")
    except RepositoryNotFoundError:
        echo(f"{repo_id} does not exist on the Hub or is not visible with this token (it would be created);")
        echo("diff against nothing:")
    except HUB_ERRORS as err:
        echo(f"could not read from the Hub ({_describe(err, token)}); diff against nothing:")
    for line in _diff_lines(manifest["content_hashes"], (baseline or {}).get("content_hashes", {})):
        echo(line)
    return PublishResult(repo_id=repo_id, tag=tag, action="dry-run", commit=None)


def _diff_lines(local: dict[str, str], published: dict[str, str], shown: int = 5) -> list[str]:
    """Added, removed and changed record ids (release.diff), each with the first few ids as examples."""
    changes = release.diff(published, local)
    lines = []
    for label in release.CHANGE_KINDS:
        ids = changes.filter(pl.col("change") == label)["id"].to_list()  # by id
        examples = ", ".join(ids[:shown]) + (", ..." if len(ids) > shown else "")
        lines.append(f"  {label}: {len(ids)}" + (f" ({examples})" if ids else ""))
    return lines
