"""Small pure helpers on strings, shared by the layouts and the stages."""

from __future__ import annotations

import re
import unicodedata

import polars as pl

from pipeline.patterns import SENTENCE_END_RE, WORD

QUOTE_FOLD = str.maketrans({c: "'" for c in "‘’‚‛`´′"} | {c: '"' for c in "“”„‟″"})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_WORD = re.compile(WORD)
# Text made only of ASCII and these quotes and dashes is its own NFKC form (tests/test_dedup.py checks each one);
# a text with any other character may change under NFKC.
NFKC_STABLE_NON_ASCII = "\u2018\u2019\u201c\u201d\u2013\u2014"
NFKC_MAY_CHANGE = f"[^\\x00-\\x7f{NFKC_STABLE_NON_ASCII}]"


# What canonical() removes from text with no NFKC_MAY_CHANGE character: every character but ASCII letters and digits.
_STABLE_REMOVED = f"[\\x00-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7f{NFKC_STABLE_NON_ASCII}]"


def canonical(text: str | None) -> str:
    """Case-, quote-, punctuation- and whitespace-insensitive form used for comparisons and hashes."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(QUOTE_FOLD).casefold()
    return _NON_WORD.sub("", text)


def folded_expr(column: str | pl.Expr) -> pl.Expr:
    """NFKC and lower case: the first half of canonical_expr, and the text dedup cuts into words."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.fill_null("").str.normalize("NFKC").str.to_lowercase()


def canonical_from_folded(folded: pl.Expr) -> pl.Expr:
    """The second half of canonical_expr, for callers that already hold folded_expr (NFKC is the costly part)."""
    return folded.str.replace_all(r"[\W_]+", "")


def canonical_expr(column: str | pl.Expr) -> pl.Expr:
    """canonical() as a polars expression (ids, dedup keys, learned boilerplate keys, validation)."""
    return canonical_from_folded(folded_expr(column))


def canonical_occurrence_regex(key: str) -> str:
    """A regex that finds, in text with no NFKC_MAY_CHANGE character, every stretch whose canonical form is ``key``
    (an ASCII canonical form): its characters in order, in either case, with only characters canonical() removes
    between them. A small class of those, where ``[\\W_]`` would compile to the Unicode tables."""
    if not key.isascii():
        raise ValueError(f"not an ASCII canonical form: {key!r}")
    return f"{_STABLE_REMOVED}*".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in key)


# What canonical() keeps of text with no NFKC_MAY_CHANGE character, once lower-cased: ASCII letters and digits. The
# stable non-ASCII characters (quotes and dashes) are all removed, and they are the only bytes above 0x7f there.
_STABLE_KEPT_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789"
_STABLE_REMOVED_BYTES = bytes(sorted(set(range(256)) - set(_STABLE_KEPT_BYTES)))


# Values turned into Python strings at once by _canonical_of_stable: bounds its memory (~20 MB of bodies).
_STABLE_CHUNK = 10_000


def _canonical_of_stable(values: pl.Series) -> pl.Series:
    """canonical() of values with no NFKC_MAY_CHANGE character, by byte deletion: about twice as fast as the
    regex replacement, which matches at every space of a paragraph."""
    chunks = [
        pl.Series(
            [v.encode().lower().translate(None, _STABLE_REMOVED_BYTES).decode("ascii") for v in chunk.to_list()],
            dtype=pl.String,
        )
        for chunk in (values.slice(start, _STABLE_CHUNK) for start in range(0, values.len(), _STABLE_CHUNK))
    ]
    return pl.concat(chunks, rechunk=False) if chunks else pl.Series(dtype=pl.String)


def canonical_series(text: pl.Series) -> pl.Series:
    """canonical_expr of every value; NFKC, the costly step, only runs where it may change the text
    (NFKC_MAY_CHANGE): most news lines are their own NFKC form, whose canonical form is its ASCII letters and digits
    lower-cased."""
    values = text.fill_null("").to_frame("_text").with_row_index("_row")
    may_change = pl.col("_text").str.contains(NFKC_MAY_CHANGE)
    stable = values.filter(~may_change)
    parts = [
        values.filter(may_change).select("_row", _canon=canonical_expr("_text")),
        stable.select("_row", _canon=_canonical_of_stable(stable["_text"])),
    ]
    return pl.concat(parts).sort("_row")["_canon"].alias(text.name)


def canonical_column(frame: pl.DataFrame, text: pl.Expr) -> pl.Series:
    """canonical_expr(text) for every row of ``frame``, by canonical_series."""
    return canonical_series(frame.select(_text=text).to_series())


def canonical_batched(column: str | pl.Expr) -> pl.Expr:
    """canonical_expr(column), computed batch by batch by canonical_series: for the columns of every line or every
    body, where NFKC on all of them would be most of a stage's cost."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.map_batches(canonical_series, return_dtype=pl.String, is_elementwise=True)


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def ends_like_sentence(text: str) -> bool:
    # Only the tail matters; searching a whole long paragraph from every position would be quadratic.
    return bool(SENTENCE_END_RE.search(text.rstrip()[-80:]))
