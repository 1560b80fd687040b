"""The validation gate on corrupted input: one corruption per run of the real CLI on a copy of the seed files.

Proportionate: a corrupted record is quarantined at stage 'validate' with the rule it breaks, and the rest is
published (exit 0). The gate refuses the whole dataset (exit 1, no OUT/dataset, a failed verdict in the Data
Docs, publish refused) only for what makes the dataset wrong as a whole, shown here with a row count below
`validate.min_published_rows` and a quarantined share above `validate.max_quarantine_share`. The runs are
independent, so they share one module fixture and run in parallel (each takes about 7 s alone).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
import yaml
from conftest import REPO_ROOT, SEED_RAW, run_pipeline

from pipeline import rules, shards
from pipeline.outputs import Outputs

pytestmark = pytest.mark.slow

LISTING = "003_8c8a05d9328fb11c.txt"
PREFIXED = "002_4e32bc0a0c964560.txt"
GENERIC = "000_6346b866772eb1ec.txt"
RETITLED = "005_retitled_copy.txt"
# '• Link copied' saved as UTF-8 but read back as cp1252, as badly re-encoded pages print it ('â€¢ Link copied').
MOJIBAKE_CHROME = "• Link copied".encode().decode("cp1252")


@dataclasses.dataclass(frozen=True)
class Corruption:
    edit: Callable[[Path], None]
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    params: dict[str, object] = dataclasses.field(default_factory=dict)  # validate.<key> overrides


@dataclasses.dataclass(frozen=True)
class Run:
    raw: Path
    out: Path
    result: subprocess.CompletedProcess


@dataclasses.dataclass(frozen=True)
class Expected:
    """A quarantined record: its rule, its file and one corrupted line inside its span."""

    rule: str
    file: str
    line: int


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines), encoding="utf-8")


def line_number(path: Path, startswith: str) -> int:
    """1-based number of the first line starting with the given text."""
    return next(n for n, line in enumerate(read_lines(path), 1) if line.startswith(startswith))


def replace_on_line(path: Path, number: int, old: str, new: str) -> None:
    lines = read_lines(path)
    assert old in lines[number - 1], f"{path.name}:{number} no longer contains {old!r}"
    lines[number - 1] = lines[number - 1].replace(old, new)
    write_lines(path, lines)


# (a) Chrome in a body. A chrome line injected between two paragraphs of a raw file, plain ('• Link copied') or
# mis-encoded ('â€¢ Link copied'), is removed by the parser (share_widget, classified on the repaired text) and
# logged in removed_lines: it never reaches a published field. The gate's body_no_chrome guards against a parser
# that lets one through; test_chrome_in_a_parsed_body_is_quarantined_by_body_no_chrome simulates exactly that by
# corrupting the dedup stage's output and running the validate stage on it.
CHROME_BEFORE = "Before heading back to Seoul"


def inject_chrome(raw: Path) -> None:
    path = raw / GENERIC
    lines = read_lines(path)
    at = line_number(path, CHROME_BEFORE) - 1
    write_lines(path, lines[:at] + [MOJIBAKE_CHROME, ""] + lines[at:])


def chrome_line(raw: Path) -> int:
    return line_number(raw / GENERIC, MOJIBAKE_CHROME)


# (b) An impossible date: the crawler prefix of 002 moved to 2099 (a real calendar date, in the future).
def future_date(raw: Path) -> None:
    replace_on_line(raw / PREFIXED, 1, " date 2025-05-16 ", " date 2099-05-16 ")


# (b') The same in one listing record: an entry that occurs only in 003 (lines 30-32).
DATE_LINE = 32


def future_listing_date(raw: Path) -> None:
    replace_on_line(raw / LISTING, DATE_LINE, "date2024-04-17", "date2099-04-17")


# (b'') Not a date at all: month 13, day 45 on the same listing entry.
def invalid_date(raw: Path) -> None:
    replace_on_line(raw / LISTING, DATE_LINE, "date2024-04-17", "date2024-13-45")


# (c) The same summary published under another headline in a new listing file. The dedup stage does not merge
# copies whose titles disagree (pipeline/dedup.py): the same text under two headlines is a data error, and
# neither headline can be trusted over the other: both records are quarantined (body_unique).
def retitled_copy(raw: Path) -> None:
    summary = read_lines(raw / LISTING)[DATE_LINE - 1]
    write_lines(raw / RETITLED, ["-", "Industry", "Korea convenes AI chip experts for standards work", summary, ""])


CORRUPTIONS: dict[str, Corruption] = {
    "clean": Corruption(lambda raw: None),
    "chrome": Corruption(inject_chrome),
    "future_date": Corruption(future_date),
    "future_listing_date": Corruption(future_listing_date),
    "invalid_date": Corruption(invalid_date),
    "retitled_copy": Corruption(retitled_copy),
    # Environment settings under which pandera skips the row checks: the gate checks the rows anyway.
    "future_schema_only": Corruption(future_date, {"PANDERA_VALIDATION_DEPTH": "SCHEMA_ONLY"}),
    "future_enabled_upper": Corruption(future_date, {"PANDERA_VALIDATION_ENABLED": "TRUE"}),
    # The dataset as a whole is wrong: too few rows, or too much quarantined.
    "too_few_rows": Corruption(lambda raw: None, params={"min_published_rows": 1000}),
    "too_much_quarantined": Corruption(future_date, params={"max_quarantine_share": 0.0}),
}


def params_file(directory: Path, overrides: dict[str, object]) -> Path | None:
    if not overrides:
        return None
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["validate"].update(overrides)
    path = directory / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, hf_home: Path) -> dict[str, Run]:
    """Every corruption applied to its own copy of the seeds, all pipelines run concurrently."""
    root = tmp_path_factory.mktemp("gate")

    def one(name: str) -> Run:
        raw, out = root / name / "raw", root / name / "out"
        shutil.copytree(SEED_RAW, raw)
        corruption = CORRUPTIONS[name]
        corruption.edit(raw)
        params = params_file(root / name, corruption.params)
        return Run(raw, out, run_pipeline(raw, out, params=params, check=False, env=corruption.env))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CORRUPTIONS, pool.map(one, CORRUPTIONS), strict=True))


def report(run: Run) -> dict:
    return json.loads((run.out / "reports" / "validation.json").read_text(encoding="utf-8"))


def covers(frame: pl.DataFrame, want: Expected) -> pl.DataFrame:
    """Rows of a quarantine (or records, by first place) whose span covers the expected line of the file."""
    return frame.filter(
        (pl.col("file") == want.file) & (pl.col("line_start") <= want.line) & (pl.col("line_end") >= want.line)
    )


def published_places(run: Run) -> pl.DataFrame:
    records = pl.read_parquet(run.out / "dataset" / "data" / "*.parquet")
    return records.select(pl.col("provenance").explode()).unnest("provenance")


def assert_quarantined(run: Run, *expected: Expected) -> None:
    """Exit 0, each corrupted record quarantined by validate under its rule and absent from the dataset, the
    other records published."""
    assert run.result.returncode == 0, f"the gate refused the whole dataset:\n{run.result.stderr[-3000:]}"
    quarantine = pl.read_parquet(run.out / "quarantine.parquet").filter(pl.col("stage") == "validate")
    assert sorted(quarantine["rule"].to_list()) == sorted(want.rule for want in expected), quarantine.drop("text")
    places = published_places(run)
    for want in expected:
        assert covers(quarantine.filter(pl.col("rule") == want.rule), want).height == 1, quarantine.drop("text")
        assert covers(places, want).is_empty(), f"{want} was published"
    candidates = pl.read_parquet(shards.parts(Outputs(run.out).dedup_articles_dir)).height
    assert pl.read_parquet(run.out / "dataset" / "data" / "*.parquet").height == candidates - len(expected)
    assert f"rows quarantined by rule: {expected[0].rule}" in run.result.stderr


def assert_refused(
    run: Run, rule: str, params_key: str, observed: str, limit: str, also: tuple[str, ...] = ()
) -> None:
    """Exit 1, a verdict naming the rule, its observed value, its limit and its setting; no dataset; the Data
    Docs show the failure; publish (also --dry-run) refuses the stale folder a previous good build would leave."""
    stderr = run.result.stderr
    assert run.result.returncode == 1, f"gate did not refuse ({run.result.returncode}):\n{stderr[-3000:]}"
    assert f"FAILED: validation gate: FAILED ({1 + len(also)} of" in stderr
    line = next(line for line in stderr.splitlines() if line.startswith(f"  {rule}: "))
    assert line == f"  {rule}: observed {observed}; limit {limit}  [params.yaml: {params_key}]"
    assert not (run.out / "dataset").exists()
    assert report(run)["passed"] is False
    failed = [c for c in report(run)["checks"] if not c["success"]]
    assert sorted(c["rule"] for c in failed) == sorted([rule, *also])
    assert next(c["params_key"] for c in failed if c["rule"] == rule) == params_key
    index = (run.out / "reports" / "data_docs" / "index.html").read_text(encoding="utf-8")
    assert "ge-failed-icon" in index


def test_unmodified_seeds_pass_the_gate(runs: dict[str, Run]) -> None:
    run = runs["clean"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    assert (run.out / "dataset").is_dir()
    assert report(run)["passed"] is True and all(c["success"] for c in report(run)["checks"])
    assert report(run)["nothing_lost"]["unaccounted"] == 0
    assert pl.read_parquet(run.out / "quarantine.parquet").filter(pl.col("stage") == "validate").height == 0
    assert "validation gate: passed" in run.result.stderr


def test_chrome_injected_in_raw_is_removed_and_logged(runs: dict[str, Run]) -> None:
    run = runs["chrome"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    removed = pl.read_parquet(run.out / "removed_lines.parquet").filter(
        (pl.col("file") == GENERIC) & (pl.col("line") == chrome_line(run.raw))
    )
    assert removed.select("text", "rule").rows() == [(MOJIBAKE_CHROME, "share_widget")]
    bodies = pl.read_parquet(run.out / "dataset" / "data" / "*.parquet")["body"].to_list()
    assert not any("Link copied" in body or MOJIBAKE_CHROME in body for body in bodies)


def test_chrome_in_a_parsed_body_is_quarantined_by_body_no_chrome(runs: dict[str, Run], tmp_path: Path) -> None:
    """A parser regression that lets a chrome paragraph through: that record is quarantined, named, not published."""
    out = tmp_path / "out"
    shutil.copytree(runs["clean"].out / "interim", out / "interim")
    for name in ("removed_lines.parquet", "duplicates.parquet"):
        shutil.copy(runs["clean"].out / name, out / name)
    in_generic = pl.col("provenance").list.eval(pl.element().struct.field("file") == GENERIC).list.any()
    parts = []
    for path in shards.parts(Outputs(out).dedup_articles_dir):
        part = pl.read_parquet(path).with_columns(
            body=pl.when(in_generic)
            .then(pl.col("body").str.replace("\n\n", "\n\nCopied URL\n\n", literal=True))
            .otherwise("body"),
            word_count=pl.when(in_generic).then(pl.col("word_count") + 2).otherwise("word_count"),
        )
        part.write_parquet(path)
        parts.append(part)
    articles = pl.concat(parts)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", str(runs["clean"].raw), "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    span = articles.filter(in_generic)["provenance"].item()[0]
    quarantine = pl.read_parquet(out / "quarantine.parquet").filter(pl.col("stage") == "validate")
    assert quarantine.select("file", "line_start", "rule").rows() == [(GENERIC, span["line_start"], "body_no_chrome")]
    assert "Copied URL" in quarantine["text"].item()
    published = pl.read_parquet(out / "interim" / "validate" / "articles" / "*.parquet")
    assert published.height == articles.height - 1


def test_premise_the_rule_table_knows_the_injected_chrome() -> None:
    assert rules.match_line("Copied URL").name == "share_widget"
    assert rules.match_line("    • Link copied").name == "share_widget"


def test_future_date_is_quarantined_and_the_rest_published(runs: dict[str, Run]) -> None:
    assert_quarantined(runs["future_date"], Expected("published_date_in_range", PREFIXED, 1))


def test_impossible_date_in_one_listing_record_is_quarantined_and_the_rest_published(runs: dict[str, Run]) -> None:
    assert_quarantined(runs["future_listing_date"], Expected("published_date_in_range", LISTING, DATE_LINE))


def test_same_summary_under_another_headline_quarantines_both(runs: dict[str, Run]) -> None:
    assert_quarantined(
        runs["retitled_copy"], Expected("body_unique", LISTING, DATE_LINE), Expected("body_unique", RETITLED, 4)
    )


def test_date_marker_that_is_not_a_date_is_dropped_not_guessed(runs: dict[str, Run]) -> None:
    # 'date2024-13-45' names no day: the marker is removed (and logged with its raw text), the date stays null
    # (never guessed from the neighbours), and the article itself is fine, so it is published.
    run = runs["invalid_date"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    published = pl.read_parquet(run.out / "interim" / "validate" / "articles" / "*.parquet")
    record = published.filter(
        pl.col("provenance").list.eval(
            (pl.element().struct.field("file") == LISTING) & pl.element().struct.field("line_end").eq(DATE_LINE)
        ).list.any()
    )  # fmt: skip
    assert record.select("published_date", "is_truncated").rows() == [(None, False)]
    assert "2024-13-45" not in record["body"].item()
    removed = pl.read_parquet(run.out / "removed_lines.parquet").filter(
        (pl.col("file") == LISTING) & (pl.col("line") == DATE_LINE)
    )
    assert removed.select("text", "rule").rows() == [("date2024-13-45", "date_marker")]


@pytest.mark.parametrize("name", ["future_schema_only", "future_enabled_upper"])
def test_pandera_settings_that_skip_row_checks_do_not_skip_them(runs: dict[str, Run], name: str) -> None:
    # PANDERA_VALIDATION_DEPTH=SCHEMA_ONLY, or PANDERA_VALIDATION_ENABLED set to anything but 'true'/'True'/'1'
    # (pandera's own test), turn every row check into a no-op. The gate either refuses to run or checks the rows
    # anyway; publishing the impossible date is the one wrong answer.
    run = runs[name]
    if run.result.returncode == 1:
        assert "PANDERA" in run.result.stderr and not (run.out / "dataset").exists()
    else:
        assert_quarantined(run, Expected("published_date_in_range", PREFIXED, 1))


def test_too_few_rows_fails_the_gate_shows_in_data_docs_and_blocks_publish(runs: dict[str, Run]) -> None:
    run = runs["too_few_rows"]
    rows = pl.read_parquet(run.out / "interim" / "validate" / "articles" / "*.parquet").height
    assert_refused(run, "published_rows", "validate.min_published_rows", str(rows), "at least 1000")
    # A previous good build of this folder left a dataset; publish must refuse it after this failed gate.
    shutil.copytree(runs["clean"].out / "dataset", run.out / "dataset")
    for dry_run in ([], ["--dry-run"]):
        result = subprocess.run(
            [sys.executable, "-m", "pipeline", "publish", "--repo-id", "acme/news", "--dataset",
             str(run.out / "dataset"), "--releases", str(run.out / "no-releases"), *dry_run],
            cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "HF_TOKEN": "hf_unused"},
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        assert "validation gate did not pass" in result.stderr


def test_too_much_quarantined_fails_the_gate_naming_the_setting(runs: dict[str, Run]) -> None:
    run = runs["too_much_quarantined"]
    share = report(run)["measures"]["quarantined_share"]
    assert share > 0
    # With no quarantine allowed, the row check that quarantined the row fails too, quoting the record.
    assert_refused(
        run, "quarantined_share", "validate.max_quarantine_share", f"{share:.4g}", "at most 0",
        also=("published_date_in_range",),
    )  # fmt: skip
    assert f"{PREFIXED}:1-" in run.result.stderr
