"""keras3 as a new user writes it: call-time arguments go to the layer's call, constructor
parameters go by position as in R and Keras, and a loss or metric computes by one rule that never
looks at whether an argument equals its default. On the real backend of the run."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras3 import (
    keras_input,
    keras_model,
    keras_model_sequential,
    layer_attention,
    layer_conv_2d,
    layer_dense,
    layer_dropout,
    layer_embedding,
    layer_lstm,
    layer_multi_head_attention,
    loss_binary_crossentropy,
    loss_categorical_crossentropy,
    loss_mean_squared_error,
    metric_binary_accuracy,
    metric_mean_squared_error,
)

from .helpers import to_numpy

RNG = np.random.default_rng(7)
X = RNG.random((2, 5, 8), dtype=np.float32)


def shape(value) -> tuple[int, ...]:
    return tuple(int(d) for d in keras.ops.shape(value))


# --- call-time arguments --------------------------------------------------------------------------


def test_multi_head_attention_takes_query_and_value_and_a_causal_mask():
    out = layer_multi_head_attention([X, X], num_heads=2, key_dim=8, use_causal_mask=True, seed=1)
    assert shape(out) == (2, 5, 8)
    # Causal: the first position sees only itself, so changing later positions leaves it alone.
    later = X.copy()
    later[:, 1:] += 1.0
    layer = layer_multi_head_attention(num_heads=2, key_dim=8, seed=1)
    first = to_numpy(layer(X, X, use_causal_mask=True))[:, 0]
    again = to_numpy(layer(later, later, use_causal_mask=True))[:, 0]
    np.testing.assert_allclose(first, again, rtol=1e-5, atol=1e-6)


def test_multi_head_attention_returns_scores_when_asked():
    out, scores = layer_multi_head_attention([X, X], num_heads=2, key_dim=4, return_attention_scores=True)
    assert shape(out) == (2, 5, 8) and shape(scores) == (2, 2, 5, 5)


def test_lstm_takes_an_initial_state():
    h = np.ones((2, 4), "float32")
    c = np.zeros((2, 4), "float32")
    out = layer_lstm(X, units=4, return_sequences=True, initial_state=[h, c])
    zero = layer_lstm(X, units=4, return_sequences=True, initial_state=[h * 0, c], kernel_initializer="ones",
                      recurrent_initializer="ones")
    ones = layer_lstm(X, units=4, return_sequences=True, initial_state=[h, c], kernel_initializer="ones",
                      recurrent_initializer="ones")
    assert shape(out) == (2, 5, 4)
    assert not np.allclose(to_numpy(zero)[:, 0], to_numpy(ones)[:, 0])  # the state was used


def test_dropout_in_training_mode_drops():
    ones = np.ones((4, 100), "float32")
    dropped = to_numpy(layer_dropout(ones, rate=0.5, training=True, seed=3))
    assert (dropped == 0).any() and np.isclose(dropped.max(), 2.0)
    np.testing.assert_array_equal(to_numpy(layer_dropout(ones, rate=0.5)), ones)  # inference: unchanged


def test_attention_takes_a_causal_mask():
    out = layer_attention([X, X], use_causal_mask=True)
    later = X.copy()
    later[:, 1:] += 1.0
    np.testing.assert_allclose(to_numpy(out)[:, 0], to_numpy(layer_attention([later, later], use_causal_mask=True))[:, 0],
                               rtol=1e-5, atol=1e-6)


def test_a_causal_transformer_block_builds_in_a_functional_model():
    tokens = keras_input(shape=(6,), dtype="int32")
    x = layer_embedding(tokens, 20, 8)
    x = layer_multi_head_attention([x, x], num_heads=2, key_dim=4, use_causal_mask=True)
    x = layer_dropout(x, 0.1)
    model = keras_model(tokens, layer_dense(x, 20))
    assert shape(model(np.zeros((2, 6), "int32"))) == (2, 6, 20)


@pytest.mark.parametrize("given", [None, "sequential"])
def test_call_arguments_without_a_tensor_are_refused_clearly(given):
    target = keras_model_sequential() if given else None
    with pytest.raises(TypeError, match=r"layer_dropout: call argument\(s\) 'training' go to the layer's call"):
        layer_dropout(target, 0.5, training=True)


# --- positional use -----------------------------------------------------------------------------


def test_constructor_parameters_go_by_position_as_in_r_and_keras():
    assert shape(layer_dense(X, 64)) == (2, 5, 64)
    assert shape(layer_conv_2d(np.ones((1, 8, 8, 3), "float32"), 32, 3)) == (1, 6, 6, 32)
    assert layer_dropout(None, 0.25).rate == 0.25
    assert shape(layer_lstm(X, 8)) == (2, 8)
    dense = layer_dense(units=64)
    assert isinstance(dense, keras.layers.Dense) and dense.units == 64
    model = keras_model_sequential(input_shape=(8,))
    assert layer_dense(model, 3, "relu") is model and model.layers[-1].activation.__name__ == "relu"


def test_a_missing_required_constructor_argument_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"keras3.layer_dense\(\) missing required argument: 'units'"):
        layer_dense(X)


# --- losses and metrics: one rule -----------------------------------------------------------------

YT = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], "float32")
YP = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.3]], "float32")


def test_a_loss_computes_per_sample_unless_an_object_option_is_given():
    per_sample = to_numpy(keras.losses.binary_crossentropy(YT, YP))
    reduced = to_numpy(keras.losses.BinaryCrossentropy()(YT, YP))
    np.testing.assert_allclose(to_numpy(loss_binary_crossentropy(YT, YP)), per_sample, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(loss_binary_crossentropy(YT, YP, from_logits=False)), per_sample, rtol=1e-6)
    # The documented default, given: the class computes, as Keras's class does with it.
    for options in ({"reduction": "sum_over_batch_size"}, {"reduction": "mean"}, {"name": "x"}, {"dtype": "float32"}):
        np.testing.assert_allclose(to_numpy(loss_binary_crossentropy(YT, YP, **options)), reduced, rtol=1e-6)
    summed = to_numpy(loss_binary_crossentropy(YT, YP, reduction="sum"))
    np.testing.assert_allclose(summed, per_sample.sum(), rtol=1e-6)


def test_every_loss_follows_the_same_rule():
    yt = np.eye(3, dtype="float32")
    yp = np.full((3, 3), 1 / 3, "float32")
    for wrapper, cls in ((loss_categorical_crossentropy, keras.losses.CategoricalCrossentropy),
                         (loss_mean_squared_error, keras.losses.MeanSquaredError)):
        assert shape(wrapper(yt, yp)) == (3,)
        assert shape(wrapper(yt, yp, reduction="sum_over_batch_size")) == ()
        np.testing.assert_allclose(to_numpy(wrapper(yt, yp, name="n")), to_numpy(cls()(yt, yp)), rtol=1e-6)


def test_a_metric_computes_per_sample_unless_an_object_option_is_given():
    yt = np.array([[1.0], [0.0], [1.0], [0.0]], "float32")
    yp = np.array([[0.9], [0.2], [0.3], [0.1]], "float32")
    per_sample = to_numpy(metric_binary_accuracy(yt, yp))
    np.testing.assert_array_equal(per_sample, to_numpy(keras.metrics.binary_accuracy(yt, yp)))
    assert per_sample.ravel().tolist() == [1.0, 1.0, 0.0, 1.0]
    assert float(to_numpy(metric_binary_accuracy(yt, yp, name="acc"))) == pytest.approx(0.75)
    assert shape(metric_mean_squared_error(yt, yp)) == (4,)
    assert shape(metric_mean_squared_error(yt, yp, dtype="float32")) == ()
    # The class's own default name, given: still the object's computation.
    assert shape(metric_mean_squared_error(yt, yp, name="mean_squared_error")) == ()
    assert isinstance(metric_binary_accuracy(name="acc"), keras.metrics.BinaryAccuracy)
