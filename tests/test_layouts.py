"""Golden-file tests of the layout parsers: one folder of cases per registered layout.

Each ``tests/fixtures/layouts/<layout>/caseNN.txt`` is a small invented page in the shape of a real family
(listings, date-prefixed articles, newspaper and newsroom pages); ``caseNN.expected.json`` is the parse a
reviewer checked against the labelling rules of the real-world dev set. ``pytest --update-golden`` rewrites
the goldens from the current parser (review the diff before committing it), except goldens whose note starts
with "PARSER BUG": those record the *correct* output of a case the parser still gets wrong, written by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from pipeline import layouts
from pipeline.config import load_params
from pipeline.extraction import make_document
from pipeline.layouts.article import INLINE_WIDGET_MAX_UNITS
from pipeline.layouts.base import Document, Draft, Parsed, Segment
from pipeline.layouts.evidence import byline_name
from pipeline.parse import decode_file
from pipeline.text import canonical

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "layouts"
CASES = sorted(FIXTURES.glob("*/case*.txt"))
PARSE_PARAMS = load_params(REPO_ROOT / "params.yaml").parse  # the threshold the pipeline itself uses
MIN_CASES_PER_LAYOUT = 3
NOTE = "note"  # free-text key of a golden: why the case exists; kept by --update-golden, not compared
# A note starting with this marks a hand-corrected golden (the parser is known to be wrong on the case).
KNOWN_BUG = "PARSER BUG"


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def golden_path(case: Path) -> Path:
    return case.with_name(f"{case.stem}.expected.json")


def load_document(path: Path) -> Document:
    """The Document the parse stage builds for this file (same decoding, same non-blank lines, same script)."""
    decoded = decode_file(path.name, path.read_bytes(), PARSE_PARAMS)
    assert decoded.lines, f"{path} decodes to no lines: {decoded.quarantine}"
    return make_document(path.name, decoded.lines, extract=PARSE_PARAMS.extract)


def _line_label(segment: Segment) -> int | str:
    # Joined hard-wrapped lines span several raw lines; a single line is just its number.
    return segment.start if segment.start == segment.end else f"{segment.start}-{segment.end}"


def segment_row(segment: Segment) -> list[Any]:
    return [_line_label(segment), segment.text, segment.role, segment.rule]


def record_snapshot(draft: Draft) -> dict[str, Any]:
    return {
        "title": draft.title,
        "published_date": draft.published_date.isoformat() if draft.published_date else None,
        "category": draft.category,
        "byline": draft.byline,
        "source": draft.source,
        "truncated_hint": draft.truncated_hint,
        "body": "\n\n".join(s.text for s in draft.segments if s.role == "body"),
        "segments": [segment_row(s) for s in draft.segments if s.role != "body"],
    }


def parse_case(doc: Document) -> tuple[str, Parsed]:
    return layouts.parse_document(doc, PARSE_PARAMS.min_layout_score)


def snapshot(doc: Document) -> dict[str, Any]:
    name, parsed = parse_case(doc)
    return {
        "layout": name,
        "records": [record_snapshot(d) for d in parsed.records],
        "loose": [segment_row(s) for s in parsed.loose],
    }


def _comparable(golden: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in golden.items() if k != NOTE}


def to_json(value: Any, indent: int = 0) -> str:
    """JSON with one segment row per line: goldens are reviewed by eye, so keep (line, text, role, rule) together."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        items = [f"{pad} {json.dumps(key)}: {to_json(item, indent + 1)}" for key, item in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        items = [f"{pad} {to_json(item, indent + 1)}" for item in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def write_golden(case: Path, actual: dict[str, Any]) -> None:
    path = golden_path(case)
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    payload = ({NOTE: previous[NOTE]} if NOTE in previous else {}) | actual
    path.write_text(to_json(payload) + "\n", encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_parse_matches_golden(case: Path, request: pytest.FixtureRequest) -> None:
    actual = snapshot(load_document(case))
    path = golden_path(case)
    golden = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    if request.config.getoption("--update-golden"):
        # Never overwrite a hand-corrected golden with the wrong output it documents.
        if golden is not None and str(golden.get(NOTE, "")).startswith(KNOWN_BUG) and _comparable(golden) != actual:
            pytest.fail(f"{case_id(case)} documents a known parser bug: fix the parser, or edit the golden by hand")
        write_golden(case, actual)
        return
    assert golden is not None, f"no golden for {case_id(case)}: run pytest --update-golden, then review it"
    expected = _comparable(golden)
    why = golden.get(NOTE, "")
    assert actual["layout"] == expected["layout"], why
    assert len(actual["records"]) == len(expected["records"]), f"number of records; {why}"
    # Record by record, so a failure names the record and pytest's dict diff stays readable.
    for index, (got, want) in enumerate(zip(actual["records"], expected["records"], strict=True)):
        assert got == want, f"record {index} of {case_id(case)}; {why}"
    assert actual["loose"] == expected["loose"], why


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_choose_picks_the_case_layout(case: Path) -> None:
    doc = load_document(case)
    layout, score = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    scores = {name: layouts.get(name).detect(doc) for name in layouts.available()}
    assert layout.name == case.parent.name, f"claimed by {layout.name} ({score:.2f}); all scores {scores}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_segments_cover_every_line(case: Path) -> None:
    # The parse stage quarantines uncovered lines as parser_dropped_line: a layout must assign every line a role.
    doc = load_document(case)
    _, parsed = parse_case(doc)
    segments = list(parsed.loose) + [s for d in parsed.records for s in d.segments]
    covered = {n for s in segments for n in range(s.start, s.end + 1)}
    assert [line.start for line in doc.lines if line.start not in covered] == []


@pytest.mark.parametrize("name", layouts.available())
def test_every_layout_has_golden_cases(name: str) -> None:
    cases = [c for c in CASES if c.parent.name == name]
    assert len(cases) >= MIN_CASES_PER_LAYOUT, f"layout {name} has {len(cases)} golden cases under {FIXTURES}"


def test_fixture_folders_name_registered_layouts() -> None:
    unknown = {p.name for p in FIXTURES.iterdir() if p.is_dir()} - set(layouts.available())
    assert unknown == set(), "fixture folders for layouts that are not registered"
    goldens = FIXTURES.glob("*/*.expected.json")
    orphans = [p for p in goldens if not p.with_name(p.name.removesuffix(".expected.json") + ".txt").exists()]
    assert orphans == [], "goldens without their case file"


# --- headlines the corpus learned as repeated lines -----------------------------------------------------------------

OWN_HEADLINE = "Norland, Korea agree to widen tidal power research"
WIDGET_HEADLINES = ("Ferry fares to rise in June across southern ports", "Port strike ends after two weeks of talks")
LEAD = (
    "Vice Minister Ara Kwon of the Ministry of Coastal Industry met Norland's Energy Secretary Piet Ronde in Oslo "
    "and signed a memorandum on joint tidal power research covering turbine testing and grid links."
)
FOLLOW_UP = "The two sides will meet again in Busan in the autumn to review the first test results, the ministry said."


def title_with_learned(lines: list[str], learned: list[str]) -> str | None:
    """The title generic_article_v1 gives a page whose `learned` lines the corpus learned as boilerplate."""
    doc = make_document("page.txt", list(enumerate(lines, 1)), frozenset(canonical(t) for t in learned),
                        PARSE_PARAMS.extract)  # fmt: skip
    layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    assert layout.name == "generic_article_v1"
    (record,) = layout.parse(doc).records
    return record.title


@pytest.mark.parametrize(
    "lines",
    [
        ["Minimum 2 characters required.", OWN_HEADLINE, LEAD, FOLLOW_UP],
        ["The Harbor Daily", OWN_HEADLINE, "By Dana Whitfield", "Published : Apr 8, 2031 - 07:57", LEAD, FOLLOW_UP],
    ],
    ids=["above the lead", "above the byline"],
)
def test_a_headline_printed_on_other_pages_stays_this_pages_title(lines: list[str]) -> None:
    """A story's headline printed in listings and widgets across the corpus is learned as a repeated line; on the
    story's own page, right above its byline, date or lead, it is still the headline."""
    assert title_with_learned(lines, [OWN_HEADLINE]) == OWN_HEADLINE


@pytest.mark.parametrize(
    "widget",
    [list(WIDGET_HEADLINES), [WIDGET_HEADLINES[0], "2031-04-02", WIDGET_HEADLINES[1], "2031-04-01"]],
    ids=["headlines", "dated headlines"],
)
def test_learned_widget_headlines_above_the_title_do_not_take_it(widget: list[str]) -> None:
    """A 'most read' list above the article: its headlines are learned, and one right above a date is shaped like
    a page's own headline; the page's headline, not learned, is still the title."""
    lines = ["Most read", *widget, OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, list(WIDGET_HEADLINES)) == OWN_HEADLINE


# --- a board page's header: breadcrumb, label and value lines, a source credit --------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["Press & Notices", "• Home", "• Newsroom", "• Press & Notices"],
        ["• Home", "• Newsroom", "• Press & Notices"],
        ["Press & Notices", "- Home", "- Press & Notices"],
    ],
    ids=["board name repeated", "breadcrumb only", "dashed"],
)
def test_a_breadcrumb_item_is_never_the_title(header: list[str]) -> None:
    """The breadcrumb's last item names the board the page is on (printed above it too, it reads as a headline
    printed twice); a bulleted line under another bulleted line is a list item, and the headline is the next line."""
    lines = [*header, OWN_HEADLINE, "Date", "2031.03.14", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == OWN_HEADLINE


@pytest.mark.parametrize(
    "credit",
    [
        "(Photo: Harbor Press)",
        "| Bildquelle: Hafenamt",
        "- Image: Harbor Daily",
        ". © Dana Weber/Harbor Press",
        "in Busan (Korea). Dana Weber / Harbor Press",
        "in Busan. (Quelle: IMAGO/Harbor Press)",
        "in Busan (file photo)",
        "in Busan. (Harbor Agency Photo Desk/Dana Weber Ronde)",
        "in Busan (harbor-daily.com)",
        "in Busan(Image: Harbor Press via Agency Images)",
    ],
)
def test_a_caption_closed_by_its_credit_is_never_the_title(credit: str) -> None:
    """A photo's caption right above the lead tells the story as well as the headline does, and the headline may
    stand far above it (over an audio player's controls), but its credit ('(Foto: X)', '| Bildquelle: X', '©
    Name', 'Name / Agency' after its last sentence, '(Quelle: X)', '(file photo)', '(site.com)'; a labelled credit
    glued to the caption's last word, as a page's text joins them: 'Busan(Image: X)') says it describes a picture."""
    caption = f"Vice Minister Ara Kwon and Energy Secretary Piet Ronde sign the tidal power memorandum {credit}"
    player = ["00:00 / 03:15", "0.5x", "0.8x", "1.0x", "1.2x", "1.5x", "2.0x"]
    lines = [OWN_HEADLINE, "By Dana Whitfield", *player, caption, "Share", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == OWN_HEADLINE


@pytest.mark.parametrize("label", ["Latest news from Oslo", "Oslo Today"])
def test_a_label_that_names_the_storys_place_does_not_tell_the_story(label: str) -> None:
    """A section's label right above the lead ('Heute in Hamburg') shares one word with the story, its place; the
    headline further up, over an audio player's controls, shares several."""
    player = ["00:00 / 03:15", "0.5x", "0.8x", "1.0x", "1.2x", "1.5x", "2.0x"]
    lines = [OWN_HEADLINE, "By Dana Whitfield", *player, label, LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == OWN_HEADLINE


@pytest.mark.parametrize("trail", ["Blog > Energy > Tidal Power Research", "Energy › Tidal Power ›"])
def test_a_trail_of_crumbs_is_a_breadcrumb_wherever_it_is_printed(trail: str) -> None:
    """A trail of crumbs without 'Home' ('Blog > Energy > Tidal Power Research', or a crumb before its separator),
    printed between the headline and the lead, is a breadcrumb: never the headline, even when its words are the
    story's and the headline's are not."""
    headline = "Southern ports brace for a busy spring season"
    assert title_with_learned([headline, trail, LEAD, FOLLOW_UP], []) == headline


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("According to Harbor News,", "Harbor News"),
        ("According to The Harbor Daily:", "The Harbor Daily"),
        ("According to Harbor News, the ministry will fund the repairs.", None),
        ("According to the ministry,", None),
    ],
)
def test_a_source_credited_on_its_own_line_is_the_byline(line: str, name: str | None) -> None:
    """'According to <agency>,' alone above a re-posted story names where it ran first; a sentence that starts
    so, or credits no name, is no byline."""
    assert byline_name(line) == name


# --- end markers printed inside the article --------------------------------------------------------------------------

THIRD = "Turbine makers from both countries have been invited to bid for the first test site, officials added."
FOURTH = "A second memorandum on offshore wind is due to be signed next year, according to the ministry."


def body_paragraphs(lines: list[str]) -> list[str]:
    """The body lines generic_article_v1 gives a page."""
    doc = make_document("page.txt", list(enumerate(lines, 1)), frozenset(), PARSE_PARAMS.extract)
    layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    assert layout.name == "generic_article_v1"
    (record,) = layout.parse(doc).records
    return [segment.text for segment in record.segments if segment.role == "body"]


@pytest.mark.parametrize(
    "box",
    [
        ["Read more", "Ferry fares to rise in June across southern ports"],
        ["Related articles", *WIDGET_HEADLINES],
        ["(Image: © Harbor Photo Agency)"],
        ["© HARBOR PHOTO / POOL"],
        ["Related", WIDGET_HEADLINES[0], "Related", WIDGET_HEADLINES[1]],
    ],
    ids=["read more", "related articles", "image credit", "agency credit", "two boxes"],
)
def test_an_end_marker_inside_the_article_does_not_end_it(box: list[str]) -> None:
    """A related-links box between paragraphs, or a photo's © credit, has the shape of an end marker; the article
    resumes after it (two paragraphs in a row), so the body goes on, without the box's headlines."""
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *box, THIRD, FOURTH]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD, FOURTH]


@pytest.mark.parametrize(
    "tail",
    [
        # Teasers: each headline with its one-paragraph blurb.
        ["Related articles", WIDGET_HEADLINES[0], THIRD, WIDGET_HEADLINES[1], FOURTH],
        # The next story of an endless page, with its own byline.
        ["Read more", WIDGET_HEADLINES[0], "By Mira Holm", THIRD, FOURTH],
        # The page's footer.
        ["© 2031 The Harbor Daily. All rights reserved.", THIRD, FOURTH],
    ],
    ids=["teasers", "next story", "footer"],
)
def test_an_end_marker_after_the_article_still_ends_it(tail: list[str]) -> None:
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *tail]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP]


def test_other_stories_over_the_closing_marker_are_not_the_article() -> None:
    """Headlines of other stories between the last paragraph and the marker that closes the article ('Originally
    published on ...') are not its text, though the page's tail under the marker has paragraphs of its own."""
    tail = ["Originally published on Harbor Science.", "Get breaking harbor news on ferries, fish, tides and more!",
            "No spam, we promise. You can unsubscribe at any time and we'll never share your details."]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *WIDGET_HEADLINES, *tail]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP]


@pytest.mark.parametrize("sentence", ["Colombia had lost to Belgium on Monday.", '"That\'s correct," Kwon said.'])
def test_a_short_sentence_under_the_last_paragraph_is_the_articles(sentence: str) -> None:
    """A last line too short to be a paragraph still ends like a sentence: the article's, where a list of other
    stories' headlines under the last paragraph is not."""
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, sentence, "More from the Harbor Daily",
             *WIDGET_HEADLINES]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, sentence]
    assert body_paragraphs([*lines[:4], *WIDGET_HEADLINES, "Share this:", "Facebook"]) == [LEAD, FOLLOW_UP]
    # A question there asks the reader.
    for question in ("Was this article helpful?", "Liked the article? Share it!"):
        assert body_paragraphs([*lines[:4], question, "Share this:", "Facebook"]) == [LEAD, FOLLOW_UP]


def _buying_guide_section(name: str, price: str) -> tuple[list[str], list[str]]:
    """A buying guide's product: its card (name, price, verdict, pros and cons, specs) and its review."""
    card = [name, price, "Best for small flats, 8/10", "We like: it folds flat", "We don’t like: no cover",
            "Draws 300W (about 10p an hour)", "Holds 12kg of washing", "Two year guarantee", "Buy now"]  # fmt: skip
    review = [
        f"The {name} dried a full load of shirts overnight in our tests, faster than any rack without heat, and "
        "it kept the towels soft where a tumble dryer leaves them stiff.",
        f"At {price} it is not cheap, but the {name} costs far less to run than a tumble dryer of its size, and "
        "the savings pay for it within two winters at current energy prices.",
        f"We would buy the {name} again for a flat without a garden, though a bigger family may want two of "
        "them, or the larger model with its ventilated cover.",
    ]
    return card, review


