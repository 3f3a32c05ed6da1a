"""Preprocessing layers the keras.io way (guides/preprocessing_layers): adapt, then use in a model
or on data; image augmentation in a Sequential; a text vectorizer."""

from __future__ import annotations

from typing import TYPE_CHECKING, assert_type

import keras
import numpy as np
from keras import layers

if TYPE_CHECKING:
    from keras._typing import Tensor  # noqa: F401  (named in assert_type strings)

data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]], dtype="float32")
normalizer = layers.Normalization(axis=-1)
normalizer.adapt(data)
normalized = normalizer(data)
assert_type(normalized, "Tensor")
print(float(keras.ops.mean(normalized)))

augmentation = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
images = np.random.default_rng(0).random(size=(2, 8, 8, 3)).astype("float32")
augmented = augmentation(images, training=True)
print(augmented.shape)

inputs = keras.Input(shape=(8, 8, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
x = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, layers.Dense(2)(x))
print(model.output_shape)

vectorizer = layers.TextVectorization(max_tokens=20, output_mode="int", output_sequence_length=4)
vectorizer.adapt(["the cat sat", "the dog ran far"])
print(vectorizer.get_vocabulary()[:3])

lookup = layers.StringLookup(vocabulary=["a", "b", "c"])
print(lookup.vocabulary_size())
