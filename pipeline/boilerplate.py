"""Corpus boilerplate, CCNet-style: short lines printed in several distinct article contexts across the corpus.

Counting distinct contexts rather than occurrences means the same article saved twice teaches nothing: its
headline has one context, while 'Copied URL' under fifty articles has fifty. Learning is split in two so that it
runs over shards: each shard gives the evidence of its short lines, and the corpus learns from all of it.
"""

from __future__ import annotations

import polars as pl

from pipeline.config import BoilerplateParams
from pipeline.patterns import WORD
from pipeline.text import canonical_batched

EVIDENCE_SCHEMA = {"key": pl.String, "text": pl.String, "file": pl.String, "context": pl.String}
BOILERPLATE_SCHEMA = {"key": pl.String, "text": pl.String, "files": pl.UInt32, "contexts": pl.UInt32}


def boilerplate_evidence(lines: pl.DataFrame, params: BoilerplateParams) -> pl.DataFrame:
    """(key, text, file, context) of every short line: what learning the corpus boilerplate needs from a shard.

    A line's context is the start of the nearest long line after it (or before it, at the end of a page).
    """
    if lines.is_empty():
        return pl.DataFrame(schema=EVIDENCE_SCHEMA)
    key = canonical_batched("text")
    words = pl.col("text").str.count_matches(WORD)
    anchor = pl.when(words >= params.context_min_words).then(key.str.slice(0, 64))
    return (
        lines.lazy()
        .with_columns(key=key, words=words, anchor=anchor)
        .with_columns(
            next_anchor=pl.col("anchor").shift(-1).backward_fill().over("file", order_by="line"),
            prev_anchor=pl.col("anchor").shift(1).forward_fill().over("file", order_by="line"),
        )
        .with_columns(context=pl.coalesce("next_anchor", "prev_anchor", pl.lit("file:") + pl.col("file")))
        .filter((pl.col("words") <= params.max_words) & (pl.col("key").str.len_chars() > 0))
        .select("key", pl.col("text").str.strip_chars(), "file", "context")
        .collect()
    )


def learn_boilerplate(evidence: pl.DataFrame, params: BoilerplateParams) -> pl.DataFrame:
    """Short lines that occur in at least `min_contexts` distinct article contexts (and files) across the corpus.

    A headline saved twice with its article has one context; 'Copied URL' under fifty articles has fifty.
    """
    return (
        evidence.lazy()
        .group_by("key")
        .agg(
            text=pl.col("text").sort().first(), files=pl.col("file").n_unique(), contexts=pl.col("context").n_unique()
        )
        .filter((pl.col("contexts") >= params.min_contexts) & (pl.col("files") >= params.min_contexts))
        .sort("key")
        .collect()
        .cast(BOILERPLATE_SCHEMA)
    )
