"""Sequential and functional models composed with keras3's layer_* wrappers, compiled with keras3
optimizer, loss and metric objects, then trained, evaluated and used for prediction."""

from __future__ import annotations

import numpy as np
import pytest
from keras3 import (
    keras_input,
    keras_model,
    keras_model_sequential,
    layer_add,
    layer_concatenate,
    layer_dense,
    loss_mean_squared_error,
    metric_mean_absolute_error,
    metric_root_mean_squared_error,
    optimizer_adam,
    optimizer_sgd,
)

from .conftest import NUMPY_CANNOT_TRAIN, needs
from .helpers import assert_loss_falls, regression_data, seeded, to_numpy


def sequential_model():
    # R: keras_model_sequential(input_shape = 4) |>
    #      layer_dense(8, activation = "relu") |> layer_dense(1)
    model = keras_model_sequential(input_shape=(4,), name="seq")
    assert layer_dense(model, units=8, activation="relu") is model
    assert layer_dense(model, units=1) is model
    return model


def functional_model():
    """One input, two dense branches merged by layer_add, then layer_concatenate with the input."""
    x = keras_input(shape=(4,), name="x")
    relu_branch = layer_dense(x, units=8, activation="relu")
    tanh_branch = layer_dense(x, units=8, activation="tanh")
    added = layer_add([relu_branch, tanh_branch])
    joined = layer_concatenate([added, x], axis=-1)
    assert tuple(added.shape) == (None, 8)
    assert tuple(joined.shape) == (None, 12)
    y = layer_dense(joined, units=1)
    return keras_model(x, y, name="functional")


def compile_regression(model, optimizer=None):
    model.compile(
        optimizer=optimizer if optimizer is not None else optimizer_adam(learning_rate=0.02),
        loss=loss_mean_squared_error(),
        metrics=[metric_mean_absolute_error(), metric_root_mean_squared_error(name="rmse")],
    )
    return model


def test_sequential_composition_builds_the_model(backend):
    seeded()
    model = sequential_model()
    assert model.built  # input_shape given: built as soon as the first layer is added
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert [layer.units for layer in model.layers] == [8, 1]
    assert tuple(model.output_shape) == (None, 1)
    assert model.count_params() == (4 * 8 + 8) + (8 * 1 + 1)


@pytest.mark.parametrize(
    "build", [sequential_model, functional_model], ids=["sequential", "functional"]
)
def test_predict_and_evaluate_agree_with_numpy(backend, build):
    """Inference works on every backend, numpy included: predict's shape and evaluate's loss and
    metrics equal the same quantities computed by NumPy from predict's output."""
    seeded()
    x, y = regression_data(n=40)
    model = compile_regression(build())
    predictions = model.predict(x, batch_size=16, verbose=0)
    assert predictions.shape == (40, 1)
    assert np.all(np.isfinite(predictions))
    results = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    error = predictions - y
    np.testing.assert_allclose(results["loss"], np.mean(error**2), rtol=1e-4)
    np.testing.assert_allclose(results["mean_absolute_error"], np.mean(np.abs(error)), rtol=1e-4)
    np.testing.assert_allclose(results["rmse"], np.sqrt(np.mean(error**2)), rtol=1e-4)


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
@pytest.mark.parametrize(
    "build", [sequential_model, functional_model], ids=["sequential", "functional"]
)
def test_model_trains_and_loss_falls(backend, build):
    seeded()
    x, y = regression_data(n=64)
    model = compile_regression(build())
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    history = model.fit(x, y, epochs=5, batch_size=16, shuffle=False, verbose=0)
    assert_loss_falls(history.history["loss"])
    assert len(history.history["mean_absolute_error"]) == 5
    after = model.evaluate(x, y, verbose=0, return_dict=True)
    assert after["loss"] < before["loss"]
    assert after["mean_absolute_error"] < before["mean_absolute_error"]
    assert model.predict(x[:3], verbose=0).shape == (3, 1)


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
def test_two_input_functional_model_trains(backend):
    """keras_model() with a list of inputs merged by layer_concatenate, trained with SGD."""
    seeded()
    x, y = regression_data(n=64)
    left = keras_input(shape=(2,), name="left")
    right = keras_input(shape=(2,), name="right")
    merged = layer_concatenate([left, right])
    hidden = layer_dense(merged, units=8, activation="relu")
    model = keras_model([left, right], layer_dense(hidden, units=1))
    compile_regression(model, optimizer=optimizer_sgd(learning_rate=0.02, momentum=0.9))
    inputs = [x[:, :2], x[:, 2:]]
    history = model.fit(inputs, y, epochs=5, batch_size=16, shuffle=False, verbose=0)
    assert_loss_falls(history.history["loss"])
    assert model.predict(inputs, verbose=0).shape == (64, 1)


def test_merging_layers_on_concrete_tensors(backend):
    """layer_add / layer_concatenate called on a list of eager arrays compute the merge at once."""
    a = np.arange(6, dtype="float32").reshape(2, 3)
    b = np.ones((2, 3), dtype="float32")
    np.testing.assert_allclose(to_numpy(layer_add([a, b])), a + b)
    np.testing.assert_allclose(
        to_numpy(layer_concatenate([a, b], axis=0)), np.concatenate([a, b], axis=0)
    )
    np.testing.assert_allclose(to_numpy(layer_concatenate([a, b])), np.concatenate([a, b], axis=-1))


def test_loss_and_metric_wrappers_given_values_return_per_sample_values(backend):
    y_true = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32")
    y_pred = np.zeros((2, 2), dtype="float32")
    # R: loss_mean_squared_error(y_true, y_pred) -> "values with shape = [batch_size, d0, .. dN-1]"
    np.testing.assert_allclose(to_numpy(loss_mean_squared_error(y_true, y_pred)), [2.5, 12.5])
    np.testing.assert_allclose(to_numpy(metric_mean_absolute_error(y_true, y_pred)), [1.5, 3.5])
