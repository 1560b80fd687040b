"""What a layout parser receives and returns.

A parser turns a document's non-blank lines into records made of *segments*: a segment is a whole line,
a run of joined lines (hard-wrapped text) or a fragment of a line (a date glued to a title), with the role
it plays. Every non-blank line is covered by segments, so nothing can be lost between parse and publish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from pipeline.layouts.evidence import Evidence, Shape

ROLES = ("title", "body", "category", "date", "byline", "source", "chrome")


@dataclasses.dataclass(frozen=True, slots=True)
class Line:
    start: int  # 1-based raw line numbers (start == end unless hard-wrapped lines were joined)
    end: int
    text: str
    fragment: bool = False  # only part of the raw line (another part went elsewhere)


@dataclasses.dataclass(slots=True)
class Segment:
    start: int
    end: int
    text: str
    role: str
    rule: str | None = None  # for chrome: the rule that removed it; otherwise how the role was decided
    fragment: bool = False  # part of a raw line (the rest of the line is in other segments)
    score: float | None = None  # for a learned decision: the model's probability of the role


@dataclasses.dataclass(slots=True)
class Draft:
    """A record as a layout sees it; clean turns drafts into articles."""

    segments: list[Segment]
    title: str | None = None
    published_date: dt.date | None = None
    category: str | None = None
    byline: str | None = None
    source: str | None = None
    truncated_hint: bool = False  # the layout knows the page cut this record off
    dateline: str | None = None  # agency named in a wire dateline ('SEOUL, May 1 (Yonhap) --')
    closed: bool = False  # an explicit end of article was seen (end marker, sign-off e-mail, footer)


@dataclasses.dataclass(slots=True)
class Parsed:
    records: list[Draft]
    loose: list[Segment] = dataclasses.field(default_factory=list)  # chrome outside every record


@dataclasses.dataclass(frozen=True, slots=True)
class LineScores:
    """The line model's probabilities per unit, and how far the layouts let them count (params.yaml, extract)."""

    model: str  # versioned model name, recorded as the rule of a learned removal ('line_model_v1:chrome')
    chrome: tuple[float, ...]
    title: tuple[float, ...]
    veto_chrome: float  # a unit the rules put in a body is removed when its chrome probability reaches this
    veto_max_paragraph_words: int  # a paragraph of more words than this is never vetoed
    title_weight: float  # points a headline candidate gains per unit of its title probability
    title_candidate: float  # a unit not shaped like a headline competes for the title from this probability


@dataclasses.dataclass(frozen=True, slots=True)
class Document:
    file: str  # relative to the raw folder
    lines: tuple[Line, ...]  # units, in order: raw lines, rejoined hard-wrapped paragraphs, the crawler prefix
    evidence: tuple[Evidence, ...]  # what each unit is, by the general evidence (rules, dates, shapes)
    shapes: tuple[Shape, ...]  # facts about each unit's text (canonical forms, word counts, shape tests)
    scores: LineScores | None = None  # the line model's probabilities per unit (None: rules alone)


class Layout(Protocol):
    name: str  # versioned, never renamed: it is published in the `layout` column

    def detect(self, doc: Document) -> float:
        """How strongly this layout claims the document, 0..1."""

    def parse(self, doc: Document) -> Parsed:
        """Records and loose segments covering every line of the document."""
