"""The user's acceptance spec for the five seed files (tests/fixtures/seed_expected.json, copied from the brief)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

SPEC = json.loads((Path(__file__).parent / "fixtures" / "seed_expected.json").read_text(encoding="utf-8"))


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def _published(seed_out: Path) -> pl.DataFrame:
    return pl.read_parquet(seed_out / "dataset" / "data" / "*.parquet")


def _find(frame: pl.DataFrame, spec: dict) -> dict:
    """The record of a spec entry: same file in provenance, same title (or, untitled, same first words)."""
    rows = [
        r for r in frame.iter_rows(named=True)
        if spec["file"] in {p["file"] for p in r["provenance"]}
        and (r["title"] == spec["title"] if spec["title"]
             else _collapse(r["body"]).startswith(spec["body_first_words"]))
    ]  # fmt: skip
    assert len(rows) == 1, f"expected one record for {spec['file']} {spec['title']!r}, found {len(rows)}"
    return rows[0]


def test_published_count(seed_out: Path) -> None:
    assert _published(seed_out).height == SPEC["expected_published"]


@pytest.mark.parametrize("spec", [r for r in SPEC["records"] if r["published"]], ids=lambda r: r["title"] or r["file"])
def test_published_record_matches_spec(seed_out: Path, spec: dict) -> None:
    record = _find(_published(seed_out), spec)
    assert record["title"] == spec["title"]
    assert (record["published_date"].isoformat() if record["published_date"] else None) == spec["published_date"]
    for key in ("category", "byline", "source"):
        if key in spec:
            assert record[key] == spec[key], key
    body = _collapse(record["body"])
    assert body.startswith(spec["body_first_words"])
    assert body.endswith(spec["body_last_words"])
    assert record["is_truncated"] is (not spec["complete"])
    places = {p["file"] for p in record["provenance"]}
    assert {spec["file"], *(a.split(":")[0] for a in spec.get("also_in", []))} <= places


@pytest.mark.parametrize("spec", [r for r in SPEC["records"] if not r["published"]], ids=lambda r: r["title"])
def test_brief_inside_release_is_near_duplicate(seed_out: Path, spec: dict) -> None:
    duplicates = pl.read_parquet(seed_out / "duplicates.parquet")
    record = _find(duplicates, spec)
    assert record["kind"] == "near"
    kept = _published(seed_out).filter(pl.col("id") == record["kept_id"])
    assert kept.height == 1, "a near duplicate points at a published record"
    assert 0.7 <= record["similarity"] < 1.0  # a few words differ: not an exact copy


def test_listing_copies_published_once_with_both_places_and_category(seed_out: Path) -> None:
    frame = _published(seed_out)
    shared = [r for r in SPEC["records"] if r.get("also_in")]
    assert len(shared) == 4
    for spec in shared:
        record = _find(frame, spec)
        assert len(record["provenance"]) == 2
        assert record["category"] == "Industry"  # taken from the copy that has one (003), 004 has none
    exact = pl.read_parquet(seed_out / "duplicates.parquet").filter(pl.col("kind") == "exact")
    assert exact.height == 4


def test_paraphrased_brief_stays(seed_out: Path) -> None:
    assert _published(seed_out).filter(pl.col("title") == "Minister Ahn visits KAI").height == 1


def test_no_chrome_line_in_published_text(seed_out: Path) -> None:
    frame = _published(seed_out)
    texts = [f"{r['title'] or ''}\n{r['body']}\n{r['category'] or ''}" for r in frame.iter_rows(named=True)]
    for line in SPEC["boilerplate_lines"]:
        assert not any(line.strip() in text.split("\n") or f"\n{line.strip()}\n" in text for text in texts), line
        if len(line.strip()) >= 10:  # short ones ('By Yonhap') are checked as whole lines above
            assert not any(line.strip() in text for text in texts), line


def test_caption_and_signoff_are_not_body_text(seed_out: Path) -> None:
    record = _find(_published(seed_out), next(r for r in SPEC["records"] if r["file"].startswith("001_")))
    assert "This photo shows" not in record["body"]
    assert "(Yonhap)" not in record["body"]
    removed = pl.read_parquet(seed_out / "removed_lines.parquet").filter(
        pl.col("file") == record["provenance"][0]["file"]
    )
    assert {"caption_marker", "signoff_agency", "foreign_script_line", "share_widget"} <= set(removed["rule"])


def test_untitled_article_has_null_title(seed_out: Path) -> None:
    spec = next(r for r in SPEC["records"] if r["file"].startswith("002_"))
    assert _find(_published(seed_out), spec)["title"] is None
