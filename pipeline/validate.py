"""Stage 4, validate: the gate in front of the published dataset.

Proportionate: a row that fails a row check is quarantined with the check's name and a readable reason, and
the rest is published. The gate fails only on what makes the dataset wrong as a whole: duplicate ids,
provenance naming files the build did not read, a raw line or path unaccounted for, the raw folder changing
during the run, columns of the wrong type, a quarantined share or row count beyond its limit, or a failed
data-quality limit. All of it is one Great Expectations run (pipeline/expectations.py), so the Data Docs and
the verdict are the same thing; the verdict in words names each failed rule, its observed value, its limit and
the params.yaml key that governs it, with a few offending rows quoted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import shutil
import sys
import typing
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from pipeline import engine, expectations, fates, io, rawfolder, rules, shards
from pipeline.cache import by_file_bytes, content_digest, keep_entries, namespace, new_entry, prune
from pipeline.config import ValidateParams
from pipeline.errors import GateFailed
from pipeline.extraction import LINE_SCHEMA
from pipeline.outputs import Outputs
from pipeline.patterns import BYLINE_OPENING, CRAWLER_DATE_RESIDUE, SENTENCE_END, WORD
from pipeline.stage import QUARANTINE_SCHEMA, counts, stage_metrics, write_metrics
from pipeline.text import NFKC_MAY_CHANGE, canonical_batched, canonical_occurrence_regex, canonical_series
from schemas import Article, CleanArticle, Duplicate, QuarantineRow, RemovedLine, polars_schema

log = logging.getLogger(__name__)
ARTICLE_SCHEMA = polars_schema(CleanArticle)  # dedup's articles, the rows this stage checks
EXCERPT = 2000  # characters of a quarantined record's text kept in quarantine.parquet
QUOTE = 100  # characters of a row quoted in the gate's message
# data/cache/validate/<table>: the ledger's counts, `dataset_rows`, `RangeStore`
CACHE_TABLES = ("ledger", "rows", "ranges")
FIELD_CHECKS = "field_checks"  # the Article model's own field checks (pattern, range, nullability), as one rule


def latest_publication_date(today: dt.date) -> dt.date:
    """The latest publication date accepted: a page dated in a time zone ahead of UTC can print tomorrow's date."""
    return today + dt.timedelta(days=1)


def build_date(run_time: dt.datetime) -> dt.date:
    """The build's today: the UTC date of SOURCE_DATE_EPOCH when it is set (the reproducible-builds convention, so
    that builds of one input on either side of midnight write the same bytes), else of the run time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return run_time.date()
    if not epoch.isdigit():
        raise ValueError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, got {epoch!r}")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the row checks need besides the rows: the files parse read, learned boilerplate, the date range."""

    parsed_files: frozenset[str]
    learned: tuple[str, ...]
    date_min: dt.date
    date_max: dt.date
    duplicated_ids: tuple[str, ...]  # ids that more than one row of the whole dataset carries
    # ids of the rows whose body another row also carries (by id: ids are unique, or id_unique fails the gate)
    duplicated_body_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class RowRule:
    """A row check: its name (the quarantine rule), what it asks, whether one failure breaks the dataset."""

    name: str
    description: str
    blocking: bool
    passes: Callable[[Facts], pl.Expr] | None  # None: the check is a field check of the Article model itself

    def report(self) -> expectations.RowCheck:
        return expectations.RowCheck(self.name, self.description, self.blocking)


def body_key() -> pl.Expr:
    """A body's identity for body_unique: case, punctuation and spacing do not make a body different (the normal
    form of dedup and the ids). A hash, so the corpus-wide check needs no bodies in memory."""
    return canonical_batched("body").hash(seed=0)


def corpus_facts(keys: pl.DataFrame) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(duplicated ids, ids of rows with a duplicated body) over the whole dataset, from each row's id and body key
    (columns id and body, `body_key`): two compact columns, no bodies."""
    ids = keys.filter(pl.col("id").is_duplicated())["id"].unique().sort()
    body_ids = keys.filter(pl.col("body").is_duplicated())["id"].unique().sort()
    return tuple(ids.to_list()), tuple(body_ids.to_list())


def _paragraphs_any(column: str, predicate: pl.Expr) -> pl.Expr:
    """Whether any paragraph of a body satisfies `predicate`, an expression on pl.element() run on each row's list
    of paragraphs (see _paragraph_column_any for work that needs the paragraphs of many rows as one column)."""
    return pl.col(column).fill_null("").str.split("\n\n").list.eval(predicate).list.any()


PARAGRAPH_CHECK_BODIES = 5_000  # bodies whose paragraphs a paragraph check holds at once (~10 MB)


def _paragraph_column_any(column: str, holds: Callable[[pl.Series], pl.Series]) -> pl.Expr:
    """Whether any paragraph of a body holds: `holds` maps a column of paragraphs to booleans, and is given the
    paragraphs of PARAGRAPH_CHECK_BODIES bodies at a time."""

    def flagged(bodies: pl.Series) -> pl.Series:
        paragraphs = bodies.fill_null("").str.split("\n\n").to_frame("p").with_row_index("_row").explode("p")
        rows = paragraphs.filter(holds(paragraphs["p"]))["_row"]
        return pl.int_range(bodies.len(), dtype=pl.UInt32, eager=True).is_in(rows.implode())

    def by_slice(bodies: pl.Series) -> pl.Series:
        starts = range(0, bodies.len(), PARAGRAPH_CHECK_BODIES)
        return pl.concat(
            [pl.Series(dtype=pl.Boolean), *(flagged(bodies.slice(i, PARAGRAPH_CHECK_BODIES)) for i in starts)]
        )

    return pl.col(column).map_batches(by_slice, return_dtype=pl.Boolean, is_elementwise=True)


def _chrome_paragraph(column: str) -> pl.Expr:
    """Whether a body has a paragraph that a chrome or end rule of the table matches (up to its max_chars)."""
    return _paragraph_column_any(column, _is_chrome)


def _chrome_title() -> pl.Expr:
    """Whether a title is a line that a chrome or end rule of the table matches (up to its max_chars)."""
    return pl.col("title").map_batches(_is_chrome, return_dtype=pl.Boolean, is_elementwise=True)


def _is_chrome(texts: pl.Series) -> pl.Series:
    """Whether each text is a whole line that a chrome or end rule of the table matches (rules.first_rule)."""
    return rules.first_rule(texts, CHROME_KINDS).is_not_null()


def _learned_paragraph(column: str, keys: Sequence[str]) -> pl.Expr:
    """Whether a body has a paragraph among these learned boilerplate lines (their keys: the canonical form). The
    paragraphs are canonicalised as one column by canonical_series, NFKC only where it may change the text:
    canonical_expr on each row's paragraph list took 1.4 s at 100 MB, this 0.5 s."""
    wanted = pl.Series(sorted(keys), dtype=pl.String)
    return _paragraph_column_any(column, lambda paragraphs: canonical_series(paragraphs).is_in(wanted.implode()))


