"""Stage 2, clean: segments -> articles, with every removal logged.

Vectorised over a shard's segments at once: strip glued residue (image names, gallery digits) into the
removed-lines audit, repair text (mojibake, backtick apostrophes, glued sentences), assemble bodies (paragraphs
joined by a blank line), flag truncation, identify the language, hash ids, and quarantine records left without a
body.

A file's result depends only on its own parse (its parse_key) and on one corpus-level input: which of the
templates its records belong to close their articles explicitly (closing_templates). Each shard keeps its
files' results in the cache (pipeline/cache.py) keyed by both, so a rebuild cleans only the files whose parse
changed or whose templates changed side; a hit gives the rows a fresh computation would, up to the file's path,
which is put back on every row. A shard whose files' keys are all unchanged is not even assembled again: its parts,
kept whole in the cache under the digest of those keys, are copied into place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import shutil
from pathlib import Path

import polars as pl

from pipeline import io, language, shards
from pipeline.cache import (
    Cache,
    changed_buckets,
    complete_rows,
    content_digest,
    keep_entries,
    namespace,
    new_entry,
    prune,
    store_tables,
)
from pipeline.config import CleanParams, EngineParams
from pipeline.engine import map_unkept
from pipeline.extraction import LINE_SCHEMA, PARSE_KEY_SCHEMA, RECORD_SCHEMA, SEGMENT_SCHEMA
from pipeline.outputs import Outputs
from pipeline.patterns import INLINE_SHORTCODE, MOJIBAKE, SENTENCE_END, TEXT_WORD, WORD
from pipeline.progress import NO_PROGRESS, Progress
from pipeline.shards import Shard
from pipeline.stage import QUARANTINE_SCHEMA, StageResult, counts, stage_metrics, write_metrics
from pipeline.text import canonical_batched
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
REPAIR_RULES = ("mojibake", *(rule for rule, _, _ in REPAIRS))
QUARANTINE_EXCERPT = 2000  # characters of a refused record kept in quarantine.parquet
REMOVED_SCHEMA = polars_schema(RemovedLine)
CLEAN_SCHEMA = polars_schema(CleanArticle)
# Total orders of the outputs, so rows from the cache and rows computed now land in the same places.
ARTICLE_ORDER = ["id", "file", "line_start", "line_end"]
QUARANTINE_ORDER = ["file", "line_start", "line_end", "rule"]
REMOVED_ORDER = ["file", "line", "fragment", "text", "rule", "stage", "score"]


def _sha16(values: pl.Series) -> pl.Series:
    # hashlib in a batch: polars' own hash is not stable across versions, and ids must be.
    return pl.Series([hashlib.sha256(v.encode("utf-8")).hexdigest()[:16] for v in values], dtype=pl.String)


def _fix_mojibake(values: pl.Series) -> pl.Series:
    import ftfy

    return pl.Series([ftfy.fix_text(v) for v in values], dtype=pl.String)


TEMPLATE = ["layout", "dateline"]
TEMPLATE_SCHEMA = {"layout": pl.String, "dateline": pl.String, "closing": pl.Boolean}


def closing_templates(records: pl.LazyFrame, params: CleanParams) -> pl.DataFrame:
    """Per template (records of one layout with one wire dateline agency): whether it closes its articles
    explicitly ('(END)', sign-off e-mail, footer), i.e. it has at least clean.end_marker_min_group records and at
    least clean.end_marker_min_share of them close. Learned over the whole corpus: clean's only corpus-level input."""
    return (
        records.filter(pl.col("dateline").is_not_null())
        .group_by(TEMPLATE)
        .agg(
            closing=(pl.len() >= params.end_marker_min_group)
            & (pl.col("closed").cast(pl.Float64).mean().fill_null(0.0) >= params.end_marker_min_share)
        )
        .sort(TEMPLATE)
        .collect()
        .cast(TEMPLATE_SCHEMA)
    )


def unclosed_in_closing_template() -> pl.Expr:
    """True for a record whose template normally closes articles explicitly but which has no such close: the
    saved page stopped early, even if at a sentence end (needs the closing_templates columns joined)."""
    return pl.col("dateline").is_not_null() & ~pl.col("closed") & pl.col("closing").fill_null(False)


