"""params.yaml is the only place a setting lives: every key is required, unknown or mistyped keys are refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from pipeline import config
from pipeline.config import ConfigError, load_params

PROJECT = Path(__file__).resolve().parent.parent / "params.yaml"


def write(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(PROJECT.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_no_setting_has_a_default_in_code() -> None:
    classes = [c for c in vars(config).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]
    assert len(classes) >= 8
    for cls in classes:
        for field in dataclasses.fields(cls):
            assert field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING, (
                f"{cls.__name__}.{field.name} has a default in code"
            )


def test_project_params_load_with_their_types() -> None:
    params = load_params(PROJECT)
    assert params.validate.quality.body_words_median == (20, 5000)
    assert isinstance(params.dedup.near_containment, float)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["validate"].pop("report_examples"), "missing key(s) in validate: report_examples"),
        (lambda d: d.pop("publish"), "missing key(s): publish"),
        (lambda d: d["dedup"].update(near_containmnt=0.8), "unknown key(s) in dedup: near_containmnt"),
        (lambda d: d["engine"].update(workers="2"), "engine.workers must be int, got '2'"),
        (lambda d: d["engine"].update(workers=True), "engine.workers must be int, got True"),
        (lambda d: d["engine"].update(name="spark"), "engine.name must be one of 'local', 'ray', got 'spark'"),
        (lambda d: d["engine"].update(ray_address=6379), "engine.ray_address must be str, got 6379"),
        (lambda d: d["validate"]["quality"].update(body_words_median=[20]), "must have 2 items"),
    ],
)
def test_bad_params_are_refused_naming_the_key(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(ConfigError, match=f"params.yaml: .*{message.replace('(', '.').replace(')', '.')}"):
        load_params(write(tmp_path, edit))
