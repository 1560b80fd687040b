"""params.yaml -> one frozen dataclass per stage. The only module that reads the parameters file."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PARAMS = Path("params.yaml")
# The project's own params.yaml, used when the working directory has none (e.g. `python -m pipeline run` started
# from another folder with the package installed).
PROJECT_PARAMS = Path(__file__).resolve().parent.parent / "params.yaml"


class ConfigError(ValueError):
    """params.yaml is missing a key, has an unknown one, or a value of the wrong type."""


@dataclasses.dataclass(frozen=True)
class BoilerplateParams:
    min_contexts: int = 3
    max_words: int = 11
    context_min_words: int = 12


@dataclasses.dataclass(frozen=True)
class ExtractParams:
    """How far the learned line model counts next to the rules (no defaults: params.yaml must say)."""

    veto_chrome_min_prob: float  # a unit the rules put in a body is removed when the model's P(chrome) reaches this
    title_weight: float  # points a headline candidate gains per unit of the model's P(title)
    title_candidate_min_prob: float  # a unit that is not headline-shaped competes for the title from this P(title)
    train_l2: float  # L2 penalty of the model's fit (train)
    train_iterations: int  # optimiser iterations of the fit (train)


@dataclasses.dataclass(frozen=True)
class ParseParams:
    workers: int = 2
    max_file_bytes: int = 256 * 1024 * 1024
    max_line_chars: int = 200_000
    min_layout_score: float = 0.5
    boilerplate: BoilerplateParams = BoilerplateParams()
    extract: ExtractParams | None = dataclasses.field(default=None, metadata={"section": ExtractParams})


@dataclasses.dataclass(frozen=True)
class CleanParams:
    min_body_words: int = 8
    language_min_chars: int = 40
    end_marker_min_group: int = 3
    end_marker_min_share: float = 0.5


@dataclasses.dataclass(frozen=True)
class DedupParams:
    shingle_words: int = 5
    sample_modulus: int = 1
    max_shingle_df: int = 200
    near_containment: float = 0.8
    truncated_min_chars: int = 80


@dataclasses.dataclass(frozen=True)
class ValidateParams:
    min_published_rows: int = 1
    max_quarantine_share: float = 0.25
    date_min: str = "1990-01-01"
    blocking_rules: tuple[str, ...] = ()
    expectations: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class PackageParams:
    version: str = "0.0.0"
    pretty_name: str = "News articles"
    license: str = "other"
    license_note: str = ""
    task_categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    max_rows_per_shard: int = 100_000


@dataclasses.dataclass(frozen=True)
class Params:
    parse: ParseParams = ParseParams()
    clean: CleanParams = CleanParams()
    dedup: DedupParams = DedupParams()
    validate: ValidateParams = ValidateParams()
    package: PackageParams = PackageParams()


def _build(cls: type, raw: dict[str, Any] | None, where: str) -> Any:
    raw = dict(raw or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key(s) in params [{where}]: {', '.join(unknown)}; known: {', '.join(fields)}")
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        default = fields[name].default
        section = fields[name].metadata.get("section")
        if section is not None:
            kwargs[name] = _build_required(section, value, f"{where}.{name}")
        elif dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value, f"{where}.{name}")
        elif isinstance(default, tuple):
            if not isinstance(value, list | tuple):
                raise ConfigError(f"params [{where}.{name}] must be a list, got {value!r}")
            kwargs[name] = tuple(value)
        elif isinstance(default, bool | int | float | str):
            expected = float if isinstance(default, float) else type(default)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"params [{where}.{name}] must be {expected.__name__}, got {value!r}")
            kwargs[name] = value
        else:
            kwargs[name] = value
    return cls(**kwargs)


def _build_required(cls: type, raw: dict[str, Any] | None, where: str) -> Any:
    """A section whose every key params.yaml must give (its dataclass has no defaults to fall back on)."""
    raw = dict(raw or {})
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    problems = sorted(set(raw) ^ set(names))
    if problems:
        raise ConfigError(f"params [{where}] needs exactly the keys {', '.join(names)}; wrong: {', '.join(problems)}")
    for name in names:
        value, expected = raw[name], hints[name]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            raw[name] = value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(f"params [{where}.{name}] must be {expected.__name__}, got {value!r}")
    return cls(**raw)


def load_params(path: str | Path | None = None) -> Params:
    """Read params.yaml (or the given file); missing sections take the defaults above."""
    if path is None or Path(path) == DEFAULT_PARAMS:
        path = DEFAULT_PARAMS if DEFAULT_PARAMS.exists() else PROJECT_PARAMS
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"parameters file not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of stage sections")
    params = _build(Params, data, str(path))
    if params.parse.extract is None:
        raise ConfigError(f"{path} has no [parse.extract] section (the line model's thresholds)")
    return params
