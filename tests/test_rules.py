"""Anchor tests for every removal rule: a line the rule must remove and a similar line it must keep.

The anchors live in tests/fixtures/rule_anchors.json, one entry per rule of pipeline.rules.RULES and per
residue/repair of pipeline/clean.py. Pattern rules are checked with ``rules.match_line`` (and the vectorised
polars form the validate stage uses); computed rules through the code that produces them: the layout parser
on a tiny page, ``learn_boilerplate`` on a tiny corpus, or the clean stage's residue split and repairs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from pipeline import clean, layouts, rules
from pipeline.boilerplate import boilerplate_evidence, learn_boilerplate
from pipeline.config import load_params
from pipeline.extraction import make_document
from pipeline.layouts.base import Document, Segment
from pipeline.text import canonical

REPO_ROOT = Path(__file__).resolve().parent.parent
ANCHORS: dict[str, Any] = json.loads((Path(__file__).parent / "fixtures" / "rule_anchors.json").read_text("utf-8"))
PARSE_PARAMS = load_params(REPO_ROOT / "params.yaml").parse  # the thresholds the pipeline itself uses
PATTERN_RULES = [r.name for r in rules.RULES if r.pattern is not None]
COMPUTED_RULES = [r.name for r in rules.RULES if r.pattern is None]
REPAIRS = [name for name, _, _ in clean.REPAIRS] + ["mojibake"]  # mojibake: ftfy, counted by repair_text
RESIDUES = [name for name, _ in clean.RESIDUE_PATTERNS]
INLINE_RESIDUES = [name for name, _ in getattr(clean, "INLINE_RESIDUE", ())]  # residue cut from inside paragraphs


def _pattern_lines() -> list[tuple[str, str, str]]:
    """(rule, 'remove' | 'keep', line) for every pattern anchor."""
    return [(rule, side, line) for rule, entry in ANCHORS["pattern"].items() for side in ("remove", "keep")
            for line in entry[side]]  # fmt: skip


def _computed(via: str) -> list[str]:
    return [rule for rule, entry in ANCHORS["computed"].items() if entry["via"] == via]


def document(lines: list[str], learned: frozenset[str] = frozenset(), file: str = "anchor.txt") -> Document:
    """A page as the parse stage builds it: numbered non-blank lines, their units and evidence."""
    numbered = [(n, text) for n, text in enumerate(lines, start=1) if text.strip()]
    return make_document(file, numbered, learned)


def parsed_segments(doc: Document) -> list[Segment]:
    _, parsed = layouts.parse_document(doc, PARSE_PARAMS.min_layout_score)
    return [*parsed.loose, *(s for draft in parsed.records for s in draft.segments)]


def _describe(segments: list[Segment]) -> str:
    return "\n".join(f"  {s.start} {s.role:8} {s.rule!s:28} {s.text[:70]!r}" for s in segments)


# ---- every rule is anchored -------------------------------------------------------------------------------


def test_every_rule_has_an_anchor() -> None:
    assert sorted(set(PATTERN_RULES) - set(ANCHORS["pattern"])) == [], "pattern rules without an anchor"
    assert sorted(set(COMPUTED_RULES) - set(ANCHORS["computed"])) == [], "computed rules without an anchor"


def test_anchors_name_existing_rules_of_the_right_kind() -> None:
    # A renamed or deleted rule must take its anchor with it; a pattern anchor on a computed rule tests nothing.
    assert sorted(set(ANCHORS["pattern"]) - set(PATTERN_RULES)) == []
    assert sorted(set(ANCHORS["computed"]) - set(COMPUTED_RULES)) == []
    assert sorted(set(ANCHORS["repairs"]) ^ set(REPAIRS)) == [], "every clean repair needs exactly one anchor"
    assert sorted(set(RESIDUES) - set(_computed("clean_residue"))) == [], "every clean residue needs an anchor"
    assert sorted(set(ANCHORS["inline_residue"]) ^ set(INLINE_RESIDUES)) == [], "every inline residue: one anchor"


@pytest.mark.parametrize("section", ["pattern", "computed", "inline_residue", "repairs"])
def test_every_anchor_has_both_sides(section: str) -> None:
    for rule, entry in ANCHORS[section].items():
        assert entry.get("remove") or entry.get("repair"), f"{rule}: nothing it must remove"
        assert entry.get("keep"), f"{rule}: nothing it must keep"


# ---- pattern rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", sorted(ANCHORS["pattern"]))
def test_pattern_rule_removes_its_anchor(rule: str) -> None:
    # The first matching rule in table order names the removal: the anchor must reach this rule, not an earlier one.
    got = {line: getattr(rules.match_line(line), "name", None) for line in ANCHORS["pattern"][rule]["remove"]}
    assert got == dict.fromkeys(got, rule)


@pytest.mark.parametrize("rule", sorted(ANCHORS["pattern"]))
def test_pattern_rule_keeps_its_near_miss(rule: str) -> None:
    got = {line: getattr(rules.match_line(line), "name", None) for line in ANCHORS["pattern"][rule]["keep"]}
    assert got == dict.fromkeys(got), "article text matched by a chrome rule"


def test_vectorised_patterns_agree_with_match_line() -> None:
    # validate.py runs the same patterns with polars' (Rust) regex engine: both engines must read them alike.
    for rule, side, line in _pattern_lines():
        regex = rules.whole_line_regex(("chrome", "end", "caption"), names=(rule,))
        vectorised = pl.DataFrame({"text": [line]}).select(pl.col("text").str.contains(regex)).item()
        assert vectorised is bool(re.search(regex, line)), (rule, side, line)


def test_first_rule_reads_the_table_as_match_line_does() -> None:
    """parse's evidence and validate's chrome checks read the table through first_rule: on every anchor, and past
    each bounded rule's max_chars (the rule is not tried there, even where its pattern matches), it names the rule
    match_line names."""
    lines = [line for _, _, line in _pattern_lines()]
    lengthened = [ANCHORS["pattern"][rule.name]["remove"][0] + " and more" * (rule.max_chars // 9 + 1)
                  for rule in rules.RULES if rule.max_chars is not None]  # fmt: skip
    matched_past_bound = [line for line in lengthened if re.search(rules.whole_line_regex(rules.KINDS), line)]
    assert matched_past_bound, "no lengthened anchor still matches its pattern: the bound is not exercised"
    lines += [*lengthened, "", "   "]
    for kinds in (rules.KINDS, ("chrome", "end"), ("caption",)):
        named = [rules.match_line(line, kinds) for line in lines]
        expected = [None if rule is None else f"{rule.kind}:{rule.name}" for rule in named]
        assert rules.first_rule(pl.Series([*lines, None], dtype=pl.String), kinds).to_list() == [*expected, None]


# ---- computed rules through the layout parser -------------------------------------------------------------


@pytest.mark.parametrize("rule", _computed("layout"))
def test_layout_rule_removes_its_anchor(rule: str) -> None:
    for example in ANCHORS["computed"][rule]["remove"]:
        segments = parsed_segments(document(example["lines"]))
        hits = [s for s in segments if s.rule == rule and s.text.strip() == example["target"].strip()]
        why = f"{rule} did not claim {example['target']!r} (is it ever produced? a dead rule?)"
        assert hits, f"{why}\n{_describe(segments)}"


@pytest.mark.parametrize("rule", _computed("layout"))
def test_layout_rule_keeps_its_near_miss(rule: str) -> None:
    for example in ANCHORS["computed"][rule]["keep"]:
        segments = parsed_segments(document(example["lines"]))
        # Only the target line is the near miss: other lines of the page may use the rule legitimately.
        line = next(n for n, text in enumerate(example["lines"], start=1) if example["target"].strip() in text)
        fired = [s for s in segments if s.rule == rule and s.start <= line <= s.end]
        assert fired == [], f"{rule} fired on {example['target']!r}\n{_describe(segments)}"
        kept = [s for s in segments if s.text.strip() == example["target"].strip() and s.role != "chrome"]
        assert kept, f"{example['target']!r} was not kept as text or metadata\n{_describe(segments)}"


# ---- repeated_across_documents through learn_boilerplate --------------------------------------------------


def corpus(files: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(name, n, text) for name, lines in files.items() for n, text in enumerate(lines, start=1)]
    return pl.DataFrame(rows, schema={"file": pl.String, "line": pl.Int32, "text": pl.String}, orient="row")


def learned_keys(files: dict[str, list[str]]) -> frozenset[str]:
    evidence = boilerplate_evidence(corpus(files), PARSE_PARAMS.boilerplate)
    return frozenset(learn_boilerplate(evidence, PARSE_PARAMS.boilerplate)["key"].to_list())


@pytest.mark.parametrize("rule", _computed("boilerplate"))
def test_learned_boilerplate_is_removed(rule: str) -> None:
    for example in ANCHORS["computed"][rule]["remove"]:
        learned = learned_keys(example["files"])
        # learn_boilerplate keys and evidence.classify lookups must agree on the normal form of a line.
        assert canonical(example["target"]) in learned
        name, lines = next(iter(example["files"].items()))
        segments = parsed_segments(document(lines, learned, file=name))
        hits = [s for s in segments if s.rule == rule and s.text.strip() == example["target"].strip()]
        assert hits, f"learned line not removed as {rule}\n{_describe(segments)}"


@pytest.mark.parametrize("rule", _computed("boilerplate"))
def test_single_context_lines_are_not_learned(rule: str) -> None:
    for example in ANCHORS["computed"][rule]["keep"]:
        assert canonical(example["target"]) not in learned_keys(example["files"]), example["why"]


# ---- residue glued to paragraphs, split off by the clean stage --------------------------------------------


def body_segments(texts: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "file": ["anchor.txt"] * len(texts),
            "seg": list(range(len(texts))),
            "line_start": list(range(1, len(texts) + 1)),
            "text": texts,
            "role": ["body"] * len(texts),
        },
        schema_overrides={"seg": pl.Int32, "line_start": pl.Int32},
    )


def _words(texts: list[str]) -> list[str]:
    # Cutting residue can leave double spaces; the 'spaces' repair that runs next collapses them.
    return [" ".join(text.split()) for text in texts]


@pytest.mark.parametrize("rule", _computed("clean_residue"))
def test_residue_is_split_off(rule: str) -> None:
    examples = ANCHORS["computed"][rule]["remove"]
    segments, removed = clean.split_residue(body_segments([e["text"] for e in examples]))
    assert _words(segments["text"].to_list()) == [e["kept"] for e in examples]
    assert removed.select("text", "rule").rows() == [(e["residue"], rule) for e in examples]


@pytest.mark.parametrize("rule", sorted(ANCHORS["inline_residue"]))
def test_inline_residue_is_cut_out(rule: str) -> None:
    examples = ANCHORS["inline_residue"][rule]["remove"]
    segments, removed = clean.split_residue(body_segments([e["text"] for e in examples]))
    assert _words(segments["text"].to_list()) == [e["kept"] for e in examples]
    assert removed.select("text", "rule").rows() == [(r, rule) for e in examples for r in e["residue"]]


@pytest.mark.parametrize("rule", [*_computed("clean_residue"), *sorted(ANCHORS["inline_residue"])])
def test_residue_keeps_its_near_miss(rule: str) -> None:
    entry = ANCHORS["computed"][rule] if rule in _computed("clean_residue") else ANCHORS["inline_residue"][rule]
    segments, removed = clean.split_residue(body_segments(entry["keep"]))
    assert segments["text"].to_list() == entry["keep"]
    assert removed.height == 0


# ---- text repairs of the clean stage ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ANCHORS["repairs"]))
def test_repair_fixes_its_anchor(name: str) -> None:
    pairs = ANCHORS["repairs"][name]["repair"]
    repaired, counts = clean.repair_text(body_segments([before for before, _ in pairs]))
    assert repaired["text"].to_list() == [after for _, after in pairs]
    assert counts[name].sum() == len(pairs)


@pytest.mark.parametrize("name", sorted(ANCHORS["repairs"]))
def test_repair_keeps_its_near_miss(name: str) -> None:
    keep = ANCHORS["repairs"][name]["keep"]
    repaired, counts = clean.repair_text(body_segments(keep))
    assert repaired["text"].to_list() == keep
    assert counts[name].sum() == 0


def test_no_rule_scans_up_to_a_word_boundary() -> None:
    """A Unicode word boundary after '.*' sends polars' regex engine to its slow path on every line it is tried on
    (a caption rule written so made parse three times slower on 100 MB of pages): spell the edge out instead,
    '(?:.*[^\\w])?word'."""
    slow = [rule.name for rule in rules.RULES if rule.pattern and re.search(r"\.[*+]\??\\b", rule.pattern)]
    assert slow == []


# ---- the clean stage's reading of a lost lead -------------------------------------------------------------
LEAD_FOLLOW_UP = "Shipments of its products and exports to the rest of the region grew too, the company said."


@pytest.mark.parametrize(
    ("first", "lost"),
    [
        ("The facility has the capacity to produce some 160,000 tons of steel a year, the firm said.", True),
        ("As you just heard, our largest export item is in a precarious situation this year and next.", True),
        ("Exports of chips rose sharply last month as demand for servers grew, according to data released.", True),
        ("Norland's steel industry will lose its place in world markets unless it moves fast, its head said.", False),
        ("HARBORVILLE - With the advent of the electric vehicle era, carmakers and battery makers grow close.", False),
        ("The ministry said the Norland Steel Works would produce some 160,000 tons of steel a year from May.", False),
    ],
)
def test_a_lead_that_names_no_one_is_the_mark_of_a_lost_lead(first: str, lost: bool) -> None:
    """An English article whose first paragraph names no one and nothing lost its lead: the clean stage flags it
    truncated. A name that starts the paragraph is one the body never writes in lower case ('Norland's', a
    dateline's 'HARBORVILLE'); a common word that starts it ('The', 'Exports') is written so elsewhere."""
    frame = pl.DataFrame({"body": [first + "\n\n" + LEAD_FOLLOW_UP]})
    assert frame.select(clean.lead_names_nobody()).item() is lost
