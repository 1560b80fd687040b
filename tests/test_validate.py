"""Row checks of the validate stage: for every named check, one row that fails it next to rows that pass.

Each test corrupts row 1 of a small valid frame and asserts that `row_failures` reports exactly (row, rule) for
the check under test, so a check that stops firing, fires on the wrong row or drags other rules along shows up
here rather than as a quietly shrunken dataset.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from conftest import REPO_ROOT, SEED_RAW, run_pipeline

from pipeline import fates, rawfolder, shards, validate
from pipeline.config import load_params
from pipeline.errors import GateFailed
from pipeline.io import read_json
from pipeline.outputs import Outputs
from pipeline.text import canonical_expr
from schemas import PROVENANCE_DTYPE, Article, polars_schema

TODAY = dt.date(2025, 6, 1)  # fixed: the date range check must not depend on when the tests run
RAW_FILES = {"001_herald.txt", "003_listing.txt"}
PARAMS = load_params().validate
LEARNED_LINE = "Stay ahead with KoreaTradeWire"  # matches no rule of the table: only the learned list knows it
SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "title": pl.String(),
    "body": pl.String(),
    "published_date": pl.Date(),
    "source": pl.String(),
    "byline": pl.String(),
    "category": pl.String(),
    "language": pl.String(),
    "is_truncated": pl.Boolean(),
    "word_count": pl.Int32(),
    "layout": pl.String(),
    "provenance": PROVENANCE_DTYPE,
}
ROWS: list[dict[str, Any]] = [
    {
        "id": "0123456789abcdef",
        "title": "S. Korea, Japan resume dialogue on steel cooperation after 5-year hiatus",
        "body": "South Korea and Japan on Wednesday held their first regular dialogue on steel industry cooperation "
        "in five years.\n\nThe last meeting of its kind was held in November 2018.",
        "published_date": dt.date(2023, 5, 31),
        "source": "The Korea Herald",
        "byline": "Yonhap",
        "category": None,
        "language": "en",
        "is_truncated": False,
        "layout": "generic_article_v1",
        "provenance": [{"file": "001_herald.txt", "line_start": 1, "line_end": 27}],
    },
    {
        "id": "1123456789abcdef",
        "title": "Korea and Japan hold 21st bilateral Steel Dialogue",
        "body": "Korea's Ministry of Trade, Industry and Energy and Japan's METI held the 21st Korea-Japan Steel "
        "Dialogue on April 19 at Lotte Hotel Busan.\n\nLaunched in 2001, the dialogue is a regular channel "
        "for the two steel industries.",
        "published_date": dt.date(2024, 4, 20),
        "source": None,
        "byline": None,
        "category": "Industry",
        "language": "en",
        "is_truncated": False,
        "layout": "dash_listing_v1",
        "provenance": [{"file": "003_listing.txt", "line_start": 10, "line_end": 12}],
    },
    {
        "id": "2123456789abcdef",
        "title": None,
        "body": "Steel giant POSCO Group and Hyundai Motor have joined hands to secure a leading position in the "
        "global future mobility materials market.",
        "published_date": None,
        "source": None,
        "byline": None,
        "category": None,
        "language": "en",
        "is_truncated": False,
        "layout": "date_prefixed_article_v1",
        "provenance": [
            {"file": "003_listing.txt", "line_start": 2, "line_end": 4},
            {"file": "001_herald.txt", "line_start": 30, "line_end": 31},
        ],
    },
]


def words(body: str | None) -> int | None:
    """word_count as the clean stage computes it for these bodies (no Chinese or Japanese: runs between spaces)."""
    return None if body is None else len(body.split())


def frame(rows: list[dict[str, Any]] = ROWS) -> pl.DataFrame:
    """Rows in the exact published shape; word_count follows the body unless a row sets it."""
    full = [{**row, "word_count": row.get("word_count", words(row["body"]))} for row in rows]
    return pl.DataFrame(full, schema=SCHEMA)


def with_row(index: int, **changes: Any) -> pl.DataFrame:
    """The valid frame with one row changed (word_count recomputed from a new body unless given)."""
    rows = [dict(row) for row in ROWS]
    rows[index].update(changes)
    if "body" in changes and "word_count" not in changes:
        rows[index]["word_count"] = words(changes["body"])
    return frame(rows)


def facts(
    articles: pl.DataFrame, learned: list[str] | None = None, raw_files: set[str] = RAW_FILES, today: dt.date = TODAY
) -> validate.Facts:
    """The run-time facts of a validate run over exactly these rows (uniqueness is judged over all of them)."""
    duplicated_ids, duplicated_body_ids = validate.corpus_facts(articles.select("id", body=validate.body_key()))
    return validate.Facts(
        parsed_files=frozenset(raw_files),
        learned=tuple(learned or []),
        date_min=dt.date(1990, 1, 1),
        date_max=validate.latest_publication_date(today),
        duplicated_ids=duplicated_ids,
        duplicated_body_ids=duplicated_body_ids,
    )


def schema(articles: pl.DataFrame | None = None, learned: list[str] | None = None) -> Any:
    return validate.article_schema(facts(frame() if articles is None else articles, learned))


def failures(articles: pl.DataFrame, learned: list[str] | None = None) -> set[tuple[int, str]]:
    """(row index, rule) pairs; asserts there is no schema-level error."""
    rows, errors = validate.row_failures(articles, schema(articles, learned))
    assert errors == []
    return set(rows.select("index", "rule").iter_rows())


def learned_key(line: str) -> str:
    """The boilerplate key of a line, as the parse stage stores it (NFKC, lower case, no non-word characters)."""
    return pl.select(pl.lit(line).str.normalize("NFKC").str.to_lowercase().str.replace_all(r"[\W_]+", "")).item()


def test_valid_frame_passes_every_check() -> None:
    rows, errors = validate.row_failures(frame(), schema(frame(), [learned_key(LEARNED_LINE)]))
    assert (rows.height, errors) == (0, [])


def test_schema_carries_every_named_run_time_check() -> None:
    names = [check.name for check in schema().checks]
    assert names == [
        "id_unique", "provenance_files_exist", "body_unique", "title_length", "title_no_date_marker",
        "title_no_byline", "title_no_chrome", "body_no_chrome", "body_no_date_marker", "body_no_doubled_sentence",
        "word_count_consistent", "published_date_in_range", "language_code", "truncation_consistent",
    ]  # fmt: skip


def test_only_checks_that_break_the_dataset_as_a_whole_block() -> None:
    assert [rule.name for rule in validate.ROW_RULES if rule.blocking] == ["id_unique", "provenance_files_exist"]


def test_building_the_schema_leaves_the_shared_article_model_untouched() -> None:
    before = len(Article.to_schema().checks)
    schema()
    assert len(Article.to_schema().checks) == before


TITLE = ROWS[1]["title"]
BODY = ROWS[1]["body"]
PARAGRAPHS = BODY.split("\n\n")
SENTENCE = "The two sides vowed to continue to join hands on steel trade."  # >= 41 characters

# check name -> (changes to row 1 that fail it, changes to row 1 on the boundary that pass it)
PROMO = "Get the day's top shipping stories delivered to your inbox every morning."
ONE_ROW_CASES: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {
    "title_length": [
        ({"title": "AB"}, {"title": "ABC"}),
        ({"title": "Steel " * 50 + "!"}, {"title": "Steel " * 50}),  # 301 vs 300 characters
    ],
    "title_no_date_marker": [
        ({"title": TITLE + " date2024-04-20"}, {"title": TITLE + " on 2024-04-20 in Busan"}),
        ({"title": TITLE + " 2024-04-20"}, {"title": TITLE + " (2024)"}),
    ],
    "title_no_byline": [({"title": "By Kim Ji-hoon"}, {"title": "Bystanders cheer steel dialogue"})],
    "title_no_chrome": [({"title": "Link copied"}, {"title": "Link between steel and batteries"})],
    "body_no_chrome": [
        ({"body": f"{PARAGRAPHS[0]}\n\nCopied URL\n\n{PARAGRAPHS[1]}"},
         {"body": f"{PARAGRAPHS[0]} Copied URL\n\n{PARAGRAPHS[1]}"}),  # inside prose it is text, not chrome
        ({"body": f"{PARAGRAPHS[0]}\n\n• Link copied\n\n{PARAGRAPHS[1]}"}, {"body": BODY}),
        # The rule table's own bounds: a promo box is short (newsletter_promo: 200 characters at most).
        ({"body": f"{PARAGRAPHS[0]}\n\n{PROMO}\n\n{PARAGRAPHS[1]}"},
         {"body": f"{PARAGRAPHS[0]} {PARAGRAPHS[1]}\n\n{PROMO} {PARAGRAPHS[0]}"}),  # in 212 characters: text
    ],
    "body_no_date_marker": [
        ({"body": f"{PARAGRAPHS[0]} date2024-04-20\n\n{PARAGRAPHS[1]}"},
         {"body": f"{PARAGRAPHS[0]} Its date 2024 was set.\n\n{PARAGRAPHS[1]}"}),
        ({"body": f"date 2024-04-20 {BODY}"}, {"body": f"update 2024-04-20: {BODY}"}),
    ],
    "body_no_doubled_sentence": [
        ({"body": f"{SENTENCE}\n\n{SENTENCE}\n\n{PARAGRAPHS[1]}"}, {"body": f"{SENTENCE}\n\n{PARAGRAPHS[1]}"}),
        ({"body": f"{SENTENCE} {SENTENCE}\n\n{PARAGRAPHS[1]}"}, {"body": f"{SENTENCE}\n\n{PARAGRAPHS[1]}"}),
    ],
    "word_count_consistent": [
        ({"word_count": words(BODY) + 1}, {"word_count": words(BODY)}),
        ({"word_count": words(BODY) - 1}, {"word_count": words(BODY)}),
    ],
    "published_date_in_range": [
        ({"published_date": dt.date(2099, 5, 16)}, {"published_date": TODAY}),
        ({"published_date": TODAY + dt.timedelta(days=2)}, {"published_date": TODAY + dt.timedelta(days=1)}),
        ({"published_date": dt.date(1989, 12, 31)}, {"published_date": dt.date(1990, 1, 1)}),
    ],
    "language_code": [
        ({"language": "english"}, {"language": "und"}),
        ({"language": "EN"}, {"language": "ko"}),
    ],
    "provenance_files_exist": [
        ({"provenance": [{"file": "missing.txt", "line_start": 1, "line_end": 2}]},
         {"provenance": [{"file": "001_herald.txt", "line_start": 1, "line_end": 2}]}),
        ({"provenance": [ROWS[1]["provenance"][0], {"file": "raw/003_listing.txt", "line_start": 1, "line_end": 1}]},
         {"provenance": [ROWS[1]["provenance"][0], {"file": "001_herald.txt", "line_start": 1, "line_end": 1}]}),
        ({"provenance": []}, {"provenance": ROWS[1]["provenance"]}),
    ],
    "truncation_consistent": [
        ({"body": BODY.rstrip(".") + " and"}, {"body": BODY.rstrip(".") + " and", "is_truncated": True}),
    ],
}  # fmt: skip
ONE_ROW_PARAMS = [
    pytest.param(rule, bad, good, id=f"{rule}-{n}")
    for rule, cases in ONE_ROW_CASES.items()
    for n, (bad, good) in enumerate(cases)
]


@pytest.mark.parametrize(("rule", "bad", "good"), ONE_ROW_PARAMS)
def test_check_fails_exactly_the_corrupted_row(rule: str, bad: dict[str, Any], good: dict[str, Any]) -> None:
    assert failures(with_row(1, **bad)) == {(1, rule)}
    assert failures(with_row(1, **good)) == set()


def test_quarantine_rows_carry_each_rule_its_reason_and_the_record() -> None:
    articles = with_row(1, title="AB", published_date=dt.date(2099, 5, 16))
    rows, _ = validate.row_failures(articles, schema(articles))
    quarantined = validate.quarantine_rows(articles, rows)
    assert quarantined.select("file", "line_start", "line_end", "stage", "rule").rows() == [
        ("003_listing.txt", 10, 12, "validate", "published_date_in_range"),
        ("003_listing.txt", 10, 12, "validate", "title_length"),
    ]
    reasons = dict(quarantined.select("rule", "reason").iter_rows())
    assert reasons["title_length"] == f"A title has 3 to 300 characters (id {ROWS[1]['id']})"
    assert quarantined["text"].to_list()[0].startswith("AB\n\nKorea's Ministry")


def test_each_failing_row_is_counted_once_under_its_first_rule() -> None:
    articles = with_row(1, title="AB", published_date=dt.date(2099, 5, 16))
    rows, _ = validate.row_failures(articles, schema(articles))
    assert validate.first_failure(rows).rows() == [(1, "title_length")]


def test_id_unique_flags_both_copies_of_an_id() -> None:
    # Both rows carry the id: the Article model's unique=True reports both, as the blocking rule id_unique.
    assert failures(with_row(1, id=ROWS[0]["id"])) == {(0, "id_unique"), (1, "id_unique")}


def range_build(
    root: Path,
    pieces: list[pl.DataFrame],
    learned: list[str] | None = None,
    part_rows: int = 100,
    batch_rows: int = 100,
    today: dt.date = TODAY,
) -> tuple[validate.Checked, Outputs]:
    """The row checks by id ranges over these rows (`pieces`: dedup's parts), with dedup's parts, the cache and the
    validated parts under root: a build of the validate stage's rows, again over the same root a rebuild."""
    parts = [root / "dedup" / f"part-{number:05d}.parquet" for number in range(len(pieces))]
    for path, piece in zip(parts, pieces, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        piece.write_parquet(path)
    out = Outputs(root / "out")
    out.root.mkdir(parents=True, exist_ok=True)
    rows = validate.dataset_rows(parts, root / "cache" / "rows", rawfolder.KnownHashes.load(root / "known.parquet"))
    run_facts = facts(pl.concat(pieces), learned, today=today)
    store = validate.RangeStore(root / "cache" / "ranges", run_facts)
    schema = validate.article_schema(run_facts)
    checked = validate.check_ranges(
        validate.with_flags(rows, run_facts), parts, store, schema, out, part_rows, batch_rows
    )
    assert checked.schema_errors == []
    return checked, out


def memo_failures(
    root: Path,
    articles: pl.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    learned: list[str] | None = None,
    today: dt.date = TODAY,
) -> tuple[set, list[int]]:
    """(index, rule) pairs of a build by id ranges (`range_build`, one part) whose cache is kept under root, index
    in `articles`; and the row counts pandera was given (rows only: the schema-level checks run on an empty frame
    every build)."""
    checked_rows: list[int] = []
    real = validate.row_failures

    def counting(rows: pl.DataFrame, schema: Any) -> Any:
        checked_rows.extend([rows.height] if rows.height else [])
        return real(rows, schema)

    monkeypatch.setattr(validate, "row_failures", counting)
    checked, _ = range_build(root, [articles], learned, today=today)
    monkeypatch.undo()
    # The dataset's order: by id, then by the row hashes (rows of one id).
    order = articles.with_columns(**validate.row_hashes()).with_row_index("i").sort("id", "k1", "k2", "i")["i"]
    return {(order[index], rule) for index, rule in checked.failures.iter_rows()}, checked_rows


def test_row_memo_checks_only_rows_it_has_not_seen_and_gives_the_same_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_title = with_row(1, title="Posted on 2024-04-20")
    expected = failures(bad_title)
    assert expected == {(1, "title_no_date_marker")}
    assert memo_failures(tmp_path, bad_title, monkeypatch) == (expected, [3])
    assert memo_failures(tmp_path, bad_title, monkeypatch) == (expected, [])  # nothing changed: no row checked

    # A row changed: only it is checked again; the others keep their verdicts.
    changed = bad_title.with_columns(
        title=pl.when(pl.int_range(pl.len()) == 2).then(pl.lit("By Kim")).otherwise("title")
    )
    assert memo_failures(tmp_path, changed, monkeypatch) == (failures(changed), [1])
    assert failures(changed) == {(1, "title_no_date_marker"), (2, "title_no_byline")}

    # A row's facts changed (another row now carries its id): checked again although its columns are the same.
    copied = pl.concat([changed, changed.slice(0, 1).with_columns(title=pl.lit("Another headline"))])
    found, checked = memo_failures(tmp_path, copied, monkeypatch)
    assert found == failures(copied) and checked == [2]
    assert {(0, "id_unique"), (3, "id_unique")} <= found


def test_row_memo_verdicts_are_what_the_next_build_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A range's entry is read: a verdict written into it is the verdict of the row it names, in a build where the
    range is unchanged, and in one where another row of it changed (the verdicts are the memo)."""
    memo_failures(tmp_path, frame(), monkeypatch)
    (path,) = tmp_path.glob("cache/ranges/*/*/verdicts.parquet")
    verdicts = pl.read_parquet(path)
    tampered = verdicts.with_columns(
        rules=pl.when(pl.col("id") == ROWS[0]["id"]).then(pl.lit(["language_code"])).otherwise("rules")
    )
    tampered.write_parquet(path)
    assert memo_failures(tmp_path, frame(), monkeypatch) == ({(0, "language_code")}, [])
    changed = with_row(2, title="Another headline for the third row")
    assert memo_failures(tmp_path, changed, monkeypatch) == ({(0, "language_code")}, [1])


def test_row_memo_checks_again_only_the_rows_a_change_of_the_learned_lines_reaches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new page can teach a line (or unteach one): only rows with a paragraph among those lines are checked
    again, and their verdicts follow the lines; the other rows keep theirs."""
    in_body = with_row(1, body=f"{PARAGRAPHS[0]}\n\n{LEARNED_LINE}\n\n{PARAGRAPHS[1]}")
    learned = [learned_key(LEARNED_LINE)]

    def run(lines: list[str]) -> tuple[set, list[int]]:
        found, checked = memo_failures(tmp_path, in_body, monkeypatch, lines)
        assert found == failures(in_body, lines)
        return found, checked

    assert run([]) == (set(), [3])
    assert run(learned) == ({(1, "body_no_chrome")}, [1])  # learned: the row holding the line, only
    assert run(learned) == ({(1, "body_no_chrome")}, [])
    assert run([*learned, learned_key("Another learned line")]) == ({(1, "body_no_chrome")}, [])  # in no row
    assert run([]) == (set(), [1])  # unlearned


def test_a_new_day_judges_again_only_the_rows_dated_after_the_earlier_latest_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The latest publication date is tomorrow, so it moves every day: a build on another day checks again only the
    rows dated after the earlier of the two latest dates, not every row."""
    dated = with_row(1, published_date=TODAY + dt.timedelta(days=1))  # tomorrow: in range
    assert memo_failures(tmp_path, dated, monkeypatch) == (set(), [3])
    assert memo_failures(tmp_path, dated, monkeypatch) == (set(), [])
    yesterday = TODAY - dt.timedelta(days=1)
    assert memo_failures(tmp_path, dated, monkeypatch, today=yesterday) == ({(1, "published_date_in_range")}, [1])
    assert memo_failures(tmp_path, dated, monkeypatch, today=TODAY) == (set(), [1])
    assert memo_failures(tmp_path, dated, monkeypatch, today=TODAY + dt.timedelta(days=5)) == (set(), [])


def test_the_build_date_is_source_date_epoch_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds of one input on either side of midnight UTC accept the same latest date when the clock is pinned."""
    before_midnight = dt.datetime(2026, 12, 6, 23, 59, tzinfo=dt.UTC)
    after_midnight = dt.datetime(2026, 12, 7, 0, 1, tzinfo=dt.UTC)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert validate.build_date(before_midnight) != validate.build_date(after_midnight)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(before_midnight.timestamp())))
    assert validate.build_date(after_midnight) == dt.date(2026, 12, 6) == validate.build_date(before_midnight)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2026-12-06")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH"):
        validate.build_date(after_midnight)


