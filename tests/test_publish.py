"""pipeline.release.publish against a local Hub stand-in: an HTTP server on 127.0.0.1 (tests/hub_standin.py).

Why a server rather than a fake API object: the real ``huggingface_hub.HfApi`` client then runs unchanged (argument
validation, request building, error mapping, the real ``create_commit`` and ``hf_hub_download`` code paths), so a
wrong keyword or a misread reply fails here rather than on the first real release. The client is pointed at the
server with ``HfApi(endpoint=...)``, which every call used here honours; HF_ENDPOINT is not needed (it is read at
import time). The stand-in marks every file "regular" in its preupload reply, so file bytes travel inline in the
commit and the LFS/Xet transfer service is not involved. Those transfers are huggingface_hub's own code, and the
release files are tiny stand-ins (publishing never parses them).

Every test also checks that the token never appears in stdout, stderr, logs or files under tmp_path.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
import socket
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub.constants
import pytest
import yaml
from conftest import REPO_ROOT
from hub_standin import GITATTRIBUTES, HubStandIn
from huggingface_hub import HfApi

from pipeline import cli
from pipeline.errors import GateFailed
from pipeline.release import publish as publish_module
from pipeline.release.publish import _semver_key, publish

TOKEN = "hf_standinSECRET0123456789abcdefXYZ"
REPO = "acme/news"


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HF_TOKEN set, no saved login, online mode: whatever the developer's machine or CI has configured.

    Returns the path where a saved login would live (outside tmp_path, whose files are scanned for the token).
    """
    token_path = tmp_path_factory.mktemp("hf_home") / "token"
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(token_path))
    # .ci may set HF_HUB_OFFLINE=1, which huggingface_hub reads at import; the stand-in is local, so allow requests.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    for name in ("HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    return token_path