def test_a_buying_guides_product_cards_do_not_part_its_sections() -> None:
    """A buying guide prints each product's card (name, price, pros and cons: more lines than a gap between
    paragraphs holds) over the product's review: the reviews are the article's sections. A next story's text is
    not: it starts under its byline; nor are entries under a line that introduces them ('Look at other guides:')."""
    (card, review), (next_card, next_review) = (
        _buying_guide_section("Dry:Soon", "£205"),
        _buying_guide_section("Adem Pod", "£157"),
    )
    opening = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *card, *review]
    body = body_paragraphs([*opening, *next_card, *next_review])
    assert body[:2] == [LEAD, FOLLOW_UP] and body[-3:] == next_review
    assert set(review) <= set(body)
    next_story = [*next_card[:-1], "By Mira Holm", *next_review]
    assert body_paragraphs([*opening, *next_story])[-3:] == review
    others = [*next_card[:-1], "Look at other guides:", *next_review]
    assert body_paragraphs([*opening, *others])[-3:] == review


def test_the_next_story_of_an_endless_page_is_not_the_article() -> None:
    """A page that loads the next story under the article prints its header (headline, deck, the writers' names, a
    publication date) within a gap between paragraphs: the article ends there. A related story's headline over a
    byline or a bare date inside the article, with the article going on under it, ends nothing."""
    article = [LEAD, FOLLOW_UP, THIRD, FOURTH]
    next_story = ["Ferry fares to rise in June", "Operators blame fuel prices for the first rise in four years.",
                  "Mira Holm", "Published 04.05.2031 - 10:05", *LONG_PARAGRAPHS[:3]]  # fmt: skip
    assert body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", "May 3, 2031", *article, *next_story]) == article
    for stamp in ("By Mira Holm", "May 4, 2031"):
        inline = [LEAD, FOLLOW_UP, "Ferry fares to rise in June", stamp, THIRD, FOURTH, *LONG_PARAGRAPHS[:2]]
        assert body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", "May 3, 2031", *inline])[-3:] == [
            FOURTH,
            *LONG_PARAGRAPHS[:2],
        ]


def test_the_article_does_not_resume_in_the_footer_past_a_box_and_chrome() -> None:
    """Under a box of related stories, an article resumes within the box's reach; paragraphs under a long run of
    chrome past it (share and follow buttons, a newsletter's name) are the page's footer, however many."""
    footer = [f"{paragraph} The information on this site is for general information purposes only." for paragraph
              in LONG_PARAGRAPHS[:3]]  # fmt: skip
    chrome = ["Facebook", "Pinterest", "Print", "Email", "Link copied", "Facebook", "Pinterest", "Print", "Email",
              "Link copied", "Share this article", "Reddit"]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, "Related Articles", *WIDGET_HEADLINES,
             *chrome, *footer]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    # Within the box's reach, the article still resumes.
    assert body_paragraphs([*lines[: -len(chrome) - 3], *chrome[:3], *footer]) == [LEAD, FOLLOW_UP, THIRD, *footer]


def test_the_article_resumes_past_a_box_whose_headlines_stand_between_ad_slots() -> None:
    """A box's reach counts its lines of text, not the ad slots and labels printed between its headlines: the
    article resumes under a box of five headlines with an ad slot under each, though its first paragraph there
    stands further down the page than a box of as many lines would reach."""
    ad = ["Advertisement", "Story continues below advertisement"]
    box = ["Trending", WIDGET_HEADLINES[0], *ad, WIDGET_HEADLINES[1], "Advertisement",
           "Tidal power: what the new turbines can do", *ad, "Ferry operators warn of higher fares this summer",
           "Advertisement", "Dock workers return on Monday", "Advertisement", *ad]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, *box, "What comes next", *LONG_PARAGRAPHS]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD, *LONG_PARAGRAPHS]


def test_a_list_the_article_introduces_is_its_text() -> None:
    """A line ending in ':' under the last paragraph introduces a list of the article's own (a timetable, tour
    dates): its short lines are not a list of other stories."""
    timetable = ["The summer timetable:", "June 9 -- Busan to Jeju, 08:00", "June 10 -- Jeju to Busan, 14:00",
                 "July 2 -- Busan to Tsushima, 09:30"]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *timetable, "More from the Harbor Daily",
             *WIDGET_HEADLINES]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *timetable]
    # Without its introduction, such lines under the last paragraph are other stories' headlines, and so are they
    # under a line that names other stories to read.
    assert body_paragraphs([*lines[:4], *timetable[1:], *lines[-3:]]) == [LEAD, FOLLOW_UP]
    others = ["Related coverage from the Harbor Daily:", *WIDGET_HEADLINES]
    assert body_paragraphs([*lines[:4], *others, *lines[-3:]]) == [LEAD, FOLLOW_UP]


def test_a_table_under_a_heading_is_the_articles_text() -> None:
    """Under the last paragraph, a heading without a colon ('The summer timetable') over lines that each set out the
    same fields (a venue after '@', a score, a change in percent) heads a table of the article's. Under such a
    heading, other stories' headlines share no such mark (a dash or a rank they may share), and lines that share one
    under a heading that has it too are no table either (the first line of a list is no heading)."""
    timetable = ["June 9 – Busan to Jeju @ Pier 3", "June 10 – Jeju to Busan @ Pier 1",
                 "July 2 – Busan to Tsushima @ Pier 3"]  # fmt: skip
    tail = ["More from the Harbor Daily", *WIDGET_HEADLINES]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, "The summer timetable", *timetable, *tail]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, "The summer timetable", *timetable]
    results = ["Harbor FC (3-1): Kim 2 goals, Ronde 1 goal", "Busan United (1-3): Park 1 goal",
               "Jeju City (2-2): Holm 2 goals"]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, "Saturday's results", *results, *tail]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, "Saturday's results", *results]
    header = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert body_paragraphs([*header, *tail]) == [LEAD, FOLLOW_UP]
    assert body_paragraphs([*header, *timetable, *tail]) == [LEAD, FOLLOW_UP]
    # Figures by item with their change in percent, between the article's paragraphs: its table too.
    figures = ["Exports by port", "Busan 12.5 (+30.8%)", "Ulsan 6.2 (-13.6%)", "Incheon 4.1 (-12.9%)",
               "Jeju 2.9 (+4.1%)"]  # fmt: skip
    assert body_paragraphs([*header, *figures, THIRD, *tail]) == [LEAD, FOLLOW_UP, *figures, THIRD]
    ranked = ["Most read on the Harbor Daily", *(f"{n} {headline}" for n, headline in enumerate(WIDGET_HEADLINES, 1))]
    dated = ["Latest posts by Dana Whitfield", *(f"{headline} - May 3, 2031" for headline in WIDGET_HEADLINES)]
    for others in (ranked, dated):
        assert body_paragraphs([*header, *others]) == [LEAD, FOLLOW_UP]


SUMMARY = ["Norland and Korea signed a memorandum on tidal power research.", "Turbine testing starts in Busan.",
           "Makers from both countries may bid for the first test site."]  # fmt: skip


@pytest.mark.parametrize("note_first", [False, True], ids=["note under the summary", "note above it"])
def test_a_summary_box_a_language_model_wrote_is_not_the_articles_text(note_first: bool) -> None:
    """A summary box over the story, with its note that a language model wrote it above or under its short
    paragraphs and a header ('In brief'), sums the story up: a deck, neither its lead nor its text."""
    note = "This summary was generated by AI and reviewed by our editors."
    box = ["In brief", note, *SUMMARY] if note_first else ["In brief", *SUMMARY, note]
    lines = [OWN_HEADLINE, "By Dana Whitfield", "19 November 2031", *box, LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE
    # Under a note that closes the box, a short lead is the story's.
    short_lead = "Ferry fares will rise in June, the ministry said on Monday."
    if not note_first:
        assert body_paragraphs([*lines[:-3], short_lead, FOLLOW_UP, THIRD]) == [short_lead, FOLLOW_UP, THIRD]


def test_a_sentence_that_announces_a_list_introduces_it() -> None:
    """Writers also announce a list with a full stop ('Here are the ports it calls at.'): its items (a word or two
    each, more of them than a gap between paragraphs holds) are the article's, and so is the text under them. Under
    a paragraph that announces nothing, such lines are a menu, and the text under them is not the article's."""
    announcing = "The new ferry calls at eleven ports on its first summer route. Here are the ports it calls at."
    ports = ["Busan", "Mokpo", "Jeju", "Yeosu", "Tongyeong", "Geoje", "Wando", "Jindo", "Sokcho", "Pohang", "Ulsan"]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, announcing, *ports, THIRD, FOURTH]
    assert body_paragraphs(lines) == [LEAD, announcing, *ports, THIRD, FOURTH]
    plain = "The new ferry calls at eleven ports on its first summer route, the operator said on Monday."
    assert body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", LEAD, plain, *ports, THIRD, FOURTH]) == [LEAD, plain]


def test_a_list_the_article_introduces_does_not_part_its_paragraphs() -> None:
    """A list that a line ending in ':' introduces inside the article (what an interview also covered) has more
    lines than a gap between paragraphs holds, but it is the article's: the paragraphs above it are its opening,
    though the paragraphs under it have many times their words."""
    points = ["In the interview, the minister also said:", "Tidal power will supply a tenth of the grid by 2040",
              "The southern ports will get new cranes before the summer season", "Ferry fares will not rise this year",
              "The fishing quota talks will resume in the autumn", "A harbor authority will be set up in Busan",
              "Read the full text of the interview"]  # fmt: skip
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    rest = [f"{paragraph} The ministry confirmed it on {day}." for paragraph, day in
            zip(LONG_PARAGRAPHS * 2, days, strict=True)]  # fmt: skip
    body = body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *points, *rest, THIRD, FOURTH])
    assert body[:3] == [LEAD, FOLLOW_UP, points[0]]
    assert body[-3:] == [rest[-1], THIRD, FOURTH]
    # Without the line that introduces them, such lines part the opening from the rest of the story.
    assert (
        body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *points[1:], *rest, THIRD, FOURTH])[0]
        == rest[0]
    )


TEASERS = [
    "Ferry fares: Southern ports raise prices in June",
    "Operators blame fuel costs and say the rise will be the last this year.",
    "Port strike ends after two weeks of talks",
    "Dock workers return on Monday with a wage rise of four percent.",
    "Tidal power: What the new turbines can do",
    "Engineers explain how the bay's turbines work and when they will feed the grid.",
]


def test_teasers_under_the_article_are_not_its_text() -> None:
    """Other stories printed under the article as a headline over a one-sentence blurb each, with no header that
    names them (or with one the rules do not know): not the article, though each blurb is a paragraph."""
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, *TEASERS, "Imprint", "Contact"]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs([*lines[:5], "Also on the Harbor Daily", *TEASERS]) == [LEAD, FOLLOW_UP, THIRD]
    # One headline over one blurb may be the article's last section; two in a row are other stories.
    assert body_paragraphs([*lines[:5], *TEASERS[:2]]) == [LEAD, FOLLOW_UP, THIRD, *TEASERS[:2]]


def test_teasers_with_kickers_over_their_headlines_are_not_the_article() -> None:
    """A teaser may print a kicker over its headline ('Energy'), a byline and date under its blurb, or a headline
    that asks (it reads as a paragraph): still a headline over one short blurb, and the next teaser under it. Two
    such teasers are a series, even where a teaser's asking headline and its blurb stand like two paragraphs."""
    teasers = ["Energy", "Ferry fares: Southern ports raise prices in June",
               "Operators blame fuel costs and say the rise will be the last this year.",
               "Lena Park 12.05.2024 4 min", "Port strike ends after two weeks of talks",
               "Dock workers return on Monday with a wage rise of four percent.",
               "Lena Park 11.05.2024 3 min", "Is the bay ready? What the turbines can do",
               "Engineers explain how the bay's turbines work and when they will feed the grid."]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, "More on tidal power", *teasers]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    # A listicle's items under a kicker of their own: each headline ends like a sentence ('Fast and cheap!'), and
    # a teaser's does not. A word over a paragraph with no headline under it is a subheading.
    items = ["Ferry: Harbor Line", "Fast and cheap!",
             "The harbor line's ferries cross the bay in twenty minutes for two euros.", "Bus: Coast Express",
             "Always on time!", "The coast express stops at every port between Busan and the bay."]  # fmt: skip
    assert body_paragraphs([*lines[:5], *items]) == [LEAD, FOLLOW_UP, THIRD, *items]
    sections = ["Fares", "The new fares take effect in June and rise by four percent on average, the operator said.",
                "Luggage", "Each passenger may bring two bags and a bicycle at no extra cost."]  # fmt: skip
    assert body_paragraphs([*lines[:5], *sections]) == [LEAD, FOLLOW_UP, THIRD, *sections]


def test_teasers_with_quoted_headlines_under_kickers_are_not_the_article() -> None:
    """A teaser's headline may quote someone, or end on a quoted name, with no stop before the closing mark: under
    its kicker it is still a headline over one blurb, not a paragraph that ends like a sentence. Read as a blurb
    instead, the quote and the blurb under it stand like two paragraphs in a row, the article's text."""
    teasers = ["Ferries", "“We want a port that works for every ship”",
               "The harbor's new chief sets out her plans for the southern berths in an interview.",
               "Search for witnesses", "Missing sailor: his case is now on “Harbor Watch”",
               "The sailor was last seen at the ferry terminal twelve years ago, and the police hope for new leads.",
               "Energy", "Tidal power: What the new turbines can do",
               "Engineers explain how the bay's turbines work and when they will feed the grid."]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, *teasers]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs([*lines, "Imprint", "Contact"]) == [LEAD, FOLLOW_UP, THIRD]


def test_teasers_dated_between_headline_and_blurb_are_not_the_article() -> None:
    """A teaser may print its date between its headline and its blurb: still a headline over one blurb."""
    dated = [TEASERS[0], "12.04.2024, 10:21 Uhr", TEASERS[1], TEASERS[2], "27.03.2024, 12:29 Uhr", TEASERS[3]]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, *dated]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    # A date between a subheading and its paragraph (a timeline's entry) heads no teaser once.
    assert body_paragraphs([*lines[:5], *dated[:3]]) == [LEAD, FOLLOW_UP, THIRD, TEASERS[0], TEASERS[1]]


def test_sections_of_one_short_paragraph_are_the_articles_text() -> None:
    """An article whose sections each hold a short paragraph under a subheading keeps them: where the page goes
    on in longer sections (a policy's questions), and where they outweigh its other paragraphs (a listicle)."""
    questions = ["When do we meet?", "The working group meets every two months in Busan or Oslo.",
                 "Who takes part?", "Engineers and officials of both ministries and the port authority."]  # fmt: skip
    longer = ["What comes next?", *LONG_PARAGRAPHS[:2]]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *questions, *longer]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *questions, *longer]
    listicle = [OWN_HEADLINE, "By Dana Whitfield", LEAD, *TEASERS]
    assert body_paragraphs(listicle) == [LEAD, *TEASERS]
    # A page of features, each a label over a line or two and a link to more. A longer paragraph parts them into
    # two series, each shorter than the page's other paragraphs; together with the features under a word of their
    # own (no teaser's headline), they outweigh them: its text.
    features = [
        "Tides",
        "See the currents of the bay hour by hour, for every berth in the port, and plan your arrival around them.",
        "Learn more about tide tables", "Berths",
        "Book a berth for any ship, see at a glance which berths are free tonight, and change a booking.",
        "Learn more about the berth planner", "Important: Register your ship",
        "The portal keeps one record for each ship, so you can book berths, pay dues and plan crew changes without "
        "sending the same papers twice. Register once with the harbor office and your ship's papers follow it to "
        "every port of the bay.",
        "Tools and services", "Fuel prices",
        "Compare the fuel prices of all southern ports, updated every morning at six.",
        "Learn more about fuel prices", "Crew changes",
        "Plan crew changes with the immigration office and book the launch in one form.",
        "Learn more about crew changes", "Weather",
        "Wind and wave forecasts for the bay and its approaches, every hour.", "Learn more about the weather",
    ]  # fmt: skip
    intro = "Get to know the tools that make it the simplest way to bring a ship into the bay."
    assert body_paragraphs(["Harbor", "Welcome to the Harbor Port Portal", intro, *features]) == [intro, *features]


