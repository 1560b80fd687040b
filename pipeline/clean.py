"""Stage 2, clean: segments -> articles, with every removal logged.

Vectorised over all segments at once: strip glued residue (image names, gallery digits) into the removed-lines
audit, repair text (mojibake, backtick apostrophes, glued sentences), assemble bodies (paragraphs joined by a
blank line), flag truncation, identify the language, hash ids, and quarantine records left without a body.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging

import polars as pl

from pipeline import io, language, shards
from pipeline.config import CleanParams, EngineParams
from pipeline.engine import engine_for
from pipeline.extraction import LINE_SCHEMA, RECORD_SCHEMA, SEGMENT_SCHEMA
from pipeline.outputs import Outputs
from pipeline.patterns import INLINE_SHORTCODE, MOJIBAKE, SENTENCE_END
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.shards import Shard
from pipeline.stage import StageResult, counts, stage_metrics, write_metrics
from pipeline.text import canonical_expr
from schemas import CleanArticle, RemovedLine, polars_schema
from schemas.article import PROVENANCE_DTYPE

log = logging.getLogger(__name__)

# Residue glued before the first word of a paragraph: (rule, pattern capturing the residue).
RESIDUE_PATTERNS = (
    ("image_name_residue", r"^([A-Za-z]{2,}[_-][\d_-]*\d{2,}(?:\.(?:jpe?g|png|gif|webp))?)[A-Za-z’'‘\"“]"),
    ("image_name_residue", r"^(\S{1,60}\.(?:jpe?g|png|gif|webp))[A-Za-z’'‘\"“]"),
    ("gallery_index_residue", r"^(\d{1,2})[A-Z][a-z]"),
)
# Residue anywhere inside a paragraph: unrendered CMS shortcodes.
INLINE_RESIDUE = (("shortcode", INLINE_SHORTCODE),)
# Safe repairs: (rule, pattern, replacement). Rust regex: no look-around, so context is captured and put back.
REPAIRS = (
    ("backtick_apostrophe", r"(\w)`(\w)", "${1}’${2}"),
    ("glued_sentence", r"([a-z]{2}[.!?][\"”’]?)([A-Z][a-z])", "${1} ${2}"),
    ("spaces", r"[ \t\u00a0]{2,}", " "),
)
QUARANTINE_EXCERPT = 2000  # characters of a refused record kept in quarantine.parquet
REMOVED_SCHEMA = polars_schema(RemovedLine)


def _sha16(values: pl.Series) -> pl.Series:
    # hashlib in a batch: polars' own hash is not stable across versions, and ids must be.
    return pl.Series([hashlib.sha256(v.encode("utf-8")).hexdigest()[:16] for v in values], dtype=pl.String)


def _fix_mojibake(values: pl.Series) -> pl.Series:
    import ftfy

    return pl.Series([ftfy.fix_text(v) for v in values], dtype=pl.String)


TEMPLATE = ["layout", "dateline"]
TEMPLATE_SCHEMA = {"layout": pl.String, "dateline": pl.String, "template_size": pl.UInt32, "closed_share": pl.Float64}


def closing_templates(records: pl.LazyFrame) -> pl.DataFrame:
    """Per template (records of one layout with one wire dateline agency): its size and the share of its
    records that close explicitly ('(END)', sign-off e-mail, footer). Learned over the whole corpus."""
    return (
        records.filter(pl.col("dateline").is_not_null())
        .group_by(TEMPLATE)
        .agg(template_size=pl.len(), closed_share=pl.col("closed").cast(pl.Float64).mean())
        .sort(TEMPLATE)
        .collect()
        .cast(TEMPLATE_SCHEMA)
    )


def unclosed_in_closing_template(params: CleanParams) -> pl.Expr:
    """True for a record whose template normally closes articles explicitly but which has no such close: the
    saved page stopped early, even if at a sentence end (needs the closing_templates columns joined)."""
    return (
        pl.col("dateline").is_not_null()
        & ~pl.col("closed")
        & (pl.col("template_size").fill_null(0) >= params.end_marker_min_group)
        & (pl.col("closed_share").fill_null(0.0) >= params.end_marker_min_share)
    )


def lead_names_nobody() -> pl.Expr:
    """True when a multi-paragraph English article opens on a paragraph that names no one and nothing.

    News leads say who did what (a person, company, country or place), so an opening paragraph of some length
    without a single proper noun ('The facility has ..., the firm said.') means the saved page lost its lead.
    A proper noun here is a capitalised word that does not start a sentence.
    """
    first = pl.col("body").str.split("\n\n").list.first()
    return (
        pl.col("body").str.contains("\n\n")
        & (first.str.count_matches(r"\S+") >= 12)
        & (first.str.count_matches(r"[a-z0-9,;:’'\")]\s+[A-Z]") == 0)
        & ~first.str.contains(r"^\S*[A-Z]\S*\s+[A-Z]")  # 'South Korea ...', 'SEOUL, ...': names at the start
    )


def split_residue(segments: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cut glued residue off body paragraphs; return (segments, removed fragments)."""
    removed = []
    for rule, pattern in RESIDUE_PATTERNS:
        residue = pl.col("text").str.strip_chars_start().str.extract(pattern, 1)
        hit = (pl.col("role") == "body") & residue.is_not_null()
        removed.append(
            segments.filter(hit).select(
                "file",
                line=pl.col("line_start"),
                text=residue,
                rule=pl.lit(rule),
                stage=pl.lit("clean"),
                fragment=pl.lit(True),
            )  # fmt: skip
        )
        segments = segments.with_columns(
            text=pl.when(hit).then(pl.col("text").str.strip_chars_start().str.slice(residue.str.len_chars()))
            .otherwise(pl.col("text"))
        )  # fmt: skip
    for rule, pattern in INLINE_RESIDUE:
        hit = (pl.col("role") == "body") & pl.col("text").str.contains(pattern)
        removed.append(
            segments.filter(hit)
            .select("file", line=pl.col("line_start"), text=pl.col("text").str.extract_all(pattern))
            .explode("text")
            .select("file", "line", "text", rule=pl.lit(rule), stage=pl.lit("clean"), fragment=pl.lit(True))
        )
        segments = segments.with_columns(
            text=pl.when(hit).then(pl.col("text").str.replace_all(pattern, " ")).otherwise(pl.col("text"))
        )
    return segments, pl.concat(removed)