@pytest.fixture(autouse=True)
def token_never_leaks(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> Iterator:
    caplog.set_level(logging.DEBUG)
    yield
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert TOKEN not in caplog.text
    leaking = [path for path in tmp_path.rglob("*") if path.is_file() and TOKEN.encode() in path.read_bytes()]
    assert not leaking


@pytest.fixture
def hub() -> Iterator[HubStandIn]:
    with HubStandIn(token=TOKEN) as server:
        yield server


@pytest.fixture
def api(hub: HubStandIn) -> HfApi:
    return HfApi(endpoint=hub.url)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "dataset"


def make_release(
    folder: Path,
    version: str,
    records: dict[str, str],
    *,
    shards: int = 1,
    passed: bool = True,
    status: str = "recorded",
    validation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A release folder shaped like the package stage's: card, shards, changes, release.json (sha256 per file),
    and beside it the output root's latest validation report (passed, for the same inputs, unless given)."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    (folder / "README.md").write_text(f"---\npretty_name: Toy News\n---\n# Toy News {version}\n")
    ids = sorted(records)
    for index in range(shards):
        shard = {key: records[key] for key in ids[index::shards]}
        (folder / "data" / f"train-{index:05d}-of-{shards:05d}.parquet").write_text(json.dumps(shard))
    (folder / "changes.parquet").write_text(f"changes up to {version}")
    files = [
        {
            "path": path.relative_to(folder).as_posix(),
            "sha256": _sha256(path.read_bytes()),
            "size": path.stat().st_size,
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    manifest = {
        "name": "toy-news",
        "version": version,
        "fingerprint": _sha256("\n".join(f"{f['path']} {f['sha256']}" for f in files).encode()),
        "files": files,
        "rows": {"train": len(records)},
        "pipeline_commit": "0" * 40,
        "input_fingerprint": "1" * 64,
        "validation": {"passed": passed, "checks_passed": 9 if passed else 7, "checks": 9, "quarantined_by_rule": {}},
        "previous_version": None,
        "changes": {"added": len(records), "removed": 0, "changed": 0},
        "release_status": status,
        "content_hashes": {key: _sha256(text.encode()) for key, text in records.items()},
    }
    (folder / "release.json").write_text(json.dumps(manifest, indent=2))
    report = {"passed": passed, "input_fingerprint": manifest["input_fingerprint"]} | (validation or {})
    (folder.parent / "reports").mkdir(exist_ok=True)
    (folder.parent / "reports" / "validation.json").write_text(json.dumps(report))
    return manifest


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def folder_files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def output(capsys: pytest.CaptureFixture[str]) -> str:
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return out


def hub_state(hub: HubStandIn) -> dict[str, Any]:
    return {repo_id: (list(repo.history), dict(repo.branches), dict(repo.tags)) for repo_id, repo in hub.repos.items()}


def test_first_release_creates_the_repo_commits_once_and_tags(
    hub: HubStandIn, api: HfApi, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha", "b": "beta"})

    result = publish(folder, REPO, api=api)

    repo = hub.repos[REPO]
    assert not repo.private
    assert len(repo.history) == 2  # the Hub's initial commit, then the release
    release_commit = repo.history[-1]
    assert repo.tags == {"v1.0.0": release_commit}
    assert result == publish_module.PublishResult(REPO, "v1.0.0", "published", release_commit)
    assert hub.tree(REPO, "v1.0.0") == {".gitattributes": GITATTRIBUTES, **folder_files(folder)}
    assert "v1.0.0" in repo.messages[release_commit]
    out = output(capsys)
    assert release_commit in out
    assert 'load_dataset("acme/news", revision="v1.0.0")' in out.splitlines()
    # The token was really used: every write carried it.
    writes = [auth for (method, _), auth in zip(hub.requests, hub.authorizations, strict=True) if method == "POST"]
    assert writes and set(writes) == {f"Bearer {TOKEN}"}


def test_private_is_honoured_at_creation(hub: HubStandIn, api: HfApi, folder: Path) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    publish(folder, REPO, private=True, api=api)
    assert hub.repos[REPO].private


def test_new_version_adds_a_commit_and_a_tag_and_leaves_the_first_untouched(
    hub: HubStandIn, api: HfApi, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha", "b": "beta"}, shards=2)
    first = publish(folder, REPO, api=api)
    first_tree = hub.tree(REPO, "v1.0.0")

    make_release(folder, "1.1.0", {"a": "alpha", "b": "beta", "c": "gamma"}, shards=1)
    second = publish(folder, REPO, api=api)

    repo = hub.repos[REPO]
    assert repo.history[1:] == [first.commit, second.commit]
    assert repo.tags == {"v1.0.0": first.commit, "v1.1.0": second.commit}
    assert hub.tree(REPO, "v1.0.0") == first_tree
    # The second shard of 1.0.0 is gone at v1.1.0, or data/train-* would read it into the split.
    assert hub.tree(REPO, "v1.1.0") == {".gitattributes": GITATTRIBUTES, **folder_files(folder)}
    assert 'load_dataset("acme/news", revision="v1.1.0")' in output(capsys).splitlines()


def test_republishing_the_same_version_is_a_no_op(
    hub: HubStandIn, api: HfApi, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    first = publish(folder, REPO, api=api)
    before, writes_before = hub_state(hub), len(hub.writes())
    capsys.readouterr()

    again = publish(folder, REPO, api=api)

    assert again == publish_module.PublishResult(REPO, "v1.0.0", "unchanged", first.commit)
    assert hub_state(hub) == before
    assert hub.writes()[writes_before:] == [("POST", "/api/repos/create")]  # exist_ok probe only, no commit or tag
    assert "nothing to do" in output(capsys)


def test_conflicting_republish_is_refused_and_changes_nothing(hub: HubStandIn, api: HfApi, folder: Path) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    publish(folder, REPO, api=api)
    before, trees = hub_state(hub), dict(hub.repos[REPO].commits)

    make_release(folder, "1.0.0", {"a": "alpha, corrected"})
    with pytest.raises(GateFailed, match=r"v1\.0\.0 already published .* different content .*; bump package\.version"):
        publish(folder, REPO, api=api)

    assert hub_state(hub) == before
    assert hub.repos[REPO].commits == trees


def test_failed_upload_tags_nothing_and_keeps_the_token_out_of_the_error(
    hub: HubStandIn, api: HfApi, folder: Path
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    publish(folder, REPO, api=api)
    before = hub_state(hub)
    hub.fail_commits = True  # the stand-in's 500 reply quotes the Authorization header

    make_release(folder, "1.1.0", {"a": "alpha", "b": "beta"})
    with pytest.raises(GateFailed, match=r"uploading v1\.1\.0 .*nothing was tagged") as caught:
        publish(folder, REPO, api=api)

    assert hub_state(hub) == before
    message = "".join(traceback.format_exception(caught.value))
    assert "storage backend unavailable" in message and "<token>" in message
    assert TOKEN not in message


def test_failed_tagging_says_so_and_a_rerun_tags_the_release(hub: HubStandIn, api: HfApi, folder: Path) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    hub.fail_tags = True
    with pytest.raises(GateFailed, match=r"tagging commit \w+ as v1\.0\.0 .*re-run publish") as caught:
        publish(folder, REPO, api=api)
    assert hub.repos[REPO].tags == {}
    assert TOKEN not in str(caught.value)

    hub.fail_tags = False
    result = publish(folder, REPO, api=api)
    assert hub.repos[REPO].tags == {"v1.0.0": result.commit}


def test_dry_run_changes_nothing_and_lists_files_and_the_diff(
    hub: HubStandIn, api: HfApi, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha", "b": "beta", "c": "gamma"}, shards=2)
    publish(folder, REPO, api=api)
    before, requests_before = hub_state(hub), len(hub.requests)
    capsys.readouterr()

    manifest = make_release(folder, "1.1.0", {"a": "alpha", "b": "beta, corrected", "d": "delta"})
    result = publish(folder, REPO, dry_run=True, api=api)

    assert result == publish_module.PublishResult(REPO, "v1.1.0", "dry-run", None)
    assert hub_state(hub) == before
    assert {method for method, _ in hub.requests[requests_before:]} <= {"GET", "HEAD"}
    lines = output(capsys).splitlines()
    for entry in manifest["files"]:
        assert f"  {entry['path']}  {entry['size']} bytes" in lines
    assert f"  release.json  {(folder / 'release.json').stat().st_size} bytes" in lines
    assert "diff against v1.0.0, the latest version on the Hub:" in lines
    assert lines[-3:] == ["  added: 1 (d)", "  removed: 1 (c)", "  changed: 1 (b)"]
    assert "would delete from main (not in this release): data/train-00001-of-00002.parquet" in lines


def test_dry_run_diffs_against_the_highest_semver_tag(
    api: HfApi, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_release(folder, "1.10.0", {"a": "alpha", "b": "beta"})
    publish(folder, REPO, api=api)
    make_release(folder, "1.9.0", {"a": "alpha"})  # published later, but an older version
    publish(folder, REPO, api=api)
    capsys.readouterr()

    make_release(folder, "1.11.0", {"a": "alpha", "b": "beta"})
    publish(folder, REPO, dry_run=True, api=api)

    lines = output(capsys).splitlines()
    assert "diff against v1.10.0, the latest version on the Hub:" in lines
    assert lines[-3:] == ["  added: 0", "  removed: 0", "  changed: 0"]


@pytest.mark.parametrize(
    ("records", "verdict"),
    [({"a": "alpha"}, "same content: publishing would be a no-op"), ({"a": "other"}, "different content: would be")],
)
def test_dry_run_says_what_would_happen_to_an_existing_tag(
    hub: HubStandIn,
    api: HfApi,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    records: dict[str, str],
    verdict: str,
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    publish(folder, REPO, api=api)
    before = hub_state(hub)

    make_release(folder, "1.0.0", records)
    publish(folder, REPO, dry_run=True, api=api)

    assert f"v1.0.0 is already on the Hub with {verdict}" in output(capsys)
    assert hub_state(hub) == before


def test_dry_run_of_a_repo_that_does_not_exist_yet(
    hub: HubStandIn, api: HfApi, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha", "b": "beta"})
    publish(folder, REPO, dry_run=True, api=api)

    assert hub.repos == {} and hub.writes() == []
    out = output(capsys)
    assert "acme/news does not exist on the Hub" in out
    assert out.splitlines()[-3:] == ["  added: 2 (a, b)", "  removed: 0", "  changed: 0"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("unreachable", ["connection refused", "offline mode"])
def test_dry_run_works_without_a_token_and_without_the_hub(
    monkeypatch: pytest.MonkeyPatch,
    hub: HubStandIn,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    unreachable: str,
) -> None:
    monkeypatch.delenv("HF_TOKEN")
    if unreachable == "offline mode":
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        api = HfApi(endpoint=hub.url)
    else:
        api = HfApi(endpoint=f"http://127.0.0.1:{_closed_port()}")
    make_release(folder, "1.0.0", {"a": "alpha"})

    result = publish(folder, REPO, dry_run=True, api=api)

    assert result.action == "dry-run"
    assert hub.requests == []
    out = output(capsys)
    assert "no token" in out
    assert "could not read from the Hub (" in out
    assert out.splitlines()[-3:] == ["  added: 1 (a)", "  removed: 0", "  changed: 0"]


def _tamper(folder: Path) -> None:
    shard = folder / "data" / "train-00000-of-00001.parquet"
    shard.write_bytes(shard.read_bytes().upper())  # same size, different bytes


@pytest.mark.parametrize(
    ("release", "damage", "reason"),
    [
        ({"passed": False}, None, r"validation did not pass \(7 of 9 checks\)"),
        (
            {"status": "unreleased: the content differs from the recorded v1.0.0; bump package.version to release it"},
            None,
            r"cannot be published: unreleased.*bump package\.version",
        ),
        ({"validation": {"passed": False}}, None, r"validation gate did not pass"),
        ({"validation": {"input_fingerprint": "2" * 64}}, None, r"made for other raw inputs"),
        ({}, _tamper, r"modified data/train-00000-of-00001\.parquet"),
        ({}, lambda f: (f / "changes.parquet").unlink(), r"missing changes\.parquet"),
        ({}, lambda f: (f / "data" / "stray.parquet").write_text("x"), r"unexpected data/stray\.parquet"),
        ({}, lambda f: (f / "release.json").unlink(), r"release\.json not found"),
    ],
    ids=[
        "validation-failed",
        "unreleased",
        "stale-folder-after-failed-gate",
        "report-of-other-inputs",
        "tampered",
        "missing",
        "extra",
        "no-manifest",
    ],
)
def test_refuses_unpublishable_releases_before_contacting_the_hub(
    hub: HubStandIn, api: HfApi, folder: Path, release: dict[str, Any], damage: Any, reason: str
) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"}, **release)
    if damage:
        damage(folder)
    for dry_run in (False, True):
        with pytest.raises(GateFailed, match=reason):
            publish(folder, REPO, dry_run=dry_run, api=api)
    assert hub.requests == []


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "01.0.0", "1.0.0-"])
def test_refuses_a_version_that_is_not_semver(hub: HubStandIn, api: HfApi, folder: Path, version: str) -> None:
    make_release(folder, version, {"a": "alpha"})
    with pytest.raises(GateFailed, match="not a semantic version"):
        publish(folder, REPO, api=api)
    assert hub.requests == []


def test_refuses_without_a_token_and_says_how_to_log_in(
    monkeypatch: pytest.MonkeyPatch, hub: HubStandIn, api: HfApi, folder: Path
) -> None:
    monkeypatch.delenv("HF_TOKEN")
    make_release(folder, "1.0.0", {"a": "alpha"})
    with pytest.raises(GateFailed, match=r"no Hugging Face token: set HF_TOKEN .*`hf auth login`"):
        publish(folder, REPO, api=api)
    assert hub.requests == []


def test_a_saved_login_is_used_when_hf_token_is_unset(
    monkeypatch: pytest.MonkeyPatch, hub_env: Path, hub: HubStandIn, api: HfApi, folder: Path
) -> None:
    monkeypatch.delenv("HF_TOKEN")
    hub_env.write_text(TOKEN)
    make_release(folder, "1.0.0", {"a": "alpha"})
    publish(folder, REPO, api=api)
    assert set(hub.repos[REPO].tags) == {"v1.0.0"}


def test_refuses_an_invalid_repo_id(hub: HubStandIn, api: HfApi, folder: Path) -> None:
    make_release(folder, "1.0.0", {"a": "alpha"})
    with pytest.raises(GateFailed, match="invalid --repo-id"):
        publish(folder, "acme/news/extra", api=api)
    assert hub.requests == []


def test_cli_exit_codes_and_no_token_in_its_output(
    monkeypatch: pytest.MonkeyPatch, hub: HubStandIn, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(publish_module, "HfApi", functools.partial(HfApi, endpoint=hub.url))
    # Its own (empty) releases folder: the repo's releases/ records the real dataset's versions.
    argv = ["publish", "--repo-id", REPO, "--dataset", str(folder), "--releases", str(folder.parent / "releases")]

    make_release(folder, "1.0.0", {"a": "alpha"})
    assert cli.main(argv) == 0
    assert 'load_dataset("acme/news", revision="v1.0.0")' in output(capsys).splitlines()

    hub.fail_commits = True
    make_release(folder, "1.1.0", {"a": "alpha", "b": "beta"})
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    assert err.startswith("FAILED: uploading v1.1.0")
    assert TOKEN not in out + err


def test_semver_precedence_orders_tags_like_semver_org() -> None:
    ordered = [
        "v0.9.0",
        "v1.0.0-alpha",
        "v1.0.0-alpha.1",
        "v1.0.0-alpha.beta",
        "v1.0.0-beta",
        "v1.0.0-beta.2",
        "v1.0.0-beta.11",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v1.9.0",
        "v1.10.0",
    ]
    assert sorted(reversed(ordered), key=_semver_key) == ordered


def test_refuses_a_version_recorded_since_with_other_content(tmp_path: Path) -> None:
    """The folder says 'unrecorded', but releases/ now holds v1.0.0 with another fingerprint: refused, offline."""
    folder = tmp_path / "dataset"
    make_release(folder, "1.0.0", {"a": "alpha"})
    releases = tmp_path / "releases"
    releases.mkdir()
    recorded = json.loads((folder / "release.json").read_text()) | {"fingerprint": "0" * 64}
    (releases / "v1.0.0.json").write_text(json.dumps(recorded))
    with pytest.raises(GateFailed, match="the content differs from the recorded v1.0.0"):
        publish(folder, "org/news", dry_run=True, releases_dir=releases, echo=lambda _: None)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_silent_hub_fails_within_the_timeout(folder: Path, dry_run: bool) -> None:
    """An endpoint that accepts the connection and never answers: every Hub call gives up after the timeout."""
    make_release(folder, "1.0.0", {"a": "alpha"})
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        api = HfApi(endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}")
        publish_module.use_timeout(0.5)
        started = time.monotonic()
        try:
            if dry_run:
                lines: list[str] = []
                publish(folder, REPO, dry_run=True, api=api, echo=lines.append)
                assert any("could not read from the Hub (" in line and "Timeout" in line for line in lines), lines
            else:
                with pytest.raises(GateFailed, match="creating dataset repo acme/news failed: .*Timeout"):
                    publish(folder, REPO, api=api)
        finally:
            publish_module.use_timeout(30)
        assert time.monotonic() - started < 60


def test_the_repository_defaults_to_the_one_the_card_names(
    monkeypatch: pytest.MonkeyPatch, hub: HubStandIn, folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --repo-id, publish uploads to params.yaml's package.repo_id: the card and the upload cannot disagree."""
    monkeypatch.setattr(publish_module, "HfApi", functools.partial(HfApi, endpoint=hub.url))
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["package"]["repo_id"] = REPO
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(params), encoding="utf-8")
    make_release(folder, "1.0.0", {"a": "alpha"})
    argv = ["publish", "--params", str(params_file), "--dataset", str(folder)]
    assert cli.main([*argv, "--releases", str(folder.parent / "releases")]) == 0
    assert 'load_dataset("acme/news", revision="v1.0.0")' in output(capsys).splitlines()
    assert "v1.0.0" in hub.repos[REPO].tags
