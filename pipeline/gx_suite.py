"""Published rows -> dataset-level Great Expectations checkpoint -> JSON summary + offline Data Docs.

Great Expectations is imported inside functions only: the import alone costs about 4 s.
It has no polars support, so the suite runs on a pandas copy of the few columns it reads.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite, ExpectationSuiteValidationResult
    from great_expectations.expectations import Expectation

ASSETS_DIR = Path(__file__).parent / "assets" / "datadocs"
SITE_NAME = "pipeline_docs"  # an ephemeral context already defines "local_site", in a random tmp dir
SUITE_NAME = "news_articles"
RUN_NAME = "validate"
# A fixed run time gives the same page paths and contents on every run over the same rows.
RUN_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
VENDOR = "vendor"  # <docs_dir>/static/vendor/ receives a copy of ASSETS_DIR

NULL_SHARE_KEYS = {
    "title": "title_null_share_max",
    "published_date": "date_null_share_max",
    "byline": "byline_null_share_max",
}
EXPECTATION_KEYS = frozenset(
    {
        *NULL_SHARE_KEYS.values(),
        "row_count",
        "body_words_quantiles",
        "title_words_quantiles",
        "published_date_min",
        "english_share_min",
        "duplicate_share_max",
        "quarantine_share_max",
    }
)

# CDN URLs of the GX 1.24.1 page templates -> vendored files (relative to ASSETS_DIR) that replace them.
# Empty: not needed offline (vega only draws charts, which no expectation here renders; bootstrap-dark is dark mode).
_BOOTSTRAP_TABLE = "https://unpkg.com/bootstrap-table"
_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"
_CDN_ASSETS: dict[str, tuple[str, ...]] = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": ("bootstrap/bootstrap.min.css",),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": ("bootstrap/bootstrap.bundle.min.js",),
    f"{_CDNJS}/popper.js/1.12.9/umd/popper.min.js": (),  # bootstrap.bundle.min.js includes popper
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery/jquery.min.js",),
    f"{_BOOTSTRAP_TABLE}@1.19.1/dist/bootstrap-table.min.css": ("bootstrap-table/bootstrap-table.min.css",),
    f"{_BOOTSTRAP_TABLE}@1.19.1/dist/bootstrap-table.min.js": ("bootstrap-table/bootstrap-table.min.js",),
    f"{_BOOTSTRAP_TABLE}@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    ),
    f"{_BOOTSTRAP_TABLE}@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table/bootstrap-table-filter-control.min.css",
    ),
    f"{_BOOTSTRAP_TABLE}@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table/bootstrap-table-filter-control.min.js",
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
    ),
    f"{_CDNJS}/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
    ),
    f"{_CDNJS}/font-awesome/6.6.0/css/all.min.css": (
        "fontawesome/css/fontawesome.min.css",
        "fontawesome/css/solid.min.css",
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (),
    "https://cdn.jsdelivr.net/npm/vega@5": (),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": (),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": (),
}
_CDN_TAG = re.compile(
    r'<script src="(https://[^"]+)"[^>]*></script>|<link rel="stylesheet"[^>]*href="(https://[^"]+)"[^>]*>'
)
# The navbar logo comes from S3, with a ?d=<now> cache buster; GX ships the same logo in static/images.
_GX_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"')]*")
# Relative links to static/; GX 1.24.1 puts the favicon of validation pages one folder too high.
_STATIC_REF = re.compile(r'(?<=")(?:\./|(?:\.\./)+)static/')
_UUID = re.compile(r"[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
_LOAD_TIME = re.compile(r"(ge_load_time</span>.*?>)\d{8}T\d{6}\.\d{6}Z", re.DOTALL)


def run_expectations(
    articles: pl.DataFrame, *, n_duplicates: int, n_quarantined: int, expectations: dict, docs_dir: Path
) -> dict:
    """Rows about to be published + counts of dropped ones -> JSON summary; Data Docs written to docs_dir.

    expectations is params.yaml `validate.expectations`; every key of EXPECTATION_KEYS is required.
    """
    _check_keys(expectations)
    gx = _import_gx()
    suite, result = _run_checkpoint(
        gx, _expectations(expectations), _frame(articles, n_duplicates, n_quarantined), Path(docs_dir)
    )
    _make_offline(Path(docs_dir))
    by_id = {r.expectation_config.id: r.to_json_dict() for r in result.results}
    return {
        "success": bool(result.success),
        "evaluated": result.statistics["evaluated_expectations"],
        "successful": result.statistics["successful_expectations"],
        "results": [_result_entry(by_id[e.id]) for e in suite.expectations],
        "docs_index": "index.html",
    }


def format_summary(summary: dict) -> str:
    """Summary of run_expectations -> console table, one line per expectation."""
    rows = [
        ("PASS" if r["success"] else "FAIL", r["expectation"], r["column"] or "-", _brief(r["observed"]))
        for r in summary["results"]
    ]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    lines = [f"Great Expectations: {summary['successful']}/{summary['evaluated']} expectations met"]
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, [*widths, 0], strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _check_keys(expectations: dict) -> None:
    missing, unknown = EXPECTATION_KEYS - set(expectations), set(expectations) - EXPECTATION_KEYS
    if missing or unknown:
        raise ValueError(
            f"validate.expectations: missing {sorted(missing)}, unknown {sorted(unknown)}; "
            f"expected exactly {sorted(EXPECTATION_KEYS)}"
        )


def _import_gx() -> ModuleType:
    # GX 1.24.1 has no analytics code left; earlier 1.x releases posted usage data unless this was set.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


def _share(part: int, published: int) -> float:
    """Dropped rows as a share of all rows that reached the stage (published + dropped)."""
    return part / (part + published) if part + published else 0.0


def _frame(articles: pl.DataFrame, n_duplicates: int, n_quarantined: int) -> pd.DataFrame:
    """Only the columns the suite reads (bodies and provenance lists would just cost memory), plus derived ones.

    The two shares are corpus-level numbers: repeated on every row, they can be checked with a column maximum
    in the same batch as the rows.
    """
    return articles.select(
        "id",
        "title",
        "published_date",
        "byline",
        "language",
        "word_count",
        title_word_count=pl.col("title").str.count_matches(r"\S+"),
        # 1 when dated after tomorrow (UTC): 'not in the future' as a column max, so that the suite's parameters,
        # and the dataset card that shows them, do not change with the day the build runs.
        future_date=(pl.col("published_date") > _latest_date()).fill_null(False).cast(pl.Int8),
        duplicate_share=pl.lit(_share(n_duplicates, articles.height)),
        quarantine_share=pl.lit(_share(n_quarantined, articles.height)),
    ).to_pandas()


@functools.cache
def _quantiles_expectation() -> type[Expectation]:
    """ExpectColumnQuantileValuesToBeBetween whose success is a Python bool (built once: GX registers each class).

    GX 1.24.1 returns np.all(...), a numpy.bool under numpy 2, and the checkpoint's result store then fails
    with "Object of type bool is not JSON serializable".
    """
    import great_expectations.expectations as gxe

    class ExpectColumnQuantilesToBeBetween(gxe.ExpectColumnQuantileValuesToBeBetween):
        def _validate(
            self, metrics: dict, runtime_configuration: dict | None = None, execution_engine: Any = None
        ) -> dict:
            outcome = super()._validate(metrics, runtime_configuration, execution_engine)
            return {**outcome, "success": bool(outcome["success"])}

    return ExpectColumnQuantilesToBeBetween


def _quantile_ranges(spec: list[list[float]]) -> dict:
    """params [[quantile, min, max], ...] -> GX quantile_ranges."""
    return {"quantiles": [q for q, _, _ in spec], "value_ranges": [[lo, hi] for _, lo, hi in spec]}


def _latest_date() -> dt.date:
    """The latest acceptable publication date: a date written in a time zone ahead of UTC can be tomorrow's."""
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


