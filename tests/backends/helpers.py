"""Small shared pieces for the model-level backend tests: synthetic data and outcome checks."""

from __future__ import annotations

import keras3
import numpy as np
from keras3 import op_convert_to_numpy, set_random_seed

# y = x @ W: a linear target that a tiny dense network fits within a few epochs.
TRUE_WEIGHTS = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")


def regression_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`n` samples of 4 float32 features and a (n, 1) float32 linear target."""
    x = np.random.default_rng(seed).normal(size=(n, 4)).astype("float32")
    return x, x @ TRUE_WEIGHTS


def seeded(seed: int = 0) -> None:
    """Seed Python, NumPy and the backend through keras3, so weight initialisation repeats."""
    set_random_seed(seed)


def to_numpy(x) -> np.ndarray:
    if isinstance(x, keras3.Variable):
        x = x.value  # the backend tensor: NumPy 2 warns on converting a Keras Variable itself
    return np.asarray(op_convert_to_numpy(x))


def assert_loss_falls(losses: list[float]) -> None:
    assert len(losses) >= 2, losses
    assert all(np.isfinite(losses)), losses
    assert losses[-1] < losses[0], f"loss did not fall over training: {losses}"
