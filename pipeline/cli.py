"""Thin command line: one subcommand per stage, plus ``run`` (all stages, no DVC), ``release`` and ``publish``.

Every path is an argument; tunables come from params.yaml via pipeline.config. Exit codes: 0 ok, 1 the
validation gate or a release rule refused, 2 bad usage, configuration or input, 3 the output folder is busy.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

from pipeline import __version__
from pipeline.config import PROJECT_ROOT, ConfigError, EngineParams, Params, load_params
from pipeline.engine import (
    LOCAL,
    RAY,
    aside_unwaited,
    aside_wait,
    has_side_process,
    import_in_background,
    session,
    side_process_done,
    side_process_start,
    workers_started,
)
from pipeline.errors import GateFailed
from pipeline.io import OutputBusy, output_lock
from pipeline.outputs import Outputs
from pipeline.progress import Progress, Reporter, configure_logging
from pipeline.rawfolder import RawFolderError

log = logging.getLogger(__name__)
EXIT_GATE, EXIT_USAGE, EXIT_BUSY = 1, 2, 3
RELEASES = Path("releases")


def _releases_dir(value: Path | None) -> Path:
    """--releases, else ./releases, else the project's own: the same build says the same thing from any folder."""
    if value is not None:
        return value
    return RELEASES if RELEASES.is_dir() else PROJECT_ROOT / RELEASES


def _engine(args: argparse.Namespace, params: Params) -> EngineParams:
    """params.yaml's engine section with --engine and --ray-address applied (commands without them: as is)."""
    name = getattr(args, "engine", None)
    address = getattr(args, "ray_address", None)
    engine = dataclasses.replace(params.engine, name=name or params.engine.name)
    if address is not None:
        if engine.name != RAY:
            raise ConfigError("--ray-address needs the ray engine (--engine ray, or engine.name: ray in params.yaml)")
        engine = dataclasses.replace(engine, ray_address=address)
    return engine