# --- the article's run of paragraphs ---------------------------------------------------------------------------------

VIDEO_PLAYER = ["Play Video", "Play", "Mute", "Current Time 0:00", "/", "Duration Time 1:24", "Loaded: 0%",
                "Progress: 0%", "Stream Type LIVE", "Remaining Time -1:24", "Playback Rate", "1", "Chapters",
                "descriptions off, selected", "Descriptions", "subtitles off, selected", "Subtitles",
                "captions settings, opens captions settings dialog", "captions off, selected", "Captions",
                "Fullscreen", "This is a modal window.",
                "Foreground --- White Black Red Green Blue Yellow Magenta Cyan --- Opaque Semi-Opaque",
                "Font Size 50% 75% 100% 125% 150% 175% 200% 300% 400%", "Defaults Done",
                "This is a modal window. This modal can be closed by pressing the Escape key or activating the close "
                "button."]  # fmt: skip


def test_an_images_source_between_paragraphs_does_not_end_the_article() -> None:
    """'(Source: X)' alone on a line credits the image above it; the article goes on under it."""
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, "(Source: Riverside Archive)", FOLLOW_UP, THIRD]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


def test_an_embedded_video_player_does_not_part_the_article() -> None:
    """A video player's controls and dialogs, printed where the video is embedded, are many lines but no text of
    the article: the paragraphs above them are its opening, though the paragraphs under them have far more words."""
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    rest = [f"{paragraph} The ministry confirmed it on {day}." for paragraph, day in
            zip(LONG_PARAGRAPHS * 2, days, strict=True)]  # fmt: skip
    body = body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *VIDEO_PLAYER, *rest, THIRD, FOURTH])
    assert body == [LEAD, FOLLOW_UP, *rest, THIRD, FOURTH]


MENU = ["Business", "Markets", "Energy", "Shipping", "Ports", "Opinion", "Weather", "Sports", "Obituaries"]


def test_a_stray_sentence_above_the_menu_is_not_the_lead() -> None:
    """A page opening with a sentence ('Got a tip? Let us know.') over its menu: the article's paragraphs are the
    page's main run, and the lead is the first of them."""
    lines = ["Got a news tip for us? Let us know.", *MENU, OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE


def test_a_long_comment_thread_does_not_outweigh_a_short_article() -> None:
    """Readers' comments under the article can have many times its words; they are under the thread's header, so
    the article is still the run of paragraphs above it."""
    comments = [f"{paragraph} I have lived by the harbor for {n} years and never saw it like this." for n, paragraph
                in enumerate([*LONG_PARAGRAPHS, THIRD, FOURTH] * 3, start=10)]  # fmt: skip
    thread = ["Share this:", "Facebook", "Posted in Energy", "12 thoughts on “Tidal power deal signed”", "Mira Holm",
              "May 3, 2031 at 9:15 am", "Jon Baker", "Reply"]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *thread, *comments]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP]


def test_a_comments_drawer_printed_above_the_article_does_not_hide_it() -> None:
    """Some pages print their comments drawer (its form, a comment or two) above the article: the article's header
    under it, a headline over a byline, ends the thread, and the article below competes again. A comment's author
    over its date is no such header."""
    drawer = ["Comments", "Want to discuss? Please read our commenting policy first.", "Write a comment",
              "Required fields are marked with an asterisk (*).", "Comment", "Name", "1 comment", "Mira Holm",
              "May 3, 2031 at 9:15 am", "The ferries were late all week and nobody told the passengers anything.",
              "Latest News", "Ferry fares to rise in June", "Port strike ends after two weeks", "Mokpo terminal opens",
              "Busan yard wins tanker order", "Storm delays Jeju crossings"]  # fmt: skip
    article = [LEAD, FOLLOW_UP, THIRD, FOURTH, *LONG_PARAGRAPHS]
    assert body_paragraphs([OWN_HEADLINE, *MENU, *drawer, OWN_HEADLINE, "By Dana Whitfield", *article]) == article
    # Under a comment's author and date, the thread still holds what follows it.
    comments = [f"{paragraph} I have lived by the harbor for {n} years." for n, paragraph
                in enumerate(LONG_PARAGRAPHS, start=10)]  # fmt: skip
    below = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *drawer[2:10], "Jon Baker", "May 4, 2031", *comments]
    assert body_paragraphs(below) == [LEAD, FOLLOW_UP]


def test_paragraphs_far_below_the_article_are_detached() -> None:
    """A paragraph parted from the article by a long run of other lines (a footer's 'about us' under its menu) is
    not the article's; one after a short run (a subheading, an inline box) is."""
    about = (
        "The Harbor Daily has covered the southern ports since 1951 and is read by shipping firms across the region."
    )
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, *MENU, about]) == [LEAD, FOLLOW_UP]
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, "Offshore wind next", about]) == [
        LEAD, FOLLOW_UP, "Offshore wind next", about
    ]  # fmt: skip


def test_a_menu_run_together_on_one_line_is_not_the_article() -> None:
    """A search form's drop-down printed as one long line ('All Categories Agriculture Aviation ...') has more words
    than a paragraph, but no sentence and a headline's capitals: the article is the run of paragraphs under the
    headline, not the drop-down, which is not the title either."""
    options = " ".join(f"{name} {year}/{year + 1}" for name in MENU for year in (2029, 2030))
    drop_down = f"All Categories Budget Debates Cabinet Office {options} Tourism and Culture Youth Services"
    lines = [*MENU, drop_down, "Content Type All Content Types Posts Pages", *SECTIONS, "Latest Stories",
             OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE
    # A paragraph cut off before its sentence ends is still one: its words are not capitalised like a menu's.
    cut = LEAD[: LEAD.index(" covering")]
    assert body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", cut]) == [cut]


GLUED_TEASERS = [
    "Ferry Fares To Rise In June Across Southern PortsThe operators of the southern ferry lines will raise fares "
    "by up to a tenth from June, citing fuel costs and the new harbor fees.",
    "Port Strike Ends After Two Weeks Of Talks With Unions250 dock workers return to work on Monday after the port "
    "authority and the unions agreed on a new contract late on Friday.",
    "City Council Delays Vote On Waterfront Stadium Again?Council members said they needed more time to study the "
    "traffic report, and the vote was moved to the autumn session.",
    "Jury Rules For Half Of The Plaintiffs In Harbor Land SuitA jury found that the harbor authority had taken "
    "land from eleven of the families without paying what the law required.",
]


def test_teasers_glued_to_their_headlines_are_not_the_article() -> None:
    """A mega-menu's latest headlines, each glued to its story's first sentence ('... Southern PortsThe operators
    ...'), have a paragraph's words and sentences, and more of them than the article: they are not paragraphs, and
    the article is the run under its headline. Teasers come in lists: a paragraph that names a brand written in
    one word after a run of capitalised names ('... Ports and Shipping (HAPS) for NorlandEnergy and ...') is one
    line alone among paragraphs, and stays a paragraph."""
    lines = [*MENU, "Latest Headlines", *GLUED_TEASERS, OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE
    brand = ("The Harbor Agency for Ports and Shipping (HAPS) for NorlandEnergy and its partners signed the lease "
             "for the eastern quay, the ministry said.")  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, brand, FOLLOW_UP]
    assert body_paragraphs(lines) == [LEAD, brand, FOLLOW_UP]
    doc = make_document("page.txt", list(enumerate(lines, 1)), frozenset(), PARSE_PARAMS.extract)
    assert [shape.prose for shape in doc.shapes] == [False, False, True, True, True]


def test_teasers_over_their_datelines_are_not_the_article() -> None:
    """Teasers printed as one line each, the headline over the story's dateline ('... stateless WASHINGTON:
    Expressing concern ...'), are no paragraphs either."""
    teasers = [
        f"{headline} {place}: {LEAD}"
        for headline, place in zip([*WIDGET_HEADLINES, OWN_HEADLINE], ["NEW DELHI", "KARACHI", "COLOMBO"], strict=True)
    ]
    lines = [*MENU, *teasers, "Turbines at sea", "By Dana Whitfield", *LONG_PARAGRAPHS]
    assert body_paragraphs(lines) == LONG_PARAGRAPHS


def test_a_tag_cloud_is_not_the_article() -> None:
    """A tag cloud printed as one line ('ferries ports tides turbines ...') has far more words than the article's
    paragraphs and no mark of punctuation: it is no paragraph. A standfirst may print a long sentence without a
    stop, and stays one."""
    tags = " ".join(f"{word} {word}s" for word in MENU).lower()
    cloud = f"{tags} {tags} {tags} harbor tides wind energy"
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, "Tags", cloud]
    assert body_paragraphs([cloud, *lines]) == [LEAD, FOLLOW_UP]
    standfirst = ("Engineers from both countries will spend the next three years testing turbines in the bay and the "
                  "ministry hopes the first power reaches the regional grid before the end of the decade")  # fmt: skip
    assert body_paragraphs([OWN_HEADLINE, standfirst, FOLLOW_UP]) == [standfirst, FOLLOW_UP]


def test_a_paragraph_under_a_wire_dateline_opens_the_story() -> None:
    """'MOKPO, South Jeolla (AP) — The Latest on ... (all times local):' ends like no sentence and sits over a time
    stamp, the shape of a deck; its dateline says it is the story's first paragraph."""
    lead = "MOKPO, South Jeolla (AP) — The Latest on the ferry strike in the southern ports (all times local):"
    lines = ["The Latest: Ferry strike spreads to southern ports", "Updated 10:01 pm KST, Tuesday, April 8, 2031",
             lead, "10 p.m.", FOLLOW_UP, THIRD]  # fmt: skip
    assert body_paragraphs(lines)[0] == lead


def test_by_alone_over_the_writers_name_is_one_byline() -> None:
    """'By' on its own line and the writer's name under it (printed twice: a link and its text), between the
    standfirst and the date: a byline, so the standfirst is a deck over it and the story starts under the date."""
    standfirst = "Ferry operators are weighing new routes, and here is how to pick the one that suits your trip."
    lines = [OWN_HEADLINE, standfirst, "By", "Dana Whitfield", "Dana Whitfield", "The Harbor Daily",
             "Nov. 19, 2031 8:03 am ET", LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    # The writer's name and 'By' printed on many pages of the site are learned as repeated lines: still a byline.
    for learned in (frozenset(), frozenset(canonical(t) for t in ("By", "Dana Whitfield", "The Harbor Daily"))):
        doc = make_document("page.txt", list(enumerate(lines, 1)), learned, PARSE_PARAMS.extract)
        layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
        (record,) = layout.parse(doc).records
        assert (record.title, record.byline) == (OWN_HEADLINE, "Dana Whitfield")
        assert [segment.text for segment in record.segments if segment.role == "body"] == [LEAD, FOLLOW_UP, THIRD]


def test_by_alone_in_another_language_over_the_writers_name_is_one_byline() -> None:
    """'Von', 'Par', 'Por', 'Door' or 'di' on its own line over the writer's name is a split byline too; 'Von:' alone
    with its colon is a search form's field ('posts by:'), and the line under it no writer."""
    lines = [OWN_HEADLINE, "Von", "Hannah Ritzmann", LEAD, FOLLOW_UP, THIRD]
    record = parsed_record(lines)
    assert (record.title, record.byline) == (OWN_HEADLINE, "Hannah Ritzmann")
    assert [segment.text for segment in record.segments if segment.role == "body"] == [LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(["Von:", "Suche Erweiterte Suche", *lines[:1], *lines[3:]]).byline is None
    labelled = [OWN_HEADLINE, "Ein Kommentar von", "Hannah Ritzmann", *lines[3:]]  # what the piece is, before 'Von'
    assert parsed_record(labelled).byline == "Hannah Ritzmann"


# --- which headline-like line is the headline ----------------------------------------------------------------------

SECTIONS = ["The Future of Everything", "Personal Technology Reviews", "Arts and Culture Weekly", "Real Estate Video",
            "Commercial Real Estate", "House of the Day", "Travel Guides and Maps"]  # fmt: skip


@pytest.mark.parametrize(
    "label", ["Share Close extra sharing options", "Continue reading the main story", "Read the Harbor Daily Magazine"]
)
def test_the_headline_is_the_line_that_tells_the_story(label: str) -> None:
    """A widget's label between the headline and the byline is shaped like a headline too; the headline is the
    one whose words the story's first paragraphs use."""
    lines = [*SECTIONS, OWN_HEADLINE, label, "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == OWN_HEADLINE


def test_a_menu_far_above_the_story_does_not_give_the_headline() -> None:
    """Section names printed as a menu at the top of the page read as headlines (and the first one as the page's
    first headline); the headline is among the lines right above the story."""
    lines = [*SECTIONS, *MENU, OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == OWN_HEADLINE


@pytest.mark.parametrize(
    "metadata",
    [
        ["Harbor Wire November 19, 2031, 9:02 AM", "Harbor Wire November 19, 2031, 9:02 AM"],
        ["Author: Dana Whitfield Publish date: Nov 18, 2031"],
        ["Tested by: Dana Whitfield RRP: £23.99 More info: www.harbordaily.com"],
    ],
    ids=["stamp printed twice", "labelled stamp", "fact box"],
)
def test_a_stamp_or_a_fact_box_is_not_the_headline(metadata: list[str]) -> None:
    """A publication stamp among other words, or a box of 'Label: value' fields, is shaped like a headline and
    sits right above the lead; it is the story's metadata, even over a feature headline that uses none of the
    lead's words."""
    headline = "Southern ports brace for a busy spring season"
    assert title_with_learned([headline, *metadata, LEAD, FOLLOW_UP], []) == headline


WIDGETS = ["Cheaper rail passes", "Weekend markets guide", "Museum opening hours", "School holiday dates",
           "Parking rules change", "Weather warnings explained", "Letters to the editor"]  # fmt: skip


def test_a_headline_further_up_that_tells_the_story_wins_over_near_lines_that_tell_none() -> None:
    """Share buttons, a box of picks and a caption can fill the lines between a headline and its lead; a near line
    that shares few words with the story's first paragraphs loses to the headline further up that shares many."""
    lines = [OWN_HEADLINE, "Our picks", *WIDGETS, "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == OWN_HEADLINE


def test_a_kicker_right_above_the_headline_is_not_the_headline() -> None:
    """A kicker over the headline ('NORLAND TIDAL POWER RESEARCH') can share more of the story's words than the
    headline under it; it is still the label above the headline."""
    headline = "What the accord means for fishing towns"
    lines = ["NORLAND TIDAL POWER RESEARCH", headline, *WIDGETS[:5], "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert title_with_learned(lines, []) == headline


def test_a_comment_thread_under_the_article_is_not_the_article() -> None:
    """Readers' comments are paragraphs under a header ('Top Rated Comments', '6 thoughts on “...”') with names and
    times between them, close enough to read as the article going on; the header ends the article."""
    comments = [
        "dana_w", "2 days ago at 07:52 am",
        "The accord will help the southern ports more than anyone admits, and the turbines are overdue.",
        "Rating: 36 Votes", "harborfan", "2 days ago at 07:47 am",
        "Oslo again? They should have held the talks in Busan, where the test site is going to be built.",
    ]  # fmt: skip
    for header in ("Top Rated Comments", f"6 thoughts on “{OWN_HEADLINE}”"):
        assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, header, *comments]) == [LEAD, FOLLOW_UP]


def test_a_link_to_another_story_inside_the_article_is_not_its_text() -> None:
    """'Related: <headline>' between two paragraphs links to another story; the article goes on after it, and a
    list under 'Most read stories' after the last paragraph is other stories."""
    lines = [OWN_HEADLINE, LEAD, "Related: Ferry fares to rise in June across southern ports", FOLLOW_UP, THIRD,
             "Most read stories", *WIDGET_HEADLINES]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


LONG_PARAGRAPHS = [
    "Engineers at the northern test site said the first turbine had run for six weeks without a fault, and that "
    "its output had matched the models the two ministries agreed on last spring.",
    "The second phase will add four turbines on the eastern side of the bay, where the tidal range is larger, and "
    "link them to the regional grid through a new substation near the old ferry terminal.",
    "Local fishing cooperatives, which had opposed the project at first, now take part in a monitoring board that "
    "meets every quarter and publishes its findings on the harbor authority's website.",
]
MOST_READ_BOX = ["Most Read", WIDGET_HEADLINES[0], "Mira Holm, Jon Baker", WIDGET_HEADLINES[1], "Sam Ortiz",
                 "Jury rules for half of the plaintiffs in the harbor land suit", "Lena Park",
                 "Turbines at sea"]  # fmt: skip


def test_the_article_resumes_after_a_long_box_inside_it() -> None:
    """A 'Most Read' box between paragraphs may hold more units than a short one (headlines with their writers'
    names, then the next section's heading): the article resumes under it with a run of long paragraphs."""
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *MOST_READ_BOX, *LONG_PARAGRAPHS]
    assert len(MOST_READ_BOX) > INLINE_WIDGET_MAX_UNITS
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *LONG_PARAGRAPHS]


KICKER_STORIES = ["Ferry fares to rise in June across southern ports", "Port strike ends after two weeks of talks",
                  "Jury rules for half of the plaintiffs in the harbor land suit",
                  "Turbine makers bid for the test site", "Night ferries return to the northern islands",
                  "Fishing fleet stays in port as storm nears",
                  "Harbor museum opens its new wing to visitors"]  # fmt: skip
KICKERS = ["FERRIES", "STRIKE OVER", "COURT", "ENERGY", "NIGHT CROSSING", "STORM", "CULTURE"]
# A 'Most read' box whose every headline has its kicker above it.
KICKER_BOX = [
    "Most read in world news",
    *(line for pair in zip(KICKERS, KICKER_STORIES, strict=True) for line in pair),
]


def test_the_article_resumes_after_a_box_of_headlines_with_kickers_inside_it() -> None:
    """A 'Most read' box whose every headline has its kicker above it ('FERRIES') holds twice as many units as its
    stories: with seven of them, the article still resumes under it with a run of long paragraphs."""
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *KICKER_BOX, *LONG_PARAGRAPHS]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *LONG_PARAGRAPHS]


