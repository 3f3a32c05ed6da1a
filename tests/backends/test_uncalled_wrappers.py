"""Losses, metrics and activations passed uncalled, as R users write them:
`model.compile(loss=loss_binary_crossentropy, metrics=[metric_binary_accuracy])`.

Up to 3.15 Keras saves a plain function by its `__name__` and reloads it by looking that name up
in keras.losses / keras.metrics / keras.activations; from 3.16 it saves `__module__` + `__name__`
and reloads only the canonical public path it registered. These tests hold the wrappers to what
Keras writes for its own functions, and run the whole compile -> fit -> save -> load round trip.
"""

from __future__ import annotations

import importlib
import json
import zipfile

import keras3
import numpy as np
import pytest
from keras3 import (
    activation_relu,
    keras_input,
    keras_model,
    layer_dense,
    loss_binary_crossentropy,
    metric_binary_accuracy,
    metric_mean_absolute_error,
)

from .conftest import NUMPY_CANNOT_TRAIN, needs
from .helpers import seeded, to_numpy

FAMILIES = {"activations": "activation_", "losses": "loss_", "metrics": "metric_"}


def _upstream_twins() -> list[tuple[str, str, str]]:
    """(keras3 wrapper, keras module, function name) for each wrapper whose name, without its
    prefix, is a plain function of the upstream module (the upstream module is the oracle)."""
    import importlib
    import inspect

    keras = keras3._runtime.keras()
    twins = []
    for family, prefix in FAMILIES.items():
        module = importlib.import_module(f"keras3.{family}")
        for name in module.__all__:
            short = name.removeprefix(prefix)
            found = getattr(getattr(keras, family), short, None)
            if inspect.isfunction(found) and short not in ("get", "serialize", "deserialize"):
                twins.append((name, family, short))
    return twins


TWINS = _upstream_twins()


def test_twins_are_found():
    # The oracle above must find the common cases, or the parametrized test below checks nothing.
    names = {name for name, _, _ in TWINS}
    assert {"loss_binary_crossentropy", "metric_binary_accuracy", "activation_relu"} <= names
    assert len(TWINS) > 40, len(TWINS)


@pytest.mark.parametrize(("wrapper", "family", "short"), TWINS, ids=[t[0] for t in TWINS])
def test_wrapper_serializes_as_keras_own_function(wrapper: str, family: str, short: str):
    keras = keras3._runtime.keras()
    ours = getattr(keras3, wrapper)
    theirs = getattr(getattr(keras, family), short)
    saved = keras.saving.serialize_keras_object(ours)
    assert saved == keras.saving.serialize_keras_object(theirs)
    # ... and so it reloads as the upstream function, with no custom_objects.
    assert keras.saving.deserialize_keras_object(saved) is theirs


@pytest.mark.parametrize(("wrapper", "family", "short"), TWINS, ids=[t[0] for t in TWINS])
def test_wrapper_carries_the_public_path_keras_registers(wrapper: str, family: str, short: str):
    # The path Keras 3.16 saves a function by (`__module__` + `__name__`) and the only one it
    # loads back: the first of its `keras_export` paths (`keras.metrics.binary_crossentropy` for
    # keras.losses' own function), read from the installed release's registry.
    keras = keras3._runtime.keras()
    registry = importlib.import_module("keras.src.api_export")
    ours = getattr(keras3, wrapper)
    theirs = getattr(getattr(keras, family), short)
    assert f"{ours.__module__}.{ours.__name__}" == registry.get_name_from_symbol(theirs)
    # The wrapper still shows as itself: repr and tracebacks name the keras3 function.
    assert ours.__qualname__ == wrapper and ours.__code__.co_name == wrapper


def _data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32") > 0).astype("float32")[:, None]
    return x, y


def _model():
    seeded(0)
    inputs = keras_input(shape=(4,))
    hidden = layer_dense(inputs, units=8, activation=activation_relu)
    return keras_model(inputs, layer_dense(hidden, units=1, activation="sigmoid"))


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
def test_compile_fit_save_load_with_uncalled_wrappers(tmp_path):
    keras = keras3._runtime.keras()
    x, y = _data()
    model = _model()
    model.compile(
        optimizer="adam",
        loss=loss_binary_crossentropy,
        metrics=[metric_binary_accuracy, metric_mean_absolute_error],
    )
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    # The training log names the metrics as Keras does for its own functions.
    assert set(history.history) == {"loss", "binary_accuracy", "mean_absolute_error"}
    assert history.history["loss"][-1] < history.history["loss"][0]

    path = tmp_path / "model.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    compiled = config["compile_config"]
    assert compiled["loss"]["config"] == "binary_crossentropy"
    assert [m["config"] for m in compiled["metrics"]] == ["binary_accuracy", "mean_absolute_error"]

    restored = keras.saving.load_model(path)  # no custom_objects
    assert restored.loss is keras.losses.binary_crossentropy
    np.testing.assert_allclose(to_numpy(restored.predict(x, verbose=0)),
                               to_numpy(model.predict(x, verbose=0)), rtol=1e-6)
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    after = restored.evaluate(x, y, verbose=0, return_dict=True)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == pytest.approx(before[key], rel=1e-5), key
    # The reloaded model trains on, with the same loss.
    more = restored.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert set(more.history) == {"loss", "binary_accuracy", "mean_absolute_error"}


def test_activation_passed_uncalled_round_trips(tmp_path):
    keras = keras3._runtime.keras()
    model = _model()
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.layers[1].activation is keras.activations.relu
    x, _ = _data(8)
    np.testing.assert_allclose(to_numpy(restored.predict(x, verbose=0)),
                               to_numpy(model.predict(x, verbose=0)), rtol=1e-6)
