"""A Sequential model the keras.io way (guides/sequential_model): built layer by layer, trained,
evaluated, used to predict. pyright strict and mypy --strict must accept every line, and each
`assert_type` states what the stubs say the expression is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_type

import keras
import numpy as np
from keras import layers

if TYPE_CHECKING:
    from keras._typing import Tensor  # noqa: F401  (named in assert_type strings)

x = np.random.default_rng(0).normal(size=(64, 8)).astype("float32")
y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")

model = keras.Sequential(
    [
        keras.Input(shape=(8,)),
        layers.Dense(16, activation="relu", name="hidden"),
        layers.Dropout(0.1),
    ]
)
model.add(layers.Dense(1, activation="sigmoid"))
assert_type(model, keras.Sequential)
assert_type(model.layers[0], Any)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-3),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=[keras.metrics.BinaryAccuracy()],
)
history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, verbose=0)
assert_type(history, keras.callbacks.History)
print(history.history["loss"])
scores = model.evaluate(x, y, verbose=0)
print(scores)
predictions = model.predict(x[:4], verbose=0)
print(predictions.shape)
hidden = model.get_layer("hidden")
assert_type(hidden, keras.Layer)
assert_type(hidden.count_params(), int)
weights = hidden.get_weights()
hidden.set_weights(weights)
hidden.trainable = False
model.summary()

dense = layers.Dense(4)
assert_type(dense, layers.Dense)
out = dense(x)
assert_type(out, "Tensor")
assert tuple(out.shape) == (64, 4)