def test_a_build_killed_after_judging_with_new_learned_lines_leaves_entries_the_next_build_judges_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build with a new learned line rewrites the entries holding it, then is killed before it names its entries
    for the next build: the next build, with the old lines again, must still judge those entries again."""
    in_body = with_row(1, body=f"{PARAGRAPHS[0]}\n\n{LEARNED_LINE}\n\n{PARAGRAPHS[1]}")
    learned = [learned_key(LEARNED_LINE)]
    assert memo_failures(tmp_path, in_body, monkeypatch, []) == (set(), [3])

    def killed(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate, "_place_parts", killed)
    with pytest.raises(KeyboardInterrupt):
        range_build(tmp_path, [in_body], learned)
    monkeypatch.undo()
    (verdicts,) = tmp_path.glob("cache/ranges/*/*/verdicts.parquet")
    assert ["body_no_chrome"] in pl.read_parquet(verdicts)["rules"].to_list()  # judged with the new line
    assert memo_failures(tmp_path, in_body, monkeypatch, []) == (set(), [1])


@pytest.mark.parametrize("regexes", [validate.MAX_REGEXES, 0])
def test_rows_with_a_learned_paragraph_are_found_as_canonicalising_every_paragraph_finds_them(
    regexes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows a change of the learned lines reaches are found by regex first, then checked exactly: the same rows
    as the exact check on every row, whatever the case, punctuation, spacing or script of the paragraph (0 regexes:
    the exact check everywhere)."""
    monkeypatch.setattr(validate, "MAX_REGEXES", regexes)
    monkeypatch.setattr(validate, "PARAGRAPH_CHECK_BODIES", 2)  # nine bodies: five slices, the last of one
    keys = [learned_key(LEARNED_LINE), learned_key("Copyright 2024 KTW"), learned_key("뉴스 구독하기")]
    bodies = [
        f"{PARAGRAPHS[0]}\n\n{LEARNED_LINE}",  # the line itself
        f"{PARAGRAPHS[0]}\n\n  stay-AHEAD with: Korea_Trade_Wire!!\n\n{PARAGRAPHS[1]}",  # case, punctuation
        f"{PARAGRAPHS[0]}\n\nStay ahead with KoreaTradeWire today",  # more than the line: text
        f"Stay ahead with {PARAGRAPHS[0]} KoreaTradeWire",  # the key's words apart: text
        "＂Copyright　2024 ＫＴＷ＂",  # NFKC folds fullwidth forms: the line
        "Copyright 2024 KTW — “all”",  # more than the line
        "뉴스 구독하기",  # another script
        None,
        "",
    ]
    batch = pl.DataFrame({"body": bodies}, schema={"body": pl.String})
    exact = batch.select(validate._paragraphs_any("body", canonical_expr(pl.element()).is_in(keys))).to_series()
    assert exact.to_list() == [True, True, False, False, True, False, True, False, False]
    assert batch.select(validate._learned_paragraph("body", keys)).to_series().to_list() == exact.to_list()
    assert validate._with_learned_paragraph(batch, keys).to_list() == exact.to_list()


