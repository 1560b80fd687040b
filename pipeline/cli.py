"""Thin command line: one subcommand per stage, plus ``run`` (all stages, no DVC), ``release`` and ``publish``.

Every path is an argument; tunables come from params.yaml via pipeline.config. Exit codes: 0 ok,
1 the validation gate or a release rule refused, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.config import ConfigError, load_params
from pipeline.errors import GateFailed
from pipeline.outputs import Outputs


def _stage_parse(args: argparse.Namespace) -> None:
    from pipeline import parse

    out = Outputs(args.out)
    parse.run(raw_dir=args.raw_dir, out=out, params=load_params(args.params).parse)


def _stage_clean(args: argparse.Namespace) -> None:
    from pipeline import clean

    clean.run(out=Outputs(args.out), params=load_params(args.params).clean)


def _stage_dedup(args: argparse.Namespace) -> None:
    from pipeline import dedup

    dedup.run(out=Outputs(args.out), params=load_params(args.params).dedup)


def _stage_validate(args: argparse.Namespace) -> None:
    from pipeline import validate

    validate.run(raw_dir=args.raw_dir, out=Outputs(args.out), params=load_params(args.params).validate)


def _stage_package(args: argparse.Namespace) -> None:
    from pipeline import package

    package.run(
        raw_dir=args.raw_dir,
        out=Outputs(args.out),
        releases_dir=args.releases,
        params=load_params(args.params).package,
    )


def _run_all(args: argparse.Namespace) -> None:
    from pipeline import clean, dedup, package, parse, validate

    params = load_params(args.params)
    out = Outputs(args.out)
    parse.run(raw_dir=args.raw_dir, out=out, params=params.parse)
    clean.run(out=out, params=params.clean)
    dedup.run(out=out, params=params.dedup)
    validate.run(raw_dir=args.raw_dir, out=out, params=params.validate)
    package.run(raw_dir=args.raw_dir, out=out, releases_dir=args.releases, params=params.package)


def _release(args: argparse.Namespace) -> None:
    from pipeline import release

    path = release.record(dataset_dir=args.dataset, releases_dir=args.releases)
    print(f"recorded release manifest {path}")


def _publish(args: argparse.Namespace) -> None:
    from pipeline import publish

    publish.main(
        dataset_dir=args.dataset,
        repo_id=args.repo_id,
        private=args.private,
        dry_run=args.dry_run,
        releases_dir=args.releases,
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--params", type=Path, default=Path("params.yaml"), help="parameters file (default: %(default)s)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_out(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, required=True, help="output root (stage files go to fixed places under it)")

    p = sub.add_parser("parse", help="raw files -> segments and records (layout registry)")
    p.add_argument("raw_dir", type=Path)
    with_out(p)
    p.set_defaults(func=_stage_parse)

    p = sub.add_parser("clean", help="remove page chrome, repair text, assemble article bodies")
    with_out(p)
    p.set_defaults(func=_stage_clean)

    p = sub.add_parser("dedup", help="drop exact, near and truncated-prefix duplicates")
    with_out(p)
    p.set_defaults(func=_stage_dedup)

    p = sub.add_parser("validate", help="pandera row checks + Great Expectations suite; the gate before publishing")
    p.add_argument("raw_dir", type=Path)
    with_out(p)
    p.set_defaults(func=_stage_validate)

    p = sub.add_parser("package", help="write the Hugging Face dataset folder, card and release manifest")
    p.add_argument("raw_dir", type=Path)
    with_out(p)
    p.add_argument("--releases", type=Path, default=Path("releases"), help="recorded release manifests")
    p.set_defaults(func=_stage_package)

    p = sub.add_parser("run", help="all stages on RAW_DIR without DVC")
    p.add_argument("raw_dir", type=Path)
    with_out(p)
    p.add_argument("--releases", type=Path, default=Path("releases"), help="recorded release manifests")
    p.set_defaults(func=_run_all)

    p = sub.add_parser("train", help="fit the line model on labelled pages (DIR/raw/*.txt + DIR/gold/*.json)")
    p.add_argument("--pages", type=Path, required=True, help="folder with raw/ and gold/")
    p.add_argument("--out", type=Path, help="model file to write (default: the one the pipeline loads)")
    p.add_argument("--like", type=Path, help="refit on exactly the pages this model file lists (checks sha256)")
    p.set_defaults(func=_train)

    p = sub.add_parser("evaluate", help="score extraction on labelled pages, in sample and leave-one-site-out")
    p.add_argument("--pages", type=Path, required=True, help="folder with raw/ and gold/")
    p.add_argument("--by-site", type=Path, help="sources.tsv (file, url): leave-one-site-out by URL host")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("release", help="record the built release manifest under releases/ (commit it)")
    p.add_argument("--dataset", type=Path, default=Path("data/dataset"))
    p.add_argument("--releases", type=Path, default=Path("releases"))
    p.set_defaults(func=_release)

    p = sub.add_parser("publish", help="upload the release to the Hugging Face Hub and tag it v<version>")
    p.add_argument("--repo-id", required=True, help="ORG/NAME of the dataset repository")
    p.add_argument("--dataset", type=Path, default=Path("data/dataset"))
    p.add_argument("--releases", type=Path, default=Path("releases"), help="recorded release manifests")
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--dry-run", action="store_true", help="show what would be uploaded and the diff; change nothing")
    p.set_defaults(func=_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        args.func(args)
    except ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    except GateFailed as err:
        print(f"FAILED: {err}", file=sys.stderr)
        return 1
    return 0
