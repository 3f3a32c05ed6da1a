"""`from_config()` (issue 19), as {keras3}'s: a model or layer rebuilt from its `get_config()` dict
(bare, with `cls` or its class told from the dict, as keras.io's saving guide does) or from
`keras.saving.serialize_keras_object()`'s dict, custom objects included; on a real backend."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras3 import from_config, keras_input, keras_model, keras_model_sequential, layer_dense

from .helpers import seeded, to_numpy


def _same_architecture(a: keras.Model, b: keras.Model) -> None:
    assert a is not b
    assert [type(x).__name__ for x in a.layers] == [type(x).__name__ for x in b.layers]
    assert [tuple(w.shape) for w in a.weights] == [tuple(w.shape) for w in b.weights]
    assert b.get_config() == a.get_config()


def _sequential() -> keras.Sequential:
    seeded(0)
    model = keras_model_sequential(input_shape=(4,), name="stack")
    layer_dense(model, units=8, activation="relu", name="first")
    layer_dense(model, units=2, name="second")
    return model


def _functional() -> keras.Model:
    seeded(0)
    inputs = keras_input(shape=(4,), name="x")
    hidden = layer_dense(inputs, units=8, activation="relu")
    return keras_model(inputs, layer_dense(hidden, units=2), name="graph")


@pytest.mark.parametrize("make", [_sequential, _functional], ids=["sequential", "functional"])
def test_a_bare_get_config_dict_rebuilds_the_model(make):
    model = make()
    rebuilt = from_config(model.get_config())  # the class told from the dict
    assert type(rebuilt) is type(model)
    _same_architecture(model, rebuilt)
    again = from_config(model.get_config(), cls=type(model))  # as keras.io: keras.Sequential.from_config
    _same_architecture(model, again)
    x = np.ones((3, 4), dtype="float32")
    rebuilt.set_weights(model.get_weights())
    assert np.allclose(to_numpy(rebuilt(x)), to_numpy(model(x)), atol=1e-6)


def test_a_serialized_dict_and_a_layer_config_rebuild_with_their_class():
    model = _functional()
    rebuilt = from_config(keras.saving.serialize_keras_object(model))
    _same_architecture(model, rebuilt)
    layer = layer_dense(units=5, activation="tanh", use_bias=False, name="d")
    again = from_config(layer.get_config(), cls=keras.layers.Dense)
    assert isinstance(again, keras.layers.Dense) and again.get_config() == layer.get_config()
    assert from_config(keras.saving.serialize_keras_object(layer)).get_config() == layer.get_config()


def test_custom_objects_are_found_and_a_classless_dict_is_refused():
    class Scale(keras.layers.Layer):
        def __init__(self, factor: float = 2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    inputs = keras_input(shape=(3,))
    model = keras_model(inputs, Scale(3.0, name="scale")(inputs))
    rebuilt = from_config(model.get_config(), custom_objects={"Scale": Scale})
    assert isinstance(rebuilt.get_layer("scale"), Scale) and rebuilt.get_layer("scale").factor == 3.0
    with pytest.raises(ValueError, match=r"does not say its class .*pass cls="):
        from_config({"units": 3})
