"""Built-in example data for the demo: small, deterministic, no files needed."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["classification_example", "regression_example"]

CLASSES = ("cat", "dog", "bird", "fish")


def classification_example(
    n: int = 600, seed: int = 0
) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """True and predicted labels of a 4-class model that confuses cats with dogs."""
    rng = np.random.default_rng(seed)
    y_true = rng.choice(len(CLASSES), size=n, p=[0.4, 0.3, 0.2, 0.1])
    y_pred = y_true.copy()
    wrong = rng.random(n) < 0.18
    y_pred[wrong] = rng.integers(0, len(CLASSES), int(wrong.sum()))
    confused = (y_true == 0) & (rng.random(n) < 0.1)
    y_pred[confused] = 1  # cats mistaken for dogs
    names = np.array(CLASSES)
    return names[y_true], names[y_pred]


def regression_example(
    n: int = 500, seed: int = 0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """House prices (in thousands) and a model's slightly biased, noisy predictions."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40.0, 200.0, n)
    price = 50.0 + 2.5 * area + rng.normal(0.0, 20.0, n)
    predicted = 1.02 * price + rng.normal(0.0, 15.0, n)
    return price, predicted
