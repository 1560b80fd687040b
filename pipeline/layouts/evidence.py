"""General evidence about one line: is it a date stamp, a byline, a masthead, chrome, a headline, prose?

Pure functions of the line's text (and of the document for script and learned boilerplate). Layouts combine
this evidence with the line's position to decide roles.
"""

from __future__ import annotations

import dataclasses
import re

from pipeline import rules
from pipeline.dates import DateStamp, date_stamp
from pipeline.layouts.base import Document
from pipeline.text import canonical, letters_by_script, word_count

SEPARATOR = re.compile(r"[-–—_=*~•·.]{1,5}")
EMAIL_SUFFIX = r"(?:\s*[(<\[]?\s*(?P<email>[^\s()<>\[\]@]+@[^\s()<>\[\]]+)\s*[)>\]]?)?"
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|bin|al|da|del))*"
BYLINE = re.compile(
    rf"(?:[•·▪|]\s*)?(?:[Ww]ritten\s+)?[Bb][Yy]\s+(?P<name>{_NAME}(?:\s*(?:,|and|&)\s*{_NAME})*)"
    + EMAIL_SUFFIX
    + r"\.?",
)
REPORTER_BYLINE = re.compile(
    rf"(?:[•·]\s*)?(?:[Rr]eporter\s+(?P<n1>{_NAME})"
    rf"|(?P<n2>{_NAME})\s+(?:[Rr]eporter|[Cc]orrespondent|[Ss]taff [Ww]riter))" + EMAIL_SUFFIX + r"\.?"
)
_SOURCE_NOUNS = (
    "Herald|Times|Post|Journal|Gazette|Tribune|Daily|Ilbo|Press|Agency|Newswire|Telegraph|Chronicle|Observer|"
    "Economist|Recorder|Insider|Newsroom|Wire|Standard|Guardian|Independent|Courier|Monitor|Globe|Shimbun|Sinmun"
)
MASTHEAD = re.compile(rf"(?:The\s+)?(?:[A-Z][\w&'’.-]*\s+){{0,4}}(?:{_SOURCE_NOUNS})")
_SMALL_WORDS = {"and", "of", "&", "the", "in", "for", "on", "to", "a"}
CATEGORY = re.compile(r"[A-Z0-9][\w&'’.-]*(?:\s*[/&,|]\s*|\s+)?(?:[A-Za-z0-9][\w&'’.-]*(?:\s*[/&,|]\s*|\s+)?){0,4}")
TRAILING_ISO_DATE = re.compile(r"\s+(?P<date>(?:19|20)\d\d[-./]\d{1,2}[-./]\d{1,2})\s*$")
LEADING_BULLET = re.compile(r"^\s*(?:[-–—•·▪*]|l(?=\s+[A-Z]))\s+")
# A sentence boundary inside a line; 'S. Korea' or 'U.S. President' (initials) is not one.
SENTENCE_BREAK = re.compile(r"""(?<=[a-z0-9%)]{2})[.!?]['"’”]?\s+[A-Z"“‘']""")
PROSE_END = re.compile(r"""[.!?…]['"’”)\]]*\s*(?:\([^()]{1,40}\))?$""")
DECK_BULLET = re.compile(r"^\s*(?:[•·▪■◆▶-]|l)\s+[A-Z0-9]")
DOUBLED = re.compile(r"(?P<once>.{20,}?)\s+(?P=once)\s*")
CREDIT_SUFFIX = re.compile(r"""[.!?]['"’”]?\s*\((?P<credit>[^()]{2,60})\)\s*$""")
DATELINE_AGENCY = re.compile(
    r"^[A-Z][A-Za-z .'-]{1,40},?\s+[A-Z][a-z]{2,4}\.?\s+\d{1,2}\s+\((?P<agency>[A-Z][\w .&-]{1,30})\)\s*(?:--|—|–|-)"
)
BRACKET_REPORTER = re.compile(
    r"^\[(?:[\w .]+\s)?(?:[Rr]eporter|[Cc]orrespondent|[Ww]riter)s?\s+(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3})\]"
)


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    kind: str  # separator | date | byline | chrome | end | caption | source | prose | headline | short
    rule: str | None = None
    stamp: DateStamp | None = None
    name: str | None = None  # byline or masthead name
    learned: bool = False