def _expectations(params: dict) -> list[Expectation]:
    import great_expectations.expectations as gxe

    quantiles = _quantiles_expectation()
    min_rows, max_rows = params["row_count"]
    return [
        gxe.ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=max_rows),
        gxe.ExpectColumnValuesToBeUnique(column="id"),
        *(
            gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=round(1 - params[key], 9))
            for column, key in NULL_SHARE_KEYS.items()
        ),
        quantiles(column="word_count", quantile_ranges=_quantile_ranges(params["body_words_quantiles"])),
        quantiles(column="title_word_count", quantile_ranges=_quantile_ranges(params["title_words_quantiles"])),
        # pandas holds polars dates as datetime64; GX cannot compare those with date strings.
        gxe.ExpectColumnValuesToBeBetween(
            column="published_date", min_value=dt.datetime.fromisoformat(params["published_date_min"])
        ),
        gxe.ExpectColumnMaxToBeBetween(column="future_date", max_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="language", value_set=["en"], mostly=params["english_share_min"]),
        gxe.ExpectColumnMaxToBeBetween(column="duplicate_share", max_value=params["duplicate_share_max"]),
        gxe.ExpectColumnMaxToBeBetween(column="quarantine_share", max_value=params["quarantine_share_max"]),
    ]


def _run_checkpoint(
    gx: ModuleType, expectations: list[Expectation], frame: pd.DataFrame, docs_dir: Path
) -> tuple[ExpectationSuite, ExpectationSuiteValidationResult]:
    """Ephemeral context with one docs site at docs_dir -> (stored suite, its validation result)."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no tqdm "Calculating Metrics" in logs
    context.add_data_docs_site(
        site_name=SITE_NAME,
        site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    batch = (
        context.data_sources.add_pandas(name="news")
        .add_dataframe_asset(name="articles")
        .add_batch_definition_whole_dataframe("all_rows")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME, expectations=expectations))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=SUITE_NAME, data=batch, suite=suite))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=SUITE_NAME,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[SITE_NAME])],
            result_format={"result_format": "SUMMARY"},  # COMPLETE would list every failing row in the docs
        )
    )
    run = checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=RUN_NAME, run_time=RUN_TIME)
    )
    return suite, next(iter(run.run_results.values()))


def _result_entry(evr: dict) -> dict:
    """One GX expectation validation result (as JSON) -> one summary entry."""
    config = evr["expectation_config"]
    return {
        "expectation": config["type"],
        "column": config["kwargs"].get("column"),
        "success": evr["success"],
        "observed": _observed(evr),
        "kwargs": {k: v for k, v in config["kwargs"].items() if k != "batch_id"},  # batch_id is GX's own name
    }


def _observed(evr: dict) -> Any:
    result, error = evr["result"], _exception_message(evr["exception_info"])
    if error:
        return {"error": error}
    if "observed_value" in result:
        return result["observed_value"]
    # A per-row expectation has no single value: report how many rows broke it, and a few distinct values they
    # hold (a null check has only nulls to show).
    share = result["unexpected_percent"]
    is_null_check = evr["expectation_config"]["type"] == "expect_column_values_to_not_be_null"
    return {
        "unexpected_count": result["unexpected_count"],
        "unexpected_share": None if share is None else round(share / 100, 4),
        "examples": [] if is_null_check else list(dict.fromkeys(result["partial_unexpected_list"]))[:3],
    }


def _exception_message(info: dict) -> str | None:
    # Either one {raised_exception, exception_message, ...} dict, or one such dict per metric that failed.
    infos = [info] if "raised_exception" in info else list(info.values())
    return "; ".join(i["exception_message"] for i in infos if i.get("exception_message")) or None


def _brief(observed: Any) -> str:
    if isinstance(observed, dict) and "unexpected_count" in observed:
        share = observed["unexpected_share"]
        text = f"{observed['unexpected_count']} unexpected" + ("" if share is None else f" ({share:.1%})")
        return text + (f" e.g. {observed['examples']}" if observed["examples"] else "")
    if isinstance(observed, float):
        return f"{observed:.4g}"
    text = json.dumps(observed, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _make_offline(docs_dir: Path) -> None:
    """Point the pages at vendored copies of their CDN assets, and drop the static files no page uses."""
    static = docs_dir / "static"
    shutil.copytree(ASSETS_DIR, static / VENDOR, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    pages = sorted(docs_dir.rglob("*.html"))
    for page in pages:
        prefix = Path(os.path.relpath(static, page.parent)).as_posix()
        page.write_text(_offline_html(page.read_text(encoding="utf-8"), prefix), encoding="utf-8")
    _prune_static(static, "\n".join(page.read_text(encoding="utf-8") for page in pages))


def _offline_html(html: str, static: str) -> str:
    """One Data Docs page -> the same page loading its assets from `static` (a relative URL)."""

    def local_tags(match: re.Match[str]) -> str:
        url = match[1] or match[2]
        if url not in _CDN_ASSETS:
            return match[0]
        return "".join(
            f'<script src="{static}/{VENDOR}/{name}"></script>'
            if name.endswith(".js")
            else f'<link rel="stylesheet" href="{static}/{VENDOR}/{name}">'
            for name in _CDN_ASSETS[url]
        )

    html = _GX_LOGO.sub(f"{static}/images/logo-long.png", _CDN_TAG.sub(local_tags, html))
    html = _STATIC_REF.sub(f"{static}/", html)
    # The batch marker ge_load_time is the wall clock at load; show the fixed run time instead, like the run id.
    html = _LOAD_TIME.sub(rf"\g<1>{RUN_TIME:%Y%m%dT%H%M%S.%fZ}", html)
    # Each collapsible block gets a uuid4 id; numbering them in order of appearance keeps reruns byte-identical.
    ids: dict[str, str] = {}
    return _UUID.sub(lambda m: ids.setdefault(m[0], str(len(ids))), html)


def _prune_static(static: Path, pages: str) -> None:
    # The site builder copies all of GX's static files (3.4 MB of tutorial GIFs, ten font files); few are used.
    for path in sorted(static.rglob("*"), reverse=True):  # children before their folder
        if path.relative_to(static).parts[0] == VENDOR:
            continue
        if path.is_file() and path.name not in pages:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
