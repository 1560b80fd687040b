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
import re

from pipeline.dates import DATE_RE, find_dates, parse_iso
from pipeline.layouts import register
from pipeline.layouts.base import Document, Draft, Line, Parsed, Segment
from pipeline.layouts.evidence import (
    BRACKET_REPORTER,
    CREDIT_SUFFIX,
    DATELINE_AGENCY,
    DECK_BULLET,
    LEADING_BULLET,
    TRAILING_ISO_DATE,
    Evidence,
    classify,
    is_category_like,
)
from pipeline.text import canonical, ends_like_sentence, word_count

GENERIC_NAME = "generic_article_v1"
MAX_JOINED_CHARS = 5000  # a hard-wrapped paragraph longer than this is not one paragraph
DATE_PREFIX = re.compile(r"^\s*date\s+(?P<date>(?:19|20)\d\d(?:-\d\d){0,2})(?![\d-])\s*")
LEAD_DATE = re.compile(rf"^\s*(?P<stamp>(?:{DATE_RE.pattern}))\s*[-–—|:]\s+(?=\S)", re.IGNORECASE)
SIGNOFF = re.compile(r"""(?<=[.!?"”’'])\s*\((?P<agency>[A-Z][\w .&-]{1,30})\)\s*$""")
COPYRIGHT_OWNER = re.compile(
    r"(?:copyright|ⓒ|©|\(c\))\s*(?:ⓒ|©|\(c\))?\s*(?:(?:19|20)\d\d\s*)?(?:by\s+)?"
    r"(?P<name>[A-Z][\w&'’. -]{1,60}?)\s*(?:\(|\.\s|,|\ball rights\b|$)",
    re.IGNORECASE,
)
_META_KINDS = ("date", "byline", "source")
PUBLISHED_LABELS = ("published", "posted", "created", "released", "issued", "input", "입력", "등록")
_SKIPPABLE = ("chrome", "caption", "separator", "end")


@dataclasses.dataclass(order=True)
class _DateCandidate:
    priority: int  # lower wins
    index: int
    value: dt.date = dataclasses.field(compare=False)


def join_wrapped(lines: list[Line]) -> list[Line]:
    """Rejoin hard-wrapped text (many adjacent mid-length lines that stop mid-sentence) into paragraphs."""
    if len(lines) < 6:
        return lines
    lengths = [len(line.text.strip()) for line in lines]
    mid_length = sum(25 <= n <= 100 for n in lengths) / len(lines)
    unended = sum(not ends_like_sentence(line.text) for line in lines) / len(lines)
    if mid_length < 0.7 or max(lengths) > 140 or unended < 0.5:
        return lines
    out: list[Line] = []
    current: Line | None = None
    for line in lines:
        if current is not None and line.start == current.end + 1 and len(current.text) < MAX_JOINED_CHARS:
            current = Line(current.start, line.end, current.text.rstrip() + " " + line.text.strip())
        else:
            if current is not None:
                out.append(current)
            current = line
        if ends_like_sentence(current.text):
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return out


def _seg(line: Line, role: str, rule: str | None = None, text: str | None = None, fragment: bool = False) -> Segment:
    return Segment(line.start, line.end, line.text if text is None else text, role, rule, fragment or line.fragment)


def _find_lead(lines: list[Line], ev: list[Evidence]) -> int | None:
    prose = [i for i, e in enumerate(ev) if e.kind == "prose"]
    for i in prose:
        text = lines[i].text
        # Bulleted summary lines above un-bulleted prose are a deck, not the lead.
        if DECK_BULLET.match(text) and any(not DECK_BULLET.match(lines[j].text) for j in prose if j > i):
            ev[i] = Evidence("deck", "deck")
            continue
        # A one-sentence line ending in a photo credit, with more prose after it, is a caption.
        if CREDIT_SUFFIX.search(text) and word_count(text) <= 60 and i != prose[-1]:
            ev[i] = Evidence("caption", "caption_credit_suffix")
            continue
        return i
    return None


def _next_meaningful(ev: list[Evidence], lines: list[Line], start: int, stop: int, skip_canon: str) -> int | None:
    for j in range(start, stop):
        if ev[j].kind in _SKIPPABLE or canonical(lines[j].text) == skip_canon:
            continue
        return j
    return None


