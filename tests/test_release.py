"""Release versions: recording manifests, diffs between successive releases, and the bump rule."""

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

# The input builders live with the package tests (which also set the HF offline environment first).
from test_package import ARTICLES, build, card_section, make_article

from pipeline.config import ConfigError
from pipeline.errors import GateFailed
from pipeline.io import read_json, write_json
from pipeline.release import manifest as release


def test_second_release_lists_exactly_the_new_article(tmp_path: Path) -> None:
    first = build(tmp_path, ARTICLES)
    recorded = release.record(dataset_dir=first.dataset, releases_dir=tmp_path / "releases")
    new = make_article(99)

    second = build(tmp_path, [*ARTICLES, new], version="1.1.0")

    assert recorded == tmp_path / "releases" / "v1.0.0.json"
    manifest = read_json(second.dataset / "release.json")
    assert manifest["previous_version"] == "1.0.0"
    assert manifest["changes"] == {"added": 1, "removed": 0, "changed": 0}
    assert manifest["release_status"] == "unrecorded"
    changes = pl.read_parquet(second.dataset / "changes.parquet")
    assert changes.rows() == [(new["id"], "added", new["title"])]
    readme = (second.dataset / "README.md").read_text(encoding="utf-8")
    assert card_section(readme, "### v1.1.0 (this release)") == [["added", f"`{new['id']}`", new["title"]]]
    assert "Against v1.0.0: 1 added, 0 removed, 0 changed" in readme
    assert card_section(readme, "### Earlier releases") == [["v1.0.0", "5", "5", "0", "0"]]
    assert release.record(dataset_dir=second.dataset, releases_dir=tmp_path / "releases").name == "v1.1.0.json"


def test_changed_and_removed_articles_are_diffed_by_content_hash() -> None:
    previous = {"a": "1", "b": "2", "c": "3"}
    current = {"a": "1", "b": "changed", "d": "4"}

    titles = pl.DataFrame({"id": ["a", "b", "d"], "title": ["A", "B", "D"]})

    changes = release.diff(previous, current, titles)

    assert changes.rows() == [("b", "changed", "B"), ("c", "removed", None), ("d", "added", "D")]
    assert release.change_counts(changes) == {"added": 1, "removed": 1, "changed": 1}
    assert release.diff(release.hashes_frame(previous), release.hashes_frame(current), titles).equals(changes)
    assert release.diff(current, current, titles).is_empty()


def test_fingerprint_is_the_digest_of_the_sorted_id_hash_lines() -> None:
    """The fingerprint is recorded in every release manifest: it must stay sha256 over the sorted lines
    'id<TAB>hash' each ending in a newline, whatever the row order, the input's form, and the batches it is read in."""
    hashes = {f"{i:016x}": hashlib.sha256(str(i).encode()).hexdigest() for i in (7, 3, 11, 5)}
    lines = sorted(f"{row_id}\t{row_hash}\n" for row_id, row_hash in hashes.items())
    expected = hashlib.sha256("".join(lines).encode()).hexdigest()

    assert release.fingerprint(hashes) == expected
    assert release.fingerprint(release.hashes_frame(hashes).reverse()) == expected
    assert release.hashes_mapping(release.hashes_frame(hashes)) == dict(sorted(hashes.items()))


def test_fingerprint_reads_the_lines_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    hashes = {f"{i:016x}": f"{i:064x}" for i in range(5)}
    whole = release.fingerprint(hashes)
    monkeypatch.setattr(release, "FINGERPRINTED_AT_ONCE", 2)
    assert release.fingerprint(hashes) == whole


