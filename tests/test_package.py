"""Package stage: the dataset folder loads with `datasets`, the card parses, rebuilds are byte-identical."""

import os
import tempfile

# `datasets` and huggingface_hub read these once, at import: set them before anything imports either.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HOME"] = os.path.join(tempfile.gettempdir(), "news-pipeline-tests-hf-home")  # never the user's cache

import dataclasses
import datetime
import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any

import datasets
import polars as pl
import pyarrow.parquet as pq
import pytest
from datasets import Features, List, Value
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

from pipeline import package, rawfolder, shards
from pipeline.config import ConfigError, PackageParams
from pipeline.errors import GateFailed
from pipeline.io import read_json, write_json, write_parquet
from pipeline.outputs import Outputs
from pipeline.release import manifest as release
from schemas.article import Article, Duplicate
from schemas.audit import QuarantineRow, RemovedLine

PARAMS = PackageParams(
    version="1.0.0",
    pretty_name="Test trade news",
    repo_id="test-org/test-trade-news",
    license="other",
    license_name="publishers-terms",
    license_note="The article text belongs to its publishers.",
    task_categories=("text-generation",),
    tags=("news",),
    max_rows_per_shard=2,
)
SOURCES = ("Korea Herald", "Yonhap", None)
MAX_FILE_BYTES = 1 << 20


def polars_schema(model: Any) -> dict[str, pl.DataType]:
    return {name: column.dtype.type for name, column in model.to_schema().columns.items()}


def make_article(i: int) -> dict[str, Any]:
    title = f"Exports of item {i} rise"
    body = " ".join(f"word{i}x{k}" for k in range(30))
    return {
        "id": hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:16],
        "title": title if i % 4 else None,
        "body": body,
        "published_date": datetime.date(2020 + i % 3, 1 + i % 12, 1) if i % 5 else None,
        "source": SOURCES[i % 3],
        "byline": "Staff reporter",
        "category": "Trade",
        "language": "en",
        "is_truncated": i % 6 == 0,
        "word_count": 30,
        "layout": "wire_v1" if i % 2 else "portal_v1",
        "provenance": [{"file": f"{i % 2:03d}.txt", "line_start": i * 10 + 1, "line_end": i * 10 + 9}],
    }


def write_inputs(root: Path, articles: list[dict[str, Any]], raw: Path, *, passed: bool = True) -> Outputs:
    """Write what scan..validate would have left under an output root, for `articles` as the published rows."""
    out = Outputs(root)
    files = rawfolder.scan(raw, MAX_FILE_BYTES)
    write_parquet(files, out.files)
    frame = pl.DataFrame(articles, schema=polars_schema(Article))
    write_parquet(frame, out.validated_dir / "part-00000.parquet")
    duplicate = {**articles[0], "id": "f" * 16, "kept_id": articles[0]["id"], "kind": "near", "similarity": 0.9}
    write_parquet(pl.DataFrame([duplicate], schema=polars_schema(Duplicate)), out.duplicates)
    quarantined = {
        "file": "001.txt", "line_start": 90, "line_end": 95, "stage": "clean",
        "rule": "body_too_short", "reason": "3 words < 8", "text": "Too short here",
    }  # fmt: skip
    write_parquet(pl.DataFrame([quarantined], schema=polars_schema(QuarantineRow)), out.quarantine)
    removed = [
        {"file": "000.txt", "line": 2, "text": "Share this | Tweet", "rule": "share_buttons_v1", "stage": "clean",
         "fragment": False},
        {"file": "000.txt", "line": 7, "text": "Subscribe now", "rule": "boilerplate", "stage": "parse",
         "fragment": True},
    ]  # fmt: skip
    write_parquet(pl.DataFrame(removed, schema=polars_schema(RemovedLine)), out.removed_lines)
    n = len(articles)
    for stage, rows_in, dropped, details in (
        ("parse", 2, {}, {"records": n + 2}),
        ("clean", n + 2, {"body_too_short": 1}, {"removed_lines_by_rule": {"share_buttons_v1": 1}, "truncated": 0}),
        ("dedup", n + 1, {"near": 1}, {}),
        ("validate", n, {}, {}),
    ):
        rows_out = rows_in - sum(dropped.values())
        metrics = {"stage": stage, "rows_in": rows_in, "rows_out": rows_out, "dropped": dropped, **details}
        write_json(metrics, out.stage_metrics(stage))
    checks = [
        {"asset": "published_articles", "rule": "published_rows",
         "expectation": "expect_table_row_count_to_be_between", "success": passed, "observed": n,
         "limit": {"min_value": 1}, "params_key": "validate.min_published_rows"},
        {"asset": "candidate_rows", "rule": "title_length", "expectation": "expect_column_values_to_be_null",
         "success": True, "observed": {"unexpected_count": 1, "unexpected_share": 0.1, "examples": []},
         "limit": {"mostly": 0.75}, "params_key": "validate.max_quarantine_share"},
    ]  # fmt: skip
    validation = {
        "passed": passed,
        "input_fingerprint": rawfolder.fingerprint(files),
        "checks": checks,
        "row_checks": {
            "rules": {"title_length": {"description": "A title has 3 to 300 characters", "blocking": False}},
            "quarantined_by_rule": {"title_length": 1},
        },
    }
    write_json(validation, out.validation_report)
    return out


