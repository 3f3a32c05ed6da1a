"""What a user does with the tensors ops return: it type-checks without a cast."""

from __future__ import annotations

from typing import assert_type

import keras
import numpy as np

from keras3 import (
    op_add, op_dtype, op_matmul, op_mean, op_ones, op_shape, op_split, op_top_k, op_zeros, layer_dense,
    keras_input,
)
from keras3.types import Tensor

x = op_ones((3, 4))
assert_type(x, Tensor)
rows: int = x.shape[0]
assert_type(x.ndim, int)
assert_type(len(x), int)
y = x + 1.0
assert_type(y, Tensor)
z = (x * 2 - y) / 3 ** x
assert_type(z, Tensor)
assert_type(x @ op_ones((4, 2)), Tensor)
assert_type(x > 0.5, Tensor)
assert_type(x == y, Tensor)
assert_type(-x, Tensor)
assert_type(x[0], Tensor)
assert_type(x[:, 1:3], Tensor)
array = np.asarray(x)
total = float(op_mean(x))
assert_type(op_shape(x), tuple[int, ...])
assert_type(op_dtype(x), str)
values, indices = op_top_k(op_zeros((5,)), k=2)
assert_type(values, Tensor)
assert_type(op_split(x, 3), list[Tensor])
assert_type(op_matmul(x, op_add(op_ones((4, 4)), x[0])), Tensor)
for row in x:
    assert_type(row, Tensor)

inp = keras_input(shape=(4,))
assert_type(op_shape(inp), tuple[int | None, ...])
assert_type(op_add(inp, 1.0), keras.KerasTensor)
print(rows, array.shape, total, indices, layer_dense)
