"""The gate's Great Expectations suites: on every limit they pass, one step past a limit fails exactly that check,
and the Data Docs show the same verdict (a failed gate never renders as "Succeeded"), offline."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pipeline import expectations as ex
from pipeline.config import PROJECT_ROOT

N = 20
MAX_SHARE = 0.25
QUALITY = {
    "title_null_share_max": 0.6,
    "body_words_median": (20, 5000),
    "title_words_median": (3, 25),
    "duplicate_share_max": 0.6,
}
ROW_CHECKS = [
    ex.RowCheck("id_unique", "Every id is unique", True),
    ex.RowCheck("title_length", "A title has 3 to 300 characters", False),
]
RUN_TIME = dt.datetime(2026, 11, 30, 12, 34, 56, tzinfo=dt.UTC)
MEASURES = {
    "quarantined_share": 0.25,
    "duplicate_share": 0.6,
    "raw_lines_unaccounted": 0,
    "raw_paths_unaccounted": 0,
    "raw_folder_changes": 0,
    "schema_errors": 0,
}


def candidates(failing: dict[str, int]) -> pl.DataFrame:
    """N candidate rows; the first failing[rule] rows fail that rule (their id in its column)."""
    ids = [f"{i:016x}" for i in range(N)]
    columns = {ex.row_check_column(c.name): [ids[i] if i < failing.get(c.name, 0) else None for i in range(N)]
               for c in ROW_CHECKS}  # fmt: skip
    return pl.DataFrame({"id": ids, **columns}, schema={"id": pl.String, **dict.fromkeys(columns, pl.String)})


def published(titles_null: int = 12, body_words: int = 20, title_words: int = 3, rows: int = N) -> pl.DataFrame:
    """Rows on every limit by default: 60 % without a title, median body 20 words, median title 3 words."""
    return pl.DataFrame(
        {
            "title": [None] * titles_null + ["Steel talks resume"] * (rows - titles_null),
            "word_count": [body_words] * rows,
            "title_word_count": [None] * titles_null + [title_words] * (rows - titles_null),
        },
        schema={"title": pl.String, "word_count": pl.Int32, "title_word_count": pl.UInt32},
    )


def run(
    docs: Path, failing: dict[str, int] | None = None, frame: pl.DataFrame | None = None, **measures: float
) -> list[dict]:
    checks = ex.row_checks(ROW_CHECKS, MAX_SHARE) + ex.quality_checks(1, QUALITY) + ex.gate_checks(MAX_SHARE, QUALITY)
    frames = {
        ex.CANDIDATES: candidates(failing or {}),
        ex.PUBLISHED: published() if frame is None else frame,
        ex.GATE: pl.DataFrame([MEASURES | measures]),
    }
    results, context = ex.run_suites(checks, frames, docs, RUN_TIME)
    ex.render_docs(context, docs)
    return results


def failed(results: list[dict]) -> set[str]:
    return {r["rule"] for r in results if not r["success"]}


@pytest.fixture(scope="module")
def boundary(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path]:
    docs = tmp_path_factory.mktemp("docs")
    return run(docs, {"title_length": 5}), docs  # 5 / 20 = the largest share one check may quarantine


def test_everything_on_its_limit_passes(boundary: tuple[list[dict], Path]) -> None:
    results, _ = boundary
    assert failed(results) == set()
    assert [r["rule"] for r in results] == [
        "id_unique", "title_length", "published_rows", "title_null_share", "body_words_median", "title_words_median",
        "quarantined_share", "duplicate_share", "raw_lines_unaccounted", "raw_paths_unaccounted",
        "raw_folder_changes", "schema_errors",
    ]  # fmt: skip
    by_rule = {r["rule"]: r for r in results}
    assert by_rule["title_length"]["observed"]["unexpected_count"] == 5
    assert by_rule["title_length"]["params_key"] == "validate.max_quarantine_share"
    assert by_rule["id_unique"]["limit"] == {"mostly": 1.0} and by_rule["id_unique"]["params_key"] is None
    assert by_rule["body_words_median"]["observed"] == {"quantiles": [0.5], "values": [20]}


@pytest.mark.parametrize(
    ("failing", "frame", "measures", "rule"),
    [
        pytest.param({"id_unique": 1}, None, {}, "id_unique", id="one-duplicate-id-blocks"),
        pytest.param({"title_length": 6}, None, {}, "title_length", id="one-check-quarantines-30%"),
        pytest.param({}, published(titles_null=13), {}, "title_null_share", id="65%-without-title"),
        pytest.param({}, published(body_words=19), {}, "body_words_median", id="median-body-19-words"),
        pytest.param({}, published(title_words=2), {}, "title_words_median", id="median-title-2-words"),
        pytest.param({}, published(rows=0, titles_null=0), {}, "published_rows", id="no-rows"),
        pytest.param({}, None, {"quarantined_share": 0.26}, "quarantined_share", id="quarantined-26%"),
        pytest.param({}, None, {"duplicate_share": 0.61}, "duplicate_share", id="duplicates-61%"),
        pytest.param({}, None, {"raw_lines_unaccounted": 1}, "raw_lines_unaccounted", id="a-lost-line"),
        pytest.param({}, None, {"raw_paths_unaccounted": 1}, "raw_paths_unaccounted", id="a-lost-path"),
        pytest.param({}, None, {"raw_folder_changes": 1}, "raw_folder_changes", id="raw-folder-changed"),
        pytest.param({}, None, {"schema_errors": 1}, "schema_errors", id="schema-error"),
    ],
)
def test_one_step_past_a_limit_fails_that_check(
    tmp_path: Path, failing: dict, frame: pl.DataFrame | None, measures: dict, rule: str
) -> None:
    results = run(tmp_path, failing, frame, **measures)
    expected = {rule} | ({"body_words_median", "title_words_median"} if rule == "published_rows" else set())
    assert failed(results) == expected
    json.dumps(results, allow_nan=False)


def test_failed_gate_renders_as_failed_with_run_time_assets_and_notes(tmp_path: Path) -> None:
    run(tmp_path, {"id_unique": 2}, quarantined_share=0.3)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    pages = {
        p.parent.parent.parent.name: p.read_text(encoding="utf-8") for p in (tmp_path / "validations").rglob("*.html")
    }
    assert set(pages) == set(ex.ASSETS)
    assert "20261130T123456" in index and "1970" not in index
    status = re.compile(r"Status:</span> <i [^>]*></i> (\w+)")
    assert {asset: status.search(page)[1] for asset, page in pages.items()} == {
        ex.CANDIDATES: "Failed",
        ex.PUBLISHED: "Succeeded",
        ex.GATE: "Failed",
    }
    assert all(f"Data asset: {asset}<br>" in page for asset, page in pages.items())
    assert index.count("ge-failed-icon") == 2
    # The suites explain computed columns and name the setting behind each limit.
    suites = {p.stem: p.read_text(encoding="utf-8") for p in (tmp_path / "expectations").glob("*.html")}
    assert "the id of each row the pandera check" in suites[ex.CANDIDATES]
    assert "<code>validate.max_quarantine_share</code> in params.yaml" in suites[ex.GATE]
    assert "A fixed rule: no setting moves it." in suites[ex.GATE]


def test_docs_are_rebuilt_for_each_run(tmp_path: Path) -> None:
    run(tmp_path)
    first = sorted(p.name for p in (tmp_path / "validations").rglob("*.html"))
    run(tmp_path)
    assert sorted(p.name for p in (tmp_path / "validations").rglob("*.html")) == first


def test_docs_load_no_css_or_script_from_the_network(boundary: tuple[list[dict], Path]) -> None:
    _, docs = boundary
    pages = [docs / "index.html", *(docs / "validations").rglob("*.html"), *(docs / "expectations").rglob("*.html")]
    assert len(pages) == 1 + 2 * len(ex.ASSETS)
    for html in pages:
        text = html.read_text(encoding="utf-8")
        assert not re.search(r'<link[^>]+href="https?://|<script[^>]+src="https?://|url\([\'"]?https?://', text)
        local = re.findall(r'(?:href|src)="([^"#]+\.(?:css|js|png|ico))"', text)
        assert local and all((html.parent / ref).is_file() for ref in local), html
    assert (docs / "static/vendor/fontawesome/webfonts/fa-solid-900.woff2").is_file()
    assert not list(docs.rglob("*.gif"))  # GX's tutorial GIFs are dropped


@pytest.mark.parametrize(
    ("observed", "text"),
    [
        ({"unexpected_count": 3, "unexpected_share": 0.15, "examples": []}, "3 rows (15.0%)"),
        ({"quantiles": [0.5], "values": [222]}, "q0.5 = 222"),
        ({"quantiles": [0.5], "values": [None]}, "q0.5 = none (no rows)"),
        (0.30000001, "0.3"),
        (0, "0"),
    ],
)
def test_observed_values_read_as_words(observed: object, text: str) -> None:
    assert ex.describe_observed(observed) == text


@pytest.mark.parametrize(
    ("limit", "text"),
    [
        ({"max_value": 0.25}, "at most 0.25"),
        ({"min_value": 1}, "at least 1"),
        ({"mostly": 0.75}, "on at least 75% of rows"),
        ({"mostly": 1.0}, "on every row"),
        ({"quantile_ranges": {"quantiles": [0.5], "value_ranges": [[20, 5000]]}}, "q0.5 in [20, 5000]"),
    ],
)
def test_limits_read_as_words(limit: dict, text: str) -> None:
    assert ex.describe_limit(limit) == text


def test_modules_deferred_until_used_are_not_run_by_the_gate_and_load_on_use(tmp_path: Path) -> None:
    """A fresh interpreter judges the boundary gate and writes its Data Docs without running DEFERRED_IMPORTS'
    modules (the import time they cost is what deferring them saves), and a deferred module still works when
    something uses it."""
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
import test_expectations as t
results = t.run(Path({str(tmp_path)!r}), {{"title_length": 5}})
assert all(r["success"] for r in results), t.failed(results)
executed = [m for m in ("scipy.stats._stats_py", "altair.vegalite") if m in sys.modules]
assert not executed, executed
import scipy.stats, altair
assert abs(scipy.stats.norm.cdf(0.0) - 0.5) < 1e-12 and altair.Chart is not None
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
