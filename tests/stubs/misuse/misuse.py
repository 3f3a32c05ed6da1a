"""Real mistakes in plain Keras: every statement below is one, and both checkers must say so.

Each carries `# type: ignore[<mypy code>]` and `# pyright: ignore[<rule>]` naming the error
expected there; this folder's configs make an unneeded ignore an error (mypy's
warn_unused_ignores, pyright's reportUnnecessaryTypeIgnoreComment, with pyright reading only its
own comments), so were the stubs to accept a mistake, the check would fail.
"""

from __future__ import annotations

import keras
import numpy as np

x = np.ones((4, 3), dtype="float32")
y = np.ones((4, 1), dtype="float32")
layer = keras.layers.Dense(3)
model = keras.Sequential([keras.Input(shape=(3,)), layer])


def wrong_argument_types() -> None:
    keras.layers.Dense(units="four")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    keras.layers.Conv2D(8, 3, padding=None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    keras.layers.Dense(4, activation=3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    keras.optimizers.Adam(learning_rate="fast")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    keras.losses.MeanSquaredError(reduction="average")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    model.fit(x, y, epochs="2")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    model.compile(optimizer=3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def layer_as_tensor() -> None:
    keras.ops.add(layer, 1.0)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    keras.ops.add(x, layer)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    keras.ops.concatenate([x, layer])  # type: ignore[list-item]  # pyright: ignore[reportCallIssue, reportArgumentType]
    keras.layers.Dense(4)(layer)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    keras.activations.relu(model)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


def symbolic_as_concrete() -> None:
    float(keras.Input(shape=(3,)))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    len(keras.Input(shape=(3,)))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def missing_required_arguments() -> None:
    keras.layers.Dense()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    keras.ops.matmul(x)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    keras.layers.Embedding(10)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


def wrong_uses_of_models() -> None:
    model.add("dense")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    model.fit(x, y, epochz=2)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    model.predict()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