@dataclasses.dataclass(frozen=True)
class _Header:
    """Canonical forms of the lines above the lead, computed once (title scoring compares them pairwise)."""

    canons: list[str]
    counts: collections.Counter
    captions: list[str]  # canonical forms of caption and chrome lines, where a headline may be repeated

    @classmethod
    def of(cls, lines: list[Line], ev: list[Evidence], lead: int) -> _Header:
        stop = min(lead + 1, len(lines))
        canons = [canonical(LEADING_BULLET.sub("", lines[j].text)) for j in range(stop)]
        captions = [canons[j] for j in range(stop) if ev[j].kind in ("caption", "chrome")]
        return cls(canons, collections.Counter(canons), captions)

    def repeats(self, i: int, canon: str) -> bool:
        others = self.counts[canon] - (self.canons[i] == canon)
        return others > 0 or (len(canon) >= 20 and any(c.startswith(canon) for c in self.captions))


def _title_score(i: int, lines: list[Line], ev: list[Evidence], lead: int, lead_dated: bool, header: _Header) -> int:
    core = LEADING_BULLET.sub("", lines[i].text.strip())
    canon = canonical(TRAILING_ISO_DATE.sub("", core))
    score = 3 if TRAILING_ISO_DATE.search(core) else 0
    nxt = _next_meaningful(ev, lines, i + 1, lead, canon)
    if nxt is None:
        score += 3 if lead_dated else 1
    elif ev[nxt].kind in ("date", "byline"):
        score += 2
    if canon and header.repeats(i, canon):
        score += 2  # printed twice, or repeated as the start of a photo caption
    n = word_count(core)
    score += 1 if 5 <= n <= 25 else (-1 if n <= 3 else 0)
    if is_category_like(core):
        score -= 2
    return score


def _choose_title(lines: list[Line], ev: list[Evidence], lead: int, lead_dated: bool) -> int | None:
    header = _Header.of(lines, ev, lead)
    best: tuple[int, int] | None = None
    previous: int | None = None  # the last line before i that is neither chrome nor a caption
    first = True
    for i in range(lead):
        if ev[i].kind in _SKIPPABLE:
            continue
        if ev[i].kind == "headline":
            score = _title_score(i, lines, ev, lead, lead_dated, header)
            # Headline first, deck under it: the first headline-like line gains, one right under another loses.
            score += 1 if first else 0
            under_other = previous is not None and ev[previous].kind == "headline"
            if under_other and canonical(lines[previous].text) != canonical(lines[i].text):
                score -= 1
            first = False
            if score >= 1 and (best is None or score > best[0]):
                best = (score, i)
        previous = i
    return None if best is None else best[1]


def _category_index(lines: list[Line], ev: list[Evidence], title: int | None, lead: int) -> int | None:
    """The label right above the headline (or, without a headline, the first line) if it reads as a section."""
    order = range(title - 1, -1, -1) if title is not None else range(lead)
    for j in order:
        text = lines[j].text
        # A section label printed on every page is learned as repeated, but still a label; a rule match wins.
        learned_label = ev[j].rule == "repeated_across_documents" and is_category_like(text)
        if ev[j].kind == "separator" or (ev[j].kind in _SKIPPABLE and not learned_label):
            continue
        if ev[j].kind in _META_KINDS:
            if title is None:
                continue
            return None
        return j if is_category_like(text) else None
    return None