# Canonicalising every paragraph cost ~4 s per 50,000 rows with canonical_expr, about half with canonical_series
# (_learned_paragraph); a regex of 32 keys ~0.1 s (measured on the 1 GB corpus): past 32 such regexes the exact pass
# on every row is cheaper. Speed only: the rows found are the same.
KEYS_PER_REGEX, MAX_REGEXES = 32, 32


def _with_learned_paragraph(batch: pl.DataFrame, keys: Sequence[str]) -> pl.Series:
    """Whether each row of the batch has a body paragraph among these learned lines: exact, with the paragraphs
    canonicalised only in the rows a regex finds a key in (`canonical_occurrence_regex`), or that may change
    under NFKC (the regex does not apply to them)."""
    body = pl.col("body").fill_null("")
    plain = sorted(key for key in keys if key.isascii())
    may = body.str.contains(NFKC_MAY_CHANGE)
    if len(plain) > KEYS_PER_REGEX * MAX_REGEXES:
        may = pl.lit(True)  # the exact check on every row
    else:
        for start in range(0, len(plain), KEYS_PER_REGEX):
            found = "|".join(canonical_occurrence_regex(key) for key in plain[start : start + KEYS_PER_REGEX])
            may = may | body.str.contains(found)
    rows = batch.select("body").with_row_index("_row").filter(may)
    held = rows.filter(_learned_paragraph("body", keys))["_row"]
    return pl.int_range(batch.height, dtype=pl.UInt32, eager=True).is_in(held.implode())


def _doubled() -> pl.Expr:
    half = (pl.element().str.len_chars() - 1) // 2
    return (pl.element().str.len_chars() >= 41) & (
        pl.element().str.slice(0, half).str.strip_chars() == pl.element().str.slice(half + 1).str.strip_chars()
    )


CHROME_KINDS = ("chrome", "end")  # captions left out: cues such as "(left)" occur in prose
ROW_RULES: tuple[RowRule, ...] = (
    RowRule("id_unique", "Every id is unique in the dataset", True,
            lambda f: ~pl.col("id").is_in(list(f.duplicated_ids))),
    RowRule(
        "provenance_files_exist",
        "Provenance names only files the build read from the raw folder, and at least one",
        True,
        lambda f: (pl.col("provenance").list.len() > 0)
        & pl.col("provenance")
        .list.eval(pl.element().struct.field("file").is_in(sorted(f.parsed_files)))
        .list.all(),
    ),
    RowRule(FIELD_CHECKS, "The Article model's field checks hold (id pattern, word_count >= 0, required fields)",
            False, None),
    RowRule("body_unique", "No other row has the same body (the same text under two headlines)", False,
            lambda f: ~pl.col("id").is_in(list(f.duplicated_body_ids))),
    RowRule("title_length", "A title has 3 to 300 characters", False,
            lambda f: pl.col("title").is_null() | pl.col("title").str.len_chars().is_between(3, 300)),
    RowRule("title_no_date_marker", "A title carries no crawler date marker", False,
            lambda f: pl.col("title").is_null()
            | ~pl.col("title").str.contains(CRAWLER_DATE_RESIDUE + r"|\s(?:19|20)\d\d-\d\d-\d\d$")),
    RowRule("title_no_byline", "A title is not a byline ('By ...')", False,
            lambda f: pl.col("title").is_null() | ~pl.col("title").str.contains(BYLINE_OPENING)),
    # Titles: the rule table only. A headline that recurs across pages ('Weekly export trends') is learned as a
    # repeated line, but the layout placed it as a headline, and that is what it is.
    RowRule("title_no_chrome", "A title is not page chrome (rule table)", False,
            lambda f: pl.col("title").is_null() | ~_chrome_title()),
    RowRule("body_no_chrome", "No body paragraph is page chrome (rule table or learned boilerplate)", False,
            lambda f: ~_chrome_paragraph("body") & ~_learned_paragraph("body", f.learned)),
    RowRule("body_no_date_marker", "A body carries no crawler date marker", False,
            lambda f: ~pl.col("body").str.contains(CRAWLER_DATE_RESIDUE)),
    RowRule("body_no_doubled_sentence", "No paragraph or sentence is printed twice (caption residue)", False,
            lambda f: ~_paragraphs_any("body", _doubled())
            & ~pl.col("body").str.split("\n\n").list.eval(pl.element() == pl.element().shift(1)).list.any()),
    RowRule("word_count_consistent", "word_count is the number of words in the body", False,
            lambda f: pl.col("word_count") == pl.col("body").str.count_matches(WORD)),
    RowRule("published_date_in_range", "published_date lies in [validate.date_min, tomorrow in UTC]", False,
            lambda f: pl.col("published_date").is_null()
            | pl.col("published_date").is_between(f.date_min, f.date_max)),
    RowRule("language_code", "language is an ISO 639 code or 'und'", False,
            lambda f: pl.col("language").str.contains(r"^(?:[a-z]{2,3}|und)$")),
    RowRule("truncation_consistent", "A body that ends mid-sentence is flagged is_truncated", False,
            lambda f: pl.col("is_truncated") | pl.col("body").str.contains(SENTENCE_END)),
)  # fmt: skip
RULES_BY_NAME = {rule.name: rule for rule in ROW_RULES}


