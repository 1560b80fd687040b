"""Property-based tests (hypothesis): what must hold for *any* input, not only for the pages we thought of.

- Layout parsers: no exception escapes, every line of the document is covered by a segment, segments only
  point at lines that exist, roles come from the fixed vocabulary; on random unicode and on mutated seed pages
  (shuffled, duplicated, cut mid-word, chrome injected, CRLF residue, very long or punctuation-only lines).
- decode_bytes: never raises, returns text or a named problem; UTF-8 (with or without BOM) comes back exactly.
- canonical_batched (NFKC only where it may change the text) gives canonical_expr's value for any text.
- find_dates / date_stamp: never raise; every date returned is a real calendar date found where it says.
- The whole pipeline on a few mutated raw folders: exit 0 or a gate failure (1), never a traceback, and the
  nothing-lost ledger balances.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import string
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import REPO_ROOT, SEED_RAW
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from pipeline import layouts
from pipeline import text as text_module
from pipeline.dates import _UPDATE_FIRST, DATE_RE, date_stamp, find_dates
from pipeline.decode import binary_kind, decode_bytes
from pipeline.extraction import make_document
from pipeline.layouts.base import ROLES, Document, Parsed
from pipeline.release.manifest import canonical_json
from pipeline.text import NFKC_STABLE_NON_ASCII, canonical, canonical_batched, canonical_expr

SEED_FILES = sorted(SEED_RAW.iterdir())
SEED_TEXTS = [p.read_text(encoding="utf-8") for p in SEED_FILES]
SEED_LINES = [[line for line in text.split("\n") if line.strip()] for text in SEED_TEXTS]
CHROME = (
    "Skip Menu", "Copied URL", "Click for copy", "• Print", "-", "(END)", "Published : May 31, 2023 - 10:14",
    "Updated : June 1, 2023 - 09:00", "By Yonhap", "date2024-04-23", " date 2024-05-16 ", "Industry",
    "© The Korea Herald. All rights reserved.", "Related Articles", "▲ Photo of the plant", "123rf",
    '[caption id="attachment_1" align="alignnone"]', "Most Viewed", "+2", "Home > Business", "reporter@example.com",
    "지나쌤", "Minimum 2 characters required.", "2 hours ago", "photo_2024_01.jpg 3",
)  # fmt: skip
PROBLEMS = {"empty_file", "binary_file", "undecodable"}
LABELS = {"published", "posted", "updated", "modified", "last updated", "created", "date", "released", "issued",
          "input", "입력", "수정", "등록"}  # fmt: skip

# Lines as the parse stage hands them over: no line break inside, not blank.
no_newline = st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",))
unicode_line = st.text(no_newline, min_size=1, max_size=120).filter(str.strip)
punctuation_line = st.text(string.punctuation + "•·—–…“”‘’▲■|", min_size=1, max_size=40)
chrome_line = st.sampled_from(CHROME)
seed_line = st.sampled_from([line for lines in SEED_LINES for line in lines])


def _cut_mid_word(text: str, at: int) -> str:
    return text[: max(1, at % max(1, len(text)))]


@st.composite
def mutated_lines(draw: st.DrawFn, max_repeat: int = 200) -> list[str]:
    """A seed page's lines after a few random edits of the kinds real saved pages show.

    'long' repeats a line up to `max_repeat` times (200: up to ~200,000 characters, parse.max_line_chars).
    """
    lines = list(draw(st.sampled_from(SEED_LINES)))
    for _ in range(draw(st.integers(0, 5))):
        op = draw(st.sampled_from(["shuffle", "duplicate", "truncate", "inject", "crlf", "long", "drop", "stray"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "shuffle":
            lines = draw(st.permutations(lines))
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "truncate" and lines:
            lines[i] = _cut_mid_word(lines[i], draw(st.integers(1, 2000)))
        elif op == "inject":
            lines.insert(i, draw(st.one_of(chrome_line, punctuation_line, unicode_line)))
        elif op == "crlf":
            lines = [line + "\r" for line in lines]  # residue of a decoder that did not normalise line ends
        elif op == "long" and lines:
            lines[i] = (lines[i] + " ") * draw(st.integers(2, max_repeat))
        elif op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "stray":
            lines.insert(i, draw(seed_line))  # a line from another page (sidebar, related headline)
    return [line for line in lines if line.strip()] or ["-"]


any_lines = st.one_of(
    st.lists(st.one_of(unicode_line, punctuation_line, chrome_line, seed_line), min_size=1, max_size=25),
    mutated_lines(),
)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    texts = draw(any_lines)
    numbers, n = [], 0
    for _ in texts:
        n += draw(st.integers(1, 3))  # blank lines in between are skipped by the parse stage
        numbers.append(n)
    keys = sorted({canonical(t) for t in texts} - {""})
    learned = draw(st.frozensets(st.sampled_from(keys), max_size=5)) if keys else frozenset()
    numbered = [(n, t) for n, t in zip(numbers, texts, strict=True) if t.strip()]  # the parse stage skips blanks
    assume(numbered)
    return make_document("page.txt", numbered, learned)


def _segments(parsed: Parsed) -> list:
    return list(parsed.loose) + [s for record in parsed.records for s in record.segments]


def assert_well_formed(doc: Document, parsed: Parsed) -> None:
    numbers = {n for line in doc.lines for n in range(line.start, line.end + 1)}
    segments = _segments(parsed)
    covered = {n for s in segments for n in range(s.start, s.end + 1)}
    assert numbers <= covered, f"lines with no segment: {sorted(numbers - covered)}"
    for s in segments:
        assert s.start <= s.end and s.start in numbers and s.end in numbers, (s.start, s.end, sorted(numbers))
        assert s.role in ROLES, s.role
        assert isinstance(s.text, str)
    for record in parsed.records:
        assert record.segments, "a record without segments has no place in the raw file"
        assert record.published_date is None or isinstance(record.published_date, dt.date)


LAYOUT_SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@LAYOUT_SETTINGS
@given(documents())
def test_parse_document_covers_every_line(doc: Document) -> None:
    name, parsed = layouts.parse_document(doc, min_score=0.5)
    assert name in layouts.available()
    assert_well_formed(doc, parsed)


# Most random documents are claimed by none but the generic layouts: the assume() below filters most inputs by
# design (Hypothesis' filter_too_much health check failed a run), so fewer kept examples than the other layout test
# (each costs ~7 generated documents).
@settings(LAYOUT_SETTINGS, max_examples=100, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents(), st.sampled_from(layouts.available()))
def test_every_layout_that_claims_a_document_parses_it(doc: Document, name: str) -> None:
    """Any layout with a positive score can win (min_layout_score is a parameter), so each must cope alone."""
    layout = layouts.get(name)
    score = layout.detect(doc)
    assert 0.0 <= score <= 1.0
    assume(score > 0)
    parsed = layout.parse(doc)
    assert_well_formed(doc, parsed)
    again = layout.parse(doc)
    assert again == parsed  # deterministic: the same page parses the same way every time


# --- decode ---------------------------------------------------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "euc-kr", "latin-1", "shift_jis")
page_text = st.one_of(st.sampled_from(SEED_TEXTS), st.text(no_newline | st.sampled_from("\n\r"), max_size=400))


@st.composite
def encoded_bytes(draw: st.DrawFn) -> bytes:
    """Text in some encoding (if it can be encoded), possibly cut at any byte, possibly with noise bytes."""
    text = draw(page_text)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


def _check_decoded(data: bytes) -> None:
    decoded = decode_bytes(data)
    if decoded.text is None:
        assert decoded.problem in PROBLEMS, decoded
        assert decoded.detail
    else:
        assert decoded.problem is None
        assert "\r" not in decoded.text
        assert decoded.encoding


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=600), encoded_bytes()))
def test_decode_bytes_never_raises(data: bytes) -> None:
    _check_decoded(data)


# Texts NFKC or lower-casing changes (ligatures, full width, dotted I, combining marks), and ones they do not.
NFKC_TEXTS = ["ﬁnance", "ＡＢＣ １２３", "İstanbul", "Cafe\u0301", "x² ½", "“Quoted” — dash’s", "Straße", None, ""]


# Text with no NFKC_MAY_CHANGE character: the path that deletes bytes instead of running NFKC and a regex.
STABLE_TEXT = st.text(st.characters(max_codepoint=0x7F) | st.sampled_from(NFKC_STABLE_NON_ASCII), max_size=80)


def test_canonical_batched_cuts_stable_text_in_chunks_without_changing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stable text is canonicalised a chunk of values at a time (memory): chunk edges change no value or order."""
    monkeypatch.setattr(text_module, "_STABLE_CHUNK", 2)  # 7 values: four chunks
    frame = pl.DataFrame({"text": ["A b", "“Quoted” — x", None, "ﬁnance", "C-3PO", "", "Tail."]})
    assert frame.select(canonical_batched("text")).equals(frame.select(canonical_expr("text")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=60), STABLE_TEXT, st.sampled_from(NFKC_TEXTS)), max_size=40))
