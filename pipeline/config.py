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
class ParseParams:
    workers: int = 2
    max_file_bytes: int = 256 * 1024 * 1024
    max_line_chars: int = 200_000
    min_layout_score: float = 0.5
    boilerplate: BoilerplateParams = BoilerplateParams()


@dataclasses.dataclass(frozen=True)
class CleanParams:
    min_body_words: int = 8
    language_min_chars: int = 40
    end_marker_min_group: int = 3
    end_marker_min_share: float = 0.5


@dataclasses.dataclass(frozen=True, kw_only=True)
class DedupParams:
    """No defaults: every value comes from params.yaml `dedup:` (a default here could silently disagree)."""

    shingle_words: int
    max_shingle_df: int
    near_containment: float
    truncated_min_chars: int
    anchor_hits: int
    batch_records: int
    bucket_shingles: int


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class Params:
    parse: ParseParams = ParseParams()
    clean: CleanParams = CleanParams()
    dedup: DedupParams
    validate: ValidateParams = ValidateParams()
    package: PackageParams = PackageParams()


def _required(field: dataclasses.Field) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _build(cls: type, raw: dict[str, Any] | None, where: str) -> Any:
    raw = dict(raw or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    types = typing.get_type_hints(cls)
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"unknown key(s) in params [{where}]: {', '.join(unknown)}; known: {', '.join(fields)}")
    missing = sorted(name for name, field in fields.items() if _required(field) and name not in raw)
    if missing:
        raise ConfigError(f"missing key(s) in params [{where}]: {', '.join(missing)}")
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        if dataclasses.is_dataclass(types[name]):
            kwargs[name] = _build(types[name], value, f"{where}.{name}")
        elif types[name] == tuple[str, ...]:
            if not isinstance(value, list | tuple):
                raise ConfigError(f"params [{where}.{name}] must be a list, got {value!r}")
            kwargs[name] = tuple(value)
        elif types[name] in (bool, int, float, str):
            expected = types[name]
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"params [{where}.{name}] must be {expected.__name__}, got {value!r}")
            kwargs[name] = value
        else:
            kwargs[name] = value
    return cls(**kwargs)


def load_params(path: str | Path | None = None) -> Params:
    """Read params.yaml (or the given file); a missing section takes the defaults above, where it has them."""
    if path is None or Path(path) == DEFAULT_PARAMS:
        path = DEFAULT_PARAMS if DEFAULT_PARAMS.exists() else PROJECT_PARAMS
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"parameters file not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of stage sections")
    return _build(Params, data, str(path))
