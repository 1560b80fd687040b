"""Each shared pattern (pipeline/patterns.py) reads the same in Python's re and in polars' Rust regex engine."""

from __future__ import annotations

import re

import polars as pl
import pytest

from pipeline import patterns
from pipeline.text import ends_like_sentence

# pattern name -> (lines it must match, lines it must not match); invented text in the shapes of news pages.
EXAMPLES = {
    "SENTENCE_END": (
        ["Exports rose 5 percent, data showed.", "Exports rose, data showed. (Yonhap)", 'He said, "We will."',
         "Is it over?", "The talks ended …", "The plan was approved (officials said).",
         "He said the firm must set an example.“",  # one quote glyph typed for both ends
         "輸出が増えた。", "「輸出が増えた。」", "The crew put on a show at the festival! 🙂",
         "See you there. 👋🏽 🎉"],
        ["Exports rose 5 percent, data", "Ferry Yard Opens in Mokpo", "Shares (Yonhap) rose", "He said, “We",
         "See you at the festival 🙂"],
    ),
    "BLANK_LINE": (
        ["", "   \t", "\u200c", "\ufeff\u200b ", "\u00ad", "\u2060\u200e"],
        ["Ferry fares rise", " .", "\u200bFerry", "★"],
    ),
    "CRAWLER_DATE_SUFFIX": (
        ["The ministry said on Monday. date2031-04-23", "the summary was cut mid-wo date 2031-04", "date 2031-04-23",
         "The ministry said on Monday.date2031-04-23", "the deal (signed).date 2031-04",
         "“We will,” he said.“date2031-04-23"],
        ["The update came on date 2031-04-23 at noon.", "updated2031-04-23"],
    ),
    "CRAWLER_DATE_RESIDUE": (
        ["Ferry fares date2031-04-23 rise", " date 2031-04 Most read", "Fares rose.date2031-04-23 Ferry"],
        ["Ferry fares rise on 2031-04-23", "candidate2031-04-23"],
    ),
    "INTERVIEW_CUE": (
        ["Q: What comes next?", "A: Next year will be hard.", "Q. Will they take part?", "Q. “Why now?”",
         "Question: Why now?", "Answer : Because the talks ended."],
        ["A. Smith said", "Q3 profit rose", "A: ", "QA: results", "A new plant opens", "Quarterly: exports rose"],
    ),
    "CRAWLER_DATE_PREFIX": (
        [" date 2031-04-23 Ferry fares rise", "date 2031-04", " date 2031 Headline"],
        ["date 2031-04-2399", "Ferry fares date 2031-04-23", "date2031-04-23 Glued"],
    ),
    "SENTENCE_BREAK": (
        ["Exports rose. Imports fell.", "It grew 5%. Analysts agreed.", "be an example.“ The talks ended.",
         "輸出が増えた。輸入は減った。"],
        ["S. Korea and the U.S. President met.", "Exports rose"],
    ),
    "ABBREVIATION_STOP": (
        ["Rep. Ilhan Omar", "Georgia Gov. Brian Kemp", "LG Corp. Chairman", "Martin Luther King Jr. Day"],
        ["The Rep said", "Corporate earnings rose. Imports fell."],
    ),
    "BYLINE_OPENING": (
        ["By Dana Whitfield / Harbor Daily Staff Writers", "BY DANA WHITFIELD", "by Ivo Brandt"],
        ["Bystanders cheered the ferry", "By the way, fares rose", "Stand by Me returns"],
    ),
    # Lower case: the patterns that use it read case-blind.
    "PICTURE_LABELS": (
        ["foto: dpa", "photos", "bildquelle", "bildrechte", "imagen", "zdjęcie"],
        ["fahrt", "tele", "fähre"],
    ),
    "PHOTO_AGENCY": (["yonhap", "gettyimagesbank", "123rf", "ap photo", "newsis"], ["the harbor desk", "ferry crew"]),
    "SOURCE_LABELS": (["quelle: imago", "source: harbor agency", "fuente: efe", "credit"], ["sauce", "fondue"]),
    "READING_TIME": (
        ["1 min read", "reading time: 4 minutes", "lesezeit 5 min.", "lesedauer: 4 minuten", "3 min. lesezeit",
         "19.11.2031, 5 min"],  # fmt: skip
        ["the minister read the report", "minutes of the meeting", "Reading Time", "5 Min Read"],
    ),
    "TIME_AGO": (
        ["2 days ago", "published 4 months ago", "5 hrs ago", "posted: 1 day ago", "dana whitfield | 3 minutes ago"],
        ["2 days later", "days ago", "published 2031-04-08"],
    ),
    "EMAIL": (
        ["(dana.whitfield@harbordaily.example)", "Contact: ivo+news@kelmore-times.co.kr"],
        ["@harbordaily on X", "ivo@localhost", "Exports rose 5% @ noon."],
    ),
    "MOJIBAKE": (
        ["the ministryâ€™s plan", "cafÃ© owners", "Â\xa0Seoul"],
        ["the ministry’s plan", "café owners", "Ångström units"],
    ),
    "QUOTE_WITHOUT_STOP": (
        ['Missing sailor: his case is now on "Harbor Watch"', "„Wir bleiben“", "「記者会見」"],
        ['"We will stay."', "„Wir bleiben.“", "He left.", "Ferry fares rise", "A quote ends here: “ "],
    ),
    "WORD": (["Exports", "商品", "ブログ", "★"], ["", " ", "\n\t"]),
    "TEXT_WORD": (["Exports", "商品", "ブログ", "5%"], ["★ ☆ ♥", "– —", ""]),
    "INLINE_SHORTCODE": (
        ["[caption id=\"attachment_12\" align=\"alignnone\"]", "Text [/gallery] more", "[vc_row]"],
        ["[Interview] Minister on exports", "[1] footnote", "[captions]"],
    ),
    "HTML_TAG": (
        ['<div class="ad">', "</span>", "<br/>", "<img src=x alt=''>", "Text <p> more", "<iframe>"],
        ["<abbr title=x>", "a < b > c", "<divider>", "<paragraph>", "</ spans>"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_python_and_polars_agree(name: str) -> None:
    pattern = getattr(patterns, name)
    positive, negative = EXAMPLES[name]
    lines = positive + negative
    python = [bool(re.search(pattern, line)) for line in lines]
    vectorised = pl.DataFrame({"text": lines}).select(pl.col("text").str.contains(pattern)).to_series().to_list()
    assert python == vectorised
    assert python == [True] * len(positive) + [False] * len(negative)


def test_every_shared_pattern_has_examples() -> None:
    names = {n for n, v in vars(patterns).items() if n.isupper() and isinstance(v, str) and n != "CRAWLER_DATE"}
    names = {n for n in names if not n.startswith("_")}  # a private fragment of the patterns, not one itself
    assert names == set(EXAMPLES)


@pytest.mark.parametrize(
    ("text", "breaks"),
    [
        ("New York man pleads guilty to threatening to kill Rep. Ilhan Omar", False),
        ("Georgia Gov. Brian Kemp to visit Seoul for battery talks", False),
        ("LG Corp. Chairman Koo meets Vietnam's prime minister", False),
        ("Exports rose. Imports fell.", True),
        ("The Rep. Imports fell.", False),  # a title's stop is masked even where a sentence might end
    ],
)
def test_an_abbreviations_stop_breaks_no_sentence_in_python_and_polars(text: str, breaks: bool) -> None:
    """A title or a company's form before a name ends no sentence, alike in Python and polars."""
    masked = pl.select(pl.lit(text).str.replace_all(*patterns.ABBREVIATION_MASK)).item()
    assert any(patterns.sentence_breaks(text)) == bool(re.search(patterns.SENTENCE_BREAK, masked)) == breaks


def test_compiled_forms_are_the_patterns() -> None:
    assert patterns.SENTENCE_END_RE.pattern == patterns.SENTENCE_END
    assert patterns.SENTENCE_BREAK_RE.pattern == patterns.SENTENCE_BREAK


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Exports rose 5 percent.", 4),
        ("輸出が増えた。輸入は減った。", 7),
        ("iPhoneのiOSを改造", 5),
        ("韓美 정상회담", 2),
    ],
)
def test_words_count_alike_in_python_and_polars(text: str, words: int) -> None:
    """A word is a run of non-space characters, or two characters of Chinese or Japanese (no spaces between their
    words): a Japanese paragraph is as long as its English translation, not one word."""
    assert len(re.findall(patterns.WORD, text)) == words
    assert pl.select(pl.lit(text).str.count_matches(patterns.WORD)).item() == words


def test_agency_signoff_ends_a_sentence() -> None:
    # The case that once came out is_truncated=True: the clean stage and the layouts now share this pattern.
    assert ends_like_sentence("The average price of cars rose 4 percent, data showed. (Yonhap)")
