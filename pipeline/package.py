"""Stage 5: validated articles -> Hugging Face dataset folder (parquet shards, card, changes, release manifest).

Runs offline and writes only under the output root. The folder is built next to its final place and swapped
in whole, so a failed run never leaves a half-written release, and a rebuild from the same inputs gives the
same bytes in every file.
"""

from __future__ import annotations

import functools
import logging
import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import datasets
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset, DatasetInfo, Features, List, Value
from datasets.splits import SplitDict, SplitInfo
from datasets.table import InMemoryTable

from pipeline import plots, rawfolder, shards
from pipeline.cache import by_file_bytes, keep_entries, namespace, new_entry, prune
from pipeline.config import PackageParams
from pipeline.errors import GateFailed
from pipeline.io import read_json, read_parquet, write_json, write_parquet
from pipeline.outputs import Outputs
from pipeline.release import card
from pipeline.release import manifest as release
from pipeline.summary import headline, stage_metrics
from schemas import Article, Duplicate, QuarantineRow, RemovedLine, polars_schema

log = logging.getLogger(__name__)

# The published features; written into every shard and the card so nothing loads as large_string.
FEATURES = Features(
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
ARTICLE_SCHEMA = polars_schema(Article)
# Paths whose last commit identifies the code that built a release (relative to the project root).
CODE_PATHS = ("pipeline", "schemas", "params.yaml", "dvc.yaml", "pyproject.toml")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run(
    *,
    raw_dir: Path,
    out: Outputs,
    releases_dir: Path,
    params: PackageParams,
    max_file_bytes: int,
) -> dict[str, Any]:
    """Build out.dataset from the validated articles and return the package stage metrics.

    Raises GateFailed when validation did not pass, when the validation report belongs to another build, or when
    the raw folder changed since the build read it: unvalidated data is never packaged.
    """
    version = release.parse_version(params.version)
    files = read_parquet(out.files)
    validation = release.passed_validation(out.validation_report, rawfolder.fingerprint(files))
    articles = _scan_articles(out.validated_dir)
    known = rawfolder.KnownHashes.load(out.known_hashes_of("package"))
    hashes = content_hashes(out.validated_dir, out.stage_cache("package") / "content_hashes", known)
    known.save(out.known_hashes_of("package"))
    # Everything but the bodies, for the card and the changelog: compact, whatever the size of the corpus.
    summary = articles.drop("body").sort("id").collect()
    releases = release.recorded_releases(releases_dir)
    fingerprint = release.fingerprint(hashes)
    label, status, baseline = release.build_status(releases, version, fingerprint)
    changes = release.diff(baseline["content_hashes"] if baseline else {}, hashes, summary)
    facts = {
        "version": label,
        "fingerprint": fingerprint,
        "pipeline_commit": pipeline_commit(),
        "input_fingerprint": validation["input_fingerprint"],
        "previous_version": baseline["version"] if baseline else None,
        "release_status": status,
    }
    staging = out.dataset.with_name(f".{out.dataset.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    # Beside the shards' writing (pyarrow and polars, which release the GIL; the row hashes above hold it), and
    # checked before the new folder is swapped in: nothing packaged from a changed raw folder is ever published.
    rescan = rawfolder.changes_in_background(files, raw_dir, max_file_bytes, out.known_hashes)
    info = write_shards(
        out.validated_dir, hashes, staging, params.max_rows_per_shard, out.stage_cache("package") / "shards"
    )
    write_parquet(changes, staging / release.CHANGES_NAME)
    removed_lines, duplicates, quarantine = (
        read_parquet(path, polars_schema(model), card.AUDIT_COLUMNS[name])
        for name, path, model in (
            ("removed_lines", out.removed_lines, RemovedLine),
            ("duplicates", out.duplicates, Duplicate),
            ("quarantine", out.quarantine, QuarantineRow),
        )
    )
    example = articles.filter(pl.col("id") == card.example_id(summary)).collect().to_dicts()
    inputs = card.CardInputs(
        params=params,
        articles=summary,
        example=example[0] if example else None,
        removed_lines=removed_lines,
        duplicates=duplicates,
        quarantine=quarantine,
        stage_metrics=_upstream_metrics(out),
        validation=validation,
        info=info,
        release=facts,
        changes=changes,
        history=[releases[v] for v in sorted(releases, reverse=True) if v < version],
    )
    (staging / "README.md").write_text(card.render_card(inputs), encoding="utf-8", newline="\n")
    manifest = {
        **facts,
        "name": params.pretty_name,
        "files": release.file_entries(staging),  # after every other file is written; the manifest lists them
        "rows": {card.SPLIT: summary.height},
        "validation": _validation_summary(validation),
        "changes": release.change_counts(changes),
        "content_hashes": release.hashes_mapping(hashes),
    }
    write_json(manifest, staging / release.MANIFEST_NAME)
    if changed := rescan.result():
        shutil.rmtree(staging, ignore_errors=True)
        shown = "; ".join(changed[:5]) + (f"; ... and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise GateFailed(f"the raw folder changed since the build read it ({shown}): re-run the build")
    swap_in(staging, out.dataset)
    plots.write(plots.tables(summary, duplicates, quarantine, removed_lines), out.plots)
    if status.startswith(release.UNRELEASED):
        log.warning("dataset %s: %s", label, status)
    return _write_metrics(out, manifest, info)


def swap_in(staging: Path, target: Path) -> None:
    """Replace target by staging so that a kill at any moment leaves a complete folder under one of the names.

    The previous folder is renamed aside first and deleted only once the new one is in place.
    """
    aside = target.with_name(f".{target.name}.previous")
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        target.replace(aside)
    staging.replace(target)
    shutil.rmtree(aside, ignore_errors=True)


def _validation_summary(validation: dict[str, Any]) -> dict[str, Any]:
    checks = validation["checks"]
    return {
        "passed": validation["passed"],
        "checks_passed": sum(c["success"] for c in checks),
        "checks": len(checks),
        "quarantined_by_rule": validation["row_checks"]["quarantined_by_rule"],
    }


def _scan_articles(directory: Path) -> pl.LazyFrame:
    """The validated rows; their columns and types must be exactly Article's, or the features cast would lie."""
    articles = shards.scan(directory, ARTICLE_SCHEMA)
    found = dict(articles.collect_schema())
    if found != ARTICLE_SCHEMA:
        raise GateFailed(f"{directory} does not have the Article columns and types: {found}")
    return articles


def content_hashes(directory: Path, cache: Path, known: rawfolder.KnownHashes) -> pl.DataFrame:
    """release.content_hashes over the validated rows, sorted by id, each part's kept by its bytes (`by_file_bytes`):
    validate rewrites only the parts of the id ranges whose rows changed, so a rebuild hashes their rows only."""
    entries = by_file_bytes(shards.parts(directory), cache, _part_hashes, known)
    return shards.scan_parts(entries, release.HASHES_SCHEMA).sort("id").collect()


def _part_hashes(path: Path) -> pl.DataFrame:
    return release.content_hashes(pl.read_parquet(path, schema=ARTICLE_SCHEMA))


SHARD_FILE, SHARD_BYTES = "shard.parquet", "num_bytes.json"


def write_shards(validated_dir: Path, hashes: pl.DataFrame, folder: Path, max_rows_per_shard: int,
                 cache: Path) -> DatasetInfo:  # fmt: skip
    """Write data/train-{i:05d}-of-{n:05d}.parquet (the ids of shards.id_ranges(n)) and describe them.

    hashes: (id, sha256) of every row (release.content_hashes), sorted by id. Each shard reads only its own
    range of rows, from the validated parts whose id ranges meet it (the memory of one shard and one part, whatever
    the size of the corpus). Shards go through `datasets`' own parquet writer (the one push_to_hub uses: Hub-friendly
    content-defined chunking and the features in the file metadata), after casting to FEATURES. A shard is kept in
    `cache`, named by its name and its rows' ids and content hashes: a rebuild copies the shards whose rows did not
    change (the same bytes the writer would give) instead of reading and writing them again.
    """
    split = card.SPLIT
    rows = hashes.height
    n = max(1, math.ceil(rows / max_rows_per_shard))
    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    space = cache / namespace(datasets.__version__, pa.__version__)  # the writer's bytes are theirs
    prune(cache, [space.name])
    entries = []
    num_bytes = download_size = 0
    validated = shards.parts(validated_dir)
    for i, (first, last) in enumerate(shards.id_ranges(n)):
        name = f"{split}-{i:05d}-of-{n:05d}"
        in_range = functools.partial(_ids_between, first=first, last=last)
        entry = space / shards.digest(name, release.fingerprint(in_range(hashes.lazy()).collect()))
        path = data_dir / f"{name}.parquet"
        if not entry.is_dir():
            # One chunk: the writer's pages follow the chunks, and polars chunks a result by its thread count and
            # timing.
            overlapping = shards.parts_between(validated, first, last)
            rows_of_shard = shards.collect_each(overlapping, ARTICLE_SCHEMA, in_range).sort("id").rechunk()
            shard = _dataset(rows_of_shard, fingerprint=name)
            del rows_of_shard
            shard.to_parquet(str(path))
            del shard
            _keep_shard(entry, path, _loaded_bytes(path))
        else:
            shutil.copyfile(entry / SHARD_FILE, path)
        entries.append(entry)
        num_bytes += read_json(entry / SHARD_BYTES)
        download_size += path.stat().st_size
    keep_entries(space, entries)
    splits = SplitDict()
    splits.add(SplitInfo(name=split, num_bytes=num_bytes, num_examples=rows))
    return DatasetInfo(
        features=FEATURES, splits=splits, download_size=download_size, dataset_size=num_bytes, config_name="default"
    )


def _keep_shard(entry: Path, path: Path, num_bytes: int) -> None:
    """Copy a shard just written, and its table's bytes (`_loaded_bytes`), into its cache entry (complete once renamed
    into place)."""
    with new_entry(entry) as pending:
        shutil.copyfile(path, pending / SHARD_FILE)
        write_json(num_bytes, pending / SHARD_BYTES)


def _loaded_bytes(shard_file: Path) -> int:
    """The Arrow bytes of a shard file's table as read back (its DatasetInfo num_bytes): a function of the file's
    bytes. Not the table it was written from: the bytes its string columns take follow how its rows were gathered
    from the validated parts, which a rebuild can change while the shard's rows stay the same (a row added to a part
    the shard only partly covers), so a rebuild's card and release.json told it from a fresh build."""
    return pq.read_table(shard_file).nbytes


def _ids_between(rows: pl.LazyFrame, first: str, last: str) -> pl.LazyFrame:
    return rows.filter(pl.col("id").is_between(pl.lit(first), pl.lit(last)))


def _dataset(frame: pl.DataFrame, fingerprint: str) -> Dataset:
    """frame as a Dataset of FEATURES, the same table Dataset.from_polars(frame, features=FEATURES) builds, in a
    third of the memory: cast column by column (from_polars casts the whole table at once, holding both), and with a
    given fingerprint (by default `datasets` pickles the whole table to hash it). The fingerprint only names the
    in-memory dataset for `datasets`' transform cache, which packaging never uses."""
    schema = FEATURES.arrow_schema
    columns = [frame[name].to_arrow().cast(schema.field(name).type) for name in schema.names]
    return Dataset(InMemoryTable(pa.table(columns, schema=schema)), info=DatasetInfo(features=FEATURES),
                   fingerprint=fingerprint)  # fmt: skip


def _upstream_metrics(out: Outputs) -> dict[str, dict[str, Any]]:
    """Metrics of the stages before package (a previous package run's own file must not leak into the card)."""
    return {stage: metrics for stage, metrics in stage_metrics(out).items() if stage != "package"}


def _write_metrics(out: Outputs, manifest: dict[str, Any], info: DatasetInfo) -> dict[str, Any]:
    rows = manifest["rows"][card.SPLIT]
    metrics = {
        "stage": "package",
        "rows_in": rows,
        "rows_out": rows,
        "dropped": {},
        "shards": sum(1 for f in manifest["files"] if f["path"].startswith("data/")),
        "download_size": info.download_size,
        "dataset_size": info.dataset_size,
        **manifest["changes"],
    }
    write_json(metrics, out.stage_metrics("package"))
    quarantined = pl.scan_parquet(out.quarantine).select(pl.len()).collect().item()
    write_json(headline(stage_metrics(out), quarantined), out.metrics)
    return metrics


def pipeline_commit(project_root: Path = PROJECT_ROOT) -> str:
    """Last commit touching CODE_PATHS in the repository holding this code, '-dirty' if they have changes.

    Asked of the repository containing the package module, never of the caller's working directory; 'unknown'
    when git, the repository or any such commit is missing (e.g. an installed copy of the package).
    """
    try:
        commit = _git(project_root, "log", "-1", "--format=%H", "--", *CODE_PATHS)
        dirty = _git(project_root, "status", "--porcelain", "--", *CODE_PATHS)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def _git(cwd: Path, *args: str) -> str:
    # --no-optional-locks: `git status` must not take the index lock of the repository it only reads.
    command = ["git", "--no-optional-locks", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=True, timeout=30).stdout.strip()
