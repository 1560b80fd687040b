"""The validation gate on corrupted input: one corruption per run of the real CLI on a copy of the seed files.

Each corruption must make `python -m pipeline run` exit 1, print exactly the expected rule with the file and line
span of the corrupted record, quarantine that record at stage 'validate', and publish nothing (package never
runs, so OUT/dataset does not exist). The runs are independent, so they share one module fixture and run in
parallel (each takes about 7 s alone).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO_ROOT, SEED_RAW, run_pipeline

from pipeline import rules

pytestmark = pytest.mark.slow

LISTING = "003_8c8a05d9328fb11c.txt"
PREFIXED = "002_4e32bc0a0c964560.txt"
GENERIC = "000_6346b866772eb1ec.txt"
RETITLED = "005_retitled_copy.txt"
# '• Link copied' saved as UTF-8 but read back as cp1252, as badly re-encoded pages print it ('â€¢ Link copied').
MOJIBAKE_CHROME = "• Link copied".encode().decode("cp1252")
PROBLEM = re.compile(r"^(?P<rule>\w+): (?P<file>\S+):(?P<start>\d+)-(?P<end>\d+) ")


@dataclasses.dataclass(frozen=True)
class Corruption:
    edit: Callable[[Path], None]
    env: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Run:
    raw: Path
    out: Path
    result: subprocess.CompletedProcess


@dataclasses.dataclass(frozen=True)
class Expected:
    """A record the gate must name: its rule, its file and one corrupted line inside its span."""

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
# that lets one through; test_chrome_in_a_parsed_body_is_caught_by_body_no_chrome simulates exactly that by
# corrupting the dedup stage's output and running the validate stage on it. 000 rather than 001: 001 holds the
# seeds' only byline, so quarantining it would also fail the GX byline expectation and blur "exactly that rule".
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


# (b') Not a date at all: month 13, day 45 on a listing entry that occurs only in 003 (line 32).
INVALID_DATE_LINE = 32


def invalid_date(raw: Path) -> None:
    replace_on_line(raw / LISTING, INVALID_DATE_LINE, "date2024-04-17", "date2024-13-45")


# (c) The same summary published under another headline in a new listing file. The dedup stage does not merge
# copies whose titles disagree (pipeline/dedup.py): the same text under two headlines is a data error that the
# gate must report (body_unique), on both records.
SUMMARY_LINE = 32  # 003: 'Top experts gather for first AI semiconductor working group meeting' (lines 30-32)


def retitled_copy(raw: Path) -> None:
    summary = read_lines(raw / LISTING)[SUMMARY_LINE - 1]
    write_lines(raw / RETITLED, ["-", "Industry", "Korea convenes AI chip experts for standards work", summary, ""])


CORRUPTIONS: dict[str, Corruption] = {
    "clean": Corruption(lambda raw: None),
    "chrome": Corruption(inject_chrome),
    "future_date": Corruption(future_date),
    "invalid_date": Corruption(invalid_date),
    "retitled_copy": Corruption(retitled_copy),
    # Environment settings under which pandera skips the row checks: the gate must not publish regardless.
    "future_schema_only": Corruption(future_date, {"PANDERA_VALIDATION_DEPTH": "SCHEMA_ONLY"}),
    "future_enabled_upper": Corruption(future_date, {"PANDERA_VALIDATION_ENABLED": "TRUE"}),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, hf_home: Path) -> dict[str, Run]:
    """Every corruption applied to its own copy of the seeds, all pipelines run concurrently."""
    root = tmp_path_factory.mktemp("gate")

    def one(name: str) -> Run:
        raw, out = root / name / "raw", root / name / "out"
        shutil.copytree(SEED_RAW, raw)
        CORRUPTIONS[name].edit(raw)
        return Run(raw, out, run_pipeline(raw, out, check=False, env=CORRUPTIONS[name].env))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CORRUPTIONS, pool.map(one, CORRUPTIONS), strict=True))


def gate_problems(stderr: str) -> list[str]:
    """The gate's problem lines (indented under 'FAILED: validation gate failed:')."""
    _, marker, rest = stderr.partition("FAILED: validation gate failed:\n")
    assert marker, f"no gate failure in stderr:\n{stderr[-3000:]}"
    return [line.strip() for line in rest.splitlines() if line.startswith("  ")]


def names(problem: str, expected: Expected) -> bool:
    m = PROBLEM.match(problem)
    return (
        bool(m)
        and (m["rule"], m["file"]) == (expected.rule, expected.file)
        and (int(m["start"]) <= expected.line <= int(m["end"]))
    )


def assert_refused(run: Run, *expected: Expected) -> None:
    """Exit 1, exactly the expected problems, each record quarantined by validate, and no dataset."""
    stderr = run.result.stderr
    assert run.result.returncode == 1, f"gate did not refuse ({run.result.returncode}):\n{stderr[-3000:]}"
    problems = gate_problems(stderr)
    assert len(problems) == len(expected), problems
    for want in expected:
        assert any(names(p, want) for p in problems), f"{want} not in {problems}"
    assert not (run.out / "dataset").exists()
    report = json.loads((run.out / "reports" / "validation.json").read_text(encoding="utf-8"))
    assert report["passed"] is False
    quarantine = pl.read_parquet(run.out / "quarantine.parquet").filter(pl.col("stage") == "validate")
    for want in expected:
        hit = quarantine.filter(
            (pl.col("rule") == want.rule) & (pl.col("file") == want.file)
            & (pl.col("line_start") <= want.line) & (pl.col("line_end") >= want.line)
        )  # fmt: skip
        assert hit.height == 1, quarantine.drop("text")