def test_dataset_rows_kept_per_part_give_the_same_corpus_facts(tmp_path: Path) -> None:
    copied_body = pl.concat(
        [frame(), frame().slice(0, 1).with_columns(id=pl.lit("3123456789abcdef"), title=pl.lit("X"))]
    )
    expected = validate.corpus_facts(copied_body.select("id", body=validate.body_key()))
    assert expected[1] == ("0123456789abcdef", "3123456789abcdef")
    parts = [tmp_path / "part-00000.parquet", tmp_path / "part-00001.parquet"]
    copied_body.slice(0, 2).write_parquet(parts[0])
    copied_body.slice(2).write_parquet(parts[1])

    def rows() -> pl.DataFrame:
        return validate.dataset_rows(parts, tmp_path / "rows", rawfolder.KnownHashes.load(tmp_path / "known"))

    first = rows()
    assert first.select("part", "row").rows() == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert first["id"].to_list() == copied_body["id"].to_list()
    assert validate.corpus_facts(first) == expected
    assert rows().equals(first)  # read back
    entries = sorted(tmp_path.glob("rows/*/*.parquet"))
    assert len(entries) == 2  # one a part

    # The kept rows are what a rebuild reads: body keys written over make two different bodies the same.
    for entry in entries:
        pl.read_parquet(entry).with_columns(body=pl.lit(7, pl.UInt64)).write_parquet(entry)
    assert validate.corpus_facts(rows())[1] == tuple(sorted(copied_body["id"]))
    # A part whose bytes changed is read again; the entry of its old bytes is dropped.
    new_body = (
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("A new body, never seen, about ships.")).otherwise("body")
    )
    copied_body.slice(2).with_columns(body=new_body).write_parquet(parts[1])
    assert validate.corpus_facts(rows())[1] == ("0123456789abcdef", "1123456789abcdef")
    assert len(list(tmp_path.glob("rows/*/*.parquet"))) == 2


