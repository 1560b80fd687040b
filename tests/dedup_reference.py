"""The dedup stage by its definitions, the simple way, kept as a test oracle: the implementation of before the
bounded-memory rewrite (commit 2f889c0), with containment counted on every shingle (round 2 of issue 10; it used
to ignore shingles in more than max_shingle_df records).

It counts shared shingles of every pair of records by a self-join of all shingle hashes (memory grows with the sum
of df^2), which is fine for the small corpora of the tests only. tests/test_dedup.py checks that pipeline/dedup.py
makes the same decisions. Parameters are read from the same params.yaml `dedup:` section.
"""

from __future__ import annotations

import polars as pl

from pipeline.text import canonical_expr
from schemas import CleanArticle

ARTICLE_COLUMNS = list(CleanArticle.to_schema().columns)
METADATA = ("published_date", "category", "byline", "source")
MAX_CHAIN = 32


def merge_exact(articles: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Collapse records with the same body (and no conflicting titles); return (kept, exact duplicates)."""
    frame = articles.with_columns(
        body_key=canonical_expr("body"), title_key=pl.when(pl.col("title").is_not_null()).then(canonical_expr("title"))
    ).with_columns(conflict=pl.col("title_key").drop_nulls().n_unique().over("body_key") > 1)
    group = pl.when(pl.col("conflict")).then(pl.col("id")).otherwise(pl.col("body_key"))
    # The representative: a complete copy with a headline first, then the smallest id (deterministic).
    frame = frame.with_columns(group=group).with_columns(
        rank=pl.struct(pl.col("is_truncated"), pl.col("title").is_null(), "id").rank("ordinal").over("group")
    )
    merged = frame.group_by("group").agg(
        *[pl.col(c).sort_by("rank").drop_nulls().first() for c in METADATA],
        pl.col("provenance").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        kept_id=pl.col("id").sort_by("rank").first(),
    )
    representatives = frame.filter(pl.col("rank") == 1).drop(*METADATA, "provenance")
    kept = representatives.join(merged, on="group").select(ARTICLE_COLUMNS)
    dropped = (
        frame.filter(pl.col("rank") > 1)
        .join(merged.select("group", "kept_id"), on="group")
        .select(*ARTICLE_COLUMNS, "kept_id", kind=pl.lit("exact"), similarity=pl.lit(1.0))
    )
    return kept, dropped


def shingles(articles: pl.DataFrame, params) -> pl.DataFrame:
    """(id, shingle hash) for every distinct word n-gram of every article.

    Words are exploded to one row each and n-grams built with shifts inside each article, so memory grows with
    the number of words (slicing the word list once per position would copy it once per word).
    """
    n = params.shingle_words
    words = pl.col("body").str.normalize("NFKC").str.to_lowercase().str.extract_all(r"\w+")
    tokens = articles.lazy().select("id", w=words).explode("w").drop_nulls("w")
    grams = tokens.select(
        "id", gram=pl.concat_str([pl.col("w").shift(-k).over("id") for k in range(n)], separator=" ")
    ).drop_nulls("gram")
    # Articles shorter than one n-gram are a single shingle of all their words.
    short = tokens.group_by("id").agg(gram=pl.col("w").str.join(" "), size=pl.len()).filter(pl.col("size") < n)
    return (
        pl.concat([grams, short.select("id", "gram")]).select("id", h=pl.col("gram").hash(seed=0)).unique().collect()
    )


def candidate_pairs(articles: pl.DataFrame, params) -> pl.DataFrame:
    """Pairs (a shorter, b longer) with containment of a's shingles in b, and whether a is a prefix of b."""
    # Integer row numbers instead of hex ids: the pair join and count below are the costly part of the stage.
    index = articles.select("id").with_row_index("n")
    grams = shingles(articles, params).join(index, on="id").select("n", "h")
    sizes = grams.group_by("n").len("a_size")
    shared = (
        grams.lazy()
        .join(grams.lazy().rename({"n": "m"}), on="h")
        .filter(pl.col("n") != pl.col("m"))
        .group_by("n", "m")
        .len("shared")
        .collect(engine="streaming")
    )
    shared = (
        shared.join(sizes, on="n")
        .join(index.rename({"id": "a"}), on="n")
        .join(index.rename({"n": "m", "id": "b"}), on="m")
        .select("a", "b", "shared", "a_size")
    )
    info = articles.select("id", "is_truncated", key=canonical_expr("body")).with_columns(
        length=pl.col("key").str.len_chars()
    )
    pairs = (
        shared.join(info.rename({c: f"a_{c}" for c in info.columns if c != "id"}).rename({"id": "a"}), on="a")
        .join(info.rename({c: f"b_{c}" for c in info.columns if c != "id"}).rename({"id": "b"}), on="b")
        .filter(
            (pl.col("a_length") < pl.col("b_length"))
            | ((pl.col("a_length") == pl.col("b_length")) & (pl.col("a") > pl.col("b")))
        )
        # Identical bodies are exact duplicates: merged already, or kept apart on purpose (conflicting titles).
        .filter(pl.col("a_key") != pl.col("b_key"))
        .with_columns(
            containment=(pl.col("shared") / pl.col("a_size")).clip(0.0, 1.0),
            prefix=(pl.col("a_length") >= params.truncated_min_chars)
            & pl.col("b_key").str.starts_with(pl.col("a_key")),
        )
    )
    return pairs.select("a", "b", "containment", "prefix", "a_length", "b_length")


def near_and_truncated(articles: pl.DataFrame, params) -> pl.DataFrame:
    """Decisions (id, kept_id, kind, similarity) for records that duplicate a longer record."""
    pairs = candidate_pairs(articles, params).filter(
        pl.col("prefix") | (pl.col("containment") >= params.near_containment)
    )
    best = (
        pairs.sort(["a", "prefix", "containment", "b_length", "b"], descending=[False, True, True, True, False])
        .group_by("a", maintain_order=True)
        .first()
        .select(
            id="a",
            kept_id="b",
            kind=pl.when(pl.col("prefix")).then(pl.lit("truncated")).otherwise(pl.lit("near")),
            similarity=pl.col("containment"),
        )
    )
    # Follow chains (a -> b -> c) to a record that is itself kept.
    for _ in range(MAX_CHAIN):
        step = best.join(best.select(pl.col("id").alias("kept_id"), next=pl.col("kept_id")), on="kept_id", how="left")
        if step["next"].null_count() == step.height:
            break
        best = step.with_columns(kept_id=pl.coalesce("next", "kept_id")).drop("next")
    return best


def dedup(articles: pl.DataFrame, params) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(published, duplicates) as the old run() built them, without the I/O."""
    kept, exact = merge_exact(articles)
    decisions = near_and_truncated(kept, params)
    dropped_near = (
        kept.join(decisions, on="id", how="inner")
        .with_columns(is_truncated=pl.col("is_truncated") | (pl.col("kind") == "truncated"))
        .select(*ARTICLE_COLUMNS, "kept_id", "kind", "similarity")
    )
    published = kept.join(decisions.select("id"), on="id", how="anti").sort("id")
    duplicates = (
        pl.concat([exact, dropped_near]).with_columns(pl.col("similarity").cast(pl.Float64)).sort("id", "kept_id")
    )
    return published, duplicates
