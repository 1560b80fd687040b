"""The tables behind `dvc plots show`, and the offline page template that renders them without a network."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipeline import plots


def test_tables_count_what_they_say() -> None:
    articles = pl.DataFrame(
        {
            "word_count": [5, 150, 2500, 99, 100],
            "source": ["Wire", None, "Wire", "Daily", "Wire"],
            "published_date": [dt.date(2024, 4, 2), None, dt.date(2024, 4, 30), dt.date(2023, 12, 1), None],
        },
        schema_overrides={"word_count": pl.Int32},
    )
    duplicates = pl.DataFrame({"kind": ["exact", "near", "truncated", "near"], "similarity": [1.0, 0.83, 0.97, 0.81]})
    quarantine = pl.DataFrame({"rule": ["body_too_short", "unreadable", "body_too_short"]})
    removed = pl.DataFrame({"rule": ["share_widget", "separator", "share_widget"]})

    tables = {name: table.rows() for name, table in plots.tables(articles, duplicates, quarantine, removed).items()}

    assert tables["articles_per_source"] == [("Wire", 3), ("(none)", 1), ("Daily", 1)]
    assert tables["articles_per_month"] == [("2023-12", 1), ("2024-04", 2)]
    assert tables["body_words"] == [("0000-0099", 2), ("0100-0199", 2), ("2000+", 1)]  # sorts as the bins do
    assert tables["removed_lines_per_rule"] == [("share_widget", 2), ("separator", 1)]
    assert tables["duplicates_per_kind"] == [("near", 2), ("exact", 1), ("truncated", 1)]
    assert tables["quarantine_per_rule"] == [("body_too_short", 2), ("unreadable", 1)]
    assert tables["dedup_similarity"] == [(0.8, "near", 2), (0.95, "truncated", 1)]  # exact copies are not plotted


def test_write_replaces_stale_tables(tmp_path: Path) -> None:
    (tmp_path / "gone.csv").write_text("a,b\n", encoding="utf-8")
    plots.write({"kept": pl.DataFrame({"rule": ["x"], "lines": [3]})}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.csv"]
    assert (tmp_path / "kept.csv").read_text(encoding="utf-8") == "rule,lines\nx,3\n"


def test_offline_template_inlines_vega_and_keeps_dvcs_placeholder(tmp_path: Path) -> None:
    template = tmp_path / "offline.html"
    plots.write_offline_template(template)
    page = template.read_text(encoding="utf-8")
    assert "{plot_divs}" in page and "{scripts}" not in page  # no CDN script tags from DVC
    assert "window.vegaEmbed" in page and "cdn.jsdelivr" not in page
