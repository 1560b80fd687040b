"""General evidence about each unit of a page: is it a date stamp, a byline, a masthead, chrome, a headline, prose?

``evidence_frame`` computes it for a whole batch of pages at once: the costly tests (the rule table, scripts,
canonical forms, sentence shapes) are polars columns; the few per-unit Python checks (date stamps, bylines,
headline and category shapes) only run on the short units a column pre-selected. ``Evidence`` is one unit's
verdict, which the layouts combine with the unit's position to decide roles.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

import polars as pl

from pipeline import rules
from pipeline.dates import (
    SHORT_DATE_HINT,
    YEAR_HINT,
    DateStamp,
    date_stamp,
    find_dates,
    parse_iso,
    without_stamp_label,
)
from pipeline.patterns import (
    ABBREVIATION_MASK,
    CRAWLER_DATE_SUFFIX,
    EMAIL,
    INLINE_SHORTCODE,
    INTERVIEW_CUE,
    MOJIBAKE,
    QUOTE_WITHOUT_STOP,
    SENTENCE_BREAK,
    SENTENCE_END,
    WIRE_AGENCIES,
    WORD,
)
from pipeline.text import canonical_column, word_count

SEPARATOR = r"^[-–—_=*~•·.]{1,5}$"
# The wire agencies a reporter wrote with ('By Dana Whitfield with AP', 'Von Diana Resnik mit dpa', 'avec AFP'), or
# beside ('Par Le Figaro et AFP', 'Von Diana Resnik und dpa').
_AGENCY_NAME = r"(?:[A-Z]{2,6}|" + "|".join(WIRE_AGENCIES) + ")"
_WITH_AGENCY = (
    r"(?:\s+(?:with|mit|avec|con|com|and|und|et|y|e)\s+"
    r"(?:" + _AGENCY_NAME + r"|[Aa]gencies|[Aa]genturen|[Aa]gences|[Aa]gencias)"
    r"(?:\s*(?:/|,|and|und|et|y|e)\s*" + _AGENCY_NAME + r")*)?"
)
# What may close a byline after the name: those agencies, then the writer's e-mail ('(dana@harbor.example)').
BYLINE_SUFFIX = _WITH_AGENCY + r"(?:\s*[(<\[]?\s*(?P<email>[^\s()<>\[\]@]+@[^\s()<>\[\]]+)\s*[)>\]]?)?"
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|bin|al|da|del))*"
# A reporter's role after the name ('staff reporter', 'Business Correspondent'): not part of the name.
_ROLE = r"(?:[A-Z][a-z]+\s+|staff\s+|senior\s+)?(?:[Rr]eporter|[Cc]orrespondent|[Ww]riter|[Ee]ditor)s?\b"
# ... or before it, one writer's ('Reporter Dana Whitfield', 'By Staff Reporter Dana Whitfield'; 'By Reporters Without
# Borders' names a group).
REPORTER_ROLE = r"(?:[Rr]eporter|[Cc]orrespondent)"
_ROLE_BEFORE_NAME = rf"(?:[A-Z][a-z]+\s+|[Ss]taff\s+|[Ss]enior\s+)?(?:{REPORTER_ROLE}|Writer|Editor)"
ROLE_LINE = re.compile(rf"{_ROLE}\.?")  # the role alone on its line, under the writer's name ('Staff Reporter')
# What a byline may call the piece before 'by' or 'von' ('Written by', 'Posted by', 'Ein Kommentar von').
BYLINE_LABEL = (
    r"(?:(?:[Aa]n?|[Ee]ine?)\s+)?(?:[Ww]ritten|[Pp]osted|[Rr]eported|[Aa]nalysis|[Oo]pinion|[Cc]ommentary|[Cc]olumn"
    r"|[Ee]ssay|[Rr]eview|[Kk]ommentar|[Kk]olumne|[Aa]nalyse|[Gg]astbeitrag|[Gg]losse|[Rr]eportage)\s+"
)
BYLINE = re.compile(
    # The writer's role may stand before the name ('By Staff Reporter Dana Whitfield', 'By Honorary Reporter X').
    rf"(?:[•·▪|]\s*)?(?:{BYLINE_LABEL})?[Bb][Yy]:?\s+(?:{_ROLE_BEFORE_NAME}\s+)?"
    rf"(?P<name>{_NAME}(?:\s*(?:,|and|&)\s*(?!{_ROLE}){_NAME})*)"
    # A role after the name, or an affiliation after a bar, slash or dash ('By X | Special to the Harbor Daily'), or
    # where the writer is from ('By X from Norland'); a bar that parted it from a date on the same row of the page may
    # be left at the end ('By X |'), and a blog's section after 'in' ('Posted November 19, 2031 by X in Energy').
    rf"(?:\s*[,|–—-]\s*{_ROLE}|\s+[|/–—-]\s+[^|]{{1,60}}|\s+from\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{0,2}})?"
    + BYLINE_SUFFIX
    + r"(?:\s+in\s+[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,3})?\.?(?:\s*[|·•])?",
)
_PERSON = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|bin|al|da|del))+"  # at least two words
REPORTER_BYLINE = re.compile(
    rf"(?:[•·]\s*)?(?:[Rr]eporter\s+(?P<n1>{_PERSON})"
    rf"|(?P<n2>{_PERSON}?),?\s+{_ROLE})"  # the shortest name: 'Staff' in 'X Y Staff Writer' is the role's
    + BYLINE_SUFFIX
    + r"\.?"
)
# 'By' in German, French, Spanish or Portuguese, Dutch and Italian, over a name of two words at least ('von Andreas
# Kurz', 'Por María López y Juan Pérez', 'di Luca Monaco', 'Von: Hanna Berg'): one capitalised word after 'Par' or
# 'Por' is as often a headline's ('Por Qué'), and a capitalised 'Di' starts Italian names ('Di Maio Rilancia'). The
# writer's role, desk or agency may follow a comma ('Von Hannah Ritzmann, Redakteurin für Finanzen', '..., dpa').
OTHER_LANGUAGE_BYLINE = re.compile(
    rf"(?:[•·▪|]\s*)?(?:{BYLINE_LABEL})?(?:[Vv]on|[Pp]ar|[Pp]or|[Dd]oor|di):?\s+"
    rf"(?P<name>{_PERSON}(?:\s*(?:,|und|et|y|e|en)\s*{_PERSON})*)"
    rf"(?:\s*,\s*(?:[A-Z][^,|]{{1,40}}|{_AGENCY_NAME}))?" + BYLINE_SUFFIX + r"\.?"
)
# A byline under a label ('Autor: Monika Bolliger und Anna Trechsel, Sweidah', 'Author: Dana Whitfield', a
# broadcaster's 'Reporter : Dana Whitfield'), in the languages of news pages, over a name of two words at least;
# the writer's place or role may follow a comma, or their office in parentheses ('Author: X (Hanoi Trade Center)').
LABELLED_BYLINE = re.compile(
    rf"(?:[•·▪|]\s*)?(?:[Aa]uthor|[Aa]utor(?:in|en)?|[Aa]uteur|[Aa]utore|[Aa]utora|[Rr]eporter|[Cc]orrespondent)s?\s*:\s*"
    rf"(?P<name>{_PERSON}(?:\s*(?:,|and|und|et|y|e|&)\s*{_PERSON})*)(?:\s*,\s*[A-Z][^,|]{{1,40}}|\s*\([^()]{{1,40}}\))?"
    + BYLINE_SUFFIX
    + r"\.?"
)
# A re-posted story credited to where it first ran, alone on its line above the lead ('According to Yonhap News,').
ATTRIBUTION_BYLINE = re.compile(rf"[Aa]ccording\s+to\s+(?P<name>{_NAME})\s*[,:]?")
# A desk credited as a whole ('Reuters Staff', 'Herald Staff Writers'), alone on its line.
STAFF_BYLINE = re.compile(
    r"(?:[•·▪|]\s*)?(?P<name>[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4}\s+[Ss]taff(?:\s+(?:[Ww]riter|[Rr]eporter)s?)?)"
)
# A Korean, Chinese or Japanese reporter's credit alone on its line: the name and 'reporter' after it
# ('박민수 기자', '박민수·이지은 기자', '박민수 기자 외 1명': and one more, 'X 선임기자 minsu@example.kr';
# '田中太郎記者'), or 'reporter' first in Chinese ('记者 张伟', '本报记者 张伟': the paper's). A place may come first
# ('순천 박민수 기자').
_HANGUL_NAME = r"[가-힣]{2,4}"
EAST_ASIAN_BYLINE = re.compile(
    rf"(?:[가-힣]{{2,6}}(?:,\s*[가-힣]{{2,6}})*\s+)??(?P<name>{_HANGUL_NAME}(?:\s*[·,]\s*{_HANGUL_NAME})*)\s*"
    r"(?:선임|수석|객원|전문|인턴)?기자(?:\s*외\s*\d+\s*명)?(?:\s+" + EMAIL + r")?|"
    r"(?P<name2>[\u4e00-\u9fff]{2,4})\s*記者|"
    r"[\u4e00-\u9fff]{0,6}记者\s*(?P<name3>[\u4e00-\u9fff]{2,4}(?:\s+[\u4e00-\u9fff]{2,4})*)"
)
# Word edges spelled out: a Unicode word boundary sends polars' regex engine to its slow path.
BYLINE_HINT = (
    r"(?i)(?:^|[^a-z])(?:by|staff)(?:[^a-z]|$)|reporter|correspondent|^according to|"
    rf"(?:^|[|·•/])[•·▪|\s]*(?:{BYLINE_LABEL})?(?:von|par|por|door|di):?\s|^[•·▪|\s]*aut(?:hor|or|eur)|기자|記者|记者"
)
_SOURCE_NOUNS = (
    "Herald|Times|Post|Journal|Gazette|Tribune|Daily|Ilbo|Press|Agency|Newswire|Telegraph|Chronicle|Observer|"
    "Economist|Recorder|Insider|Newsroom|Wire|Standard|Guardian|Independent|Courier|Monitor|Globe|Shimbun|Sinmun"
)
OUTLET = rf"(?:The\s+)?(?:[A-Z][\w&'’.-]*\s+){{0,4}}(?:{_SOURCE_NOUNS})"  # an outlet's name: 'Harbor News Agency'
MASTHEAD = rf"^{OUTLET}$"
MASTHEAD_MAX_WORDS = 6
_SMALL_WORDS = {"and", "of", "&", "the", "in", "for", "on", "to", "a"}
# Words a headline capitalised word by word leaves in lower case too ('New Frita Opens at Downtown Corner').
HEADLINE_SMALL_WORDS = _SMALL_WORDS | {"at", "by", "with", "from", "as", "or", "an", "vs"}
CATEGORY = r"[A-Z0-9][\w&'’.-]*(?:\s*[/&,|]\s*|\s+)?(?:[A-Za-z0-9][\w&'’.-]*(?:\s*[/&,|]\s*|\s+)?){0,4}"
TRAILING_ISO_DATE = re.compile(r"\s+(?P<date>(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2})\s*$")
# A leading bullet ('- ', '• ', or a bullet rendered as the letter 'l' before a capital); 'kept' is text.
LEADING_BULLET = r"^\s*(?:[-–—•·▪*]\s+|l\s+(?P<kept>[A-Z]))"
LEADING_BULLET_RE = re.compile(LEADING_BULLET)
# The same, in the syntax both engines read (no look-ahead): used on columns.
_TRAILING_ISO_DATE = r"\s+(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2}\s*$"
# A bracketed desk or series tag in front of a headline ('[Interview] ...'); 'kept' is the headline's start.
DESK_TAG = r"^(?P<tag>\[[^\[\]]{1,30}\])\s*(?P<kept>\S)"
DESK_TAG_RE = re.compile(DESK_TAG)
DECK_BULLET = r"^\s*(?:[•·▪■◆▶-]|l)\s+[A-Z0-9]"
# A credit in parentheses or brackets after a sentence's stop ('... on Monday. (Posco)', '... on Sept. 14. [YONHAP]'),
# opening with a letter (a reference's number is none: '... sites.[67]').
CREDIT_SUFFIX = re.compile(r"""[.!?]['"’”]?\s*[(\[]\s*(?P<credit>[^\W\d_][^()\[\]]{1,59})[)\]]\s*$""")
# A dateline's state or country after its place ('BUFFALO, N.Y.', 'DUBAI, United Arab Emirates').
_STATE_OR_COUNTRY = r"(?:,\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,2})?"
# 'SEOUL, May 1 (Yonhap) --', or without the date 'SEOUL (Reuters) -' (the place then in capitals, with its state
# or country after a comma: 'HAYWARD, Calif. (AP) —', 'DUBAI, United Arab Emirates (AP) —').
DATELINE_AGENCY = re.compile(
    r"^(?:[A-Z][A-Za-z .'-]{1,40},?\s+[A-Z][a-z]{2,4}\.?\s+\d{1,2}"
    rf"|[A-Z][A-Z .'-]{{1,40}}{_STATE_OR_COUNTRY})\s+"
    r"\((?P<agency>[A-Z][\w .&-]{1,30})\)\s*(?:--|—|–|-)"
)
# A place in capitals, as a story's dateline prints it ('NEW DELHI', "ST. JOHN'S").
PLACE_IN_CAPITALS = r"[A-Z][A-Z .'’-]{3,30}"
# A story's dateline without an agency: its place in capitals, with its state or country after a comma, then a colon
# or a dash ('NEW DELHI: ...', 'BUFFALO, N.Y. — ...'). Words in capitals that label a paragraph instead ('UPDATE:',
# 'EDITOR'S NOTE:', 'DEAR ABBY:') are no place.
DATELINE = re.compile(
    r"^(?!(?:UPDATE[DS]?|NOTE|EDITOR'?S NOTE|EXCLUSIVE|BREAKING|WATCH|VIDEO|PHOTOS?|READ|ALSO READ|DEAR)\b)"
    rf"{PLACE_IN_CAPITALS}{_STATE_OR_COUNTRY}\s*(?::|—|–|--|\s-)\s+\S"
)
BRACKET_REPORTER = re.compile(
    r"^\[(?:[\w .]+\s)?(?:[Rr]eporter|[Cc]orrespondent|[Ww]riter)s?\s+(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3})\]"
)
# Scripts of letters, for telling a page's own script from short lines in another one.
SCRIPTS = {  # name: the character class of its letters
    "LATIN": r"\p{Latin}",
    "HANGUL": r"\p{Hangul}",
    "CJK": r"\p{Han}\p{Hiragana}\p{Katakana}",
    "CYRILLIC": r"\p{Cyrillic}",
    "ARABIC": r"\p{Arabic}",
    "GREEK": r"\p{Greek}",
    "THAI": r"\p{Thai}",
}
SCRIPT_SAMPLE_CHARS = 120  # scripts are counted on a unit's first characters
CANON_CHARS = 300  # canonical forms compare units by their first characters (learned lines are far shorter)
SCRIPT_SAMPLE_UNITS = 200  # the dominant script of a page is read from its first units
FOREIGN_MAX_WORDS = 12
DATE_STAMP_MAX_CHARS = 120  # longer lines are not date stamps: only shorter ones are parsed for one
HEADLINE_MAX_WORDS = 30
HEADLINE_MAX_CHARS = 250
CATEGORY_MAX_WORDS = 4
CATEGORY_MAX_CHARS = 40
TITLE_CASE_MAX_WORDS = 20  # title capitalisation is tested on units of PROSE_MIN_WORDS up to this many words
PROSE_MIN_WORDS = 8
PROSE_SURE_WORDS = 25
# A teaser's headline glued to its first sentence (_glued_teaser): the headline runs up to two lower-case letters or
# digits, or a closing quote or mark, with a capital right after it, which starts the sentence's first word...
TEASER_GLUE = r"^(.*?(?:\p{Ll}{2}|\d{2}|[\p{Ll}\d]['\"’”?!]))\p{Lu}\p{Ll}*[\s,'’]"
TEASER_HEADLINE_WORDS = 5
TEASER_SENTENCE_WORDS = 6
TEASER_MAX_WORDS = 80
TEASER_LIST_REACH = 2  # ... and another such line is at most this many units away
# ... or it is printed over the story's dateline, a place in capitals and a colon.
TEASER_DATELINE = rf"^(?P<head>.+?)\s(?P<place>{PLACE_IN_CAPITALS}):\s+\p{{Lu}}"


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # separator | crawler_date | date | byline | chrome | end | caption | source | prose | headline | short
    rule: str | None = None
    stamp: DateStamp | None = None
    name: str | None = None  # byline or masthead name
    learned: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Shape:
    """Facts about a unit's text that the layouts compare and test (computed once, as columns)."""

    canon: str  # canonical form of the text
    core: str  # canonical form without a leading bullet or a trailing ISO date (headline comparisons)
    words: int
    prose: bool
    headline: bool
    category: bool
    deck_bullet: bool
    credit_suffix: bool
    ends_sentence: bool  # a stop at its end; a quotation closed with no stop before its mark is none (quote_closed)
    rule: str | None  # the rule-table row the whole unit matches, if any
    marker: tuple[int, str] | None  # a crawler date marker glued to the end: (where it starts, its date)


def _on_rows(frame: pl.DataFrame, rows: pl.Expr, **columns: pl.Expr) -> pl.DataFrame:
    """Add boolean ``columns`` computed only on the ``rows`` they can be true for (False elsewhere): the costly
    word-level tests then never read long paragraphs."""
    numbered = frame.with_row_index("_row")
    part = numbered.filter(rows).select("_row", **columns)
    joined = numbered.join(part, on="_row", how="left", maintain_order="left").drop("_row")
    return joined.with_columns(pl.col(name).fill_null(False) for name in columns)


def _headline_like(s: pl.Expr) -> pl.Expr:
    """Short, starts like a headline, does not end like a sentence (abbreviations such as 'Nov.' allowed).

    A leading bullet, and a bracketed desk or series tag in front ('[Interview] ...'), belong to the headline.
    Scripts without letter case (Hangul, CJK) can start a headline too, and so can an opening quotation mark or
    question or exclamation mark, as other languages print them ('„Wir bleiben“: ...', '«Nous restons»', '¿Qué ...?').
    """
    text = s.str.replace(LEADING_BULLET, "${kept}").str.replace(DESK_TAG, "${kept}")
    words = text.str.count_matches(WORD)
    cut_word = text.str.contains(r"(?:^|\s)\S{5,}\.$") & ~text.str.contains(r"(?:^|\s)(?:[A-Z]\.){2,}$")
    return (
        words.is_between(2, HEADLINE_MAX_WORDS)
        & (text.str.len_chars() <= HEADLINE_MAX_CHARS)
        & text.str.contains(r"^(?:[\p{Lu}\p{Nd}'\"‘“„‚«»¿¡(]|[\p{L}--\p{Ll}])")
        & ~cut_word
        & ~_sentence_break(text)  # two sentences are prose
    )


def _sentence_break(s: pl.Expr) -> pl.Expr:
    """Whether a line holds two sentences (SENTENCE_BREAK, abbreviations' stops masked)."""
    return s.str.replace_all(*ABBREVIATION_MASK).str.contains(SENTENCE_BREAK)


def _title_case(s: pl.Expr) -> pl.Expr:
    """Headline capitalisation: most words that are not small function words start with a capital."""
    content, capitalised = _capitalised_words(s)
    return (content >= 3) & (capitalised >= 0.7 * content)


def _capitalised_words(s: pl.Expr, small: set[str] = _SMALL_WORDS) -> tuple[pl.Expr, pl.Expr]:
    """(words that are not ``small`` function words, how many of them start with a capital)."""
    words = s.str.extract_all(r"[A-Za-z][\w'’-]*").list.eval(
        pl.element().filter(~pl.element().str.to_lowercase().is_in(sorted(small)))
    )
    return words.list.len(), words.list.eval(pl.element().str.contains(r"^[A-Z]").cast(pl.UInt32)).list.sum()


def _glued_teaser(s: pl.Expr, words: pl.Expr) -> pl.Expr:
    """A teaser printed as one line: a headline glued to its story's first sentence, either run together ('... Bill
    At Troy SteakhouseA party of six left ...') or over the story's dateline ('... may soon be deemed stateless
    WASHINGTON: Expressing concern over ...'). A mega-menu's latest headlines are printed so: such a line has a
    paragraph's words and sentence, but it is no paragraph (evidence_frame asks for a list of them).

    Run together, the headline is capitalised word by word (at least TEASER_HEADLINE_WORDS of them, so that a brand
    glued into a sentence, 'Microsoft PowerPoint is ...', is not one) and the sentence reads as one (mostly
    lower-case words). Over a dateline, the line is long, the headline ends no sentence, and the place is spelled
    like a place, not an acronym ('NEW DELHI:', not 'HBB:')."""
    glued_head = s.str.extract(TEASER_GLUE, 1)
    tail = s.str.slice(glued_head.str.len_chars())
    tail_words = tail.str.count_matches(r"\S+")
    lower_words = tail.str.count_matches(r"\s\p{Ll}")
    content, capitalised = _capitalised_words(glued_head, HEADLINE_SMALL_WORDS)
    run_together = (
        (content >= TEASER_HEADLINE_WORDS)
        & (capitalised == content)
        & ~glued_head.str.contains(r"[•|@#]")
        & (tail_words >= TEASER_SENTENCE_WORDS)
        & (2 * lower_words >= tail_words - 1)
    )
    dateline = s.str.extract_groups(TEASER_DATELINE)
    head, place = dateline.struct.field("head"), dateline.struct.field("place")
    over_dateline = (
        (words >= PROSE_SURE_WORDS)
        & head.str.count_matches(r"\S+").is_between(3, HEADLINE_MAX_WORDS)
        & ~head.str.contains(r"[.!?]['\"’”]?(?:\s|$)|[:|]")
        & ~place.str.contains(r"[BCDFGHJKLMNPQRSTVWXZ]{4}")
    )
    return run_together.fill_null(False) | over_dateline.fill_null(False)


SITE_DOMAIN_END = r"\w\.[a-z]{2,4}\s*$"  # a line closed by a domain's top level ('Korea.net', 'harbor.co.kr')


def _category_like(s: pl.Expr) -> pl.Expr:
    """A section label: a few capitalised words ('Business', 'Science & Tech'), small function words allowed. A
    leading bullet belongs to the label, as to a headline (a breadcrumb's items: '• News & Event'). A site's domain
    ('Korea.net', 'Harbor.com') names the site, not a section."""
    s = s.str.replace(LEADING_BULLET, "${kept}")
    uncapitalised = s.str.extract_all(r"[^\s/&,|]+").list.eval(
        ~pl.element().str.contains(r"^[\p{Lu}\d]") & ~pl.element().str.to_lowercase().is_in(sorted(_SMALL_WORDS))
    )
    return s.str.contains(f"^(?:{CATEGORY})$") & ~uncapitalised.list.any() & ~s.str.contains(SITE_DOMAIN_END)


# What joins the writers a byline names ('Dana Whitfield, Ara Kwon and Piet Ronde', 'X und Y', 'X og Y', 'X | Y').
WRITERS_JOINED = re.compile(r"\s*(?:,|&|\||\band\b|\bund\b|\bet\b|\by\b|\bog\b)\s*")
BYLINE_MAX_WORDS = 8  # the names a byline prints run this long at most (a headline opening with 'By' runs longer),
WRITER_MAX_WORDS = 3  # ... unless it names three writers or more, each in this many words at most


def _names_fit(names: str) -> bool:
    """Whether a byline's names are as long as names run: BYLINE_MAX_WORDS in all, or three writers or more of
    WRITER_MAX_WORDS each ('Von Dana Whitfield, Ara Kwon, Piet Ronde und Mira Holm')."""
    writers = WRITERS_JOINED.split(names)
    return word_count(names) <= BYLINE_MAX_WORDS or (
        len(writers) >= 3 and all(0 < word_count(writer) <= WRITER_MAX_WORDS for writer in writers)
    )


def byline_name(text: str) -> str | None:
    m = BYLINE.fullmatch(text.strip())
    if m and _names_fit(m.group("name")):
        return m.group("name").strip()
    m = REPORTER_BYLINE.fullmatch(text.strip())
    if m:
        return (m.group("n1") or m.group("n2")).strip()
    m = OTHER_LANGUAGE_BYLINE.fullmatch(text.strip()) or LABELLED_BYLINE.fullmatch(text.strip())
    if m and _names_fit(m.group("name")):
        return m.group("name").strip()
    m = EAST_ASIAN_BYLINE.fullmatch(text.strip())
    if m:
        return m.group("name") or m.group("name2") or m.group("name3")
    m = STAFF_BYLINE.fullmatch(text.strip()) or ATTRIBUTION_BYLINE.fullmatch(text.strip())
    return m.group("name") if m else None


def _fix_mojibake(values: pl.Series) -> pl.Series:
    import ftfy

    return pl.Series([ftfy.fix_text(v) for v in values], dtype=pl.String)


def compared(units: pl.DataFrame) -> pl.DataFrame:
    """The units with ``s``, the text their evidence reads (inline shortcodes out, mojibake repaired), and ``canon``,
    the canonical form of its first CANON_CHARS characters: what is compared with the learned boilerplate lines."""
    # Shortcodes glued into a paragraph say nothing about what the paragraph is (clean removes them).
    stripped = pl.col("text").str.replace_all(INLINE_SHORTCODE, " ").str.strip_chars()
    frame = units.with_columns(s=stripped)
    if frame.select(pl.col("s").str.contains(MOJIBAKE).any()).item():
        # Classify what the writer wrote ('â€¢ Link copied' is '• Link copied').
        bad = pl.col("s").str.contains(MOJIBAKE)
        fixed = pl.col("s").map_batches(_fix_mojibake, return_dtype=pl.String)
        frame = frame.with_columns(s=pl.when(bad).then(fixed).otherwise("s"))
    return frame.with_columns(canon=canonical_column(frame, pl.col("s").str.slice(0, CANON_CHARS)))


def evidence_frame(frame: pl.DataFrame, learned: frozenset[str]) -> pl.DataFrame:
    """The units (`compared(units(lines))`: the parse stage compares them once for its learned keys and for this)
    with the columns their evidence is read from (one pass of vectorised tests over the batch).

    Costly tests only read as much of a unit as can matter: a rule is only tried on units up to its max_chars,
    scripts are counted on a unit's first characters, and only where a letter outside
    the Latin script occurs there.
    """
    learned_keys = pl.Series(sorted(learned), dtype=pl.String)
    s = pl.col("s")
    # Columns, not expressions: polars would count the words of every unit again in each test that reads them.
    frame = frame.with_columns(chars=s.str.len_chars(), words=s.str.count_matches(WORD))
    chars, words = pl.col("chars"), pl.col("words")
    half = (chars - 1) // 2
    frame = frame.with_columns(
        separator=s.str.contains(SEPARATOR),
        masthead=(words <= MASTHEAD_MAX_WORDS) & s.str.slice(0, 120).str.contains(MASTHEAD),
        doubled=(chars >= 41) & (s.str.slice(0, half).str.strip_chars() == s.str.slice(half + 1).str.strip_chars()),
        ends_sentence=s.str.slice(-80).str.contains(SENTENCE_END),
        # A line closed by a quotation mark alone is shaped like a headline ('Kate Moss: "Was ich nicht will"'), not
        # like a paragraph: it ends no sentence for the layouts. The line model reads `ends_sentence`, the feature
        # it was fitted on, and whether a body ends complete (clean) reads SENTENCE_END alone.
        quote_closed=s.str.slice(-80).str.contains(QUOTE_WITHOUT_STOP),
        sentence_break=_sentence_break(s),
        deck_bullet=pl.col("text").str.contains(DECK_BULLET),
        credit_suffix=s.str.slice(-80).str.contains(CREDIT_SUFFIX.pattern),
        date_candidate=(chars <= DATE_STAMP_MAX_CHARS) & s.str.contains(YEAR_HINT),
        short_date_candidate=(chars <= DATE_STAMP_MAX_CHARS) & s.str.contains(SHORT_DATE_HINT),
        byline_candidate=(words <= 16) & s.str.slice(0, 160).str.contains(BYLINE_HINT),
        # The marker ends the unit: where it starts is the length of what is left without it (and its stop).
        marker_at=pl.when(pl.col("text").str.contains(CRAWLER_DATE_SUFFIX)).then(
            pl.col("text").str.replace(CRAWLER_DATE_SUFFIX, "${stop}").str.len_chars()
        ),
        marker_date=pl.col("text").str.extract_groups(CRAWLER_DATE_SUFFIX).struct.field("date"),
    )
    frame = _on_rows(frame, words <= HEADLINE_MAX_WORDS, headline=_headline_like(s))
    frame = _on_rows(frame, words.is_between(PROSE_MIN_WORDS, TITLE_CASE_MAX_WORDS), title_case=_title_case(s))
    frame = _on_rows(
        frame, (words <= CATEGORY_MAX_WORDS) & (pl.col("chars") <= CATEGORY_MAX_CHARS), category=_category_like(s)
    )
    # A long unit is prose unless it is a menu run together: no sentence anywhere in it, and capitalised like a
    # headline (a search form's drop-down, 'All Categories Agriculture Aviation Budget 2014/2015 Cabinet ...'), or
    # twice as long and without a single mark of punctuation (a tag cloud, 'adote um amigo agua alerta ...'; a
    # standfirst may print a long sentence with no stop).
    frame = frame.with_columns(ends_like_sentence=pl.col("ends_sentence") & ~pl.col("quote_closed"))
    sentence = pl.col("ends_like_sentence") | pl.col("sentence_break")
    menu_run = (words >= PROSE_SURE_WORDS) & ~sentence
    tag_cloud = (words >= 2 * PROSE_SURE_WORDS) & ~s.str.contains(r"[,;:.!?()\[\]\"“”«»]")
    frame = _on_rows(frame, menu_run, menu_run=_title_case(s) | tag_cloud)
    glue = s.str.contains(TEASER_GLUE) | s.str.contains(TEASER_DATELINE)
    teaser_sized = words.is_between(TEASER_HEADLINE_WORDS + TEASER_SENTENCE_WORDS, TEASER_MAX_WORDS)
    frame = _on_rows(frame, teaser_sized & glue, glued_teaser=_glued_teaser(s, words))
    # Teasers come in lists: a glued line alone among paragraphs is a sentence that names a brand ('... Standards
    # (KATS) for TotalEnergies and group companies ...').
    glued = pl.col("glued_teaser")
    listed = pl.any_horizontal(
        glued.shift(step).over("file").fill_null(False)
        for step in range(-TEASER_LIST_REACH, TEASER_LIST_REACH + 1)
        if step
    )
    frame = frame.with_columns(glued_teaser=glued & listed)
    frame = frame.with_columns(
        prose=(
            ((words >= PROSE_SURE_WORDS) & ~pl.col("menu_run"))
            | ((words >= PROSE_MIN_WORDS) & ~pl.col("title_case") & sentence)
            # A wire dateline opens a paragraph however it ends ('HAYWARD, Calif. (AP) — The Latest on ... (all
            # times local):').
            | ((words >= PROSE_MIN_WORDS) & s.str.contains(DATELINE_AGENCY.pattern))
            | s.str.contains(INTERVIEW_CUE)
        )
        & ~pl.col("glued_teaser"),
        headline=pl.col("headline") & ~pl.col("glued_teaser"),
    )
    # A leading bullet is punctuation to the canonical form; only a bullet 'l' and a trailing date need cutting.
    core = pl.when(s.str.contains(r"^l\s+[A-Z]")).then(pl.col("canon").str.slice(1)).otherwise(pl.col("canon"))
    core = (
        pl.when(s.str.slice(-14).str.contains(_TRAILING_ISO_DATE))
        .then(core.str.replace(r"(?:19|20)\d{4,6}$", ""))
        .otherwise(core)
    )
    frame = frame.with_columns(
        core=core, rule=rules.first_rule(frame["s"]), learned=pl.col("canon").is_in(learned_keys.implode())
    )
    return _with_scripts(frame)


def _with_scripts(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``foreign``: a short unit mostly in another script than its page's (the page's: most letters among
    its first units' first characters; ties in name order). Letters are only counted script by script in units
    where a letter outside the Latin script occurs; elsewhere every letter is Latin."""
    head = pl.col("s").str.slice(0, SCRIPT_SAMPLE_CHARS)
    frame = frame.with_row_index("_row").with_columns(
        _other=head.str.contains(r"[\p{L}--\p{Latin}]"), _letter=head.str.contains(r"\p{L}")
    )
    names = sorted(SCRIPTS)
    mixed = frame.filter("_other").select(
        "_row",
        _letters=head.str.replace_all(r"[^\p{L}]+", "").str.len_chars(),
        **{f"_{name}": head.str.replace_all(f"[^{SCRIPTS[name]}]+", "").str.len_chars() for name in names},
    )
    latin_letters = pl.when(pl.col("_letter")).then(head.str.len_chars()).otherwise(0).cast(pl.UInt32)
    frame = frame.join(mixed, on="_row", how="left", maintain_order="left").with_columns(
        _letters=pl.coalesce("_letters", latin_letters),
        _LATIN=pl.coalesce("_LATIN", latin_letters),
        **{f"_{name}": pl.col(f"_{name}").fill_null(0) for name in names if name != "LATIN"},
    )
    sums = (
        frame.filter(pl.col("idx") < SCRIPT_SAMPLE_UNITS)
        .group_by("file")
        .agg(**{f"_total_{name}": pl.col(f"_{name}").sum() for name in names})
    )
    frame = frame.join(sums, on="file", how="left", maintain_order="left")
    totals = [pl.col(f"_total_{name}") for name in names]
    best = pl.max_horizontal(totals)
    own = pl.coalesce(
        [
            pl.when((best > 0) & (total == best)).then(pl.col(f"_{name}"))
            for name, total in zip(names, totals, strict=True)
        ]
    )
    return frame.with_columns(
        foreign=(pl.col("words") <= FOREIGN_MAX_WORDS)
        & (pl.col("_letters") > 0)
        & (own.fill_null(pl.col("_letters")) / pl.col("_letters") < 0.5)
    ).drop("_row", "_other", "_letter", "_letters", *[f"_{name}" for name in names], *[f"_total_{n}" for n in names])


# The columns of ``evidence_frame`` that ``classify`` reads.
EVIDENCE_COLUMNS = ("s", "words", "canon", "core", "prose", "headline", "category", "ends_like_sentence",
                    "deck_bullet", "credit_suffix", "rule", "marker_at", "marker_date", "crawler_date", "separator",
                    "date_candidate", "short_date_candidate", "byline_candidate", "masthead", "learned", "doubled",
                    "foreign")  # fmt: skip


BYLINE_DATE_JOINERS = " ,|/·•-–—"  # what a page prints between a byline's name and its date ('By X // date')
# What parts the fields of a byline's or a stamp's line: a writer's name from their outlet or a label ('Dana
# Whitfield · Harbor Daily'), the time from the byline after it ('14:07 Uhr | Von Dana Whitfield').
FIELDS_PARTED = re.compile(r"\s*[·•|/]\s*|\s+[,–—-]\s*|,\s*")


def dated_byline(text: str) -> tuple[str, DateStamp] | None:
    """(name, date) of a byline with the date printed after the name on its line ('By Dana Whitfield, November
    19, 2019'; 'By Mike Wall 2019-11-18T20:51:19Z Science'), a date label between them or not ('By Ivo Brandt
    published 19 May 2019'), or after the date and a bar ('Do 25.04.31 | 14:07 Uhr | Von Dana Whitfield')."""
    found = find_dates(text)
    if not found:
        return None
    before = text[: found[0].start]
    name = byline_name(before.rstrip(BYLINE_DATE_JOINERS))
    if name is None:  # a date label or a joiner between them ('... published', 'By Dana Whitfield on')
        name = byline_name(without_stamp_label(before, joiner=True).rstrip(BYLINE_DATE_JOINERS))
    if name is None:
        name = next(filter(None, map(byline_name, FIELDS_PARTED.split(text[found[0].end :]))), None)
    return None if name is None else (name, DateStamp(found[0].value, None))


def classify(row: tuple) -> tuple[Evidence, Shape]:
    """One unit's evidence, from its row of ``evidence_frame`` (the values of EVIDENCE_COLUMNS, in that order;
    checks in the order that settles conflicts)."""
    (text, words, canon, core, prose, headline, category, ends_sentence, deck_bullet, credit_suffix, rule,
     marker_at, marker_date, crawler_date, separator, date_candidate, short_date_candidate, byline_candidate,
     masthead, learned, doubled, foreign) = row  # fmt: skip
    date_candidate = date_candidate or short_date_candidate
    kind, rule_name = rule.split(":", 1) if rule else (None, None)
    shape = Shape(
        canon=canon,
        core=core,
        words=words,
        prose=prose,
        headline=headline,
        category=category,
        deck_bullet=deck_bullet,
        credit_suffix=credit_suffix,
        ends_sentence=ends_sentence,
        rule=rule_name,
        marker=None if marker_at is None else (marker_at, marker_date),
    )
    if crawler_date is not None:
        value = parse_iso(crawler_date)
        return Evidence("crawler_date", "date_prefix", stamp=DateStamp(value, None) if value else None), shape
    if not text:
        return Evidence("chrome", "shortcode"), shape
    if separator:
        return Evidence("separator", "separator"), shape
    # Before the date stamp, which would read 'By Dana Whitfield | Nov. 19, 2031' as a section label and a date.
    dated = dated_byline(text) if byline_candidate and date_candidate else None
    if dated is not None:
        return Evidence("byline", name=dated[0], stamp=dated[1]), shape
    stamp = date_stamp(text) if date_candidate else None
    if stamp is not None:
        return Evidence("date", stamp=stamp), shape
    name = byline_name(text) if byline_candidate else None
    if name:
        return Evidence("byline", name=name), shape
    if masthead:
        return Evidence("source", name=text), shape
    return _kind(kind, rule_name, doubled, foreign, learned, prose, headline), shape


@cache
def _kind(kind: str | None, rule: str | None, doubled: bool, foreign: bool, learned: bool, prose: bool,
          headline: bool) -> Evidence:  # fmt: skip
    """The evidence of a unit that is no date, byline or masthead: a few distinct values, each built once."""
    if kind is not None:
        return Evidence(kind, rule, learned=learned)
    if doubled:
        return Evidence("caption", "caption_doubled", learned=learned)
    if foreign:
        return Evidence("chrome", "foreign_script_line", learned=learned)
    if learned:
        return Evidence("chrome", "repeated_across_documents", learned=True)
    if prose:
        return Evidence("prose")
    if headline:
        return Evidence("headline")
    return Evidence("short")
