"""A layer or a model where a tensor is expected, a misspelled keras3 name: pyright strict and
mypy --strict must report them.

Each misuse carries a `# pyright: ignore[rule]` and a `# type: ignore[code]` naming the error each
checker must report there. This folder's pyrightconfig.json turns
`reportUnnecessaryTypeIgnoreComment` into an error (and leaves `# type: ignore` to mypy), and
mypy --strict warns of an unused ignore: were keras3's types to accept the misuse, a comment would
be unnecessary and the typed-usage test would fail. The holes `keras3/types.py` listed before
Keras had stubs (a layer as a later argument, inside a list, given to a layer wrapper) are here. At run
time each misuse raises (checked below), so the programs also say that the types tell the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_type

import keras
import numpy as np

import keras3
from keras3 import keras_input, keras_model, layer_dense, op_add, op_concatenate, op_mean
from keras3.types import Tensor

x = np.ones((2, 3), dtype="float32")
dense = layer_dense(units=3)
inp = keras_input(shape=(3,))
model = keras_model(inputs=inp, outputs=layer_dense(inp, units=1))


def layer_as_tensor() -> None:
    y: Tensor = op_add(dense, 1.0)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    print(y)


def model_as_tensor() -> None:
    op_add(model, x) * 2  # type: ignore[operator]  # pyright: ignore[reportOperatorIssue, reportUnusedExpression]


def result_passed_on() -> None:
    op_mean(op_add(dense, x))  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def misspelled_name() -> None:
    keras3.layer_dens(units=3)  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def layer_as_later_argument() -> None:
    op_add(x, dense)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def layer_in_a_list() -> None:
    op_concatenate([x, dense])  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


def layer_given_to_a_layer_wrapper() -> None:
    layer_dense(dense, units=2)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def any_stays_any(value: Any) -> None:
    assert_type(op_add(value, 1.0), Any)  # an Any argument is not taken for a layer


def tensors_still_type_check() -> None:
    assert_type(op_add(x, 1.0), Tensor)
    assert_type(op_add(x, x), Tensor)  # NumPy arrays in, a Tensor out, under both checkers
    assert_type(op_add(inp, 1.0), keras.KerasTensor)


misuses: list[Callable[[], None]] = [layer_as_tensor, model_as_tensor, result_passed_on, misspelled_name,
                                     layer_as_later_argument, layer_in_a_list, layer_given_to_a_layer_wrapper]
for misuse in misuses:
    try:
        misuse()
    except Exception:  # noqa: BLE001 - Keras's own error; any will do, none is the bug
        continue
    raise AssertionError(f"{misuse.__name__} ran: the checker's error would be false")
any_stays_any(x)
tensors_still_type_check()
