"""A training loop from scratch on jax, the keras.io way (guides/writing_a_custom_training_loop_in_jax):
stateless calls, jax.value_and_grad, the optimizer's stateless_apply. Runs on the jax backend.
jax's own `value_and_grad` and `jit` are partly unknown to pyright: the two ignores are jax's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import jax
import keras
import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from keras._typing import Tensor

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
optimizer.build(model.trainable_variables)


def compute_loss_and_updates(trainable: Any, non_trainable: Any, x: NDArray[Any],
                             y: NDArray[Any]) -> tuple[Tensor, Any]:
    y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
    return loss_fn(y, y_pred), non_trainable


grad_fn: Any = jax.value_and_grad(compute_loss_and_updates, has_aux=True)  # pyright: ignore[reportUnknownMemberType]


def train_step(state: Any, x: Any, y: Any) -> tuple[Any, Any]:
    trainable, non_trainable, optimizer_variables = state
    (loss, non_trainable), grads = grad_fn(trainable, non_trainable, x, y)
    trainable, optimizer_variables = optimizer.stateless_apply(optimizer_variables, grads, trainable)
    return loss, (trainable, non_trainable, optimizer_variables)


jit_train_step = cast(Callable[..., tuple[Any, Any]], jax.jit(train_step))  # pyright: ignore[reportUnknownMemberType]


if keras.config.backend() == "jax":
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    y = rng.integers(0, 2, size=(16,))
    loss: Any
    state: Any = ([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])
    for _ in range(2):
        loss, state = jit_train_step(state, x, y)
        print(float(loss))
    for variable, value in zip(model.trainable_variables, state[0]):
        variable.assign(value)
