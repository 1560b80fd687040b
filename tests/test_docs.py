"""The README documents every rule and every layout by name (a new one without documentation fails here)."""

from __future__ import annotations

import pytest
from conftest import REPO_ROOT

from pipeline import layouts, rules

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [rule.name for rule in rules.RULES])
def test_rule_is_documented(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", layouts.available())
def test_layout_is_documented(name: str) -> None:
    assert f"`{name}`" in README


def test_readme_names_the_two_commands() -> None:
    assert "./tasks.sh dataset" in README and "./tasks.sh test" in README
