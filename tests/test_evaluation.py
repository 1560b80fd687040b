"""The project's scorer (pipeline/evaluation.py) against the real-world scorer (../shared/realworld-dev/score.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHARED

from pipeline.config import load_params
from pipeline.evaluation import neutral_name, run_pages, score_output, sites
from pipeline.training import gold_pages, read_gold

DEV = SHARED / "realworld-dev"
needs_dev = pytest.mark.skipif(not (DEV / "score.py").exists(), reason="../shared/realworld-dev is absent")


def _figures(summary: str) -> dict[str, str]:
    return dict(re.findall(r"(\w+)=([\d.-]+)", summary))


@pytest.mark.slow
@needs_dev
def test_scores_agree_with_the_real_world_scorer(tmp_path: Path, hf_home: Path) -> None:
    names = gold_pages(DEV)
    golds = {name: read_gold(DEV, name) for name in names}
    out = run_pages(DEV, names, load_params(REPO_ROOT / "params.yaml"), lambda _: None, {"all": names}, tmp_path)
    ours = score_output(golds, out)
    theirs = subprocess.run(
        [sys.executable, str(DEV / "score.py"), "--raw", str(DEV / "raw"), "--gold", str(DEV / "gold"), "--out",
         str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = next(line for line in theirs.stdout.splitlines() if line.startswith("score: "))
    assert _figures(ours.summary()) == _figures(summary)
    assert ours.table() in theirs.stdout


def test_neutral_names_hide_the_page_name() -> None:
    assert neutral_name("123_X_some-site-story.txt") == neutral_name("123_X_some-site-story.txt")
    assert "site" not in neutral_name("123_X_some-site-story.txt")


def test_sites_are_url_hosts(tmp_path: Path) -> None:
    tsv = tmp_path / "sources.tsv"
    tsv.write_text(
        "file\tfamily\turl\na.txt\tB\thttps://news.example.com/a?id=1\nb.txt\tB\thttp://news.example.com/b\n"
    )
    assert sites(tsv) == {"a.txt": "news.example.com", "b.txt": "news.example.com"}