def test_unmodified_seeds_pass_the_gate(runs: dict[str, Run]) -> None:
    run = runs["clean"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    assert (run.out / "dataset").is_dir()
    report = json.loads((run.out / "reports" / "validation.json").read_text(encoding="utf-8"))
    assert (report["passed"], report["problems"]) == (True, [])
    assert report["nothing_lost"]["unaccounted"] == 0
    assert pl.read_parquet(run.out / "quarantine.parquet").filter(pl.col("stage") == "validate").height == 0


def test_chrome_injected_in_raw_is_removed_and_logged(runs: dict[str, Run]) -> None:
    run = runs["chrome"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    removed = pl.read_parquet(run.out / "removed_lines.parquet").filter(
        (pl.col("file") == GENERIC) & (pl.col("line") == chrome_line(run.raw))
    )
    assert removed.select("text", "rule").rows() == [(MOJIBAKE_CHROME, "share_widget")]
    bodies = pl.read_parquet(run.out / "dataset" / "data" / "*.parquet")["body"].to_list()
    assert not any("Link copied" in body or MOJIBAKE_CHROME in body for body in bodies)


def test_chrome_in_a_parsed_body_is_caught_by_body_no_chrome(runs: dict[str, Run], tmp_path: Path) -> None:
    """A parser regression that lets a chrome paragraph through: the gate names the rule and the record."""
    out = tmp_path / "out"
    shutil.copytree(runs["clean"].out / "interim", out / "interim")
    for name in ("removed_lines.parquet", "duplicates.parquet"):
        shutil.copy(runs["clean"].out / name, out / name)
    articles_path = out / "interim" / "dedup" / "articles.parquet"
    articles = pl.read_parquet(articles_path)
    in_generic = pl.col("provenance").list.eval(pl.element().struct.field("file") == GENERIC).list.any()
    articles = articles.with_columns(
        body=pl.when(in_generic).then(pl.col("body") + "\n\nCopied URL").otherwise("body"),
        word_count=pl.when(in_generic).then(pl.col("word_count") + 2).otherwise("word_count"),
    )
    articles.write_parquet(articles_path)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", str(runs["clean"].raw), "--out", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )  # fmt: skip
    span = articles.filter(in_generic)["provenance"].item()[0]
    run = Run(runs["clean"].raw, out, result)
    assert_refused(run, Expected("body_no_chrome", GENERIC, span["line_start"]))


def test_premise_the_rule_table_knows_the_injected_chrome() -> None:
    assert rules.match_line("Copied URL").name == "share_widget"
    assert rules.match_line("    • Link copied").name == "share_widget"


def test_future_date_is_caught_by_published_date_in_range(runs: dict[str, Run]) -> None:
    assert_refused(runs["future_date"], Expected("published_date_in_range", PREFIXED, 1))


def test_same_summary_under_another_headline_is_caught_by_body_unique(runs: dict[str, Run]) -> None:
    # Both copies are reported: neither headline can be trusted over the other.
    assert_refused(
        runs["retitled_copy"], Expected("body_unique", LISTING, SUMMARY_LINE), Expected("body_unique", RETITLED, 4)
    )


def test_date_marker_that_is_not_a_date_is_dropped_not_guessed(runs: dict[str, Run]) -> None:
    # 'date2024-13-45' names no day: the marker is removed (and logged with its raw text), the date stays null
    # (never guessed from the neighbours), and the article itself is fine, so the gate passes and publishes it.
    run = runs["invalid_date"]
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    assert (run.out / "dataset").is_dir()
    published = pl.read_parquet(run.out / "interim" / "validate" / "articles.parquet")
    record = published.filter(
        pl.col("provenance").list.eval(
            (pl.element().struct.field("file") == LISTING)
            & pl.element().struct.field("line_end").eq(INVALID_DATE_LINE)
        ).list.any()
    )  # fmt: skip
    assert record.select("published_date", "is_truncated").rows() == [(None, False)]
    assert "2024-13-45" not in record["body"].item()
    removed = pl.read_parquet(run.out / "removed_lines.parquet").filter(
        (pl.col("file") == LISTING) & (pl.col("line") == INVALID_DATE_LINE)
    )
    assert removed.select("text", "rule").rows() == [("date2024-13-45", "date_marker")]


@pytest.mark.parametrize("name", ["future_schema_only", "future_enabled_upper"])
def test_pandera_settings_that_skip_row_checks_do_not_open_the_gate(runs: dict[str, Run], name: str) -> None:
    # PANDERA_VALIDATION_DEPTH=SCHEMA_ONLY, or PANDERA_VALIDATION_ENABLED set to anything but 'true'/'True'/'1'
    # (pandera's own test), turn every row check into a no-op. The gate must then either refuse to run or check
    # the rows anyway; publishing the chrome is the one wrong answer.
    run = runs[name]
    assert run.result.returncode == 1, f"gate did not refuse:\n{run.result.stderr[-3000:]}"
    assert not (run.out / "dataset").exists()
    problems = gate_problems(run.result.stderr)
    refused = any("PANDERA" in p for p in problems)
    assert refused or [m["rule"] if (m := PROBLEM.match(p)) else p for p in problems] == ["published_date_in_range"]
