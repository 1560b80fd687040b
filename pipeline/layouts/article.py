"""Single-article pages: the generic layout, and the crawler's date-prefixed variant.

The generic parser finds the lead (the first prose paragraph that is not a caption), chooses the headline
among the headline-like lines above it by evidence (a date or byline under it, the headline printed twice,
a date glued to it, its length), reads the metadata around it, and takes everything from the lead to the
first end marker as body. Nothing here knows a site: only the shapes of news pages.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator

from pipeline.dates import DATE_RE, DateStamp, carries_stamp, find_dates, without_reading_time, without_stamp_label
from pipeline.layouts import register
from pipeline.layouts.base import Document, Draft, Line, LineScores, Parsed, Segment
from pipeline.layouts.evidence import (
    BRACKET_REPORTER,
    BYLINE,
    BYLINE_DATE_JOINERS,
    BYLINE_LABEL,
    DATELINE,
    DATELINE_AGENCY,
    DESK_TAG_RE,
    FIELDS_PARTED,
    HEADLINE_MAX_CHARS,
    HEADLINE_MAX_WORDS,
    HEADLINE_SMALL_WORDS,
    LEADING_BULLET_RE,
    OTHER_LANGUAGE_BYLINE,
    OUTLET,
    PROSE_SURE_WORDS,
    REPORTER_ROLE,
    ROLE_LINE,
    TRAILING_ISO_DATE,
    WRITERS_JOINED,
    Evidence,
    Shape,
    byline_name,
    dated_byline,
)
from pipeline.patterns import (
    ABBREVIATION_STOP,
    BYLINE_OPENING_RE,
    EMAIL,
    INTERVIEW_CUE_RE,
    PHOTO_AGENCY,
    PICTURE_LABELS,
    SOURCE_LABELS,
    TIME_AGO,
    WIRE_AGENCIES,
    sentence_breaks,
)
from pipeline.rules import inline_too
from pipeline.text import canonical, word_count

GENERIC_NAME = "generic_article_v1"
LEAD_DATE = re.compile(rf"^\s*(?P<stamp>(?:{DATE_RE.pattern}))\s*[-–—|:]\s+(?=\S)", re.IGNORECASE)
# A transcript's speaker cue glued to the start of its lead ('Anchor: The country's exports ...').
BROADCAST_CUE = re.compile(
    r"^\s*[\[(]?(?:anchor|host|reporter|correspondent)(?: lead)?[\])]?\s*:\s+(?=\S)", re.IGNORECASE
)
SIGNOFF = re.compile(r"""(?<=[.!?"”’'])\s*\((?P<agency>[A-Z][\w .&-]{1,30})\)\s*$""")
# The reporter's e-mail closing the last paragraph ('... next spring. (name@paper.com)'): the sign-off, not text.
EMAIL_SIGNOFF = re.compile(rf"""(?<=[.!?"”’'])\s*[(<\[]\s*{EMAIL}\s*[)>\]]\s*$""")
COPYRIGHT_OWNER = re.compile(
    r"(?:copyright|ⓒ|©|\(c\))\s*(?:ⓒ|©|\(c\))?\s*(?:(?:19|20)\d\d\s*)?(?:by\s+)?"
    r"(?P<name>[A-Z][\w&'’. -]{1,60}?)\s*(?:\(|\.\s|,|\ball rights\b|$)",
    re.IGNORECASE,
)
_META_KINDS = ("date", "byline", "source")
_BYLINE_OR_DATE = ("byline", "date")  # what a headline stands over, and a deck may stand under
WRITER_OVER_STAMP = "writer_over_stamp"  # ... and a writer's name alone right over the date (_writers_over_stamps)
# 'By' on its own line, the writer's name on the next: in English, and in the languages OTHER_LANGUAGE_BYLINE reads
# ('Von'), there with no colon: 'Von:' alone is a search form's field ('posts by:'). A label with a colon does so too
# ('Author of the article:').
BY_ALONE = re.compile(
    rf"(?:{BYLINE_LABEL})?(?:[Bb][Yy]\s*:?|(?P<other>[Vv]on|[Pp]ar|[Pp]or|[Dd]oor|di))"
    r"|(?:[Aa]uthor(?: of the article)?|AUTHOR|[Ww]ritten by)\s*:"
)
NAME_SEPARATORS = ",;|·"  # what may end the name's line under it, before the agency on the next ('Dana Whitfield ,')
ROLE_BEFORE_NAME = re.compile(rf"^{REPORTER_ROLE}\s+(?=[A-Z])")  # 'Reporter Dana Whitfield'
GLUED_HANDLE = re.compile(r"(?<=[a-z])@\w{2,30}$")  # a writer's social handle glued to their name, its link's text
PUBLISHED_LABELS = (
    "published",
    "posted",
    "created",
    "released",
    "issued",
    "input",
    "write",
    "written",
    "입력",
    "등록",
    "작성",
)
# A byline glued to the end of the headline ('... hit 2 mln in 2023By Yonhap'), or printed after it on the same
# line where the word before 'By' is not capitalised, so 'By' cannot be a title-case headline's own word
# ('... cut emissions by half By Northwind Press', not 'Prices Driven By Strong Demand').
GLUED_BYLINE = re.compile(
    r"(?:(?<=[\w'’\")?!.])|(?:^|(?<=\s))[^\sA-Z]\S*\s+)"
    r"(?P<credit>By\s+(?P<name>[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}))\s*$"
)
# A page <title>: the headline, a bar or dash, and the site's name ('Exports rise | The Daily').
SITE_SUFFIX = re.compile(r"^(?P<head>.{10,}?)\s+[|–—]\s+[^|]{2,40}$")
# ... whose suffix is the outlet's name ('Headline | Harbor News Agency', 'Headline - Harbor Daily'): where the page
# prints its headline only so, the head is the title and the suffix the site's.
OUTLET_SUFFIX = re.compile(rf"^(?P<head>.{{10,}}?)\s+[|–—-]\s+(?P<outlet>{OUTLET})$")
# A headline printed twice on one line, with or without a space between the copies.
DOUBLED_TEXT = re.compile(r"^(?P<once>.{10,}?)\s*(?P=once)$")
# A photo credit ending a line: a caption, not a headline. In parentheses ('Hyundai Steel (Yonhap)'), labelled
# ('... bleibt vage. (Foto: REUTERS)', '... Kallas | Bildquelle: EU-Kommission', '... in Florida (Image: Getty)',
# '... Flagge. (Quelle: IMAGO/X)', glued to the last word: '... in Florida(Image: Getty)'), a stock or file picture's
# note ('... in your home (stock image)'), names or a site in parentheses or brackets after the last sentence ('...
# the plumes. (NASA's Goddard Space Flight Center/Name)', '... Seoul. [YONHAP]', '(site.com)'), a Korean caption's
# agency after its last sentence ('... 있다. 뉴시스'), a '©' and a name after the last sentence ('... scharf. ©
# Name/dpa'), a photographer's name and agency parted by a slash after it ('... en Madrid (España). Name Surname /
# Europa Press'), or a Korean paper's labelled credit after it ('... HBM4 chips. Photo=Samsung Electronics').
CREDIT_END = re.compile(
    r"\s\((?:[A-Z][\w&.'’-]*\s?){1,4}\)\s*$|"
    rf"[.!?]\s+(?i:{PICTURE_LABELS})\s?=\s?[^=()\[\]|]{{1,60}}$|"
    r"[.!?)]\s+(?:[A-ZÀ-ÖØ-Þ][\w'’-]+\s){0,2}[A-ZÀ-ÖØ-Þ][\w'’-]+\s?/\s?(?:[A-ZÀ-ÖØ-Þ][\w&'’-]*\s?){1,3}$|"
    rf"(?:[\s.](?:[(\[|]|[-–—]\s)|(?<=[^\W\d_])[(\[])\s*(?i:{PICTURE_LABELS}|{SOURCE_LABELS})\s*:\s*[^()\[\]|:]{{1,80}}[)\]]?\.?\s*$|"
    r"\((?i:(?:stock|file|archive) (?:image|photo|picture)|archivbild|archivfoto)\)[\s(]*$|"
    r"[.!?]\s*[(\[](?:[A-Z][\w&.'’-]*[\s/]?){1,8}[)\]]\s*$|\((?:www\.)?[\w-]+\.(?:com|org|net|[a-z]{2})\)\s*$|"
    r"다\.\s+[가-힣]{2,6}$|"
    r"[.!?|”“\"]\s*[©ⓒ]\s?[^\d\s©ⓒ][^©ⓒ]{1,80}$"
)
# A 'Label: value' field ('Tested by: X', 'RRP: £23.99', 'Last Updated : ...'); a line with two is a fact box.
FIELD = re.compile(r"(?:^|[\s|])[A-Z][A-Za-z]*(?: [A-Za-z]+)?\s?:\s*\S")
# A photo agency's name alone after a caption's last stop ('... in Seoul, Thursday. Yonhap', '... on Nov. 18. AFP').
AGENCY_AFTER_STOP = re.compile(rf"[.!?]['\"’”]?\s+(?P<agency>(?i:{PHOTO_AGENCY})|AP|EPA-EFE)\s*$")
METADATA_FIELD = "metadata_field"  # the rule of a field's label alone on its line, and of the value under it
# The labels of a press release's or a board's fields, each alone on its line over its value (`_fields_in_rows`).
FIELD_LABEL = re.compile(
    r"\s*(?:division|department|dept\.?|contact(?: person)?|person in charge|tel(?:ephone)?\.?|phone|fax|"
    r"attachments?|attached files?|담당\s?부서|담당자|연락처|첨부\s?파일)\s*:?\s*",
    re.IGNORECASE,
)
# Broadcast transcripts hand over to the reporter ('Reporter Kim Min-ji has the details.', 'Lee Ha-na has more.'), on
# a line of its own or at the end of the anchor's words: a sentence's start may hold the role before the name, which
# is no part of it ('... overseas. Reporter Kim Ha-neul has more.').
HANDOFF = re.compile(
    rf"(?:{REPORTER_ROLE}\s+(?P<n1>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){{1,3}})\s+(?:has|examines|reports|"
    rf"looks|explains|brings|takes|joins\s+us)\b|(?:^|[.!?]\s*)(?:{REPORTER_ROLE}\s+)?"
    r"(?P<n2>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){1,3})\s+has\s+(?:more|the details|the story|this report)\b|"
    # ... or the anchor's last sentence, the reporter's name and 'reports' ('Dana Whitfield reports from Busan.')
    r"(?:^|[.!?]\s+)(?:[Oo]ur\s+)?(?P<n3>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){1,3})\s+reports"
    r"(?:\s+from\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2})?\.\s*$)"
)
# Words every HANDOFF match holds: a paragraph without one is not searched (the regex tries every position of it).
HANDOFF_WORDS = ("eporter", "orrespondent", "has", "reports")
# The agency a page names, for the byline of a story whose only credit is a 'Reporting by ...; Editing by ...' line.
AGENCY = re.compile(r"\b(?P<agency>" + "|".join(WIRE_AGENCIES) + r")\b")
AGENCY_ALONE = re.compile(rf"\(\s*{AGENCY.pattern}\s*\)")  # '(Yonhap)' on its own line
# A wire agency's house style of credit, which its copy keeps wherever it is printed: Reuters closes a story with
# '(Reporting by X; Editing by Y)', the reporters, then the editors, after a semicolon.
CREDIT_STYLE_AGENCY = (
    ("Reuters", re.compile(r"\(\s*(?:additional )?reporting by [^;()]+;[^()]*\bediting by ", re.IGNORECASE)),
)
# A line that is one quotation from its first character to its last ('„Wir bleiben.“'): a quote headline.
QUOTED_LINE = re.compile(r"""^\s*["„“”«»‚‘'].*["“”«»’']\s*$""")
HEADLINE_LIST_MIN = 2
CAPTION_MAX_WORDS = 60  # a line closed by a parenthesised credit is a caption up to this many words
# ... and, between paragraphs and no paragraph itself, from this many (fewer: a section's heading, 'Terrain updates
# (TOGoS)')
CAPTION_MIN_WORDS = 6
CATEGORY_HEADLINE_WORDS = 4
# A caption that a CMS's shortcode wraps, left unrendered ('[caption id="attachment_1" ...]' over the caption,
# '[/caption]' under it): each on a line of its own (the rule `shortcode` removes them).
CAPTION_OPENS = re.compile(r"\s*\[caption[\s\]]")
CAPTION_CLOSES = re.compile(r"\s*\[/caption\]\s*$")
KEY_POINTS_MAX = 6  # a box of points that sums the story up holds at most this many (a caption under them too)
LABEL_MAX_WORDS = 2  # a line this short printed twice is a section's label (breadcrumb and header), not a headline
FIELD_LABEL_MAX_WORDS = 2  # 'Date', 'Posted on': a label printed on its own line above its value
# The article's run of paragraphs (_article_run):
ARTICLE_GAP_UNITS = 4  # lines of other text (menus, teasers, metadata) that part a run of paragraphs from the next
MAIN_RUN_SHARE = 0.25  # the article starts at the first run with this share of the words of the page's largest run
OPENING_RUN_WORDS = 50  # ... or at a run of this many words above it, parted from it by an inline box
END_GAP_UNITS = 8  # ... and reads on through the runs after it parted by at most this many lines of other text
AUTHOR_BIO_PARAGRAPHS = 2  # the article's last paragraphs, where its writer's biography may stand (_author_bio)
AUTHOR_BOX_UNDER_PARAGRAPHS = 2  # the writer's name alone on a line under this many paragraphs heads their box
NICKNAME_PREFIX = 3  # ... naming the writer by a short form of the byline's first name that starts with its letters
BIO_VERBS = r"(?:is|was|writes|has|covers|reports|joined|lives|teaches|works|edits|hosts|ist|schreibt|est|es|è)"
INLINE_WIDGET_MAX_UNITS = 6  # units an inline box ('Read more' and its links) holds before the article resumes
INLINE_BOX_MAX_UNITS = 16  # ... or a longer box, when the article resumes with RESUMED_PARAGRAPHS in a row
RESUMED_PARAGRAPHS = 3
RESUMED_SHORT_PARAGRAPHS = 5  # ... or this many shorter ones (a tabloid's one-sentence paragraphs)
SECTION_BREAK_MAX_UNITS = 16  # headings between two sections of an article (_section_break)
HEAD_TO_STAMP_UNITS = 6  # a story's headline, its publication date at most this many lines under it (_story_heads)...
STORY_DECK_PARAGRAPHS = 2  # ... with at most this many paragraphs between (a deck, a caption) ...
STORY_TEXT_PARAGRAPHS = 3  # ... and this many paragraphs in a row under those
LONG_PARAGRAPH_WORDS = 50  # ... or with two paragraphs this long, parted by at most
SUBHEADINGS_BETWEEN = 2  # ... this many lines (subheadings, a live ticker's pointer)
# Words that name other content to read, in the languages of the rule table's headers: a line ending in ':' with
# one of them introduces a box of other stories, not the article's own list.
OTHER_CONTENT = re.compile(
    r"(?i)(?:^|\W)(?:read|reading|related|coverage|stories|articles?|posts?|topics?|popular|trending|lesen|"
    r"weiterlesen|beiträge?|artikel|themen?|thema|interessier\w*|lire|leggi|lea|intéresser|interesar|relacionad\w*|"
    r"correlati)(?:\W|$)"
)
# A last sentence that announces what follows introduces a list though it ends in a full stop ('Here are some foods
# that contain it.', 'Voici les étapes.').
_ANNOUNCING = r"here (?:are|is)|here's|here’s|the following|hier (?:sind|ist|die)|voici|voilà|estos son|estas son|ecco"
ANNOUNCES_LIST = re.compile(rf"(?i)^\W*(?:{_ANNOUNCING})\b")
_ANNOUNCING_ANYWHERE = re.compile(rf"(?i)\b(?:{_ANNOUNCING})\b")  # a cheap test first: most lines announce nothing
LIST_INTRO_MIN_WORDS = 2  # a line ending in ':' with this many words introduces a list ('Tour dates:') ...
LIST_MIN_ITEMS, LIST_MAX_ITEMS = 2, 60  # ... of this many lines of text right under it
LIST_INTRO_REACH = 2  # a list between the article's paragraphs: one is at most this many lines of text above it
# The marks that set out a table's fields ('June 9 – Tampa, FL @ Amalie Arena', 'Island (3-2): Kyleigh Trout 1
# goal', 'Semiconductors 12.5 (+30.8%)'): a venue after '@', a score, a change in percent. A list under a heading
# whose every item shares one of them is a table of the article's (tour dates, results, figures by item); other
# stories' headlines share none. Dashes, bars and leading numbers are not such marks: lists of other stories print
# them too ('Title - October 24, 2031', '1 Most read headline').
LIST_ITEM_MARK = re.compile(r"\s@\s|\(\d{1,3}[-–:]\d{1,3}\)|\([+\-−–]?\d[\d.,]*\s?%\)")
_MARKED_FIGURE = re.compile(r"[+\-−–]?\d+(?:[.,]\d+)*")  # any figures in a mark, signed or not, make the same mark
TAIL_SENTENCE_MIN_WORDS = 3  # a line under the last paragraph that ends like a sentence and has this many words
# A company's or a person's name ends on a stop that ends no sentence ('About Harbor Metals Corp.', a press release's
# boilerplate heading).
ENDS_ON_ABBREVIATION = re.compile(ABBREVIATION_STOP + r"\s*$")
ELLIPSES = ("…", "...")  # a teaser's headline or blurb cut short
QUESTION_HEADLINE_MAX_WORDS = 20  # a headline that asks, one question over the story ('Was lesen die Philippinen?')
# The question mark ends the line: a sentence that ends on a quoted question ('... asking if there were "any
# un-angry supporters?"') tells what someone asked.
QUESTION_ENDS = ("?", "？")
INTRO_ENDS = (":", "：")  # a line ending so introduces what follows it: never a headline
# A video's running time opening a line ('4:11 Ministers meet in Oslo'): the card of a video, never the headline; a
# clock time ('9:02 AM') is not one.
VIDEO_CARD_RE = re.compile(r"\d{1,2}:\d\d(?::\d\d)?\s+(?!(?i:[ap]\.?m\b|uhr\b|h\b))\S")
# A photo's credit inside a line ('... in Indianapolis. (AP Photo/Darron Cummings) more >', '(Photo = Yonhap)',
# '(Photo by X)'): the line is the photo's caption, wherever the credit stands in it; no headline credits a photo.
PICTURE_CREDIT = re.compile(rf"\((?:[A-Z][\w.&'’-]*\s){{0,2}}(?i:{PICTURE_LABELS})\s?(?:[/:=]|(?i:by)\s)")
TIME_AGO_RE = re.compile(TIME_AGO, re.IGNORECASE)
TEASER_BLURB_MAX_WORDS = 40  # a teaser's blurb under its headline: a sentence or two
TEASER_SERIES_MIN = 2  # teasers in a row under the article: other stories (_teaser_series)
TEASER_HEADLINE_MAX_WORDS = 15  # a teaser's kicker, or its headline read as prose (it asks or quotes), is this short
DASHES = ("-", "–", "—")  # a line opening with one attributes a quote ('– Name, Writer')
STORY_HEADER_UNITS = 4  # lines of text (a login box's, a section label, the headline) from a notice to the header
# The headline (_choose_title):
SUMMARY_POINTS_MIN = 2  # headline-shaped lines under the byline that list the story's points, not its headline
TITLE_WINDOW_LINES = 6  # candidates among this many lines of text nearest above the lead first
STORY_PARAGRAPHS = 5  # a headline's words are looked for in this many paragraphs from the lead
TITLE_STORY_POINTS = 3  # points a headline candidate gains when half its content words or more are in them
STORY_SHARED_WORDS = 2  # ... and the story's words it has: one alone may be a section's place ('Heute in Hamburg')
STORY_TOLD = 1.0  # ... and then it tells the story: it wins over a nearer line that tells under half as much
# A headline's usual length: it gains a point among the title's candidates; a kicker over a headline is shorter.
HEADLINE_WORDS = (5, 25)
HEADLINE_STORY_WORDS = 3  # a headline right under a line that shares no word with the story shares this many
CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")  # four letters or more: names and content words, few function words
# A Korean word's stem: its first two syllables. Particles and endings are written onto the word ('선호투표제를',
# '선호투표제'), and most nouns have two or three syllables, too few for CONTENT_WORD.
HANGUL_STEM = re.compile(r"(?<![가-힣])[가-힣]{2}")
COMMENT_THREAD_RULES = ("comment_form", "comment_section", "comment_header")  # end rows that open readers' comments
SUMMARY_NOTE_RULES = ("ai_summary_notice",)  # chrome rows that label a summary box next to them
OVERLAY_RULES = ("paywall",)  # end rows whose box a page may print over the whole article (_resumes_over_overlay)
_SKIPPABLE = ("chrome", "caption", "separator", "end")
_PAGE_FURNITURE = ("chrome", "caption", "separator")  # between paragraphs, they part no run of them
_BODY_KINDS = ("prose", "short", "headline")  # what the body keeps unless vetoed
_HEADER_KINDS = ("headline", "short", "date", "byline", "source")  # a story's header over its text
_GAP_KINDS = (*_HEADER_KINDS, "end")  # text that is not a paragraph
_VOUCHABLE = ("caption_doubled",)  # a headline printed twice in a row reads as a doubled caption


# The priority of an update stamp in the story's header ('Updated : 2031-11-21 17:32'): the story's date only where
# the page prints no other, as a broadcaster's and some dailies' pages do (the last edit, most often the same day).
UPDATE_ONLY = 5


@dataclasses.dataclass(order=True)
class _DateCandidate:
    priority: int  # lower wins
    index: int
    value: dt.date = dataclasses.field(compare=False)


def _seg(line: Line, role: str, rule: str | None = None, text: str | None = None, fragment: bool = False) -> Segment:
    return Segment(line.start, line.end, line.text if text is None else text, role, rule, fragment or line.fragment)


def _resumes_after(marker: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> int | None:
    """The paragraph where the article resumes after an end marker printed inside it, or None if it does not.

    The article resumes at two paragraphs in a row within a few units of the marker. Teasers after a list header
    alternate headline and blurb, or are headlines cut short with an ellipsis ('Jury rules for half of 21
    plaintiffs …'), and a next story starts with its date or byline: none of them resumes the article. A second
    box may follow the first within those units ('Related' twice, each over its links).

    After a longer box ('Most Read', headlines with their writers' names), the article resumes with a longer run
    of long paragraphs, or a longer run still of shorter ones (a page that prints each sentence as a paragraph),
    which does not start right under a list's header: teasers run on there in short paragraphs of their own ('Most
    Read', then 'Headline Its blurb.' on each line). Within the short box's units,
    an article that heads each paragraph resumes with a long paragraph and a sure one (_long_paragraphs).
    """
    reach = _box_reach(marker, ev)

    def paragraphs(run: list[int]) -> bool:
        """Paragraphs in a row, none cut short, the first within the box's reach (past it, text is the footer's)."""
        return (
            bool(run)
            and run[0] < reach
            and all(ev[k].kind == "prose" for k in run)
            and not any(lines[k].text.rstrip().endswith(ELLIPSES) for k in run)
        )

    for j in range(marker + 1, min(len(ev) - 1, reach)):
        far = j > marker + 1 + INLINE_WIDGET_MAX_UNITS
        run = _text_units(ev, j, RESUMED_PARAGRAPHS if far else 2)  # chrome between paragraphs parts nothing
        words = sum(shapes[k].words for k in run)
        if far:
            above = next((k for k in range(j - 1, marker, -1) if ev[k].kind not in _PAGE_FURNITURE), marker)
            shorter = _text_units(ev, j, RESUMED_SHORT_PARAGRAPHS)
            resumed = ev[above].kind not in ("end", "prose") and (
                (len(run) == RESUMED_PARAGRAPHS and paragraphs(run) and words >= RESUMED_PARAGRAPHS * PROSE_SURE_WORDS)
                or (len(shorter) == RESUMED_SHORT_PARAGRAPHS and paragraphs(shorter))
            )
        else:  # two teasers' headlines that read as sentences are shorter ('Paid political ads are not the problem')
            resumed = paragraphs(run) and words >= PROSE_SURE_WORDS
        if resumed or (not far and _long_paragraphs(j, ev, shapes)):
            return j
        if ev[j].kind in ("end", "date", "byline", "source") and not inline_too(ev[j].rule):
            return None
    return None


def _box_reach(marker: int, ev: list[Evidence]) -> int:
    """Where the reach of a box under the end marker at `marker` ends: past INLINE_BOX_MAX_UNITS + 1 lines of
    text, with page furniture between them (the box's section labels and ad slots), or at a stretch of more than
    INLINE_WIDGET_MAX_UNITS lines of furniture in a row (a footer's share and follow buttons)."""
    text = furniture = 0
    for k in range(marker + 1, len(ev)):
        if ev[k].kind not in _PAGE_FURNITURE:
            text, furniture = text + 1, 0
            if text > INLINE_BOX_MAX_UNITS + 1:
                return k
        else:
            furniture += 1
            if furniture > INLINE_WIDGET_MAX_UNITS:
                return k - furniture + 1
    return len(ev)


def _text_units(ev: list[Evidence], start: int, n: int) -> list[int]:
    """The first n units from start that are text of the page's own: past chrome, captions and separators."""
    return list(itertools.islice((k for k in range(start, len(ev)) if ev[k].kind not in _PAGE_FURNITURE), n))


def _resumes_over_overlay(marker: int, ev: list[Evidence], shapes: list[Shape]) -> int | None:
    """The paragraph where the article resumes under a paywall's box printed over the whole article (the page
    holds the text the box hides), or None: RESUMED_PARAGRAPHS sure paragraphs in a row, chrome and captions
    between them, or a long paragraph and a sure one parted by subheadings (_long_paragraphs), before any marker
    that closes articles. A box's promises ('Unlimited online access to ...') and a newsletter's form are short
    lines; a truncated article's page goes on with teasers and its footer."""
    for j in range(marker + 1, len(ev)):
        if ev[j].kind == "end" and not inline_too(ev[j].rule):
            return None
        if ev[j].kind != "prose":
            continue
        run = _text_units(ev, j, RESUMED_PARAGRAPHS)
        in_a_row = len(run) == RESUMED_PARAGRAPHS and all(
            ev[k].kind == "prose" and shapes[k].words >= PROSE_SURE_WORDS for k in run
        )
        if in_a_row or _long_paragraphs(j, ev, shapes):
            return j
    return None


def _resumes_at(i: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> int | None:
    """Where the article resumes after unit i, an end marker printed inside articles too, or a paywall's box
    printed over the whole article (None if the unit is no such marker, or the article does not resume after
    it)."""
    if ev[i].kind != "end":
        return None
    if ev[i].rule in OVERLAY_RULES:
        return _resumes_over_overlay(i, ev, shapes)
    return _resumes_after(i, lines, ev, shapes) if inline_too(ev[i].rule) else None


def _closing_end(lead: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> int:
    """The first end marker after the lead that the article does not resume after (len(lines) if none)."""
    return next(
        (i for i in range(lead + 1, len(lines)) if ev[i].kind == "end" and _resumes_at(i, lines, ev, shapes) is None),
        len(lines),
    )


def _box_between(above: int, below: range, lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> bool:
    """An inline box between the paragraph above and the run of paragraphs below: an end marker printed inside
    articles, at most a long box's units under the paragraph above, after which the article resumes in that run
    (at its first paragraph, or further down where its first lines are shorter than a resumed article's)."""
    return any(
        _resumes_at(m, lines, ev, shapes) in below
        for m in range(above + 1, min(below.start, above + 2 + INLINE_BOX_MAX_UNITS))
    )


def _story_heads(ev: list[Evidence]) -> set[int]:
    """The headlines that head a story of their own: a date labelled as the publication's under them within
    HEAD_TO_STAMP_UNITS lines (a deck, a caption and the writers' names may stand between), and
    STORY_TEXT_PARAGRAPHS paragraphs in a row under that. A page that loads the next story under the article (an
    endless scroll) prints its header so; a box of related stories prints a blurb or two under each headline's
    date."""
    heads = set()
    for h, e in enumerate(ev):
        if e.kind != "headline":
            continue
        near = range(h + 1, min(len(ev), h + 1 + HEAD_TO_STAMP_UNITS))
        # A bare date or a byline alone heads a related story's blurb in a box as often.
        stamp = next((d for d in near if ev[d].stamp is not None and ev[d].stamp.label == "published"), None)
        if stamp is None or sum(ev[k].kind == "prose" for k in range(h + 1, stamp)) > STORY_DECK_PARAGRAPHS:
            continue
        text = next((k for k in range(stamp + 1, len(ev)) if ev[k].kind not in (*_PAGE_FURNITURE, *_HEADER_KINDS)),
                    None)  # fmt: skip
        run = [] if text is None else _text_units(ev, text, STORY_TEXT_PARAGRAPHS)
        if len(run) == STORY_TEXT_PARAGRAPHS and all(ev[k].kind == "prose" for k in run):
            heads.add(h)
    return heads


def _section_break(above: int, below: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> bool:
    """Headings between two sections of the article (a buying guide's product: its name, price, pros and cons, at
    most SECTION_BREAK_MAX_UNITS lines, nothing that ends an article or heads another story: no marker, date or
    byline, and no line that introduces what follows), and the article's text under them: RESUMED_PARAGRAPHS sure
    paragraphs in a row. A next story's text starts under its date or byline; teasers and a footer's 'about us' have
    a paragraph or two each."""
    if below - above - 1 > SECTION_BREAK_MAX_UNITS:
        return False
    if any(
        ev[k].kind not in (*_PAGE_FURNITURE, "headline", "short") or lines[k].text.rstrip().endswith(INTRO_ENDS)
        for k in range(above + 1, below)
    ):
        return False  # ('Look at other dictionaries:' introduces other entries)
    run = _text_units(ev, below, RESUMED_PARAGRAPHS)
    return len(run) == RESUMED_PARAGRAPHS and all(
        ev[k].kind == "prose" and shapes[k].words >= PROSE_SURE_WORDS for k in run
    )


def _introduced_lists(lines: list[Line], ev: list[Evidence], shapes: list[Shape], lead: int, stop: int) -> set[int]:
    """The units of lists introduced by a line of the article ending in ':' before `stop`: the introducing line and
    the lines of text right under it (at least LIST_MIN_ITEMS of them, up to LIST_MAX_ITEMS). A line whose last
    sentence names other content ('Related coverage from X:', 'Lesen Sie auch:') introduces other stories, not the
    article's."""
    return {unit for intro, items in _lists(lines, ev, shapes, lead, stop) for unit in (intro, *items)}


def _lists(
    lines: list[Line], ev: list[Evidence], shapes: list[Shape], lead: int, stop: int
) -> Iterator[tuple[int, list[int]]]:
    """(introducing line, its items) of each list _introduced_lists reads."""
    for i in range(lead, stop):
        if ev[i].kind not in _BODY_KINDS or shapes[i].words < LIST_INTRO_MIN_WORDS:
            continue
        text = lines[i].text.rstrip()
        introduces = text.endswith(INTRO_ENDS)
        if not introduces and ev[i].kind == "headline" and next(_kinds_above(ev, i), None) == "prose":
            table = _table_under(lines, ev, i, stop)
            if table:
                yield i, table
            continue
        if not introduces and not _ANNOUNCING_ANYWHERE.search(text):
            continue
        last_sentence = text[max((m.end() - 1 for m in sentence_breaks(text)), default=0) :]
        if not introduces and not ANNOUNCES_LIST.match(last_sentence):
            continue
        if OTHER_CONTENT.search(last_sentence):
            continue
        items = list(itertools.takewhile(lambda j: ev[j].kind in ("short", "headline"), range(i + 1, stop)))
        if LIST_MIN_ITEMS <= len(items) <= LIST_MAX_ITEMS:
            yield i, items


def _item_marks(text: str) -> frozenset[str]:
    """The LIST_ITEM_MARKs of a line, every score as one mark, and every change in percent."""
    return frozenset(_MARKED_FIGURE.sub("0", m.group(0).strip()) for m in LIST_ITEM_MARK.finditer(text))


def _table_under(lines: list[Line], ev: list[Evidence], heading: int, stop: int) -> list[int]:
    """The items of a table of the article's right under a heading (none if there is none): LIST_MIN_ITEMS to
    LIST_MAX_ITEMS short lines or headlines that share a LIST_ITEM_MARK the heading lacks."""
    items = list(itertools.takewhile(lambda j: ev[j].kind in ("short", "headline"), range(heading + 1, stop)))
    if not LIST_MIN_ITEMS <= len(items) <= LIST_MAX_ITEMS:
        return []
    shared = frozenset.intersection(*(_item_marks(lines[j].text) for j in items))
    return items if shared - _item_marks(lines[heading].text) else []


def _after_paragraph(i: int, ev: list[Evidence]) -> bool:
    """Whether a paragraph is among the LIST_INTRO_REACH lines of text nearest above unit i (past chrome, captions
    and markers): a subheading or a photo's name may stand between."""
    return "prose" in itertools.islice(_kinds_above(ev, i), LIST_INTRO_REACH)


def _units_above(ev: list[Evidence], i: int) -> Iterator[int]:
    """The lines of text above unit i, nearest first (past chrome, captions and markers)."""
    return (j for j in range(i - 1, -1, -1) if ev[j].kind not in _SKIPPABLE)


def _kinds_above(ev: list[Evidence], i: int) -> Iterator[str]:
    """The kinds of the lines of text above unit i, nearest first (past chrome, captions and markers)."""
    return (ev[j].kind for j in _units_above(ev, i))


def _tail_sentence(line: Line, e: Evidence, shape: Shape) -> bool:
    """A line that ends like a statement, and asks nothing: a question there asks the reader ('Was this article
    helpful?', 'Liked the article? Share it!'), and a name's abbreviation ends no statement."""
    statement = "?" not in line.text and "？" not in line.text and not ENDS_ON_ABBREVIATION.search(line.text)
    return (
        e.kind in ("short", "headline")
        and shape.ends_sentence
        and statement
        and shape.words >= TAIL_SENTENCE_MIN_WORDS
    )


def _long_paragraphs(j: int, ev: list[Evidence], shapes: list[Shape]) -> bool:
    """A long paragraph, longer than any teaser's blurb, and a sure one after it, parted at most by subheadings (an
    article that heads each paragraph)."""

    def long(k: int) -> bool:
        return ev[k].kind == "prose" and shapes[k].words >= LONG_PARAGRAPH_WORDS

    if not long(j):
        return False
    for k in _text_units(ev, j + 1, 1 + SUBHEADINGS_BETWEEN):
        if ev[k].kind == "prose" and shapes[k].words >= PROSE_SURE_WORDS:
            return True
        if ev[k].kind not in ("headline", "short", "prose"):
            return False
    return False


def _teaser_series(lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> list[list[int]]:
    """The units of each series of TEASER_SERIES_MIN teasers or more under the article: a headline over one short
    paragraph (its blurb), then the next teaser, chrome and captions between them; the last blurb is not followed
    by another paragraph (a section under a subheading goes on). Over a teaser's headline may stand a kicker (a
    word or two, 'Handwerk', or the byline and date of the teaser above), and a headline that asks or quotes reads
    as a paragraph. Nothing after the series reads as an article's text, two paragraphs in a row: inside an
    article, sections that each hold one short paragraph (a policy's questions) have longer sections after them.
    Series count only where the page's other paragraphs outweigh their blurbs together with the short paragraphs
    under a word or two (a listicle's items, a product page's features, are its text). A line that opens with a
    dash attributes the quote above it ('– Name, Writer'): no headline."""
    units = [i for i, e in enumerate(ev) if e.kind not in _PAGE_FURNITURE]

    def heading(i: int, kicker: bool) -> bool:
        """A line that may head a teaser: a headline, or one that asks or quotes (it reads as a paragraph); over
        it, a kicker may be a word or two ('Handwerk'). A word or two right over a paragraph is a subheading."""
        if lines[i].text.lstrip().startswith(DASHES):
            return False
        kind, short = ev[i].kind, shapes[i].words <= TEASER_HEADLINE_MAX_WORDS
        asks_or_quotes = kind == "prose" and short and not ends_like_text(i)
        return kind == "headline" or asks_or_quotes or (kicker and short and kind == "short")

    def ends_like_text(i: int) -> bool:
        """Ends like a sentence, and is not a quotation whole (a quote headline)."""
        return shapes[i].ends_sentence and not QUOTED_LINE.match(lines[i].text)

    def blurb(k: int) -> bool:
        return k < len(units) and ev[units[k]].kind == "prose" and shapes[units[k]].words <= TEASER_BLURB_MAX_WORDS

    def headed(k: int) -> int:
        """How many units a teaser without a kicker at units[k] holds (0 if none): its headline, its date if the
        page prints one between them, and its blurb."""
        if k + 1 >= len(units) or not heading(units[k], kicker=False):
            return 0
        if blurb(k + 1):
            return 2
        return 3 if ev[units[k + 1]].kind == "date" and blurb(k + 2) else 0

    def kicked(k: int) -> bool:
        # Under a kicker, a headline that ends like a sentence ('Golden Glow!') is a listicle item's subheading.
        under_kicker = k + 2 < len(units) and not ends_like_text(units[k + 1])
        return under_kicker and heading(units[k], kicker=True) and heading(units[k + 1], kicker=False) and blurb(k + 2)

    def teaser(k: int) -> int:
        """How many units the teaser at units[k] holds (0 if none): its kicker and headline, then its blurb. A
        headline that asks or quotes reads as a short blurb too: under a kicker, it is the headline when the
        paragraph after it starts no teaser (it is the blurb). A kicker that reads as prose is rather a line of a
        paragraph cut into lines."""
        if kicked(k) and not (headed(k) and (ev[units[k]].kind == "prose" or headed(k + 2) or kicked(k + 2))):
            return 3
        return headed(k)

    candidates: list[list[int]] = []
    blurbs: set[int] = set()
    k = 0
    while k + 1 < len(units):
        ends = [k]  # where each teaser of the series ends, past its blurb
        while size := teaser(ends[-1]):
            ends.append(ends[-1] + size)
        if len(ends) > 1 and ends[-1] < len(units) and ev[units[ends[-1]]].kind == "prose":
            ends.pop()  # the last headline heads a section: its paragraph goes on
        if len(ends) > TEASER_SERIES_MIN:
            candidates.append(units[k : ends[-1]])
            blurbs.update(units[end - 1] for end in ends[1:])
            k = ends[-1]
        else:
            k += 1
    in_teasers = {u for found in candidates for u in found}

    def paragraph(i: int) -> bool:
        return ev[i].kind == "prose" and i not in in_teasers

    last_read_on = max((i for i in range(len(ev) - 1) if paragraph(i) and paragraph(i + 1)
                        and shapes[i].words + shapes[i + 1].words >= PROSE_SURE_WORDS), default=-1)  # fmt: skip
    # Short paragraphs each under a word or two (a subheading) count with the series' blurbs: a page of them is
    # a page of features.
    sections = {units[j + 1] for j in range(len(units) - 1) if ev[units[j]].kind == "short" and blurb(j + 1)}
    other = sum(shapes[i].words for i in range(len(ev)) if paragraph(i) and i not in sections)
    if sum(shapes[i].words for i in blurbs | sections) >= other:
        return []  # a listicle, or a page of features: its items are its text
    return [found for found in candidates if found[-1] > last_read_on]


def _article_run(lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> tuple[int, int]:
    """(first, last) paragraph of the article's run of paragraphs. Runs of paragraphs are parted by more than
    ARTICLE_GAP_UNITS lines of other text (a menu, teasers with their bylines and times); captions and chrome
    between paragraphs do not part them, nor does the header of an inline box (its links do), nor a list that a
    line ending in ':' introduces (_introduced_lists). The article starts at the first run with MAIN_RUN_SHARE of
    the words of the page's largest run (a menu's stray sentence is not its lead, nor are the comments under a
    short story its article), and goes on through the runs after it parted by at most END_GAP_UNITS lines (a lone
    short paragraph under an article of OPENING_RUN_WORDS, by at most ARTICLE_GAP_UNITS), by an inline box the
    article resumes after (_resumes_after) or by the headings between a guide's sections
    (_section_break), and never past a series of teasers (_teaser_series) or the next story's header
    (_story_heads). A run above the start that such a box parts from it is the article's opening: its first
    paragraphs, above a box of related stories. Runs under a comment thread's header are weighed only on a page
    with no paragraphs above it, or under a story's header below the thread (a drawer of comments printed above
    the article); runs the page prints twice, only where no larger run is printed once (_printed_once)."""
    runs: list[list[int]] = []  # [first, last, words, lines of other text before it]
    gap = 0
    # A list introduced under a paragraph is the article's own text; under other lines (a comment form's 'Log in to
    # post your comment:' over its fields) it may be anything.
    introduced = {unit for intro, items in _lists(lines, ev, shapes, 0, len(ev))
                  if _after_paragraph(intro, ev) for unit in (intro, *items)}  # fmt: skip
    series = _teaser_series(lines, ev, shapes)
    teasers = {unit for found in series for unit in found}
    heads = _story_heads(ev)
    walls = {found[0] for found in series} | heads
    for i, e in enumerate(ev):
        if i in walls:
            gap = max(gap, END_GAP_UNITS) + 1
        if e.kind == "prose" and i not in teasers:
            if runs and gap <= ARTICLE_GAP_UNITS:
                runs[-1][1:3] = [i, runs[-1][2] + shapes[i].words]
            else:
                runs.append([i, i, shapes[i].words, gap])
            gap = 0
        elif (
            (e.kind in _GAP_KINDS or i in teasers)
            and i not in introduced
            and not (e.kind == "end" and inline_too(e.rule))
        ):
            gap += 1  # an inline box's header parts nothing, its links do
    if not runs:
        return 0, len(ev) - 1
    # Readers' comments under the article, however long, never outweigh it: the runs below a comment thread's
    # header compete only on a page with no paragraphs above it.
    thread = next((i for i, e in enumerate(ev) if e.kind == "end" and e.rule in COMMENT_THREAD_RULES), len(ev))
    # A page may print its comments drawer above the article: a story's header under the thread (a headline over a
    # byline; a comment's author is no byline) ends it.
    story = next((i for i in range(thread + 1, len(ev)) if ev[i].kind == "byline" and ev[i - 1].kind == "headline"),
                 len(ev))  # fmt: skip
    competing = [k for k, run in enumerate(runs) if run[0] < thread or run[0] > story] or list(range(len(runs)))
    competing = _printed_once(competing, runs, ev, shapes)
    most = max(runs[k][2] for k in competing)
    start = next(k for k in competing if runs[k][2] >= MAIN_RUN_SHARE * most)
    while (
        start > 0
        and runs[start - 1][2] >= OPENING_RUN_WORDS
        and _box_between(runs[start - 1][1], range(runs[start][0], runs[start][1] + 1), lines, ev, shapes)
    ):
        start -= 1
    last, words = runs[start][1], runs[start][2]
    for run in runs[start + 1 :]:
        if any(last < h <= run[0] for h in heads):
            break  # the next story
        # Past a longer gap under an article of some length, a lone short paragraph is a teaser's headline that
        # reads as a sentence, not the article's last paragraph.
        stray = (
            run[3] > ARTICLE_GAP_UNITS
            and run[0] == run[1]
            and run[2] < PROSE_SURE_WORDS
            and words >= OPENING_RUN_WORDS
        )
        if (
            (run[3] > END_GAP_UNITS or stray)
            and not _box_between(last, range(run[0], run[1] + 1), lines, ev, shapes)
            and not _section_break(last, run[0], lines, ev, shapes)
        ):
            break
        last, words = run[1], words + run[2]
    return runs[start][0], last


def _printed_once(competing: list[int], runs: list[list[int]], ev: list[Evidence], shapes: list[Shape]) -> list[int]:
    """The competing runs but those whose every paragraph the page prints twice (a mega menu's blurbs under its
    items, printed again in the footer's copy of the menu), where the largest run printed once is larger than
    theirs: a page that prints its whole article twice has no larger run printed once."""
    printed = collections.Counter(shapes[i].canon for i, e in enumerate(ev) if e.kind == "prose")
    twice = {
        k
        for k in competing
        if all(printed[shapes[i].canon] > 1 for i in range(runs[k][0], runs[k][1] + 1) if ev[i].kind == "prose")
    }
    once = [k for k in competing if k not in twice]
    if not once or not twice or max(runs[k][2] for k in once) <= max(runs[k][2] for k in twice):
        return competing
    return once


def _find_lead(lines: list[Line], ev: list[Evidence], shapes: list[Shape], floor: int) -> int | None:
    prose = [i for i, e in enumerate(ev) if e.kind == "prose" and i >= floor]
    for k, i in enumerate(prose):
        if ev[i].kind != "prose":
            continue  # already read as a deck
        if DATELINE_AGENCY.match(lines[i].text) or INTERVIEW_CUE_RE.match(lines[i].text):
            # A paragraph under a wire dateline ('HAYWARD, Calif. (AP) —'), or an interview's first question, opens
            # the story: never a deck, nor a headline that asks.
            return i
        later = prose[k + 1] if k + 1 < len(prose) else None
        # A paragraph right over the one the story's dateline opens ('NEW DELHI: ...') sums the story up; a deck
        # printed again as the first paragraph, below the byline or date, has its copy for the lead: decks.
        summary = later is not None and not DATELINE.match(lines[i].text) and _opens_story(lines, ev, i, later)
        if summary or (later is not None and later > i + 1 and shapes[later].canon == shapes[i].canon):
            ev[i] = Evidence("deck", "deck")
            continue
        # A headline that asks ends like a sentence and reads as a paragraph: a lone question over the story is its
        # headline, not its lead; under the story's byline or date, it opens the story ('Remember X's quest to ...?').
        if _asks_alone(lines[i].text, shapes[i]) and i != prose[-1] and not _under_metadata(ev, i):
            ev[i] = Evidence("headline")
            continue
        # Short paragraphs over the date or byline, with the article under it: decks.
        metadata = _metadata_under_decks(ev, shapes, i)
        if metadata is not None:
            for j in range(i, metadata):
                ev[j] = Evidence("deck", "deck") if ev[j].kind == "prose" else ev[j]
            continue
        # The page's first paragraph right over the date or byline, with the article under it: a long line that
        # does not end like a sentence is a long headline, up to a headline's length; one that does, or runs longer,
        # a standfirst (a deck, however long).
        if k == 0 and _metadata_under_decks(ev, shapes, i + 1, i) is not None:
            standfirst = shapes[i].ends_sentence or len(lines[i].text) > HEADLINE_MAX_CHARS
            ev[i] = Evidence("deck", "deck") if standfirst else Evidence("headline")
            continue
        # A paragraph over the story's header (a headline over its byline or date): a notice above the story (an
        # affiliate disclosure, a cookie banner), not its lead. Right under a byline or date, it is the story's
        # first paragraph, and the header under it an inline box's (a related story's headline, writer and date).
        above_header = _above_story_header(ev, shapes, i) or _above_telling_headline(lines, ev, shapes, i)
        if above_header and not _under_metadata(ev, i):
            continue
        # A teaser's headline cut short ('23 things every 2000s kid remembers…') before more prose: not the lead.
        if lines[i].text.rstrip().endswith(ELLIPSES) and shapes[i].words < PROSE_SURE_WORDS and i != prose[-1]:
            continue
        # Bulleted summary lines above un-bulleted prose are a deck, not the lead.
        if shapes[i].deck_bullet and any(not shapes[j].deck_bullet for j in prose if j > i):
            ev[i] = Evidence("deck", "deck")
            continue
        # A one-sentence line ending in a photo credit, with more prose after it, is a caption.
        if _credited_caption(lines[i].text, shapes[i]) and i != prose[-1]:
            ev[i] = Evidence("caption", "caption_credit_suffix")
            continue
        return i
    return None


def _opens_story(lines: list[Line], ev: list[Evidence], i: int, later: int) -> bool:
    """Whether the paragraph at `later`, next after i with nothing but captions and chrome between, opens with the
    story's dateline (a place, with its agency or not)."""
    between = all(ev[k].kind in _SKIPPABLE for k in range(i + 1, later))
    return between and bool(DATELINE.match(lines[later].text) or DATELINE_AGENCY.match(lines[later].text))


def _above_story_header(ev: list[Evidence], shapes: list[Shape], i: int) -> bool:
    """Whether a headline standing over its own byline or date (or over its standfirst's short paragraphs, then
    the byline or date) follows the paragraph at i, with no paragraph between (within STORY_HEADER_UNITS lines of
    text)."""
    seen = 0
    for h in range(i + 1, len(ev)):
        if ev[h].kind == "prose" or seen == STORY_HEADER_UNITS:
            return False
        if ev[h].kind not in _BODY_KINDS:
            continue
        seen += 1
        if ev[h].kind == "headline" and (
            _stands_over(ev, shapes, h, min(len(ev), h + 3)) == "metadata"
            or _metadata_under_decks(ev, shapes, h + 1) is not None
        ):
            return True
    return False


def _above_telling_headline(lines: list[Line], ev: list[Evidence], shapes: list[Shape], i: int) -> bool:
    """Whether the short paragraph at i tells none of the story under it, and a headline between it and that story
    tells it: a line above the story's headline (a logo's alt text, a notice), not its lead."""
    below = next((j for j in range(i + 1, len(ev)) if ev[j].kind == "prose"), None)
    if below is None or shapes[i].words >= PROSE_SURE_WORDS:
        return False
    story = _Header.of(lines, ev, shapes, below)
    if story.tells_story(lines[i].text) > 0:
        return False
    headlines = (h for h in range(i + 1, below) if ev[h].kind == "headline")
    return any(story.tells_story(lines[h].text) >= STORY_TOLD for h in headlines)


def _next_paragraph(i: int, ev: list[Evidence], shapes: list[Shape]) -> str | None:
    """The canonical text of the first paragraph after unit i (None at the end of the page)."""
    return next((shapes[j].canon for j in range(i + 1, len(ev)) if ev[j].kind == "prose"), None)


def _asks_alone(text: str, shape: Shape) -> bool:
    """One short question and nothing else ('Akkutechnik: Hat Quantumscape genug Akkus für ein Motorrad gebaut?')."""
    text = text.rstrip()
    return (
        text.endswith(QUESTION_ENDS) and shape.words <= QUESTION_HEADLINE_MAX_WORDS and not any(sentence_breaks(text))
    )


def _under_metadata(ev: list[Evidence], i: int) -> bool:
    """Whether the nearest line of text above unit i (past chrome, captions and markers) is a byline or a date."""
    return next(_kinds_above(ev, i), None) in _BYLINE_OR_DATE


def _credited_caption(text: str, shape: Shape) -> bool:
    """One short sentence closed by a parenthesised credit ('Workers load a furnace on Monday. (Hanbit Glass)'), or
    by a photo agency's name alone after its stop ('... in Seoul, Thursday. Yonhap'): a photo caption wherever more
    prose follows it (the article's last paragraph may end in its sign-off)."""
    if shape.words > CAPTION_MAX_WORDS:
        return False
    if shape.credit_suffix:
        return not any(sentence_breaks(text))
    agency = AGENCY_AFTER_STOP.search(text)
    return agency is not None and not any(sentence_breaks(text[: agency.start("agency")].rstrip()))


def _caption_between_paragraphs(i: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> bool:
    """A photo's caption between two of the article's paragraphs: one short sentence closed by a parenthesised credit
    (`_credited_caption`), or a line that is no paragraph closed by a photo's credit (CREDIT_END: 'SK On's
    headquarters in Jongno-gu, Seoul (SK On)', '... HBM4 chips. Photo=Samsung Electronics') with a paragraph right
    above and right below it (page furniture between): items of a list ('15) Thriller (Vinyl)') are none, nor is a
    section's heading of a few words. A photo agency's name alone after the stop closes one too ('... Thursday.
    Yonhap'). Capitals alone in the parentheses, with no sentence's stop before them, are as often the abbreviation
    a heading spells out ('The Inflation Reduction Act (IRA)')."""
    text = lines[i].text
    if ev[i].kind == "prose":
        return _credited_caption(text, shapes[i])
    credit = CREDIT_END.search(text) or AGENCY_AFTER_STOP.search(text)
    sized = CAPTION_MIN_WORDS <= shapes[i].words <= CAPTION_MAX_WORDS
    if credit is None or not sized or not (credit.group()[0] in ".!?" or any(ch.islower() for ch in credit.group())):
        return False
    above = next((ev[k].kind for k in range(i - 1, -1, -1) if ev[k].kind not in _PAGE_FURNITURE), None)
    below = next((ev[k].kind for k in range(i + 1, len(ev)) if ev[k].kind not in _PAGE_FURNITURE), None)
    return above == below == "prose"


def _metadata_under_decks(ev: list[Evidence], shapes: list[Shape], start: int, first: int | None = None) -> int | None:
    """The date or byline line under the short paragraphs from ``start`` on, when the article follows it. A writer's
    name over the date counts only where no row that ends an article stands between (a comment form: the paragraphs
    were the article, and a commenter's name and date under it head a comment)."""
    j = start
    while j < len(ev) and (
        ev[j].kind in _SKIPPABLE
        or (ev[j].kind == "prose" and shapes[j].words < PROSE_SURE_WORDS)
        or (ev[j].kind == "short" and shapes[j].words <= LABEL_MAX_WORDS)  # a photo's caption and credit ('Etlaq')
    ):
        j += 1
    opened = first if first is not None else start
    if j <= opened or j >= len(ev) or not _is_metadata(ev[j]):
        return None
    if ev[j].rule == WRITER_OVER_STAMP and any(ev[k].kind == "end" for k in range(start, j)):
        return None
    return j if any(e.kind == "prose" for e in ev[j + 1 :]) else None


def _stands_over(ev: list[Evidence], shapes: list[Shape], i: int, stop: int) -> str | None:
    """What the line at i stands over before ``stop``: "metadata" (its byline or date), "nothing" (no other
    meaningful line: the lead comes next), or None (other text)."""
    under = _next_meaningful(ev, shapes, i + 1, stop, shapes[i].core)
    if under is None:
        return "nothing"
    # Not a writer's name over the date (`_is_metadata`): any line over it would stand where a headline stands, a
    # video's title over its caption or a teaser's over its card. Decks and standfirsts read it (their headline is
    # found by its own evidence).
    return "metadata" if ev[under].kind in _BYLINE_OR_DATE else None


def _is_metadata(e: Evidence) -> bool:
    """A byline, a date stamp, or a writer's name alone over the date (`_writers_over_stamps`)."""
    return e.kind in _BYLINE_OR_DATE or e.rule == WRITER_OVER_STAMP


def _next_meaningful(ev: list[Evidence], shapes: list[Shape], start: int, stop: int, skip_core: str) -> int | None:
    for j in range(start, stop):
        if ev[j].kind in (*_SKIPPABLE, "deck") or shapes[j].core == skip_core or _labels_next(ev, shapes, j):
            continue
        return j
    return None


def _labels_next(ev: list[Evidence], shapes: list[Shape], j: int) -> bool:
    """A field label on its own line above its value ('Date' above '2022.10.28'): it belongs to the value."""
    value = j + 1 < len(ev) and ev[j + 1].kind in _BYLINE_OR_DATE
    return value and ev[j].kind == "short" and shapes[j].category and shapes[j].words <= FIELD_LABEL_MAX_WORDS


@dataclasses.dataclass(frozen=True)
class _Header:
    """Canonical forms of the lines above the lead (title scoring compares them pairwise), and the words of the
    story's first paragraphs (a headline tells the story; a menu or a widget's label does not)."""

    counts: collections.Counter
    captions: list[str]  # canonical forms of caption and chrome lines, where a headline may be repeated
    story: frozenset[str]

    @classmethod
    def of(cls, lines: list[Line], ev: list[Evidence], shapes: list[Shape], lead: int) -> _Header:
        stop = min(lead + 1, len(shapes))
        captions = [shapes[j].core for j in range(stop) if ev[j].kind in ("caption", "chrome")]
        paragraphs = itertools.islice((lines[j].text for j in range(lead, len(lines)) if ev[j].kind == "prose"),
                                      STORY_PARAGRAPHS)  # fmt: skip
        story = frozenset(word for text in paragraphs for word in _content_words(text))
        return cls(collections.Counter(shapes[j].core for j in range(stop)), captions, story)

    def repeats(self, canon: str) -> bool:
        return self.counts[canon] > 1 or (len(canon) >= 20 and any(c.startswith(canon) for c in self.captions))

    def shared(self, text: str) -> int:
        """How many of the line's content words the story's first paragraphs use."""
        return len(_content_words(text) & self.story)

    def tells_story(self, text: str) -> float:
        """How much the line's content words are the story's (those its first paragraphs use): 1.0 from half of
        them (a headline also has words of its own), 0.0 for none."""
        words = _content_words(text)
        shared = len(words & self.story)
        return min(1.0, 2 * shared / len(words)) * min(1.0, shared / STORY_SHARED_WORDS) if words else 0.0


def _content_words(text: str) -> set[str]:
    words = {word.casefold() for word in CONTENT_WORD.findall(text) if not HANGUL_STEM.match(word)}
    return words | set(HANGUL_STEM.findall(text))


def _title_score(i: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape], lead: int, lead_dated: bool,
                 header: _Header) -> float:  # fmt: skip
    core = shapes[i].core
    score = 3 if TRAILING_ISO_DATE.search(lines[i].text) else 0
    over = _stands_over(ev, shapes, i, lead)
    if over == "nothing":
        score += 3 if lead_dated else 1
    elif over == "metadata" or _over_standfirst_and_metadata(ev, shapes, i, lead):
        score += 2
    if core and header.repeats(core) and shapes[i].words > LABEL_MAX_WORDS:
        score += 2  # printed twice, or repeated as the start of a photo caption (a section's label is, too)
    n = shapes[i].words
    score += 1 if HEADLINE_WORDS[0] <= n <= HEADLINE_WORDS[1] else (-1 if n <= 3 else 0)
    if shapes[i].category and shapes[i].words < CATEGORY_HEADLINE_WORDS:
        score -= 2  # a section label; four capitalised words read as a headline ('YOON VISITS ASML HEADQUARTERS')
    if CREDIT_END.search(lines[i].text) or _metadata(lines[i].text):
        score -= 4  # a photo caption with its credit, a stamp, a fact box: never the headline on its evidence alone
    else:  # (a caption tells the story too)
        score += TITLE_STORY_POINTS * header.tells_story(lines[i].text)
    piped = SITE_SUFFIX.match(lines[i].text)
    if piped and header.counts[canonical(piped.group("head"))] > 0:
        score -= 3  # the page's <title> ('Headline | Site'), printed next to the headline itself
    return score


def _over_standfirst_and_metadata(ev: list[Evidence], shapes: list[Shape], i: int, lead: int) -> bool:
    """Whether the line at i stands over one paragraph (or a deck), then a byline or date (or the writer's name over
    it), above the lead: a headline over its standfirst, where a teaser's headline in a menu further up stands over
    its blurb and the next teaser."""
    under = next((j for j in range(i + 1, lead) if ev[j].kind not in _SKIPPABLE), None)
    if under is None or ev[under].kind not in ("prose", "deck"):
        return False
    metadata = _next_meaningful(ev, shapes, under + 1, lead, shapes[under].core)
    return metadata is not None and _is_metadata(ev[metadata])


def _tells(header: _Header, lines: list[Line], i: int) -> bool:
    """Whether the line tells more than half of what a headline tells of the story."""
    return header.tells_story(lines[i].text) > STORY_TOLD / 2


def _has_letter(text: str) -> bool:
    """Words, not a counter ('0 0' is shaped like a section label too)."""
    return any(ch.isalpha() for ch in text)


def _metadata(text: str) -> bool:
    """A publication stamp among other words ('Associated Press November 19, 2031, 9:02 AM'), or a fact box of
    two fields or more ('Tested by: Dana Whitfield RRP: £23.99'): the story's metadata, shaped like a headline."""
    return carries_stamp(text) or len(FIELD.findall(text)) >= 2


def _list_item(lines: list[Line], i: int) -> bool:
    """A bulleted line under another bulleted line: an item of a list (a breadcrumb, a menu), never the headline."""
    return i > 0 and bool(LEADING_BULLET_RE.match(lines[i].text)) and bool(LEADING_BULLET_RE.match(lines[i - 1].text))


def _never_title(lines: list[Line], i: int) -> bool:
    """A list's item; a line that opens like a byline (the gate refuses such a title: `title_no_byline`); a line
    ending in a colon, which introduces what follows it ('Jetzt neu bei X:', 'Also read:'); a video's card; a
    photo's caption with its credit (PICTURE_CREDIT); an interview's question or answer ('Q: How ...?')."""
    text = lines[i].text
    return (
        _list_item(lines, i)
        or bool(BYLINE_OPENING_RE.match(text))
        or text.rstrip().endswith(INTRO_ENDS)
        or bool(VIDEO_CARD_RE.match(text.strip()))
        or bool(PICTURE_CREDIT.search(text))
        or bool(INTERVIEW_CUE_RE.match(text.strip()))
    )


def _own_headline_learned(i: int, ev: list[Evidence], shapes: list[Shape], lead: int) -> bool:
    """A headline printed on other pages too (listings, 'most read' widgets) is learned as repeated across
    documents; shaped as a headline right above this page's byline, date or lead, it is this page's own headline."""
    if ev[i].rule != "repeated_across_documents" or not shapes[i].headline:
        return False
    return _stands_over(ev, shapes, i, lead) is not None


def _choose_title(
    lines: list[Line], ev: list[Evidence], shapes: list[Shape], lead: int, lead_dated: bool, learned: _Learned
) -> int | None:
    """The headline among the lines above the lead: among the lines nearest above it first, then among all; a
    headline the corpus learned as repeated only where no other line is one (a dated 'most read' list above the
    article must not take the title from its headline); a headline not shaped like one near the lead
    (`_sentence_shaped_headline`) where none is, or where the one found tells little of the story."""
    header = _Header.of(lines, ev, shapes, lead)
    near = _title_window(ev, lead)
    title: int | None = None
    shaped = _sentence_shaped_headline(lines, ev, shapes, header, near, lead)
    for with_learned in (False, True):
        near_title, page_title = (
            _best_title(lines, ev, shapes, lead, lead_dated, learned, header, with_learned, start)
            for start in (near, 0)
        )
        # A headline of two sentences near the lead, where only lines further up are shaped like one.
        near_title = shaped if near_title is None and page_title is not None else near_title
        if near_title is not None and page_title is not None:
            title = page_title if _story_further_up(lines, ev, shapes, header, near_title, page_title) else near_title
        else:
            title = near_title if near_title is not None else page_title
        if title is not None:
            break
    # A headline-shaped line that tells little of the story and stands over no byline or date (a menu's item, a like
    # button over the lead), or a section's label right over it (a kicker: 'Earnings Report'), yields to a headline
    # of two sentences near above the lead that tells it; or that the page prints twice above the lead, whatever the
    # line over it stands over (a subscription offer over the headline and its copy, then the byline).
    untold = title is not None and not _tells(header, lines, title)
    if shaped is not None and (
        title is None
        or (untold and (_stands_over(ev, shapes, title, lead) != "metadata" or _printed_twice(shapes, shaped, lead)))
        or _kicker_over(lines, ev, shapes, title, shaped, lead)
    ):
        return shaped
    # A headline stands over its byline or date: one that does wins over the points of the story's summary listed
    # under them, shaped like headlines (Korean pages list them under the byline). A headline printed under the date
    # (over the lead, with a deck over the date) is the only headline-shaped line there.
    if shaped is not None and title is not None and shaped < title:
        metadata = _next_meaningful(ev, shapes, shaped + 1, lead, shapes[shaped].core)
        if metadata is not None and metadata < title and ev[metadata].kind in _BYLINE_OR_DATE:
            points = {shapes[j].core for j in range(metadata + 1, lead) if ev[j].kind == "headline"}
            return shaped if len(points) >= SUMMARY_POINTS_MIN else title
    over = _headline_over_deck(lines, ev, shapes, header, title, lead) if title is not None else None
    return over if over is not None else title


def _kicker_over(lines: list[Line], ev: list[Evidence], shapes: list[Shape], i: int, headline: int, lead: int) -> bool:
    """Whether the line at i is a section's label of a few words (LABEL_MAX_WORDS) right over the headline."""
    label = shapes[i].category and shapes[i].words <= LABEL_MAX_WORDS and _has_letter(lines[i].text)
    return label and _next_meaningful(ev, shapes, i + 1, lead, shapes[i].core) == headline


def _headline_over_deck(lines: list[Line], ev: list[Evidence], shapes: list[Shape], header: _Header, deck: int,
                        lead: int) -> int | None:  # fmt: skip
    """The headline right above a deck that won the title: a shorter headline-shaped line that tells the story,
    over the longer one that stands over the byline or date (a standfirst prints there, under its headline)."""
    above = next(_units_above(ev, deck), None)
    if above is None or ev[above].kind != "headline" or _never_title(lines, above):
        return None
    if _stands_over(ev, shapes, deck, lead) != "metadata":
        return None
    text = lines[above].text
    if CREDIT_END.search(text) or _metadata(text):
        return None  # a photo's caption closed by its credit
    shorter = HEADLINE_WORDS[0] <= shapes[above].words < shapes[deck].words
    return above if shorter and _tells(header, lines, above) else None


def _sentence_shaped_headline(lines: list[Line], ev: list[Evidence], shapes: list[Shape], header: _Header,
                              start: int, lead: int) -> int | None:  # fmt: skip
    """A headline not shaped like one: the first line near above the lead that tells the story (`_tells`: more than
    half of what a headline must; inflected words differ), of a headline's length, ends like no sentence (a
    quotation whole may, and a line right over the byline or date) and is no caption. A headline of two sentences
    ('Germany. Borders to stay shut') or a quoted one ("'I sell theme park holidays - the right day could save you
    thousands'") reads as a short line or a paragraph (a deck, above the lead), not as a headline."""
    for i in range(start, lead):
        if (
            ev[i].kind not in ("short", "prose", "deck")
            or len(lines[i].text) > HEADLINE_MAX_CHARS
            or _never_title(lines, i)
        ):
            continue
        said = shapes[i].ends_sentence and not _may_end_like_a_sentence(lines, ev, shapes, i, lead)
        if said or not LABEL_MAX_WORDS < shapes[i].words <= HEADLINE_MAX_WORDS:
            continue
        if CREDIT_END.search(lines[i].text) or _metadata(lines[i].text):
            continue  # a photo's caption closed by its credit, a stamp, a fact box
        if _tells(header, lines, i) or _printed_twice(shapes, i, lead):
            return i
    return None


def _printed_twice(shapes: list[Shape], i: int, lead: int) -> bool:
    """Whether the line at i, of a headline's length, is printed again above the lead, as pages print their headline
    (the page's and the article's; a deck printed again is printed as the lead, and a menu's item as a tag)."""
    return shapes[i].words >= HEADLINE_WORDS[0] and sum(shapes[j].core == shapes[i].core for j in range(lead)) > 1


def _may_end_like_a_sentence(lines: list[Line], ev: list[Evidence], shapes: list[Shape], i: int, lead: int) -> bool:
    """A headline that ends like a sentence: a quotation whole, or a line right over the byline or date (not under
    them: a deck there is)."""
    if QUOTED_LINE.match(lines[i].text):
        return True
    return _stands_over(ev, shapes, i, lead) == "metadata" and not _under_metadata(ev, i)


def _story_further_up(
    lines: list[Line], ev: list[Evidence], shapes: list[Shape], header: _Header, near: int, far: int
) -> bool:
    """Whether the best line further up tells the story where the best near line tells little of it (share
    buttons, a box of picks and a caption can fill the lines between a headline and its lead); a kicker printed
    right above the near line is its label, however many of the story's words it has."""
    told = header.tells_story(lines[far].text) >= STORY_TOLD
    untold = not _tells(header, lines, near)
    return told and untold and _next_meaningful(ev, shapes, far + 1, near + 1, shapes[far].core) != near


def _title_window(ev: list[Evidence], lead: int) -> int:
    """Where the lines of text nearest above the lead start: the last TITLE_WINDOW_LINES headlines, short lines or
    paragraphs (decks) above it. A page's headline sits there, over its standfirst, byline and date; menus and
    teaser lists sit further up."""
    seen = 0
    for j in range(lead - 1, -1, -1):
        if ev[j].kind in _BODY_KINDS:
            seen += 1
            if seen == TITLE_WINDOW_LINES:
                return j
    return 0


def _best_title(
    lines: list[Line],
    ev: list[Evidence],
    shapes: list[Shape],
    lead: int,
    lead_dated: bool,
    learned: _Learned,
    header: _Header,
    with_learned: bool,
    start: int,
) -> int | None:
    best: tuple[float, int] | None = None
    previous: int | None = None  # the last line before i that is neither chrome nor a caption
    first = True
    # The first headline-like line to tell the story gains (menus' and teasers' lines come first on many pages);
    # where none does (a story whose words its paragraphs do not part into, as in Japanese), the first of all.
    any_told = any(_tells(header, lines, j) for j in range(start, lead) if ev[j].kind == "headline")
    for i in range(start, lead):
        # The model may vouch for a headline the shape tests missed (two 'sentences', a doubled line), of a
        # headline's length.
        vouched = (
            learned.vouches_title(i)
            and (ev[i].kind in ("short", "prose") or ev[i].rule in _VOUCHABLE)
            and len(lines[i].text) <= HEADLINE_MAX_CHARS
        )
        vouched = vouched or (with_learned and _own_headline_learned(i, ev, shapes, lead))
        if (ev[i].kind in _SKIPPABLE and not vouched) or _never_title(lines, i):
            continue
        if ev[i].kind == "headline" or vouched:
            score = _title_score(i, lines, ev, shapes, lead, lead_dated, header)
            # Headline first, deck under it: the first headline-like line (`any_told`) gains, one right under
            # another loses, unless the line above shares no word with the story (a teaser's, a menu's) and this one
            # is shaped like its headline: it tells the story in HEADLINE_STORY_WORDS of its words, and ends like no
            # sentence (a deck's sentence does).
            told = _tells(header, lines, i) or not any_told
            score += 1 if first and told else 0
            # A section label right above (a kicker: 'Federal Politics') labels the headline: no deck under it.
            kicker = previous is not None and shapes[previous].category and _has_letter(lines[previous].text)
            under_other = previous is not None and ev[previous].kind == "headline" and not kicker
            headline_under_unrelated = (
                under_other
                and not header.shared(lines[previous].text)
                and header.shared(lines[i].text) >= HEADLINE_STORY_WORDS
                and not shapes[i].ends_sentence
            )
            if under_other and shapes[previous].core != shapes[i].core and not headline_under_unrelated:
                score -= 1
            first = first and not told
            score += learned.title_bonus(i)
            # The same headline printed again further down is the same title: its first print keeps it.
            again = best is not None and shapes[best[1]].core == shapes[i].core
            if score >= 1 and (best is None or (score > best[0] and not again)):
                best = (score, i)
        previous = i
    return None if best is None else best[1]


def _category_index(ev: list[Evidence], shapes: list[Shape], title: int | None, lead: int) -> int | None:
    """The label right above the headline (or, without a headline, the first line) if it reads as a section; a
    byline printed over the headline may stand between them ('Economy' / 'By Dana Whitfield' / headline)."""
    order = range(title - 1, -1, -1) if title is not None else range(lead)
    for j in order:
        # A section label printed on every page is learned as repeated, but still a label; a rule match wins.
        learned_label = ev[j].rule == "repeated_across_documents" and shapes[j].category
        if ev[j].kind == "separator" or (ev[j].kind in _SKIPPABLE and not learned_label):
            continue
        if ev[j].kind == "byline" and title is not None and j == title - 1:
            continue
        if ev[j].kind in _META_KINDS:
            if title is None:
                continue
            return None
        return j if shapes[j].category else None
    return None


@dataclasses.dataclass(frozen=True)
class _Learned:
    """The line model's view of the units from ``begin`` on (none without a model): it vetoes, the rules decide."""

    scores: LineScores | None
    begin: int

    def vetoes(self, i: int, ev: list[Evidence], shapes: list[Shape]) -> bool:
        if self.scores is None or self.scores.chrome[self.begin + i] < self.scores.veto_chrome:
            return False
        return ev[i].kind != "prose" or shapes[i].words <= self.scores.veto_max_paragraph_words

    def vouches_title(self, i: int) -> bool:
        return self.scores is not None and self.scores.title[self.begin + i] >= self.scores.title_candidate

    def title_bonus(self, i: int) -> float:
        return 0.0 if self.scores is None else self.scores.title_weight * self.scores.title[self.begin + i]

    def chrome_segment(self, line: Line, i: int) -> Segment:
        assert self.scores is not None
        rule = f"{self.scores.model}:chrome"
        return Segment(
            line.start, line.end, line.text, "chrome", rule, line.fragment, self.scores.chrome[self.begin + i]
        )


def _lead_and_title(
    lines: list[Line], ev: list[Evidence], shapes: list[Shape], floor: int, learned: _Learned
) -> tuple[int, re.Match[str] | None, bool, int | None]:
    """The lead (len(lines) if there is none), its glued date stamp, whether that is a date, and the headline."""
    lead = _find_lead(lines, ev, shapes, floor)
    if lead is None:
        lead = len(lines)
    lead_match = LEAD_DATE.match(lines[lead].text) if lead < len(lines) else None
    lead_dated = bool(lead_match and find_dates(lead_match.group("stamp")))
    return lead, lead_match, lead_dated, _choose_title(lines, ev, shapes, lead, lead_dated, learned)


def _headline_read_as_lead(lines: list[Line], ev: list[Evidence], shapes: list[Shape], lead: int,
                           title: int | None) -> bool:  # fmt: skip
    """A headline that reads like a sentence ('South Dakota doubles down. It just might work.', 'Lynn: "We needed
    this win"') is taken for the lead when no headline-shaped line above it tells the story. It is the headline
    when it is shorter than a sure paragraph and tells the story of the paragraphs under it, and the title found
    above (a menu's item, a widget's label) tells little of it and does not stand right over it (or over its
    byline or date): a headline there is the page's, whatever its words."""
    if lead >= len(lines) or shapes[lead].words >= PROSE_SURE_WORDS or LEAD_DATE.match(lines[lead].text):
        return False
    if title is None or _stands_over(ev, shapes, title, lead) is not None:
        return False  # no headline-shaped line at all: a short lead (a crawler's date glued to it, say)
    below = next((j for j in range(lead + 1, len(lines)) if ev[j].kind == "prose"), None)
    if below is None or (below == lead + 1 and lines[lead].text.rstrip().endswith((".", *ELLIPSES))):
        # A headline stands over its byline, date or photo, or over a standfirst when it ends like no statement
        # ('... time to be careful?', '... to kill Rep. Ilhan Omar'); a short lead, over the next paragraph.
        return False
    story = _Header.of(lines, ev, shapes, below)
    untold = not _tells(story, lines, title)
    return untold and story.tells_story(lines[lead].text) >= STORY_TOLD


def _summary_boxes_as_decks(ev: list[Evidence], shapes: list[Shape]) -> None:
    """A summary box a language model wrote, next to its note (SUMMARY_NOTE_RULES), above it or else under it, past
    its header ('Kort fortalt', 'In Kürze'): its short lines sum up the story, and are a deck, not its text."""
    # The page's first note only: it sums up the page's story; a box further down, another story's.
    for note in itertools.islice((i for i, e in enumerate(ev) if e.rule in SUMMARY_NOTE_RULES), 1):
        for step in (-1, 1):
            j, header = note + step, False
            while 0 <= j < len(ev) and (
                ev[j].kind in _PAGE_FURNITURE
                or (not header and ev[j].kind in ("headline", "short") and shapes[j].words <= LABEL_MAX_WORDS)
            ):
                header = header or ev[j].kind not in _PAGE_FURNITURE
                j += step
            summed = j
            while 0 <= j < len(ev) and ev[j].kind in ("prose", "short") and shapes[j].words < PROSE_SURE_WORDS:
                ev[j] = Evidence("deck", "deck")
                j += step
            if j != summed:
                break  # the box over the note: the story's lead may be short, under it


def _key_points_as_decks(lines: list[Line], ev: list[Evidence]) -> None:
    """The points of a box under its label ('Key Points', then a sentence a point), and a photo's caption under
    them, up to what closes the box (a credit, a byline, a date): a deck that sums the story up, not its text.
    Points that run on into the paragraphs with nothing between are not told from the lead, and stay."""
    label = next((i for i, e in enumerate(ev) if e.rule == "key_points_label"), None)
    if label is None:
        return
    end = label + 1
    while (
        end < len(ev)
        and end - label <= KEY_POINTS_MAX
        and ev[end].kind in _BODY_KINDS
        and not any(sentence_breaks(lines[end].text))
    ):
        end += 1
    if end == label + 1 or end == len(ev) or ev[end].kind in _BODY_KINDS:
        return
    for i in range(label + 1, end):
        ev[i] = Evidence("deck", "deck")


def _join_split_bylines(lines: list[Line], ev: list[Evidence], shapes: list[Shape]) -> None:
    """'By' alone on its line, or a label ('Author of the article:'), and the writer's name on the next (printed
    again on the lines after it, as a link and as its text): one byline. A writer's name printed on many pages of a
    site is learned as a repeated line: under 'By' it is still this page's byline."""
    for i in range(len(lines) - 1):
        # An outlet's name read as a masthead is a writer too under the label ('By' over 'The Associated Press').
        named = ev[i + 1].kind in ("short", "headline", "source") or ev[i + 1].rule == "repeated_across_documents"
        by = BY_ALONE.fullmatch(lines[i].text.strip())
        if not named or by is None:
            continue
        # The name's line may end on the separator that parts it from the agency on the next ('Dana Whitfield ,').
        name = byline_name(f"{by['other'] or 'By'} {lines[i + 1].text.strip().rstrip(NAME_SEPARATORS).rstrip()}")
        if name is None:
            continue
        ev[i] = ev[i + 1] = Evidence("byline", name=name)
        j = i + 2
        while j < len(lines) and shapes[j].canon == shapes[i + 1].canon:
            ev[j] = ev[i]
            j += 1


def _writers_over_stamps(lines: list[Line], ev: list[Evidence]) -> None:
    """A writer's name alone on its line (`_writer_of`) right over the date stamp or a time relative to the crawl
    ('Dana Whitfield' over 'Published 3 hours ago'): with the date, the story's metadata, under its headline and
    standfirst. A teaser's card prints its writer and time so too; only between the headline and the lead is the name
    the byline (`_unlabelled_byline`)."""
    for i in range(len(lines) - 1):
        stamped = ev[i + 1].kind == "date" or ev[i + 1].rule == "relative_timestamp"
        if stamped and ev[i].kind in ("short", "headline") and _writer_of(lines[i].text) is not None:
            ev[i] = Evidence(ev[i].kind, WRITER_OVER_STAMP)


def _fields_in_rows(lines: list[Line], ev: list[Evidence]) -> None:
    """A page's metadata printed as a table, each field's label on its own line over its value ('Date' /
    '2031-11-18' / 'Division' / 'Trade Policy Division' / 'Contact' / '+82-44-203-5612'): a label (FIELD_LABEL) right
    under the date stamp, a byline or another field, and the line under it, are a field, never the headline or the
    text. Elsewhere a label is what it reads as ('Contact' in a menu, or over a section's name)."""
    for i in range(1, len(lines) - 1):  # in page order: a field found here chains the label under it
        chained = _is_metadata(ev[i - 1]) or ev[i - 1].rule == METADATA_FIELD
        label = ev[i].kind == "short" and FIELD_LABEL.fullmatch(lines[i].text) is not None
        if chained and label and ev[i + 1].kind in ("short", "headline"):
            ev[i] = ev[i + 1] = Evidence("chrome", METADATA_FIELD)


def _unlabelled_byline(lines: list[Line], ev: list[Evidence], title: int, lead: int) -> None:
    """A writer's name with no 'By' (NAME_LINE: two to four capitalised words), between the headline and the lead,
    on a page whose header has no byline: alone on its line right over the date stamp (or right under it, where
    `_named_under_date` says it names the writer), or with the date after it on its line, an outlet or label between
    them or not ('Dana Whitfield 19 November 2031 - 14:41', 'Dana Whitfield / HARBORDAILY.COM / Nov 19, 2031',
    'Dana Whitfield · Harbor Daily · Posted: Nov 19, 2031'): the byline, and with it the date. A name before a time
    relative to the crawl ('Dana Whitfield | Published 2 hours ago') is the byline, with no date."""
    if any(e.kind == "byline" for e in ev[:lead]):
        return
    for i in range(title + 1, lead):
        if ev[i].kind == "date":
            # A date stamp's words before the date are its section's ('All News 09:05 April 11, 2031'), unless they
            # are a byline with 'By' on a line longer than a byline's ('By X | date - Updated date'), or a name
            # that a bar, a bullet, a slash, a dash or a comma parts from the date ('Dana Whitfield | 19.11.2031').
            stamp = ev[i].stamp
            dated = dated_byline(lines[i].text)
            if dated is None and (name := _name_parted_from_date(lines[i].text, stamp.section)) is not None:
                dated = name, DateStamp(stamp.value, None)
            if dated is not None:
                ev[i] = Evidence("byline", name=dated[0], stamp=dated[1])
                return
            continue
        if ev[i].rule == "relative_timestamp":
            # The writer's name before a time relative to the crawl ('Dana Whitfield | Published 2 hours ago'); a
            # name glued to it is an aggregator's card's source ('Coastal Herald2 days ago').
            ago = TIME_AGO_RE.search(lines[i].text)
            before = lines[i].text[: ago.start()] if ago else ""
            name = _writer_of(FIELDS_PARTED.split(before)[0]) if before[-1:].isspace() else None
            if name is not None:
                ev[i] = Evidence("byline", name=name)
                return
            continue
        if ev[i].kind not in ("short", "headline") and not _agency_over_stamp(lines, ev, i, title):
            continue
        found = find_dates(lines[i].text)
        if found:
            before = FIELDS_PARTED.split(without_stamp_label(lines[i].text[: found[0].start]))
            # A byline after the date names the writer, and the words before it are the outlet's ('Le Monde |
            # 04.05.2031 | Par Jean Marchand (avec ...)'), which the layouts leave to the line's own reading.
            after = FIELDS_PARTED.split(lines[i].text[found[0].end :])
            credited = any(BYLINE.match(part) or OTHER_LANGUAGE_BYLINE.match(part) for part in after)
            name = None if credited else _writer_of(before[0])
            if name is not None:
                ev[i] = Evidence("byline", name=name, stamp=DateStamp(found[0].value, None))
                return
        # The name alone, or with the page's reading time after it ('Dana Whitfield 2 minutes read'), or with the
        # writer's role ('Dana Whitfield Parliamentary editor', which no byline's 'By' announced to the evidence).
        name = _writer_of(without_reading_time(lines[i].text)) or byline_name(lines[i].text)
        if name is None:
            continue
        under = next((j for j in range(i + 1, lead) if ev[j].kind not in _SKIPPABLE), None)
        over_stamp = ev[i].rule == WRITER_OVER_STAMP or (under is not None and ev[under].kind == "date")
        if over_stamp or _named_under_date(lines, ev, i):
            ev[i] = Evidence("byline", name=name)
            return


def _agency_over_stamp(lines: list[Line], ev: list[Evidence], i: int, title: int) -> bool:
    """Whether a wire agency's name alone, as a byline spells it ('Reuters', not a photo credit's 'REUTERS'), right
    under the headline and right over the date stamp, is read as a writer's name there (the evidence calls it an
    image credit): an image credit stands by its photo's caption, not between a headline and its date."""
    agency = lines[i].text.strip() in WIRE_AGENCIES
    return agency and i == title + 1 and i + 1 < len(lines) and ev[i + 1].kind == "date"


def _name_parted_from_date(text: str, section: str | None) -> str | None:
    """The writer a date stamp's words before the date name, where a bar, a bullet, a slash, a dash or a comma
    parts them from it ('Dana Whitfield | 19.11.2031', 'Dana Whitfield , 19.11.2031 10:00 Uhr'): a section's label
    stands right before its date ('All News 09:05 April 11, 2031')."""
    if section is None:
        return None
    parted = text.strip()[len(section) :].lstrip()[:1] in BYLINE_DATE_JOINERS.strip()
    return _writer_of(section) if parted else None


def _named_under_date(lines: list[Line], ev: list[Evidence], i: int) -> bool:
    """Whether a name-shaped line right under the date stamp, with nothing between them, names the writer. Under
    the date, other short lines stand as often: a button's or a label's words in capitals ('LISTEN NOW'), a photo's
    caption over its labelled credit ('Photo: X'), the words of the headline or a crumb printed again (already
    printed above). Over a caption that tells what the photo shows ('Hyundai Steel's headquarters / Yonhap'), the
    name is no caption's."""
    text = lines[i].text.strip()
    pictured = i + 1 < len(lines) and ev[i + 1].rule == "caption_marker"
    dated = ev[i - 1].kind == "date"
    return dated and not text.isupper() and not pictured and all(text not in line.text for line in lines[:i])


def _writer_of(text: str) -> str | None:
    """The name a line holds alone (NAME_LINE), or the names, as bylines join them ('Dana Whitfield and Ara Kwon',
    'Dana Whitfield | Ara Kwon'; a wire agency among them: 'Dana Whitfield and AP'), unless their words are a
    label's ('The Nation', 'Top 10'). After a comma comes the writer's outlet or role as often as another writer
    ('Dana Whitfield, Harbor Daily', 'Dana Whitfield, AP Ports Writer'): the names before it are the byline's. A
    social handle glued to the name is the link's ('Dana Whitfield@DanaWhitfield'), and a role before it no part of it
    ('Reporter Dana Whitfield')."""
    head = GLUED_HANDLE.sub("", ROLE_BEFORE_NAME.sub("", text.strip().split(",", 1)[0].strip()))
    parts = _writers(head)
    people = [part for part in parts if part not in WIRE_AGENCIES and not AGENCY_ACRONYM.fullmatch(part)]
    if not people:  # letters alone ('NEWS', 'AP') name no one; a wire agency's name ('Associated Press') does
        return head if parts and all(part in WIRE_AGENCIES for part in parts) else None
    names = [_name_of(part) for part in people]
    if any(name is None or any(ch.isdigit() for ch in name) or _opens_with_small_word(name) for name in names):
        return None
    return names[0] if len(parts) == 1 else head


def _opens_with_small_word(text: str) -> bool:
    """Whether the line's first word is one a headline or label leaves small ('The', 'In'): no name's."""
    return text.split(maxsplit=1)[0].casefold() in HEADLINE_SMALL_WORDS


def parse_article(
    doc: Document, begin: int = 0, forced_date: dt.date | None = None, stop: int | None = None
) -> Parsed:
    """The article made of the document's units from ``begin`` on (up to ``stop``, the next story's, if given)."""
    lines = list(doc.lines[begin:stop])
    ev = list(doc.evidence[begin:stop])
    shapes = list(doc.shapes[begin:stop])
    learned = _Learned(doc.scores, begin)
    for i in range(1, len(lines)):  # the same line twice in a row: a doubled caption or a repeated widget
        same = ev[i].kind not in _SKIPPABLE and shapes[i].canon == shapes[i - 1].canon
        if same and (ev[i - 1].kind == "caption" or ev[i].kind == "prose"):
            ev[i - 1] = ev[i] = Evidence("caption", "caption_doubled")
    for i in range(1, len(lines) - 1):  # a CMS's caption shortcode left unrendered round its caption
        if CAPTION_OPENS.match(lines[i - 1].text) and CAPTION_CLOSES.match(lines[i + 1].text):
            ev[i] = Evidence("caption", "caption_shortcode")
    _join_split_bylines(lines, ev, shapes)
    _writers_over_stamps(lines, ev)
    _fields_in_rows(lines, ev)
    _key_points_as_decks(lines, ev)
    run_first, run_last = _article_run(lines, ev, shapes)
    _summary_boxes_as_decks(ev, shapes)  # after the run: a summary's lines under a story's header are its text's
    lead, lead_match, lead_dated, title = _lead_and_title(lines, ev, shapes, run_first, learned)
    if _headline_read_as_lead(lines, ev, shapes, lead, title):
        ev[lead] = Evidence("headline")
        lead, lead_match, lead_dated, title = _lead_and_title(lines, ev, shapes, lead + 1, learned)
    if lead == len(lines) and title is not None:
        # No prose paragraph at all: what follows the headline (minus metadata) is the body.
        lead = next((j for j in range(title + 1, len(lines)) if ev[j].kind in ("headline", "short")), len(lines))
    category = _category_index(ev, shapes, title, lead)
    if title is not None:
        _unlabelled_byline(lines, ev, title, lead)

    draft = Draft(segments=[])
    dates: list[_DateCandidate] = []
    if forced_date is not None:
        dates.append(_DateCandidate(0, -1, forced_date))
    title_core = shapes[title].core if title is not None else None
    stamped: list[tuple[Segment, _DateCandidate]] = []
    above_title: str | None = None  # the first byline above the headline
    for i in range(lead):
        line, e = lines[i], ev[i]
        if i == title:
            text = LEADING_BULLET_RE.sub(r"\g<kept>", line.text.strip())
            by = GLUED_BYLINE.search(text)
            if by:
                draft.segments.append(_seg(line, "byline", "byline_glued_to_title", by.group("credit"), True))
                draft.byline = draft.byline or by.group("name")
                text = text[: by.start("credit")].rstrip()
                line = Line(line.start, line.end, text, fragment=True)
            outlet = OUTLET_SUFFIX.match(text)
            if outlet:
                draft.segments.append(_seg(line, "chrome", "site_suffix", text[outlet.end("head") :].strip(), True))
                text = outlet.group("head")
                line = Line(line.start, line.end, text, fragment=True)
            doubled = DOUBLED_TEXT.match(text)
            if doubled:
                text = doubled.group("once")
                line = Line(line.start, line.end, text, fragment=True)
            glued = TRAILING_ISO_DATE.search(text)
            if glued:
                head = text[: glued.start()].strip()
                draft.segments.append(_seg(line, "title", "headline", head, fragment=True))
                draft.segments.append(_seg(line, "date", "date_glued_to_title", glued.group(0), fragment=True))
                value = find_dates(glued.group("date"))
                if value:
                    dates.append(_DateCandidate(2, i, value[0].value))
                text = head
            else:
                draft.segments.append(_seg(line, "title", "headline"))
            draft.title = text
            desk = DESK_TAG_RE.match(text)
            if desk and category is None:
                draft.category = desk.group("tag").strip("[]").strip()  # the desk or programme it is filed under
        elif i == category:
            draft.segments.append(_seg(line, "category", "label_above_headline"))
            draft.category = LEADING_BULLET_RE.sub(r"\g<kept>", line.text.strip())
        elif e.kind == "date" and e.stamp.is_update:
            draft.segments.append(_seg(line, "chrome", "updated_timestamp"))
            candidate = _DateCandidate(UPDATE_ONLY, i, e.stamp.value)
            dates.append(candidate)
            stamped.append((draft.segments[-1], candidate))
        elif e.kind == "date":
            before_title = title is not None and i < title
            candidate = _DateCandidate(1 if e.stamp.label else (4 if before_title else 3), i, e.stamp.value)
            draft.category = draft.category or e.stamp.section
            dates.append(candidate)
            draft.segments.append(_seg(line, "date", e.stamp.label or "date_stamp"))
            stamped.append((draft.segments[-1], candidate))
        elif e.kind == "byline":
            draft.segments.append(_seg(line, "byline", "byline_line"))
            # A byline above the headline may be a menu's or a filter's ('Sort By Type'): one under it is the story's.
            if title is not None and i < title:
                above_title = above_title or e.name
            else:
                draft.byline = draft.byline or e.name
            if e.stamp is not None:  # the date printed after the name
                dates.append(_DateCandidate(3, i, e.stamp.value))
        elif e.kind == "source":
            draft.segments.append(_seg(line, "source", "masthead"))
            draft.source = draft.source or e.name
        elif (signed := _signs_byline(i, ev, shapes, lines)) and (
            signed == "byline_above_email" or (title is not None and i > title)
        ):  # over the headline, a role's words are as often a menu's (a magazine's 'Business Reporter')
            draft.segments.append(_seg(line, "byline", signed))
            draft.byline = draft.byline or _name_of(line.text)
        elif e.rule == "breadcrumb" and category is None and _last_crumb(line.text):
            # The trail's last crumb is the article's section ('Home > Business > Industry').
            draft.segments.append(_seg(line, "category", "breadcrumb"))
            draft.category = draft.category or _last_crumb(line.text)
        elif e.kind in _SKIPPABLE or e.kind == "deck":
            draft.segments.append(_seg(line, "chrome", e.rule))
        elif title_core is not None and _repeats_title(line.text, shapes[i].core, title_core):
            draft.segments.append(_seg(line, "chrome", "title_repeated"))
        elif title is not None and i > title:
            draft.segments.append(_seg(line, "chrome", "deck"))
        else:
            draft.segments.append(_seg(line, "chrome", "header_residue"))

    draft.byline = draft.byline or above_title
    # A lead past the article's run (whose paragraphs were decks or captions) reads on to the end of the page.
    article_end = run_last if lead <= run_last else len(lines) - 1
    # The writer's biography, named as the byline names them, closes the article; so does their name alone on a
    # line over a box about them.
    last_paragraphs = [i for i in range(lead + 1, article_end + 1) if ev[i].kind == "prose"][-AUTHOR_BIO_PARAGRAPHS:]
    bio = next((i for i in last_paragraphs if _author_bio(lines[i].text, draft.byline)), None)
    if bio is None:
        bio = _author_box_name(ev, shapes, draft.byline, lead, article_end)
    if bio is None:
        bio = _author_box_by_first_name(lines, ev, draft.byline, lead, article_end)
    if bio is not None:
        ev[bio] = Evidence("end", "author_box")
    _name_over_biography(lines, ev)
    # Paragraphs past the marker that closes the article are the page's tail, not its last paragraph: the lines of
    # text between the two (a list of other stories over 'Originally published on X') are not the article's.
    closing = _closing_end(lead, lines, ev, shapes)
    last_prose = max((i for i in range(lead, min(article_end, closing - 1) + 1) if ev[i].kind == "prose"),
                     default=len(lines))  # fmt: skip
    # Statements right under it, too short to be paragraphs ('Colombia had lost to Belgium on Monday.'), still
    # are the article's: the headlines of a list of other stories do not end like sentences.
    while last_prose + 1 < closing and _tail_sentence(
        lines[last_prose + 1], ev[last_prose + 1], shapes[last_prose + 1]
    ):
        last_prose += 1
    # Lists the article introduces with a line ending in ':' ('The tour dates:', then a line per date) are its own
    # text, under its last paragraph too, whatever the model makes of their short lines.
    introduced = _introduced_lists(lines, ev, shapes, lead, closing)
    while last_prose + 1 in introduced:
        last_prose += 1
    # The lead, and a last paragraph closed by an agency sign-off ('... won. (Yonhap)'), are the article's own.
    signed = last_prose if last_prose < len(lines) and SIGNOFF.search(lines[last_prose].text) else None
    # A paragraph closed by the reporter's e-mail ends the article ('... next spring. (name@paper.com)').
    emailed = next((i for i in range(lead, len(lines)) if ev[i].kind in _BODY_KINDS and "@" in lines[i].text
                    and EMAIL_SIGNOFF.search(lines[i].text)), None)  # fmt: skip
    # The last paragraph under a section's heading, right over the marker that ends the article ('Related
    # Stories'), is the article's: the model reads a short one there as a teaser's blurb, but teasers stand under
    # that marker.
    marked = last_prose if _closes_last_section(last_prose, ev) else None
    kept_anyway = {signed, emailed, marked, *introduced}
    vetoed = {i for i in range(lead + 1, len(lines)) if i not in kept_anyway and learned.vetoes(i, ev, shapes)}
    kept_prose = {i for i in range(lead, len(lines)) if ev[i].kind == "prose" and i not in vetoed}
    # Below the article's run of paragraphs: other paragraphs, and lines of text when there are several (a list of
    # other stories); one line alone may be the paragraph a saved page cut off.
    below = [i for i in range(last_prose + 1, len(lines)) if ev[i].kind in _BODY_KINDS]
    listed = {i for i in below if ev[i].kind != "prose"}
    listed = listed if len(listed) >= HEADLINE_LIST_MIN else set()
    detached = {i for i in below if ev[i].kind == "prose"}
    lead_canon = shapes[lead].canon if lead < len(lines) and ev[lead].kind == "prose" else None
    in_tail = False
    widget_until = -1  # units before this index sit in an inline box of links (after an inline end marker)
    previous = None
    for i in range(lead, len(lines)):
        line, e = lines[i], ev[i]
        if i == lead and lead_dated:
            assert lead_match is not None
            stamp = lead_match.group(0)
            dates.append(_DateCandidate(2, i, find_dates(stamp)[0].value))
            draft.segments.append(_seg(line, "date", "date_glued_to_lead", stamp, fragment=True))
            line = Line(line.start, line.end, line.text[lead_match.end() :], fragment=True)
        cue = BROADCAST_CUE.match(line.text) if i == lead else None
        if cue:
            draft.segments.append(_seg(line, "chrome", "broadcast_cue", cue.group(0).strip(), fragment=True))
            line = Line(line.start, line.end, line.text[cue.end() :], fragment=True)
        if in_tail:
            draft.segments.append(_seg(line, "chrome", "tail_widget"))
            continue
        if i < widget_until and e.kind in _BODY_KINDS:
            draft.segments.append(_seg(line, "chrome", "inline_widget"))
            continue
        if i > lead and shapes[i].canon == lead_canon:
            # The article printed a second time (a print view, an AMP copy): the first copy is the article. A
            # lead printed again with other paragraphs after it was a standfirst, and the article goes on.
            in_tail = _next_paragraph(i, ev, shapes) == _next_paragraph(lead, ev, shapes)
            draft.segments.append(_seg(line, "chrome", "body_repeated"))
        elif i > lead and title_core and shapes[i].core == title_core:
            draft.segments.append(_seg(line, "chrome", "title_repeated"))
        elif i == emailed:
            email = EMAIL_SIGNOFF.search(line.text)
            assert email is not None
            draft.segments.append(_seg(line, "body", "text", line.text[: email.start()], fragment=True))
            draft.segments.append(_seg(line, "chrome", "signoff_email", email.group(0).strip(), fragment=True))
            in_tail = draft.closed = True
        elif (resumed := _resumes_at(i, lines, ev, shapes)) is not None:
            draft.segments.append(_seg(line, "chrome", e.rule))
            widget_until = resumed
        elif e.kind == "end":
            in_tail = draft.closed = True
            owner = COPYRIGHT_OWNER.search(line.text) if e.rule in ("copyright_notice", "copyright_credit") else None
            if owner and not draft.source:
                draft.source = owner.group("name").strip(" .")
            draft.segments.append(_seg(line, "chrome", e.rule))
        elif e.kind in _SKIPPABLE:
            draft.segments.append(_seg(line, "chrome", e.rule))
        elif e.kind == "byline":
            draft.segments.append(_seg(line, "byline", "byline_line"))
            draft.byline = draft.byline or _writer_below(e.name, i, last_prose, lines, ev)
        elif e.kind == "source":
            # A masthead below the text (page footer): the publisher, not a paragraph.
            draft.segments.append(_seg(line, "source", "masthead"))
            draft.source = e.name
        elif e.kind == "date" and e.stamp.is_update:
            draft.segments.append(_seg(line, "chrome", "updated_timestamp"))
        elif e.kind == "date" and e.stamp.label in PUBLISHED_LABELS:
            dates.append(_DateCandidate(3, i, e.stamp.value))
            draft.segments.append(_seg(line, "date", e.stamp.label))
        elif e.kind == "date":
            # An unlabelled date below the lead (a footer's registration date, a gallery stamp) is not the
            # article's publication date.
            draft.segments.append(_seg(line, "chrome", "stray_date"))
        elif previous is not None and shapes[i].canon == previous:
            draft.segments.append(_seg(line, "chrome", "caption_doubled"))
        elif lead < i < last_prose and _caption_between_paragraphs(i, lines, ev, shapes):
            draft.segments.append(_seg(line, "chrome", "caption_credit_suffix"))
        elif i > last_prose and e.kind != "prose" and CREDIT_END.search(line.text):
            # Under the last paragraph, a line closed by a photo's credit ('Harbor Metals CEO Dana Whitfield (Harbor
            # Metals)') is its caption, no paragraph a saved page cut off (a last paragraph's sign-off after its
            # stop, '... said. (Yonhap)', ends a sentence: it is in the article's run).
            draft.segments.append(_seg(line, "chrome", "caption_credit_suffix"))
        elif (signed := _signature(i, lines, ev, shapes, last_prose)) is not None and (
            signed != "byline_above_role" or draft.byline in (None, _name_of(line.text))
        ):  # under a byline, another writer's name over a role is the story's
            draft.segments.append(_seg(line, "byline", signed))
            name = _name_of(line.text) or _name_with_email(line.text)
            draft.byline = draft.byline or _writer_below(name, i, last_prose, lines, ev)
        elif i in vetoed and not _section_heading(i, ev, lines, kept_prose):
            draft.segments.append(learned.chrome_segment(line, i))
        elif i in listed:
            # Headlines after the article's last paragraph: other stories (trending, more from this section).
            draft.segments.append(_seg(line, "chrome", "headline_list"))
        elif i in detached:
            draft.segments.append(_seg(line, "chrome", "detached_text"))
        else:
            draft.segments.append(_seg(line, "body", "text"))
            previous = shapes[i].canon

    _finish(draft, dates, stamped)
    if not any(s.role in ("title", "body") for s in draft.segments):
        # Nothing article-like on the page (e.g. only chrome): metadata alone is not a record.
        return Parsed(records=[], loose=[_as_chrome(s) for s in draft.segments])
    return Parsed(records=[draft])


def _as_chrome(segment: Segment) -> Segment:
    if segment.role == "chrome":
        return segment
    return dataclasses.replace(segment, role="chrome", rule="header_residue")


def _finish(draft: Draft, dates: list[_DateCandidate], stamped: list[tuple[Segment, _DateCandidate]]) -> None:
    """Pick the publication date, demote masthead dates, and read bylines from the dateline or sign-off."""
    if dates:
        best = min(dates)
        draft.published_date = best.value
        for segment, candidate in stamped:
            if candidate.priority == 4 and candidate is not best:
                # A bare date above the headline while the article prints its own date: a crawl-day banner.
                segment.role, segment.rule = "chrome", "masthead_date"
            elif candidate.priority == UPDATE_ONLY and candidate is best:
                segment.role, segment.rule = "date", "updated"
    body = [s for s in draft.segments if s.role == "body"]
    if not body:
        return
    lead_text = body[0].text.strip()
    dateline = DATELINE_AGENCY.match(lead_text)
    draft.dateline = dateline.group("agency").strip() if dateline else None
    agency = dateline or BRACKET_REPORTER.match(lead_text)
    if agency and not draft.byline:
        draft.byline = (agency.groupdict().get("agency") or agency.groupdict().get("name") or "").strip() or None
    if not draft.byline:
        draft.byline = _handoff_reporter(body) or _credited_agency(draft)
    last = body[-1]
    signoff = SIGNOFF.search(last.text)
    if signoff and not draft.byline:
        draft.byline = signoff.group("agency").strip()  # the sign-off is the article's only attribution: keep it
    elif signoff and canonical(signoff.group("agency")) == canonical(draft.byline) and word_count(last.text) > 3:
        # The sign-off repeats the byline printed above the article: redundant, not body text.
        index = draft.segments.index(last)
        kept = Segment(last.start, last.end, last.text[: signoff.start()].rstrip(), "body", last.rule, True)
        removed = Segment(last.start, last.end, signoff.group(0).strip(), "chrome", "signoff_agency", True)
        draft.segments[index : index + 1] = [kept, removed]
    elif not draft.byline:
        # The sign-off on a line of its own right under the last paragraph ('(Yonhap)'), a wire agency's name.
        closing = next((s for s in draft.segments[draft.segments.index(last) + 1 :] if s.text.strip()), None)
        alone = AGENCY_ALONE.fullmatch(closing.text.strip()) if closing is not None else None
        draft.byline = alone.group("agency") if alone else None


# A person's name alone on a line, optionally bulleted, in capitals or not ('- JIN EUN-SOO', 'Kim Min-su').
_NAME_WORDS = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}"  # two to four capitalised words
NAME_LINE = re.compile(rf"^(?:[-–—•·▪*]\s*)?(?P<name>{_NAME_WORDS})\s*$")
NAME_BEFORE_EMAIL = re.compile(rf"^(?P<name>{_NAME_WORDS})\s+(?:[/|]\s+)?[(<\[]?\s*{EMAIL}\s*[)>\]]?$")
# An e-mail line, or what an e-mail obfuscator leaves of it ('[email protected]').
EMAIL_LINE = re.compile(rf"^(?:[-–—•·▪*]\s*)?[(<\[]?\s*(?:{EMAIL}|email\s+protected)\s*[)>\]]?$",
                        re.IGNORECASE)  # fmt: skip
CRUMB_SPLIT = re.compile(r"\s*[>›»/|]\s*")


def _signs_byline(i: int, ev: list[Evidence], shapes: list[Shape], lines: list[Line]) -> str | None:
    """How a name alone on a line signs the article as its byline, if it does: with the author's e-mail right under
    it ('byline_above_email'), or their role ('Staff Reporter': 'byline_above_role')."""
    nxt = i + 1
    while nxt < len(lines) and ev[nxt].kind == "separator":
        nxt += 1
    named = (
        ev[i].kind in ("headline", "short", "chrome")
        and ev[i].rule in (None, "repeated_across_documents")
        and shapes[i].words <= 4
        and nxt < len(lines)
        and bool(NAME_LINE.match(lines[i].text.strip()))
    )
    if not named:
        return None
    under = lines[nxt].text.strip()
    if EMAIL_LINE.match(under):
        return "byline_above_email"
    return "byline_above_role" if ROLE_LINE.fullmatch(under) else None


def _signature(i: int, lines: list[Line], ev: list[Evidence], shapes: list[Shape], last_prose: int) -> str | None:
    """How a name below the lead signs the article, if it does: alone over the author's e-mail or role, or right
    under the article with the e-mail on its line or alone as the page's last line of text (`_signs_off`)."""
    return _signs_byline(i, ev, shapes, lines) or ("byline_signoff" if _signs_off(i, lines, ev, last_prose) else None)


def _name_with_email(text: str) -> str | None:
    """The name of a line that is a name and an e-mail address only ('Dana Whitfield dwhit@harbordaily.com'), a
    slash or bar between them or not."""
    signed = NAME_BEFORE_EMAIL.match(text.strip())
    return _writer_of(signed.group("name")) if signed else None


def _signs_off(i: int, lines: list[Line], ev: list[Evidence], last_prose: int) -> bool:
    """A writer's sign-off under the article's last paragraph, with nothing but page furniture between: the name and
    the writer's e-mail on one line ('Dana Whitfield dwhit@harbordaily.com'), or the name alone on the page's last
    line of text ('Dana Whitfield'), not a line the saved page cut off. A line in capitals there is a button's
    ('READ MORE ON HARBOR')."""
    text = lines[i].text.strip()
    under_article = (
        i > last_prose
        and ev[i].kind in ("headline", "short")
        and ev[i].rule is None
        and all(ev[k].kind in _PAGE_FURNITURE for k in range(last_prose + 1, i))
    )
    if not under_article or text.isupper():
        return False
    if _name_with_email(text) is not None:
        return True
    last_text = all(ev[k].kind not in _BODY_KINDS for k in range(i + 1, len(lines)))
    return bool(NAME_LINE.match(text)) and _writer_of(text) is not None and last_text


def _writer_below(name: str | None, i: int, last_prose: int, lines: list[Line], ev: list[Evidence]) -> str | None:
    """The name a byline at i, below the lead, gives the article's writer: inside the article, or right under its
    last paragraph (a sign-off), or further down where the page names them on another line too (an author box with
    its biography, a header's byline the layouts did not read). Else it heads another story (a teaser's 'By X')."""
    if name is None:
        return None
    if i <= last_prose or all(ev[k].kind in (*_SKIPPABLE, "byline") for k in range(last_prose + 1, i)):
        return name
    return name if _named_again(name, lines) else None


def _name_of(text: str) -> str | None:
    m = NAME_LINE.match(text.strip())
    return m.group("name") if m else None


def _last_crumb(text: str) -> str | None:
    crumbs = [c for c in CRUMB_SPLIT.split(text.strip()) if c]
    return crumbs[-1] if len(crumbs) > 1 else None


def _closes_last_section(i: int, ev: list[Evidence]) -> bool:
    """Whether unit i, a paragraph, stands under a heading between paragraphs and right over an end marker."""
    headed = i >= 2 and ev[i - 1].kind == "headline" and ev[i - 2].kind == "prose"
    return headed and i + 1 < len(ev) and ev[i + 1].kind == "end"


def _section_heading(i: int, ev: list[Evidence], lines: list[Line], kept_prose: set[int]) -> bool:
    """A headline-shaped unit between two paragraphs the body keeps: a section heading, not a list of other
    stories' headlines (which follow the article) nor a credit."""
    return (
        ev[i].kind == "headline"
        and i + 1 in kept_prose
        and any(j < i for j in kept_prose)
        and not CREDIT_END.search(lines[i].text)
    )


def _repeats_title(text: str, core: str, title_core: str) -> bool:
    piped = SITE_SUFFIX.match(text)
    return core == title_core or (piped is not None and canonical(piped.group("head")) == title_core)


def _writers(byline: str | None) -> list[str]:
    """The writers a byline names, each as it prints them ('Dana Whitfield, Ara Kwon and Piet Ronde')."""
    return [name for name in WRITERS_JOINED.split(byline or "") if name]


AGENCY_ACRONYM = re.compile(r"[A-Z]{2,5}")  # an agency named by its letters among a byline's writers ('AP', 'SDA')


def _author_box_name(ev: list[Evidence], shapes: list[Shape], byline: str | None, lead: int,
                     article_end: int) -> int | None:  # fmt: skip
    """A writer's name alone on a line, as the byline prints it, under AUTHOR_BOX_UNDER_PARAGRAPHS of the article's
    paragraphs or more, where the article does not resume under it (as under a paywall's box: sure paragraphs in a
    row before any end marker): the head of an author box under the article (the name, a role, a line about them:
    'Seit 2019 bei der Zeitung.'). Some pages print the box, with its date, under the article's opening, and the
    article goes on under it."""
    names = {canonical(name) for name in _writers(byline) if len(name.split()) >= 2}
    paragraphs = 0
    for i in range(lead, article_end + 1):
        named = paragraphs >= AUTHOR_BOX_UNDER_PARAGRAPHS and ev[i].kind in _HEADER_KINDS and shapes[i].core in names
        if named and _resumes_over_overlay(i, ev, shapes) is None:
            return i
        paragraphs += ev[i].kind == "prose"
    return None


def _name_over_biography(lines: list[Line], ev: list[Evidence]) -> None:
    """The writer's name alone on its line over their biography ('Dana Whitfield', then 'Dana Whitfield is a
    reporter for ...': a paragraph about them, as `_author_bio` reads one): the head of the author box."""
    for j in range(1, len(lines)):
        if (ev[j].kind, ev[j].rule) != ("end", "author_box"):
            continue
        named = _name_line_above(j, lines, ev)
        if named is not None and _author_bio(lines[j].text, named[1]):
            ev[named[0]] = Evidence("end", "author_box")


def _name_line_above(
    i: int, lines: list[Line], ev: list[Evidence], byline: str | None = None
) -> tuple[int, str] | None:
    """The line of text right above unit i, and the name it holds, when it holds one alone (NAME_LINE, or the
    byline's single name): the head of a box about that person."""
    above = next((j for j in range(i - 1, -1, -1) if ev[j].kind not in _SKIPPABLE), None)
    if above is None or ev[above].kind not in _HEADER_KINDS:
        return None
    text = lines[above].text.strip()
    name = _name_of(text) or (text if text == byline else None)
    return None if name is None else (above, name)


def _named_again(name: str, lines: list[Line]) -> bool:
    """Whether the page prints the name on more than one line (a byline and an author box, 'More articles from X')."""
    return sum(name in line.text for line in lines) > 1


def _author_box_by_first_name(
    lines: list[Line], ev: list[Evidence], byline: str | None, lead: int, article_end: int
) -> int | None:
    """A writer's name alone on its line (NAME_LINE, or the byline's single name), under AUTHOR_BOX_UNDER_PARAGRAPHS
    of the article's paragraphs or more, right over a paragraph that speaks of them as a biography does
    (`_calls_by_first_name`: 'Dana Whitfield', then 'Dana joined the Harbor Daily in 2019.'), whether or not the
    byline names them. Where the page prints the name on another line too (its byline, 'More articles from Dana
    Whitfield'), the name heads the author box; a profile in the article's text ('Dana Whitfield', then 'Dana is 34
    and ...') names someone the page names once."""
    paragraphs = 0
    for i in range(lead, article_end + 1):
        if ev[i].kind != "prose":
            continue
        paragraphs += 1
        named = _name_line_above(i, lines, ev, byline) if paragraphs > AUTHOR_BOX_UNDER_PARAGRAPHS else None
        if named is not None and _named_again(named[1], lines) and _calls_by_first_name(lines[i].text, named[1]):
            return named[0]
    return None


def _calls_by_first_name(text: str, name: str) -> bool:
    """Whether a paragraph speaks of the named person as a biography under their name does: by their first name and
    a biography's verb ('Dana joined ...'), or in the first person ('I am a writer ...', 'I'm a ...')."""
    return re.match(rf"(?:{re.escape(name.split()[0])}\s+{BIO_VERBS}|I(?:\s+am|['’]m))\s", text.strip()) is not None


def _author_bio(text: str, byline: str | None) -> bool:
    """A paragraph about the article's writer, named as the byline names them ('Pulitzer Prize-winning journalist
    Dana Whitfield writes a daily blog ...', 'Dana Whitfield (dana@harbor.example) is the editor of ...'). The
    byline's first two words are the name (a role may follow them: 'Dana Whitfield Business Columnist'); the
    biography may shorten the first name ('Steph Bazzle covers ...' under 'Stephanie Bazzle')."""
    first = (_writers(byline) or [""])[0].split()
    if len(first) < 2:
        return False
    given = rf"(?:{re.escape(first[0])}|{re.escape(first[0][:NICKNAME_PREFIX])}\w*)"
    name = rf"{given}\s+{re.escape(first[1])}(?:\s+[A-Z][\w'’-]+)?"
    return re.match(rf"(?:[^.!?]{{0,80}}\s)?{name}(?:\s*\([^)]{{0,80}}\))?,?\s+{BIO_VERBS}\s", text) is not None


def _handoff_reporter(body: list[Segment]) -> str | None:
    for segment in body[:12]:
        m = HANDOFF.search(segment.text) if any(word in segment.text for word in HANDOFF_WORDS) else None
        if m:
            return m.group("n1") or m.group("n2") or m.group("n3")
    return None


def _credited_agency(draft: Draft) -> str | None:
    """A wire credit line ('Reporting by X; Editing by Y') names no agency: the agency the page names does; where
    it names none, the agency whose house style the credit is in (CREDIT_STYLE_AGENCY)."""
    credits = [s.text for s in draft.segments if s.rule == "source_credit_line"]
    if not credits:
        return None
    mentions = collections.Counter(m.group("agency") for s in draft.segments for m in AGENCY.finditer(s.text))
    if mentions:
        return mentions.most_common(1)[0][0]
    return next((agency for agency, style in CREDIT_STYLE_AGENCY if any(style.search(c) for c in credits)), None)


@register
class GenericArticle:
    """Any page with one article; claims everything with a low score so specific layouts win when they fit."""

    name = GENERIC_NAME

    def detect(self, doc: Document) -> float:
        return 0.1

    def parse(self, doc: Document) -> Parsed:
        return parse_article(doc)


@register
class DatePrefixedArticle:
    """A single article whose text starts with the crawler's ' date YYYY-MM-DD ' prefix glued to the page."""

    name = "date_prefixed_article_v1"

    def detect(self, doc: Document) -> float:
        return 0.95 if doc.evidence and doc.evidence[0].kind == "crawler_date" else 0.0

    def parse(self, doc: Document) -> Parsed:
        first, stamp = doc.lines[0], doc.evidence[0].stamp
        value = stamp.value if stamp else None
        prefix = Segment(first.start, first.end, first.text, "date" if value else "chrome", "date_prefix", True)
        parsed = parse_article(doc, 1, forced_date=value)
        if parsed.records:
            parsed.records[0].segments.insert(0, prefix)
        else:
            parsed.loose.insert(0, dataclasses.replace(prefix, role="chrome"))
        return parsed
