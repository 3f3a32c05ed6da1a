"""A training loop from scratch on torch, the keras.io way
(guides/writing_a_custom_training_loop_in_torch): a Keras model and optimizer, torch's autograd.
On torch a Keras layer is a torch Module and its outputs torch tensors: narrowed with isinstance
before torch's own methods are used (the stubs type what every backend shares). Runs on torch."""

from __future__ import annotations

import keras
import numpy as np

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
optimizer = keras.optimizers.Adam(learning_rate=1e-3)

if keras.config.backend() == "torch":
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    inputs = torch.tensor(rng.normal(size=(16, 4)).astype("float32"))
    targets = torch.tensor(rng.integers(0, 2, size=(16,)))
    for step in range(2):
        logits = model(inputs)
        assert isinstance(logits, torch.Tensor)
        loss = loss_fn(logits, targets)
        assert isinstance(model, torch.nn.Module)
        model.zero_grad()
        trainable_weights = list(model.trainable_weights)
        loss.backward()
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            optimizer.apply(gradients, trainable_weights)
        print(step, loss.item())
