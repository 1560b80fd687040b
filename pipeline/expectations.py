"""The gate as Great Expectations suites: one verdict, shown whole in the Data Docs.

Three assets, one suite each, all blocking:
- ``candidate_rows``: every row that reached validate, with one computed column per pandera row check holding
  the id of each row the check fails (null where it passes). Rows a check fails are quarantined, so a check
  fails the gate only when it alone quarantines more than ``validate.max_quarantine_share`` of the rows (or, for
  the checks that make a dataset wrong as a whole, when it fails a single row).
- ``published_articles``: the rows about to be published: row count and data-quality limits.
- ``gate_measures``: one row of corpus-level measures (quarantined share, raw lines unaccounted for, raw-folder
  changes during the run, schema errors, duplicate share).
Every limit comes from params.yaml and every expectation names its key in ``meta``; computed columns are
explained in ``notes``. The gate passes exactly when every expectation passes, so the Data Docs can never show
"Succeeded" for a failed gate.

Great Expectations is imported inside functions only: the import alone costs over a second (DEFERRED_IMPORTS).
It has no polars support, so each suite runs on a pandas copy of the few columns it reads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import polars as pl

from pipeline.engine import import_in_background

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

ASSETS_DIR = Path(__file__).parent / "assets" / "datadocs"
SITE_NAME = "pipeline_docs"  # an ephemeral context already defines "local_site", in a random tmp dir
DATASOURCE = "news_pipeline"
RUN_NAME = "validate"
VENDOR = "vendor"  # <docs_dir>/static/vendor/ receives a copy of ASSETS_DIR
CANDIDATES, PUBLISHED, GATE = "candidate_rows", "published_articles", "gate_measures"
ASSETS = (CANDIDATES, PUBLISHED, GATE)


@dataclasses.dataclass(frozen=True)
class Check:
    """One expectation of the gate: the asset it reads, the rule it enforces and the setting that governs it."""

    asset: str
    rule: str
    expectation: Expectation
    params_key: str | None  # None: not a setting (e.g. ids must be unique, whatever the corpus)


@dataclasses.dataclass(frozen=True)
class RowCheck:
    """A pandera row check as the gate sees it (validate builds the checks; this module only reports them)."""

    name: str
    description: str
    blocking: bool  # True: a single failing row makes the dataset wrong as a whole


# Before any import of Great Expectations (this module is imported first wherever it is preloaded). GX 1.24.1 has
# no analytics code left; earlier 1.x releases posted usage data unless this was set.
os.environ["GX_ANALYTICS_ENABLED"] = "false"

# Modules Great Expectations imports at its own import for expectations the gate never runs (the KL divergence
# expectation's scipy.stats and altair: 0.65 s of its 1.8 s import, which a rebuild's validate waits for). They are
# loaded when first used instead (importlib.util.LazyLoader; importing one again counts as a use): the gate's results
# are the same either way.
DEFERRED_IMPORTS = frozenset({"scipy.stats", "altair"})


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Finds DEFERRED_IMPORTS as the other finders do, with a loader that runs the module on first attribute use."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name not in DEFERRED_IMPORTS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


if not any(isinstance(finder, _DeferredImports) for finder in sys.meta_path):
    sys.meta_path.insert(0, _DeferredImports())


def _gxe() -> ModuleType:
    import great_expectations.expectations as gxe

    return gxe


@dataclasses.dataclass(frozen=True)
class Gate:
    """Everything the gate is judged on, as plain values and frames: it can be judged in another process."""

    row_checks: tuple[RowCheck, ...]
    max_quarantine_share: float
    min_published_rows: int
    quality: Mapping[str, Any]  # validate.quality of params.yaml
    frames: Mapping[str, pl.DataFrame]  # each asset's rows
    docs_dir: Path
    run_time: dt.datetime


# The Great Expectations context of each `judge` in this process whose Data Docs are not written yet, by docs folder:
# it holds the results and cannot leave the process, so `write_docs` runs where `judge` ran, after the verdict has
# gone back (validate hands it to the command's side process, and goes on while the docs are rendered).
_UNWRITTEN_DOCS: dict[Path, Any] = {}


def judge(gate: Gate) -> list[dict[str, Any]]:
    """The gate's checks run as suites: one summary entry per check. The Data Docs are written by `write_docs`
    (gate.docs_dir), in this same process."""
    checks = (
        row_checks(gate.row_checks, gate.max_quarantine_share)
        + quality_checks(gate.min_published_rows, gate.quality)
        + gate_checks(gate.max_quarantine_share, gate.quality)
    )
    summary, context = run_suites(checks, gate.frames, gate.docs_dir, gate.run_time)
    _UNWRITTEN_DOCS[Path(gate.docs_dir)] = context
    return summary


def write_docs(docs_dir: Path) -> None:
    """Write the Data Docs of the last `judge` of this process into docs_dir."""
    render_docs(_UNWRITTEN_DOCS.pop(Path(docs_dir)), Path(docs_dir))


@functools.cache
def preload() -> None:
    """Import Great Expectations in the background (over a second of pure Python): started once per process."""
    import_in_background(["great_expectations.expectations"])


def _meta(params_key: str | None, **extra: Any) -> dict[str, Any]:
    return {"params_key": params_key or "none (fixed rule)", **extra}


def _notes(text: str, params_key: str | None) -> str:
    """The notes the Data Docs show under an expectation: what it checks, and where its limit is set."""
    where = f"The limit is `{params_key}` in params.yaml." if params_key else "A fixed rule: no setting moves it."
    return f"{text} {where}"


def row_check_column(name: str) -> str:
    return f"fails_{name}"


def row_checks(checks: Sequence[RowCheck], max_quarantine_share: float) -> list[Check]:
    gxe = _gxe()
    out = []
    for check in checks:
        column = row_check_column(check.name)
        if check.blocking:
            mostly, key = 1.0, None
            rule = f"{check.description}. A single failing row makes the dataset wrong as a whole: the gate fails."
        else:
            mostly, key = round(1 - max_quarantine_share, 9), "validate.max_quarantine_share"
            rule = (
                f"{check.description}. Failing rows are quarantined with rule '{check.name}' and the rest is "
                f"published; the gate fails only if this check alone fails more than {max_quarantine_share:.0%} "
                "of the rows."
            )
        notes = f"Computed column `{column}`: the id of each row the pandera check `{check.name}` fails, null " + (
            f"where it passes. {rule}"
        )
        expectation = gxe.ExpectColumnValuesToBeNull(
            column=column, mostly=mostly, notes=_notes(notes, key), meta=_meta(key, row_check=check.name)
        )
        out.append(Check(CANDIDATES, check.name, expectation, key))
    return out


def quality_checks(min_published_rows: int, quality: Mapping[str, Any]) -> list[Check]:
    """Data-quality limits on the published rows (composition, such as how many rows carry a byline, is not one)."""
    gxe = _gxe()
    quantiles = _quantiles_expectation()
    body_lo, body_hi = quality["body_words_median"]
    title_lo, title_hi = quality["title_words_median"]
    title_max_null = quality["title_null_share_max"]
    return [
        Check(
            PUBLISHED,
            "published_rows",
            gxe.ExpectTableRowCountToBeBetween(
                min_value=min_published_rows,
                notes=_notes("Fewer rows means the build lost the corpus.", "validate.min_published_rows"),
                meta=_meta("validate.min_published_rows"),
            ),
            "validate.min_published_rows",
        ),
        Check(
            PUBLISHED,
            "title_null_share",
            gxe.ExpectColumnValuesToNotBeNull(
                column="title",
                mostly=round(1 - title_max_null, 9),
                notes=_notes(
                    "Most news records have a headline: when most have none, headline extraction broke.",
                    "validate.quality.title_null_share_max",
                ),
                meta=_meta("validate.quality.title_null_share_max"),
            ),
            "validate.quality.title_null_share_max",
        ),
        Check(
            PUBLISHED,
            "body_words_median",
            quantiles(
                column="word_count",
                quantile_ranges={"quantiles": [0.5], "value_ranges": [[body_lo, body_hi]]},
                notes=_notes(
                    "The median body length in words: far below the range, bodies were cut; far above, pages were "
                    "merged.",
                    "validate.quality.body_words_median",
                ),
                meta=_meta("validate.quality.body_words_median"),
            ),
            "validate.quality.body_words_median",
        ),
        Check(
            PUBLISHED,
            "title_words_median",
            quantiles(
                column="title_word_count",
                quantile_ranges={"quantiles": [0.5], "value_ranges": [[title_lo, title_hi]]},
                notes=_notes(
                    "Computed column `title_word_count`: words in the title. A median outside the range means "
                    "titles are labels or paragraphs, not headlines.",
                    "validate.quality.title_words_median",
                ),
                meta=_meta("validate.quality.title_words_median"),
            ),
            "validate.quality.title_words_median",
        ),
    ]


# Gate measures: (column, params key or None for 'must be 0', explanation).
GATE_MEASURES = (
    ("quarantined_share", "validate.max_quarantine_share",
     "Records quarantined by clean and validate / (published + those quarantined)."),
    ("duplicate_share", "validate.quality.duplicate_share_max",
     "Records dropped as duplicates / (published + duplicates): far above, dedup is merging distinct articles."),
    ("raw_lines_unaccounted", None,
     "Non-blank raw lines in no record, not in removed_lines.parquet and not quarantined (the nothing-lost ledger)."),
    ("raw_paths_unaccounted", None, "Paths of the raw folder that were neither parsed nor quarantined."),
    ("raw_folder_changes", None,
     "Paths added, removed or changed in the raw folder since the scan: the build did not read what is there."),
    ("schema_errors", None, "Columns missing, extra or of the wrong type in the rows reaching validate."),
)  # fmt: skip


def gate_checks(max_quarantine_share: float, quality: Mapping[str, Any]) -> list[Check]:
    gxe = _gxe()
    limits = {
        "validate.max_quarantine_share": max_quarantine_share,
        "validate.quality.duplicate_share_max": quality["duplicate_share_max"],
    }
    out = []
    for column, key, explanation in GATE_MEASURES:
        limit = limits[key] if key else 0
        expectation = gxe.ExpectColumnMaxToBeBetween(
            column=column,
            max_value=limit,
            notes=_notes(f"Computed measure (one row): {explanation}", key),
            meta=_meta(key),
        )
        out.append(Check(GATE, column, expectation, key))
    return out


@functools.cache
def _quantiles_expectation() -> type[Expectation]:
    """ExpectColumnQuantileValuesToBeBetween whose success is a Python bool (built once: GX registers each class).

    GX 1.24.1 returns np.all(...), a numpy.bool under numpy 2, and the checkpoint's result store then fails
    with "Object of type bool is not JSON serializable".
    """
    gxe = _gxe()

    class ExpectColumnQuantilesToBeBetween(gxe.ExpectColumnQuantileValuesToBeBetween):
        def _validate(
            self, metrics: dict, runtime_configuration: dict | None = None, execution_engine: Any = None
        ) -> dict:
            outcome = super()._validate(metrics, runtime_configuration, execution_engine)
            return {**outcome, "success": bool(outcome["success"])}

    return ExpectColumnQuantilesToBeBetween


def run_suites(
    checks: Sequence[Check], frames: Mapping[str, pl.DataFrame], docs_dir: Path, run_time: dt.datetime
) -> tuple[list[dict[str, Any]], Any]:
    """Validate each asset's frame against its checks: (one summary entry per check, the context holding the
    results, for `render_docs`). The Data Docs folder is emptied: it will show this run only, at its real time."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    docs_dir = Path(docs_dir)
    shutil.rmtree(docs_dir, ignore_errors=True)
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
    source = context.data_sources.add_pandas(name=DATASOURCE)
    run_id = RunIdentifier(run_name=RUN_NAME, run_time=run_time)
    summary: list[dict[str, Any]] = []
    for asset in ASSETS:
        mine = [c for c in checks if c.asset == asset]
        batch = source.add_dataframe_asset(name=asset).add_batch_definition_whole_dataframe("all_rows")
        suite = context.suites.add(gx.ExpectationSuite(name=asset, expectations=[c.expectation for c in mine]))
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=asset, data=batch, suite=suite))
        result = definition.run(
            batch_parameters={"dataframe": frames[asset].to_pandas()},
            run_id=run_id,
            result_format={"result_format": "SUMMARY"},  # COMPLETE would list every failing row in the docs
        )
        _name_asset(context, result, asset)
        by_id = {r.expectation_config.id: r.to_json_dict() for r in result.results}
        summary += [
            _entry(check, by_id[expectation.id]) for check, expectation in zip(mine, suite.expectations, strict=True)
        ]
    return summary, context


