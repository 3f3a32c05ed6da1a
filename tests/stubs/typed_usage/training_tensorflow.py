"""A training loop from scratch on tensorflow, the keras.io way
(guides/writing_a_custom_training_loop_in_tensorflow): GradientTape, apply_gradients, metrics.
The stubs type what every backend shares (a loss is a `Tensor`, the weights `keras.Variable`s):
TensorFlow's own annotations want its classes, so the values are narrowed to them first, as on
any one backend. Runs on the tensorflow backend."""

from __future__ import annotations

from typing import Any, assert_type

import keras
import numpy as np

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.SGD(learning_rate=1e-2)
accuracy = keras.metrics.SparseCategoricalAccuracy()
assert_type(model.trainable_weights, list[keras.Variable])

if keras.config.backend() == "tensorflow":
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.integers(0, 2, size=(16,))
    for step in range(2):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss_value = loss_fn(y, logits)
        assert isinstance(loss_value, tf.Tensor)
        weights: list[Any] = model.trainable_weights  # tf.Variables on this backend
        grads = tape.gradient(loss_value, weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        accuracy.update_state(y, logits)
        print(step, float(loss_value), float(accuracy.result()))
    accuracy.reset_state()
