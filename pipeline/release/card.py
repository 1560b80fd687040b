"""The dataset card (README.md): Hub YAML front matter plus prose, rendered purely from frames and dicts.

Nothing here reads files, the clock or the environment, so the same inputs always give the same bytes.
Field descriptions come from `schemas.Article`, so the card cannot drift from the schema.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from datasets import DatasetInfo, List, Value
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from pipeline.config import PackageParams
from pipeline.expectations import describe_limit, describe_observed
from pipeline.release.manifest import CHANGE_KINDS, UNRELEASED, change_counts
from schemas.article import Article

SPLIT = "train"
CHANGELOG_ROWS = 50  # the card lists at most this many changes per release; changes.parquet has them all
STAGE_ORDER = ("parse", "clean", "dedup", "validate")
QUANTILES = (("min", 0.0), ("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9), ("max", 1.0))
# The Hub's size_categories buckets, as (exclusive upper bound, label).
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)
UNKNOWN = "(not printed)"


@dataclasses.dataclass(frozen=True)
class CardInputs:
    """Everything the card says, already loaded: the published rows, the audit tables and the release facts."""

    params: PackageParams
    articles: pl.DataFrame  # published rows (Article columns)
    removed_lines: pl.DataFrame  # RemovedLine rows
    duplicates: pl.DataFrame  # Duplicate rows
    quarantine: pl.DataFrame  # QuarantineRow rows
    stage_metrics: Mapping[str, Mapping[str, Any]]  # upstream stage -> its metrics json
    validation: Mapping[str, Any]  # reports/validation.json
    info: DatasetInfo  # features, splits and sizes of the written shards
    release: Mapping[str, Any]  # version, fingerprint, pipeline_commit, input_fingerprint, previous_version
    changes: pl.DataFrame  # (id, change, title) against the previous release
    history: Sequence[Mapping[str, Any]]  # recorded manifests of earlier versions, newest first


def render_card(inputs: CardInputs) -> str:
    """README.md text: YAML front matter the Hub and `datasets` parse, then the prose sections."""
    sections = [
        _summary(inputs),
        _sources(inputs.articles),
        _fields(inputs.info),
        _statistics(inputs.articles),
        _cleaning(inputs),
        _validation(inputs.validation),
        _version(inputs.release),
        _loading(inputs.release["version"]),
        _changelog(inputs),
        _license(inputs.params),
    ]
    body = "\n\n".join("\n".join(lines) for lines in sections)
    return f"---\n{card_data(inputs).to_yaml()}\n---\n\n{body}\n"


def card_data(inputs: CardInputs) -> DatasetCardData:
    """The front matter, written through datasets' own helpers (as push_to_hub does) so both sides parse it."""
    params = inputs.params
    data = DatasetCardData(
        pretty_name=params.pretty_name,
        language=languages(inputs.articles) or None,
        license=params.license,
        task_categories=list(params.task_categories) or None,
        size_categories=[size_category(inputs.articles.height)],
        tags=list(params.tags) or None,
    )
    DatasetInfosDict({"default": inputs.info}).to_dataset_card_data(data)
    MetadataConfigs({"default": {"data_files": [{"split": SPLIT, "path": f"data/{SPLIT}-*"}]}}).to_dataset_card_data(
        data
    )
    return data


def languages(articles: pl.DataFrame) -> list[str]:
    """Language codes in the data, most frequent first; 'und' (undetermined) is not a Hub language."""
    counts = articles.filter(pl.col("language") != "und").group_by("language").len()
    return counts.sort(["len", "language"], descending=[True, False])["language"].to_list()


def size_category(rows: int) -> str:
    return next((label for bound, label in SIZE_CATEGORIES if rows < bound), "n>1B")


def feature_type(feature: Any) -> str:
    """Readable type of a `datasets` feature: 'string', 'list of {file: string, ...}'."""
    if isinstance(feature, Value):
        return feature.dtype
    if isinstance(feature, List):
        return f"list of {feature_type(feature.feature)}"
    if isinstance(feature, dict):
        return "{" + ", ".join(f"{name}: {feature_type(sub)}" for name, sub in feature.items()) + "}"
    return type(feature).__name__


def _cell(value: Any) -> str:
    """A markdown table cell: pipes escaped, line breaks flattened, None shown as a dash."""
    if value is None:
        return "–"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return " ".join(text.split()).replace("|", "\\|")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return lines if rows else [*lines, "| " + " | ".join("–" for _ in headers) + " |"]


def _count(n: int) -> str:
    return f"{n:,}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _counts(frame: pl.DataFrame, keys: Sequence[str]) -> list[tuple[Any, ...]]:
    """(key..., count) rows, most frequent first, ties by key; null keys shown as UNKNOWN."""
    grouped = frame.group_by(keys).len().sort(["len", *keys], descending=[True] + [False] * len(keys), nulls_last=True)
    return [(*(UNKNOWN if k is None else k for k in row[:-1]), _count(row[-1])) for row in grouped.iter_rows()]


