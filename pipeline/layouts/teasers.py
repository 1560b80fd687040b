"""Listing pages of teasers: a site's tag, topic or section page, where each item is a headline and the first
sentences of its article (often cut with '...'), with the item's date, byline or section label around them.

Each item becomes a record flagged truncated (a teaser is never the whole article). Detection asks for the
shape of such a page and nothing else: at least ``MIN_ITEMS`` items, each a headline-shaped unit with exactly
one teaser under it (metadata may sit between), no two paragraphs in a row anywhere (an article's body has
them), and most items dated or visibly cut, which tells a listing from an article whose sections have
headings. Entries between separator lines, or closed by the crawler's date marker, are left to the dash listing.
"""

from __future__ import annotations

import dataclasses

from pipeline.layouts import register
from pipeline.layouts.base import Document, Draft, Parsed, Segment
from pipeline.layouts.evidence import PROSE_MIN_WORDS, Evidence, Shape
from pipeline.text import ends_like_sentence

NAME = "teaser_listing_v1"
MIN_ITEMS = 3
MIN_MARKED_SHARE = 0.5  # at least this share of the items is dated or has a visibly cut teaser
DETECT_SCORE = 0.97  # above the date-prefixed article: a crawler prefix may open a listing page too
_META = ("date", "byline", "source")
_CHROME = ("chrome", "caption", "separator", "end", "crawler_date")
ELLIPSIS = ("...", "…")


@dataclasses.dataclass
class _Item:
    headline: int
    teaser: int
    category: int | None = None
    meta: list[int] = dataclasses.field(default_factory=list)  # date, byline and source units of the item


def _is_teaser(e: Evidence, shape: Shape) -> bool:
    return e.kind == "prose" or (e.kind in ("headline", "short") and shape.words >= PROSE_MIN_WORDS * 2)


def _is_headline(e: Evidence, shape: Shape) -> bool:
    return e.kind == "headline" and not _is_teaser(e, shape)


def _roles(doc: Document) -> list[str]:
    """One letter per unit: H headline, P teaser or paragraph, M metadata, C category label, x chrome, o other."""
    roles = []
    for e, shape in zip(doc.evidence, doc.shapes, strict=True):
        if e.kind in _CHROME:
            roles.append("x")
        elif e.kind in _META:
            roles.append("M")
        elif _is_teaser(e, shape):
            roles.append("P")
        elif shape.category and shape.words <= 3:
            roles.append("C")
        elif _is_headline(e, shape):
            roles.append("H")
        else:
            roles.append("o")
    return roles


def _items(roles: list[str]) -> tuple[list[_Item], int]:
    """(items: a headline with one teaser under it, metadata between; paragraphs that are not a teaser)."""
    content = [i for i, r in enumerate(roles) if r in "HPC"]
    items: list[_Item] = []
    stray = 0
    for k, i in enumerate(content):
        if roles[i] != "P":
            continue
        previous = content[k - 1] if k else None
        # A short title-case headline reads as a section label too: what follows it decides.
        if previous is not None and roles[previous] in "HC" and not (items and items[-1].teaser == previous):
            items.append(_Item(previous, i))
        else:
            stray += 1
    return items, stray


def _assign(doc: Document, roles: list[str], items: list[_Item]) -> None:
    """Give each item its category label (right above the headline) and the metadata of its gap.

    The metadata between two items belongs to the item above it, unless the page prints it above each headline
    (the first item has a date above its headline and the last one none under its teaser).
    """
    for item in items:
        above = item.headline - 1
        while above >= 0 and roles[above] == "x":
            above -= 1
        if above >= 0 and roles[above] == "C" and not any(above == other.teaser for other in items):
            item.category = above
    stops = [item.category if item.category is not None else item.headline for item in items]

    def dated(indices: list[int]) -> bool:
        return any(doc.evidence[j].kind == "date" for j in indices)

    before_first = range(items[0].headline - 1, -1, -1)
    lead_meta = []
    for j in before_first:
        if roles[j] in "Mx" or j == items[0].category:
            lead_meta.append(j)
            continue
        break
    after_last = range(items[-1].teaser + 1, len(roles))
    meta_above = dated(lead_meta) and not _dated_run(doc, roles, after_last)
    for k, item in enumerate(items):
        inside = range(item.headline + 1, item.teaser)
        if meta_above:
            start = items[k - 1].teaser + 1 if k else min(lead_meta, default=item.headline)
            gap = range(start, stops[k])
        else:
            end = stops[k + 1] if k + 1 < len(items) else len(roles)
            gap = range(item.teaser + 1, end)
        item.meta = [j for j in (*inside, *gap) if roles[j] == "M"]


