"""Small pure helpers on strings, shared by the layouts and the stages."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from pipeline.patterns import SENTENCE_END_RE

QUOTE_FOLD = str.maketrans({c: "'" for c in "‘’‚‛`´′"} | {c: '"' for c in "“”„‟″"})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_WORD = re.compile(r"\S+")


def canonical(text: str | None) -> str:
    """Case-, quote-, punctuation- and whitespace-insensitive form used for comparisons and hashes."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(QUOTE_FOLD).casefold()
    return _NON_WORD.sub("", text)


def canonical_expr(column: str | pl.Expr) -> pl.Expr:
    """canonical() as a polars expression (ids, dedup keys, learned boilerplate keys, validation)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.fill_null("").str.normalize("NFKC").str.to_lowercase().str.replace_all(r"[\W_]+", "")


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def ends_like_sentence(text: str) -> bool:
    # Only the tail matters; searching a whole long paragraph from every position would be quadratic.
    return bool(SENTENCE_END_RE.search(text.rstrip()[-80:]))
