"""The dataset-level GX suite: rows on every limit pass, one step past a limit fails exactly that expectation."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest

from pipeline.config import load_params
from pipeline.gx_suite import EXPECTATION_KEYS, format_summary, run_expectations

N = 20
# Fixed here rather than read from params.yaml, so that tuning the pipeline does not move these test boundaries.
EXPECTATIONS = {
    "row_count": [1, 10_000_000],
    "title_null_share_max": 0.6,
    "date_null_share_max": 0.6,
    "byline_null_share_max": 0.98,
    "body_words_quantiles": [[0.5, 20, 5000]],
    "title_words_quantiles": [[0.5, 3, 25]],
    "published_date_min": "1990-01-01",
    "english_share_min": 0.5,
    "duplicate_share_max": 0.6,
    "quarantine_share_max": 0.25,
}
SCHEMA = {
    "id": pl.String,
    "title": pl.String,
    "body": pl.String,
    "published_date": pl.Date,
    "source": pl.String,
    "byline": pl.String,
    "category": pl.String,
    "language": pl.String,
    "is_truncated": pl.Boolean,
    "word_count": pl.Int32,
    "layout": pl.String,
    "provenance": pl.List(pl.Struct({"file": pl.String, "line_start": pl.Int32, "line_end": pl.Int32})),
}
TOMORROW = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)  # the latest date the suite accepts
NOT_NULL, IN_RANGE = "expect_column_values_to_not_be_null", "expect_column_values_to_be_between"
QUANTILES, MAX = "expect_column_quantiles_to_be_between", "expect_column_max_to_be_between"


def mix(value: object, other: object, k: int) -> list:
    """k times value, then other up to N rows."""
    return [value] * k + [other] * (N - k)


def dates(first: dt.date, last: dt.date, nulls: int = 12) -> list[dt.date | None]:
    """N dates: first, last, a date in between, then `nulls` missing ones."""
    return [first, last] + [dt.date(2024, 4, 23)] * (N - 2 - nulls) + [None] * nulls


def articles(n: int = N, **columns: list) -> pl.DataFrame:
    """n rows in the shape the validate stage publishes; keyword arguments replace whole columns."""
    rows = {
        "id": [f"art-{i:03d}" for i in range(n)],
        "title": ["Korea and Japan resume steel dialogue"] * n,
        "body": ["South Korea and Japan on Wednesday held their first steel dialogue in five years."] * n,
        "published_date": [dt.date(2024, 4, 23)] * n,
        "source": ["The Korea Herald"] * n,
        "byline": ["Yonhap"] * n,
        "category": [None] * n,
        "language": ["en"] * n,
        "is_truncated": [False] * n,
        "word_count": [120] * n,
        "layout": ["generic"] * n,
        "provenance": [[{"file": "001.txt", "line_start": i + 1, "line_end": i + 1}] for i in range(n)],
    }
    return pl.DataFrame(rows | columns, schema=SCHEMA)


# Every column on (or just inside) its limit at once: each expectation has one passing dataset next to its failing one.
BOUNDARY = {
    "title": mix("Steel talks resume", None, 8),  # 60 % null; median title 3 words
    "published_date": dates(dt.date(1990, 1, 1), TOMORROW),  # both ends of the range; 60 % null
    "byline": mix("Yonhap", None, 1),  # 95 % null
    "word_count": [20] * N,  # median body 20 words
    "language": mix("en", "ko", 10),  # 50 % English
}
BOUNDARY_COUNTS = {"n_duplicates": 30, "n_quarantined": 6}  # 30 / 50 = 0.6; 6 / 26 = 0.23


def run(tmp: Path, columns: dict | None = None, counts: dict | None = None, **expectations: object) -> dict:
    return run_expectations(
        articles(**BOUNDARY | (columns or {})),
        **BOUNDARY_COUNTS | (counts or {}),
        expectations=EXPECTATIONS | expectations,
        docs_dir=tmp,
    )


def failed(summary: dict) -> set[tuple[str, str | None]]:
    return {(r["expectation"], r["column"]) for r in summary["results"] if not r["success"]}


@pytest.fixture(scope="module")
def boundary(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    docs = tmp_path_factory.mktemp("docs")
    return run(docs), docs


def test_rows_on_every_limit_pass(boundary: tuple[dict, Path]) -> None:
    summary, _ = boundary
    assert failed(summary) == set()
    assert summary["success"] and summary["evaluated"] == summary["successful"] == len(summary["results"]) == 12
    by_column = {(r["expectation"], r["column"]): r["observed"] for r in summary["results"]}
    assert by_column[("expect_table_row_count_to_be_between", None)] == N
    assert by_column[(NOT_NULL, "title")]["unexpected_share"] == 0.6
    assert by_column[(QUANTILES, "title_word_count")] == {"quantiles": [0.5], "values": [3]}
    assert by_column[(MAX, "duplicate_share")] == 0.6


@pytest.mark.parametrize(
    ("columns", "counts", "expected"),
    [
        pytest.param(
            {"id": ["art-000", "art-000"] + [f"art-{i:03d}" for i in range(2, N)]},
            {},
            ("expect_column_values_to_be_unique", "id"),
            id="id-repeated",
        ),
        pytest.param({"title": mix("Steel talks resume", None, 7)}, {}, (NOT_NULL, "title"), id="title-65%-null"),
        pytest.param(
            {"published_date": dates(dt.date(1990, 1, 1), TOMORROW, nulls=13)},
            {},
            (NOT_NULL, "published_date"),
            id="date-65%-null",
        ),
        pytest.param({"byline": [None] * N}, {}, (NOT_NULL, "byline"), id="byline-all-null"),
        pytest.param({"word_count": [19] * N}, {}, (QUANTILES, "word_count"), id="body-median-19-words"),
        pytest.param(
            {"title": mix("Steel talks", None, 8)}, {}, (QUANTILES, "title_word_count"), id="title-median-2-words"
        ),
        pytest.param(
            {"published_date": dates(dt.date(1989, 12, 31), TOMORROW)},
            {},
            (IN_RANGE, "published_date"),
            id="date-before-1990",
        ),
        pytest.param(
            {"published_date": dates(dt.date(1990, 1, 1), TOMORROW + dt.timedelta(days=1))},
            {},
            (MAX, "future_date"),
            id="date-after-tomorrow",
        ),
        pytest.param(
            {"language": mix("en", "ko", 9)}, {}, ("expect_column_values_to_be_in_set", "language"), id="english-45%"
        ),
        pytest.param({}, {"n_duplicates": 31}, (MAX, "duplicate_share"), id="duplicates-61%"),
        pytest.param({}, {"n_quarantined": 7}, (MAX, "quarantine_share"), id="quarantined-26%"),
    ],
)
def test_one_step_past_a_limit_fails_that_expectation(
    tmp_path: Path, columns: dict, counts: dict, expected: tuple[str, str]
) -> None:
    summary = run(tmp_path, columns, counts)
    assert failed(summary) == {expected}
    assert not summary["success"] and summary["successful"] == summary["evaluated"] - 1


def test_row_count_above_range_fails(tmp_path: Path) -> None:
    summary = run(tmp_path, row_count=[1, N - 1])
    assert failed(summary) == {("expect_table_row_count_to_be_between", None)}


def test_empty_input_fails_without_crashing(tmp_path: Path) -> None:
    summary = run_expectations(
        articles(0), n_duplicates=3, n_quarantined=0, expectations=EXPECTATIONS, docs_dir=tmp_path
    )
    # No rows: no count, no quantile and no share maximum can be met.
    assert failed(summary) == {
        ("expect_table_row_count_to_be_between", None),
        (QUANTILES, "word_count"),
        (QUANTILES, "title_word_count"),
        (MAX, "future_date"),
        (MAX, "duplicate_share"),
        (MAX, "quarantine_share"),
    }
    json.dumps(summary, allow_nan=False)


def test_failure_observed_values_name_the_offending_rows(tmp_path: Path) -> None:
    summary = run(tmp_path, {"published_date": dates(dt.date(1989, 12, 31), TOMORROW)})
    [entry] = [r for r in summary["results"] if r["expectation"] == IN_RANGE]
    assert entry["observed"] == {"unexpected_count": 1, "unexpected_share": 0.125, "examples": ["1989-12-31T00:00:00"]}
    assert entry["kwargs"]["min_value"] == "1990-01-01T00:00:00"


def test_summary_is_json_and_deterministic(boundary: tuple[dict, Path], tmp_path: Path) -> None:
    summary, docs = boundary
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert run(tmp_path) == summary
    files = sorted(p.relative_to(docs) for p in docs.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all((docs / f).read_bytes() == (tmp_path / f).read_bytes() for f in files)


def test_docs_load_no_css_or_script_from_the_network(boundary: tuple[dict, Path]) -> None:
    summary, docs = boundary
    index = docs / summary["docs_index"]
    [page] = (docs / "validations").rglob("*.html")
    assert index.is_file() and "news_articles" in index.read_text(encoding="utf-8")
    for html in (index, page, *(docs / "expectations").rglob("*.html")):
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'<link[^>]+href="https?://|<script[^>]+src="https?://|url\([\'"]?https?://', text)
        local = re.findall(r'(?:href|src)="([^"#]+\.(?:css|js|png|ico))"', text)
        assert local and all((html.parent / ref).is_file() for ref in local), html
    assert (docs / "static/vendor/fontawesome/webfonts/fa-solid-900.woff2").is_file()
    assert not list(docs.rglob("*.gif"))  # GX's tutorial GIFs are dropped


def test_format_summary_has_one_line_per_expectation(tmp_path: Path) -> None:
    summary = run(tmp_path, counts={"n_duplicates": 31})
    lines = format_summary(summary).splitlines()
    assert lines[0] == "Great Expectations: 11/12 expectations met"
    assert len(lines) == 13 and sum(line.startswith("FAIL") for line in lines) == 1
    assert re.match(r"FAIL +expect_column_max_to_be_between +duplicate_share +0\.6078", lines[11])
    assert re.match(r"PASS +expect_column_values_to_not_be_null +title +12 unexpected \(60\.0%\)", lines[3])


def test_expectation_keys_are_checked_before_running(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"missing \['row_count'\], unknown \['row_counts'\]"):
        run_expectations(
            articles(),
            n_duplicates=0,
            n_quarantined=0,
            docs_dir=tmp_path,
            expectations={k: v for k, v in EXPECTATIONS.items() if k != "row_count"} | {"row_counts": 1},
        )


def test_params_yaml_has_exactly_the_suite_keys() -> None:
    assert set(load_params(Path(__file__).parents[1] / "params.yaml").validate.expectations) == EXPECTATION_KEYS