def closing_keys(files: pl.DataFrame, records: pl.DataFrame, templates: pl.DataFrame) -> pl.DataFrame:
    """(file, closing_key): per file, a hash of the closing templates its records belong to ('' when none).

    The templates a file's records belong to follow from its parse; which of them close is learned from the
    corpus, and is all a file's clean result takes from the corpus. A new file changes this key only for the
    files of a template it tips over a closing threshold.
    """
    closing = templates.filter(pl.col("closing")).select(TEMPLATE)
    hits = (
        records.select("file", *TEMPLATE)
        .join(closing, on=TEMPLATE, how="semi")
        .group_by("file")
        .agg(key=pl.concat_str(TEMPLATE, separator="\x1f").unique().sort().str.join("\x1e"))
    )
    return (
        files.select("file")
        .join(hits, on="file", how="left")
        .select("file", closing_key=pl.col("key").map_elements(_sha, return_dtype=pl.String).fill_null(""))
    )


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def lead_names_nobody() -> pl.Expr:
    """True when a multi-paragraph English article opens on a paragraph that names no one and nothing.

    News leads say who did what (a person, company, country or place), so an opening paragraph of some length
    without a single proper noun ('The facility has ..., the firm said.') means the saved page lost its lead.
    A proper noun here is a capitalised word that does not start a sentence, or one that does and that the body
    never writes in lower case ('Korea's steel industry ...', 'SEOUL - With ...'): a common word that starts a
    sentence ('The', 'Exports') is written in lower case in others, and a function word is never a name.
    """
    first = pl.col("body").str.split("\n\n").list.first()
    nameless = (
        pl.col("body").str.contains("\n\n")
        & (first.str.count_matches(WORD) >= 12)
        & (first.str.count_matches(r"[a-z0-9,;:’'\")]\s+[A-Z]") == 0)
        & ~first.str.contains(r"^\S*[A-Z]\S*\s+[A-Z]")  # 'South Korea ...', 'SEOUL, ...': names at the start
    )
    # Searched only where the rest holds (null elsewhere): a few records of many.
    return nameless & ~_opens_on_a_name(pl.when(nameless).then(first))


def _opens_on_a_name(paragraph: pl.Expr) -> pl.Expr:
    """Whether the body's first paragraph opens on a name: a word that is no function word and that the body
    writes in lower case nowhere (false where the paragraph is null)."""
    word = paragraph.str.extract(r"^\W*([A-Za-z]+)", 1).str.to_lowercase()
    lower = [
        pl.col("body").str.contains(pl.concat_str(pl.lit(before), word, pl.lit(after)), literal=True)
        for before in (" ", "\n")
        for after in (" ", ",", ".", "\n")
    ]
    return ~word.is_in(language.ENGLISH_FUNCTION_WORDS) & ~pl.any_horizontal(lower).fill_null(True)


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


