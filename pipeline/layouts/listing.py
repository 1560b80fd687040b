"""Press-release listings: entries separated by '-' lines, each [category], headline, one-line summary
with a 'dateYYYY-MM-DD' marker glued to its end. The last entry of a saved excerpt may be cut before it.

Detection scores how many separator-delimited blocks have the entry shape, so a ranked widget after an
article ('-', rank, headline) does not look like a listing: its blocks have no summary line.

A page saved without the separator lines is the same listing where its entries' summaries carry the marker: each
entry ends with its marked summary, under its headline and category, and a last entry of the same shape after them
is one the excerpt cut before its marker. Such a page has no other paragraph.
"""

from __future__ import annotations

from pipeline.dates import parse_iso
from pipeline.layouts import register
from pipeline.layouts.base import Document, Draft, Parsed, Segment
from pipeline.layouts.evidence import HEADLINE_MAX_WORDS, Shape
from pipeline.text import ends_like_sentence

MIN_SUMMARY_WORDS = 12
MIN_MARKED_ENTRIES = 2  # a page without separators is a listing from this many entries closed by their marker


def _blocks(doc: Document) -> tuple[list[int], list[int], list[list[int]]]:
    """(units before the first separator, separator units, blocks of units between separators); on a page without
    separators, its entries closed by their date markers (`_marked_blocks`)."""
    if not any(e.kind == "separator" for e in doc.evidence):
        return _marked_blocks(doc)
    before: list[int] = []
    separators: list[int] = []
    blocks: list[list[int]] = []
    for i, evidence in enumerate(doc.evidence):
        if evidence.kind == "separator":
            separators.append(i)
            blocks.append([])
        elif blocks:
            blocks[-1].append(i)
        else:
            before.append(i)
    return before, separators, [b for b in blocks if b]


def _marked_blocks(doc: Document) -> tuple[list[int], list[int], list[list[int]]]:
    """(units before the first entry, no separators, entries) of a page whose entries end with their marked summary:
    each entry the summary, the headline right above it and a category label above that; a last entry of that shape
    after the last marker (the excerpt cut it before its marker). None unless every paragraph is an entry's summary
    and MIN_MARKED_ENTRIES entries are marked; the units between entries and after them are left out of the blocks."""
    marked = [i for i, shape in enumerate(doc.shapes) if shape.marker is not None]
    blocks = [_entry_ending(doc, end) for end in marked]
    last = max(marked, default=-1)
    cut = next((i for i in range(last + 1, len(doc.shapes)) if doc.shapes[i].prose), None)
    if cut is not None and doc.shapes[cut].words >= MIN_SUMMARY_WORDS:
        blocks.append(_entry_ending(doc, cut))
    summaries = {block[-1] for block in blocks}
    alone = any(shape.prose and i not in summaries for i, shape in enumerate(doc.shapes))
    if len(marked) < MIN_MARKED_ENTRIES or alone or not all(_fits(doc, block) for block in blocks):
        return [], [], []
    return list(range(blocks[0][0])), [], blocks


def _entry_ending(doc: Document, summary: int) -> list[int]:
    """The units of the entry whose summary this is: its headline right above it, and a category label above that."""
    if summary < 1:
        return [summary]
    head = summary - 1
    labelled = head >= 1 and doc.shapes[head - 1].category and not doc.shapes[head - 1].marker
    return [head - 1, head, summary] if labelled else [head, summary]


def _headline_by_place(shape: Shape) -> bool:
    """A unit between an entry's category (if any) and its summary is the entry's headline unless it reads as prose:
    the place says so, whatever its first letter ('eBay to cut ...', 'iPhone sales ...'), which a headline found by its
    own shape must not have lower-case."""
    short = 2 <= shape.words <= HEADLINE_MAX_WORDS
    return shape.headline or (short and not shape.prose and not shape.ends_sentence and shape.rule is None)