def test_canonical_batched_is_canonical_expr(texts: list[str | None]) -> None:
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    assert frame.select(canonical_batched("text")).equals(frame.select(canonical_expr("text")))
    # In the streaming engine the function sees the column a batch at a time: the same values, in order.
    streamed = pl.concat([frame] * 50).lazy().select(canonical_batched("text")).collect(engine="streaming")
    assert streamed.equals(pl.concat([frame] * 50).select(canonical_expr("text")))


TEXT_CHARACTERS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff<", whitelist_characters="\t\n\r"
)


@settings(max_examples=200, deadline=None)
@given(st.text(TEXT_CHARACTERS, max_size=300), st.booleans())
def test_utf8_round_trips_exactly(text: str, bom: bool) -> None:
    """Valid UTF-8 text (no control characters, no markup) decodes to itself, line ends normalised, BOM dropped."""
    assume(binary_kind(text.encode("utf-8")) is None)
    decoded = decode_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    if not text and not bom:
        assert decoded.problem == "empty_file"
        return
    assert decoded.text == text.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(whitelist_categories=("Cc",), blacklist_characters="\x00\t\n\r"), min_size=20),
       st.text(TEXT_CHARACTERS, max_size=200))  # fmt: skip
def test_text_of_control_characters_is_binary(controls: str, text: str) -> None:
    """More than 1% control characters: a binary file that happened to decode, never a page text."""
    assume(len(controls) > 0.01 * (len(controls) + len(text)) and binary_kind(text.encode()) is None)
    decoded = decode_bytes((text + controls).encode("utf-8"))
    assert (decoded.text, decoded.problem) == (None, "binary_file")


