"""Saving and loading the keras.io way (guides/serialization_and_saving): the .keras format,
weights alone, a config round trip, a custom object registered for serialization."""

from __future__ import annotations

import os
import tempfile
from typing import Any, assert_type

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="corpus")
class Scale(keras.layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs: Any) -> Any:
        return inputs * self.factor

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


inputs = keras.Input(shape=(3,))
model = keras.Model(inputs, keras.layers.Dense(1)(Scale()(inputs)))
model.compile(optimizer="adam", loss="mse")
x = np.ones((4, 3), dtype="float32")

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert_type(restored, keras.Model)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    weights = os.path.join(folder, "model.weights.h5")
    model.save_weights(weights)
    model.load_weights(weights)

config = model.get_config()
assert_type(config, dict[str, Any])
clone = keras.Model.from_config(config)
print(clone.name)
json_text = model.to_json()
assert_type(json_text, str)
print(keras.models.model_from_json(json_text).name)
