"""Numeric features of every unit of a batch of pages, for the line model: polars expressions over all units.

Shape and position only, plus generic lexicons defined here (function words, month names): nothing is learned
from the words of the training pages, so the model file holds numbers, never page text. Each unit also sees
its neighbours' main features (the unit above and below), and where it stands relative to the page's prose.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.patterns import EMAIL

FUNCTION_WORDS = (  # noqa: SIM905 - a word list reads better as one string
    "a an the and or but of in on at to for from by with as is are was were be been has have had it its this that "
    "these those he she they we you i his her their our will would said says not no than then which who whom whose "
    "also after before over under about into up out more most"
).split()
MONTHS = r"(?i)(?:^|[^a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s"
SHARE_CHARS = 200  # shares of capitals, digits, function words... are read on a unit's first characters
_TOKEN = r"[\p{L}\p{N}][\p{L}\p{N}'’.-]*"
_FUNCTION = r"(?i)(?:^|[^\p{L}\p{N}'’-])(?:" + "|".join(FUNCTION_WORDS) + r")(?:[^\p{L}\p{N}'’-]|$)"
# Photo captions describe what a picture shows, in the present tense ('X is seen at ...', 'X poses with ...').
PHOTO_VERBS = (
    r"(?i)(?:^|[^a-z])(?:(?:is|are) (?:seen|pictured|sworn in|shown)|poses? (?:for|with)|shakes? hands|looks? on|"
    r"speaks? (?:at|during|to)|in this (?:file )?photo|photo (?:taken|provided))(?:[^a-z]|$)"
)
PROSE_WORDS = 12  # a unit of at least this many words that ends like a sentence counts as prose for position


def _share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return (part / whole.clip(lower_bound=1)).cast(pl.Float64)


def _flag(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null(False).cast(pl.Float64)


def own_features() -> dict[str, pl.Expr]:
    """Features of the unit's own text (columns of ``evidence_frame``); shares are read on its first characters."""
    s = pl.col("s")
    head = s.str.slice(0, SHARE_CHARS)
    chars = head.str.len_chars()
    tokens = head.str.count_matches(_TOKEN)
    # Letters as the characters that are not letters: a fifth as many regex matches to count as \p{L} itself.
    letters = chars - head.str.count_matches(r"[^\p{L}]")
    rule = pl.col("rule").fill_null("")
    return {
        "chars_log": (s.str.len_chars() + 1).log(),
        "words_log": (pl.col("words") + 1).log(),
        "words_le3": _flag(pl.col("words") <= 3),
        "words_4_12": _flag(pl.col("words").is_between(4, 12)),
        "words_13_30": _flag(pl.col("words").is_between(13, 30)),
        "ends_sentence": _flag(pl.col("ends_sentence")),
        "sentence_break": _flag(pl.col("sentence_break")),
        "starts_upper": _flag(s.str.contains(r"^\p{Lu}")),
        "starts_lower": _flag(s.str.contains(r"^\p{Ll}")),
        "starts_digit": _flag(s.str.contains(r"^\d")),
        "starts_symbol": _flag(s.str.contains(r"^[^\p{L}\p{N}]")),
        "ends_colon": _flag(s.str.contains(r":$")),
        "cap_share": _share(head.str.count_matches(r"(?:^|[\s(\[\"'‘“])\p{Lu}"), tokens),
        "function_share": _share(head.str.count_matches(_FUNCTION), tokens),
        "digit_share": _share(head.str.count_matches(r"\d"), chars),
        "upper_share": _share(head.str.count_matches(r"\p{Lu}"), letters),
        "symbol_share": _share(head.str.count_matches(r"[^\p{L}\p{N}\s]"), chars),
        "year": _flag(head.str.contains(r"(?:^|\D)(?:19|20)\d\d(?:\D|$)")),
        "month": _flag(head.str.contains(MONTHS)),
        "clock": _flag(head.str.contains(r"\d{1,2}:\d\d")),
        "photo_verb": _flag(head.str.contains(PHOTO_VERBS)),
        "date_candidate": _flag(pl.col("date_candidate")),
        "byline_candidate": _flag(pl.col("byline_candidate")),
        "by_start": _flag(s.str.contains(r"^(?i:by)\s")),
        "email": _flag(s.str.contains(EMAIL)),
        "url": _flag(s.str.contains(r"(?i)https?://|www\.|\.(?:com|net|org|kr)(?:[^\w]|$)")),
        "copyright": _flag(s.str.contains(r"(?i)©|ⓒ|\(c\)|copyright|all rights reserved")),
        "pipe_or_crumb": _flag(head.str.contains(r"\s[|>›»]\s")),
        "bracket_start": _flag(s.str.contains(r"^[\[(]")),
        "paren_end": _flag(s.str.contains(r"\)$")),
        "rule_chrome": _flag(rule.str.starts_with("chrome:")),
        "rule_end": _flag(rule.str.starts_with("end:")),
        "rule_caption": _flag(rule.str.starts_with("caption:")),
        "learned": _flag(pl.col("learned")),
        "doubled": _flag(pl.col("doubled")),
        "foreign": _flag(pl.col("foreign")),
        "separator": _flag(pl.col("separator")),
        "masthead": _flag(pl.col("masthead")),
        "crawler_date": _flag(pl.col("crawler_date").is_not_null()),
    }


