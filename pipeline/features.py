"""Numeric features of every unit of a batch of pages, for the line model: polars expressions over all units.

Shape and position only, plus generic lexicons defined here (function words, month names): nothing is learned
from the words of the training pages, so the model file holds numbers, never page text. Each unit also sees
its neighbours' main features (the unit above and below), and where it stands relative to the page's prose.
"""

from __future__ import annotations

import numpy as np
import polars as pl

FUNCTION_WORDS = (
    "a an the and or but of in on at to for from by with as is are was were be been has have had it its this that "
    "these those he she they we you i his her their our will would said says not no than then which who whom whose "
    "also after before over under about into up out more most"
).split()
MONTHS = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s"
_TOKEN = r"[\p{L}\p{N}][\p{L}\p{N}'’.-]*"
_FUNCTION = r"(?i)(?:^|[^\p{L}\p{N}'’-])(?:" + "|".join(FUNCTION_WORDS) + r")(?:[^\p{L}\p{N}'’-]|$)"
PROSE_WORDS = 12  # a unit of at least this many words that ends like a sentence counts as prose for position


def _share(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return (part / whole.clip(lower_bound=1)).cast(pl.Float64)


def _flag(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null(False).cast(pl.Float64)


def own_features() -> dict[str, pl.Expr]:
    """Features of the unit's own text (columns of ``evidence_frame``)."""
    s = pl.col("s")
    chars = s.str.len_chars()
    tokens = s.str.count_matches(_TOKEN)
    letters = pl.col("letters")
    rule = pl.col("rule").fill_null("")
    return {
        "chars_log": (chars + 1).log(),
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
        "cap_share": _share(s.str.count_matches(r"(?:^|[^\p{L}\p{N}'’-])\p{Lu}"), tokens),
        "function_share": _share(s.str.count_matches(_FUNCTION), tokens),
        "digit_share": _share(s.str.count_matches(r"\d"), chars),
        "upper_share": _share(s.str.count_matches(r"\p{Lu}"), letters),
        "symbol_share": _share(s.str.count_matches(r"[^\p{L}\p{N}\s]"), chars),
        "year": _flag(s.str.contains(r"(?:^|\D)(?:19|20)\d\d(?:\D|$)")),
        "month": _flag(s.str.contains(MONTHS)),
        "clock": _flag(s.str.contains(r"\d{1,2}:\d\d")),
        "date_candidate": _flag(pl.col("date_candidate")),
        "byline_candidate": _flag(pl.col("byline_candidate")),
        "by_start": _flag(s.str.contains(r"^(?i:by)\s")),
        "email": _flag(s.str.contains(r"[\w.+-]+@[\w-]+\.\w")),
        "url": _flag(s.str.contains(r"(?i)https?://|www\.|\.(?:com|net|org|kr)\b")),
        "copyright": _flag(s.str.contains(r"(?i)©|ⓒ|\(c\)|copyright|all rights reserved")),
        "pipe_or_crumb": _flag(s.str.contains(r"\s[|>›»]\s")),
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
    """One row of floats per unit of ``frame`` (an ``evidence_frame``), in the same order."""
    own = own_features()
    base = frame.select("file", "canon", **own)
    index = pl.int_range(pl.len()).over("file")
    total = pl.len().over("file")
    prose = (pl.col("words_log") >= np.log(PROSE_WORDS + 1)) & (pl.col("ends_sentence") > 0)
    prose_total = prose.cast(pl.Float64).sum().over("file")
    prose_before = prose.cast(pl.Float64).cum_sum().over("file") - prose.cast(pl.Float64)
    neighbours = {}
    for name in NEIGHBOUR_FEATURES:
        neighbours[f"prev_{name}"] = pl.col(name).shift(1).over("file").fill_null(0.0)
        neighbours[f"next_{name}"] = pl.col(name).shift(-1).over("file").fill_null(0.0)
    features = base.with_columns(
        position=_share(index, total - 1),
        first=_flag(index == 0),
        last=_flag(index == total - 1),
        units_log=total.cast(pl.Float64).log1p(),
        repeated_in_page=_flag(pl.len().over("file", "canon") > 1),
        prose_before=_share(prose_before, prose_total),
        prose_after=_share(prose_total - prose_before - prose.cast(pl.Float64), prose_total),
        no_prose_before=_flag(prose_before == 0),
        no_prose_after=_flag(prose_total - prose_before - prose.cast(pl.Float64) == 0),
        **neighbours,
    )
    return features.drop("file", "canon")


def feature_names() -> list[str]:
    empty = pl.DataFrame(
        schema={"file": pl.String, "s": pl.String, "canon": pl.String, "words": pl.UInt32, "letters": pl.UInt32,
                "rule": pl.String, "ends_sentence": pl.Boolean, "sentence_break": pl.Boolean,
                "date_candidate": pl.Boolean, "byline_candidate": pl.Boolean, "learned": pl.Boolean,
                "doubled": pl.Boolean, "foreign": pl.Boolean, "separator": pl.Boolean, "masthead": pl.Boolean,
                "crawler_date": pl.String}  # fmt: skip
    )
    return feature_frame(empty).columns


def matrix(frame: pl.DataFrame) -> np.ndarray:
    return feature_frame(frame).to_numpy().astype(np.float64)
