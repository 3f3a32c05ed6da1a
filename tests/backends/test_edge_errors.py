"""Errors at the binding's edge (issue 19): when Keras refuses an argument inside a wrapper, the
error names the keras3 wrapper, the parameter, the value (its repr: quotes visible) and its type in
front of Keras's own message, is of Keras's exception class (or its builtin base) and chains Keras's
exception. Run on every backend: each raises a different message from a different place."""

from __future__ import annotations

import re

import keras3
import numpy as np
import pytest
from keras3 import layer_dense, op_add


def test_op_add_of_a_string_and_none_names_the_wrapper_and_the_argument(backend):
    with pytest.raises((TypeError, ValueError)) as raised:
        op_add("a", None)
    message = str(raised.value)
    assert re.match(r"keras3\.op_add\((x2=None of type NoneType|x1='a' of type str)", message), message
    cause = raised.value.__cause__
    assert isinstance(cause, (TypeError, ValueError)), "Keras's own exception is chained"
    assert str(cause) in message, "Keras's message follows the keras3 prefix"
    assert isinstance(raised.value, (TypeError if isinstance(cause, TypeError) else ValueError))


def test_layer_dense_of_a_string_unit_shows_the_quotes_and_keeps_the_class(backend):
    with pytest.raises(ValueError) as raised:  # existing `except ValueError` code keeps working
        layer_dense(units="3")
    message = str(raised.value)
    assert message.startswith("keras3.layer_dense(units='3' of type str): "), message
    assert type(raised.value) is type(raised.value.__cause__)
    assert str(raised.value.__cause__) in message


def test_a_valid_call_is_unchanged_and_a_keras3_error_is_not_wrapped_twice(backend):
    assert np.allclose(np.asarray(keras3.op_convert_to_numpy(op_add([1.0, 2.0], [3.0, 4.0]))), [4.0, 6.0])
    layer = layer_dense(units=3)
    assert layer.units == 3
    with pytest.raises(TypeError, match=r"^keras3\.layer_dense\(\) missing required argument: 'units'"):
        layer_dense()
