"""Subclassing the keras.io way (guides/making_new_layers_and_models_via_subclassing): a layer with
its own weights, a layer that adds a loss, a model of layers, a custom train_step-free fit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_type

import keras
import numpy as np
from keras import ops

if TYPE_CHECKING:
    from keras._typing import Tensor


class Linear(keras.layers.Layer):
    def __init__(self, units: int = 32, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape: Any) -> None:
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs: Tensor) -> Tensor:
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units}


class ActivityRegularization(keras.layers.Layer):
    def __init__(self, rate: float = 1e-2) -> None:
        super().__init__()
        self.rate = rate

    def call(self, inputs: Tensor) -> Tensor:
        self.add_loss(self.rate * ops.sum(inputs))
        return inputs


class MLP(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.linear_1 = Linear(16)
        self.regularize = ActivityRegularization()
        self.linear_2 = Linear(1)

    def call(self, inputs: Tensor) -> Tensor:
        x = self.linear_1(inputs)
        x = keras.activations.relu(x)
        return self.linear_2(self.regularize(x))


layer = Linear(4)
assert_type(layer, Linear)
y = layer(np.ones((2, 3), dtype="float32"))
assert tuple(y.shape) == (2, 4)
assert_type(layer.w, keras.Variable)
assert_type(layer.trainable_weights, list[keras.Variable])
print(layer.w.shape, layer.w.dtype)

mlp = MLP()
mlp.compile(optimizer="adam", loss="mse")
rng = np.random.default_rng(0)
mlp.fit(rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32"),
        epochs=1, verbose=0)
print(len(mlp.losses), mlp.count_params())


class LossHistory(keras.callbacks.Callback):
    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        print(epoch, (logs or {}).get("loss"))


mlp.fit(rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 1)).astype("float32"),
        epochs=1, verbose=0, callbacks=[LossHistory(), keras.callbacks.EarlyStopping(patience=2)])
