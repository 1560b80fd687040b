"""Stage 4, validate: the gate in front of the published dataset.

1. Row level (pandera, polars backend, on a collected DataFrame with lazy=True): every failure case becomes a
   quarantine row (stage, rule = the check's name, a readable reason, the record's text and place).
2. Nothing lost: every non-blank raw line is in a record, in the removed-lines audit or in quarantine.
3. Dataset level (Great Expectations checkpoint, Data Docs under reports/).
The gate fails (exit 1, package does not run) on any blocking rule, too large a quarantined share, too few
rows, a lost line or a failed expectation, and prints which rule failed on which rows (file and line).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import os
import sys
from pathlib import Path

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from pipeline import io, rules
from pipeline.clean import SENTENCE_END
from pipeline.config import ValidateParams
from pipeline.errors import GateFailed
from pipeline.outputs import Outputs
from pipeline.parse import list_raw_files
from pipeline.stage import QUARANTINE_SCHEMA
from pipeline.text import canonical_expr
from schemas import Article, QuarantineRow

log = logging.getLogger(__name__)
DATE_RESIDUE = r"(?:^|\s)date\s?(?:19|20)\d\d-\d\d"
EXCERPT = 2000


def _paragraphs_any(column: str, predicate: pl.Expr) -> pl.Expr:
    return pl.col(column).fill_null("").str.split("\n\n").list.eval(predicate).list.any()


def article_schema(
    raw_files: set[str], learned: list[str], params: ValidateParams, today: dt.date
) -> pa.DataFrameSchema:
    """The Article model plus the checks that need run-time facts (raw files, learned boilerplate, today)."""
    # Captions are left out: position cues such as "(left)" also occur in prose.
    chrome = rules.whole_line_regex(("chrome", "end"))
    learned_set = pl.Series(learned, dtype=pl.String)
    element = canonical_expr(pl.element())

    def frame_check(name: str, expr: pl.Expr, error: str) -> pa.Check:
        return pa.Check(lambda data: data.lazyframe.select(expr.alias(name)), name=name, error=error)

    half = (pl.element().str.len_chars() - 1) // 2
    doubled = (pl.element().str.len_chars() >= 41) & (
        pl.element().str.slice(0, half).str.strip_chars() == pl.element().str.slice(half + 1).str.strip_chars()
    )
    checks = [
        frame_check("id_unique", ~pl.col("id").is_duplicated(), "id must be unique"),
        frame_check(
            "body_unique",
            ~canonical_expr("body").is_duplicated(),
            "the same body is published twice (e.g. under two different titles)",
        ),
        frame_check(
            "title_length",
            pl.col("title").is_null() | pl.col("title").str.len_chars().is_between(3, 300),
            "title must have 3-300 characters",
        ),  # fmt: skip
        frame_check(
            "title_no_date_marker",
            pl.col("title").is_null() | ~pl.col("title").str.contains(DATE_RESIDUE + r"|\s(?:19|20)\d\d-\d\d-\d\d$"),
            "title carries a date marker",
        ),  # fmt: skip
        frame_check(
            "title_no_byline",
            pl.col("title").is_null() | ~pl.col("title").str.contains(r"^(?i:by)\s+[A-Z]"),
            "title is a byline",
        ),  # fmt: skip
        # Titles: the rule table only. A headline that recurs across pages ('Weekly export trends') is learned as a
        # repeated line, but the layout placed it as a headline, and that is what it is.
        frame_check(
            "title_no_chrome",
            pl.col("title").is_null() | ~pl.col("title").str.contains(chrome),
            "title is page chrome (rule table)",
        ),
        frame_check(
            "body_no_chrome",
            ~_paragraphs_any("body", pl.element().str.contains(chrome) | element.is_in(learned_set.implode())),
            "a body paragraph is page chrome (rule table or learned boilerplate)",
        ),  # fmt: skip
        frame_check("body_no_date_marker", ~pl.col("body").str.contains(DATE_RESIDUE), "body carries a date marker"),
        frame_check(
            "body_no_doubled_sentence",
            ~_paragraphs_any("body", doubled)
            & ~pl.col("body").str.split("\n\n").list.eval(pl.element() == pl.element().shift(1)).list.any(),
            "a paragraph or sentence is printed twice (caption residue)",
        ),  # fmt: skip
        frame_check("body_min_words", pl.col("word_count") >= 8, "body has fewer than 8 words"),
        frame_check(
            "word_count_consistent",
            pl.col("word_count") == pl.col("body").str.count_matches(r"\S+"),
            "word_count differs from the body",
        ),  # fmt: skip
        frame_check(
            "published_date_in_range",
            pl.col("published_date").is_null()
            | pl.col("published_date").is_between(dt.date.fromisoformat(params.date_min), today),
            f"published_date outside [{params.date_min}, today]",
        ),
        frame_check(
            "language_code",
            pl.col("language").str.contains(r"^(?:[a-z]{2,3}|und)$"),
            "language is not an ISO 639 code",
        ),  # fmt: skip
        frame_check(
            "provenance_files_exist",
            (pl.col("provenance").list.len() > 0)
            & pl.col("provenance").list.eval(pl.element().struct.field("file").is_in(list(raw_files))).list.all(),
            "provenance is empty or names a file that is not in the raw folder",
        ),  # fmt: skip
        frame_check(
            "truncation_consistent",
            pl.col("is_truncated") | pl.col("body").str.contains(SENTENCE_END),
            "body ends mid-sentence but is_truncated is false",
        ),  # fmt: skip
    ]
    schema = copy.deepcopy(Article.to_schema())  # to_schema() is cached and shared: never mutate it in place
    schema.checks = list(schema.checks) + checks
    return schema


def row_failures(articles: pl.DataFrame, schema: pa.DataFrameSchema) -> tuple[pl.DataFrame, list[str]]:
    """(index, rule, reason) per failing row, and schema-level errors (wrong columns or types)."""
    from pandera.config import ValidationDepth, config_context

    try:
        # Whatever the environment says (PANDERA_VALIDATION_DEPTH=SCHEMA_ONLY, odd spellings of ENABLED), the gate
        # checks values: it is the point of this stage.
        with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(articles, lazy=True)
    except SchemaErrors as err:
        cases = err.failure_cases
        schema_level = cases.filter(pl.col("index").is_null())
        row_level = cases.filter(pl.col("index").is_not_null())
        errors = [f"{r['check']} on {r['column']}: {r['failure_case']}" for r in schema_level.iter_rows(named=True)]
        # pandera labels a failed custom check by its error message: map it back to the check's name.
        names = {c.error: c.name for c in schema.checks if c.error}
        messages = {c.name: c.error for c in schema.checks if c.error}
        failures = (
            row_level.select(index=pl.col("index").cast(pl.Int64), rule=pl.col("check").replace(names))
            .with_columns(reason=pl.col("rule").replace(messages))
            .unique(maintain_order=True)
        )
        return failures, errors
    return pl.DataFrame(schema={"index": pl.Int64, "rule": pl.String, "reason": pl.String}), []


def ledger(out: Outputs, published: pl.DataFrame, duplicates: pl.DataFrame, quarantine: pl.DataFrame) -> dict:
    """Every non-blank raw line: inside a record's span, in removed_lines, or in quarantine."""
    lines = pl.read_parquet(out.lines).select("file", "line")
    removed = pl.read_parquet(out.removed_lines).filter(~pl.col("fragment")).select("file", "line").unique()
    spans = pl.concat(
        [
            f.select(pl.col("provenance").list.explode(keep_nulls=False, empty_as_null=False)).unnest("provenance")
            for f in (published, duplicates)
        ]
        + [quarantine.filter(pl.col("line_start") > 0).select("file", "line_start", "line_end")]
    )
    in_spans = (
        spans.with_columns(line=pl.int_ranges("line_start", pl.col("line_end") + 1, dtype=pl.Int32))
        .explode("line")
        .select("file", "line")
        .unique()
    )
    in_records = lines.join(in_spans, on=["file", "line"], how="semi")
    rest = lines.join(in_spans, on=["file", "line"], how="anti")
    in_removed = rest.join(removed, on=["file", "line"], how="semi")
    lost = rest.join(removed, on=["file", "line"], how="anti").sort("file", "line")
    whole_files = quarantine.filter(pl.col("line_start") == 0)["file"].n_unique()
    long_lines = quarantine.filter(pl.col("rule") == "line_too_long").height
    return {
        "lines": lines.height + long_lines,
        "in_records": in_records.height,
        "removed": in_removed.height,
        "quarantined_lines": long_lines,
        "quarantined_files": whole_files,
        "unaccounted": lost.height,
        "unaccounted_examples": [f"{f}:{n}" for f, n in lost.head(20).iter_rows()],
    }