def _summary(inputs: CardInputs) -> list[str]:
    articles, release = inputs.articles, inputs.release
    langs = ", ".join(f"`{code}`" for code in languages(articles)) or "undetermined"
    return [
        f"# {inputs.params.pretty_name}",
        "",
        f"Version **{release['version']}**: {_count(articles.height)} news articles (split `{SPLIT}`), "
        f"languages: {langs}.",
        "",
        "Each row is one article extracted from scraped news-page text (saved page dumps) by a deterministic "
        "pipeline: parse (layout-specific parsers) → clean (page chrome removed, text repaired) → dedup (exact, "
        "near and truncated-copy duplicates dropped) → validate (row checks and dataset expectations) → package. "
        "Metadata is only what the page prints (title, date, publisher, byline, section); nothing is guessed, so a "
        "field the page does not show is null. `provenance` gives the raw file and line span of every place the "
        "article was found.",
    ]


def _sources(articles: pl.DataFrame) -> list[str]:
    rows = _counts(articles, ["source", "layout"])
    return ["## Sources and layouts", "", *_table(["source", "layout", "articles"], rows)]


def _fields(info: DatasetInfo) -> list[str]:
    columns = Article.to_schema().columns
    rows = [(f"`{name}`", feature_type(feature), columns[name].description) for name, feature in info.features.items()]
    return ["## Fields", "", *_table(["field", "type", "description"], rows)]


def _statistics(articles: pl.DataFrame) -> list[str]:
    per_source = (
        articles.group_by("source")
        .agg(
            pl.len().alias("n"),
            pl.col("published_date").is_not_null().sum().alias("dated"),
            pl.col("is_truncated").sum().alias("truncated"),
            pl.col("word_count").median().alias("median"),
        )
        .sort(["n", "source"], descending=[True, False], nulls_last=True)
    )
    source_rows = [
        (UNKNOWN if s is None else s, _count(n), _share(n, articles.height), _share(d, n), _share(t, n), f"{m:g}")
        for s, n, d, t, m in per_source.iter_rows()
    ]
    years = articles.group_by(pl.col("published_date").dt.year().alias("year")).len().sort("year", nulls_last=True)
    year_rows = [("unknown" if y is None else str(y), _count(n)) for y, n in years.iter_rows()]
    words = articles["word_count"]
    quantiles = [_count(int(words.quantile(q, interpolation="nearest") or 0)) for _, q in QUANTILES]
    truncated = int(articles["is_truncated"].sum())
    return [
        "## Statistics",
        "",
        "### Articles per source",
        "",
        *_table(["source", "articles", "share", "dated", "truncated", "median words"], source_rows),
        "",
        "### Articles per publication year",
        "",
        *_table(["year", "articles"], year_rows),
        "",
        "### Body length in words",
        "",
        *_table([name for name, _ in QUANTILES], [quantiles]),
        "",
        f"Truncated (`is_truncated`: the saved page cut the text off): {_count(truncated)} of "
        f"{_count(articles.height)} articles ({_share(truncated, articles.height)}).",
    ]


