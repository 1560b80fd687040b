"""The dataset card (README.md): Hub YAML front matter plus prose, rendered from frames and dicts.

The words are in templates/card.md.j2 (maintainers edit it without touching Python); this module computes the
facts it shows. Nothing here reads the data, the clock or the environment (only the template file), so the same
inputs always give the same bytes. Field descriptions come from `schemas.Article`, so the card cannot drift from
the schema.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import polars as pl
from datasets import DatasetInfo, List, Value
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCard, DatasetCardData

from pipeline.config import PackageParams
from pipeline.expectations import describe_limit, describe_observed
from pipeline.release.manifest import CHANGE_KINDS, UNRELEASED, change_counts
from schemas.article import Article

TEMPLATE = Path(__file__).parent / "templates" / "card.md.j2"
SPLIT = "train"
# Facts of how the data is made (parse extracts found text, adds no labels), not settings.
ANNOTATIONS_CREATORS = "no-annotation"
LANGUAGE_CREATORS = "found"
SOURCE_DATASETS = "original"
EXAMPLE_BODY_CHARS = 1500  # the card's data instance shows at most this much of the body
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


# The columns of the audit tables the card and the plots count by: a 1 GB build's duplicates hold ~0.3 GB of bodies.
AUDIT_COLUMNS = {
    "removed_lines": ["stage", "rule", "fragment"],
    "duplicates": ["kind", "similarity"],
    "quarantine": ["stage", "rule"],
}


@dataclasses.dataclass(frozen=True)
class CardInputs:
    """Everything the card says, already loaded: the published rows, the audit tables and the release facts."""

    params: PackageParams
    articles: pl.DataFrame  # published rows (Article columns but the body)
    example: Mapping[str, Any] | None  # one published row, body included (example_id picks it); None if no rows
    removed_lines: pl.DataFrame  # the AUDIT_COLUMNS of the audit tables (counts only: never the texts)
    duplicates: pl.DataFrame
    quarantine: pl.DataFrame
    stage_metrics: Mapping[str, Mapping[str, Any]]  # upstream stage -> its metrics json
    validation: Mapping[str, Any]  # reports/validation.json
    info: DatasetInfo  # features, splits and sizes of the written shards
    release: Mapping[str, Any]  # version, fingerprint, pipeline_commit, input_fingerprint, previous_version
    changes: pl.DataFrame  # (id, change, title) against the previous release
    history: Sequence[Mapping[str, Any]]  # recorded manifests of earlier versions, newest first


def render_card(inputs: CardInputs) -> str:
    """README.md text: the template rendered with the card's facts, checked to parse as a Hub dataset card."""
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True
    )
    environment.filters["table"] = markdown_table
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    text = template.render(card_data=card_data(inputs).to_yaml(), **card_context(inputs))
    DatasetCard(text)  # raises on front matter the Hub's card classes reject
    return text


def card_data(inputs: CardInputs) -> DatasetCardData:
    """The front matter, written through datasets' own helpers (as push_to_hub does) so both sides parse it."""
    params = inputs.params
    langs = languages(inputs.articles)
    data = DatasetCardData(
        pretty_name=params.pretty_name,
        language=langs or None,
        license=params.license,
        license_name=params.license_name,
        license_link=license_link(params.repo_id),
        annotations_creators=[ANNOTATIONS_CREATORS],
        language_creators=[LANGUAGE_CREATORS],
        multilinguality=[multilinguality(langs)],
        source_datasets=[SOURCE_DATASETS],
        task_categories=list(params.task_categories) or None,
        size_categories=[size_category(inputs.articles.height)],
        tags=list(params.tags) or None,
    )
    DatasetInfosDict({"default": inputs.info}).to_dataset_card_data(data)
    MetadataConfigs({"default": {"data_files": [{"split": SPLIT, "path": f"data/{SPLIT}-*"}]}}).to_dataset_card_data(
        data
    )
    return data


def license_link(repo_id: str) -> str:
    """The License section of the card on the Hub: the license of `other` is the note written there."""
    return f"https://huggingface.co/datasets/{repo_id}#license"


def multilinguality(langs: Sequence[str]) -> str:
    return "multilingual" if len(langs) > 1 else "monolingual"