# --- dates ----------------------------------------------------------------------------------------------------------

MONTHS = ("January", "Feb.", "March", "Apr", "May", "June", "Jul.", "August", "Sept.", "October", "Nov", "December")
date_values = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))


@st.composite
def date_like(draw: st.DrawFn) -> str:
    """Strings shaped like dates, valid or not (month 13, Feb 30), with page noise around them."""
    y, m, d = draw(st.integers(1890, 2110)), draw(st.integers(0, 14)), draw(st.integers(0, 35))
    month = MONTHS[(m - 1) % 12]
    shape = draw(st.sampled_from([f"{y}-{m:02d}-{d:02d}", f"{month} {d}, {y}", f"{d} {month} {y}", f"{m}/{d}/{y}",
                                  f"{y}.{m}.{d}", f"date{y}-{m:02d}-{d:02d}", f"{month}. {d:02d}, {y}"]))  # fmt: skip
    before = draw(st.sampled_from(["", "Published : ", "Updated ", "입력 ", "Posted on ", "x", "1", "/", "09:08 "]))
    after = draw(st.sampled_from(["", " - 10:14", " 10:14 KST", "0", " ago", ".", " | ", "st"]))
    return before + shape + after


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=200), date_like(), st.lists(date_like(), max_size=4).map(" ".join)))
@example("UPDATE:1900.1.1| DESEMBER 1 1900")  # found by this test: an update stamp first, the story's own after it
@example("UPDATE:DESEMBER 1 1900| DESEMBER 1 1900")
@example("UPDATE|UPDATE:1900.1.1| DESEMBER 1 1900")  # found by this test: update stamps one after the other
@example("1900/1/1 1900/1/1")  # found by this test: the same date printed twice is one stamp
@example("UPDATE/1900/1/1UPDATE:DESEMBER 1,1900")  # found by this test: no date glued to a label's slash
def test_dates_found_are_real_and_where_they_say(text: str) -> None:
    found = find_dates(text)
    end = 0
    for f in found:
        assert isinstance(f.value, dt.date) and 1900 <= f.value.year <= 2099
        assert end <= f.start < f.end <= len(text)  # left to right, no overlap
        end = f.end
        assert [g.value for g in find_dates(text[f.start : f.end])] == [f.value]
    stamp = date_stamp(text)
    if stamp is not None:
        # A stamp is the line's first date, or the first after the update stamps that open the line ('Updated X /
        # Original Y', each cut off while a date follows it); any later one belongs to an update stamp after it, or
        # prints the same date again (short and long: '30.01.2031 30. Januar 2031').
        offset = 0
        while (first := _UPDATE_FIRST.match(text[offset:])) and any(f.start > offset + first.end() for f in found):
            offset += first.end()
        own = [f for f in found if f.start > offset] if offset else found
        assert own and stamp.value == own[0].value
        assert len({f.value for f in own}) == 1 or "updat" in text[own[0].end :].lower()
        assert stamp.label is None or stamp.label in LABELS


@settings(max_examples=200, deadline=None)
@given(date_values, st.sampled_from(["%Y-%m-%d", "%B %d, %Y", "%b. %d, %Y", "%d %B %Y", "%m/%d/%Y"]))
def test_printed_dates_are_found(value: dt.date, pattern: str) -> None:
    text = f"Published : {value.strftime(pattern)} - 10:14"
    assert [f.value for f in find_dates(text)] == [value]
    stamp = date_stamp(text)
    assert stamp is not None and stamp.value == value and stamp.label == "published"
    assert DATE_RE.search(text)