def _dated_run(doc: Document, roles: list[str], indices: range) -> bool:
    """A date among the metadata right under the last teaser (before any other content)."""
    for j in indices:
        if roles[j] not in "Mx":
            return False
        if doc.evidence[j].kind == "date":
            return True
    return False


def _cut(text: str) -> bool:
    stripped = text.rstrip()
    return stripped.endswith(ELLIPSIS) or not ends_like_sentence(stripped)


def listing_items(doc: Document) -> list[_Item]:
    """The teaser items of a page shaped like a teaser listing, else none."""
    roles = _roles(doc)
    items, stray = _items(roles)
    if len(items) < MIN_ITEMS or stray:
        return []
    if any(doc.evidence[i].kind == "separator" for i in range(items[0].headline, items[-1].teaser)):
        return []  # entries between separator lines: the dash listing's shape
    if any(doc.shapes[item.teaser].marker for item in items):
        return []  # summaries closed by the crawler's date marker: the dash listing's entries, saved without lines
    _assign(doc, roles, items)
    marked = sum(
        any(doc.evidence[j].kind == "date" for j in item.meta) or _cut(doc.lines[item.teaser].text) for item in items
    )
    return items if marked >= MIN_MARKED_SHARE * len(items) else []


@register
class TeaserListing:
    name = NAME

    def detect(self, doc: Document) -> float:
        return DETECT_SCORE if listing_items(doc) else 0.0

    def parse(self, doc: Document) -> Parsed:
        items = listing_items(doc)
        placed: set[int] = set()
        records = []
        # A label above the first item only is the section of the whole page.
        labelled = [item for item in items if item.category is not None]
        section = doc.lines[labelled[0].category].text.strip() if labelled == items[:1] else None
        for item in items:
            draft = _record(doc, item)
            draft.category = draft.category or section
            records.append(draft)
            placed |= {item.headline, item.teaser, *item.meta}
            placed |= {item.category} if item.category is not None else set()
        first, last = items[0].headline, items[-1].teaser
        loose = []
        for i, line in enumerate(doc.lines):
            if i in placed:
                continue
            e = doc.evidence[i]
            rule = e.rule or ("header_residue" if i < first else ("tail_widget" if i > last else "listing_residue"))
            loose.append(Segment(line.start, line.end, line.text, "chrome", rule, line.fragment))
        return Parsed(records=records, loose=loose)


def _record(doc: Document, item: _Item) -> Draft:
    draft = Draft(segments=[], truncated_hint=True)
    labelled = {item.category} if item.category is not None else set()
    units = sorted({item.headline, item.teaser, *item.meta} | labelled)
    for i in units:
        line, e = doc.lines[i], doc.evidence[i]
        if i == item.category:
            draft.segments.append(Segment(line.start, line.end, line.text, "category", "listing_category"))
            draft.category = line.text.strip()
        elif i == item.headline:
            draft.segments.append(Segment(line.start, line.end, line.text, "title", "listing_headline"))
            draft.title = line.text.strip()
        elif i == item.teaser:
            draft.segments.append(Segment(line.start, line.end, line.text, "body", "listing_teaser"))
        elif e.kind == "date" and (e.stamp.is_update or draft.published_date is not None):
            draft.segments.append(Segment(line.start, line.end, line.text, "chrome", "updated_timestamp"))
        elif e.kind == "date":
            draft.segments.append(Segment(line.start, line.end, line.text, "date", e.stamp.label or "date_stamp"))
            draft.published_date = e.stamp.value
            draft.category = draft.category or e.stamp.section
        elif e.kind == "byline":
            draft.segments.append(Segment(line.start, line.end, line.text, "byline", "byline_line"))
            draft.byline = draft.byline or e.name
        else:
            draft.segments.append(Segment(line.start, line.end, line.text, "source", "masthead"))
            draft.source = draft.source or e.name
    return draft