def test_the_article_resumes_after_a_photo_credit_when_each_paragraph_has_its_subheading() -> None:
    """A photo's © credit has the shape of an end marker. An article that heads each paragraph never prints two
    paragraphs in a row, but its paragraphs are longer than any teaser's blurb: two of them, parted by a
    subheading, resume it. Teasers after the credit, each headline over a one-sentence blurb, do not."""
    long_paragraphs = [f"{LONG_PARAGRAPHS[k]} {LONG_PARAGRAPHS[k + 1]}" for k in (0, 1)]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, "© Harbor Photo Agency / Mira Holm", "Tests at sea",
             long_paragraphs[0], "The second phase", long_paragraphs[1]]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, long_paragraphs[0], "The second phase", long_paragraphs[1]]
    # The second paragraph need only be a sure one (the first is longer than a blurb).
    lines[-1] = LONG_PARAGRAPHS[2]
    assert body_paragraphs(lines) == [LEAD, long_paragraphs[0], "The second phase", LONG_PARAGRAPHS[2]]
    teasers = [WIDGET_HEADLINES[0], THIRD, WIDGET_HEADLINES[1], FOURTH]
    assert body_paragraphs([*lines[:4], *teasers]) == [LEAD]


def test_the_article_resumes_after_a_box_of_headlines_in_a_run_of_short_paragraphs() -> None:
    """A page that prints each sentence as a paragraph resumes under a long 'Most read' box with no three sure
    paragraphs in a row: a longer run of shorter ones (RESUMED_SHORT_PARAGRAPHS) is the article's too. Teasers,
    each headline over a one-sentence blurb, never make such a run."""
    short = ["The first turbine ran for six weeks at the northern site without a single fault.",
             "Its output matched the models the two ministries agreed on last spring.",
             "Four more turbines will follow on the eastern side of the bay next year.",
             "The tidal range there is larger, and the seabed is easier to drill.",
             "Both governments will share the cost of the grid link to the mainland."]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *KICKER_BOX, "The next phase", *short]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *short]
    teasers = [line for story, blurb in zip(KICKER_STORIES, short, strict=False) for line in (story, blurb)]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *KICKER_BOX, "More stories", *teasers]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP]


def test_the_opening_paragraphs_above_a_box_of_related_stories_are_the_articles() -> None:
    """An article that opens with two paragraphs, then a box of related stories, then its long rest: the opening
    has less than MAIN_RUN_SHARE of the rest's words, but the article resumes under the box, so it starts above
    it."""
    box = ["More in Energy", *WIDGET_HEADLINES, "Jury rules for half of the plaintiffs in the harbor land suit",
           "City council delays its vote on the stadium", "Highlights"]  # fmt: skip
    rest = [*LONG_PARAGRAPHS, THIRD, FOURTH, *(p.replace("the", "a") for p in LONG_PARAGRAPHS)]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *box, *rest]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *rest]
    # Without the box, the opening is parted from the rest by the page's other lines: a menu's stray paragraphs.
    menu = ["Business", "Markets", "Energy", "Shipping", "Ports", "Opinion"]
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, *menu, *rest]) == rest


def test_teasers_under_a_long_box_do_not_resume_the_article() -> None:
    """Under a long box after the last paragraph, a second list's teasers run on in paragraphs of their own, each
    a headline and its one-sentence blurb: short, and right under their list's header, so the article ended."""
    teasers = [f"{headline} The story so far, in one sentence for the front page." for headline in WIDGET_HEADLINES]
    teasers.append("Jury rules for half of the plaintiffs The harbor land suit ends after three years in court.")
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *MOST_READ_BOX[:-1], "Most Read", *teasers]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *MOST_READ_BOX, *teasers]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP]


@pytest.mark.parametrize(
    "bio",
    [
        "Dana Whitfield is the Harbor Daily's ports correspondent and lives in Busan with her two cats.",
        "Award-winning reporter Dana Whitfield writes about shipping and the southern ports every Sunday.",
        "Dan Whitfield covers shipping and the southern ports, always aiming for the story behind the cargo.",
    ],
)
def test_the_writers_biography_closes_the_article(bio: str) -> None:
    """A paragraph about the writer, named as the byline names them (or by a short form of the first name), after
    the story: the author box, not the article. Another writer's name there is a paragraph of the story."""
    lines = [OWN_HEADLINE, "By Dana Whitfield, Harbor Daily Staff", LEAD, FOLLOW_UP, THIRD, bio]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    lines[1] = "By Mira Holm"
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD, bio]


def test_the_writers_name_alone_under_the_article_heads_an_author_box() -> None:
    """The writer's name alone on a line, as the byline prints it, under the story, over a role and a line about
    them that names no one: an author box, not the article. A page that prints the box, with its date, under the
    story's opening goes on with the story under it; another writer's name there is the story's."""
    box = ["Dana Whitfield", "Ports correspondent", "Since 2019 at the Harbor Daily; interested in ferries and trade."]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, *box, "Comments are closed."]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    opening = [OWN_HEADLINE, "By Dana Whitfield", "19 November 2031", LEAD, FOLLOW_UP, *box[:2], "19 November 2031"]
    story = [f"{THIRD} {FOURTH}", f"{FOURTH} {THIRD}", f"{FOLLOW_UP} {THIRD}"]
    assert body_paragraphs([*opening, *story])[-len(story) :] == story
    lines[1] = "By Mira Holm"
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD, *box]


def test_the_name_over_a_biography_under_the_article_heads_an_author_box() -> None:
    """A name alone on a line over the biography that opens with it, under the story, heads the author box: neither
    is the article's. The biography is known by its words ('X is a reporter for ...', the author_box rule), whether
    or not the page's byline was read, or as a paragraph about the writer the byline names."""
    by_rule = "Dana Whitfield is a reporter for the Harbor Daily, covering ports and shipping since 2019."
    by_byline = "Dana joined the Harbor Daily in 2019 and covers the southern ports, their ferries and their trade."
    for byline, bio in (("By Dana Whitfield", by_rule), ("Harbor Daily", by_rule), ("By Dana Whitfield", by_byline)):
        lines = [OWN_HEADLINE, byline, LEAD, FOLLOW_UP, THIRD, "Dana Whitfield", bio]
        assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


def test_a_name_over_a_paragraph_that_calls_them_by_first_name_heads_an_author_box() -> None:
    """Under the story, a writer's name alone on its line over a paragraph that calls them by their first name, or
    speaks in the first person, heads the author box where the page prints the name again ('More articles from
    X'), though no byline was read; a single name heads it where the byline is that name. A profile in the text,
    naming someone the page names once, is the article's."""
    bio = "Dana joined the Harbor Daily in 2019 and covers the southern ports, their ferries and their trade."
    first_person = "I am a reporter, a sailor and a ferry timetable collector, not always in that order."
    more = "More articles from Dana Whitfield"
    for header, name, about, tail in (("Harbor Daily", "Dana Whitfield", bio, [more]),
                                      ("Harbor Daily", "Dana Whitfield", first_person, [more]),
                                      ("By Dana", "Dana", bio, [])):  # fmt: skip
        lines = [OWN_HEADLINE, header, LEAD, FOLLOW_UP, THIRD, name, about, *tail]
        assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    profile = [OWN_HEADLINE, "Harbor Daily", LEAD, FOLLOW_UP, THIRD, "Dana Whitfield", bio, FOURTH]
    assert body_paragraphs(profile)[-2:] == [bio, FOURTH]


def test_a_mega_menus_blurbs_printed_again_in_the_footer_are_not_the_article() -> None:
    """A menu whose items each have a paragraph about them, printed over the article and again under it: paragraphs
    the page prints twice, where the article's are printed once, are not the article, however long; a page that
    prints its whole article twice still has it."""
    menu = ["Programmes", "Harbor Watch",
            "Every week our reporters visit a different port along the southern coast and talk to the people who keep "
            "its ferries, its fish market and its shipyards running, from dawn until the last boat comes in.",
            "Ferry Tales",
            "Stories of the islands and the boats that serve them, told by the captains, the deckhands and the "
            "passengers who cross the strait every morning on their way to school, to work or to the hospital.",
            ]  # fmt: skip
    article = [LEAD, FOLLOW_UP, THIRD, FOURTH]
    sections = ["World", "Business", "Culture", "Sport", "Travel", "Weather"]
    page = [*menu, *sections, OWN_HEADLINE, "By Dana Whitfield", *article, *sections, *menu]
    assert body_paragraphs(page)[:4] == article  # where the article starts (the footer's lines are another matter)
    assert body_paragraphs([OWN_HEADLINE, "By Dana Whitfield", *article, "Print", *article])[:4] == article


def test_teasers_that_read_as_short_sentences_do_not_resume_the_article() -> None:
    """A list header after the last paragraph ends the article unless the article resumes under it; headlines of
    other stories cut short with '…' read as sentences, and two of them in a row do not resume it."""
    teasers = ["Jury rules for half of the plaintiffs in the harbor land suit …",
               "Ferry operators warn of higher fares on the southern routes this summer …",
               "City council delays its vote on the new waterfront stadium again …"]  # fmt: skip
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, "Top stories", *teasers]) == [LEAD, FOLLOW_UP]
    # Nor do two headlines that read as sentences, shorter together than one sure paragraph.
    teasers = ["Ferry fares are not the problem. Our timetables are",
               "Could a ferry cross the strait on tidal power alone?", *WIDGET_HEADLINES]  # fmt: skip
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, "Top stories", *teasers]) == [LEAD, FOLLOW_UP]


def test_a_lone_short_sentence_past_a_long_gap_is_not_the_article() -> None:
    """Past more lines of other text than part two paragraphs (a newsletter's header, the breadcrumb, tags, another
    story's headline and byline), a teaser's headline that reads as a sentence stands alone: not the article's last
    paragraph. A full paragraph there still is."""
    tags = ["Ferry Updates", "Home News World", "Busan", "Ports", "Shipping"]
    teaser = ["Storm closes two southern ports for a day", "World 1 day ago By Mira Holm",
              "Boy, 12, pulled from the harbor after 'waves swept him off the pier'"]  # fmt: skip
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, *tags, *teaser, "Imprint", "Contact"]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    closing = ("The ministry said on Friday that the first turbines would be tested in the bay next spring, once the "
               "two countries had agreed on the site and its grid link.")  # fmt: skip
    assert body_paragraphs([*lines[:-3], closing, "Imprint", "Contact"])[-1] == closing


JAPANESE_PAGE = [
    "ニュース一覧",
    "北浜港で潮力発電の共同研究が始まる",
    "2031年4月8日",
    "北浜港湾局は八日、ノルランド政府と潮力発電の共同研究を始めると発表した。タービンの試験と送電網への接続を三年かけて調べる。",
    "研究費は両国が半分ずつ負担する。最初の試験は来年の春に北浜港の沖で行われる予定だ。",
    "港湾局の担当者は「地域の産業にとって大きな一歩だ」と話した。",
]


def test_a_japanese_article_has_its_paragraphs() -> None:
    """Chinese and Japanese put no spaces between words: counted by spaces, every line is one or two words long and
    no paragraph is prose. Counted by characters, the article is found as an English one is."""
    doc = make_document("page.txt", list(enumerate(JAPANESE_PAGE, 1)), frozenset(), PARSE_PARAMS.extract)
    layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    (record,) = layout.parse(doc).records
    assert (record.title, str(record.published_date)) == (JAPANESE_PAGE[1], "2031-04-08")
    assert body_paragraphs(JAPANESE_PAGE) == JAPANESE_PAGE[3:]


SENTENCE_HEADLINE = "Tidal power research with Norland widens. It may just work."


def test_a_headline_that_reads_like_a_sentence_over_its_photo_is_the_headline() -> None:
    """A headline may end like a sentence; over a photo credit, with the story under it telling what it says, it is
    the headline and not the lead (nor is a menu's item above it)."""
    lines = ["Ferry timetables for the holiday weekend", "Energy", SENTENCE_HEADLINE, "Getty Images", LEAD, FOLLOW_UP,
             THIRD]  # fmt: skip
    assert title_with_learned(lines, []) == SENTENCE_HEADLINE
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


