"""The data behind `dvc plots show`: small CSV tables written with each build (declared in dvc.yaml's `plots:`).

Each table is a count over the published rows or an audit file, sorted so that the same build writes the same
bytes; `dvc plots diff` between two commits then shows what a change did to the dataset.

DVC's own page loads Vega from a CDN, so it stays blank offline. `write_offline_template` writes the page
template `.dvc/config` names instead: the same page with Vega, Vega-Lite and Vega-Embed inlined (the bundle
vl-convert ships), so the plots render with no network. `./tasks.sh` writes it when it sets up the environment.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import io

BODY_WORDS_BIN = 100  # body length histogram: words per bin
BODY_WORDS_LAST = 2000  # bodies this long and longer share the last bin
SIMILARITY_BIN = 0.05  # dedup similarity histogram: width of a bin


def _count(frame: pl.DataFrame, key: str, label: str, name: str) -> pl.DataFrame:
    return (
        frame.select(pl.col(key).fill_null("(none)").alias(label))
        .group_by(label)
        .agg(pl.len().alias(name))
        .sort([name, label], descending=[True, False])
    )


def tables(
    articles: pl.DataFrame, duplicates: pl.DataFrame, quarantine: pl.DataFrame, removed_lines: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """Plot name -> its table. articles: the published rows (no body needed); the rest are the audit files."""
    low = (pl.col("word_count").clip(0, BODY_WORDS_LAST) // BODY_WORDS_BIN) * BODY_WORDS_BIN
    body_words = (
        articles.group_by(low=low)
        .agg(articles=pl.len())
        .sort("low")
        # Labels that sort as the bins do (DVC's bar templates order them as text): 0000-0099, ..., 2000+.
        .select(
            words=pl.when(pl.col("low") >= BODY_WORDS_LAST)
            .then(pl.format("{}+", pl.col("low").cast(pl.String).str.zfill(4)))
            .otherwise(
                pl.format(
                    "{}-{}",
                    pl.col("low").cast(pl.String).str.zfill(4),
                    (pl.col("low") + BODY_WORDS_BIN - 1).cast(pl.String).str.zfill(4),
                )
            ),
            articles="articles",
        )
    )
    month = pl.col("published_date").dt.strftime("%Y-%m")
    similarity = (
        duplicates.filter(pl.col("kind") != "exact")
        .select("kind", similarity=(pl.col("similarity") / SIMILARITY_BIN).floor() * SIMILARITY_BIN)
        .group_by("similarity", "kind")
        .agg(records=pl.len())
        .sort("similarity", "kind")
    )
    return {
        "articles_per_source": _count(articles, "source", "source", "articles"),
        "articles_per_month": articles.filter(pl.col("published_date").is_not_null())
        .group_by(month=month)
        .agg(articles=pl.len())
        .sort("month"),
        "body_words": body_words,
        "removed_lines_per_rule": _count(removed_lines, "rule", "rule", "lines"),
        "duplicates_per_kind": _count(duplicates, "kind", "kind", "records"),
        "quarantine_per_rule": _count(quarantine, "rule", "rule", "rows"),
        "dedup_similarity": similarity.with_columns(pl.col("similarity").round(2)),
    }


def write(plot_tables: dict[str, pl.DataFrame], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.csv"):
        if stale.stem not in plot_tables:
            stale.unlink()
    for name, table in plot_tables.items():
        io.write_csv(table, directory / f"{name}.csv")


OFFLINE_PAGE = """<!DOCTYPE html>
<html>
<head>
    {refresh_tag}
    <meta charset="utf-8">
    <title>news-pipeline plots</title>
    <script>%s</script>
    <style>
        table { border-spacing: 15px; }
    </style>
</head>
<body>
    {plot_divs}
</body>
</html>
"""


def write_offline_template(path: Path) -> None:
    """DVC's plot page with the Vega libraries inlined (no `{scripts}` placeholder: no CDN tags)."""
    import vl_convert

    bundle = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(OFFLINE_PAGE % bundle.replace("</script", "<\\/script"), encoding="utf-8")


if __name__ == "__main__":
    import sys

    write_offline_template(Path(sys.argv[1]))