def _stage_rows(stage_metrics: Mapping[str, Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    order = [s for s in STAGE_ORDER if s in stage_metrics] + sorted(set(stage_metrics) - set(STAGE_ORDER))
    rows = []
    for stage in order:
        metrics = stage_metrics[stage]
        dropped = ", ".join(f"{rule}: {_count(n)}" for rule, n in sorted(metrics.get("dropped", {}).items()))
        rows.append((stage, _count(metrics["rows_in"]), _count(metrics["rows_out"]), dropped or "–"))
    return rows


def _cleaning(inputs: CardInputs) -> list[str]:
    removed = (
        inputs.removed_lines.group_by(["stage", "rule"])
        .agg(pl.len().alias("lines"), pl.col("fragment").sum().alias("partial"))
        .sort(["stage", "rule"])
    )
    removed_rows = [(stage, rule, _count(n), _count(p)) for stage, rule, n, p in removed.iter_rows()]
    return [
        "## How it was cleaned",
        "",
        "Row counts per pipeline stage (`dropped` counts the rows each rule removed):",
        "",
        *_table(["stage", "rows in", "rows out", "dropped"], _stage_rows(inputs.stage_metrics)),
        "",
        "### Lines removed as page chrome, per rule",
        "",
        "`partial lines` counts lines of which only a fragment was removed (the rest belongs to an article).",
        "",
        *_table(["stage", "rule", "lines", "partial lines"], removed_rows),
        "",
        "### Duplicates dropped, per kind",
        "",
        "`exact`: same normalised text; `near`: most of its text contained in a kept article; `truncated`: a cut-off "
        "copy of a kept article.",
        "",
        *_table(["kind", "records"], _counts(inputs.duplicates, ["kind"])),
        "",
        "### Quarantined, per rule",
        "",
        "Input that could not become a valid article is kept aside with the reason, never silently dropped.",
        "",
        *_table(["stage", "rule", "records"], _counts(inputs.quarantine, ["stage", "rule"])),
    ]


def _validation(validation: Mapping[str, Any]) -> list[str]:
    checks = validation["checks"]
    rules = validation["row_checks"]["rules"]
    rows = [
        (
            f"`{c['rule']}`",
            rules[c["rule"]]["description"] if c["rule"] in rules else c["asset"].replace("_", " "),
            describe_observed(c["observed"]),
            describe_limit(c["limit"]),
            f"`{c['params_key']}`" if c["params_key"] else "fixed",
            "pass" if c["success"] else "FAIL",
        )
        for c in checks
    ]
    return [
        "## How it was validated",
        "",
        f"The validation gate passed all {len(checks)} checks. Rows failing a row check are quarantined with the "
        "check's name (see the cleaning audit) and the rest is published; the gate blocks the whole dataset only "
        "for what makes it wrong as a whole (duplicate ids, provenance to files the build did not read, raw lines "
        "or paths unaccounted for, the raw folder changing during the build, wrong column types, too large a "
        "quarantined share, too few rows, a failed data-quality limit). A build that fails the gate is never "
        "packaged.",
        "",
        *_table(["check", "what", "observed", "limit", "setting", "result"], rows),
    ]


def _version(release: Mapping[str, Any]) -> list[str]:
    previous = release["previous_version"]
    unreleased = release["release_status"].startswith(UNRELEASED)
    return [
        "## Version",
        "",
        f"- Version: `{release['version']}` ("
        + (release["release_status"] if unreleased else f"Hub tag `v{release['version']}`")
        + ")",
        f"- Fingerprint: `{release['fingerprint']}`",
        f"- Pipeline commit: `{release['pipeline_commit']}`",
        f"- Input fingerprint: `{release['input_fingerprint']}`",
        f"- Previous release: `{previous}`" if previous else "- Previous release: none (first release)",
        "",
        "The fingerprint is a sha256 over the sorted lines `id<TAB>content_hash`, where `content_hash` is the sha256 "
        "of the row's canonical JSON; equal fingerprints mean equal rows. The pipeline commit is the last git commit "
        "of the code and parameters (`-dirty`: built with uncommitted changes). The input fingerprint is a sha256 "
        "over the sorted lines `path<TAB>sha256` of the raw files. `release.json` lists the sha256 of every file "
        "in this folder.",
    ]


def _loading(version: str) -> list[str]:
    return [
        "## How to load it",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        "# this folder, as built by the pipeline (data/dataset)",
        'ds = load_dataset("path/to/dataset", split="train")',
        "",
        "# from the Hub, pinned to this release (replace ORG/NAME with the repository it was published to)",
        f'ds = load_dataset("ORG/NAME", split="train", revision="v{version}")',
        "```",
    ]


def _changelog(inputs: CardInputs) -> list[str]:
    release, changes = inputs.release, inputs.changes
    previous = release["previous_version"]
    this = "an unreleased build" if release["release_status"].startswith(UNRELEASED) else "this release"
    lines = ["## Changelog", "", f"### v{release['version']} ({this})", ""]
    if previous is None:
        lines.append(f"First release: all {_count(changes.height)} articles are new.")
    else:
        summary = ", ".join(f"{_count(n)} {kind}" for kind, n in change_counts(changes).items())
        shown = changes.sort(["change", "id"]).head(CHANGELOG_ROWS)
        lines += [
            f"Against v{previous}: {summary} (`changed`: same id, different field values; "
            "removed articles have no title here). The full list is in `changes.parquet` (id, change, title).",
            "",
            *_table(["change", "id", "title"], [(c, f"`{i}`", t) for i, c, t in shown.iter_rows()]),
        ]
        if changes.height > shown.height:
            lines += ["", f"… and {_count(changes.height - shown.height)} more in `changes.parquet`."]
    if inputs.history:
        rows = [
            (f"v{m['version']}", _count(m["rows"][SPLIT]), *(_count(m["changes"][k]) for k in CHANGE_KINDS))
            for m in inputs.history
        ]
        lines += ["", "### Earlier releases", "", *_table(["version", "articles", *CHANGE_KINDS], rows)]
    return lines


def _license(params: PackageParams) -> list[str]:
    return ["## License", "", f"License: `{params.license}`. {params.license_note}".rstrip()]