def _shape(doc: Document, block: list[int]) -> tuple[int | None, int | None, list[int]]:
    """(category, headline, summary units) of one entry."""
    shapes = doc.shapes
    if len(block) >= 2 and shapes[block[0]].category and shapes[block[1]].headline:
        return block[0], block[1], block[2:]
    if len(block) >= 3 and shapes[block[0]].category and _headline_by_place(shapes[block[1]]):
        return block[0], block[1], block[2:]
    if len(block) >= 2 and shapes[block[0]].headline:
        return None, block[0], block[1:]
    if len(block) == 2 and not shapes[block[0]].category and _headline_by_place(shapes[block[0]]):
        return None, block[0], block[1:]
    if len(block) == 1 and shapes[block[0]].headline:
        return None, block[0], []
    if len(block) == 1 and shapes[block[0]].category:
        return block[0], None, []  # an entry the saved excerpt cut right after its category
    return None, None, block


def _fits(doc: Document, block: list[int]) -> bool:
    _, headline, summary = _shape(doc, block)
    return headline is not None and len(summary) == 1 and doc.shapes[summary[0]].words >= MIN_SUMMARY_WORDS


@register
class DashListing:
    name = "dash_listing_v1"

    def detect(self, doc: Document) -> float:
        before, separators, blocks = _blocks(doc)
        # A listing page may open with a label or two, never with an article's prose.
        if not blocks or len(before) > 2 or any(doc.shapes[i].prose for i in before):
            return 0.0
        if len(blocks) > 1 and not _fits(doc, blocks[-1]):
            blocks = blocks[:-1]  # the last entry may be cut by the excerpt: judge the shape on the others
        fit = sum(_fits(doc, b) for b in blocks) / len(blocks)
        marked = any(doc.shapes[b[-1]].marker for b in blocks)
        return fit * (0.9 if marked else 0.6)

    def parse(self, doc: Document) -> Parsed:
        before, separators, blocks = _blocks(doc)
        lines = doc.lines
        loose = [Segment(lines[i].start, lines[i].end, lines[i].text, "chrome", "header_residue") for i in before]
        loose += [Segment(lines[i].start, lines[i].end, lines[i].text, "chrome", "separator") for i in separators]
        if not separators:  # entries closed by their markers: what stands between and after them is the page's
            placed = {*before, *(i for block in blocks for i in block)}
            last = blocks[-1][-1]
            loose += [
                Segment(line.start, line.end, line.text, "chrome",
                        doc.evidence[i].rule or ("tail_widget" if i > last else "listing_residue"))
                for i, line in enumerate(lines) if i not in placed
            ]  # fmt: skip
        return Parsed(records=[_entry(doc, block) for block in blocks], loose=loose)


def _entry(doc: Document, block: list[int]) -> Draft:
    category, headline, summary = _shape(doc, block)
    draft = Draft(segments=[])
    if category is not None:
        line = doc.lines[category]
        draft.segments.append(Segment(line.start, line.end, line.text, "category", "listing_category"))
        draft.category = line.text.strip()
    if headline is not None:
        line = doc.lines[headline]
        draft.segments.append(Segment(line.start, line.end, line.text, "title", "listing_headline"))
        draft.title = line.text.strip()
    marker = None
    for index in summary:
        line = doc.lines[index]
        rule = doc.shapes[index].rule
        if rule is not None:
            draft.segments.append(Segment(line.start, line.end, line.text, "chrome", rule))
            continue
        marker = doc.shapes[index].marker if index == summary[-1] else None
        if marker is None:
            draft.segments.append(Segment(line.start, line.end, line.text, "body", "listing_summary"))
            continue
        at, date = marker
        text = line.text[:at].rstrip()
        draft.segments.append(Segment(line.start, line.end, text, "body", "listing_summary", True))
        value = parse_iso(date)
        role = "date" if value else "chrome"
        draft.segments.append(Segment(line.start, line.end, line.text[at:].strip(), role, "date_marker", True))
        draft.published_date = value
    body = [s.text for s in draft.segments if s.role == "body"]
    # Entries end with their date marker; without one, the saved excerpt cut the entry off.
    draft.truncated_hint = marker is None or not body or not ends_like_sentence(body[-1])
    return draft
