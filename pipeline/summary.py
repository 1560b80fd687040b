"""A finished build in a few numbers: the headline metrics DVC tracks and the summary a person reads.

`headline` is flat and numeric, so `dvc metrics show`, `dvc metrics diff` and `dvc exp show` stay readable in a
terminal; the per-stage files (data/metrics/<stage>.json) keep the detail, and the plots (pipeline/plots.py)
show the distributions. `render` is the closing table printed after `run` and after the package stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from rich.console import Console

from pipeline.io import read_json
from pipeline.outputs import Outputs

STAGES = ("scan", "parse", "clean", "dedup", "validate", "package")
TOP_RULES = 5  # removed-line and quarantine rules named in the summary; the rest are counted together


def stage_metrics(out: Outputs) -> dict[str, dict[str, Any]]:
    """The per-stage metrics files that exist, in stage order."""
    paths = {stage: out.stage_metrics(stage) for stage in STAGES}
    return {stage: read_json(path) for stage, path in paths.items() if path.is_file()}


def _total(counts: Mapping[str, int] | None) -> int:
    return sum((counts or {}).values())


def headline(stages: Mapping[str, Mapping[str, Any]], quarantined: int) -> dict[str, int]:
    """The build's headline numbers (keys short: each is a column of `dvc metrics show`), from the stages whose
    metrics are there (a build assembled from several parse outputs, as `evaluate` does, has no parse file)."""
    numbers = {
        "files": ("parse", lambda m: m["rows_in"]),
        "records": ("parse", lambda m: m["records"]),
        "published": ("package", lambda m: m["rows_out"]),
        "duplicates": ("dedup", lambda m: _total(m["dropped"])),
        "removed_lines": ("clean", lambda m: _total(m["removed_lines_by_rule"])),
        "truncated": ("clean", lambda m: m["truncated"]),
    }
    found = {key: value(stages[stage]) for key, (stage, value) in numbers.items() if stage in stages}
    return dict(sorted({**found, "quarantined": quarantined}.items()))


def quarantined_by_rule(out: Outputs) -> dict[str, int]:
    if not out.quarantine.is_file():
        return {}
    rules = pl.read_parquet(out.quarantine, columns=["rule"]).group_by("rule").len()
    return dict(sorted(rules.iter_rows(), key=lambda row: (-row[1], row[0])))


def _top(counts: Mapping[str, int]) -> str:
    if not counts:
        return "none"
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{rule} {n:,}" for rule, n in ranked[:TOP_RULES])
    rest = ranked[TOP_RULES:]
    if rest:
        shown += f", {len(rest)} more rules {sum(n for _, n in rest):,}"
    return f"{_total(counts):,} ({shown})"


def summary_rows(out: Outputs, seconds: Mapping[str, float], wall: float) -> list[tuple[str, str]]:
    """The closing summary as (label, value) rows: what was published, dropped and removed, where, how long (the
    command's wall time, start-up included, then each stage's)."""
    stages = stage_metrics(out)
    rows = []
    if "package" in stages:
        rows.append(("published rows", f"{stages['package']['rows_out']:,}"))
    if "dedup" in stages:
        rows.append(("duplicates", _top(stages["dedup"]["dropped"])))
    rows.append(("quarantined", _top(quarantined_by_rule(out))))
    if "clean" in stages:
        rows.append(("removed lines", _top(stages["clean"]["removed_lines_by_rule"])))
        rows.append(("truncated records", f"{stages['clean']['truncated']:,}"))
    if out.dataset.is_dir():
        rows.append(("dataset", str(out.dataset)))
        rows.append(("load with", f'datasets.load_dataset("{out.dataset}", split="train")'))
    rows.append(("audit", f"{out.removed_lines} (removed lines), {out.quarantine} (quarantine)"))
    if out.explorer.is_dir():
        rows.append(("explorer", f"{out.explorer / 'index.html'} (every raw line's fate; or: python -m pipeline "
                                 f"explain FILE:LINE --out {out.root})"))  # fmt: skip
    if seconds:
        times = ", ".join(f"{stage} {s:.1f} s" for stage, s in seconds.items())
        rows.append(("time", f"{wall:.1f} s ({times})"))
    return rows


def render(out: Outputs, seconds: Mapping[str, float], console: Console, wall: float) -> None:
    console.print(f"build summary: {out.root}", style="bold")
    for label, value in summary_rows(out, seconds, wall):
        console.print(f"  {label:<18} {value}", soft_wrap=True)