def card_context(inputs: CardInputs) -> dict[str, Any]:
    """Every variable of the template: numbers in words and tables as rows of cells (the template writes them)."""
    articles, release, params = inputs.articles, inputs.release, inputs.params
    rows = articles.height
    truncated = int(articles["is_truncated"].sum())
    example, cut = example_json(inputs.example) if inputs.example else (None, None)
    return {
        "pretty_name": params.pretty_name,
        "version": release["version"],
        "rows": _count(rows),
        "split": SPLIT,
        "languages": ", ".join(f"`{code}`" for code in languages(articles)) or "undetermined",
        "example_id": inputs.example["id"] if inputs.example else None,
        "example": example,
        "example_cut": _count(cut) if cut else None,
        "fields": _fields(inputs.info),
        "stage_rows": _stage_rows(inputs.stage_metrics),
        "removed_rows": _removed_rows(inputs.removed_lines),
        "duplicate_rows": _counts(inputs.duplicates, ["kind"]),
        "quarantine_rows": _counts(inputs.quarantine, ["stage", "rule"]),
        "source_rows": _counts(articles, ["source", "layout"]),
        "source_statistics": _source_statistics(articles),
        "year_rows": _year_rows(articles),
        "quantile_names": [name for name, _ in QUANTILES],
        "quantiles": _quantiles(articles),
        "bylines": _count(articles["byline"].is_not_null().sum()),
        "truncated": _count(truncated),
        "truncated_share": _share(truncated, rows),
        "duplicates": _count(inputs.duplicates.height),
        "shared_titles": _count(shared_titles(articles)),
        "undated": _count(articles["published_date"].is_null().sum()),
        "validation_summary": _validation_summary(inputs.validation),
        "checks": _checks(inputs.validation),
        **_version(release),
        "repo_id": params.repo_id,
        **_changelog(inputs),
        "license_name": params.license_name,
        "license_note": params.license_note,
        "citation_key": citation_key(params.repo_id, release["version"]),
    }


def shared_titles(articles: pl.DataFrame) -> int:
    """Published articles whose headline another published article also has (a sign of a duplicate left)."""
    return articles.filter(pl.col("title").is_not_null() & pl.col("title").is_duplicated()).height


def citation_key(repo_id: str, version: str) -> str:
    """A BibTeX key from the repository name and version: 'korean_trade_news_en_v1_0_0'."""
    return re.sub(r"\W+", "_", f"{repo_id.split('/')[-1]}_v{version}")


def _unreleased(release: Mapping[str, Any]) -> bool:
    return release["release_status"].startswith(UNRELEASED)


def example_json(row: Mapping[str, Any]) -> tuple[str, int | None]:
    """One published row as indented JSON (dates as ISO text); the body cut at EXAMPLE_BODY_CHARS, and where."""
    body = row["body"]
    cut = len(body) > EXAMPLE_BODY_CHARS
    shown = {**row, "body": body[:EXAMPLE_BODY_CHARS] + "…" if cut else body}
    text = json.dumps(shown, indent=2, ensure_ascii=False, default=str)
    return text, EXAMPLE_BODY_CHARS if cut else None


def example_id(articles: pl.DataFrame) -> str | None:
    """The row shown as the card's data instance: the one with the fewest null fields, then the smallest id."""
    nulls = pl.sum_horizontal(pl.col(c).is_null() for c in articles.columns if c != "provenance")
    ids = articles.select("id", nulls=nulls).sort("nulls", "id")["id"]
    return ids[0] if len(ids) else None


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
    return " ".join(str(value).split()).replace("|", "\\|")