def test_body_unique_flags_the_same_text_under_another_title() -> None:
    # Case, punctuation and spacing do not make a body different (same normal form as dedup and the ids).
    copy = ROWS[0]["body"].upper().replace(",", "").replace("\n\n", "\n\n  ")
    assert failures(with_row(1, body=copy)) == {(0, "body_unique"), (1, "body_unique")}
    assert failures(with_row(1, body=ROWS[0]["body"] + " Tokyo.")) == set()


def test_learned_boilerplate_fails_body_chrome_check_but_not_titles() -> None:
    learned = [learned_key(LEARNED_LINE)]
    in_body = with_row(1, body=f"{PARAGRAPHS[0]}\n\n{LEARNED_LINE.upper()}!\n\n{PARAGRAPHS[1]}")  # key: any case
    assert failures(in_body, learned) == {(1, "body_no_chrome")}
    # The same line is text when the corpus did not teach it.
    assert failures(in_body) == set()
    # A headline that recurs across pages ('Weekly export trends') is learned as a repeated line, but the layout
    # placed it as a headline: only the rule table judges titles.
    assert failures(with_row(1, title=LEARNED_LINE), learned) == set()
    assert failures(with_row(1, title="Copied URL"), learned) == {(1, "title_no_chrome")}
    # A learned line inside a longer paragraph is not the whole paragraph: not chrome.
    assert failures(with_row(1, body=f"{PARAGRAPHS[0]} {LEARNED_LINE}.\n\n{PARAGRAPHS[1]}"), learned) == set()


