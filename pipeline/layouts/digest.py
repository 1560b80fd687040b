"""Digests: a page of short stories printed in full one under the other, each under its own headline and date
('Business Briefs': a headline, its date, two paragraphs; the next headline, its date, ...), with no separator lines.

Each story is parsed as an article of its own, from its headline to the next story's, so its byline, captions and
chrome are read as on any article page. Detection asks for the shape and nothing else: at least ``MIN_STORIES``
headlines each with a date of its own right under it (a byline or a source may stand between) and a paragraph under
that, at least ``MIN_STORY_PARAGRAPHS`` paragraphs in every story, no paragraph above the first headline (an article
above them makes them its related stories) and no end marker between the stories ('Related stories', 'More news'
end the page's own text). A listing of teasers has one paragraph under each headline, never two.
"""

from __future__ import annotations

import itertools

from pipeline.layouts import register
from pipeline.layouts.article import parse_article
from pipeline.layouts.base import Document, Parsed, Segment

NAME = "story_digest_v1"
MIN_STORIES = 3
MIN_STORY_PARAGRAPHS = 2
HEAD_TO_TEXT_UNITS = 3  # at most this many lines of a story's date, byline or source between its headline and text
DETECT_SCORE = 0.96  # above the date-prefixed article: a crawler prefix may open a digest too
_STORY_META = ("date", "byline", "source")


def _heads_a_story(doc: Document, h: int) -> bool:
    """A headline with a date of its own under it (not an update's), then the story's text."""
    ev = doc.evidence
    if ev[h].kind != "headline":
        return False
    dated = False
    k = h + 1
    while k < len(ev) and k - h <= HEAD_TO_TEXT_UNITS and ev[k].kind in _STORY_META:
        stamp = ev[k].stamp
        dated = dated or (ev[k].kind == "date" and stamp is not None and not stamp.is_update)
        k += 1
    return dated and k < len(ev) and ev[k].kind == "prose"


def story_heads(doc: Document) -> list[int]:
    """The headline of each story of a page shaped like a digest, else none."""
    ev = doc.evidence
    heads = [h for h in range(len(ev)) if _heads_a_story(doc, h)]
    if len(heads) < MIN_STORIES or any(e.kind == "prose" for e in ev[: heads[0]]):
        return []
    if any(e.kind == "end" for e in ev[heads[0] : heads[-1]]):
        return []
    for start, stop in itertools.pairwise([*heads, len(ev)]):
        if sum(e.kind == "prose" for e in ev[start:stop]) < MIN_STORY_PARAGRAPHS:
            return []
    return heads


@register
class StoryDigest:
    name = NAME

    def detect(self, doc: Document) -> float:
        return DETECT_SCORE if story_heads(doc) else 0.0

    def parse(self, doc: Document) -> Parsed:
        heads = story_heads(doc)
        # The page's header (a crawler's date prefix, a masthead, the digest's label) is read with the first story.
        begin = 1 if doc.evidence[0].kind == "crawler_date" else 0
        loose = [_prefix(doc)] if begin else []
        records = []
        for start, stop in itertools.pairwise([begin, *heads[1:], len(doc.lines)]):
            parsed = parse_article(doc, start, stop=stop)
            records += parsed.records
            loose += parsed.loose
        # A label above the first headline only is the section of every story ('Business Briefs').
        label = next((s for draft in records[:1] for s in draft.segments if s.role == "category"), None)
        if label is not None and label.start < doc.lines[heads[0]].start:
            for draft in records[1:]:
                draft.category = draft.category or label.text.strip()
        return Parsed(records=records, loose=loose)


def _prefix(doc: Document) -> Segment:
    first = doc.lines[0]
    return Segment(first.start, first.end, first.text, "chrome", "date_prefix", True)
