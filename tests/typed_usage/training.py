"""Training the keras.io way, through the model verbs: inputs by name, a PyDataset, predictions
used as arrays. pyright strict must accept every line (the verbs take what Model.fit takes, and
`predict` returns `NDArray | Any`: the one-output case checked, the others never rejected)."""

from __future__ import annotations

from typing import Any, assert_type

import keras
import numpy as np
from numpy.typing import NDArray

from keras3 import (
    compile,
    evaluate,
    fit,
    keras_input,
    keras_model,
    layer_concatenate,
    layer_dense,
    op_argmax,
    predict,
)
from keras3.types import Tensor

rng = np.random.default_rng(0)
xa = rng.normal(size=(32, 4)).astype("float32")
xb = rng.normal(size=(32, 2)).astype("float32")
y = rng.integers(0, 3, size=(32,))

a = keras_input(shape=(4,), name="a")
b = keras_input(shape=(2,), name="b")
hidden = layer_dense(layer_concatenate([a, b]), units=8, activation="relu")
model = keras_model(inputs=[a, b], outputs=layer_dense(hidden, units=3, activation="softmax"))
compile(model, optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

# Inputs keyed by the inputs' names, and a list in the inputs' order.
fit(model, {"a": xa, "b": xb}, y, epochs=1, batch_size=8, verbose=0)
fit(model, [xa, xb], y, epochs=1, batch_size=8, verbose=0)


class Batches(keras.utils.PyDataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> tuple[dict[str, NDArray[Any]], NDArray[Any]]:
        rows = slice(index * 8, (index + 1) * 8)
        return {"a": xa[rows], "b": xb[rows]}, y[rows]


fit(model, Batches(), epochs=1, verbose=0)

probabilities = predict(model, {"a": xa, "b": xb}, verbose=0)
print(probabilities.shape)  # one output: an array, used as one without narrowing
labels = op_argmax(probabilities, axis=-1)
assert_type(labels, Tensor)
assert tuple(np.asarray(labels).shape) == (32,)
loss = evaluate(model, {"a": xa, "b": xb}, y, verbose=0)
print(loss)
