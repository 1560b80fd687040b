"""Press-release listings: entries separated by '-' lines, each [category], headline, one-line summary
with a 'dateYYYY-MM-DD' marker glued to its end. The last entry of a saved excerpt may be cut before it.

Detection scores how many separator-delimited blocks have the entry shape, so a ranked widget after an
article ('-', rank, headline) does not look like a listing: its blocks have no summary line.
"""

from __future__ import annotations

import re

from pipeline import rules
from pipeline.dates import parse_iso
from pipeline.layouts import register
from pipeline.layouts.base import Document, Draft, Line, Parsed, Segment
from pipeline.layouts.evidence import SEPARATOR, is_category_like, is_headline_like, is_prose
from pipeline.text import ends_like_sentence, word_count

DATE_MARKER = re.compile(r"(?:^|\s)date\s?(?P<date>(?:19|20)\d\d-\d{2}(?:-\d{2})?)\s*$")
MIN_SUMMARY_WORDS = 12


def _blocks(doc: Document) -> tuple[list[Line], list[Line], list[list[Line]]]:
    """(lines before the first separator, separator lines, blocks between separators)."""
    before: list[Line] = []
    separators: list[Line] = []
    blocks: list[list[Line]] = []
    for line in doc.lines:
        if SEPARATOR.fullmatch(line.text.strip()):
            separators.append(line)
            blocks.append([])
        elif blocks:
            blocks[-1].append(line)
        else:
            before.append(line)
    return before, separators, [b for b in blocks if b]


def _shape(block: list[Line]) -> tuple[Line | None, Line | None, list[Line]]:
    """(category, headline, summary lines) of one entry."""
    if len(block) >= 2 and is_category_like(block[0].text) and is_headline_like(block[1].text):
        return block[0], block[1], block[2:]
    if len(block) >= 2 and is_headline_like(block[0].text):
        return None, block[0], block[1:]
    if len(block) == 1 and is_headline_like(block[0].text):
        return None, block[0], []
    if len(block) == 1 and is_category_like(block[0].text):
        return block[0], None, []  # an entry the saved excerpt cut right after its category
    return None, None, block


def _fits(block: list[Line]) -> bool:
    _, headline, summary = _shape(block)
    return headline is not None and len(summary) == 1 and word_count(summary[0].text) >= MIN_SUMMARY_WORDS


@register
class DashListing:
    name = "dash_listing_v1"

    def detect(self, doc: Document) -> float:
        before, separators, blocks = _blocks(doc)
        # A listing page may open with a label or two, never with an article's prose.
        if not separators or not blocks or len(before) > 2 or any(is_prose(line.text) for line in before):
            return 0.0
        if len(blocks) > 1 and not _fits(blocks[-1]):
            blocks = blocks[:-1]  # the last entry may be cut by the excerpt: judge the shape on the others
        fit = sum(_fits(b) for b in blocks) / len(blocks)
        marked = any(DATE_MARKER.search(b[-1].text) for b in blocks)
        return fit * (0.9 if marked else 0.6)

    def parse(self, doc: Document) -> Parsed:
        before, separators, blocks = _blocks(doc)
        loose = [Segment(line.start, line.end, line.text, "chrome", "header_residue") for line in before]
        loose += [Segment(line.start, line.end, line.text, "chrome", "separator") for line in separators]
        return Parsed(records=[_entry(block) for block in blocks], loose=loose)


def _entry(block: list[Line]) -> Draft:
    category, headline, summary = _shape(block)
    draft = Draft(segments=[])
    if category is not None:
        draft.segments.append(Segment(category.start, category.end, category.text, "category", "listing_category"))
        draft.category = category.text.strip()
    if headline is not None:
        draft.segments.append(Segment(headline.start, headline.end, headline.text, "title", "listing_headline"))
        draft.title = headline.text.strip()
    marker = None
    for index, line in enumerate(summary):
        rule = rules.match_line(line.text)
        if rule is not None:
            draft.segments.append(Segment(line.start, line.end, line.text, "chrome", rule.name))
            continue
        marker = DATE_MARKER.search(line.text) if index == len(summary) - 1 else None
        if marker is None:
            draft.segments.append(Segment(line.start, line.end, line.text, "body", "listing_summary"))
            continue
        text = line.text[: marker.start()].rstrip()
        draft.segments.append(Segment(line.start, line.end, text, "body", "listing_summary", True))
        value = parse_iso(marker.group("date"))
        role = "date" if value else "chrome"
        draft.segments.append(Segment(line.start, line.end, marker.group(0).strip(), role, "date_marker", True))
        draft.published_date = value
    body = [s.text for s in draft.segments if s.role == "body"]
    # Entries end with their date marker; without one, the saved excerpt cut the entry off.
    draft.truncated_hint = marker is None or not body or not ends_like_sentence(body[-1])
    return draft