def article_schema(facts: Facts) -> pa.DataFrameSchema:
    """The Article model plus the row rules that need run-time facts, each check named after its rule."""
    import copy

    schema = copy.deepcopy(Article.to_schema())  # to_schema() is cached and shared: never mutate it in place
    checks = [_frame_check(rule.name, rule.passes(facts)) for rule in ROW_RULES if rule.passes is not None]
    schema.checks = list(schema.checks) + checks
    return schema


def _frame_check(name: str, passes: pl.Expr) -> pa.Check:
    # error=name: pandera reports a failed custom check by its error text, which is then the rule's name.
    return pa.Check(lambda data: data.lazyframe.select(passes.alias(name)), name=name, error=name)


def row_failures(articles: pl.DataFrame, schema: pa.DataFrameSchema) -> tuple[pl.DataFrame, list[str]]:
    """(index, rule) for every row a check fails, and the schema-level errors (missing columns, wrong types)."""
    from pandera.config import ValidationDepth, config_context

    empty = pl.DataFrame(schema={"index": pl.Int64, "rule": pl.String})
    try:
        # Whatever the environment says (PANDERA_VALIDATION_DEPTH=SCHEMA_ONLY, odd spellings of ENABLED), the gate
        # checks values: it is the point of this stage.
        with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(articles, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
        schema_level = cases.filter(pl.col("index").is_null())
        errors = [f"{r['check']} on {r['column']}: {r['failure_case']}" for r in schema_level.iter_rows(named=True)]
        rule = (
            pl.when(pl.col("check").is_in(list(RULES_BY_NAME))).then(pl.col("check")).otherwise(pl.lit(FIELD_CHECKS))
        )
        failures = cases.filter(pl.col("index").is_not_null()).select(index=pl.col("index").cast(pl.Int64), rule=rule)
        return failures.unique().sort("index", "rule"), errors
    return empty, []


LOST_SCHEMA = {"file": pl.String, "line": pl.Int32}
LEDGER_SCHEMA = {"lines": pl.Int64, "in_spans": pl.Int64, "lost": pl.List(pl.Struct(LOST_SCHEMA))}  # a shard's counts


def ledger(
    out: Outputs,
    files: pl.DataFrame,
    records: list[pl.DataFrame],
    quarantine: pl.DataFrame,
    known: rawfolder.KnownHashes,
) -> dict[str, Any]:
    """Every non-blank raw line in a record's span, in removed_lines or in quarantine; every raw path parsed or
    quarantined.

    Shard by shard: a file's lines and removed lines are in its parse shard's parts, so only one shard's lines,
    and the joins over them, are in memory at once. A shard's count is kept in the cache (data/cache/validate/
    ledger) under the digest of its lines and removed lines parts and of the spans of its files: a rebuild counts
    the shards whose inputs changed (the parts' bytes hashed only when written since, `rawfolder.KnownHashes`).
    """
    spans = pl.concat(
        [fates.provenance_places(f.select("provenance")) for f in records]
        + [quarantine.filter(pl.col("line_start") > 0).select(fates.PLACE)]
    )
    cache = out.stage_cache("validate") / "ledger"
    space = cache / namespace()
    prune(cache, [space.name])
    entries = []
    present = shards.present(out.lines_dir)
    # Which shard read each file, from every lines part at once (its file column only).
    placed = (
        pl.concat(
            [pl.LazyFrame(schema={"file": pl.String, "shard": pl.Int64})]
            + [
                pl.scan_parquet(shards.part(out.lines_dir, shard), schema=LINE_SCHEMA).select(
                    "file", shard=pl.lit(shard.index, pl.Int64)
                )
                for shard in present
            ]
        )
        .unique()
        .collect()
    )
    # Each span to the shard of its file at once (a join per shard would read every span once per shard).
    spans_of = spans.unique().join(placed, on="file").partition_by("shard", as_dict=True, include_key=False)
    for shard in present:
        parts = shards.part(out.lines_dir, shard), shards.part(out.removed_lines_dir, shard)
        of_shard = spans_of.get((shard.index,), spans.clear()).sort(pl.all())
        entry = space / f"{content_digest(*parts, of_shard, known=known)}.parquet"
        if not entry.is_file():
            io.write_parquet(_shard_ledger(*parts, of_shard), entry)
        entries.append(entry)
    keep_entries(space, entries)
    counted = pl.concat([pl.LazyFrame(schema=LEDGER_SCHEMA), *(pl.scan_parquet(entry) for entry in entries)]).collect()
    lines_seen, lines_in_spans = int(counted["lines"].sum()), int(counted["in_spans"].sum())
    lost = counted.select(pl.col("lost").explode().struct.unnest()).drop_nulls().cast(LOST_SCHEMA).sort("file", "line")
    accounted_paths = pl.concat([placed["file"], quarantine["file"]]).unique().to_frame("file")
    unaccounted_paths = files.select(file="path").join(accounted_paths, on="file", how="anti").sort("file")
    quarantined_lines = quarantine.filter(pl.col("line_start") > 0)
    return {
        "paths": files.height,
        "paths_by_fate": counts(files, "fate"),
        "paths_unaccounted": unaccounted_paths.height,
        "unaccounted_path_examples": unaccounted_paths["file"].head(20).to_list(),
        "lines": lines_seen + quarantined_lines.filter(pl.col("rule") == "line_too_long").height,
        "in_records": lines_in_spans,
        "removed": lines_seen - lines_in_spans - lost.height,
        "quarantined_lines": quarantined_lines.filter(pl.col("rule") == "line_too_long").height,
        "quarantined_files": quarantine.filter(pl.col("line_start") == 0)["file"].n_unique(),
        "unaccounted": lost.height,
        "unaccounted_examples": [f"{f}:{n}" for f, n in lost.head(20).iter_rows()],
    }


def _shard_ledger(lines_part: Path, removed_part: Path, spans: pl.DataFrame) -> pl.DataFrame:
    """One row: a shard's lines, those in the spans, and the lines in neither the spans nor its removed lines."""
    lines = io.read_parquet(lines_part, LINE_SCHEMA, ["file", "line"])
    removed = (
        io.read_parquet(removed_part, polars_schema(RemovedLine), ["file", "line", "fragment"])
        .filter(~pl.col("fragment"))
        .select("file", "line")
        .unique()
    )
    in_spans = fates.place_lines(spans).select("file", "line").unique()
    rest = lines.join(in_spans, on=["file", "line"], how="anti")
    lost = rest.join(removed, on=["file", "line"], how="anti").sort("file", "line")
    return lost.select(
        lines=pl.lit(lines.height, pl.Int64),
        in_spans=pl.lit(lines.height - rest.height, pl.Int64),
        lost=pl.struct(list(LOST_SCHEMA)).implode(),
    )


def _record_place(frame: pl.DataFrame) -> pl.DataFrame:
    first = pl.col("provenance").list.first().struct
    return frame.with_columns(
        file=first.field("file"), line_start=first.field("line_start"), line_end=first.field("line_end")
    )


def quarantine_rows(articles: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """One quarantine row per failing record: its first place, every rule it fails, and its text (excerpt)."""
    per_row = failures.group_by("index").agg(pl.col("rule").sort())
    rows = _record_place(articles.with_row_index("index").with_columns(pl.col("index").cast(pl.Int64)))
    reasons = {rule.name: rule.description for rule in ROW_RULES}
    return (
        rows.join(per_row, on="index")
        .explode("rule")
        .select(
            "file", "line_start", "line_end", stage=pl.lit("validate"), rule="rule",
            reason=pl.format("{} (id {})", pl.col("rule").replace_strict(reasons, default="check failed"), "id"),
            text=pl.concat_str(pl.col("title").fill_null(""), "body", separator="\n\n").str.slice(0, EXCERPT),
        )
        .sort("file", "line_start", "rule")
    )  # fmt: skip


def first_failure(failures: pl.DataFrame) -> pl.DataFrame:
    """(index, rule): each failing row once, under the first rule it fails in ROW_RULES order."""
    order = {rule.name: i for i, rule in enumerate(ROW_RULES)}
    ranked = failures.with_columns(order=pl.col("rule").replace_strict(order, return_dtype=pl.Int32))
    return ranked.sort("index", "order").unique("index", keep="first").drop("order")


def candidate_frame(articles: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """Per row, per row rule: the row's id where the rule fails it, else null (the asset GX checks)."""
    failing = {
        rule.name: failures.filter(pl.col("rule") == rule.name)["index"].implode() for rule in ROW_RULES
    }  # fmt: skip
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    return articles.select(
        "id",
        *(
            pl.when(index.is_in(failing[rule.name])).then(pl.col("id")).alias(expectations.row_check_column(rule.name))
            for rule in ROW_RULES
        ),
    )


def _examples(quarantine: pl.DataFrame, rule: str, n: int) -> list[str]:
    """The first n records a row check quarantined, as 'file:lines (id ...) "excerpt"', and a count of the rest."""
    picked = quarantine.filter((pl.col("stage") == "validate") & (pl.col("rule") == rule))
    lines = []
    for row in picked.head(n).iter_rows(named=True):
        text = row["text"].replace("\n\n", " — ", 1).replace("\n", " ")
        quote = text if len(text) <= QUOTE else text[: QUOTE - 1] + "…"
        record = row["reason"].rsplit("(id ", 1)[-1].rstrip(")")
        lines.append(f'{row["file"]}:{row["line_start"]}-{row["line_end"]} (id {record}) "{quote}"')
    if picked.height > n:
        lines.append(f"... and {picked.height - n} more (quarantine.parquet)")
    return lines


def _capped(items: list[str], n: int, where: str) -> list[str]:
    return items[:n] + ([f"... and {len(items) - n} more ({where})"] if len(items) > n else [])


def verdict_text(report: dict[str, Any]) -> str:
    """The gate's verdict in words: pass/fail first, then each failed rule with its numbers and examples."""
    results = report["checks"]
    failed = [r for r in results if not r["success"]]
    quarantined = report["row_checks"]["quarantined_by_rule"]
    q_line = ", ".join(f"{rule} {n}" for rule, n in quarantined.items()) or "none"
    if not failed:
        return f"validation gate: passed ({len(results)} checks); rows quarantined by rule: {q_line}"
    lines = [f"validation gate: FAILED ({len(failed)} of {len(results)} checks failed)"]
    for r in failed:
        key = f"params.yaml: {r['params_key']}" if r["params_key"] else "fixed rule"
        lines.append(
            f"  {r['rule']}: observed {expectations.describe_observed(r['observed'])}; "
            f"limit {expectations.describe_limit(r['limit'])}  [{key}]"
        )
        lines += [f"      {e}" for e in r.get("examples", [])]
    lines.append(f"  rows quarantined by rule: {q_line}")
    return "\n".join(lines)


# The rows a row's verdict is known by: its id, two hashes of all its columns, and which copy of such a row it is
# (identical rows are one row counted twice); and what the verdict depends on besides the columns (Facts).
ROW_KEY = ["id", "k1", "k2", "copy"]
FLAGS = ("id_shared", "body_shared", "files_read")
ROW_SEEDS = (31, 37)
# One row of dedup's parts, as the corpus facts and the id ranges need it: its place in its part, id, hashes, body
# key and the files its provenance names.
ROW_SCHEMA = {
    "row": pl.UInt32, "id": pl.String, "k1": pl.UInt64, "k2": pl.UInt64, "body": pl.UInt64,
    "files": pl.List(pl.String),
}  # fmt: skip
RANGE_ROWS = ("published.parquet", "failed.parquet")  # the files of a range's entry that hold its rows
VERDICT_SCHEMA = {
    "id": pl.String, "k1": pl.UInt64, "k2": pl.UInt64, **dict.fromkeys(FLAGS, pl.Boolean),
    "rules": pl.List(pl.String),
}  # fmt: skip


def row_hashes() -> dict[str, pl.Expr]:
    """k1 and k2: two 64-bit hashes of all of a row's columns, its identity in this stage's caches."""
    row = pl.struct(list(ARTICLE_SCHEMA))
    return {"k1": row.hash(seed=ROW_SEEDS[0]), "k2": row.hash(seed=ROW_SEEDS[1])}


def _copies() -> pl.Expr:
    """Which copy of an identical row (the same id and hashes) each row is: 0, 1, ... in row order."""
    return pl.int_range(pl.len(), dtype=pl.UInt32).over("id", "k1", "k2").alias("copy")


def part_rows(path: Path) -> pl.DataFrame:
    """ROW_SCHEMA of every row of one of dedup's parts (row: its place in the part)."""
    return pl.read_parquet(path, schema=ARTICLE_SCHEMA).select(
        row=pl.int_range(pl.len(), dtype=pl.UInt32),
        id="id",
        **row_hashes(),
        body=body_key(),
        files=pl.col("provenance").list.eval(pl.element().struct.field("file")),
    )


def dataset_rows(parts: Sequence[Path], cache: Path, known: rawfolder.KnownHashes) -> pl.DataFrame:
    """(part, *ROW_SCHEMA) of every row of these parts (part: its index in `parts`), each part's rows kept by its
    bytes (`by_file_bytes`): a rebuild reads the texts of the parts dedup rewrote, and of no other."""
    entries = by_file_bytes(parts, cache, part_rows, known)
    numbered = [
        pl.scan_parquet(entry, schema=ROW_SCHEMA).select(pl.lit(number, pl.UInt32).alias("part"), *ROW_SCHEMA)
        for number, entry in enumerate(entries)
    ]
    return pl.concat([pl.LazyFrame(schema={"part": pl.UInt32, **ROW_SCHEMA}), *numbered]).collect()


def with_flags(rows: pl.DataFrame, facts: Facts) -> pl.DataFrame:
    """The rows (ROW_SCHEMA) with FLAGS: another row carries the id; another row carries the body; the provenance
    names only files the build read, and at least one (the facts the rules id_unique, body_unique and
    provenance_files_exist read)."""
    files = pl.col("files")
    read = files.list.eval(pl.element().is_in(sorted(facts.parsed_files))).list.all()
    return rows.with_columns(
        id_shared=pl.col("id").is_in(pl.Series(facts.duplicated_ids, dtype=pl.String).implode()),
        body_shared=pl.col("id").is_in(pl.Series(facts.duplicated_body_ids, dtype=pl.String).implode()),
        files_read=((files.list.len() > 0) & read).fill_null(False),
    )


@dataclasses.dataclass(frozen=True)
class Checked:
    """What validating the rows leaves: compact columns for the corpus-level checks, and the counts."""

    failures: pl.DataFrame  # (index, rule) of each rule a row fails, index in the dataset
    candidates: pl.DataFrame  # candidate_frame of the dataset
    quarantined: pl.DataFrame  # the quarantine rows of the failing rows
    published: pl.DataFrame  # compact columns of the published rows
    schema_errors: list[str]

    @property
    def rows(self) -> int:
        return self.candidates.height


@dataclasses.dataclass(frozen=True)
class Since:
    """What changed since some verdicts were judged, among what few rows' verdicts depend on: the lines learned or
    unlearned (`body_no_chrome`), and the latest publication date (`published_date_in_range`, tomorrow in UTC: for
    the rows dated after the earlier of the two)."""

    relearned: tuple[str, ...] = ()
    dated_after: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.relearned) or self.dated_after is not None

    def touched(self, rows: pl.DataFrame) -> pl.Series:
        """Whether each row (columns body and published_date) may be judged otherwise now."""
        touched = pl.Series(dtype=pl.Boolean).extend_constant(False, rows.height)
        if self.relearned:
            touched = touched | _with_learned_paragraph(rows, self.relearned)
        if self.dated_after is not None:
            touched = touched | (rows["published_date"] > self.dated_after).fill_null(False)
        return touched


class RowMemo:
    """Verdicts of rows checked before (VERDICT_SCHEMA), so that pandera checks only rows it has not seen.

    A row's verdict is a function of its columns (k1, k2), of FLAGS, of what is the same for every row (the code
    and the earliest publication date: the caller gives no verdicts of another), of the learned boilerplate and of
    the latest publication date: the rows these may judge otherwise since the verdicts (`Since`) are checked again.
    """

    KEY: typing.ClassVar = ["k1", "k2", *FLAGS]

    def __init__(self, verdicts: pl.DataFrame, since: Since = Since()) -> None:
        self.known = verdicts.select(*self.KEY, "rules").unique(self.KEY)
        self.since = since

    def failures(self, batch: pl.DataFrame, schema: pa.DataFrameSchema) -> tuple[pl.DataFrame, list[str]]:
        """row_failures of the batch (ARTICLE_SCHEMA's columns, k1, k2 and FLAGS): pandera on the rows no verdict
        covers, the verdicts for the rest (the schema-level checks always run, on an empty frame if every row is
        known)."""
        keys = batch.select(self.KEY).with_row_index("index").with_columns(pl.col("index").cast(pl.Int64))
        keys = keys.join(self.known, on=self.KEY, how="left", maintain_order="left")
        if self.since:
            keys = keys.with_columns(rules=pl.when(self.since.touched(batch)).then(None).otherwise("rules"))
        unseen = keys.filter(pl.col("rules").is_null())["index"]
        checked, errors = row_failures(batch.select(pl.col(list(ARTICLE_SCHEMA)).gather(unseen)), schema)
        checked = checked.with_columns(index=pl.lit(unseen).gather("index"))
        remembered = keys.filter(pl.col("rules").is_not_null()).select("index", rule="rules").explode("rule")
        return pl.concat([checked, remembered.drop_nulls("rule")]).unique().sort("index", "rule"), errors


class RangeStore:
    """The results of each id range of the rows (`shards.id_ranges`), kept by what they depend on: the range's rows
    (ROW_KEY and FLAGS) and the earliest publication date (data/cache/validate/ranges/<namespace>/<key>/, this
    build's ranges only). An entry holds the range's published rows (the bytes of its validated part), its failed
    rows, each row's verdict, its quarantine rows and the published rows' compact columns. `last.json` names the
    last build's entries: a range that changed starts from its entry's rows and verdicts, reads only its new rows
    from dedup's parts, and has pandera check only the rows no verdict covers.

    The learned boilerplate and the latest publication date (tomorrow: it moves every day) are not in the key: few
    rows' verdicts depend on them (`Since`). `last.json` lists every such setting an entry may have been judged
    with (a build adds its own before it rewrites any entry, so a build killed halfway leaves no entry judged with
    one it does not list); an entry holding a row they may judge otherwise now is judged again, the others are
    kept as they are."""

    def __init__(self, root: Path, facts: Facts) -> None:
        self.space = root / namespace(pl.__version__)
        prune(root, [self.space.name])
        self.date_min = facts.date_min.isoformat()
        self.judged = {"learned": sorted(facts.learned), "date_max": facts.date_max.isoformat()}
        path = self.space / "last.json"
        self.last = io.read_json(path) if path.is_file() else None
        if self.last is None:
            keep_entries(self.space, [])  # entries no setting vouches for
            self.last = {"count": 0, "keys": [], "date_min": None, "judged_with": []}
        settings = self.last["judged_with"]
        latest = {dt.date.fromisoformat(judged["date_max"]) for judged in [*settings, self.judged]}
        relearned = set().union(*(set(judged["learned"]) ^ set(self.judged["learned"]) for judged in settings))
        self.since = Since(tuple(sorted(relearned)), min(latest) if len(latest) > 1 else None)
        if self.judged not in settings:
            io.write_json({**self.last, "judged_with": [*settings, self.judged]}, path)

    def key(self, rows: pl.DataFrame) -> str:
        """The identity of a range's results: its rows (ROW_KEY and FLAGS, in order) and the earliest date."""
        return shards.digest(self.date_min, content_digest(rows.select(*ROW_KEY, *FLAGS)))

    def entry(self, key: str) -> Path:
        return self.space / key

    def previous(self, index: int, count: int) -> Path | None:
        """The last build's entry of the same range (with as many ranges), if it is still there."""
        if self.last["count"] != count:
            return None
        entry = self.entry(self.last["keys"][index])
        return entry if entry.is_dir() else None

    def memo(self, entries: Sequence[Path]) -> RowMemo:
        """The verdicts of these entries of the last build, if it had the same earliest date (else none)."""
        usable = self.last["date_min"] == self.date_min
        verdicts = [io.read_parquet(entry / "verdicts.parquet") for entry in entries] if usable else []
        return RowMemo(pl.concat([pl.DataFrame(schema=VERDICT_SCHEMA), *verdicts]), self.since)

    def judged_again(self, kept: Sequence[tuple[int, str]], sizes: Sequence[int], batch_rows: int) -> list[int]:
        """Which of these kept entries (range index, key) hold a row `since` may judge otherwise: their rows'
        bodies and dates read about batch_rows at a time (sizes: the rows of each range)."""
        if not self.since:
            return []
        found: list[int] = []
        key_of = dict(kept)
        for group in _groups(key_of, sizes, batch_rows):
            rows = pl.concat(
                [pl.scan_parquet(self.entry(key_of[index]) / name)
                 .select("body", "published_date", range=pl.lit(index, pl.UInt32))
                 for index in group for name in RANGE_ROWS]
            ).collect()  # fmt: skip
            found += rows.filter(self.since.touched(rows))["range"].unique().to_list()
        return sorted(found)

    def save(self, keys: Sequence[str]) -> None:
        """Keep this build's entries only, and name them for the next build."""
        keep_entries(self.space, [*keys, "last.json"])
        last = {"count": len(keys), "keys": list(keys), "date_min": self.date_min, "judged_with": [self.judged]}
        io.write_json(last, self.space / "last.json")


def check_ranges(
    rows: pl.DataFrame,
    parts: Sequence[Path],
    store: RangeStore,
    schema: pa.DataFrameSchema,
    out: Outputs,
    part_rows: int,
    batch_rows: int,
) -> Checked:
    """Row checks by fixed id ranges: about part_rows rows a range, a power of two of them (`shards.id_ranges`),
    each range's publishable rows one part of the validated articles, sorted by id. A row added or removed changes
    its range only, so a rebuild checks and writes the ranges whose rows changed (`RangeStore`), and copies the
    others' results.

    rows: `dataset_rows` with FLAGS, the rows of dedup's `parts`; batch_rows bounds the rows checked at once."""
    count = shards.power_of_two_count(rows.height, part_rows)
    rows = (
        rows.with_columns(range=shards.id_range_of(rows["id"], count))
        .sort("range", "id", "k1", "k2", "part", "row")
        .with_columns(_copies())
    )
    by_range = rows.partition_by("range", as_dict=True)
    ranges = [by_range.get((index,), rows.clear()) for index in range(count)]
    keys = [store.key(frame) for frame in ranges]
    # A range is checked when no entry holds its rows (started from the last build's entry of the range), or when
    # its entry holds a row the settings changed since may judge otherwise (started from that entry).
    sizes = [frame.height for frame in ranges]
    previous = {index: store.previous(index, count) for index in range(count) if not store.entry(keys[index]).is_dir()}
    kept = [(index, keys[index]) for index in range(count) if index not in previous]
    previous |= {index: store.entry(keys[index]) for index in store.judged_again(kept, sizes, batch_rows)}
    if previous:
        with io.scratch_folder(out.root, "validate-") as scratch:
            _check_again(ranges, previous, keys, parts, store, schema, batch_rows, scratch)
    _place_parts(out.validated_dir, [store.entry(key) / RANGE_ROWS[0] for key in keys], keys, rewritten=previous)

    entries = [store.entry(key) for key in keys]

    def every(name: str, schema: dict[str, pl.DataType] | None = None) -> pl.DataFrame:
        """One file of every range's entry, in range order, read at once (`by_file_bytes` says why)."""
        return pl.concat([pl.scan_parquet(entry / name, schema=schema) for entry in entries]).collect()

    verdicts = every("verdicts.parquet", VERDICT_SCHEMA)
    failures = _failures_of(verdicts)
    checked = Checked(
        failures=failures,
        candidates=candidate_frame(verdicts, failures),
        quarantined=every("quarantine.parquet", QUARANTINE_SCHEMA),
        published=every("compact.parquet"),
        schema_errors=row_failures(pl.DataFrame(schema=ARTICLE_SCHEMA), schema)[1],
    )
    store.save(keys)
    return checked


def _failures_of(verdicts: pl.DataFrame) -> pl.DataFrame:
    """(index, rule) of each rule each row fails (index: the row's place in the verdicts)."""
    indexed = verdicts.with_row_index("index").select(pl.col("index").cast(pl.Int64), rule="rules")
    return indexed.explode("rule").drop_nulls("rule").sort("index", "rule")


def _place_parts(directory: Path, published: Sequence[Path], keys: Sequence[str], rewritten: Collection[int]) -> None:
    """The validated parts: part i a copy of range i's published rows, kept when it was copied from the same
    entry (its key recorded beside it) and the entry was not rewritten since; parts of ranges no more removed."""
    directory.mkdir(parents=True, exist_ok=True)
    kept = [shards.Shard(index, range(0)) for index in range(len(keys))]
    for shard, source, key in zip(kept, published, keys, strict=True):
        if shard.index in rewritten or not shards.is_current(directory, shard, "rows", key, [directory]):
            shards.forget(directory, shard, "rows")
            shutil.copyfile(source, shards.part(directory, shard))
            shards.remember(directory, shard, "rows", key)
    shards.retain([directory], kept)


def _groups(indexes: Iterable[int], sizes: Sequence[int], batch_rows: int) -> list[list[int]]:
    """Consecutive ranges in groups of about batch_rows rows (a range larger alone)."""
    groups: list[list[int]] = [[]]
    size = 0
    for index in indexes:
        if groups[-1] and size + sizes[index] > batch_rows:
            groups.append([])
            size = 0
        groups[-1].append(index)
        size += sizes[index]
    return [group for group in groups if group]


def _check_again(
    ranges: Sequence[pl.DataFrame],
    previous: Mapping[int, Path | None],
    keys: Sequence[str],
    parts: Sequence[Path],
    store: RangeStore,
    schema: pa.DataFrameSchema,
    batch_rows: int,
    scratch: Path,
) -> None:
    """Check these ranges (`previous`: each one's entry to start from, or None), about batch_rows rows at a time
    (consecutive ranges in groups), and keep each one's entry. A range's rows are those of its previous entry still
    in the dataset, and the others, read from the dedup parts holding them (one pass over those parts:
    `shards.key_batches`)."""
    groups = _groups(sorted(previous), [frame.height for frame in ranges], batch_rows)
    old = {index: _entry_keys(entry) for index, entry in previous.items() if entry is not None}
    needed = pl.concat(
        [ranges[index].join(old[index], on=ROW_KEY, how="anti") if index in old else ranges[index]
         for group in groups for index in group]
    ).with_columns(
        group=pl.col("range").replace_strict({i: g for g, group in enumerate(groups) for i in group},
                                             return_dtype=pl.UInt32)
    )  # fmt: skip
    carried = ["group", "range", "k1", "k2", "copy", *FLAGS]
    by_part = needed.partition_by("part", as_dict=True)

    def new_rows() -> Iterator[pl.DataFrame]:
        for number, path in enumerate(parts):
            wanted = by_part.get((number,))
            if wanted is not None:
                texts = pl.read_parquet(path, schema=ARTICLE_SCHEMA).gather(wanted["row"])
                yield texts.hstack(wanted.select(carried))

    piece_schema = {**ARTICLE_SCHEMA, **needed.select(carried).schema}
    numbers = pl.Series("group", range(len(groups)), dtype=pl.UInt32)
    found = shards.key_batches(new_rows(), piece_schema, numbers, 1, scratch, flush_rows=batch_rows)
    for group, new in zip(groups, found, strict=True):
        batch = pl.concat(
            [_range_rows(ranges[index], previous[index], new.filter(pl.col("range") == index)) for index in group]
        )
        memo = store.memo([entry for index in group if (entry := previous[index]) is not None])
        failures, _ = memo.failures(batch, schema)
        rules = failures.group_by("index").agg(rules=pl.col("rule").sort())
        judged = (
            batch.with_row_index("index")
            .with_columns(pl.col("index").cast(pl.Int64))
            .join(rules, on="index", how="left", maintain_order="left")
            .with_columns(pl.col("rules").fill_null(pl.lit([], pl.List(pl.String))))
        )
        for index in group:
            _keep_range(judged.filter(pl.col("range") == index), store.entry(keys[index]))


def _entry_keys(entry: Path) -> pl.DataFrame:
    """ROW_KEY of the rows an entry holds (its verdicts: one a row, published and failed)."""
    return io.read_parquet(entry / "verdicts.parquet", VERDICT_SCHEMA).select("id", "k1", "k2").with_columns(_copies())


def _range_rows(wanted: pl.DataFrame, entry: Path | None, new: pl.DataFrame) -> pl.DataFrame:
    """A range's rows (its `wanted` rows, in their order) with ARTICLE_SCHEMA's columns, range, k1, k2, copy and
    FLAGS: those the last build's entry holds taken from it, the `new` ones (read from dedup's parts) added."""
    columns = [*ARTICLE_SCHEMA, "range", "k1", "k2", "copy", *FLAGS]
    found = [new.select(columns)]
    if entry is not None:
        held = pl.concat([io.read_parquet(entry / name, ARTICLE_SCHEMA) for name in RANGE_ROWS])
        held = held.with_columns(**row_hashes()).with_columns(_copies())
        found.append(held.join(wanted.select(*ROW_KEY, "range", *FLAGS), on=ROW_KEY).select(columns))
    return pl.concat(found).sort("id", "k1", "k2", "copy")


def _keep_range(judged: pl.DataFrame, entry: Path) -> None:
    """A range's entry from its rows (in order) and each one's rules (an empty list: it passes)."""
    failed = pl.col("rules").list.len() > 0
    articles = judged.select(list(ARTICLE_SCHEMA))
    verdicts = judged.select(list(VERDICT_SCHEMA))
    published = judged.filter(~failed).select(list(ARTICLE_SCHEMA))
    shutil.rmtree(entry, ignore_errors=True)  # judged with other settings (`Since`), and read before this
    with new_entry(entry) as pending:
        io.write_parquet(published, pending / RANGE_ROWS[0])
        io.write_parquet(judged.filter(failed).select(list(ARTICLE_SCHEMA)), pending / RANGE_ROWS[1])
        io.write_parquet(verdicts, pending / "verdicts.parquet")
        io.write_parquet(quarantine_rows(articles, _failures_of(verdicts)), pending / "quarantine.parquet")
        compact = published.select(
            "title", "word_count", "provenance", title_word_count=pl.col("title").str.count_matches(WORD)
        )
        io.write_parquet(compact, pending / "compact.parquet")


def run(
    *,
    raw_dir: Path,
    out: Outputs,
    params: ValidateParams,
    max_file_bytes: int,
    batch_rows: int,
    today: dt.date | None = None,
) -> dict:
    """Validate, write the verdict and the quarantine; raise GateFailed when the gate fails.

    max_file_bytes is parse.max_file_bytes: the raw folder is scanned again with the same limit to detect paths
    added, removed or changed since the build read it. batch_rows (engine.batch_rows) bounds the rows checked at
    once.
    """
    if os.environ.get("PANDERA_VALIDATION_ENABLED", "").strip().lower() in ("0", "false", "no", "off"):
        raise GateFailed("PANDERA_VALIDATION_ENABLED disables pandera: the validate stage refuses to run without it")
    if not engine.has_side_process():  # else Great Expectations is imported and run there
        expectations.preload()  # while the row checks run
    run_time = dt.datetime.now(dt.UTC)
    today = today or build_date(run_time)
    # Where each duplicate was found (the ledger) and how many there are: not their bodies, a third of the corpus.
    duplicates = io.read_parquet(out.duplicates, polars_schema(Duplicate), ["provenance"])
    files = pl.read_parquet(out.files)
    rescan = rawfolder.changes_in_background(files, raw_dir, max_file_bytes, out.known_hashes)
    cache = out.stage_cache("validate")
    prune(cache, CACHE_TABLES)
    known = rawfolder.KnownHashes.load(out.known_hashes_of("validate"))
    parts = shards.parts(out.dedup_articles_dir)
    rows = dataset_rows(parts, cache / "rows", known)
    duplicated_ids, duplicated_body_ids = corpus_facts(rows)
    facts = Facts(
        parsed_files=frozenset(files.filter(pl.col("fate") == rawfolder.PARSE)["path"].to_list()),
        learned=tuple(pl.read_parquet(out.boilerplate)["key"].to_list()),
        date_min=dt.date.fromisoformat(params.date_min),
        date_max=latest_publication_date(today),
        duplicated_ids=duplicated_ids,
        duplicated_body_ids=duplicated_body_ids,
    )
    store = RangeStore(cache / "ranges", facts)
    checked = check_ranges(
        with_flags(rows, facts), parts, store, article_schema(facts), out, params.part_rows, batch_rows
    )
    del rows
    failures, published = checked.failures, checked.published
    clean_quarantine = shards.read(out.clean_quarantine_dir, QUARANTINE_SCHEMA)
    upstream = pl.concat(
        [
            io.read_parquet(out.scan_quarantine, QUARANTINE_SCHEMA),
            shards.read(out.decode_quarantine_dir, QUARANTINE_SCHEMA),
            shards.read(out.parse_quarantine_dir, QUARANTINE_SCHEMA),
            clean_quarantine,
        ]
    )
    quarantine = QuarantineRow.validate(
        pl.concat([upstream, checked.quarantined]).sort("file", "line_start", "stage", "rule", "reason")
    )
    accounting = ledger(out, files, [published, duplicates], quarantine, known)
    known.save(out.known_hashes_of("validate"))

    folder_changes = rescan.result()
    failed_rows = failures["index"].n_unique()
    quarantined_records = failed_rows + clean_quarantine.height
    measures = {
        "quarantined_share": quarantined_records / max(1, quarantined_records + published.height),
        "duplicate_share": duplicates.height / max(1, duplicates.height + published.height),
        "raw_lines_unaccounted": accounting["unaccounted"],
        "raw_paths_unaccounted": accounting["paths_unaccounted"],
        "raw_folder_changes": len(folder_changes),
        "schema_errors": len(checked.schema_errors),
    }
    gate = expectations.Gate(
        row_checks=tuple(r.report() for r in ROW_RULES),
        max_quarantine_share=params.max_quarantine_share,
        min_published_rows=params.min_published_rows,
        quality=dataclasses.asdict(params.quality),
        frames={
            expectations.CANDIDATES: checked.candidates,
            expectations.PUBLISHED: published.drop("provenance"),
            expectations.GATE: pl.DataFrame([measures]),
        },
        docs_dir=out.data_docs.resolve(),
        run_time=run_time,
    )
    results = engine.aside(expectations.judge, gate)
    engine.aside_unwaited(expectations.write_docs, gate.docs_dir)  # rendered while this command goes on
    examples = {
        "raw_lines_unaccounted": accounting["unaccounted_examples"],
        "raw_paths_unaccounted": accounting["unaccounted_path_examples"],
        "raw_folder_changes": folder_changes,
        "schema_errors": checked.schema_errors,
        "quarantined_share": [f"{rule}: {n}" for rule, n in counts(quarantine, "rule").items()],
    }
    for result in results:
        if not result["success"]:
            if result["asset"] == expectations.CANDIDATES:
                result["examples"] = _examples(quarantine, result["rule"], params.report_examples)
            else:
                result["examples"] = _capped(
                    examples.get(result["rule"], []), params.report_examples, "reports/validation.json"
                )

    passed = all(r["success"] for r in results)
    report = {
        "passed": passed,
        "input_fingerprint": rawfolder.fingerprint(files),
        "checks": results,
        "measures": measures,
        "row_checks": {
            "rules": {r.name: {"description": r.description, "blocking": r.blocking} for r in ROW_RULES},
            "quarantined_by_rule": counts(failures, "rule"),
            "schema_errors": checked.schema_errors,
        },
        "nothing_lost": accounting,
        "raw_folder_changes": folder_changes,
        "data_docs": "data_docs/index.html",
    }
    io.write_parquet(quarantine, out.quarantine)
    io.write_json(report, out.validation_report)
    metrics = stage_metrics(
        "validate",
        rows_in=checked.rows,
        rows_out=published.height,
        dropped=counts(first_failure(failures), "rule"),
        quarantined_by_rule=counts(failures, "rule"),
        passed=passed,
        checks_failed=sum(not r["success"] for r in results),
    )
    write_metrics(metrics, out.stage_metrics("validate"))
    text = verdict_text(report)
    if not passed:
        raise GateFailed(text)
    print(text, file=sys.stderr)
    return metrics
