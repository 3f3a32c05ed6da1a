"""layer_feature_space with the feature_* family on synthetic tabular data: adapted, used to
encode, and used to feed a model that trains.

Keras's FeatureSpace runs its preprocessing on TensorFlow (tf.data and lookup tables) whatever
the backend is; TensorFlow is installed, and FeatureSpace works on every backend, numpy included.
Its `adapt()` accepts a `tf.data.Dataset` or a dict of arrays (it turns the dict into a Dataset).
"""

from __future__ import annotations

import numpy as np
import pytest
from keras3 import (
    feature_cross,
    feature_float_normalized,
    feature_integer_categorical,
    feature_string_categorical,
    keras_model,
    layer_dense,
    layer_feature_space,
    loss_mean_squared_error,
    metric_mean_absolute_error,
    optimizer_adam,
)

from .conftest import NUMPY_CANNOT_TRAIN, needs
from .helpers import assert_loss_falls, seeded, to_numpy

COLORS = ("red", "green", "blue")
CODES = (0, 1, 2, 3)
CROSSING_DIM = 8
# one normalized float + 3 colours + 4 codes (no OOV slot) + the hashed cross
ENCODED_WIDTH = 1 + len(COLORS) + len(CODES) + CROSSING_DIM


def tabular(n: int = 96, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    data = {
        "income": rng.normal(50.0, 10.0, size=n).astype("float32"),
        "color": rng.choice(COLORS, size=n),
        "code": rng.choice(CODES, size=n).astype("int64"),
    }
    target = (
        (data["income"] - 50.0) / 10.0 + (data["color"] == "red") - 0.5 * (data["code"] == 2)
    ).astype("float32")[:, None]
    return data, target


def feature_space(output_mode: str):
    return layer_feature_space(
        features={
            "income": feature_float_normalized(),
            "color": feature_string_categorical(num_oov_indices=0),
            "code": feature_integer_categorical(num_oov_indices=0),
        },
        crosses=[feature_cross(("color", "code"), crossing_dim=CROSSING_DIM)],
        output_mode=output_mode,
    )


def as_dataset(data):
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(data)


@pytest.mark.parametrize(
    "adapt_on", [lambda d: d, as_dataset], ids=["dict-of-arrays", "tf-data-dataset"]
)
def test_feature_space_adapts_and_encodes_each_feature(backend, adapt_on):
    data, _ = tabular()
    space = feature_space("dict")
    space.adapt(adapt_on(data))
    encoded = {name: to_numpy(value) for name, value in space(data).items()}
    assert set(encoded) == {"income", "color", "code", "color_X_code"}

    # float_normalized: standardised with the mean and variance adapt() learned
    income = data["income"]
    np.testing.assert_allclose(
        encoded["income"][:, 0], (income - income.mean()) / income.std(), atol=1e-3
    )

    # string_categorical and integer_categorical: one-hot at the category's vocabulary index
    for name, categories in (("color", COLORS), ("code", CODES)):
        vocabulary = [
            v.item() if hasattr(v, "item") else v
            for v in space.preprocessors[name].get_vocabulary()
        ]
        assert sorted(vocabulary) == sorted(categories)
        one_hot = encoded[name]
        assert one_hot.shape == (len(income), len(categories))
        np.testing.assert_array_equal(one_hot.sum(axis=1), 1.0)
        expected = [vocabulary.index(value.item()) for value in data[name]]
        np.testing.assert_array_equal(one_hot.argmax(axis=1), expected)

    # cross: one hashed bucket per row, the same bucket for the same (color, code) pair
    crossed = encoded["color_X_code"]
    assert crossed.shape == (len(income), CROSSING_DIM)
    np.testing.assert_array_equal(crossed.sum(axis=1), 1.0)
    bucket_of: dict[tuple, int] = {}
    for color, code, bucket in zip(data["color"], data["code"], crossed.argmax(axis=1)):
        assert bucket_of.setdefault((color.item(), code.item()), bucket) == bucket


def test_feature_space_concat_output(backend):
    data, _ = tabular()
    space = feature_space("concat")
    space.adapt(data)
    assert tuple(space.get_encoded_features().shape) == (None, ENCODED_WIDTH)
    assert set(space.get_inputs()) == {"income", "color", "code"}
    encoded = to_numpy(space(data))
    assert encoded.shape == (len(data["income"]), ENCODED_WIDTH)
    assert np.all(np.isfinite(encoded))
    # every row: the normalized income plus exactly one hot slot for color, code and the cross
    income = data["income"]
    np.testing.assert_allclose(
        encoded.sum(axis=1), (income - income.mean()) / income.std() + 3.0, atol=1e-3
    )


@needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)
def test_model_trains_on_feature_space_encodings(backend):
    """The Keras recipe: FeatureSpace maps a tf.data pipeline, a model built on
    get_encoded_features() trains on its output."""
    seeded()
    data, target = tabular()
    space = feature_space("concat")
    space.adapt(as_dataset(data))

    encoded = space.get_encoded_features()
    hidden = layer_dense(encoded, units=16, activation="relu")
    model = keras_model(encoded, layer_dense(hidden, units=1))
    model.compile(
        optimizer=optimizer_adam(learning_rate=0.02),
        loss=loss_mean_squared_error(),
        metrics=[metric_mean_absolute_error()],
    )

    batches = as_dataset((data, target)).batch(32).map(lambda x, y: (space(x), y))
    history = model.fit(batches, epochs=6, shuffle=False, verbose=0)
    assert_loss_falls(history.history["loss"])
    predictions = model.predict(batches, verbose=0)
    assert predictions.shape == (len(target), 1)
    assert np.mean((predictions - target) ** 2) < np.mean((target - target.mean()) ** 2)