def _quarantine_rows(articles: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    first = pl.col("provenance").list.first().struct
    rows = failures.join(articles.with_row_index("index").with_columns(pl.col("index").cast(pl.Int64)), on="index")
    return rows.select(
        file=first.field("file"), line_start=first.field("line_start"), line_end=first.field("line_end"),
        stage=pl.lit("validate"), rule="rule", reason=pl.format("{} (id {})", "reason", "id"),
        text=pl.concat_str(pl.col("title").fill_null(""), "body", separator="\n\n").str.slice(0, EXCERPT),
    )  # fmt: skip


def run(*, raw_dir: Path, out: Outputs, params: ValidateParams, today: dt.date | None = None) -> dict:
    if os.environ.get("PANDERA_VALIDATION_ENABLED", "").strip().lower() in ("0", "false", "no", "off"):
        raise GateFailed("PANDERA_VALIDATION_ENABLED disables pandera: the validate stage refuses to run without it")
    today = today or dt.date.today()
    articles = pl.read_parquet(out.dedup_articles)
    duplicates = pl.read_parquet(out.duplicates)
    raw_files = {p.relative_to(raw_dir).as_posix() for p in list_raw_files(Path(raw_dir))}
    learned = pl.read_parquet(out.boilerplate)["key"].to_list()
    schema = article_schema(raw_files, learned, params, today)
    failures, schema_errors = row_failures(articles, schema)

    failed_index = failures["index"].unique()
    published = articles.with_row_index("index").filter(~pl.col("index").cast(pl.Int64).is_in(failed_index.implode()))
    published = published.drop("index")
    upstream = pl.concat([io.read_parquet(p, QUARANTINE_SCHEMA) for p in (out.parse_quarantine, out.clean_quarantine)])
    quarantine = QuarantineRow.validate(
        pl.concat([upstream, _quarantine_rows(articles, failures)]).sort("file", "line_start", "stage", "rule")
    )
    accounting = ledger(out, published, duplicates, quarantine)

    quarantined_records = failed_index.len() + pl.read_parquet(out.clean_quarantine).height
    share = quarantined_records / max(1, quarantined_records + published.height)
    blocking = failures.filter(pl.col("rule").is_in(list(params.blocking_rules)))
    problems = [f"schema: {e}" for e in schema_errors]
    problems += [
        f"{r['rule']}: {r['file']}:{r['line_start']}-{r['line_end']} {r['reason']}"
        for r in _quarantine_rows(articles, blocking).iter_rows(named=True)
    ]
    if share > params.max_quarantine_share:
        problems.append(f"quarantined share {share:.3f} > validate.max_quarantine_share={params.max_quarantine_share}")
    if published.height < params.min_published_rows:
        problems.append(
            f"{published.height} publishable rows < validate.min_published_rows={params.min_published_rows}"
        )
    if accounting["unaccounted"]:
        problems.append(
            f"nothing_lost: {accounting['unaccounted']} raw lines unaccounted,"
            f" e.g. {accounting['unaccounted_examples']}"
        )

    from pipeline.gx_suite import format_summary, run_expectations

    expectations = run_expectations(
        published, n_duplicates=duplicates.height, n_quarantined=quarantined_records,
        expectations=params.expectations, docs_dir=(out.reports / "data_docs").resolve(),
    )  # fmt: skip
    if not expectations["success"]:
        failed = [r for r in expectations["results"] if not r["success"]]
        problems += [f"expectation {r['expectation']} on {r['column']}: observed {r['observed']}" for r in failed]

    passed = not problems
    io.write_parquet(published.sort("id"), out.validated_articles)
    io.write_parquet(quarantine, out.quarantine)
    report = {
        "passed": passed,
        "problems": problems,
        "row_checks": {
            "checks": [c.name for c in schema.checks],
            "failures_by_rule": dict(sorted(failures.group_by("rule").len().iter_rows())),
            "blocking_rules": list(params.blocking_rules),
            "quarantined_share": round(share, 6),
        },
        "nothing_lost": accounting,
        "expectations": expectations,
    }
    io.write_json(report, out.reports / "validation.json")
    metrics = {
        "stage": "validate",
        "rows_in": articles.height,
        "rows_out": published.height,
        "dropped": dict(sorted(failures.group_by("rule").len().iter_rows())),
        "passed": passed,
        "nothing_lost": {k: v for k, v in accounting.items() if k != "unaccounted_examples"},
        "expectations": {"evaluated": expectations["evaluated"], "successful": expectations["successful"]},
    }
    io.write_json(metrics, out.stage_metrics("validate"))
    print(format_summary(expectations), file=sys.stderr)
    if not passed:
        raise GateFailed("validation gate failed:\n  " + "\n  ".join(problems))
    return metrics
