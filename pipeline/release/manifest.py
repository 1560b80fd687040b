"""Release versions, content fingerprints and diffs; recording a built dataset folder under ``releases/``.

A release is identified by its semver ``package.version`` and its fingerprint (a hash over every row's
content). ``releases/v<version>.json`` holds the manifest of each recorded release; it is committed to git so
the next build can diff against it and so a version can never be reused for different content.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.config import ConfigError
from pipeline.errors import GateFailed
from pipeline.io import read_json, write_json

Version = tuple[int, int, int]

MANIFEST_NAME = "release.json"
CHANGES_NAME = "changes.parquet"
CHANGE_KINDS = ("added", "removed", "changed")
CHANGES_SCHEMA = {"id": pl.String, "change": pl.String, "title": pl.String}
DATA_GLOB = "data/*.parquet"

_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
_MANIFEST_KEYS = ("version", "fingerprint", "content_hashes", "rows", "previous_version", "changes", "validation")


def parse_version(text: str) -> Version:
    """'1.2.3' -> (1, 2, 3); anything but strict MAJOR.MINOR.PATCH is a configuration error."""
    match = _SEMVER.fullmatch(str(text))
    if not match:
        raise ConfigError(f"package.version must be MAJOR.MINOR.PATCH (e.g. 1.2.0), got {text!r}")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def format_version(version: Version) -> str:
    return ".".join(str(part) for part in version)


def canonical_json(articles: pl.DataFrame) -> pl.Series:
    """Each row as json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")) writes it, dates as
    ISO strings: encoded by polars, all rows at once (json.dumps row by row was most of the package stage's time).
    Keys are sorted at every level, as sort_keys does: the columns, and the fields of a list of structs."""
    columns = []
    for name in sorted(articles.columns):
        dtype, column = articles.schema[name], pl.col(name)
        if dtype == pl.Date:
            column = column.dt.to_string("%Y-%m-%d")
        elif isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
            fields = sorted(field.name for field in dtype.inner.fields)
            column = column.list.eval(pl.struct([pl.element().struct.field(f) for f in fields]))
        elif dtype.is_nested() or dtype.is_float():
            raise TypeError(f"canonical_json does not encode {dtype} columns as json.dumps would ({name})")
        columns.append(column.alias(name))
    return articles.select(pl.struct(columns).struct.json_encode().alias("json"))["json"]


HASHED_AT_ONCE = 5_000  # rows whose JSON text is held at once (~11 MB; a batch of 50,000 rows would be ~110 MB twice)


HASHES_SCHEMA = {"id": pl.String, "sha256": pl.String}  # content hashes as a frame: a row's id and its hash


def content_hashes(articles: pl.DataFrame) -> pl.DataFrame:
    """(id, sha256 of the row's canonical JSON: all columns, sorted keys, compact, UTF-8, dates ISO), in row order.

    Hashing the values rather than parquet bytes keeps the hash independent of writer versions and sharding.
    """
    ids: list[str] = []
    digests: list[str] = []
    for start in range(0, articles.height, HASHED_AT_ONCE):
        rows = articles.slice(start, HASHED_AT_ONCE)
        ids += rows["id"].to_list()
        digests += [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in canonical_json(rows).to_list()]
    return pl.DataFrame({"id": ids, "sha256": digests}, schema=HASHES_SCHEMA)


def hashes_frame(hashes: Mapping[str, str] | pl.DataFrame) -> pl.DataFrame:
    """Content hashes as a frame (HASHES_SCHEMA), from a manifest's id -> hash mapping or a frame already."""
    if isinstance(hashes, pl.DataFrame):
        return hashes.select(list(HASHES_SCHEMA)).cast(HASHES_SCHEMA)
    return pl.DataFrame({"id": list(hashes), "sha256": list(hashes.values())}, schema=HASHES_SCHEMA)


def hashes_mapping(hashes: pl.DataFrame) -> dict[str, str]:
    """A manifest's content_hashes: id -> hash, by id."""
    ordered = hashes.sort("id")
    return dict(zip(ordered["id"].to_list(), ordered["sha256"].to_list(), strict=True))


FINGERPRINTED_AT_ONCE = 100_000  # lines joined into one string at a time (~8 MB)


def fingerprint(hashes: Mapping[str, str] | pl.DataFrame) -> str:
    """The dataset fingerprint: sha256 over the sorted lines 'id<TAB>content_hash', each ending in a newline."""
    lines = hashes_frame(hashes).select(line=pl.concat_str("id", pl.lit("\t"), "sha256", pl.lit("\n"))).sort("line")
    digest = hashlib.sha256()
    for start in range(0, lines.height, FINGERPRINTED_AT_ONCE):
        digest.update(lines["line"].slice(start, FINGERPRINTED_AT_ONCE).str.join("").item().encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_entries(folder: Path) -> list[dict[str, Any]]:
    """{path, sha256, size} of every file in a dataset folder except the manifest itself, sorted by path."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST_NAME)
    return [
        {"path": p.relative_to(folder).as_posix(), "sha256": file_sha256(p), "size": p.stat().st_size} for p in files
    ]


def diff(
    previous: Mapping[str, str] | pl.DataFrame,
    current: Mapping[str, str] | pl.DataFrame,
    titles: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Rows (id, change, title) for every id added, removed or changed between two sets of content hashes, by id.

    titles: (id, title) of the current rows (none: every title null). Removed articles have a null title: a manifest
    records hashes, not text.
    """
    titles = pl.DataFrame(schema={"id": pl.String, "title": pl.String}) if titles is None else titles
    before, after = hashes_frame(previous), hashes_frame(current)
    paired = after.join(before, on="id", how="full", coalesce=True, suffix="_before")
    change = (
        pl.when(pl.col("sha256_before").is_null())
        .then(pl.lit("added"))
        .when(pl.col("sha256").is_null())
        .then(pl.lit("removed"))
        .when(pl.col("sha256") != pl.col("sha256_before"))
        .then(pl.lit("changed"))
    )
    changes = paired.select("id", change=change).drop_nulls("change")
    with_titles = changes.join(titles.select("id", "title"), on="id", how="left")
    title = pl.when(pl.col("change") != "removed").then("title")
    return with_titles.select("id", "change", title=title).cast(CHANGES_SCHEMA).sort("id")


def change_counts(changes: pl.DataFrame) -> dict[str, int]:
    counts = dict(changes.group_by("change").len().iter_rows())
    return {kind: counts.get(kind, 0) for kind in CHANGE_KINDS}


def _load_manifest(path: Path) -> dict[str, Any]:
    manifest = read_json(path)
    missing = [key for key in _MANIFEST_KEYS if key not in manifest]
    if missing:
        raise GateFailed(f"{path} is not a release manifest: missing {', '.join(missing)}")
    return manifest


def recorded_releases(releases_dir: Path) -> dict[Version, dict[str, Any]]:
    """Every manifest recorded under releases_dir (v<version>.json), by version; none when the folder is absent."""
    releases: dict[Version, dict[str, Any]] = {}
    for path in sorted(releases_dir.glob("v*.json")) if releases_dir.is_dir() else []:
        manifest = _load_manifest(path)
        version = parse_version(manifest["version"])
        if path.name != f"v{format_version(version)}.json":
            raise GateFailed(f"{path} records version {manifest['version']}; the file name must match it")
        releases[version] = manifest
    return releases


def previous_release(releases: Mapping[Version, dict[str, Any]], version: Version) -> dict[str, Any] | None:
    """The recorded release with the highest version strictly lower than `version` (None for a first release)."""
    lower = [v for v in releases if v < version]
    return releases[max(lower)] if lower else None


UNRELEASED = "unreleased"


def build_status(
    releases: Mapping[Version, dict[str, Any]], version: Version, new_fingerprint: str
) -> tuple[str, str, dict[str, Any] | None]:
    """(version label, release status, the recorded release to diff against) of a build of `version`.

    - 'unrecorded': a new version, diffed against the highest recorded version below it;
    - 'recorded': the recorded release of this version, rebuilt to the same content;
    - 'unreleased': content that differs from the recorded release of this version. The label then carries
      the fingerprint as semver build metadata ('1.0.0+3fa2...'), the diff is against that recorded release,
      and record and publish refuse it until package.version is bumped.
    """
    recorded = releases.get(version)
    label = format_version(version)
    if recorded is None:
        return label, "unrecorded", previous_release(releases, version)
    if recorded["fingerprint"] == new_fingerprint:
        return label, "recorded", previous_release(releases, version)
    status = f"{UNRELEASED}: the content differs from the recorded v{label}; bump package.version to release it"
    return f"{label}+{new_fingerprint[:12]}", status, recorded


def verify_folder(dataset_dir: Path) -> dict[str, Any]:
    """Check a built dataset folder against its release.json and return the manifest.

    The files must match (see verify_files), and the data shards must hash to the recorded content hashes and
    fingerprint.
    """
    manifest = verify_files(dataset_dir)
    hashes = content_hashes(pl.read_parquet(dataset_dir / DATA_GLOB))
    if hashes_mapping(hashes) != manifest["content_hashes"] or fingerprint(hashes) != manifest["fingerprint"]:
        raise GateFailed(f"{dataset_dir}: the data rows do not hash to the fingerprint recorded in {MANIFEST_NAME}")
    return manifest


def verify_files(dataset_dir: Path) -> dict[str, Any]:
    """The manifest, once every file matches its recorded sha256 and size and none is missing or extra."""
    manifest_path = dataset_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise GateFailed(f"{manifest_path} not found: build the dataset first (the package stage)")
    manifest = _load_manifest(manifest_path)
    expected = {entry["path"]: entry for entry in manifest["files"]}
    actual = {entry["path"]: entry for entry in file_entries(dataset_dir)}
    problems = [f"missing {path}" for path in sorted(expected.keys() - actual.keys())]
    problems += [f"unexpected {path}" for path in sorted(actual.keys() - expected.keys())]
    common = sorted(expected.keys() & actual.keys())
    problems += [f"modified {path}" for path in common if expected[path] != actual[path]]
    if problems:
        raise GateFailed(f"{dataset_dir} does not match its {MANIFEST_NAME}: {'; '.join(problems)}")
    return manifest


def record(*, dataset_dir: Path, releases_dir: Path) -> Path:
    """Record a verified, validated build as releases_dir/v<version>.json (commit that file).

    Recording the same content again is a no-op; recording different content under a recorded version is
    refused, so a published version always means one set of rows.
    """
    manifest = verify_folder(dataset_dir)
    if manifest["release_status"].startswith(UNRELEASED):
        raise GateFailed(f"build {manifest['version']} is {manifest['release_status']}")
    version = parse_version(manifest["version"])
    tag = f"v{format_version(version)}"
    if manifest["validation"].get("passed") is not True:
        raise GateFailed(f"{tag} did not pass validation; it cannot be recorded")
    releases = recorded_releases(releases_dir)
    target = releases_dir / f"{tag}.json"
    if version in releases:
        if releases[version]["fingerprint"] == manifest["fingerprint"]:
            return target
        raise GateFailed(
            f"{tag} is already recorded in {target} with fingerprint {releases[version]['fingerprint']}, but this "
            f"build has {manifest['fingerprint']}: bump package.version in params.yaml and rebuild"
        )
    previous = previous_release(releases, version)
    previous_version = previous["version"] if previous else None
    if manifest["previous_version"] != previous_version:
        # The changelog in the card was computed against another release than the one now recorded before it.
        raise GateFailed(
            f"{tag} was built against previous release {manifest['previous_version']}, but the recorded previous "
            f"release is now {previous_version}: rebuild the dataset, then record it"
        )
    return write_json({**manifest, "release_status": "recorded"}, target)


def passed_validation(path: Path, input_fingerprint: str) -> dict[str, Any]:
    """The validation report, if it passed and was made for the build whose raw inputs have this fingerprint."""
    if not path.is_file():
        raise GateFailed(f"{path} not found: run the validate stage first")
    validation = read_json(path)
    if validation.get("passed") is not True:
        raise GateFailed(f"{path} says the validation gate did not pass: nothing is packaged or published (see it)")
    if validation.get("input_fingerprint") != input_fingerprint:
        raise GateFailed(f"{path} was made for other raw inputs than this build's: run validate again")
    return validation
