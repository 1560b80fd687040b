"""params.yaml -> one frozen dataclass per stage. The only module that reads the parameters file.

Every value lives in params.yaml and nowhere else: the dataclasses have no defaults, so a missing key is an
error naming the key, never a silent fallback to a number in code that could disagree with the file.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal

import yaml

DEFAULT_PARAMS = Path("params.yaml")
# The project's own params.yaml, used when the working directory has none (e.g. `python -m pipeline run` started
# from another folder with the package installed).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARAMS = PROJECT_ROOT / "params.yaml"


class ConfigError(ValueError):
    """params.yaml is missing a key, has an unknown one, or a value of the wrong type."""


@dataclasses.dataclass(frozen=True)
class BoilerplateParams:
    min_contexts: int
    max_words: int
    context_min_words: int


@dataclasses.dataclass(frozen=True)
class ExtractParams:
    """How far the learned line model counts next to the rules (no defaults: params.yaml must say)."""

    veto_chrome_min_prob: float  # a unit the rules put in a body is removed when the model's P(chrome) reaches this
    veto_max_paragraph_words: int  # a paragraph of more words than this is never vetoed
    title_weight: float  # points a headline candidate gains per unit of the model's P(title)
    title_candidate_min_prob: float  # a unit that is not headline-shaped competes for the title from this P(title)
    train_l2: float  # L2 penalty of the model's fit (train)
    train_iterations: int  # optimiser iterations of the fit (train)


EngineName = Literal["local", "ray"]  # pipeline/engine.py


@dataclasses.dataclass(frozen=True)
class EngineParams:
    name: EngineName
    workers: int
    shard_bytes: int
    batch_rows: int
    ray_address: str | None  # None: a local Ray of `workers` CPUs, started and stopped by the command
    max_retries: int


@dataclasses.dataclass(frozen=True)
class ParseParams:
    max_file_bytes: int
    max_line_chars: int
    min_layout_score: float
    boilerplate: BoilerplateParams
    extract: ExtractParams


@dataclasses.dataclass(frozen=True)
class CleanParams:
    min_body_words: int
    max_body_chars: int
    language_min_chars: int
    english_function_word_share: float
    end_marker_min_group: int
    end_marker_min_share: float


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
class QualityParams:
    title_null_share_max: float
    body_words_median: tuple[int, int]
    title_words_median: tuple[int, int]
    duplicate_share_max: float


@dataclasses.dataclass(frozen=True)
class ValidateParams:
    min_published_rows: int
    max_quarantine_share: float
    date_min: str
    report_examples: int
    part_rows: int
    quality: QualityParams


@dataclasses.dataclass(frozen=True)
class PackageParams:
    version: str
    pretty_name: str
    repo_id: str  # the Hub dataset repository the card's load snippet, license link and contact name
    license: str
    license_name: str
    license_note: str
    task_categories: tuple[str, ...]
    tags: tuple[str, ...]
    max_rows_per_shard: int


@dataclasses.dataclass(frozen=True)
class PublishParams:
    timeout_seconds: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class Params:
    engine: EngineParams
    parse: ParseParams
    clean: CleanParams
    dedup: DedupParams
    validate: ValidateParams
    package: PackageParams
    publish: PublishParams


def _convert(value: Any, kind: Any, where: str) -> Any:
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(map(repr, choices))}, got {value!r}")
        return value
    if isinstance(kind, types.UnionType):  # `X | None`: null, or a value of type X
        (present,) = [arm for arm in typing.get_args(kind) if arm is not type(None)]
        return None if value is None else _convert(value, present, where)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a mapping, got {value!r}")
        return _build(kind, value, where)
    if typing.get_origin(kind) is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        items = typing.get_args(kind)
        element_kinds = [items[0]] * len(value) if items[-1] is Ellipsis else list(items)
        if len(element_kinds) != len(value):
            raise ConfigError(f"{where} must have {len(element_kinds)} items, got {value!r}")
        return tuple(
            _convert(v, k, f"{where}[{i}]") for i, (v, k) in enumerate(zip(value, element_kinds, strict=True))
        )
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {kind.__name__}, got {value!r}")
    return value


def _build(cls: type, raw: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(raw) - set(fields))
    missing = [name for name in fields if name not in raw]
    section = f" in {where}" if where else ""
    if unknown:
        raise ConfigError(f"unknown key(s){section}: {', '.join(unknown)}; known: {', '.join(fields)}")
    if missing:
        raise ConfigError(f"missing key(s){section}: {', '.join(missing)}")
    return cls(**{name: _convert(raw[name], hints[name], f"{where}.{name}" if where else name) for name in fields})


def load_params(path: str | Path | None = None) -> Params:
    """Read params.yaml: the given file, else ./params.yaml, else the project's own."""
    if path is None or Path(path) == DEFAULT_PARAMS:
        path = DEFAULT_PARAMS if DEFAULT_PARAMS.exists() else PROJECT_PARAMS
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"parameters file not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of stage sections")
    try:
        return _build(Params, data, "")
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
