"""The line model: multinomial logistic regression over unit features (pipeline/features.py).

It gives every unit a probability for each role class (body, chrome, other, title); the layouts use them as
evidence next to the rules (the rules decide, the model vetoes chrome in bodies and weighs headline choices).
The model file is small JSON: feature names, standardisation, weights, and the pages it was fitted on
(relative names and sha256), so ``python -m pipeline train`` can reproduce it byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.features import feature_names, matrix

MODEL_NAME = "line_model_v1"
MODEL_PATH = Path(__file__).resolve().parent / "models" / f"{MODEL_NAME}.json"
CLASSES = ("body", "chrome", "other", "title")
DIGITS = 6  # significant digits kept in the file: the fit's last-bit noise never changes its bytes


@dataclasses.dataclass(frozen=True)
class LineModel:
    name: str
    classes: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray  # (features,)
    scale: np.ndarray  # (features,)
    weights: np.ndarray  # (classes, features)
    bias: np.ndarray  # (classes,)
    pages: tuple[dict, ...]  # {"file": relative name, "sha256": of the raw page} it was fitted on

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """(units, classes) probabilities for the units of an ``evidence_frame``."""
        if frame.is_empty():
            return np.zeros((0, len(self.classes)))
        standardized = (matrix(frame) - self.mean) / self.scale
        # einsum sums each unit's products in the same order whatever the number of units; a BLAS matrix product
        # does not (its blocking depends on the matrix shape), so a unit's last bits would depend on its shard.
        return softmax(np.einsum("uf,cf->uc", standardized, self.weights) + self.bias)

    def to_json(self) -> str:
        payload = {
            "name": self.name,
            "classes": list(self.classes),
            "features": list(self.features),
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "bias": _rounded(self.bias),
            "weights": {c: _rounded(w) for c, w in zip(self.classes, self.weights, strict=True)},
            "pages": list(self.pages),
        }
        return json.dumps(payload, indent=1, ensure_ascii=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LineModel:
        data = json.loads(text)
        model = cls(
            name=data["name"],
            classes=tuple(data["classes"]),
            features=tuple(data["features"]),
            mean=np.array(data["mean"]),
            scale=np.array(data["scale"]),
            weights=np.array([data["weights"][c] for c in data["classes"]]),
            bias=np.array(data["bias"]),
            pages=tuple(data["pages"]),
        )
        if list(model.features) != feature_names():
            raise ValueError(f"model {model.name} was fitted on other features than pipeline/features.py computes")
        return model


def _rounded(values: np.ndarray) -> list[float]:
    return [float(f"{v:.{DIGITS}g}") for v in values.tolist()]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(frame: pl.DataFrame, labels: list[str], pages: list[dict], l2: float, iterations: int) -> LineModel:
    """Fit the model on the units of ``frame`` (an ``evidence_frame``) with one class label per unit."""
    # Imported here: scipy costs every parse worker ~0.35 CPU s to import, and only training fits.
    from scipy.optimize import minimize

    x = matrix(frame)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    # Round the standardisation first, so training and inference see exactly the same inputs.
    mean, scale = np.array(_rounded(mean)), np.array(_rounded(scale))
    z = (x - mean) / scale
    y = np.array([CLASSES.index(label) for label in labels])
    onehot = np.eye(len(CLASSES))[y]
    k, d = len(CLASSES), z.shape[1]

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: k * d].reshape(k, d), theta[k * d :]
        p = softmax(z @ w.T + b)
        value = -np.sum(onehot * np.log(p + 1e-12)) + 0.5 * l2 * np.sum(w * w)
        diff = p - onehot
        grad_w = diff.T @ z + l2 * w
        return float(value), np.concatenate([grad_w.ravel(), diff.sum(axis=0)])

    result = minimize(loss, np.zeros(k * d + k), jac=True, method="L-BFGS-B", options={"maxiter": iterations})
    w, b = result.x[: k * d].reshape(k, d), result.x[k * d :]
    return LineModel(
        name=MODEL_NAME,
        classes=CLASSES,
        features=tuple(feature_names()),
        mean=mean,
        scale=scale,
        weights=np.array([_rounded(row) for row in w]),
        bias=np.array(_rounded(b)),
        pages=tuple(pages),
    )


@cache
def default_model() -> LineModel:
    """The committed model (pipeline/models/), loaded once per process."""
    if not MODEL_PATH.exists():
        raise FileNotFoundError(f"no line model at {MODEL_PATH}: run `python -m pipeline train --pages DIR`")
    return LineModel.from_json(MODEL_PATH.read_text(encoding="utf-8"))