def test_recording_the_same_build_again_is_a_no_op(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    out = build(tmp_path, ARTICLES)
    path = release.record(dataset_dir=out.dataset, releases_dir=releases)
    recorded_bytes = path.read_bytes()

    rebuilt = build(tmp_path, ARTICLES)

    assert read_json(rebuilt.dataset / "release.json")["release_status"] == "recorded"
    assert release.record(dataset_dir=rebuilt.dataset, releases_dir=releases) == path
    assert path.read_bytes() == recorded_bytes
    assert read_json(path)["release_status"] == "recorded"


def test_same_version_with_different_content_is_an_unreleased_build(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    path = release.record(dataset_dir=build(tmp_path, ARTICLES).dataset, releases_dir=releases)
    recorded_bytes = path.read_bytes()
    new = make_article(99)

    changed = build(tmp_path, [*ARTICLES, new])

    manifest = read_json(changed.dataset / "release.json")
    assert manifest["release_status"] == (
        "unreleased: the content differs from the recorded v1.0.0; bump package.version to release it"
    )
    # The card says so truthfully: a labelled build, diffed against the recorded release of its version.
    assert manifest["version"] == f"1.0.0+{manifest['fingerprint'][:12]}"
    assert manifest["previous_version"] == "1.0.0" and manifest["changes"] == {"added": 1, "removed": 0, "changed": 0}
    readme = (changed.dataset / "README.md").read_text(encoding="utf-8")
    assert f"### v{manifest['version']} (an unreleased build)" in readme
    assert "first release" not in readme.lower()
    assert card_section(readme, f"### v{manifest['version']} (an unreleased build)") == [
        ["added", f"`{new['id']}`", new["title"]]
    ]
    with pytest.raises(GateFailed, match="unreleased.*bump package.version"):
        release.record(dataset_dir=changed.dataset, releases_dir=releases)
    assert path.read_bytes() == recorded_bytes


def test_verify_folder_names_every_mismatching_file(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    with (out.dataset / "README.md").open("a", encoding="utf-8") as readme:
        readme.write("edited\n")
    (out.dataset / "data" / "train-00001-of-00003.parquet").unlink()
    (out.dataset / "notes.txt").write_text("stray\n", encoding="utf-8")

    with pytest.raises(GateFailed) as failure:
        release.verify_folder(out.dataset)

    message = str(failure.value)
    assert "missing data/train-00001-of-00003.parquet" in message
    assert "unexpected notes.txt" in message
    assert "modified README.md" in message


def test_verify_folder_checks_rows_against_the_fingerprint(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    manifest = read_json(out.dataset / "release.json")
    first_id = min(manifest["content_hashes"])
    manifest["content_hashes"][first_id] = "0" * 64
    write_json(manifest, out.dataset / "release.json")

    with pytest.raises(GateFailed, match="do not hash to the fingerprint"):
        release.verify_folder(out.dataset)


def test_record_refuses_a_manifest_without_passed_validation(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    manifest = read_json(out.dataset / "release.json")
    manifest["validation"]["passed"] = False
    write_json(manifest, out.dataset / "release.json")

    with pytest.raises(GateFailed, match="did not pass validation"):
        release.record(dataset_dir=out.dataset, releases_dir=tmp_path / "releases")
    assert not (tmp_path / "releases").exists()


def test_record_refuses_a_build_diffed_against_an_outdated_previous_release(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    release.record(dataset_dir=build(tmp_path / "a", ARTICLES, releases=releases).dataset, releases_dir=releases)
    later = build(tmp_path / "b", ARTICLES[:4], version="1.2.0", releases=releases)
    hotfix = build(tmp_path / "c", ARTICLES[:3], version="1.1.0", releases=releases)
    release.record(dataset_dir=hotfix.dataset, releases_dir=releases)

    with pytest.raises(GateFailed, match="built against previous release 1.0.0.*now 1.1.0"):
        release.record(dataset_dir=later.dataset, releases_dir=releases)


def _manifest(version: str) -> dict:
    return {
        "version": version,
        "fingerprint": version,
        "content_hashes": {},
        "rows": {"train": 0},
        "previous_version": None,
        "changes": {"added": 0, "removed": 0, "changed": 0},
        "validation": {"passed": True},
    }


def test_previous_release_is_the_highest_strictly_lower_version(tmp_path: Path) -> None:
    for version in ("1.9.0", "1.10.0", "1.10.1", "2.0.0"):
        write_json(_manifest(version), tmp_path / f"v{version}.json")
    releases = release.recorded_releases(tmp_path)

    assert release.previous_release(releases, (1, 10, 1))["version"] == "1.10.0"
    assert release.previous_release(releases, (1, 11, 0))["version"] == "1.10.1"
    assert release.previous_release(releases, (1, 9, 0)) is None
    assert release.recorded_releases(tmp_path / "absent") == {}


def test_a_manifest_file_must_be_named_after_its_version(tmp_path: Path) -> None:
    (tmp_path / "v1.0.0.json").write_text(json.dumps(_manifest("1.1.0")), encoding="utf-8")

    with pytest.raises(GateFailed, match="file name must match"):
        release.recorded_releases(tmp_path)


@pytest.mark.parametrize("text", ["1.0", "v1.0.0", "01.0.0", "1.0.0-rc1", "1.0.0 ", ""])
def test_versions_must_be_strict_semver(text: str) -> None:
    with pytest.raises(ConfigError):
        release.parse_version(text)


def test_versions_compare_numerically() -> None:
    assert release.parse_version("1.10.0") > release.parse_version("1.9.3")
    assert release.format_version(release.parse_version("10.0.7")) == "10.0.7"
