"""The functional API the keras.io way (guides/functional_api): inputs, layers called on symbolic
tensors, a model with two inputs and two outputs, a shared layer, a model used as a layer."""

from __future__ import annotations

from typing import assert_type

import keras
import numpy as np
from keras import layers

title = keras.Input(shape=(12,), name="title")
body = keras.Input(shape=(20,), name="body")
assert_type(title, keras.KerasTensor)
shared = layers.Dense(8, activation="relu")
features = layers.concatenate([shared(title), layers.Dense(8)(body)])
assert_type(features, keras.KerasTensor)
features = layers.Dropout(0.2)(features)
priority = layers.Dense(1, name="priority")(features)
department = layers.Dense(3, activation="softmax", name="department")(features)
assert_type(priority, keras.KerasTensor)
print(priority.shape, priority.dtype)
scaled = priority * 2.0 + 1.0
assert_type(scaled, keras.KerasTensor)
assert_type(keras.ops.relu(scaled), keras.KerasTensor)

model = keras.Model(inputs=[title, body], outputs=[priority, department])
model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss=[keras.losses.MeanSquaredError(), keras.losses.CategoricalCrossentropy()],
    loss_weights=[1.0, 0.2],
)
rng = np.random.default_rng(0)
x_title = rng.normal(size=(32, 12)).astype("float32")
x_body = rng.normal(size=(32, 20)).astype("float32")
y_priority = rng.random(size=(32, 1)).astype("float32")
y_department = keras.utils.to_categorical(rng.integers(0, 3, size=(32,)), num_classes=3)
model.fit(
    {"title": x_title, "body": x_body},
    {"priority": y_priority, "department": y_department},
    epochs=1,
    batch_size=8,
    verbose=0,
)

# A model is a layer: call it on a new input.
encoder_input = keras.Input(shape=(12,))
encoded = layers.Dense(4)(encoder_input)
encoder = keras.Model(encoder_input, encoded, name="encoder")
outer = keras.Input(shape=(12,))
reused = encoder(outer)
print(reused)
print(len(model.layers), model.name)