def test_a_question_headline_over_its_standfirst_is_the_headline() -> None:
    """A headline that asks a question reads like a sentence, and the standfirst printed right under it like the
    next paragraph; ending like no statement, and telling the story where the menu's item above it does not, it
    is the headline. A short lead ends like one, and stays the lead."""
    question = "Tidal power research with Norland: is the ministry moving too fast?"
    standfirst = "The memorandum covers turbine testing and grid links, and critics say the timetable is too tight."
    lines = [*SECTIONS, "Subscriptions", "Feedback", "Last Updated : Nov 20, 2031 01:41 PM | Source: Harbor Daily",
             question, standfirst, LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    assert title_with_learned(lines, []) == question
    assert body_paragraphs(lines) == [standfirst, LEAD, FOLLOW_UP, THIRD]
    statement = question.replace(": is the ministry moving too fast?", " is moving too fast, critics say.")
    assert body_paragraphs([*lines[:-5], statement, *lines[-4:]])[0] == statement


@pytest.mark.parametrize(
    "lines",
    [
        [SENTENCE_HEADLINE, LEAD, FOLLOW_UP, THIRD],
        [SENTENCE_HEADLINE, "Tidal Power Research With Norland Widens Across The Southern Ports.", LEAD, FOLLOW_UP],
        ["Southern ports brace for a busy spring season", SENTENCE_HEADLINE, "Energy Research", LEAD, FOLLOW_UP],
    ],
    ids=["over the next paragraph", "no headline on the page", "under the page's headline"],
)
def test_a_short_lead_stays_the_lead(lines: list[str]) -> None:
    """A short first paragraph telling the story is the lead: right over the next paragraph, on a page that printed
    no headline-shaped line, or right under the page's headline (whatever the headline's words)."""
    assert body_paragraphs(lines)[0] == SENTENCE_HEADLINE


@pytest.mark.parametrize(
    "notice",
    [
        "Harbor Daily is supported by its readers. When you buy through links on our site, we may earn a commission.",
        "This website uses cookies. By continuing to use our website without changing the settings, you agree to it.",
    ],
)
def test_a_notice_over_the_story_header_is_not_the_lead(notice: str) -> None:
    """A paragraph above a headline that stands over its own byline or date is a notice printed over the story."""
    lines = [notice, "Energy", OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE


STANDFIRST = "Operators expect the new cranes to cut ships' waiting times by a third."


@pytest.mark.parametrize(
    "header",
    [
        [OWN_HEADLINE, STANDFIRST, "By Dana Whitfield"],
        ["Stay signed in | Trouble signing in?", "Create an account", "Energy —", OWN_HEADLINE, STANDFIRST,
         "By Dana Whitfield"],
    ],
    ids=["a standfirst under the headline", "a login box's lines above it"],
)  # fmt: skip
def test_a_notice_over_a_fuller_story_header_is_not_the_lead(header: list[str]) -> None:
    """The story's header may hold its standfirst between the headline and the byline, and a login box's lines may
    stand between the notice and the headline: the paragraph above is still a notice, not the lead."""
    notice = "Sign up or log in to join the discussions about this story and others!"
    assert body_paragraphs([notice, *header, LEAD, FOLLOW_UP, THIRD]) == [LEAD, FOLLOW_UP, THIRD]


def test_teasers_cut_short_are_not_the_lead() -> None:
    """Teasers' headlines cut short with an ellipsis over the story ('Les 43 fois où la série a fait couler…') read
    as short paragraphs, but none of them is the lead."""
    teasers = ["Ten harbor towns you have to visit at least once before…", "Sponsored",
               "Why ferry fares keep rising every single spring, explained by…",
               "The fishing boats that sailed from Busan and never came…"]  # fmt: skip
    lines = ["Latest", *teasers, "Energy", OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


QUESTION_HEADLINE = "Tidal power: can Norland and Korea make the turbines pay within ten years?"


def parsed_record(lines: list[str]):
    doc = make_document("page.txt", list(enumerate(lines, 1)), frozenset(), PARSE_PARAMS.extract)
    layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    (record,) = layout.parse(doc).records
    return record


@pytest.mark.parametrize("above", [["Home", "Energy", "Share on Facebook (opens in a new window)"], ["Energy"]])
def test_a_headline_that_asks_is_the_title_not_the_lead(above: list[str]) -> None:
    """A headline ending in a question mark ends like a sentence and reads as a paragraph; one short question alone
    over the story is its headline, over the byline or right over the lead."""
    for header in ([QUESTION_HEADLINE, "By Dana Whitfield", LEAD], [QUESTION_HEADLINE, LEAD]):
        record = parsed_record([*above, *header, FOLLOW_UP, THIRD])
        body = [segment.text for segment in record.segments if segment.role == "body"]
        assert (record.title, body) == (QUESTION_HEADLINE, [LEAD, FOLLOW_UP, THIRD])


def test_a_name_alone_over_the_date_under_the_headline_is_the_byline() -> None:
    """A writer's name printed with no 'By', between the headline and the lead, right over the date: the byline,
    and none of the body. A label there ('The Harbor Desk', 'Ports & Trade') is no name; where the header has a
    byline, the name line is left as it was."""
    record = parsed_record(["Energy", OWN_HEADLINE, "Dana Whitfield", "19 November 2031", LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, record.published_date, body) == ("Dana Whitfield", dt.date(2031, 11, 19),
                                                            [LEAD, FOLLOW_UP, THIRD])  # fmt: skip
    for label in ("The Harbor Desk", "Ports & Trade"):
        assert parsed_record([OWN_HEADLINE, label, "19 November 2031", LEAD, FOLLOW_UP, THIRD]).byline is None
    lines = [OWN_HEADLINE, "By Mira Holm", "Dana Whitfield", "19 November 2031", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).byline == "Mira Holm"


def test_a_name_alone_under_the_date_under_the_headline_is_the_byline() -> None:
    """The writer's name with no 'By' printed right under the date stamp, between the headline and the lead, is the
    byline as it is right over it; a label there is no name."""
    record = parsed_record(["Energy", OWN_HEADLINE, "19 November 2031", "Dana Whitfield", LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, record.published_date, body) == ("Dana Whitfield", dt.date(2031, 11, 19),
                                                            [LEAD, FOLLOW_UP, THIRD])  # fmt: skip
    assert parsed_record([OWN_HEADLINE, "19 November 2031", "Ports and Trade", LEAD, FOLLOW_UP]).byline is None
    # Under the date, capitals are a button's, a name over a photo's credit is its caption, and a line printed above
    # is the headline's or a kicker's again.
    for under in (["LISTEN NOW"], ["Dana Whitfield", "Photo: Harbor Images"]):
        assert parsed_record([OWN_HEADLINE, "19 November 2031", *under, LEAD, FOLLOW_UP]).byline is None
    kicked = ["Tidal Power", OWN_HEADLINE, "19 November 2031", "Tidal Power", LEAD, FOLLOW_UP]
    assert parsed_record(kicked).byline is None
    # Over a caption that tells what its photo shows, the name is the writer's.
    stamp = "Posted : 2031-11-19 16:42 | Updated : 2031-11-19 17:05"
    captioned = [OWN_HEADLINE, stamp, "Dana Whitfield", "The tidal test site near Busan / Yonhap", LEAD, FOLLOW_UP]
    assert parsed_record(captioned).byline == "Dana Whitfield"


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("Dana Whitfield and Ara Kwon", "Dana Whitfield and Ara Kwon"),
        ("Dana Whitfield | Ara Kwon", "Dana Whitfield | Ara Kwon"),
        ("Dana Whitfield and AP", "Dana Whitfield and AP"),  # a wire agency among them
        ("Dana Whitfield, AP Ports Writer", "Dana Whitfield"),  # after a comma: the writer's role or outlet
        ("Dana Whitfield, Harbor Daily", "Dana Whitfield"),
        ("Dana Whitfield 2 minutes read", "Dana Whitfield"),  # the page's reading time after the name
        ("Dana Whitfield Parliamentary editor", "Dana Whitfield"),  # the writer's role after the name, no comma
    ],
)
def test_writers_names_joined_over_the_date_under_the_headline_are_the_byline(line: str, byline: str) -> None:
    """Writers' names joined as bylines join them, with no 'By', between the headline and the lead, right over the
    date: the byline. Letters alone ('NEWS') and a label's words ('Ports and Trade') name no one."""
    record = parsed_record(["Energy", OWN_HEADLINE, line, "19 November 2031", LEAD, FOLLOW_UP, THIRD])
    assert (record.byline, record.published_date) == (byline, dt.date(2031, 11, 19))
    for label in ("NEWS", "Ports and Trade"):
        assert parsed_record(["Energy", OWN_HEADLINE, label, "19 November 2031", LEAD, FOLLOW_UP]).byline is None


@pytest.mark.parametrize(
    "line",
    [
        "Dana Whitfield 19 November 2031 - 14:41",
        "Dana Whitfield / HARBORDAILY.COM / Nov 19, 2031, 17:07 IST",
        "Dana Whitfield · Harbor Daily · Posted: Nov 19, 2031 4:00 AM EDT",
        "Dana Whitfield Wednesday, November 19, 2031 @ 11:10 PM UTC",
        "Von Dana Whitfield // 19. November 2031",
        "By Dana Whitfield | November 19, 2031 at 2:26 PM HST - Updated November 19 at 4:46 PM",  # a long line
        "Mi 19.11.31 | 14:07 Uhr | Von Dana Whitfield",  # the byline after the date and a bar
        "Dana Whitfield , 19.11.2031 10:00 Uhr",  # a line read as a date stamp, the name parted from the date
        "Dana Whitfield | 19.11.2031 - Güncelleme : 19.11.2031",
    ],
)
def test_a_name_with_the_date_on_its_line_under_the_headline_is_the_byline(line: str) -> None:
    """A writer's name with no 'By', or with one, and the date after it on its line, an outlet, a label or the
    weekday between them or not, between the headline and the lead: the byline, and the date. A byline after the
    date names the writer instead of the words before it (an outlet's). A date stamp's words before the date are
    its section's ('All News 09:05 ...'), unless they read as a byline with 'By'."""
    record = parsed_record(["Energy", OWN_HEADLINE, line, LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, record.published_date, body) == ("Dana Whitfield", dt.date(2031, 11, 19),
                                                            [LEAD, FOLLOW_UP, THIRD])  # fmt: skip
    outlet = "Harbor Daily | 19.11.2031 | Par Dana Whitfield (avec Mira Holm)"
    assert parsed_record(["Energy", OWN_HEADLINE, outlet, LEAD, FOLLOW_UP]).byline != "Harbor Daily"
    assert parsed_record(["Energy", OWN_HEADLINE, "All News 09:05 November 19, 2031", LEAD, FOLLOW_UP]).byline is None


@pytest.mark.parametrize("line", ["Dana Whitfield | Published 2 hours ago", "Dana Whitfield 5 days ago"])
def test_a_name_before_a_time_relative_to_the_crawl_under_the_headline_is_the_byline(line: str) -> None:
    """A writer's name before a time relative to the crawl ('2 hours ago'), between the headline and the lead: the
    byline, with no date (the time is no publication date). A section's label there names no one."""
    record = parsed_record(["Energy", OWN_HEADLINE, line, LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, record.published_date, body) == ("Dana Whitfield", None, [LEAD, FOLLOW_UP, THIRD])
    assert parsed_record(["Energy", OWN_HEADLINE, "Top 10 | 2 hours ago", LEAD, FOLLOW_UP]).byline is None


@pytest.mark.parametrize("stamp", ["Published 3 hours ago", "12:43, 19 Nov 2031 Updated 12:44, 19 Nov 2031"])
def test_a_writers_name_over_the_stamp_under_the_standfirst_is_the_byline(stamp: str) -> None:
    """A writer's name alone over the date stamp, or over a time relative to the crawl, under the headline and its
    standfirst: the byline, and the standfirst over it a deck, not the lead."""
    record = parsed_record(["Energy", OWN_HEADLINE, STANDFIRST, "Dana Whitfield", stamp, LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, record.byline, body) == (OWN_HEADLINE, "Dana Whitfield", [LEAD, FOLLOW_UP, THIRD])


def test_a_headline_of_two_sentences_printed_twice_over_the_writer_is_the_title() -> None:
    """A headline of two sentences reads as a paragraph; printed twice above the writer's name and a time relative
    to the crawl, it is the page's headline (its copy is no lead), though its words are not the story's: a menu's
    teaser further up that shares none of them does not take the title."""
    headline = "Harbor town keeps its crown. The rivals are easy to overlook"
    page = ["Ferry timetables for the holiday weekend", "Sport", "Football", headline, "Share article", "Facebook",
            headline, "Dana Whitfield", "2 hours ago", LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    record = parsed_record(page)
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, record.byline, body) == (headline, "Dana Whitfield", [LEAD, FOLLOW_UP, THIRD])


def test_a_wire_agency_between_the_headline_and_the_date_is_the_byline() -> None:
    """A wire agency's name alone, right under the headline and right over the date stamp, is the story's byline;
    in capitals, or under a photo's caption, it is the photo's credit."""
    record = parsed_record(["Markets", OWN_HEADLINE, "Reuters", "Published January 1, 2031", LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, record.byline, body) == (OWN_HEADLINE, "Reuters", [LEAD, FOLLOW_UP, THIRD])
    credit = ["Markets", OWN_HEADLINE, "REUTERS", "Published January 1, 2031", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(credit).byline is None
    caption = "Dockworkers unload containers at the harbor on Monday."
    pictured = ["Markets", OWN_HEADLINE, caption, "Reuters", "Published January 1, 2031", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(pictured).byline is None


def test_a_short_paragraph_closing_the_last_section_over_the_end_marker_is_the_articles() -> None:
    """The article's last section, a heading and one short paragraph right over the marker that ends the article
    ('Related Stories'): the paragraph is the article's last, not a teaser's blurb (teasers stand under the marker)."""
    closing = "The ministry plans to open two more test sites by 2033."
    page = ["Newsroom", OWN_HEADLINE, "Jan 22, 2031", LEAD, FOLLOW_UP, "Looking Ahead", closing, "Related Stories",
            WIDGET_HEADLINES[0]]  # fmt: skip
    body = [segment.text for segment in parsed_record(page).segments if segment.role == "body"]
    assert body[-1] == closing and WIDGET_HEADLINES[0] not in body


def test_a_name_and_an_email_under_the_article_sign_it_off() -> None:
    """The writer's name and e-mail on one line under the article's last paragraph sign the article off, whatever
    follows (here a list of other stories): the byline, and no paragraph of the body."""
    signature = "Dana Whitfield dwhit@harbordaily.com"
    page = ["Energy", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD, signature, "Related stories",
            *WIDGET_HEADLINES]  # fmt: skip
    record = parsed_record(page)
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, body) == ("Dana Whitfield", [LEAD, FOLLOW_UP, THIRD])


def test_a_headline_with_a_title_before_a_name_is_one_sentence() -> None:
    """A title's stop before a name ('Gov. Brian Kemp') ends no sentence: the headline is the title, not a
    paragraph of two sentences."""
    headline = "Georgia Gov. Brian Kemp to visit Seoul for battery plant talks"
    record = parsed_record(["Politics", headline, "19 November 2031", LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, body) == (headline, [LEAD, FOLLOW_UP, THIRD])


def test_a_caption_with_its_photo_credit_is_never_the_title() -> None:
    """A photo's caption whose credit stands inside it ('(AP Photo/X) more >'), right over the byline, is no
    headline, though it stands where one does: the page's title is the headline, or none."""
    caption = ("Rep. Ara Kwon, left, talks with Rep. Piet Ronde at the Statehouse, Thursday, April 27, 2031, in "
               "Harbor City. (AP Photo/Ivo Brandt) more >")  # fmt: skip
    byline = "By Dana Whitfield - Associated Press - Friday, April 28, 2031"
    assert parsed_record(["Politics", caption, "Print", byline, LEAD, FOLLOW_UP, THIRD]).title is None
    assert parsed_record(["Politics", OWN_HEADLINE, caption, byline, LEAD, FOLLOW_UP, THIRD]).title == OWN_HEADLINE


def test_a_name_alone_on_the_last_line_under_the_article_signs_it_off() -> None:
    """The writer's name alone on the page's last line of text, right under the article's last paragraph: the
    byline, and the article is whole (its last paragraph ends it). With text after it, the name is no sign-off."""
    record = parsed_record(["Energy", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD, "Dana Whitfield"])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, body) == ("Dana Whitfield", [LEAD, FOLLOW_UP, THIRD])
    teasers = ["Dana Whitfield", "Ferry fares to rise in June", "Port strike ends after two weeks"]
    assert parsed_record(["Energy", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD, *teasers]).byline is None
    button = "READ MORE ON HARBOR"
    assert parsed_record(["Energy", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD, button]).byline is None


def test_a_reuters_style_credit_names_the_agency_where_the_page_names_none() -> None:
    """A wire story that names its reporter only in the credit under it has the agency for its byline: the one the
    page names, or, where it names none, the one whose house style the credit is in ('(Reporting by X; Editing by
    Y)': Reuters's). A credit in no agency's style names none."""
    page = ["Energy", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD]
    credit = "(Reporting by Dana Whitfield; Editing by Mira Holm)"
    assert parsed_record([*page, credit]).byline == "Reuters"
    assert parsed_record([*page, "(With inputs from agencies.)"]).byline is None


@pytest.mark.parametrize("bar", ["|", "-"])
def test_a_headline_printed_only_with_the_outlets_name_after_it_is_the_title_without_it(bar: str) -> None:
    """A page that prints its headline only as its <title> ('Headline | Harbor News Agency', 'Headline - Harbor
    Daily'): the head is the title, the outlet's name after the bar or dash the site's. A bar before words that name
    no outlet is the headline's own."""
    record = parsed_record([f"{OWN_HEADLINE} {bar} Harbor News Agency", "19 November 2031", LEAD, FOLLOW_UP, THIRD])
    assert record.title == OWN_HEADLINE
    suffix = ("chrome", "site_suffix", f"{bar} Harbor News Agency")
    assert suffix in [(s.role, s.rule, s.text) for s in record.segments]
    piped = f"{OWN_HEADLINE} | Ferries resume"
    assert parsed_record([piped, "19 November 2031", LEAD, FOLLOW_UP, THIRD]).title == piped


def test_a_question_under_the_byline_opens_the_story() -> None:
    """Under the story's headline and byline, a one-question paragraph is the lead ('Remember the quest to ...?')."""
    question = "Remember the long search for a slogan that every harbor town could agree on?"
    record = parsed_record(["Energy", OWN_HEADLINE, "By Dana Whitfield", question, LEAD, FOLLOW_UP])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, body) == (OWN_HEADLINE, [question, LEAD, FOLLOW_UP])


def test_a_sentence_over_the_headline_that_tells_none_of_the_story_is_no_lead() -> None:
    """A logo's alt text above the story's headline is one short sentence: not the lead when it shares no word with
    the story and the headline under it tells the story."""
    alt_text = "Harbor Daily logo in white letters on a blue background."
    record = parsed_record([alt_text, "Energy", OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, body) == (OWN_HEADLINE, [LEAD, FOLLOW_UP, THIRD])
    # One word of the story in it, and it may be the story's opening line: the rule leaves it alone.
    opening = "Tidal energy came to the harbor on Monday morning."
    record = parsed_record([opening, "Energy", OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD])
    assert [segment.text for segment in record.segments if segment.role == "body"][0] == opening


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("By Dana Whitfield, November 19, 2031", "Dana Whitfield"),
        ("By Dana Whitfield 2031-11-18T20:51:19Z Energy", "Dana Whitfield"),
        ("By Dana Whitfield | Nov. 19, 2031 5:50 PM", "Dana Whitfield"),
        ("By Dana Whitfield - Harbor Daily Contributor 2031-11-19T12:48:14Z Energy", "Dana Whitfield"),
        ("By Dana Whitfield published 19 November 2031", "Dana Whitfield"),  # a date label between them
        ("By Dana Whitfield, posted on November 19, 2031", "Dana Whitfield"),
        ("Von Dana Whitfield publiziert am 19. November 2031", "Dana Whitfield"),
        ("By Dana Whitfield on November 19, 2031", "Dana Whitfield"),  # joined by 'on'
        ("Posted by Dana Whitfield on November 19, 2031", "Dana Whitfield"),
        ("Posted November 19, 2031 by Dana Whitfield in Energy", "Dana Whitfield"),  # a blog's section after it
    ],
)
def test_a_byline_with_its_date_on_the_line_gives_both(line: str, name: str) -> None:
    doc = make_document("page.txt", list(enumerate([OWN_HEADLINE, line, LEAD, FOLLOW_UP], 1)), frozenset(),
                        PARSE_PARAMS.extract)  # fmt: skip
    layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    (record,) = layout.parse(doc).records
    assert (record.title, record.byline, str(record.published_date)) == (OWN_HEADLINE, name, "2031-11-19" if
            "11-18" not in line else "2031-11-18")  # fmt: skip


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("By Dana Whitfield | Special to the Harbor Daily", "Dana Whitfield"),
        ("By Dana Whitfield – Harbor Daily", "Dana Whitfield"),
        ("By Dana Whitfield - Harbor Daily Contributor", "Dana Whitfield"),
        ("By Kim Min-ji - Harbor Daily", "Kim Min-ji"),
        ("By Dana Whitfield and Ivo Brandt / Harbor Daily Staff Writers", "Dana Whitfield and Ivo Brandt"),
        ("By Letters To The Editor |", "Letters To The Editor"),
        ("By the way | a line that only starts like a byline", None),
    ],
)
def test_a_byline_with_an_affiliation_after_a_bar_names_the_writer(line: str, name: str | None) -> None:
    """'By X | Special to the Y': the writer and where the story was written for. (A title that reads as a byline
    is quarantined by the gate, so a missed byline line costs the whole record.)"""
    assert byline_name(line) == name


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("von Dana Whitfield", "Dana Whitfield"),
        ("Von Dana Whitfield und Mira Holm", "Dana Whitfield und Mira Holm"),
        ("Par Jean-Luc Marchand", "Jean-Luc Marchand"),
        ("Por María López y Juan Pérez", "María López y Juan Pérez"),
        ("Door Jan de Vries", "Jan de Vries"),
        ("di Luca Monaco", "Luca Monaco"),
        ("Di Maio Rilancia", None),  # a capitalised 'Di' starts an Italian name
        ("Von Dana Whitfield, Redakteurin für Wirtschaft", "Dana Whitfield"),  # the writer's role after a comma
        ("Par Jean-Luc Marchand, Correspondant", "Jean-Luc Marchand"),
        ("Von Hamburg nach Kiel", None),  # a headline: its words are not all a name's
        ("Por Qué", None),  # one capitalised word after 'Por' or 'Par' is as often a headline's
        ("Autor: Dana Whitfield und Mira Holm, Oslo", "Dana Whitfield und Mira Holm"),  # under a label, and where
        ("Autorin: Dana Whitfield", "Dana Whitfield"),
        ("Author: Dana Whitfield", "Dana Whitfield"),
        ("Reporter : Dana Whitfield", "Dana Whitfield"),  # a broadcaster's label
        ("Author: Mira Holm (Oslo Trade Office)", "Mira Holm"),  # the writer's office in parentheses
        ("Posted by Dana Whitfield", "Dana Whitfield"),  # a blog's label
        ("Correspondent: Dana Whitfield", "Dana Whitfield"),
        ("Autor: red", None),  # a desk's initials, no name
        ("Autor:innen", None),
        ("Von Dana Whitfield mit AP", "Dana Whitfield"),  # the wire agencies the writer wrote with
        ("Par Jean-Luc Marchand avec AFP et Reuters", "Jean-Luc Marchand"),
        ("By Dana Whitfield with agencies", "Dana Whitfield"),
        ("Par La Gazette Maritime et AFP", "La Gazette Maritime"),  # or beside
        (
            "Von Dana Whitfield, Ara Kwon, Piet Ronde und Mira Holm",
            "Dana Whitfield, Ara Kwon, Piet Ronde und Mira Holm",
        ),
        (
            "By Dana Whitfield, Ara Kwon, Piet Ronde and Mira Holm",
            "Dana Whitfield, Ara Kwon, Piet Ronde and Mira Holm",
        ),
        ("By Land, Sea and Air, Ferries Return to the Islands for the Summer", None),  # a headline's words
        ("Von Dana Whitfield und dpa", "Dana Whitfield"),
        ("Von Dana Whitfield und Hamburg", None),  # a place after 'und': no agency
        ("Von Hamburg mit AP", None),
        ("Von: Dana Whitfield", "Dana Whitfield"),  # with a colon, as a label
        ("Von: DANA WHITFIELD", "DANA WHITFIELD"),
        ("Von Dana Whitfield und Mira Holm, dpa", "Dana Whitfield und Mira Holm"),  # the agency after a comma
        ("Von: Hamburg", None),
        ("Kolumne von Dana Whitfield", "Dana Whitfield"),  # what the piece is, before 'von' or 'by'
        ("Ein Kommentar von Dana Whitfield", "Dana Whitfield"),
        ("Analysis by Dana Whitfield", "Dana Whitfield"),
        ("Fotos von Dana Whitfield", None),  # the pictures' credit: no writer
        ("by: Dana Whitfield", "Dana Whitfield"),  # 'by' as a label
    ],
)
def test_a_byline_in_another_language_names_the_writer(line: str, name: str | None) -> None:
    """'By' is 'Von' in German, 'Par' in French, 'Por' in Spanish and Portuguese, 'Door' in Dutch, 'di' in Italian;
    the writer's role may follow the name. A label ('Autor:', 'Author:') may stand for it, and what the piece is
    may come before it ('Kolumne von', 'Analysis by')."""
    assert byline_name(line) == name


def test_a_headline_closed_by_a_quotation_is_the_title() -> None:
    """A headline that ends on a quotation with no stop before the closing mark ('... on the strike: "We will not
    give in"') ends no sentence: it is shaped like a headline, over its deck and byline, not like a paragraph."""
    headline = "Harbor chief on the strike: “We will not give in to the operators”"
    deck = ("The head of the port authority says the talks will go on, and that the ferries to the islands will run "
            "on the weekend timetable until the operators and the union agree.")  # fmt: skip
    record = parsed_record(["Home", "Energy", headline, deck, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD])
    assert (record.title, record.byline) == (headline, "Dana Whitfield")


def test_a_section_label_printed_twice_is_not_the_headline() -> None:
    """A headline printed twice (the page's <title> and its <h1>) gains for it; a two-word section label printed
    twice (a breadcrumb's crumb and the section's header) does not, though the story names its place."""
    headline = "The busiest and the bravest of the harbor this spring"
    record = parsed_record(["Norland Energy", "Home", "Norland Energy", headline, LEAD, FOLLOW_UP, THIRD])
    assert (record.title, record.category) == (headline, "Norland Energy")


def test_a_line_ending_in_a_colon_is_never_the_title() -> None:
    """A line ending in ':' introduces what follows it (a teaser box's 'New on X:'), however much of the story's
    words it has."""
    headline = "The busiest and the bravest of the harbor this spring"
    record = parsed_record(["Tidal power and turbine research in Norland:", headline, LEAD, FOLLOW_UP, THIRD])
    assert record.title == headline


def test_a_video_card_is_never_the_title() -> None:
    """A video embedded between the header and the lead prints its running time before its title ('4:11 ...'): a
    video's card, however near the lead and far the story's own headline; a headline may still open with a clock
    time."""
    card = "4:11 Tidal turbines tested off Norland as the ferry season opens in Mokpo"
    header = [OWN_HEADLINE, "By Dana Whitfield", "Posted May 3, 2031 10:05 am"]
    assert parsed_record([*header, *MENU, card, LEAD, FOLLOW_UP, THIRD]).title == OWN_HEADLINE
    timed = "9:02 AM Norland and Korea sign the tidal power memorandum in Oslo"
    assert parsed_record(["Energy", timed, LEAD, FOLLOW_UP, THIRD]).title == timed


def test_a_line_that_opens_like_a_byline_is_never_the_title() -> None:
    """The gate refuses a title that opens with 'By X' (the whole record would go to quarantine): a byline the
    byline patterns do not read is no headline either, and the article keeps its text without a title."""
    unread = "By Dana Whitfield with reporting from the harbor desk in Mokpo"
    record = parsed_record(["Energy", unread, LEAD, FOLLOW_UP, THIRD])
    assert record.title is None and LEAD in [segment.text for segment in record.segments if segment.role == "body"]


def test_a_labelled_byline_on_a_page_is_the_byline_not_the_title() -> None:
    """Read on a page, not only by byline_name: the evidence's byline prefilter lets a label through."""
    record = parsed_record([OWN_HEADLINE, "Autor: Dana Whitfield und Mira Holm, Oslo", LEAD, FOLLOW_UP])
    assert (record.title, record.byline) == (OWN_HEADLINE, "Dana Whitfield und Mira Holm")


def test_a_standfirst_printed_again_in_the_article_does_not_end_it() -> None:
    """The lead printed again with the same paragraph after it is the article printed twice (the first copy is
    the article); with other paragraphs after it, the lead was a standfirst printed again, and the article goes on."""
    twice = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, LEAD, FOLLOW_UP]
    assert body_paragraphs(twice) == [LEAD, FOLLOW_UP]
    standfirst = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, LEAD, THIRD, FOURTH]
    assert body_paragraphs(standfirst) == [LEAD, FOLLOW_UP, THIRD, FOURTH]