def is_category_like(text: str) -> bool:
    text = text.strip()
    if not text or len(text) > 40 or word_count(text) > 4 or not CATEGORY.fullmatch(text):
        return False
    words = re.split(r"[\s/&,|]+", text)
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _SMALL_WORDS for w in words if w)


def is_headline_like(text: str) -> bool:
    """Short, starts like a headline, does not end like a sentence (abbreviations such as 'Nov.' allowed)."""
    text = LEADING_BULLET.sub("", text.strip())
    words = text.split()
    if not 2 <= len(words) <= 30 or len(text) > 250:
        return False
    # Scripts without letter case (Hangul, CJK) can start a headline too.
    first = text[0]
    if not (first.isupper() or first.isdigit() or first in "'\"‘“(" or (first.isalpha() and not first.islower())):
        return False
    last = words[-1]
    if last.endswith(".") and not (len(last) <= 5 or re.fullmatch(r"(?:[A-Z]\.){2,}", last)):
        return False
    return not SENTENCE_BREAK.search(text)  # two sentences are prose


def is_title_case(text: str) -> bool:
    """Headline capitalisation: most words that are not small function words start with a capital."""
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if w.lower() not in _SMALL_WORDS]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) / len(words) >= 0.7


def is_prose(text: str) -> bool:
    n = word_count(text)
    if n >= 25:
        return True
    if n < 8 or (n <= 20 and is_title_case(text)):
        return False
    return bool(PROSE_END.search(text.rstrip()[-80:]) or SENTENCE_BREAK.search(text))


def foreign_script(text: str, doc_script: str | None) -> bool:
    """A short line mostly in a script other than the document's (user names, skip links, banners)."""
    if doc_script is None or word_count(text) > 12:
        return False
    counts = letters_by_script(text)
    total = sum(counts.values())
    return total > 0 and counts.get(doc_script, 0) / total < 0.5


def byline_name(text: str) -> str | None:
    m = BYLINE.fullmatch(text.strip())
    if m and word_count(m.group("name")) <= 8:
        return m.group("name").strip()
    m = REPORTER_BYLINE.fullmatch(text.strip())
    if m:
        return (m.group("n1") or m.group("n2")).strip()
    return None


MOJIBAKE = re.compile(r"[ÃÂâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€|Ã[©¨¢¤§]")
INLINE_SHORTCODE = re.compile(r"\[/?(?:caption|gallery|embed|video|audio|playlist|vc_\w+|et_pb_\w+)\b[^\]]{0,300}\]")


def classify(text: str, doc: Document) -> Evidence:
    # Shortcodes glued into a paragraph say nothing about what the paragraph is (clean removes them).
    stripped = INLINE_SHORTCODE.sub(" ", text).strip() if "[" in text else text.strip()
    if MOJIBAKE.search(stripped):
        import ftfy

        stripped = ftfy.fix_text(stripped)  # classify what the writer wrote ('â€¢ Link copied' is '• Link copied')
    if not stripped:
        return Evidence("chrome", "shortcode")
    if SEPARATOR.fullmatch(stripped):
        return Evidence("separator", "separator")
    stamp = date_stamp(stripped)
    if stamp is not None:
        return Evidence("date", stamp=stamp)
    name = byline_name(stripped)
    if name:
        return Evidence("byline", name=name)
    if MASTHEAD.fullmatch(stripped) and word_count(stripped) <= 6:
        return Evidence("source", name=stripped)
    learned = canonical(stripped) in doc.learned
    rule = rules.match_line(stripped)
    if rule is not None:
        return Evidence(rule.kind, rule.name, learned=learned)
    if DOUBLED.fullmatch(stripped):
        return Evidence("caption", "caption_doubled", learned=learned)
    if foreign_script(stripped, doc.script):
        return Evidence("chrome", "foreign_script_line", learned=learned)
    if learned:
        return Evidence("chrome", "repeated_across_documents", learned=True)
    if is_prose(stripped):
        return Evidence("prose")
    if is_headline_like(stripped):
        return Evidence("headline")
    return Evidence("short")