def render_docs(context: Any, docs_dir: Path) -> None:
    """The Data Docs of the results `run_suites` left in context, into docs_dir, readable offline."""
    context.build_data_docs(site_names=[SITE_NAME])
    _make_offline(docs_dir)


def _name_asset(context: Any, result: Any, asset: str) -> None:
    """Store the result again with its data asset's name: the Data Docs header reads it from the batch spec, where
    a dataframe asset's batch leaves it out ("Data asset: None")."""
    result.meta.setdefault("batch_spec", {})["data_asset_name"] = asset
    store = context.validation_results_store
    for key in store.list_keys():
        if key.expectation_suite_identifier.name == asset:
            store.set(key, result)


def _entry(check: Check, evr: dict) -> dict[str, Any]:
    config = evr["expectation_config"]
    kwargs = {k: v for k, v in config["kwargs"].items() if k != "batch_id"}  # batch_id is GX's own name
    limit = {k: v for k, v in kwargs.items() if k in ("min_value", "max_value", "mostly", "quantile_ranges")}
    if config["type"] in ("expect_column_values_to_be_null", "expect_column_values_to_not_be_null"):
        limit.setdefault("mostly", 1.0)  # GX leaves the default (every row) out of the kwargs
    return {
        "asset": check.asset,
        "rule": check.rule,
        "expectation": config["type"],
        "success": bool(evr["success"]),
        "observed": _observed(evr),
        "limit": limit,
        "params_key": check.params_key,
    }