def test_a_headline_under_a_teasers_headline_is_the_title_not_its_deck() -> None:
    """A headline stands over its deck, and a line right under another headline-shaped line loses points as a deck.
    Right under a line that shares no word with the story (the last headline of a 'Latest' list), a headline that
    tells the story in three of its words is no deck: the deck under it is."""
    deck = "Research on turbines and grid links to start in Busan and Oslo before the end of the year"
    teasers = ["Latest", "Ferry fares to rise in June across southern ports", "Port strike ends after two weeks"]
    headline, caption = "Norland widens tidal research", "Turbines off the coast of Busan (Photo: Harbor Agency)"
    record = parsed_record([*teasers, headline, deck, caption, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD])
    assert record.title == headline


def test_a_headline_over_its_standfirst_and_byline_wins_over_a_menus_teaser_that_tells_the_story() -> None:
    """A headline stands over its standfirst, then its byline and date: that is a headline's place, however many
    buttons stand between them and the lead. A teaser further up (a menu's link to a related story) may tell the
    story as well and come first, but stands over the next teaser."""
    menu = [
        "Menu",
        "Tidal power research to widen from Busan to Oslo",
        "Ferry fares to rise in June across southern ports",
        "Ferry operators said on Monday that fares on all southern routes would rise by four percent from the "
        "first of June, citing the cost of fuel and of new crews.",
        "Port strike ends after two weeks of talks",
        "Weather",
        "Sport",
        "Culture",
    ]
    headline = "Norland and Korea sign a memorandum on tidal power"
    standfirst = (
        "Vice ministers met in Oslo to agree on turbine testing and grid links for the coming years; the "
        "first results of the joint research are due in the autumn, the ministry said on Tuesday evening."
    )
    buttons = ["Add to your selections", "To add the article to your selections", "Sign up for free",
               "Already have an account?", "Share", "Share on Facebook", "Share on WhatsApp", "Send by e-mail",
               "Copy the link", "Subscribers only"]  # fmt: skip
    metadata = ["By Dana Whitfield", "Published on 8 April 2031 at 07:57"]
    header = [*menu, "Energy", headline, standfirst, *metadata, *buttons]
    more = ["Both governments will fund the first three years of the research, and each will name a research "
            "institute to lead its part of the work, officials from the two ministries told reporters after the "
            "signing.", "A first test turbine is expected to be anchored off the coast of Busan by the end of next "
            "year, if the permits are granted in time.", "The memorandum also covers the training of engineers: "
            "students from both countries will spend a term at the partner institute, and the first exchange is "
            "planned for the spring, when the test site is chosen.", "Environmental groups welcomed the agreement "
            "but asked that the effects of the turbines on fish and on sea birds be studied before any larger farm "
            "is planned along the coast."]  # fmt: skip
    assert parsed_record([*header, LEAD, FOLLOW_UP, THIRD, *more]).title == headline


def test_a_sections_label_over_a_headline_of_two_sentences_is_its_kicker_not_the_title() -> None:
    """A headline of two sentences reads as no headline by its shape; a section's label of two words right over it
    (a kicker) tells the story as well, but it labels the headline under it, which is the title."""
    headline = "Ferry Fares Rise Again After the Port Results. Why Travellers Should Not Worry."
    lead = ("Ferry fares on the southern routes rose again on Monday after the port authority published its results "
            "for the third quarter, the second rise this year.")  # fmt: skip
    page = ["Travel", "Port Results", headline, "By Dana Whitfield", "Nov. 19, 2031 8:21 am ET", lead, FOLLOW_UP,
            THIRD]  # fmt: skip
    assert parsed_record(page).title == headline


def test_a_kicker_over_the_headline_makes_no_deck_of_it() -> None:
    """A line right under another headline-shaped line loses points as a deck; a section label printed right over
    the headline (a kicker) is no headline, and the headline under it keeps the title from a masthead's links over
    the edition's date."""
    header = ["Menu", "Today's paper and puzzles", "Tuesday, 26 November 2031", "Energy Policy", OWN_HEADLINE]
    record = parsed_record([*header, "Dana Whitfield The Harbor Daily", "Tue, 26 November 2031 9:27PM", LEAD,
                            FOLLOW_UP, THIRD])  # fmt: skip
    assert record.title == OWN_HEADLINE


def test_a_headline_of_two_sentences_is_the_title_where_no_line_is_shaped_like_one() -> None:
    """A headline of two sentences ('Norland. Tidal research to widen') reads as a short line, not as a headline.
    Where no line is shaped like a headline, the first line near above the lead that tells the story, ends like
    no sentence and is of a headline's length is the title; not the standfirst under it, nor a photo's caption."""
    headline = "Norland. Korea and Norland widen tidal power research"
    standfirst = "The two governments will fund turbine tests off Busan, the ministry said on Monday in Oslo."
    caption = "Turbines off the coast of Busan in Korea. Dana Weber / Harbor Press"
    lines = ["World", "Politics", headline, standfirst, "Published: 02.02.2031 21:52", caption, LEAD, FOLLOW_UP]
    assert parsed_record([*lines, THIRD]).title == headline
    # A caption closed by 'Name / Agency' tells the story too, but is no title even where nothing else is one.
    told = "Vice Minister Ara Kwon and Norland's energy secretary sign the memorandum. Dana Weber / Harbor Press"
    assert parsed_record(["World", "Politics", told, lines[4], LEAD, FOLLOW_UP, THIRD]).title is None


def test_the_first_line_to_tell_the_story_gains_as_the_first_headline() -> None:
    """Headline first, deck under it: the first headline-like line gains a point, and the deck stands nearer the
    byline. Menus' links come first on many pages: the point goes to the first line that tells the story."""
    headline = "Norland and Korea widen tidal power research"
    deck = "Vice Minister Ara Kwon signs a memorandum on tidal power research with Norland for turbine tests off Busan"
    menu = ["Broadband deals", "Mobile deals", "Energy"]
    lines = [*menu, headline, deck, "By Dana Whitfield 30 August 2031", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).title == headline


PAYWALL_BOX = ["THIS CONTENT IS RESERVED FOR SUBSCRIBERS ONLY", "Subscribe now to read the latest news in your city.",
               "Unlimited online access to the Harbor Daily and 15 news sites with one account.",
               "The Harbor Daily ePaper, an electronic replica of the print edition to view on any device.",
               "REGISTER / SIGN IN TO UNLOCK MORE ARTICLES",
               "Create an account or sign in to continue with your reading experience."]  # fmt: skip