def parse_article(doc: Document, raw_lines: list[Line], forced_date: dt.date | None = None) -> Parsed:
    lines = join_wrapped(raw_lines)
    ev = [classify(line.text, doc) for line in lines]
    for i in range(1, len(lines)):  # the same line twice in a row: a doubled caption or a repeated widget
        same = ev[i].kind not in _SKIPPABLE and canonical(lines[i].text) == canonical(lines[i - 1].text)
        if same and (ev[i - 1].kind == "caption" or ev[i].kind == "prose"):
            ev[i - 1] = ev[i] = Evidence("caption", "caption_doubled")
    lead = _find_lead(lines, ev)
    if lead is None:
        lead = len(lines)
    lead_match = LEAD_DATE.match(lines[lead].text) if lead < len(lines) else None
    lead_dated = bool(lead_match and find_dates(lead_match.group("stamp")))
    title = _choose_title(lines, ev, lead, lead_dated)
    if lead == len(lines) and title is not None:
        # No prose paragraph at all: what follows the headline (minus metadata) is the body.
        lead = next((j for j in range(title + 1, len(lines)) if ev[j].kind in ("headline", "short")), len(lines))
    category = _category_index(lines, ev, title, lead)

    draft = Draft(segments=[])
    dates: list[_DateCandidate] = []
    if forced_date is not None:
        dates.append(_DateCandidate(0, -1, forced_date))
    title_canon = None
    if title is not None:
        title_canon = canonical(TRAILING_ISO_DATE.sub("", LEADING_BULLET.sub("", lines[title].text.strip())))
    stamped: list[tuple[Segment, _DateCandidate]] = []
    for i in range(lead):
        line, e = lines[i], ev[i]
        if i == title:
            text = LEADING_BULLET.sub("", line.text.strip())
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
        elif i == category:
            draft.segments.append(_seg(line, "category", "label_above_headline"))
            draft.category = line.text.strip()
        elif e.kind == "date" and e.stamp.is_update:
            draft.segments.append(_seg(line, "chrome", "updated_timestamp"))
        elif e.kind == "date":
            before_title = title is not None and i < title
            candidate = _DateCandidate(1 if e.stamp.label else (4 if before_title else 3), i, e.stamp.value)
            dates.append(candidate)
            draft.segments.append(_seg(line, "date", e.stamp.label or "date_stamp"))
            stamped.append((draft.segments[-1], candidate))
        elif e.kind == "byline":
            draft.segments.append(_seg(line, "byline", "byline_line"))
            draft.byline = draft.byline or e.name
        elif e.kind == "source":
            draft.segments.append(_seg(line, "source", "masthead"))
            draft.source = draft.source or e.name
        elif e.kind in _SKIPPABLE or e.kind == "deck":
            draft.segments.append(_seg(line, "chrome", e.rule))
        elif title_canon is not None and canonical(LEADING_BULLET.sub("", line.text)) == title_canon:
            draft.segments.append(_seg(line, "chrome", "title_repeated"))
        elif title is not None and i > title:
            draft.segments.append(_seg(line, "chrome", "deck"))
        else:
            draft.segments.append(_seg(line, "chrome", "header_residue"))

    in_tail = False
    previous = None
    for i in range(lead, len(lines)):
        line, e = lines[i], ev[i]
        if i == lead and lead_dated:
            assert lead_match is not None
            stamp = lead_match.group(0)
            dates.append(_DateCandidate(2, i, find_dates(stamp)[0].value))
            draft.segments.append(_seg(line, "date", "date_glued_to_lead", stamp, fragment=True))
            line = Line(line.start, line.end, line.text[lead_match.end() :], fragment=True)
        if in_tail:
            draft.segments.append(_seg(line, "chrome", "tail_widget"))
            continue
        if e.kind == "end":
            in_tail = draft.closed = True
            owner = COPYRIGHT_OWNER.search(line.text) if e.rule == "copyright_notice" else None
            if owner and not draft.source:
                draft.source = owner.group("name").strip(" .")
            draft.segments.append(_seg(line, "chrome", e.rule))
        elif e.kind in _SKIPPABLE:
            draft.segments.append(_seg(line, "chrome", e.rule))
        elif e.kind == "byline":
            draft.segments.append(_seg(line, "byline", "byline_line"))
            draft.byline = draft.byline or e.name
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
        elif previous is not None and canonical(line.text) == previous:
            draft.segments.append(_seg(line, "chrome", "caption_doubled"))
        else:
            draft.segments.append(_seg(line, "body", "text"))
            previous = canonical(line.text)

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
    body = [s for s in draft.segments if s.role == "body"]
    if not body:
        return
    lead_text = body[0].text.strip()
    dateline = DATELINE_AGENCY.match(lead_text)
    draft.dateline = dateline.group("agency").strip() if dateline else None
    agency = dateline or BRACKET_REPORTER.match(lead_text)
    if agency and not draft.byline:
        draft.byline = (agency.groupdict().get("agency") or agency.groupdict().get("name") or "").strip() or None
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


@register
class GenericArticle:
    """Any page with one article; claims everything with a low score so specific layouts win when they fit."""

    name = GENERIC_NAME

    def detect(self, doc: Document) -> float:
        return 0.1

    def parse(self, doc: Document) -> Parsed:
        return parse_article(doc, list(doc.lines))


@register
class DatePrefixedArticle:
    """A single article whose text starts with the crawler's ' date YYYY-MM-DD ' prefix glued to the page."""

    name = "date_prefixed_article_v1"

    def detect(self, doc: Document) -> float:
        return 0.95 if doc.lines and DATE_PREFIX.match(doc.lines[0].text) else 0.0

    def parse(self, doc: Document) -> Parsed:
        first, rest = doc.lines[0], list(doc.lines[1:])
        m = DATE_PREFIX.match(first.text)
        assert m is not None
        value = parse_iso(m.group("date"))
        prefix = Segment(
            first.start, first.end, m.group(0).strip(), "date" if value else "chrome", "date_prefix", True
        )
        remainder = first.text[m.end() :]
        lines = ([Line(first.start, first.end, remainder, fragment=True)] if remainder.strip() else []) + rest
        parsed = parse_article(doc, lines, forced_date=value)
        if parsed.records:
            parsed.records[0].segments.insert(0, prefix)
        else:
            parsed.loose.insert(0, dataclasses.replace(prefix, role="chrome"))
        return parsed