NEIGHBOUR_FEATURES = ("words_log", "ends_sentence", "starts_upper", "rule_chrome", "rule_end", "rule_caption",
                      "date_candidate", "byline_candidate", "learned", "function_share")  # fmt: skip


def feature_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """One row of floats per unit of ``frame`` (an ``evidence_frame``, sorted by file), in the same order."""
    # Lazy, so that polars computes the shared parts of the features (a unit's head, its tokens) once.
    base = frame.lazy().select("file", "canon", "idx", "n", **own_features()).collect()
    prose = ((pl.col("words_log") >= np.log(PROSE_WORDS + 1)) & (pl.col("ends_sentence") > 0)).cast(pl.Float64)
    base = base.with_columns(_prose=prose).with_columns(_seen=pl.col("_prose").cum_sum())
    # Running totals restart at each file: subtract what the files before it had.
    offsets = base.group_by("file").agg(
        _offset=(pl.col("_seen") - pl.col("_prose")).first(), _total=pl.col("_prose").sum()
    )
    base = base.join(offsets, on="file", how="left", maintain_order="left")
    before = pl.col("_seen") - pl.col("_prose") - pl.col("_offset")
    after = pl.col("_total") - before - pl.col("_prose")
    first, last = pl.col("idx") == 0, pl.col("idx") == pl.col("n") - 1
    neighbours = {}
    for name in NEIGHBOUR_FEATURES:
        neighbours[f"prev_{name}"] = pl.when(first).then(0.0).otherwise(pl.col(name).shift(1))
        neighbours[f"next_{name}"] = pl.when(last).then(0.0).otherwise(pl.col(name).shift(-1))
    repeats = base.group_by("file", "canon").agg(_copies=pl.len())
    base = base.join(repeats, on=["file", "canon"], how="left", maintain_order="left")
    features = base.with_columns(
        position=_share(pl.col("idx"), pl.col("n") - 1),
        first=_flag(first),
        last=_flag(last),
        units_log=pl.col("n").cast(pl.Float64).log1p(),
        repeated_in_page=_flag(pl.col("_copies") > 1),
        prose_before=_share(before, pl.col("_total")),
        prose_after=_share(after, pl.col("_total")),
        no_prose_before=_flag(before == 0),
        no_prose_after=_flag(after == 0),
        **neighbours,
    )
    return features.drop("file", "canon", "idx", "n", "_prose", "_seen", "_offset", "_total", "_copies")


def feature_names() -> list[str]:
    empty = pl.DataFrame(
        schema={
            "file": pl.String,
            "s": pl.String,
            "canon": pl.String,
            "idx": pl.Int32,
            "n": pl.Int32,
            "words": pl.UInt32,
            "rule": pl.String,
            "ends_sentence": pl.Boolean,
            "sentence_break": pl.Boolean,
            "date_candidate": pl.Boolean,
            "byline_candidate": pl.Boolean,
            "learned": pl.Boolean,
            "doubled": pl.Boolean,
            "foreign": pl.Boolean,
            "separator": pl.Boolean,
            "masthead": pl.Boolean,
            "crawler_date": pl.String,
        }  # fmt: skip
    )
    return feature_frame(empty).columns


def matrix(frame: pl.DataFrame) -> np.ndarray:
    return feature_frame(frame).to_numpy().astype(np.float64)