def repair_text(segments: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repair title and body text; count, per file, the segments each repair changed (file, *REPAIR_RULES)."""
    textual = pl.col("role").is_in(["title", "body"])
    suspicious = textual & pl.col("text").str.contains(MOJIBAKE)
    counts = segments.group_by("file").agg(mojibake=suspicious.sum())
    if counts["mojibake"].sum():
        fixed = segments.filter(suspicious).select("file", "seg", fixed=pl.col("text").map_batches(_fix_mojibake))
        segments = (
            segments.join(fixed, on=["file", "seg"], how="left", maintain_order="left")
            .with_columns(text=pl.coalesce("fixed", "text"))
            .drop("fixed")
        )
    for rule, pattern, replacement in REPAIRS:
        repaired = pl.col("text").str.replace_all(pattern, replacement)
        changed = segments.group_by("file").agg((textual & (repaired != pl.col("text"))).sum().alias(rule))
        counts = counts.join(changed, on="file")
        segments = segments.with_columns(text=pl.when(textual).then(repaired).otherwise(pl.col("text")))
    segments = segments.with_columns(text=pl.when(textual).then(pl.col("text").str.strip_chars()).otherwise("text"))
    return segments, counts.select("file", *(pl.col(rule).cast(pl.Int64) for rule in REPAIR_RULES))


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
    return out.with_columns(rule=pl.col("rule").fill_null("unnamed")).sort(REMOVED_ORDER)


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
        word_count=pl.col("body").str.count_matches(WORD).cast(pl.Int32),
        provenance=pl.concat_list(pl.struct(file="file", line_start="line_start", line_end="line_end")).cast(
            PROVENANCE_DTYPE
        ),
        language=pl.col("body").map_batches(
            lambda s: language.identify(s, params.language_min_chars, params.english_function_word_share),
            return_dtype=pl.String,
        ),
        id=pl.concat_str(canonical_batched("title"), canonical_batched("body"), separator="\x1f").map_batches(
            _sha16, return_dtype=pl.String
        ),
    )
    # Lazy: the flag's expressions share their parts (the first paragraph), which an eager frame computes again.
    return (
        frame.lazy()
        .with_columns(
            is_truncated=pl.col("truncated_hint")
            | ~pl.col("body").str.contains(SENTENCE_END)
            | unclosed_in_closing_template()
            | ((pl.col("language") == "en") & lead_names_nobody())
        )
        .collect()
    )


@dataclasses.dataclass(frozen=True)
class ShardTask:
    shard: Shard
    out: Outputs
    params: CleanParams
    templates: pl.DataFrame  # TEMPLATE_SCHEMA
    keys: pl.DataFrame  # (file, *KEY) of the shard's files (shard_keys)
    space: str  # cache namespace for these params and this code
    entry: Path  # where the shard's parts and counts are kept for a rebuild with the same keys (shard_entry)


def transform(
    lines: pl.DataFrame, segments: pl.DataFrame, records: pl.DataFrame, templates: pl.DataFrame, params: CleanParams
) -> tuple[StageResult, pl.DataFrame]:
    """Files of one shard: (articles kept, quarantined records, removed lines, metrics) and the repair counts per
    file (file, *REPAIR_RULES)."""
    segments, fragments = split_residue(segments)
    segments, repairs = repair_text(segments)
    audit = RemovedLine.validate(removed_lines(lines, segments, fragments))
    articles = assemble(segments, records, templates, params)
    words = pl.col("body").str.count_matches(TEXT_WORD)
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
    ).sort(QUARANTINE_ORDER)  # fmt: skip
    kept = CleanArticle.validate(articles.filter(~refused).sort(ARTICLE_ORDER).select(list(CLEAN_SCHEMA)))
    metrics = _metrics(records.height, kept, quarantine)
    return StageResult(kept=kept, quarantined=quarantine, removed=audit, metrics=metrics), repairs


def _metrics(rows_in: int, kept: pl.DataFrame, quarantine: pl.DataFrame) -> dict:
    """Clean's stage metrics for records in, the articles kept and the records quarantined."""
    return stage_metrics(
        "clean",
        rows_in=rows_in,
        rows_out=kept.height,
        dropped=counts(quarantine, "rule"),
        truncated=int(kept["is_truncated"].sum()),
    )


KEY = ["sha256", "parse_key", "closing_key"]  # a file's clean result, up to its path, is a function of these


def _keyed(schema: dict[str, pl.DataType]) -> dict[str, pl.DataType]:
    """An output's schema as cached: by the file's KEY instead of its path."""
    return {**dict.fromkeys(KEY, pl.String), **{k: v for k, v in schema.items() if k != "file"}}


# The cache tables; "files" (one row per file, its repair counts) is written last and marks the files whose rows are
# complete (cache.complete_rows).
CACHED = {
    "articles": _keyed(
        {**{k: v for k, v in CLEAN_SCHEMA.items() if k != "provenance"}, "line_start": pl.Int32, "line_end": pl.Int32}
    ),
    "quarantine": _keyed(QUARANTINE_SCHEMA),
    "removed": _keyed(REMOVED_SCHEMA),
    "files": _keyed(dict.fromkeys(REPAIR_RULES, pl.Int64)),
}


def shard_keys(out: Outputs, shard: Shard, templates: pl.DataFrame) -> pl.DataFrame:
    """(file, *KEY) of a shard's files: with the code and the params, everything its parts are made from."""
    records = shards.read(out.records_dir, RECORD_SCHEMA, shard)
    files = shards.read(out.parse_keys_dir, PARSE_KEY_SCHEMA, shard)
    return files.join(closing_keys(files, records, templates), on="file").select("file", *KEY).sort("file")


def shard_entry(out: Outputs, space: str, keys: pl.DataFrame) -> Path:
    """The cache entry of a shard with these keys: its three parts and its counts (SHARD_FILES), kept whole so
    that a rebuild copies an unchanged shard's parts instead of assembling them from the per-file tables."""
    return out.stage_cache("clean") / space / "shards" / content_digest(keys)


SHARD_FILES = ("articles.parquet", "quarantine.parquet", "removed.parquet", "counts.json")


def _part_dirs(out: Outputs) -> tuple[Path, Path, Path]:
    """Where a shard's parts go, in SHARD_FILES order."""
    return out.clean_articles_dir, out.clean_quarantine_dir, out.removed_lines_dir


def _from_kept_entry(task: ShardTask) -> tuple[dict, dict[str, int], int] | None:
    """A shard whose entry is kept: its parts copied into place, its counts read (no file cleaned); None when
    there is no entry for its keys."""
    if not task.entry.is_dir():
        return None
    for name, folder in zip(SHARD_FILES, _part_dirs(task.out), strict=False):
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(task.entry / name, shards.part(folder, task.shard))
    counts = io.read_json(task.entry / "counts.json")
    return counts["metrics"], counts["repairs"], 0


def _keep_entry(task: ShardTask, metrics: dict, repairs: dict[str, int]) -> None:
    """Copy the shard's parts and counts into its entry (written whole under another name, then renamed)."""
    with new_entry(task.entry) as pending:
        for name, folder in zip(SHARD_FILES, _part_dirs(task.out), strict=False):
            shutil.copyfile(shards.part(folder, task.shard), pending / name)
        io.write_json({"metrics": metrics, "repairs": repairs}, pending / "counts.json")


def clean_shard(task: ShardTask) -> tuple[dict, dict[str, int], int]:
    """One shard: write its articles, quarantine and removed-lines parts, and keep them in its entry; return
    (metrics, repair counts, number of files cleaned rather than taken from the cache)."""
    out = task.out
    records = shards.read(out.records_dir, RECORD_SCHEMA, task.shard)
    keys = task.keys
    buckets = sorted(keys.select(shards.bucket_expr().unique())["sha256"].to_list())
    caches = {name: Cache(out.stage_cache("clean"), task.space, name, schema) for name, schema in CACHED.items()}
    loaded = {name: cache.load(buckets) for name, cache in caches.items()}
    done, cached = complete_rows(loaded, keys, KEY)
    # One path per content to clean: copies of a file under other names get the same rows.
    todo = keys.join(done, on=KEY, how="anti").sort("file").unique(KEY, keep="first", maintain_order=True)
    fresh = _clean_files(task, records, todo)
    rows = {name: pl.concat([cached[name], fresh[name]]) for name in CACHED}
    store_tables(caches, rows, changed_buckets(loaded, cached, fresh))
    placed = {name: keys.join(frame, on=KEY).drop(KEY) for name, frame in rows.items()}
    kept = (
        placed["articles"]
        .sort(ARTICLE_ORDER)
        .with_columns(provenance=pl.concat_list(pl.struct("file", "line_start", "line_end")).cast(PROVENANCE_DTYPE))
        .select(list(CLEAN_SCHEMA))
    )
    quarantine = placed["quarantine"].select(list(QUARANTINE_SCHEMA)).sort(QUARANTINE_ORDER)
    removed = placed["removed"].select(list(REMOVED_SCHEMA)).sort(REMOVED_ORDER)
    io.write_parquet(kept, shards.part(out.clean_articles_dir, task.shard))
    io.write_parquet(quarantine, shards.part(out.clean_quarantine_dir, task.shard))
    io.write_parquet(removed, shards.part(out.removed_lines_dir, task.shard))
    metrics = _metrics(records.height, kept, quarantine)
    repairs = {rule: int(placed["files"][rule].sum()) for rule in REPAIR_RULES}
    _keep_entry(task, metrics, repairs)
    return metrics, repairs, todo.height


def _clean_files(task: ShardTask, records: pl.DataFrame, todo: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The cache rows (CACHED) of the files in todo (file, *KEY), computed from their parse."""
    if todo.is_empty():
        return {name: pl.DataFrame(schema=schema) for name, schema in CACHED.items()}
    wanted = pl.col("file").is_in(todo["file"].implode())

    def part(directory, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        return pl.scan_parquet(shards.part(directory, task.shard), schema=schema).filter(wanted).collect()

    result, repairs = transform(
        part(task.out.lines_dir, LINE_SCHEMA),
        part(task.out.segments_dir, SEGMENT_SCHEMA),
        records.filter(wanted),
        task.templates,
        task.params,
    )
    first = pl.col("provenance").list.first().struct
    frames = {
        "articles": result.kept.with_columns(
            file=first.field("file"), line_start=first.field("line_start"), line_end=first.field("line_end")
        ),
        "quarantine": result.quarantined,
        "removed": result.removed,
        # A file without segments (its parse failed) still gets its row: the mark that its entry is complete.
        "files": todo.select("file")
        .join(repairs, on="file", how="left")
        .with_columns(pl.col(REPAIR_RULES).fill_null(0)),
    }
    return {
        name: frame.join(todo, on="file").select(list(CACHED[name])).cast(CACHED[name])
        for name, frame in frames.items()
    }


def run(*, out: Outputs, params: CleanParams, engine: EngineParams, progress: Progress = NO_PROGRESS) -> dict:
    templates = closing_templates(shards.scan(out.records_dir, RECORD_SCHEMA), params)
    space = namespace(params)
    prune(out.stage_cache("clean"), [space])
    part_dirs = _part_dirs(out)
    shards.clear(part_dirs)
    tasks = []
    for shard in shards.present(out.segments_dir):
        keys = shard_keys(out, shard, templates)
        tasks.append(ShardTask(shard, out, params, templates, keys, space, shard_entry(out, space, keys)))
    advance = progress.bar("shards", len(tasks), "shards")
    results = map_unkept(engine, clean_shard, tasks, _from_kept_entry, lambda _: advance(1))
    keep_entries(out.stage_cache("clean") / space / "shards", [task.entry for task in tasks])
    shards.sweep(part_dirs)
    present = shards.scan(out.parse_keys_dir, PARSE_KEY_SCHEMA).select(shards.bucket_expr().unique()).collect()
    for name, schema in CACHED.items():
        Cache(out.stage_cache("clean"), space, name, schema).retain(present["sha256"].to_list())
    # Cache use goes to the log, never to the metrics: an incremental build must write the same bytes as a fresh one.
    files = shards.scan(out.parse_keys_dir, PARSE_KEY_SCHEMA).select(pl.len()).collect().item()
    log.info(
        "clean: %d files in %d shards; cleaned %d, the rest from the cache",
        files,
        len(tasks),
        sum(n for _, _, n in results),
    )
    # removed_lines.parquet is read by people: one file, in (file, line) order, merged from the shards' parts.
    audit = shards.scan(out.removed_lines_dir, REMOVED_SCHEMA).sort(REMOVED_ORDER)
    io.sink_parquet(audit, out.removed_lines)
    repairs = {rule: sum(shard_repairs[rule] for _, shard_repairs, _ in results) for rule in REPAIR_RULES}
    removed_by_rule = counts(audit.select("rule").collect(), "rule")
    metrics = stage_metrics(
        "clean",
        rows_in=sum(m["rows_in"] for m, _, _ in results),
        rows_out=sum(m["rows_out"] for m, _, _ in results),
        dropped=_sum_counts(m["dropped"] for m, _, _ in results),
        removed_lines_by_rule=removed_by_rule,
        repairs=dict(sorted(repairs.items())),
        truncated=sum(m["truncated"] for m, _, _ in results),
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
