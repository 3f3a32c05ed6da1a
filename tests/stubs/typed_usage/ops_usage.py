"""keras.ops the keras.io way: NumPy-like ops on arrays give backend tensors (`Tensor`), ops on a
symbolic input give KerasTensors, structure ops give tuples and lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_type

import keras
import numpy as np
from keras import ops
from numpy.typing import NDArray

if TYPE_CHECKING:
    from keras._typing import Tensor  # noqa: F401  (named in assert_type strings)

x = np.arange(12, dtype="float32").reshape(3, 4)
total = ops.add(x, x)
assert_type(total, "Tensor")
product = ops.matmul(x, ops.transpose(x))
assert_type(product, "Tensor")
assert tuple(product.shape) == (3, 3)
mean = ops.mean(total, axis=-1)
print(float(ops.max(mean)))
assert_type(ops.shape(x), tuple[int, ...])
assert_type(ops.convert_to_numpy(total), NDArray[Any])
parts = ops.split(x, 2, axis=1)
assert_type(parts, "list[Tensor]")
values, indices = ops.top_k(ops.reshape(x, (-1,)), k=2)
print(values, indices)
probabilities = keras.activations.softmax(ops.convert_to_tensor(x))
assert_type(probabilities, "Tensor")
noise = keras.random.normal((2, 2), seed=1)
assert_type(noise, "Tensor")
scaled = total * 2.0 - 1.0
assert_type(scaled, "Tensor")

symbolic = keras.Input(shape=(4,))
assert_type(ops.add(symbolic, 1.0), keras.KerasTensor)
assert_type(ops.shape(symbolic), tuple[int | None, ...])
