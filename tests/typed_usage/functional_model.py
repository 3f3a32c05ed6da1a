"""A keras.io-style functional model (a small MLP on tabular data), typed end to end."""

from __future__ import annotations

from typing import Any, assert_type

import keras
import numpy as np

from keras3 import (
    application_mobilenet_v2, clone_model, config_epsilon, config_floatx, config_image_data_format,
    keras_input, keras_model, keras_model_sequential, layer_concatenate, layer_dense, layer_dropout,
    load_model, loss_binary_crossentropy, metric_auc, op_add,
    op_convert_to_tensor, random_normal,
)
from keras3.types import Tensor

inp = keras_input(shape=(4,))
assert_type(inp, keras.KerasTensor)

hidden = layer_dense(inp, units=8, activation="relu")
assert_type(hidden, keras.KerasTensor)
shifted = layer_dense(op_add(inp, 1.0), units=8)
assert_type(shifted, keras.KerasTensor)
merged = layer_concatenate([hidden, shifted])
assert_type(merged, keras.KerasTensor)
out = layer_dense(layer_dropout(merged, rate=0.5), units=1, activation="sigmoid")
assert_type(out, keras.KerasTensor)
model = keras_model(inputs=inp, outputs=out)
assert_type(model, keras.Model)

assert_type(layer_dense(units=3), keras.layers.Dense)

stack = keras_model_sequential(input_shape=(4,))
assert_type(layer_dense(stack, units=2), keras.Sequential)

data = np.ones((2, 4), dtype="float32")
assert_type(layer_dense(data, units=3), Tensor)
assert_type(op_add(data, data), Tensor)
assert_type(op_convert_to_tensor(data), Tensor)
assert_type(random_normal((2,)), Tensor)

assert_type(loss_binary_crossentropy(), keras.losses.BinaryCrossentropy)
assert_type(loss_binary_crossentropy(np.ones((2, 1)), np.zeros((2, 1))), Tensor)
assert_type(metric_auc(), keras.metrics.AUC)

assert_type(config_floatx(), str)
assert_type(config_epsilon(), float)
fmt = config_image_data_format()
assert fmt in ("channels_last", "channels_first")


def pretrained() -> None:
    """Not run (it would build a large model): the checker still knows what comes back."""
    assert_type(application_mobilenet_v2(weights=None, classifier_activation=None), keras.Model)
    assert_type(load_model("model.keras"), keras.Model)
    assert_type(clone_model(model), keras.Model)


def untyped(value: Any) -> None:
    """An argument typed Any never resolves to the layer class (it matches every overload)."""
    assert_type(layer_dense(value, units=3), Any)
