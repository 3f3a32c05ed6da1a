"""The model verbs of {keras3} on a real backend: `fit(model, x, y)` does what `model.fit(x, y)`
does, `freeze_weights(model, from_=...)` freezes what R's does, configs round-trip through files."""

from __future__ import annotations

import keras3
import numpy as np
import pytest
from keras3 import (
    count_params,
    evaluate,
    fit,
    freeze_weights,
    get_layer,
    get_weights,
    keras_input,
    keras_model,
    keras_model_sequential,
    layer_dense,
    load_model_config,
    optimizer_adam,
    pop_layer,
    predict,
    predict_on_batch,
    save_model_config,
    set_weights,
    summary,
    train_on_batch,
    unfreeze_weights,
)

from .conftest import NUMPY_CANNOT_TRAIN, needs
from .helpers import assert_loss_falls, regression_data, seeded, to_numpy


def _stack():
    seeded(0)
    model = keras_model_sequential(input_shape=(4,), name="stack")
    layer_dense(model, units=8, activation="relu", name="first")
    layer_dense(model, units=8, activation="relu", name="second")
    layer_dense(model, units=1, name="last")
    return model


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
def test_compile_fit_evaluate_predict_verbs():
    x, y = regression_data()
    model = _stack()
    assert keras3.compile(model, optimizer=optimizer_adam(learning_rate=0.05), loss="mse", metrics=["mae"]) is None
    history = fit(model, x, y, epochs=6, batch_size=16, verbose=0)
    assert_loss_falls(history.history["loss"])
    assert set(history.history) == {"loss", "mae"}
    assert evaluate(model, x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)
    predicted = predict(model, x, verbose=0)
    assert predicted.shape == (64, 1)
    np.testing.assert_allclose(to_numpy(predicted), to_numpy(model.predict(x, verbose=0)), rtol=1e-6)
    np.testing.assert_allclose(to_numpy(predict_on_batch(model, x[:8])), to_numpy(predicted[:8]), rtol=1e-5, atol=1e-6)
    # (keras3.test_on_batch: imported bare, pytest would collect it as a test)
    before = keras3.test_on_batch(model, x, y, return_dict=True)
    for _ in range(5):
        train_on_batch(model, x, y)
    assert keras3.test_on_batch(model, x, y, return_dict=True)["loss"] < before["loss"]


def test_weights_layers_and_summary_verbs():
    model = _stack()
    weights = get_weights(model)
    assert [w.shape for w in weights] == [(4, 8), (8,), (8, 8), (8,), (8, 1), (1,)]
    assert count_params(model) == sum(w.size for w in weights) == 121
    set_weights(model, [np.full_like(w, 0.5) for w in weights])
    assert all((w == 0.5).all() for w in get_weights(model))
    assert get_layer(model, "second") is model.layers[1]
    assert get_layer(model, index=2) is model.layers[2]
    lines: list[str] = []
    assert summary(model, print_fn=lambda line, **_: lines.append(line)) is None
    text = "\n".join(lines)
    assert "stack" in text and "second" in text and "121" in text
    pop_layer(model)
    assert [layer.name for layer in model.layers] == ["first", "second"]
    assert predict(model, np.ones((2, 4), "float32"), verbose=0).shape == (2, 8)


def _trainable(model) -> list[bool]:
    return [layer.trainable for layer in model.layers]


def test_freeze_and_unfreeze_as_in_r():
    model = _stack()
    assert freeze_weights(model) is model  # returned, so calls chain
    assert model.trainable is False and model.trainable_weights == []
    assert unfreeze_weights(model) is model
    assert model.trainable and len(model.trainable_weights) == 6

    freeze_weights(model, from_="second")  # from a layer on, by name
    assert model.trainable and _trainable(model) == [True, False, False]
    freeze_weights(model, to=0)  # up to a layer, by index
    assert _trainable(model) == [False, True, True]
    freeze_weights(model, from_=-2, to=model.layers[1])  # negative index, a layer itself
    assert _trainable(model) == [True, False, True]
    unfreeze_weights(model, from_=1)  # the fine-tuning step: unfreeze from a layer on
    assert _trainable(model) == [False, True, True]
    freeze_weights(model, which=lambda layer: layer.name.startswith("s"))
    assert _trainable(model) == [True, False, True]
    unfreeze_weights(model, which=["last"])
    assert _trainable(model) == [False, False, True]
    assert len(model.trainable_weights) == 2

    with pytest.raises(ValueError, match=r"from_='nope': no layer of that name; the layers are \['first', 'second', 'last'\]"):
        freeze_weights(model, from_="nope")
    with pytest.raises(IndexError, match="to=3 is out of range for a model of 3 layers"):
        freeze_weights(model, to=3)
    with pytest.raises(ValueError, match="either `which` or `from_`/`to`"):
        freeze_weights(model, from_=0, which=["last"])


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
def test_frozen_layers_do_not_move_in_fit():
    x, y = regression_data()
    model = _stack()
    freeze_weights(model, to="second")
    keras3.compile(model, optimizer="adam", loss="mse")
    before = [to_numpy(w) for w in model.weights]
    fit(model, x, y, epochs=2, verbose=0)
    after = [to_numpy(w) for w in model.weights]
    moved = [not np.array_equal(a, b) for a, b in zip(before, after)]
    assert moved == [False, False, False, False, True, True]


def test_model_config_round_trips_through_a_file(tmp_path):
    seeded(0)
    inputs = keras_input(shape=(4,), name="features")
    model = keras_model(inputs, layer_dense(layer_dense(inputs, units=3, activation="tanh"), units=2), name="net")
    path = tmp_path / "net.json"
    save_model_config(model, path)
    assert not list(tmp_path.glob(".net.json.*"))  # written through a temporary file, moved into place
    with pytest.raises(FileExistsError, match="net.json exists; pass overwrite=True"):
        save_model_config(model, path)
    save_model_config(model, path, overwrite=True)
    restored = load_model_config(path)
    assert restored is not model and restored.name == "net"
    assert restored.to_json() == model.to_json()
    assert [w.shape for w in get_weights(restored)] == [w.shape for w in get_weights(model)]