# Field checks of schemas.Article (pattern, range, nullability) are one quarantine rule: field_checks.
def test_id_format() -> None:
    assert failures(with_row(1, id="1123456789ABCDEF")) == {(1, validate.FIELD_CHECKS)}
    assert failures(with_row(1, id="1123456789abcde")) == {(1, validate.FIELD_CHECKS)}


def test_negative_word_count() -> None:
    # Unavoidable companion: a negative count also differs from the body.
    assert failures(with_row(1, word_count=-1)) == {(1, validate.FIELD_CHECKS), (1, "word_count_consistent")}


@pytest.mark.parametrize("column", ["id", "body", "language", "is_truncated", "word_count", "layout", "provenance"])
def test_required_column_is_not_nullable(column: str) -> None:
    reported = failures(with_row(1, **{column: None}))
    assert (1, validate.FIELD_CHECKS) in reported
    assert {index for index, _ in reported} == {1}


@pytest.mark.parametrize("column", ["title", "published_date", "source", "byline", "category"])
def test_optional_column_accepts_null(column: str) -> None:
    assert failures(with_row(1, **{column: None})) == set()


def schema_errors(articles: pl.DataFrame) -> tuple[int, list[str]]:
    rows, errors = validate.row_failures(articles, schema(articles if "id" in articles.columns else None))
    return rows.height, errors


