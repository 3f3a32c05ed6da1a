"""Backend-dependent tests: `make test` runs this folder once per backend (KERAS_BACKEND=jax,
torch, tensorflow, numpy): jax on two xdist workers, then the other three side by side, one
worker per backend, named after it (`--dist each`), so a failure's report starts with `[torch]` or
the like. A test that Keras cannot support on a backend skips there, and its
reason says why upstream does not support it."""

from __future__ import annotations

import os

import pytest

import keras3

BACKENDS = ("jax", "torch", "tensorflow", "numpy")


@pytest.fixture(scope="session")
def backend() -> str:
    name = keras3.backend()
    assert name == os.environ.get("KERAS_BACKEND", name), "the backend Keras runs is not the one asked for"
    return name


def needs(*supported: str, why: str):
    """Skip on backends outside `supported`; `why` says why Keras does not support the rest."""
    current = os.environ.get("KERAS_BACKEND", "jax")
    return pytest.mark.skipif(current not in supported, reason=f"{current} backend: {why}")


# Keras's numpy backend implements inference only: it has no trainer, so fit() raises there.
NUMPY_CANNOT_TRAIN = "Keras's numpy backend is inference-only (no trainer: fit() is not implemented)"