def _observed(evr: dict) -> Any:
    result, error = evr["result"], _exception_message(evr["exception_info"])
    if error:
        return {"error": error}
    if "observed_value" in result:
        return result["observed_value"]
    # A per-row expectation has no single value: report how many rows broke it, and a few of their values.
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


def describe_observed(observed: Any) -> str:
    """An observed value in words, for the console and the dataset card."""
    if isinstance(observed, dict) and "unexpected_count" in observed:
        share = observed["unexpected_share"]
        return f"{observed['unexpected_count']} rows" + ("" if share is None else f" ({share:.1%})")
    if isinstance(observed, dict) and "quantiles" in observed:
        values = zip(observed["quantiles"], observed["values"], strict=True)
        return ", ".join(f"q{q:g} = " + ("none (no rows)" if v is None else f"{v:g}") for q, v in values)
    if isinstance(observed, dict) and "error" in observed:
        return f"error: {observed['error']}"
    if isinstance(observed, float):
        return f"{observed:.4g}"
    return json.dumps(observed, ensure_ascii=False)


def describe_limit(limit: Mapping[str, Any]) -> str:
    """A limit in words: 'at most 0.25', 'at least 1', 'at least 75% of rows', 'q0.5 in [20, 5000]'."""
    parts = []
    if "quantile_ranges" in limit:
        ranges = limit["quantile_ranges"]
        parts += [
            f"q{q:g} in [{lo:g}, {hi:g}]"
            for q, (lo, hi) in zip(ranges["quantiles"], ranges["value_ranges"], strict=True)
        ]
    if limit.get("mostly") is not None and limit["mostly"] < 1:
        parts.append(f"on at least {limit['mostly']:.0%} of rows")
    elif "mostly" in limit:
        parts.append("on every row")
    if limit.get("min_value") is not None:
        parts.append(f"at least {limit['min_value']:g}")
    if limit.get("max_value") is not None:
        parts.append(f"at most {limit['max_value']:g}")
    return ", ".join(parts) or "-"


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
    return _STATIC_REF.sub(f"{static}/", html)


def _prune_static(static: Path, pages: str) -> None:
    # The site builder copies all of GX's static files (3.4 MB of tutorial GIFs, ten font files); few are used.
    for path in sorted(static.rglob("*"), reverse=True):  # children before their folder
        if path.relative_to(static).parts[0] == VENDOR:
            continue
        if path.is_file() and path.name not in pages:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