def make_raw(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (folder / "000.txt").write_text("raw page one\n", encoding="utf-8")
    (folder / "sub" / "001.txt").write_text("raw page two\n", encoding="utf-8")
    return folder


def build(
    tmp: Path,
    articles: list[dict[str, Any]],
    version: str = "1.0.0",
    *,
    releases: Path | None = None,
    passed: bool = True,
) -> Outputs:
    """Run the package stage on fresh inputs under tmp/out; recorded releases in `releases` (default tmp/releases)."""
    raw = make_raw(tmp / "raw")
    out = write_inputs(tmp / "out", articles, raw, passed=passed)
    params = dataclasses.replace(PARAMS, version=version)
    package.run(
        raw_dir=raw, out=out, releases_dir=releases or tmp / "releases", params=params, max_file_bytes=MAX_FILE_BYTES
    )
    return out


def card_tables(readme: str, heading: str) -> list[list[list[str]]]:
    """Every table (its rows, header excluded) under `heading`, up to the next heading."""
    section = re.split(r"\n#+ ", readme.split(f"\n{heading}\n", 1)[1], maxsplit=1)[0]
    tables = re.findall(r"(?:^\|.*\|$\n?)+", section, flags=re.MULTILINE)
    return [
        [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in table.splitlines()[2:]]
        for table in tables
    ]


def card_section(readme: str, heading: str) -> list[list[str]]:
    """Rows of the first table under `heading` (none: [])."""
    tables = card_tables(readme, heading)
    return tables[0] if tables else []


ARTICLES = [make_article(i) for i in range(5)]
EXPECTED_FEATURES = Features(
    {
        "id": Value("string"),
        "title": Value("string"),
        "body": Value("string"),
        "published_date": Value("date32"),
        "source": Value("string"),
        "byline": Value("string"),
        "category": Value("string"),
        "language": Value("string"),
        "is_truncated": Value("bool"),
        "word_count": Value("int32"),
        "layout": Value("string"),
        "provenance": List({"file": Value("string"), "line_start": Value("int32"), "line_end": Value("int32")}),
    }
)


def test_folder_loads_offline_with_exact_features_and_rows(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)

    loaded = datasets.load_dataset(str(out.dataset), cache_dir=str(tmp_path / "hf-cache"))

    assert list(loaded) == ["train"]
    train = loaded["train"]
    assert train.features == EXPECTED_FEATURES
    assert train.num_rows == len(ARTICLES)
    assert train["id"] == sorted(a["id"] for a in ARTICLES)
    first = train[0]
    expected = next(a for a in ARTICLES if a["id"] == first["id"])
    assert first == expected
    shards = sorted(p.name for p in (out.dataset / "data").iterdir())
    assert shards == ["train-00000-of-00003.parquet", "train-00001-of-00003.parquet", "train-00002-of-00003.parquet"]


def test_card_front_matter_parses_with_huggingface_hub_and_datasets(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    readme = out.dataset / "README.md"

    card = DatasetCard.load(readme)  # raises on metadata the Hub's card classes reject

    data = card.data
    assert data.pretty_name == "Test trade news"
    assert data.language == ["en"]
    assert data.task_categories == ["text-generation"]
    assert data.size_categories == ["n<1K"]
    assert data.tags == ["news"]
    assert DatasetCardData(**data.to_dict()).to_yaml() == data.to_yaml()
    info = DatasetInfosDict.from_dataset_card_data(data)["default"]
    assert info.features == EXPECTED_FEATURES
    assert info.splits["train"].num_examples == len(ARTICLES)
    assert info.download_size == sum(p.stat().st_size for p in (out.dataset / "data").iterdir())
    assert MetadataConfigs.from_dataset_card_data(data) == {
        "default": {"data_files": [{"split": "train", "path": "data/train-*"}]}
    }
    text = readme.read_text(encoding="utf-8")
    assert "The article text belongs to its publishers." in text
    assert 'load_dataset("test-org/test-trade-news", split="train", revision="v1.0.0")' in text
    assert "First release" in text
    assert datetime.date.today().isoformat() not in text


def hub_vocabulary(name: str) -> Any:
    """A list of the values the Hub accepts for a metadata field, as `datasets` ships it (utils/resources)."""
    return json.loads((Path(datasets.__file__).parent / "utils" / "resources" / f"{name}.json").read_text())


def test_card_metadata_takes_only_values_the_hub_accepts(tmp_path: Path) -> None:
    """Offline stand-in for the Hub's /api/validate-yaml (DatasetCard.validate needs the network): every tagged
    field holds a value of the Hub's vocabularies, and a license `other` is named and linked."""
    out = build(tmp_path, ARTICLES)

    data = DatasetCard.load(out.dataset / "README.md").data

    creators = hub_vocabulary("creators")
    assert data.annotations_creators == ["no-annotation"]
    assert set(data.annotations_creators) <= set(creators["annotations"])
    assert data.language_creators == ["found"]
    assert set(data.language_creators) <= set(creators["language"])
    assert data.multilinguality == ["monolingual"]
    assert set(data.multilinguality) <= set(hub_vocabulary("multilingualities"))
    assert set(data.size_categories) <= set(hub_vocabulary("size_categories"))
    assert set(data.language) <= set(hub_vocabulary("languages"))
    assert data.source_datasets == ["original"]
    assert data.license == "other"
    assert data.license_name == "publishers-terms"
    assert re.fullmatch(r"[a-z0-9-.]+", data.license_name)
    assert data.license_link == "https://huggingface.co/datasets/test-org/test-trade-news#license"
    assert not {"text-classification", "summarization"} & set(data.task_categories)


CARD_SECTIONS = (
    "## Dataset Summary", "## Uses", "### Direct Use", "### Out-of-Scope Use", "## Dataset Structure",
    "### Data Instances", "### Data Fields", "### Data Splits", "## Dataset Creation", "### Source Data",
    "#### Who are the source data producers?", "### Annotations", "### Personal and Sensitive Information",
    "## Bias, Risks, and Limitations", "## Validation", "## Version", "## How to Load It", "## Changelog",
    "## License", "## Citation", "## Contact",
)  # fmt: skip
PLACEHOLDERS = ("ORG/NAME", "path/to", "More Information Needed", "TODO", "{{", "{%")


def test_card_has_every_section_of_the_hub_template_and_no_placeholder(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)

    readme = (out.dataset / "README.md").read_text(encoding="utf-8")

    headings = [line for line in readme.splitlines() if line.startswith("#")]
    assert [h for h in headings if h in CARD_SECTIONS] == list(CARD_SECTIONS)
    for placeholder in PLACEHOLDERS:
        assert placeholder not in readme
    assert '{"quantiles"' not in readme and '{"unexpected_count"' not in readme  # tables in words


def test_card_shows_one_real_row_as_its_data_instance(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    readme = (out.dataset / "README.md").read_text(encoding="utf-8")

    shown = json.loads(readme.split("### Data Instances", 1)[1].split("```json\n", 1)[1].split("\n```", 1)[0])

    expected = next(a for a in ARTICLES if a["id"] == shown["id"])
    assert shown == {**expected, "published_date": expected["published_date"].isoformat()}
    assert None not in shown.values()  # the row with the fewest nulls


def test_fields_table_descriptions_come_from_the_schema(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)

    rows = card_section((out.dataset / "README.md").read_text(encoding="utf-8"), "### Data Fields")

    columns = Article.to_schema().columns
    assert [row[0].strip("`") for row in rows] == list(columns)
    assert {row[0].strip("`"): row[2] for row in rows} == {name: c.description for name, c in columns.items()}


def test_card_counts_sources_and_audit_tables(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    readme = (out.dataset / "README.md").read_text(encoding="utf-8")

    producers = card_tables(readme, "#### Who are the source data producers?")
    assert ["Korea Herald", "portal_v1", "1"] in producers[0]
    assert producers[1][0] == ["Korea Herald", "2", "40.0%", "50.0%", "50.0%", "30"]
    stages, removed, duplicates, quarantined = card_tables(readme, "#### Data Collection and Processing")
    assert ["dedup", "6", "5", "near: 1"] in stages
    assert ["clean", "share_buttons_v1", "1", "0"] in removed
    assert duplicates == [["near", "1"]]
    assert quarantined == [["clean", "body_too_short", "1"]]
    assert "The validation gate passed all 2 checks" in readme
    assert card_section(readme, "## Validation")[1] == [
        "`title_length`", "A title has 3 to 300 characters", "1 rows (10.0%)", "on at least 75% of rows",
        "`validate.max_quarantine_share`", "pass",
    ]  # fmt: skip
    limits = readme.split("## Bias, Risks, and Limitations", 1)[1]
    assert "Truncated records: 1 of 5 articles (20.0%)" in " ".join(limits.split())
    assert "(1 records)" in " ".join(limits.split())


def test_empty_tables_say_none(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    write_parquet(pl.DataFrame(schema=polars_schema(QuarantineRow)), out.quarantine)
    package.run(
        raw_dir=tmp_path / "raw", out=out, releases_dir=tmp_path / "releases", params=PARAMS,
        max_file_bytes=MAX_FILE_BYTES,
    )  # fmt: skip

    readme = (out.dataset / "README.md").read_text(encoding="utf-8")

    quarantine_paragraph = readme.split("Input set aside (quarantined)", 1)[1].split("####", 1)[0]
    assert quarantine_paragraph.split("\n\n")[1] == "none"


def test_rebuild_from_the_same_inputs_is_byte_identical(tmp_path: Path) -> None:
    def snapshot(out: Outputs) -> dict[str, bytes]:
        files = [*out.dataset.rglob("*"), out.metrics, out.stage_metrics("package")]
        return {str(p.relative_to(out.root)): p.read_bytes() for p in files if p.is_file()}

    first = build(tmp_path / "a", ARTICLES)
    before = snapshot(first)
    package.run(
        raw_dir=tmp_path / "a" / "raw",
        out=first,
        releases_dir=tmp_path / "a" / "releases",
        params=PARAMS,
        max_file_bytes=MAX_FILE_BYTES,
    )
    elsewhere = build(tmp_path / "b", ARTICLES)

    assert snapshot(first) == before
    assert snapshot(elsewhere) == before
    assert "dataset/data/train-00000-of-00003.parquet" in before


def test_content_hashes_kept_per_part_are_the_rows_own(tmp_path: Path) -> None:
    """A rebuild takes the hashes of a part whose bytes it hashed before from the cache: they must be exactly what
    hashing the rows gives, and a part changed (a row's provenance grown by a new copy) must be hashed again."""
    validated, cache = tmp_path / "validated", tmp_path / "cache"

    def hashes() -> pl.DataFrame:
        return package.content_hashes(validated, cache, rawfolder.KnownHashes.load(tmp_path / "known"))

    rows = pl.DataFrame(ARTICLES, schema=polars_schema(Article))
    write_parquet(rows.slice(0, 2), validated / "part-00000.parquet")
    write_parquet(rows.slice(2), validated / "part-00001.parquet")
    first = hashes()
    assert first.equals(release.content_hashes(rows).sort("id"))
    (kept,) = [path for path in cache.glob("*/*.parquet") if pl.read_parquet(path).height == 2]  # part-00000's
    write_parquet(pl.read_parquet(kept).with_columns(sha256=pl.lit("0" * 64)), kept)
    assert hashes()["sha256"].value_counts().filter(pl.col("sha256") == "0" * 64)["count"].item() == 2  # read back
    kept.unlink()

    grown = [{"file": "000.txt", "line_start": 100, "line_end": 109}]
    changed = rows.with_columns(
        provenance=pl.when(pl.col("id") == ARTICLES[2]["id"])
        .then(pl.col("provenance").list.concat(pl.lit(grown, dtype=rows.schema["provenance"])))
        .otherwise("provenance")
    )
    write_parquet(changed.slice(0, 2), validated / "part-00000.parquet")
    write_parquet(changed.slice(2), validated / "part-00001.parquet")
    again = hashes()
    assert again.equals(release.content_hashes(changed).sort("id"))
    assert first.join(again, on="id").filter(pl.col("sha256") != pl.col("sha256_right"))["id"].to_list() == [
        ARTICLES[2]["id"]
    ]
    assert len(list(cache.glob("*/*.parquet"))) == 2  # this build's parts only


def test_content_hashes_are_each_rows_json_hash_across_the_rows_hashed_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows are encoded a few thousand at a time (release.HASHED_AT_ONCE, for memory): every row still gets the
    sha256 of its own json.dumps text, whichever slice it falls in."""
    rows = pl.DataFrame(ARTICLES, schema=polars_schema(Article))
    assert rows.height >= 3
    monkeypatch.setattr(release, "HASHED_AT_ONCE", 2)
    expected = {
        row["id"]: hashlib.sha256(
            json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()
        ).hexdigest()
        for row in rows.to_dicts()
    }
    assert release.hashes_mapping(release.content_hashes(rows)) == expected


def test_manifest_lists_every_file_and_fingerprints(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)

    manifest = read_json(out.dataset / "release.json")

    assert [f["path"] for f in manifest["files"]] == [
        "README.md",
        "changes.parquet",
        *(f"data/train-0000{i}-of-00003.parquet" for i in range(3)),
    ]
    assert manifest["files"] == release.file_entries(out.dataset)
    assert manifest["rows"] == {"train": len(ARTICLES)}
    assert sorted(manifest["content_hashes"]) == sorted(a["id"] for a in ARTICLES)
    assert manifest["fingerprint"] == release.fingerprint(manifest["content_hashes"])
    assert manifest["validation"] == {
        "passed": True, "checks_passed": 2, "checks": 2, "quarantined_by_rule": {"title_length": 1}
    }  # fmt: skip
    assert manifest["previous_version"] is None
    assert manifest["release_status"] == "unrecorded"
    assert manifest["changes"] == {"added": len(ARTICLES), "removed": 0, "changed": 0}
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", manifest["pipeline_commit"])
    changes = pl.read_parquet(out.dataset / "changes.parquet")
    assert changes["change"].unique().to_list() == ["added"]
    assert changes["id"].to_list() == sorted(a["id"] for a in ARTICLES)
    assert release.verify_folder(out.dataset) == manifest


def test_input_fingerprint_follows_raw_bytes_names_and_fates(tmp_path: Path) -> None:
    raw = make_raw(tmp_path / "raw")

    def fingerprint() -> str:
        return rawfolder.fingerprint(rawfolder.scan(raw, MAX_FILE_BYTES))

    base = fingerprint()
    (raw / "000.txt").write_text("raw page one, edited\n", encoding="utf-8")
    edited = fingerprint()
    (raw / "000.txt").rename(raw / "002.txt")
    renamed = fingerprint()
    (raw / ".hidden.txt").write_text("not read\n", encoding="utf-8")  # refused, but the build says it saw it
    assert len({base, edited, renamed, fingerprint()}) == 4


def test_manifest_records_the_validated_input_fingerprint(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)
    assert (
        read_json(out.dataset / "release.json")["input_fingerprint"]
        == read_json(out.validation_report)["input_fingerprint"]
    )


def test_refuses_when_the_raw_folder_changed_since_the_build_read_it(tmp_path: Path) -> None:
    raw = make_raw(tmp_path / "raw")
    out = write_inputs(tmp_path / "out", ARTICLES, raw)
    (raw / "late.txt").write_text("added while the build ran\n", encoding="utf-8")
    with pytest.raises(GateFailed, match="raw folder changed since the build read it \\(added late.txt\\)"):
        package.run(raw_dir=raw, out=out, releases_dir=tmp_path / "releases", params=PARAMS, max_file_bytes=1 << 20)
    assert not out.dataset.exists()
    assert not out.dataset.with_name(f".{out.dataset.name}.staging").exists()  # the shards written meanwhile


def test_refuses_a_validation_report_of_other_inputs(tmp_path: Path) -> None:
    raw = make_raw(tmp_path / "raw")
    out = write_inputs(tmp_path / "out", ARTICLES, raw)
    report = read_json(out.validation_report)
    write_json({**report, "input_fingerprint": "0" * 64}, out.validation_report)
    with pytest.raises(GateFailed, match="made for other raw inputs"):
        package.run(raw_dir=raw, out=out, releases_dir=tmp_path / "releases", params=PARAMS, max_file_bytes=1 << 20)


def test_swap_keeps_a_complete_folder_at_every_step(tmp_path: Path) -> None:
    target, staging = tmp_path / "dataset", tmp_path / ".dataset.staging"
    target.mkdir()
    (target / "old.txt").write_text("old release", encoding="utf-8")
    staging.mkdir()
    (staging / "new.txt").write_text("new release", encoding="utf-8")
    package.swap_in(staging, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]
    assert [p.name for p in target.iterdir()] == ["new.txt"]


def test_headline_metrics_are_flat_numbers_from_every_stage(tmp_path: Path) -> None:
    out = build(tmp_path, ARTICLES)

    headline = read_json(out.metrics)

    n = len(ARTICLES)  # the stage metrics are the ones write_inputs wrote
    assert headline == {
        "files": 2, "records": n + 2, "published": n, "duplicates": 1, "quarantined": 1, "removed_lines": 1,
        "truncated": 0,
    }  # fmt: skip
    assert read_json(out.stage_metrics("package"))["rows_out"] == n
    assert read_json(out.stage_metrics("package"))["shards"] == 3


def test_refuses_to_package_data_that_failed_validation(tmp_path: Path) -> None:
    with pytest.raises(GateFailed, match="did not pass"):
        build(tmp_path, ARTICLES, passed=False)

    assert not (tmp_path / "out" / "dataset").exists()


def test_version_must_be_semver(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MAJOR.MINOR.PATCH"):
        build(tmp_path, ARTICLES, version="1.0")


def test_pipeline_commit_is_unknown_outside_a_git_repository(tmp_path: Path) -> None:
    assert package.pipeline_commit(tmp_path) == "unknown"
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?|unknown", package.pipeline_commit())


def test_id_ranges_cover_the_id_space_without_gaps() -> None:
    ranges = shards.id_ranges(3)
    assert ranges[0][0] == "0" * 16 and ranges[-1][1] == "f" * 16
    for (_, last), (first, _) in itertools.pairwise(ranges):
        assert int(first, 16) == int(last, 16) + 1
    assert shards.id_ranges(1) == [("0" * 16, "f" * 16)]


def test_a_shard_reads_the_validated_parts_whose_id_ranges_meet_its_own() -> None:
    """Package shards (n ranges) and validated parts (a power of two of ranges) cut the id space apart: a shard
    reads exactly the parts whose ranges overlap its own, so every id of the shard is in one of them."""
    parts = [Path(f"part-{i:05d}.parquet") for i in range(4)]
    for n in (1, 3, 4, 5):
        for first, last in shards.id_ranges(n):
            met = shards.parts_between(parts, first, last)
            expected = {parts[i] for i in range(4) for probe in (first, last) if shards.id_ranges(4)[i][0] <= probe
                        <= shards.id_ranges(4)[i][1]}  # fmt: skip
            expected |= {p for p, (low, high) in zip(parts, shards.id_ranges(4), strict=True) if first <= low <= last}
            assert met and set(met) == expected and met == sorted(met)
    assert shards.parts_between([], "0" * 16, "f" * 16) == []


def test_a_rebuild_writes_only_the_shards_whose_rows_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = build(tmp_path, ARTICLES)
    before = {p.name: p.read_bytes() for p in (out.dataset / "data").iterdir()}
    changed = [{**a, "byline": "Desk"} if i == 0 else a for i, a in enumerate(ARTICLES)]  # same id, new content
    (shard,) = [
        f"train-{i:05d}-of-00003" for i, (first, last) in enumerate(shards.id_ranges(3))
        if first <= ARTICLES[0]["id"] <= last
    ]  # fmt: skip
    written: list[str] = []
    dataset = package._dataset
    monkeypatch.setattr(
        package, "_dataset", lambda frame, fingerprint: written.append(fingerprint) or dataset(frame, fingerprint)
    )

    out = build(tmp_path, changed)  # the same output root, with the cache the first build left
    after = {p.name: p.read_bytes() for p in (out.dataset / "data").iterdir()}
    fresh = build(tmp_path / "fresh", changed)

    assert written[0] == shard and len(written) == 4  # this rebuild wrote one shard; the fresh build all three
    assert {name for name in after if after[name] != before[name]} == {f"{shard}.parquet"}
    assert after == {p.name: p.read_bytes() for p in (fresh.dataset / "data").iterdir()}


def test_dataset_size_is_the_shards_own_not_how_validate_laid_out_their_rows(tmp_path: Path) -> None:
    """The same rows in other validated parts (a rebuild adds a row to a part whose id range a shard only partly
    covers, so the shard's rows stay the same while the parts they are read from change) give the same shard files
    and the same dataset_size: the card, release.json and metrics must not tell a rebuild from a fresh build. The
    Arrow table a shard is written from takes more or fewer bytes depending on how its rows were gathered (a string
    column's buffers), so its size is that of the file's table as read back."""
    articles = [{**make_article(i), "byline": None if i % 3 else f"Reporter {i}"} for i in range(400)]
    frame = pl.DataFrame(articles, schema=polars_schema(Article)).sort("id")

    def package_with(parts: int, root: Path) -> tuple[int, dict[str, bytes]]:
        validated = root / "validated"
        ranges = shards.id_range_of(frame["id"], parts)
        for index in range(parts):
            write_parquet(frame.filter(ranges == index), validated / f"part-{index:05d}.parquet")
        hashes = package.content_hashes(validated, root / "hashes", rawfolder.KnownHashes.load(root / "known"))
        info = package.write_shards(validated, hashes, root / "dataset", 1000, root / "shards")
        files = {p.name: p.read_bytes() for p in sorted((root / "dataset" / "data").iterdir())}
        return info.dataset_size, files

    one_part, two_parts, four_parts = (package_with(n, tmp_path / str(n)) for n in (1, 2, 4))
    assert one_part[1] == two_parts[1] == four_parts[1]  # the shard files: their bytes were already the rows' own
    assert one_part[0] == two_parts[0] == four_parts[0]
    (written,) = one_part[1]
    assert one_part[0] == pq.read_table(tmp_path / "1" / "dataset" / "data" / written).nbytes
