"""Subclassing the Keras bases keras3 re-exports (Layer, Model, Loss, Metric, Callback, Constraint,
LearningRateSchedule), with bodies written in keras3 ops, all used in one training run."""

from __future__ import annotations

import keras3
import numpy as np
from keras3 import (
    layer_dense,
    op_abs,
    op_cast,
    op_clip,
    op_convert_to_tensor,
    op_floor,
    op_maximum,
    op_mean,
    op_power,
    op_size,
    op_square,
    op_sum,
    op_where,
    optimizer_adam,
)

from .conftest import NUMPY_CANNOT_TRAIN, needs
from .helpers import assert_loss_falls, regression_data, seeded, to_numpy

CLIP = 0.3  # the kernel constraint's bound; glorot_uniform on a (4, 8) kernel reaches ~0.71
STEPS_PER_EPOCH = 4  # 64 samples, batch_size 16
EPOCHS = 6


class ClipWeights(keras3.Constraint):
    """Keeps every weight in [-limit, limit]."""

    def __init__(self, limit):
        self.limit = limit

    def __call__(self, w):
        return op_clip(w, -self.limit, self.limit)

    def get_config(self):
        return {"limit": self.limit}


class Affine(keras3.Layer):
    """x * scale + offset, one scale and one offset per feature."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")
        self.offset = self.add_weight(shape=(input_shape[-1],), initializer="zeros", name="offset")

    def call(self, x):
        return x * self.scale + self.offset


class Regressor(keras3.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.affine = Affine()
        self.hidden = layer_dense(units=8, activation="relu", kernel_constraint=ClipWeights(CLIP))
        self.head = layer_dense(units=1)

    def call(self, x):
        return self.head(self.hidden(self.affine(x)))


class SquaredError(keras3.Loss):
    def call(self, y_true, y_pred):
        return op_mean(op_square(y_true - y_pred), axis=-1)


class MeanAbsError(keras3.Metric):
    """Mean absolute error kept in two state variables, summed over every update."""

    def __init__(self, name="my_mae", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        error = op_abs(op_convert_to_tensor(y_true, dtype="float32") - op_convert_to_tensor(y_pred))
        self.total.assign(self.total + op_sum(error))
        self.count.assign(self.count + op_cast(op_size(error), "float32"))

    def result(self):
        return self.total / op_maximum(self.count, 1.0)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)


class HalveThenStop(keras3.LearningRateSchedule):
    """initial * 0.5 ** (step // every) until step `stop`, then 0 (training freezes)."""

    def __init__(self, initial, every, stop):
        self.initial, self.every, self.stop = initial, every, stop
        self.calls = 0

    def __call__(self, step):
        self.calls += 1
        step = op_cast(step, "float32")
        rate = self.initial * op_power(0.5, op_floor(step / self.every))
        return op_where(step < self.stop, rate, 0.0)

    def get_config(self):
        return {"initial": self.initial, "every": self.every, "stop": self.stop}


class Recorder(keras3.Callback):
    """Records, at each epoch end, the epoch index, the logs, the optimizer's learning rate and
    a copy of the model's weights."""

    def __init__(self):
        super().__init__()
        self.epochs, self.logs, self.learning_rates, self.weights = [], [], [], []
        self.trained = False

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.logs.append(dict(logs or {}))
        self.learning_rates.append(float(to_numpy(self.model.optimizer.learning_rate)))
        self.weights.append([to_numpy(w).copy() for w in self.model.weights])

    def on_train_end(self, logs=None):
        self.trained = True


def expected_rate(schedule, step):
    return 0.0 if step >= schedule.stop else schedule.initial * 0.5 ** (step // schedule.every)


def test_custom_components_without_training(backend):
    """Each subclass does its job on every backend (numpy included), outside fit()."""
    x, y = regression_data(n=8)

    affine = Affine()
    np.testing.assert_allclose(to_numpy(affine(x)), x)  # built on first call: scale 1, offset 0
    assert [w.shape for w in affine.trainable_weights] == [(4,), (4,)]
    affine.scale.assign(np.full((4,), 2.0, dtype="float32"))
    affine.offset.assign(np.arange(4, dtype="float32"))
    np.testing.assert_allclose(to_numpy(affine(x)), 2.0 * x + np.arange(4), rtol=1e-6)

    seeded()
    model = Regressor()
    predictions = to_numpy(model(x))
    assert predictions.shape == (8, 1)
    assert len(model.trainable_weights) == 2 + 2 + 2  # affine, hidden, head

    np.testing.assert_allclose(
        to_numpy(SquaredError()(y, predictions)), np.mean((y - predictions) ** 2), rtol=1e-5
    )

    metric = MeanAbsError()
    metric.update_state(y[:4], predictions[:4])
    metric.update_state(y[4:], predictions[4:])
    np.testing.assert_allclose(
        to_numpy(metric.result()), np.mean(np.abs(y - predictions)), rtol=1e-5
    )
    assert float(to_numpy(metric.count)) == 8.0
    metric.reset_state()
    assert float(to_numpy(metric.result())) == 0.0

    clipped = to_numpy(ClipWeights(0.5)(np.array([-2.0, -0.1, 0.4, 3.0], dtype="float32")))
    np.testing.assert_allclose(clipped, [-0.5, -0.1, 0.4, 0.5])

    schedule = HalveThenStop(0.08, every=4, stop=12)
    for step in (0, 3, 4, 8, 11, 12, 20):
        np.testing.assert_allclose(
            float(to_numpy(schedule(step))), expected_rate(schedule, step), rtol=1e-6
        )


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
def test_all_custom_components_in_one_training_run(backend):
    seeded()
    x, y = regression_data(n=STEPS_PER_EPOCH * 16)
    model = Regressor()
    model(x[:1])  # build, to see the unconstrained initial kernel
    assert np.abs(to_numpy(model.hidden.kernel)).max() > CLIP

    # lr 0.05, halved every epoch, 0 from the start of epoch 4 on: epochs 4 and 5 change nothing
    schedule = HalveThenStop(0.05, every=STEPS_PER_EPOCH, stop=4 * STEPS_PER_EPOCH)
    metric = MeanAbsError()
    recorder = Recorder()
    model.compile(
        optimizer=optimizer_adam(learning_rate=schedule), loss=SquaredError(), metrics=[metric]
    )
    history = model.fit(
        x, y, epochs=EPOCHS, batch_size=16, shuffle=False, verbose=0, callbacks=[recorder]
    )

    # Loss: falls while the schedule lets the optimizer move
    losses = history.history["loss"]
    assert_loss_falls(losses)
    assert losses[3] < losses[0]

    # Callback: saw every epoch, in order, with the custom metric in its logs
    assert recorder.epochs == list(range(EPOCHS))
    assert recorder.trained
    assert all({"loss", "my_mae"} <= set(logs) for logs in recorder.logs)

    # Schedule: the optimizer consulted it; its learning rate followed it step by step ...
    assert schedule.calls > 0
    assert int(to_numpy(model.optimizer.iterations)) == EPOCHS * STEPS_PER_EPOCH
    expected = [expected_rate(schedule, (epoch + 1) * STEPS_PER_EPOCH) for epoch in range(EPOCHS)]
    np.testing.assert_allclose(recorder.learning_rates, expected, rtol=1e-6)
    # ... and the updates did too: weights moved in epoch 1, froze once the rate reached 0
    assert any(not np.array_equal(a, b) for a, b in zip(recorder.weights[0], recorder.weights[1]))
    for a, b in zip(recorder.weights[3], recorder.weights[5]):
        np.testing.assert_array_equal(a, b)
    assert losses[4] == losses[5]

    # Constraint: holds on the trained kernel, and was active (weights sit at the bound)
    kernel = to_numpy(model.hidden.kernel)
    assert np.abs(kernel).max() <= CLIP + 1e-6
    assert np.isclose(np.abs(kernel), CLIP).any()

    # Custom layer's weights were trained
    assert not np.allclose(to_numpy(model.affine.scale), 1.0)

    # Metric: finite, and evaluate()'s value equals the mean absolute error of predict()
    assert all(np.isfinite(history.history["my_mae"]))
    results = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(results["my_mae"], np.mean(np.abs(predictions - y)), rtol=1e-4)
    np.testing.assert_allclose(results["loss"], np.mean((predictions - y) ** 2), rtol=1e-4)
    assert float(to_numpy(metric.count)) == len(x)  # the compiled instance holds the state