def test_a_paywalls_box_over_the_whole_article_does_not_end_it() -> None:
    """A page may print a paywall's box over an article whose whole text it holds: the article resumes under the
    box's short promises at sure paragraphs in a row (an advertisement's label between them parts nothing), or at
    a long paragraph and a sure one parted by a subheading. A truncated article's page goes on with other
    stories' headlines and its footer: the box ends it."""
    rest = [LONG_PARAGRAPHS[0], "Advertisement", LONG_PARAGRAPHS[1], "Advertisement", LONG_PARAGRAPHS[2]]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, *PAYWALL_BOX, *rest]
    assert body_paragraphs(lines) == [LEAD, *LONG_PARAGRAPHS]
    long_paragraph = f"{LONG_PARAGRAPHS[0]} {LONG_PARAGRAPHS[1]}"
    sections = [long_paragraph, "What the fishermen say", LONG_PARAGRAPHS[2]]
    assert body_paragraphs([*lines[:3], *PAYWALL_BOX, *sections]) == [LEAD, *sections]
    footer = [
        *WIDGET_HEADLINES,
        "Jury rules for half of the plaintiffs in the harbor land suit",
        "© 2031 Harbor Daily",
    ]
    assert body_paragraphs([*lines[:3], *PAYWALL_BOX, *footer]) == [LEAD]


def test_chrome_between_paragraphs_does_not_keep_the_article_from_resuming() -> None:
    """Under a box of related stories, the article resumes at paragraphs in a row; an advertisement's label
    printed between each two of them parts nothing."""
    box = ["Read More", *WIDGET_HEADLINES, "Advertisement", "Story continues below", "Advertisement"]
    rest = [LONG_PARAGRAPHS[0], "Advertisement", LONG_PARAGRAPHS[1], "Advertisement", LONG_PARAGRAPHS[2]]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, *box, *rest]
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, *LONG_PARAGRAPHS]


def test_a_related_storys_header_under_the_lead_does_not_take_the_lead() -> None:
    """A paragraph over a headline that stands over its byline is a notice above the story's header, unless it
    stands right under the story's own byline or date: then it is the lead, and the header under it an inline
    box's (a related story's headline and writer)."""
    related = ["Ferry fares to rise in June across southern ports", "By Mira Holm"]
    lines = [OWN_HEADLINE, "By Dana Whitfield", LEAD, *related, FOLLOW_UP, THIRD, *LONG_PARAGRAPHS]
    assert body_paragraphs(lines)[0] == LEAD
    notice = "This article contains affiliate links: we may earn a commission when you buy through them."
    assert body_paragraphs(["Energy", notice, OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP])[0] == LEAD


def test_a_photos_caption_and_credit_between_the_standfirst_and_the_byline_part_nothing() -> None:
    """A photo between the standfirst and the byline may print a one-word caption and a one-word credit ('Turbines'
    twice): the standfirst over them is still a deck over the story's byline, not its lead."""
    lines = ["Energy", OWN_HEADLINE, STANDFIRST, "Turbines", "Turbines", "By Dana Whitfield", "19 November 2031",
             LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE


TWO_SENTENCE_HEADLINE = "Norland needs more tidal power. Korea wants to help"


@pytest.mark.parametrize(
    "headline",
    [TWO_SENTENCE_HEADLINE, "'Norland needs more tidal power. We will help'", f"{TWO_SENTENCE_HEADLINE}. Here's why."],
)
def test_a_headline_of_two_sentences_over_its_byline_wins_over_lines_far_up(headline: str) -> None:
    """A headline of two sentences, quoted whole or ending like a sentence right over the byline, reads as a
    paragraph (a deck, over the byline). Where the lines nearest above the lead hold no headline-shaped line, a
    headline further up would win, though it is a menu's item that shares words with the story ('Norland Tidal
    Research Programme') or none ('Meet our team'); the two sentences near the lead that tell the story are the
    headline."""
    for far_up in (["Norland Tidal Research Programme", *SECTIONS], ["Meet our team", *SECTIONS]):
        lines = [*far_up, "Listen", "Share", headline, "By Dana Whitfield", "19 November 2031", LEAD, FOLLOW_UP,
                 THIRD]  # fmt: skip
        assert title_with_learned(lines, []) == headline
        assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


def test_a_headline_wins_over_its_deck_standing_over_the_byline() -> None:
    """A headline over its deck (a standfirst shaped like a longer headline) over the byline and date, with the
    writer's name, role and labels filling the lines nearest above the lead: the deck stands over the metadata, but
    the headline right above it is the title. A kicker over the deck is shorter than a headline, and labels it."""
    deck = "Kwon and Ronde signed a memorandum on tidal power research covering turbine testing and grid links in Oslo"
    under = ["By Dana Whitfield", "19 November 2031", "Dana Whitfield", "Energy correspondent",
             "Harbor Daily newsroom", "Tidal power", "Photo gallery", LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    lines = [*SECTIONS, OWN_HEADLINE, deck, *under]
    assert title_with_learned(lines, []) == OWN_HEADLINE
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned([*SECTIONS, "Tidal power research", deck, *under], []) == deck


def test_a_headline_of_two_sentences_wins_over_a_button_right_over_the_lead() -> None:
    """A button's label shaped like a headline ('Recommend this story to a friend') over the headline printed again
    as the first line of the story tells none of the story and stands over no byline or date: the headline of two
    sentences above the buttons is the title."""
    buttons = ["Share this article", "Facebook Twitter", "Recommend this story to a friend"]
    lines = [*MENU, TWO_SENTENCE_HEADLINE, *buttons, TWO_SENTENCE_HEADLINE, LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == TWO_SENTENCE_HEADLINE


def test_a_long_first_line_over_the_date_that_ends_like_no_sentence_is_no_headline() -> None:
    """The page's first paragraph right over the date, ending like no sentence, is a long headline up to a
    headline's length; longer, it is a standfirst or a spammer's comment printed over the page, never the title."""
    spam = " ".join(["Best online offers with great bonuses and daily prizes for new players"] * 6)
    lines = ["Harbor Notes", spam, "Menu", "Harbor Notes", "19 November 2031", OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD]
    assert title_with_learned(lines, []) == OWN_HEADLINE
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]


def test_a_line_that_prints_nothing_parts_paragraphs_and_is_none() -> None:
    """A zero-width non-joiner or space, a byte-order mark or a soft hyphen alone on a line (a page's markup leaves
    them between paragraphs) is a blank line: no segment, no paragraph of the body."""
    text = (
        "Ferry Fares Rise Again in the Northern Ports\n\nBy Dana Whitfield\n\n"
        "The ferry operator raised fares on every northern route on Monday, the third rise this year.\n"
        "\u200c\n"
        "Commuters said the new fares would cost them a day's wages a month, and asked the council to step in.\n"
        "\ufeff\u200b \u00ad\n"
        "The council meets on Thursday.\n"
    )
    decoded = decode_file("ferry.txt", text.encode(), PARSE_PARAMS)
    assert [number for number, _ in decoded.lines] == [1, 3, 5, 7, 9]
    _, parsed = parse_case(make_document("ferry.txt", decoded.lines, extract=PARSE_PARAMS.extract))
    (record,) = parsed.records
    assert [s.start for s in record.segments if s.role == "body"] == [5, 7, 9]


def test_a_korean_headline_over_its_date_is_the_title_and_the_reporters_credit_the_byline() -> None:
    """A Korean page: the headline, ending in a quotation (shaped like a sentence), over its date; the reporter's
    credit ('X 기자 외 1명': and one more); the story's points under it, shaped like headlines; then the story.
    The credit is the byline, not a headline. The points tell the story as the headline does (its words' stems:
    particles are written onto them), but a headline stands over its byline and date, and they stand under them."""
    headline = "항만공사 '조력발전' 도입 또다시 연기··· 어민들 \"일정 왜 미루나\""
    points = ["두 시간 만에 끝난 '빈손' 이사회", "조력발전 도입안 상정에", '어민들 "명백한 약속 위반" 반발']
    lead = (
        "부산항만공사 이사회가 조력발전 설비를 항만에 도입하는 방안을 논의했으나 또다시 결론을 내지 못했다. "
        "어민들은 일정이 미뤄질 때마다 피해가 커진다고 반발했다."
    )
    follow = "항만공사는 다음 달 이사회에서 조력발전 도입 일정을 다시 논의하겠다고 밝혔다. 어민들은 집회를 예고했다."
    third = "조력발전 설비는 부산 앞바다에서 시험 가동을 마쳤으며, 항만공사는 올해 안에 도입을 결정할 계획이다."
    header = [headline, "입력 2031.07.12 22:09", "서울 박민수 기자 외 1명", *points]
    record = parsed_record([*header, lead, follow, third])
    assert (record.title, record.byline) == (headline, "박민수")


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("박민수 기자", "박민수"),
        ("박민수·이지은 기자", "박민수·이지은"),
        ("박민수 선임기자 minsu@harbor.example", "박민수"),
        ("부산, 울산 박민수 기자 외 1명", "박민수"),
        ("田中太郎記者", "田中太郎"),
        ("本报记者 张伟", "张伟"),
        ("정부는 오늘 기자회견을 열었다", None),  # a sentence about a press conference
        ("박민수 기자가 전했다", None),  # 'reporter Park said'
        ("新华社记者", None),  # a desk, no name
    ],
)
def test_a_reporters_credit_in_korean_chinese_or_japanese_names_the_reporter(line: str, name: str | None) -> None:
    """The name, then 'reporter' (기자, 記者), alone on the line; in Chinese 'reporter' (记者) comes first."""
    assert byline_name(line) == name


def test_a_headline_printed_under_the_date_keeps_the_title_from_the_deck_over_it() -> None:
    """Some pages print the deck over the date and the headline under it, right over the lead: the one
    headline-shaped line under the date is the headline, not a point of a summary."""
    deck = "Korea and Norland will test tidal turbines together: what the memorandum signed in Oslo covers."
    lines = ["Energy", deck, "22.04.2031, 17:26", "Audio", OWN_HEADLINE, OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).title == OWN_HEADLINE


@pytest.mark.parametrize(
    "story",
    [
        [OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD],
        [
            "„Wir bleiben“: Die Fährleute im Hafen streiken weiter für höhere Löhne",
            "Die Fährleute im Hafen von Nordland streiken seit Montag für höhere Löhne, und ein Ende des Streiks "
            "ist nicht in Sicht, sagte ihr Sprecher am Abend vor dem Rathaus.",
            "Die Reederei bietet drei Prozent mehr, die Fährleute fordern acht Prozent und kürzere Schichten.",
            "Der nächste Verhandlungstermin ist für Donnerstag angesetzt, teilte die Stadt am Dienstag mit.",
        ],
        [
            "«Seguiremos»: los marineros de los ferris del puerto siguen en huelga",
            "Los marineros de los ferris del puerto siguen en huelga desde el lunes y piden un aumento de sueldo, "
            "dijo su portavoz ante el ayuntamiento el martes por la tarde.",
            "La naviera ofrece un tres por ciento más, y los marineros piden un ocho por ciento y turnos más cortos.",
            "La próxima reunión será el jueves, según informó el ayuntamiento el martes por la noche.",
        ],
    ],
    ids=["english", "german quotes", "spanish guillemets"],
)
def test_a_short_paragraph_over_the_storys_header_is_not_its_lead(story: list[str]) -> None:
    """A lone short paragraph over the story's header (its headline right over its byline) with no other paragraph
    between them is a pitch printed over the story, not its lead: the story starts under its byline, and its
    headline is the title, not a menu's line above the pitch. A headline may open with a quotation mark as other
    languages print it."""
    menu = ["News Sport Business Culture Travel Weather", "Subscribe Newsletter Podcasts Jobs"]
    pitch = "All your benefits as a subscriber, at a glance, are here."
    headline, *paragraphs = story
    record = parsed_record([*menu, pitch, "19.11.2031", headline, "By Dana Whitfield", *paragraphs])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.title, body) == (headline, paragraphs)


@pytest.mark.parametrize("dateline", ["OSLO: ", "OSLO, Norway — ", "BUSAN -- ", "OSLO, Nov 19 (Yonhap) -- "])
def test_a_paragraph_over_the_one_the_dateline_opens_is_a_deck(dateline: str) -> None:
    """The story's dateline opens its first paragraph: a paragraph right over that one (a summary the site prints
    over the story, a caption between them or not) is a deck, not the lead. A paragraph labelled in capitals
    ('UPDATE: ...') opens no story: the paragraph over it stays the lead."""
    summary = "Norland and Korea will test tidal turbines together, and the first results are due next autumn."
    lines = [OWN_HEADLINE, "By Dana Whitfield", summary, "(Photo: Harbor Photo Agency)", dateline + LEAD, FOLLOW_UP]
    assert body_paragraphs(lines) == [dateline + LEAD, FOLLOW_UP]
    lines[4] = "UPDATE: " + LEAD
    assert body_paragraphs(lines) == [summary, "UPDATE: " + LEAD, FOLLOW_UP]


def test_a_byline_under_the_headline_wins_over_one_above_it() -> None:
    """A line above the headline that reads as a byline (a menu's or a filter's: 'Sort By Type', 'By Our Staff')
    names no writer of this story when one stands under the headline; a byline above the headline with none under
    it is still the story's."""
    lines = ["News Sport Business", "By Our Staff", OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP]
    assert parsed_record(lines).byline == "Dana Whitfield"
    lines = ["News Sport Business", "By Dana Whitfield", OWN_HEADLINE, LEAD, FOLLOW_UP]
    assert parsed_record(lines).byline == "Dana Whitfield"


def test_a_teasers_byline_under_the_article_is_not_the_writers() -> None:
    """A byline further down than right under the article's last paragraph heads another story (a teaser's 'By X'
    under its headline): the article has no byline then. Right under the last paragraph it signs the article, and
    further down so does a writer the page names on another line too (an author box with their biography)."""
    teaser = ["Ferry fares to rise in June across southern ports", "By Jon Baker"]
    assert parsed_record([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, *teaser]).byline is None
    assert parsed_record([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, "By Mira Holm"]).byline == "Mira Holm"
    box = ["By Mira Holm", "Mira Holm is a reporter for the Harbor Daily, covering its ports and their ferries."]
    assert parsed_record([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, *teaser, *box]).byline == "Mira Holm"


@pytest.mark.parametrize(
    "handoff",
    [
        ["Tidal power is drawing new partners at home and abroad.", "Reporter Mira Holm has the details."],
        ["Tidal power is drawing new partners at home and abroad. Reporter Mira Holm has more."],
        ["Tidal power is drawing new partners at home and abroad. Mira Holm has more."],
    ],
)
def test_a_broadcasts_handoff_names_the_reporter_without_the_role(handoff: list[str]) -> None:
    """The anchor hands over to the reporter on a line of its own or at the end of the anchor's words: the byline is
    the name, whatever role the sentence puts before it."""
    lines = ["[Anchor]", *handoff, "[Report]", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).byline == "Mira Holm"


def test_a_press_releases_about_heading_under_the_last_paragraph_is_not_the_articles() -> None:
    """A heading under the last paragraph whose last word is a company's abbreviation ('About Harbor Metals Corp.')
    ends on a stop that ends no sentence: it heads the release's boilerplate, with the paragraph under it, and is no
    statement that closes the article."""
    about = "Harbor Metals Corp. is a producer of specialty steel and alloys, with plants in Norland and Busan."
    outlook = "This release contains forward-looking statements. Actual results may differ materially from them."
    contact = ["Media Contact:", "Dana Whitfield", "+82-2-555-0100", "press@harbormetals.example"]
    tail = ["About Harbor Metals Corp.", about, "Forward-Looking Statements", outlook, *contact]
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, *tail]) == [LEAD, FOLLOW_UP, THIRD]


def test_an_interviews_questions_and_answers_are_its_paragraphs() -> None:
    """An interview printed as questions and answers ('Q: ...?', 'A: ...'): every question is the article's text,
    however short, the first one opens it (no headline that asks, no deck), and the article runs on to the last
    answer."""
    interview = [
        "Q: What does the agreement change for tidal power?",
        "A: " + LEAD,
        "Q: What comes next?",
        "A: " + FOLLOW_UP,
        "Q. Will turbine makers from abroad take part?",
        "A. Yes. " + THIRD,
    ]
    record = parsed_record([OWN_HEADLINE, *interview])
    assert record.title == OWN_HEADLINE
    assert body_paragraphs([OWN_HEADLINE, *interview]) == interview