def test_missing_column_is_a_schema_error_not_a_row() -> None:
    assert schema_errors(frame().drop("layout")) == (0, ["column_in_dataframe on Article: layout"])


def test_extra_column_is_a_schema_error_under_strict() -> None:
    assert schema_errors(frame().with_columns(extra=pl.lit(1))) == (0, ["column_in_schema on Article: extra"])


def test_wrong_dtype_is_a_schema_error_not_a_row() -> None:
    assert schema_errors(frame().with_columns(pl.col("word_count").cast(pl.Int64))) == (
        0, ["dtype('Int32') on word_count: Int64"]
    )  # fmt: skip


def test_wrong_provenance_dtype_is_a_schema_error() -> None:
    wide = pl.List(pl.Struct({"file": pl.String, "line_start": pl.Int64, "line_end": pl.Int64}))
    rows, errors = schema_errors(frame().with_columns(pl.col("provenance").cast(wide)))
    assert rows == 0
    assert len(errors) == 1 and errors[0].startswith("dtype(") and errors[0].split(" on ")[1].startswith("provenance:")


def test_a_rebuild_checks_and_writes_only_the_id_ranges_whose_rows_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validated parts are fixed id ranges (a power of two of them, about part_rows rows each), each sorted by id:
    a row added checks that row only and rewrites its range's part only, and every part is what a fresh build
    (checking a few ranges at a time) writes."""
    template = ROWS[0]
    rows = frame(
        [{**template, "id": f"{(n * 0x9E3779B97F4A7C15) % 2**64:016x}", "title": f"Headline number {n}",
          "body": f"{template['body']} Item {n}."} for n in range(1, 32)]
    )  # fmt: skip
    pieces = [rows.slice(0, 12), rows.slice(12, 0), rows.slice(12, 18)]  # an empty part too; one row kept back
    checked, out = range_build(tmp_path / "build", pieces, part_rows=4)
    parts = shards.parts(out.validated_dir)
    assert len(parts) == 8  # 30 rows, about 4 a part: 8 ranges
    for path, (first, last) in zip(parts, shards.id_ranges(8), strict=True):
        ids = pl.read_parquet(path)["id"]
        assert ids.is_sorted() and ids.is_between(pl.lit(first), pl.lit(last)).all()
    assert pl.concat([pl.read_parquet(path) for path in parts]).equals(rows.head(30).sort("id"))
    assert checked.rows == 30 and checked.failures.is_empty()

    before = {path.name: path.stat().st_mtime_ns for path in parts}
    added = rows.slice(30, 1)
    pieces[2] = rows.slice(12)
    checked_rows: list[int] = []
    real = validate.row_failures
    monkeypatch.setattr(
        validate, "row_failures", lambda frame, schema: (checked_rows.append(frame.height), real(frame, schema))[1]
    )
    range_build(tmp_path / "build", pieces, part_rows=4)
    monkeypatch.undo()
    assert [n for n in checked_rows if n] == [1]
    rewritten = [path.name for path in parts if path.stat().st_mtime_ns != before[path.name]]
    (first, last), *_ = [r for r in shards.id_ranges(8) if r[0] <= added["id"][0] <= r[1]]
    assert rewritten == [f"part-{shards.id_ranges(8).index((first, last)):05d}.parquet"]

    _, fresh = range_build(tmp_path / "fresh", pieces, part_rows=4, batch_rows=5)
    assert [path.read_bytes() for path in shards.parts(fresh.validated_dir)] == [path.read_bytes() for path in parts]


@pytest.mark.parametrize("value", ["False", "false", "0", "off", "no"])
def test_validate_refuses_when_pandera_is_disabled(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # With pandera disabled every row check passes silently: the stage must refuse, before writing anything.
    monkeypatch.setenv("PANDERA_VALIDATION_ENABLED", value)
    with pytest.raises(GateFailed, match="PANDERA_VALIDATION_ENABLED"):
        validate.run(
            raw_dir=tmp_path / "raw",
            out=Outputs(tmp_path / "out"),
            params=PARAMS,
            max_file_bytes=1000,
            batch_rows=1000,
            today=TODAY,
        )
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*"))


def test_ledger_shard_by_shard_finds_the_one_line_a_stage_lost(tmp_path: Path) -> None:
    """The nothing-lost ledger works one parse shard at a time: on a build spread over many shards it balances, and
    a removed line whose audit row disappears from its shard's part is reported as exactly that raw line."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["engine"].update(workers=1, shard_bytes=2000)  # the seed files spread over many shards
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump(params), encoding="utf-8")
    out = Outputs(tmp_path / "out")
    run_pipeline(SEED_RAW, out.root, params=params_path)
    assert len(shards.parts(out.lines_dir)) > 1
    files = pl.read_parquet(out.files)
    records = [shards.read(out.validated_dir, polars_schema(Article)), pl.read_parquet(out.duplicates)]
    quarantine = pl.read_parquet(out.quarantine)
    balanced = validate.ledger(
        out, files, records, quarantine, rawfolder.KnownHashes.load(out.known_hashes_of("validate"))
    )
    assert balanced == read_json(out.validation_report)["nothing_lost"]
    assert balanced["unaccounted"] == 0 and balanced["in_records"] + balanced["removed"] > 0
    counted = sorted(out.stage_cache("validate").glob("ledger/*/*.parquet"))  # one count per shard, kept
    assert len(counted) == len(shards.parts(out.lines_dir))

    # A chrome line above the first record of its file: in no record's span, so only its audit row accounts for it.
    first_record = (
        pl.concat([fates.provenance_places(r.select("provenance")) for r in records])
        .group_by("file")
        .agg(first=pl.col("line_start").min())
    )
    part, lost = next(
        (part, above.row(0, named=True))
        for part in shards.parts(out.removed_lines_dir)
        if not (
            above := pl.read_parquet(part)
            .filter(~pl.col("fragment"))
            .join(first_record, on="file")
            .filter(pl.col("line") < pl.col("first"))
            .sort("file", "line")
        ).is_empty()
    )
    removed = pl.read_parquet(part)
    removed.filter((pl.col("file") != lost["file"]) | (pl.col("line") != lost["line"])).write_parquet(part)
    broken = validate.ledger(
        out, files, records, quarantine, rawfolder.KnownHashes.load(out.known_hashes_of("validate"))
    )
    recounted = sorted(out.stage_cache("validate").glob("ledger/*/*.parquet"))
    assert len(set(recounted) - set(counted)) == 1 and len(recounted) == len(counted)  # that shard only
    assert broken["unaccounted"] == 1
    assert broken["unaccounted_examples"] == [f"{lost['file']}:{lost['line']}"]
    assert broken["removed"] == balanced["removed"] - 1
    assert broken["lines"] == balanced["lines"] and broken["in_records"] == balanced["in_records"]
