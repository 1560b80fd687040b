"""Language of a text: a cheap vectorised test for clear English, the offline identifier for the rest.

py3langid costs milliseconds per record (its feature extraction is a Python loop over the bytes), which on a crawl
of English news would dominate the whole clean stage. Running text in English is full of its function words
("the", "of", "and", ...) while other languages, including those written in Latin script, use few of them; a
record whose sample has at least `clean.english_function_word_share` of them is English. Everything else, and
every text too short to judge, goes to py3langid, whose answer is final.
"""

from __future__ import annotations

import polars as pl

from pipeline.patterns import WORD

UNDETERMINED = "und"
SAMPLE_CHARS = 1000  # the opening of a text: enough words to judge, bounded cost for long texts
# English function words that are not also common words of other Latin-script languages (no "a", "de", "die").
ENGLISH_FUNCTION_WORDS = (
    "the", "of", "and", "to", "in", "is", "that", "for", "on", "with", "as", "was", "by", "at", "from", "it", "be",
    "are", "this", "said", "have", "has", "its", "were", "which", "will", "not", "an", "their", "they", "he", "she",
    "would", "also", "been", "but", "or", "after", "more", "than", "who", "had", "our",
)  # fmt: skip
_FUNCTION_WORD = r"(?-u:\b)(?:" + "|".join(ENGLISH_FUNCTION_WORDS) + r")(?-u:\b)"


def english_share(text: str | pl.Expr) -> pl.Expr:
    """Share of the words of the text's opening that are English function words."""
    sample = (pl.col(text) if isinstance(text, str) else text).str.slice(0, SAMPLE_CHARS).str.to_lowercase()
    return sample.str.count_matches(_FUNCTION_WORD) / sample.str.count_matches(WORD).clip(lower_bound=1)


def identify(texts: pl.Series, min_chars: int, english_share_min: float) -> pl.Series:
    """ISO 639-1 code per text; UNDETERMINED below min_chars."""
    decided = pl.select(
        pl.when(texts.str.len_chars() < min_chars)
        .then(pl.lit(UNDETERMINED))
        .when(english_share(pl.lit(texts)) >= english_share_min)
        .then(pl.lit("en"))
        .alias("language")
    ).to_series()
    undecided = decided.is_null().arg_true()
    if undecided.is_empty():
        return decided
    from py3langid.langid import classify  # ships its model: works offline

    guesses = [classify(text[: 3 * SAMPLE_CHARS])[0] for text in texts.gather(undecided)]
    return decided.scatter(undecided, pl.Series(guesses, dtype=pl.String))