def repair_text(segments: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Repair title and body text; count the segments each repair changed."""
    counts: dict[str, int] = {}
    textual = pl.col("role").is_in(["title", "body"])
    suspicious = textual & pl.col("text").str.contains(MOJIBAKE)
    counts["mojibake"] = int(segments.select(suspicious.sum()).item())
    if counts["mojibake"]:
        fixed = segments.filter(suspicious).select("file", "seg", fixed=pl.col("text").map_batches(_fix_mojibake))
        segments = (
            segments.join(fixed, on=["file", "seg"], how="left", maintain_order="left")
            .with_columns(text=pl.coalesce("fixed", "text"))
            .drop("fixed")
        )
    for rule, pattern, replacement in REPAIRS:
        repaired = pl.col("text").str.replace_all(pattern, replacement)
        counts[rule] = int(segments.select((textual & (repaired != pl.col("text"))).sum()).item())
        segments = segments.with_columns(text=pl.when(textual).then(repaired).otherwise(pl.col("text")))
    segments = segments.with_columns(text=pl.when(textual).then(pl.col("text").str.strip_chars()).otherwise("text"))
    return segments, counts


def removed_lines(lines: pl.DataFrame, segments: pl.DataFrame, fragments: pl.DataFrame) -> pl.DataFrame:
    """Chrome segments as one audit row per raw line (raw text), plus removed fragments (their own text).

    ``score`` is the line model's probability for its removals, null for rules."""
    chrome = segments.filter(pl.col("role") == "chrome")
    whole = (
        chrome.filter(~pl.col("fragment"))
        .with_columns(line=pl.int_ranges("line_start", pl.col("line_end") + 1, dtype=pl.Int32))
        .explode("line")
        .join(lines.rename({"text": "raw"}), on=["file", "line"], how="left")
        .select(
            "file",
            "line",
            text=pl.coalesce("raw", "text"),
            rule="rule",
            stage=pl.lit("parse"),
            fragment=pl.lit(False),
            score="score",
        )  # fmt: skip
    )
    parts = chrome.filter(pl.col("fragment")).select(
        "file", line=pl.col("line_start"), text="text", rule="rule", stage=pl.lit("parse"), fragment=pl.lit(True),
        score="score",
    )  # fmt: skip
    cleaned = fragments.with_columns(line=pl.col("line").cast(pl.Int32), score=pl.lit(None, dtype=pl.Float64))
    out = pl.concat([whole, parts, cleaned])
    return out.with_columns(rule=pl.col("rule").fill_null("unnamed")).sort("file", "line", "fragment", "text")


def assemble(
    segments: pl.DataFrame, records: pl.DataFrame, templates: pl.DataFrame, params: CleanParams
) -> pl.DataFrame:
    """One row per record with the article columns (before the minimum-body check)."""
    keyed = segments.filter(pl.col("record").is_not_null() & (pl.col("text").str.len_chars() > 0))
    parts = (
        keyed.sort("file", "seg")
        .group_by("file", "record", maintain_order=True)
        .agg(
            body=pl.col("text").filter(pl.col("role") == "body").str.join("\n\n"),
            title=pl.col("text").filter(pl.col("role") == "title").first(),
        )
    )
    frame = (
        records.join(parts, on=["file", "record"], how="left").join(
            templates, on=TEMPLATE, how="left", nulls_equal=False, maintain_order="left"
        )
    ).with_columns(
        body=pl.col("body").fill_null(""),
        title=pl.when(pl.col("title").str.len_chars() > 0).then("title"),
    )
    frame = frame.with_columns(
        word_count=pl.col("body").str.count_matches(r"\S+").cast(pl.Int32),
        provenance=pl.concat_list(pl.struct(file="file", line_start="line_start", line_end="line_end")).cast(
            PROVENANCE_DTYPE
        ),
        language=pl.col("body").map_batches(
            lambda s: language.identify(s, params.language_min_chars, params.english_function_word_share),
            return_dtype=pl.String,
        ),
        id=pl.concat_str(canonical_expr("title"), canonical_expr("body"), separator="\x1f").map_batches(
            _sha16, return_dtype=pl.String
        ),
    )
    return frame.with_columns(
        is_truncated=pl.col("truncated_hint")
        | ~pl.col("body").str.contains(SENTENCE_END)
        | unclosed_in_closing_template(params)
        | ((pl.col("language") == "en") & lead_names_nobody())
    )


@dataclasses.dataclass(frozen=True)
class ShardTask:
    shard: Shard
    out: Outputs
    params: CleanParams
    templates: pl.DataFrame


def transform(
    lines: pl.DataFrame, segments: pl.DataFrame, records: pl.DataFrame, templates: pl.DataFrame, params: CleanParams
) -> tuple[StageResult, dict[str, int]]:
    """One shard: (articles kept, quarantined records, removed lines, metrics) and the repair counts."""
    segments, fragments = split_residue(segments)
    segments, repairs = repair_text(segments)
    audit = RemovedLine.validate(removed_lines(lines, segments, fragments))
    articles = assemble(segments, records, templates, params)
    # Words with a letter or digit: a body of symbols ('★ ☆ ♥ ...') has whitespace tokens but no text.
    words = pl.col("body").str.count_matches(r"\S*[\p{L}\p{N}]\S*")
    chars = pl.col("body").str.len_chars()
    rule = (
        pl.when(pl.col("word_count") == 0).then(pl.lit("no_body"))
        .when(words < params.min_body_words).then(pl.lit("body_too_short"))
        .when(chars > params.max_body_chars).then(pl.lit("body_too_long"))
    )  # fmt: skip
    reason = (
        pl.when(chars > params.max_body_chars)
        .then(pl.format("body has {} characters (clean.max_body_chars={})", chars, pl.lit(params.max_body_chars)))
        .otherwise(pl.format("body has {} words (clean.min_body_words={})", words, pl.lit(params.min_body_words)))
    )
    articles = articles.with_columns(rule=rule, reason=reason)
    refused = pl.col("rule").is_not_null()
    quarantine = articles.filter(refused).select(
        "file", "line_start", "line_end", stage=pl.lit("clean"), rule="rule", reason="reason",
        text=pl.concat_str(pl.col("title").fill_null(""), "body", separator="\n\n").str.slice(0, QUARANTINE_EXCERPT),
    ).sort("file", "line_start")  # fmt: skip
    kept = CleanArticle.validate(articles.filter(~refused).select(list(CleanArticle.to_schema().columns)).sort("id"))
    metrics = stage_metrics(
        "clean",
        rows_in=records.height,
        rows_out=kept.height,
        dropped=counts(quarantine, "rule"),
        truncated=int(kept["is_truncated"].sum()),
    )
    return StageResult(kept=kept, quarantined=quarantine, removed=audit, metrics=metrics), repairs


def clean_shard(task: ShardTask) -> tuple[dict, dict[str, int]]:
    out = task.out
    result, repairs = transform(
        shards.read(out.lines_dir, LINE_SCHEMA, task.shard),
        shards.read(out.segments_dir, SEGMENT_SCHEMA, task.shard),
        shards.read(out.records_dir, RECORD_SCHEMA, task.shard),
        task.templates,
        task.params,
    )
    io.write_parquet(result.kept, shards.part(out.clean_articles_dir, task.shard))
    io.write_parquet(result.quarantined, shards.part(out.clean_quarantine_dir, task.shard))
    io.write_parquet(result.removed, shards.part(out.removed_lines_dir, task.shard))
    return result.metrics, repairs


def run(*, out: Outputs, params: CleanParams, engine: EngineParams, progress: Progress = NO_PROGRESS) -> dict:
    templates = closing_templates(shards.scan(out.records_dir, RECORD_SCHEMA))
    shards.clear([out.clean_articles_dir, out.clean_quarantine_dir, out.removed_lines_dir])
    tasks = [ShardTask(shard, out, params, templates) for shard in shards.present(out.segments_dir)]
    advance = progress.bar("shards", len(tasks), "shards")
    results = engine_for(engine).map(clean_shard, tasks, lambda _: advance(1))
    # removed_lines.parquet is read by people: one file, in (file, line) order, merged from the shards' parts.
    audit = shards.scan(out.removed_lines_dir, REMOVED_SCHEMA).sort("file", "line", "fragment", "text", "rule")
    io.sink_parquet(audit, out.removed_lines)
    repairs: dict[str, int] = {}
    for _, shard_repairs in results:
        for rule, n in shard_repairs.items():
            repairs[rule] = repairs.get(rule, 0) + n
    removed_by_rule = counts(audit.select("rule").collect(), "rule")
    metrics = stage_metrics(
        "clean",
        rows_in=sum(m["rows_in"] for m, _ in results),
        rows_out=sum(m["rows_out"] for m, _ in results),
        dropped=_sum_counts(m["dropped"] for m, _ in results),
        removed_lines_by_rule=removed_by_rule,
        repairs=dict(sorted(repairs.items())),
        truncated=sum(m["truncated"] for m, _ in results),
    )
    write_metrics(metrics, out.stage_metrics("clean"))
    log.info("clean: %d records -> %d articles", metrics["rows_in"], metrics["rows_out"])
    return metrics


def _sum_counts(maps) -> dict[str, int]:
    total: dict[str, int] = {}
    for counts_map in maps:
        for key, n in counts_map.items():
            total[key] = total.get(key, 0) + n
    return dict(sorted(total.items()))