# --- the whole pipeline ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RawPage:
    name: str
    data: bytes


def _renumber(text: str, rng: random.Random) -> str:
    """Change every number a little, so a mutated copy is not a byte copy of its seed."""
    out, digits = [], ""
    for ch in text + " ":
        if ch in "0123456789":  # str.isdigit() also accepts '³', which int() rejects
            digits += ch
            continue
        if digits:
            out.append(str(int(digits) + rng.randint(0, 3)) if len(digits) <= 3 else digits)
            digits = ""
        out.append(ch)
    return "".join(out)[:-1]


@st.composite
def raw_pages(draw: st.DrawFn, index: int) -> RawPage:
    # Long lines repeat at most 20 times here (~3,000 words) to keep each example a few seconds: the layout
    # properties above go up to parse.max_line_chars, and tests/test_bad_input.py runs a 10,000-word article and
    # checks dedup's memory on a 12,000-word body.
    lines = draw(mutated_lines(max_repeat=20))
    text = "\n\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    if draw(st.booleans()):
        text = _renumber(text, random.Random(draw(st.integers(0, 2**16))))
    if draw(st.integers(0, 9)) == 0:
        text += "\n" + "Very long line without breaks. " * 7000  # over parse.max_line_chars
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = text.replace("\n", ending).encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # the download stopped
    return RawPage(f"{index:03d}_mutant.txt", data)


raw_folders = st.integers(1, 3).flatmap(lambda n: st.tuples(*(raw_pages(i) for i in range(n))))


# `python -m pipeline run` (as conftest.run_pipeline) with the address space capped at 12 GiB, so that a runaway
# allocation in a stage fails that run alone rather than waking the OOM killer on a shared machine.
CAPPED_MAIN = (
    "import resource, runpy, sys; cap = int(sys.argv.pop(1)); resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
    "runpy.run_module('pipeline', run_name='__main__', alter_sys=True)"
)


def run_capped(raw: Path, out: Path, params: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", CAPPED_MAIN, str(12 * 1024**3), "--params", str(params), "run", str(raw)]
    command += ["--out", str(out), "--releases", str(out / "no-releases")]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=dict(os.environ), check=False)


@pytest.fixture(scope="module")
def tolerant_params(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real params with a gate that lets odd folders through, so package runs too."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["validate"]["max_quarantine_share"] = 1.0
    params["validate"]["min_published_rows"] = 0
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


@settings(
    max_examples=10,  # each example is a full pipeline run (~5 s)
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw_folders)
def test_pipeline_on_mutated_folders(tolerant_params: Path, hf_home: Path, pages: tuple[RawPage, ...]) -> None:
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        raw.mkdir()
        for page in pages:
            (raw / page.name).write_bytes(page.data)
        result = run_capped(raw, out, tolerant_params)
        assert result.returncode >= 0, f"killed by signal {-result.returncode}: {result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, result.stderr[-4000:]
        assert result.returncode in (0, 1), result.stderr[-4000:]
        if result.returncode == 1:
            assert "FAILED: validation gate: FAILED" in result.stderr, result.stderr[-4000:]
        report = out / "reports" / "validation.json"
        if report.exists():
            ledger = json.loads(report.read_text(encoding="utf-8"))["nothing_lost"]
            assert ledger["unaccounted"] == 0, ledger["unaccounted_examples"]


# Text with what JSON escapes differently across encoders: quotes, backslashes, control characters, the line and
# paragraph separators, DEL, non-BMP characters.
JSON_TEXT = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from('"\\/\n\r\t\b\f\x00\x1f\x7f\u2028\u2029😀é')),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "id": JSON_TEXT,
                "title": st.none() | JSON_TEXT,
                "published_date": st.none() | st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)),
                "is_truncated": st.booleans(),
                "word_count": st.integers(-(2**31), 2**31 - 1),
                "provenance": st.lists(
                    st.fixed_dictionaries(
                        {
                            "file": JSON_TEXT,
                            "line_start": st.integers(0, 2**31 - 1),
                            "line_end": st.none() | st.integers(0, 9),
                        }
                    ),
                    max_size=3,
                ),
            }
        ),
        min_size=1,
        max_size=5,
    )
)
def test_canonical_json_is_what_json_dumps_writes(rows: list[dict]) -> None:
    """The release manifest's content hashes hash each row's canonical JSON: polars must write json.dumps's text."""
    provenance = pl.List(pl.Struct({"file": pl.String, "line_start": pl.Int32, "line_end": pl.Int32}))
    schema = {"id": pl.String, "title": pl.String, "published_date": pl.Date, "is_truncated": pl.Boolean,
              "word_count": pl.Int32, "provenance": provenance}  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema)
    expected = [
        json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=dt.date.isoformat)
        for row in rows
    ]
    assert canonical_json(frame).to_list() == expected
