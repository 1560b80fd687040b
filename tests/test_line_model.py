"""The line model: its features, determinism, label derivation, learned removals, and reproducible training."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from conftest import REPO_ROOT, SHARED

from pipeline import clean
from pipeline.config import load_params
from pipeline.extraction import LINE_SCHEMA, parse_documents
from pipeline.features import feature_frame, feature_names
from pipeline.layouts.evidence import compared, evidence_frame
from pipeline.linemodel import MODEL_PATH, LineModel, default_model, fit
from pipeline.training import unit_labels
from pipeline.units import units

PARAMS = load_params(REPO_ROOT / "params.yaml").parse
DEV = SHARED / "realworld-dev"
FIT_TOLERANCE = 1e-3  # how far a refit of the same pages, features and labels may land from the committed numbers
PAGE = [
    "Menu",
    "Ferry Builder Opens Hydrogen Yard in Mokpo",
    "By Han Seo-yeon",
    "Hanbit Marine opened its first yard for hydrogen ferries in Mokpo on Tuesday, with six vessels already ordered.",
    "The yard has a fuel-cell hall and a bunkering berth, and it will train crews for the island routes, it said.",
    "Leave a Reply",
    "Your email address will not be published. Required fields are marked *",
]


def lines_frame(pages: dict[str, list[str]]) -> pl.DataFrame:
    rows = [(name, n, text) for name, texts in pages.items() for n, text in enumerate(texts, start=1)]
    return pl.DataFrame(rows, schema=LINE_SCHEMA, orient="row")


def page_frame(pages: dict[str, list[str]]) -> pl.DataFrame:
    return evidence_frame(compared(units(lines_frame(pages))), frozenset())


def test_features_are_finite_and_named() -> None:
    frame = feature_frame(page_frame({"a.txt": PAGE, "b.txt": PAGE[:3]}))
    assert frame.columns == feature_names()
    assert frame.height == len(PAGE) + 3
    assert np.isfinite(frame.to_numpy()).all()


def test_neighbour_features_stop_at_page_boundaries() -> None:
    frame = feature_frame(page_frame({"a.txt": PAGE, "b.txt": PAGE}))
    first_of_b = frame.row(len(PAGE), named=True)
    assert first_of_b["prev_words_log"] == 0.0 and first_of_b["first"] == 1.0


def test_unit_labels_from_gold() -> None:
    gold = {
        "records": [
            {"title": PAGE[1], "body_first_words": "Hanbit Marine opened its first yard",
             "body_last_words": "train crews for the island routes, it said.", "complete": True}
        ],
        "boilerplate_lines": [PAGE[5], PAGE[6]],
    }  # fmt: skip
    canons = page_frame({"a.txt": PAGE})["canon"].to_list()
    assert unit_labels(canons, gold) == ["other", "title", "other", "body", "body", "chrome", "chrome"]


def test_fit_is_deterministic_and_round_trips() -> None:
    frame = page_frame({"a.txt": PAGE, "b.txt": PAGE[1:]})
    labels = ["other", "title", "other", "body", "body", "chrome", "chrome"] + ["title", "other", "body", "body",
                                                                                 "chrome", "chrome"]  # fmt: skip
    pages = [{"file": "raw/a.txt", "sha256": "0" * 64}]
    first = fit(frame, labels, pages, l2=1.0, iterations=50).to_json()
    second = fit(frame, labels, pages, l2=1.0, iterations=50).to_json()
    assert first == second
    model = LineModel.from_json(first)
    assert model.to_json() == first
    probs = model.predict(frame)
    assert probs.shape == (frame.height, len(model.classes))
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_committed_model_lists_its_pages() -> None:
    model = default_model()
    assert model.pages and all(set(p) == {"file", "sha256"} and len(p["sha256"]) == 64 for p in model.pages)
    assert all(p["file"].startswith("raw/") for p in model.pages)
    assert not any(len(str(v)) > 40 for v in json.loads(MODEL_PATH.read_text())["features"])  # names, not text


def test_learned_removals_name_the_model_and_carry_the_probability() -> None:
    # Veto at any probability and length: every unit the rules put in the body after the lead is a learned removal.
    eager = type(PARAMS.extract)(
        **{**vars(PARAMS.extract), "veto_chrome_min_prob": 0.0, "veto_max_paragraph_words": 10_000}
    )
    lines = lines_frame({"a.txt": PAGE[:5]})
    segments, records, quarantine = parse_documents(lines, frozenset(), PARAMS.min_layout_score, eager)
    learned = segments.filter(pl.col("rule") == "line_model_v1:chrome")
    assert learned.height >= 1 and learned["score"].is_not_null().all() and quarantine.is_empty()
    no_fragments = pl.DataFrame(
        schema={"file": pl.String, "line": pl.Int32, "text": pl.String, "rule": pl.String, "stage": pl.String,
                "fragment": pl.Boolean}
    )  # fmt: skip
    removed = clean.removed_lines(lines, segments, no_fragments)
    assert removed.filter(pl.col("rule") == "line_model_v1:chrome")["score"].is_not_null().all()
    assert removed.filter(pl.col("rule") != "line_model_v1:chrome")["score"].is_null().all()


def test_parse_is_the_same_whatever_the_batch() -> None:
    # Documents are parsed the same alone or in a batch (workers split batches differently).
    pages = {"a.txt": PAGE, "b.txt": list(reversed(PAGE))}
    together = parse_documents(lines_frame(pages), frozenset(), PARAMS.min_layout_score, PARAMS.extract)[0]
    alone = pl.concat(
        [parse_documents(lines_frame({k: v}), frozenset(), PARAMS.min_layout_score, PARAMS.extract)[0] for k, v in
         pages.items()]
    )  # fmt: skip
    assert together.equals(alone)


def test_a_units_probabilities_do_not_depend_on_the_other_units_predicted_with_it() -> None:
    """A shard plan must not change a single bit of a unit's scores: predicting many pages at once gives the same
    floats as predicting each page alone (a BLAS matrix product would block differently by shape)."""
    model = default_model()
    pages = {f"{n:04d}.txt": PAGE[n % 3 :] + [f"Line {n} of an invented page with {n} words."] for n in range(600)}
    together = model.predict(page_frame(pages))
    alone = np.concatenate([model.predict(page_frame({name: texts})) for name, texts in list(pages.items())[:40]])
    assert np.array_equal(together[: alone.shape[0]], alone)


@pytest.mark.skipif(not (DEV / "gold").is_dir(), reason="the labelled dev pages (../shared/realworld-dev) are absent")
def test_training_reproduces_the_committed_model(tmp_path) -> None:
    out = tmp_path / "model.json"
    command = [sys.executable, "-m", "pipeline", "train", "--pages", str(DEV), "--like", str(MODEL_PATH), "--out",
               str(out)]  # fmt: skip
    subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True)
    retrained, committed = json.loads(out.read_text()), json.loads(MODEL_PATH.read_text())
    numbers = ("mean", "scale", "bias", "weights")
    assert {k: v for k, v in retrained.items() if k not in numbers} == {
        k: v for k, v in committed.items() if k not in numbers
    }
    # The same fit, up to the optimiser's reach: it stops after `train_iterations`, and floating-point sums differ
    # between CPUs, so a refit elsewhere lands a little off the committed numbers (on an AMD EPYC, up to 3.4e-5 from
    # a file fitted on another machine). A change of features, labels or pages moves them by far more: one dev line
    # matched by one more caption rule moved a weight by 0.16.
    for key in numbers:
        left, right = retrained[key], committed[key]
        if isinstance(left, dict):
            assert left.keys() == right.keys(), key
            left, right = [left[k] for k in sorted(left)], [right[k] for k in sorted(right)]
        left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
        assert np.allclose(left, right, rtol=0, atol=FIT_TOLERANCE), key