def test_a_box_of_key_points_over_the_lead_is_a_deck() -> None:
    """A box of points under its label ('Key Points', one sentence a point) sums the story up: its points are
    neither the title nor the body, whether the box stands over the byline or under it over a photo's credit.
    Points running on into the paragraphs with nothing between stay: they are not told from the lead."""
    points = ["Key Points", "Test turbines go to sea off Busan next spring", "Grid links are studied by both sides"]
    lines = [OWN_HEADLINE, *points, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).title == OWN_HEADLINE
    assert body_paragraphs(lines) == [LEAD, FOLLOW_UP, THIRD]
    sentences = ["Norland and Korea will test tidal turbines together next spring.", "Grid links are studied too."]
    lines = [OWN_HEADLINE, "By Dana Whitfield", "Key Points", *sentences, "Mira Holm | Harbor Daily | Getty Images"]
    assert body_paragraphs([*lines, LEAD, FOLLOW_UP, THIRD]) == [LEAD, FOLLOW_UP, THIRD]
    running_on = [OWN_HEADLINE, "By Dana Whitfield", "Key Points", *sentences, LEAD, FOLLOW_UP, THIRD]
    assert body_paragraphs(running_on)[-3:] == [LEAD, FOLLOW_UP, THIRD]


@pytest.mark.parametrize(
    ("label", "writer", "byline"),
    [
        ("Author of the article:", "Harbor News Agency", "Harbor News Agency"),
        ("Written by:", "Dana Whitfield", "Dana Whitfield"),
        ("von", "Dana Whitfield ,", "Dana Whitfield"),
    ],
)
def test_a_label_alone_over_the_writers_name_makes_a_byline(label: str, writer: str, byline: str) -> None:
    """A label alone on its line ('Author of the article:', 'By', 'von') over the writer's name: one byline, the
    name's line ending on the separator before the agency on the next ('Dana Whitfield ,' over 'dpa') too."""
    lines = [OWN_HEADLINE, label, writer, "Harbor Wire", "Published 19 November 2031", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).byline == byline


def test_a_writers_name_glued_to_their_social_handle_is_the_byline() -> None:
    """A writer's name with their social handle glued to it ('Dana Whitfield@DanaWhitfield', a link's text), under
    the date between the headline and the lead: the byline is the name."""
    lines = [OWN_HEADLINE, "Published 19 November 2031", "Dana Whitfield@DanaWhitfield", LEAD, FOLLOW_UP, THIRD]
    assert parsed_record(lines).byline == "Dana Whitfield"


def test_a_reporters_role_before_the_name_on_the_stamps_line_is_no_part_of_the_byline() -> None:
    """'Reporter Dana Whitfield | approved 2031.11.24 15:31': the byline is the name, not the role with it; a
    sign-off of the name and the e-mail with a slash between ('Dana Whitfield / dwhit@...') names the writer too."""
    stamped = "Reporter Dana Whitfield | approved 2031.11.24 15:31 | Comments 0"
    assert parsed_record([OWN_HEADLINE, stamped, LEAD, FOLLOW_UP, THIRD]).byline == "Dana Whitfield"
    signed = "Dana Whitfield / dwhit@harbordaily.example"
    assert parsed_record([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, signed]).byline == "Dana Whitfield"


def test_a_wire_agencys_sign_off_on_its_own_line_under_the_article_is_the_byline() -> None:
    """'(Yonhap)' alone on the line under the last paragraph signs the story off as the inline sign-off does: the
    agency is the byline where the page names no writer. Another word in parentheses there names no one."""
    assert parsed_record([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, "(Yonhap)"]).byline == "Yonhap"
    assert parsed_record([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, "(Harbor Photo)"]).byline is None
    assert parsed_record([OWN_HEADLINE, "By Dana Whitfield", LEAD, FOLLOW_UP, THIRD, "(Yonhap)"]).byline == (
        "Dana Whitfield"
    )


def test_a_photos_caption_closed_by_its_credit_under_the_last_paragraph_is_no_paragraph() -> None:
    """Under the last paragraph, a line closed by a photo's parenthesised credit ('Harbor Metals CEO Dana Whitfield
    (Harbor Metals)') is its caption, not a paragraph the saved page cut off: the body ends on its last sentence
    (so clean does not flag it truncated)."""
    caption = "Harbor Metals CEO Dana Whitfield (Harbor Metals)"
    assert body_paragraphs([OWN_HEADLINE, LEAD, FOLLOW_UP, THIRD, caption, "By Mira Holm"]) == [LEAD, FOLLOW_UP, THIRD]


def test_a_section_label_over_the_byline_over_the_headline_is_the_category() -> None:
    """A page that prints its byline over the headline: the section's label right above the byline is the
    category, as it is right above the headline."""
    lines = ["Economy", "By Dana Whitfield", OWN_HEADLINE, "2031-11-27 14:10", LEAD, FOLLOW_UP, THIRD]
    record = parsed_record(lines)
    assert (record.category, record.byline, record.title) == ("Economy", "Dana Whitfield", OWN_HEADLINE)


@pytest.mark.parametrize("role", ["Staff Reporter", "Senior Correspondent", "Reporter"])
def test_a_name_over_the_writers_role_under_the_article_is_the_byline(role: str) -> None:
    """The writer's name alone under the last paragraph, their role on the line under it: the byline (the name had
    been read as a headline of the page's furniture, and the article had none)."""
    record = parsed_record([OWN_HEADLINE, "November 19, 2031", LEAD, FOLLOW_UP, THIRD, "Dana Whitfield", role])
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, body) == ("Dana Whitfield", [LEAD, FOLLOW_UP, THIRD])


def test_a_menu_item_over_a_publications_name_above_the_headline_is_no_byline() -> None:
    """Over the headline, two capitalised words over 'Business Reporter' are a menu's items (a magazine's name)."""
    menu = ["Harbor Highlights", "Business Reporter"]
    record = parsed_record([*menu, OWN_HEADLINE, "November 19, 2031", LEAD, FOLLOW_UP])
    assert (record.title, record.byline) == (OWN_HEADLINE, None)


@pytest.mark.parametrize(
    "caption",
    [
        "Harbor Metals' plant in Mokpo, South Jeolla Province (Harbor Metals)",
        "Harbor Metals' new furnace in Mokpo. Photo=Yonhap",
        "A ferry leaves the southern quay in Mokpo on Monday. [YONHAP]",
    ],
)
def test_a_caption_closed_by_its_credit_between_paragraphs_leaves_the_body(caption: str) -> None:
    """A line between two paragraphs closed by a photo's credit, in parentheses, in brackets after its sentence or
    after 'Photo=' (a Korean paper's), with no sentence of the article's: the photo's caption. A section's heading of
    a few words, or one that spells out an abbreviation in capitals, stays in the body, and so do a paragraph closed by
    a reference's number and the items of a list in a row."""
    record = parsed_record([OWN_HEADLINE, "November 19, 2031", LEAD, caption, FOLLOW_UP, THIRD])
    assert [segment.text for segment in record.segments if segment.role == "body"] == [LEAD, FOLLOW_UP, THIRD]
    for heading in ("The Southern Ferry Authority (SFA)", "Ferry timetable updates (Harbor Desk)"):
        record = parsed_record([OWN_HEADLINE, "November 19, 2031", LEAD, heading, FOLLOW_UP, THIRD])
        assert [segment.text for segment in record.segments if segment.role == "body"] == [LEAD, heading, FOLLOW_UP,
                                                                                           THIRD]  # fmt: skip
    cited = f"{FOLLOW_UP}[12] Results are due in 2032.[13]"  # a reference's number is no credit
    record = parsed_record([OWN_HEADLINE, "November 19, 2031", LEAD, cited, THIRD])
    assert [segment.text for segment in record.segments if segment.role == "body"] == [LEAD, cited, THIRD]
    items = ["1) Harbor Lights by the Ferry Band (Vinyl)", "2) Songs of the Southern Ports (Vinyl)",
             "3) Tidal Works for String Quartet (Deluxe Box)"]  # fmt: skip
    record = parsed_record([OWN_HEADLINE, "November 19, 2031", LEAD, *items, FOLLOW_UP, THIRD])
    assert [segment.text for segment in record.segments if segment.role == "body"] == [LEAD, *items, FOLLOW_UP, THIRD]


# --- digests: short stories printed in full one under the other ------------------------------------------------------

BRIEFS = [
    ("Ferry operator orders six electric boats", "2031-05-02",
     "Southern Ferries said Friday it ordered six battery-electric passenger boats for its island routes.",
     "The boats will replace diesel ferries built in the 1990s, the operator said."),
    ("Port of Mokpo adds night shifts", "2031-05-02",
     "The port of Mokpo will run cranes through the night from June to clear a backlog of car shipments.",
     "Dock workers agreed to the extra shifts in talks that ended on Thursday."),
    ("Tidal plant output rises in April", "2031-05-01",
     "The Sihwa tidal plant generated 9 percent more power in April than a year earlier after a turbine overhaul.",
     "The operator plans to overhaul two more turbines before the winter."),
]  # fmt: skip


def parsed_page(lines: list[str]) -> tuple[str, Parsed]:
    doc = make_document("page.txt", list(enumerate(lines, 1)), frozenset(), PARSE_PARAMS.extract)
    layout, _ = layouts.choose(doc, PARSE_PARAMS.min_layout_score)
    return layout.name, layout.parse(doc)


def test_a_digest_of_briefs_is_a_record_per_story() -> None:
    """Headline, date, two paragraphs, three times over, with no separator lines: three records, each with its own
    headline, date and paragraphs (one record before, whose body held the other headlines)."""
    name, parsed = parsed_page(["Port Briefs", *(line for story in BRIEFS for line in story)])
    assert name == "story_digest_v1"
    got = [(r.title, str(r.published_date), r.category, [s.text for s in r.segments if s.role == "body"])
           for r in parsed.records]  # fmt: skip
    assert got == [(title, date, "Port Briefs", [lead, last]) for title, date, lead, last in BRIEFS]


@pytest.mark.parametrize(
    "page",
    [
        [line for story in BRIEFS[:2] for line in story],
        [OWN_HEADLINE, "2031-05-03", LEAD, FOLLOW_UP, THIRD, "More news", *(line for s in BRIEFS[:2] for line in s)],
        [line for story in BRIEFS for line in story[:3]],
    ],
    ids=["two stories", "related stories under an end marker", "one paragraph each"],
)
def test_what_is_no_digest(page: list[str]) -> None:
    """Two stories are as often an article and the next one an endless page loaded under it; stories under an end
    marker are the article's related stories; one paragraph under each headline is a listing's teaser."""
    name, _ = parsed_page(page)
    assert name != "story_digest_v1"


def test_an_update_stamp_dates_a_story_whose_header_prints_no_other() -> None:
    """A header whose only stamp is the update ('Updated : 2031-11-21 17:32', as a broadcaster's and some dailies'
    pages print it) dates the story by it; where the page prints its publication date too, that one wins."""
    updated = "Updated : 2031-11-21 17:32"
    record = parsed_record(["Energy", OWN_HEADLINE, updated, LEAD, FOLLOW_UP, THIRD])
    assert record.published_date == dt.date(2031, 11, 21)
    assert [(s.text, s.role) for s in record.segments if s.text == updated] == [(updated, "date")]
    both = parsed_record(["Energy", OWN_HEADLINE, "Published : 2031-11-19 09:10", updated, LEAD, FOLLOW_UP, THIRD])
    assert both.published_date == dt.date(2031, 11, 19)


def test_a_press_release_s_fields_in_rows_are_neither_headline_nor_category() -> None:
    """A ministry's release prints its fields as a table, each label over its value, under the headline: the
    division's name under 'Division' is a field (it had been read as the headline, and its label as the category)."""
    fields = ["Date", "2031-11-18", "Division", "Tidal Energy Cooperation Division", "Contact", "+82-44-203-5612"]
    record = parsed_record(["Press Releases", OWN_HEADLINE, *fields, LEAD, FOLLOW_UP, THIRD])
    assert (record.title, record.published_date) == (OWN_HEADLINE, dt.date(2031, 11, 18))
    assert record.category == "Press Releases"
    rules = {s.text: s.rule for s in record.segments if s.role == "chrome"}
    assert [rules.get(line) for line in fields[2:]] == ["metadata_field"] * 4


def test_an_anchor_handing_over_to_the_reporter_names_the_byline() -> None:
    """A broadcast's anchor lead closes with the reporter's name and 'reports' ('Dana Whitfield reports from
    Busan.'): the byline, as 'Reporter Dana Whitfield has the details.' is. A sentence that only ends in 'reports'
    names no reporter."""
    for handoff in ("Dana Whitfield reports.", "Our Dana Whitfield reports from Busan."):
        record = parsed_record([OWN_HEADLINE, "19 November 2031", LEAD, handoff, FOLLOW_UP, THIRD])
        assert record.byline == "Dana Whitfield", handoff
    quoting = "Two ferry lines have cut fares since the spring, as the port authority reports."
    assert parsed_record([OWN_HEADLINE, "19 November 2031", LEAD, quoting, FOLLOW_UP, THIRD]).byline is None


def test_a_caption_closed_by_a_photo_agency_alone_is_no_paragraph() -> None:
    """One sentence closed by a photo agency's name alone after its stop ('... in Sejong, Thursday. Yonhap'), with
    the article under it, is a photo's caption, above the lead as between paragraphs; the article's last paragraph
    may end in its agency's sign-off, and keeps it."""
    caption = "Coastal Industry Minister Ara Kwon speaks during a briefing in Sejong, Thursday. Yonhap"
    assert body_paragraphs([OWN_HEADLINE, "19 November 2031", caption, LEAD, FOLLOW_UP, THIRD]) == [
        LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    assert body_paragraphs([OWN_HEADLINE, "19 November 2031", LEAD, caption, FOLLOW_UP, THIRD]) == [
        LEAD, FOLLOW_UP, THIRD]  # fmt: skip
    signed = "Turbine makers have been invited to bid for the first test site. Yonhap"
    assert body_paragraphs([OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, signed])[-1] == signed


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("By Staff Reporter Dana Whitfield", "Dana Whitfield"),
        ("By Honorary Reporter Dana Whitfield from Norland", "Dana Whitfield"),
        ("By Dana Whitfield from Busan", "Dana Whitfield"),
        ("By Reporters Without Borders", "Reporters Without Borders"),  # a group's name: no role of one writer
    ],
)
def test_a_byline_names_the_writer_without_the_role_before_it_or_where_they_write_from(
    line: str, name: str | None
) -> None:
    """The writer's role printed before the name ('By Staff Reporter X'; it had been part of the byline) and where
    they write from after it ('By X from Norland'; the line had been no byline at all)."""
    assert byline_name(line) == name


def test_a_broadcast_s_handoff_and_sign_off_name_its_reporter() -> None:
    """'Our correspondent X joins us' hands the report over to its reporter, who signs it off with 'X reporting.': the
    byline, and the sign-off is no paragraph."""
    handoff = "Our business correspondent Dana Whitfield joins us in the studio."
    lines = [OWN_HEADLINE, "19 November 2031", LEAD, handoff, FOLLOW_UP, THIRD, "Dana Whitfield reporting."]
    record = parsed_record(lines)
    body = [segment.text for segment in record.segments if segment.role == "body"]
    assert (record.byline, body) == ("Dana Whitfield", [LEAD, handoff, FOLLOW_UP, THIRD])


def test_a_site_s_domain_over_the_headline_is_no_category() -> None:
    """A site's name printed as its domain over the headline ('Harbor.net') names the site, not a section."""
    assert parsed_record(["Harbor.net", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD]).category is None
    assert parsed_record(["Energy", OWN_HEADLINE, "19 November 2031", LEAD, FOLLOW_UP, THIRD]).category == "Energy"


def test_entries_closed_by_their_markers_without_separators_are_a_listing_only_with_no_other_paragraph() -> None:
    """A listing saved without its separator lines is the dash listing where every paragraph is an entry's summary
    closed by its date marker; one more paragraph of text (an article's) and the page is no listing."""
    summary = ("The Ministry of Coastal Industry said on May {day} that ferry operators on {n} routes will receive "
               "fuel subsidies through the winter.date2031-05-{day:02d}")  # fmt: skip
    entries = [line for n, day in ((12, 9), (30, 12)) for line in (OWN_HEADLINE, summary.format(n=n, day=day))]
    layout, _ = layouts.choose(make_document("page.txt", list(enumerate(entries, 1)), frozenset(),
                                             PARSE_PARAMS.extract), PARSE_PARAMS.min_layout_score)  # fmt: skip
    assert layout.name == "dash_listing_v1"
    with_article = [*entries, LEAD, FOLLOW_UP]
    layout, _ = layouts.choose(make_document("page.txt", list(enumerate(with_article, 1)), frozenset(),
                                             PARSE_PARAMS.extract), PARSE_PARAMS.min_layout_score)  # fmt: skip
    assert layout.name != "dash_listing_v1"