def _stage_scan(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import scan

    return scan.run(raw_dir=args.raw_dir, out=Outputs(args.out), params=params.parse)


def _stage_parse(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import parse

    return parse.run(
        raw_dir=args.raw_dir, out=Outputs(args.out), params=params.parse, engine=params.engine, progress=progress
    )


def _stage_clean(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import clean

    return clean.run(out=Outputs(args.out), params=params.clean, engine=params.engine, progress=progress)


def _stage_dedup(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import dedup

    return dedup.run(out=Outputs(args.out), params=params.dedup, engine=params.engine)


def _stage_validate(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import validate

    return validate.run(
        raw_dir=args.raw_dir,
        out=Outputs(args.out),
        params=params.validate,
        max_file_bytes=params.parse.max_file_bytes,
        batch_rows=params.engine.batch_rows,
    )


def _stage_package(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import package

    return package.run(
        raw_dir=args.raw_dir,
        out=Outputs(args.out),
        releases_dir=_releases_dir(args.releases),
        params=params.package,
        max_file_bytes=params.parse.max_file_bytes,
    )


def _stage_explore(args: argparse.Namespace, params: Params, progress: Progress) -> dict:
    from pipeline import explorer

    return explorer.write(Outputs(args.out), params.engine, progress)


STAGES = {
    "scan": _stage_scan,
    "parse": _stage_parse,
    "clean": _stage_clean,
    "dedup": _stage_dedup,
    "validate": _stage_validate,
    "explore": _stage_explore,
    "package": _stage_package,
}


# Imports of a second or more that stages make in this process (pandera through `schemas`, `datasets`): those of
# the later stages are made in a background thread from the first of PRELOAD_DURING a command runs. During parse
# this process mostly waits for the workers, and validate's row checks run in polars (which releases the GIL). Not
# during scan, whose many small system calls each wait for the importing thread to yield the GIL (scan took 8 s
# instead of 1.4 s at 100 MB).
PRELOAD_DURING = ("parse", "validate")
PRELOADS = {
    "clean": ("schemas",),
    "package": ("datasets",),
}
# What a stage runs in the command's side process (engine.aside), which imports it as it starts: the gate's Great
# Expectations suites, whose import alone is over a second of pure Python; and package when it runs beside explore.
SIDE_IMPORTS = {
    "validate": ("pipeline.expectations", "great_expectations.expectations"),
    "package": ("pipeline.package",),
}
# A stage run whole in the side process while this process runs the stage before it: package (parquet shards,
# content hashes, card) beside explore (the explorer's pages). Neither reads what the other writes, and package
# holds the GIL for much of its time, so on one process they take the sum of their times. Only while the local
# workers are not running (a rebuild that redid a few shards here), and explore then runs its tasks here too: the
# side process takes a worker's place and core. Beside explore's workers, at 1 GB, the process tree reached
# 3.06 GB (2.48 GB in turn).
BESIDE = {"package": "explore"}

# The modules of the functions each stage hands the engine: the command's workers import them as they start.
WORKER_IMPORTS = {
    "parse": "pipeline.parse",
    "clean": "pipeline.clean",
    "dedup": "pipeline.dedup_keys",
    "explore": "pipeline.explorer",
}


def _beside(names: tuple[str, ...]) -> set[str]:
    """The stages of this command that run in the side process while the stage before them runs here."""
    return {name for before, name in zip(names, names[1:], strict=False) if BESIDE.get(name) == before}


def _picklable(args: argparse.Namespace) -> argparse.Namespace:
    """The arguments without the command function (a closure), for the side process."""
    return argparse.Namespace(**{key: value for key, value in vars(args).items() if key != "func"})


def _in_this_process(params: Params) -> Params:
    """params whose engine runs every task in this process (one worker): beside a stage in the side process."""
    return dataclasses.replace(params, engine=dataclasses.replace(params.engine, workers=1))


def _run_beside(task: tuple[str, argparse.Namespace, Params]) -> tuple[dict, float]:
    """One stage in the side process: its metrics and its own seconds (it ran beside another)."""
    name, args, params = task
    configure_logging(args.verbose)  # a spawned process starts without the command's log handler
    started = time.perf_counter()
    metrics = STAGES[name](args, params, Progress())
    return metrics, time.perf_counter() - started


def _stages(names: tuple[str, ...]):
    """A command running these stages in order, each under the reporter; the summary after the last stage."""

    def command(args: argparse.Namespace) -> None:
        from pipeline import summary

        started = time.perf_counter()
        params = load_params(args.params)
        params = dataclasses.replace(params, engine=_engine(args, params))
        reporter = Reporter.for_this_process()
        # One engine session for the whole command: a local Ray is started once, and shut down at the end.
        imports = [WORKER_IMPORTS[name] for name in names if name in WORKER_IMPORTS]
        rebuild = Outputs(args.out).files.exists()
        # A first build's workers start at once when its first stage maps nothing (scan): they import while it runs.
        # A rebuild's start when a map needs them (engine.POOL_PAYS_FROM): most redo a few shards, in this process.
        start_workers = names[0] not in WORKER_IMPORTS and not rebuild
        # Never beside the workers (BESIDE): not in a first build, whose workers start with it.
        local = params.engine.name == LOCAL and params.engine.workers > 1
        beside = _beside(names) if local and not start_workers else set()
        aside = [name for name in names if name in SIDE_IMPORTS and (name not in BESIDE or name in beside)]
        first_aside = names.index(aside[0]) if aside else len(names)
        last_aside = aside[-1] if aside else None
        side_imports = [module for name in aside for module in SIDE_IMPORTS[name]]
        # The side process starts a stage ahead of its first use in a first build, whose earlier stages keep both
        # cores busy; at once in a rebuild, whose earlier stages mostly run in this process and leave a core idle:
        # started a stage ahead, its imports (~3.5 s) outlasted a rebuild's dedup and validate waited for them.
        side_from = 0 if rebuild else max(0, first_aside - 1)
        with session(params.engine, imports, side_imports, start_workers=start_workers):
            preloaded = False
            handed: set[str] = set()  # stages running in the side process
            for i, name in enumerate(names):
                if i == side_from:
                    side_process_start()
                if name in PRELOAD_DURING and not preloaded:
                    later = [m for stage in names[i + 1 :] if stage not in beside for m in PRELOADS.get(stage, ())]
                    import_in_background(later)
                    preloaded = True
                following = names[i + 1] if i + 1 < len(names) else None
                if following in beside and has_side_process() and not workers_started():
                    log.info("%s runs in the side process beside %s (the workers are not running)", following, name)
                    aside_unwaited(_run_beside, (following, _picklable(args), params))
                    handed.add(following)
                    if following == last_aside:
                        side_process_done()  # it exits once that stage is done, while this process goes on
                if name in handed:
                    with reporter.stage(name):
                        metrics, seconds = aside_wait()
                    reporter.seconds[name] = seconds  # its own time, not the wait: it ran beside the stage before
                else:
                    here = _in_this_process(params) if following in handed else params
                    with reporter.stage(name) as progress:
                        metrics = STAGES[name](args, here, progress)
                    if name == last_aside:
                        side_process_done()
                reporter.finished(name, metrics)
        if names[-1] == "package":
            seconds = reporter.seconds if len(names) > 1 else {}
            summary.render(Outputs(args.out), seconds, reporter.console, time.perf_counter() - started)

    return command


STAGE_COMMANDS = {  # name: (summary, description, its arguments); each runs that one stage
    "scan": ("list the raw folder: every path's fate, size and sha256",
             "Write the raw folder's manifest; refuse links, hidden and special files with a reason.",
             ("raw", "out")),
    "parse": ("raw files -> segments and records (layout registry)",
              "Decode the files of the manifest, learn corpus boilerplate, parse each file with its layout.",
              ("raw", "out", "engine")),
    "clean": ("remove page chrome, repair text, assemble article bodies",
              "Strip residue, repair text, assemble bodies, flag truncation, quarantine records without a body.",
              ("out", "engine")),
    "dedup": ("drop exact, near and truncated-prefix duplicates",
              "Merge exact copies, drop truncated and near copies of longer records to duplicates.parquet.",
              ("out", "engine")),
    "validate": ("row checks, ledger and Great Expectations: the gate before publishing",
                 "Quarantine rows failing row checks; fail (exit 1) when the dataset as a whole is wrong.",
                 ("raw", "out")),
    "package": ("write the Hugging Face dataset folder, card and release manifest",
                "Write parquet shards, the dataset card, changes and release.json; only after a passed gate.",
                ("raw", "out", "releases")),
    "explore": ("write the audit explorer: every raw line's fate, duplicates, quarantine (HTML)",
                "Write reports/explorer/index.html under --out: each raw file's lines with their fate, searchable "
                "by file and record id, duplicate clusters and the quarantine; static and offline.",
                ("out", "engine")),
}  # fmt: skip


def _explain(args: argparse.Namespace) -> None:
    from pipeline import explain

    try:
        print(explain.explain(args.target, Outputs(args.out)))
    except explain.NotInBuild as err:
        print(f"not found: {err}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def _release(args: argparse.Namespace) -> None:
    from pipeline.release import manifest

    path = manifest.record(dataset_dir=args.dataset, releases_dir=_releases_dir(args.releases))
    print(f"recorded release manifest {path}")


def _publish(args: argparse.Namespace) -> None:
    from pipeline.release import publish

    params = load_params(args.params)
    publish.main(
        dataset_dir=args.dataset,
        repo_id=args.repo_id or params.package.repo_id,
        private=args.private,
        dry_run=args.dry_run,
        releases_dir=_releases_dir(args.releases),
        timeout=params.publish.timeout_seconds,
    )


def _train(args: argparse.Namespace) -> None:
    from pipeline import training
    from pipeline.linemodel import MODEL_PATH

    names = training.pages_of(args.like, args.pages) if args.like else None
    model = training.train(args.pages, load_params(args.params).parse, names)
    out = args.out or MODEL_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(model.to_json(), encoding="utf-8")
    print(f"wrote {out} (fitted on {len(model.pages)} pages)")


def _evaluate(args: argparse.Namespace) -> None:
    from pipeline import evaluation

    for name, score in evaluation.evaluate(args.pages, load_params(args.params), args.by_site).items():
        print(f"== {name}\n{score.table()}")
        if args.verbose:
            print("\n".join(score.problems))
        print(f"score ({name}): {score.summary()}")


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """--params and -v, accepted before and after the subcommand (defaults are set once, on the main parser)."""
    parser = argparse.ArgumentParser(add_help=False)
    unset = argparse.SUPPRESS
    parser.add_argument(
        "--params",
        type=Path,
        default=Path("params.yaml") if defaults else unset,
        help="parameters file (default: ./params.yaml, else the project's own)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=False if defaults else unset, help="log progress to stderr"
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description=__doc__.splitlines()[0],
        parents=[_common_options(defaults=True)],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common_options(defaults=False)

    def command(name: str, summary: str, description: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=summary,
            description=description,
            parents=[common],
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    def raw(p: argparse.ArgumentParser) -> None:
        p.add_argument("raw_dir", type=Path, metavar="RAW_DIR", help="folder of raw page texts (read, never written)")

    def out(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, required=True, help="output root (each stage writes fixed places under it)")
        p.set_defaults(output_root=True)  # held under a lock while the command runs

    def engine(p: argparse.ArgumentParser) -> None:
        p.add_argument("--engine", choices=[LOCAL, RAY], default=None,
                       help="how shards are run (default: engine.name in params.yaml)")  # fmt: skip
        p.add_argument("--ray-address", default=None, metavar="ADDRESS",
                       help="a running Ray cluster, e.g. 10.0.0.5:6379 (default: engine.ray_address in params.yaml; "
                       "none starts a local Ray)")  # fmt: skip

    def releases(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--releases", type=Path, default=None, help="recorded release manifests (default: ./releases, else the "
            "project's own)",
        )  # fmt: skip

    arguments = {"raw": raw, "out": out, "engine": engine, "releases": releases}
    for name, (summary, description, wanted) in STAGE_COMMANDS.items():
        p = command(name, summary, description, _stages((name,)))
        for argument in wanted:
            arguments[argument](p)
    p = command("run", "all stages on RAW_DIR without DVC",
                "scan -> parse -> clean -> dedup -> validate -> explore -> package into --out.",
                _stages(tuple(STAGES)))  # fmt: skip
    raw(p), out(p), releases(p), engine(p)
    p = command("explain", "where a raw line went and why, or where a record came from",
                "FILE:LINE (FILE relative to the raw folder): the record and field the line is in, or the rule that "
                "removed or quarantined it. RECORD_ID: whether it was published, dropped as a duplicate or "
                "quarantined, and every raw line it came from.", _explain)  # fmt: skip
    p.add_argument("target", metavar="FILE:LINE|RECORD_ID", help="a raw line or a 16-hex-digit record id")
    p.add_argument("--out", type=Path, default=Path("data"), help="output root of the build to ask")
    p = command("train", "fit the line model on labelled pages (DIR/raw/*.txt + DIR/gold/*.json)",
                "Fit the line model from pages labelled in the gold format and write the model file.",
                _train)  # fmt: skip
    p.add_argument("--pages", type=Path, required=True, help="folder with raw/ and gold/")
    p.add_argument("--out", type=Path, help="model file to write (default: the one the pipeline loads)")
    p.add_argument("--like", type=Path, help="refit on exactly the pages this model file lists (checks sha256)")
    p = command("evaluate", "score extraction on labelled pages, in sample and leave-one-site-out",
                "Run the pipeline on labelled pages and print the scorer's figures; with --by-site, also each "
                "site's pages scored by a model trained without that site.", _evaluate)  # fmt: skip
    p.add_argument("--pages", type=Path, required=True, help="folder with raw/ and gold/")
    p.add_argument("--by-site", type=Path, help="sources.tsv (file, url): leave-one-site-out by URL host")
    p = command("release", "record the built release manifest under releases/ (commit it)",
                "Record dataset/release.json as releases/v<version>.json once it passed validation.",
                _release)  # fmt: skip
    p.add_argument("--dataset", type=Path, default=Path("data/dataset"), help="built dataset folder")
    releases(p)
    p = command("publish", "upload the release to the Hugging Face Hub and tag it v<version>",
                "One commit with the whole dataset folder, then the tag v<version>; refuses unless the latest "
                "validation of this build passed.", _publish)  # fmt: skip
    p.add_argument("--repo-id", help="ORG/NAME of the dataset repository (default: params.yaml package.repo_id, "
                   "the repository the card's load snippet names)")  # fmt: skip
    p.add_argument("--dataset", type=Path, default=Path("data/dataset"), help="built dataset folder")
    releases(p)
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--dry-run", action="store_true", help="show what would be uploaded and the diff; change nothing")
    return parser


def _locked_root(args: argparse.Namespace) -> Path | None:
    """The output root a command writes (locked while it runs); None for commands that write no output root."""
    return args.out if getattr(args, "output_root", False) else None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose)
    root = _locked_root(args)
    try:
        if root is None:
            args.func(args)
        else:
            with output_lock(root):
                args.func(args)
    except (ConfigError, RawFolderError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OutputBusy as err:
        print(f"busy: {err}", file=sys.stderr)
        return EXIT_BUSY
    except GateFailed as err:
        print(f"FAILED: {err}", file=sys.stderr)
        return EXIT_GATE
    return 0