def markdown_table(rows: Sequence[Sequence[str]], *headers: str) -> str:
    """A markdown table of rows (cells already written by _cells) under headers; 'none' when there are no rows."""
    if not rows:
        return "none"
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _cells(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    return [[_cell(value) for value in row] for row in rows]


def _count(n: int) -> str:
    return f"{n:,}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _counts(frame: pl.DataFrame, keys: Sequence[str]) -> list[list[str]]:
    """(key..., count) rows, most frequent first, ties by key; null keys shown as UNKNOWN."""
    grouped = frame.group_by(keys).len().sort(["len", *keys], descending=[True] + [False] * len(keys), nulls_last=True)
    return _cells((*(UNKNOWN if k is None else k for k in row[:-1]), _count(row[-1])) for row in grouped.iter_rows())


def _fields(info: DatasetInfo) -> list[list[str]]:
    columns = Article.to_schema().columns
    return _cells(
        (f"`{name}`", feature_type(feature), columns[name].description) for name, feature in info.features.items()
    )


def _source_statistics(articles: pl.DataFrame) -> list[list[str]]:
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
    return _cells(
        (UNKNOWN if s is None else s, _count(n), _share(n, articles.height), _share(d, n), _share(t, n), f"{m:g}")
        for s, n, d, t, m in per_source.iter_rows()
    )


def _year_rows(articles: pl.DataFrame) -> list[list[str]]:
    years = articles.group_by(pl.col("published_date").dt.year().alias("year")).len().sort("year", nulls_last=True)
    return _cells(("unknown" if y is None else str(y), _count(n)) for y, n in years.iter_rows())


def _quantiles(articles: pl.DataFrame) -> list[str]:
    words = articles["word_count"]
    return [_count(int(words.quantile(q, interpolation="nearest") or 0)) for _, q in QUANTILES]


def _stage_rows(stage_metrics: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    order = [s for s in STAGE_ORDER if s in stage_metrics] + sorted(set(stage_metrics) - set(STAGE_ORDER))
    rows = []
    for stage in order:
        metrics = stage_metrics[stage]
        dropped = ", ".join(f"{rule}: {_count(n)}" for rule, n in sorted(metrics.get("dropped", {}).items()))
        rows.append((stage, _count(metrics["rows_in"]), _count(metrics["rows_out"]), dropped or "none"))
    return _cells(rows)


def _removed_rows(removed_lines: pl.DataFrame) -> list[list[str]]:
    removed = (
        removed_lines.group_by(["stage", "rule"])
        .agg(pl.len().alias("lines"), pl.col("fragment").sum().alias("partial"))
        .sort(["stage", "rule"])
    )
    return _cells((stage, rule, _count(n), _count(p)) for stage, rule, n, p in removed.iter_rows())


def _validation_summary(validation: Mapping[str, Any]) -> str:
    return (
        f"The validation gate passed all {len(validation['checks'])} checks. Rows failing a row check are quarantined "
        "with the check's name (see Source Data) and the rest is published; the gate blocks the whole dataset only "
        "for what makes it wrong as a whole (duplicate ids, provenance to files the build did not read, raw lines or "
        "paths unaccounted for, the raw folder changing during the build, wrong column types, too large a "
        "quarantined share, too few rows, a failed data-quality limit). A build that fails the gate is never "
        "packaged."
    )


def _checks(validation: Mapping[str, Any]) -> list[list[str]]:
    rules = validation["row_checks"]["rules"]
    return _cells(
        (
            f"`{c['rule']}`",
            rules[c["rule"]]["description"] if c["rule"] in rules else c["asset"].replace("_", " "),
            describe_observed(c["observed"]),
            describe_limit(c["limit"]),
            f"`{c['params_key']}`" if c["params_key"] else "fixed",
            "pass" if c["success"] else "FAIL",
        )
        for c in validation["checks"]
    )


def _version(release: Mapping[str, Any]) -> dict[str, str]:
    previous = release["previous_version"]
    return {
        "release_label": release["release_status"] if _unreleased(release) else f"Hub tag `v{release['version']}`",
        "fingerprint": release["fingerprint"],
        "pipeline_commit": release["pipeline_commit"],
        "input_fingerprint": release["input_fingerprint"],
        "previous_release": f"`{previous}`" if previous else "none (first release)",
    }


def _changelog(inputs: CardInputs) -> dict[str, Any]:
    release, changes = inputs.release, inputs.changes
    shown = changes.sort(["change", "id"]).head(CHANGELOG_ROWS)
    return {
        "changelog_label": "an unreleased build" if _unreleased(release) else "this release",
        "first_release": release["previous_version"] is None,
        "previous_version": release["previous_version"],
        "change_summary": ", ".join(f"{_count(n)} {kind}" for kind, n in change_counts(changes).items()),
        "changes": _cells((c, f"`{i}`", t) for i, c, t in shown.iter_rows()),
        "more_changes": _count(changes.height - shown.height) if changes.height > shown.height else None,
        "change_kinds": list(CHANGE_KINDS),
        "history": _cells(
            (f"v{m['version']}", _count(m["rows"][SPLIT]), *(_count(m["changes"][k]) for k in CHANGE_KINDS))
            for m in inputs.history
        ),
    }
