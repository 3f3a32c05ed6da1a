"""Keras.io-style programs, end to end, through keras3 alone (plus NumPy, and the backend's own
autodiff for the custom training loops). Each is modelled on a well-known keras.io example and
shrunk to synthetic data that trains in seconds; each is seeded and checks what the program is
for: the loss falls, the model learns the task, shapes are right, a reloaded model predicts the
same.

`make test` runs this file once per backend. Keras's numpy backend cannot train (no trainer and
no autodiff): programs that train skip there with that reason, the others run.
"""

from __future__ import annotations

import numpy as np
import pytest

import keras3
from keras3 import (
    callback_early_stopping,
    callback_model_checkpoint,
    evaluate,
    feature_float_normalized,
    feature_integer_categorical,
    feature_string_categorical,
    fit,
    keras_input,
    keras_model,
    keras_model_sequential,
    layer_add,
    layer_conv_2d,
    layer_dense,
    layer_dropout,
    layer_embedding,
    layer_feature_space,
    layer_flatten,
    layer_global_average_pooling_1d,
    layer_layer_normalization,
    layer_max_pooling_2d,
    layer_multi_head_attention,
    layer_text_vectorization,
    load_model,
    loss_sparse_categorical_crossentropy,
    metric_sparse_categorical_accuracy,
    op_arange,
    op_convert_to_tensor,
    op_expand_dims,
    op_mean,
    op_shape,
    optimizer_adam,
    predict,
    random_normal,
    save_model,
)

from .conftest import NUMPY_CANNOT_TRAIN, needs
from .helpers import assert_loss_falls, seeded, to_numpy

trains = needs("jax", "torch", "tensorflow", why=NUMPY_CANNOT_TRAIN)


def _accuracy(probabilities, labels) -> float:
    predicted = to_numpy(probabilities).argmax(-1)
    return float((predicted == np.asarray(labels).reshape(predicted.shape)).mean())


# --- 1. "Simple MNIST convnet" (keras.io/examples/vision/mnist_convnet) ---------------------------


def _stripes(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """10x10 grey images of three classes: a horizontal bar, a vertical bar, a diagonal; plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    images = rng.normal(0.0, 0.2, size=(n, 10, 10, 1)).astype("float32")
    for image, label in zip(images, labels):
        k = rng.integers(2, 8)
        if label == 0:
            image[k, :, 0] += 2.0
        elif label == 1:
            image[:, k, 0] += 2.0
        else:
            image[np.arange(10), np.arange(10), 0] += 2.0
    return images, labels


@trains
def test_mnist_like_convnet():
    seeded(1)
    x, y = _stripes(160)
    x_test, y_test = _stripes(64, seed=1)
    model = keras_model_sequential(input_shape=(10, 10, 1))
    layer_conv_2d(model, filters=6, kernel_size=(3, 3), activation="relu")
    layer_max_pooling_2d(model, pool_size=(2, 2))
    layer_conv_2d(model, filters=6, kernel_size=(3, 3), activation="relu")
    layer_flatten(model)
    layer_dropout(model, rate=0.2)
    layer_dense(model, units=3, activation="softmax")
    keras3.compile(model, loss="sparse_categorical_crossentropy", optimizer=optimizer_adam(learning_rate=5e-3),
                   metrics=["accuracy"])
    history = fit(model, x, y, batch_size=32, epochs=8, verbose=0)
    assert_loss_falls(history.history["loss"])
    assert model.output_shape == (None, 3)
    assert evaluate(model, x_test, y_test, verbose=0, return_dict=True)["accuracy"] > 0.8


# --- 2. "Text classification from scratch" (keras.io/examples/nlp/text_classification_from_scratch)


GOOD = ["great", "wonderful", "loved", "superb", "fun"]
BAD = ["awful", "boring", "hated", "dull", "terrible"]
FILLER = ["the", "movie", "plot", "actors", "was", "really", "and", "film", "story", "quite"]


def _reviews(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    texts = []
    for label in labels:
        words = list(rng.choice(FILLER, size=6)) + list(rng.choice(GOOD if label else BAD, size=2))
        rng.shuffle(words)
        texts.append(" ".join(words))
    return np.array(texts), labels.astype("float32")


@trains
def test_text_classification_from_scratch():
    seeded(2)
    texts, labels = _reviews(256)
    test_texts, test_labels = _reviews(64, seed=1)
    vectorize = layer_text_vectorization(max_tokens=64, output_mode="int", output_sequence_length=10)
    vectorize.adapt(texts)
    vocabulary = vectorize.get_vocabulary()
    assert vocabulary[:2] == ["", "[UNK]"] and set(GOOD + BAD) <= set(vocabulary)

    tokens = to_numpy(vectorize(texts))
    assert tokens.shape == (256, 10) and tokens.dtype.kind == "i"
    inputs = keras_input(shape=(10,), dtype="int64")
    x = layer_embedding(inputs, input_dim=64, output_dim=16)
    x = layer_global_average_pooling_1d(x)
    x = layer_dropout(x, rate=0.1)
    outputs = layer_dense(x, units=1, activation="sigmoid")
    model = keras_model(inputs, outputs)
    keras3.compile(model, loss="binary_crossentropy", optimizer=optimizer_adam(learning_rate=1e-2),
                   metrics=["accuracy"])
    history = fit(model, tokens, labels, batch_size=32, epochs=10, verbose=0)
    assert_loss_falls(history.history["loss"])
    probabilities = to_numpy(predict(model, to_numpy(vectorize(test_texts)), verbose=0))
    assert float(((probabilities[:, 0] > 0.5) == test_labels).mean()) > 0.9


# --- 3. "Text generation with a miniature GPT" (keras.io/examples/generative/text_generation_with_miniature_gpt)

VOCAB, SEQ = 12, 8


def _counting(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences that count up modulo VOCAB from a random start: the next token is always +1."""
    starts = np.random.default_rng(seed).integers(0, VOCAB, size=(n, 1))
    tokens = (starts + np.arange(SEQ + 1)) % VOCAB
    return tokens[:, :-1].astype("int32"), tokens[:, 1:].astype("int32")


class TokenAndPositionEmbedding(keras3.Layer):
    """The keras.io example's embedding: token embedding plus a learned embedding of the position."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layer_embedding(input_dim=VOCAB, output_dim=16)
        self.positions = layer_embedding(input_dim=SEQ, output_dim=16)

    def call(self, x):
        return self.tokens(x) + self.positions(op_arange(0, op_shape(x)[-1]))


def _gpt(attention):
    """A one-block causal transformer; `attention(x)` is the causal self-attention under test."""
    inputs = keras_input(shape=(SEQ,), dtype="int32")
    x = TokenAndPositionEmbedding()(inputs)
    x = layer_layer_normalization(layer_add([x, attention(x)]), epsilon=1e-6)
    x = layer_layer_normalization(layer_add([x, layer_dense(layer_dense(x, units=32, activation="relu"), units=16)]),
                                  epsilon=1e-6)
    return keras_model(inputs, layer_dense(x, units=VOCAB))


def _train_gpt(model) -> None:
    x, y = _counting(192)
    keras3.compile(model, optimizer=optimizer_adam(learning_rate=1e-2),
                   loss=keras3.loss_sparse_categorical_crossentropy(from_logits=True))
    history = fit(model, x, y, batch_size=64, epochs=8, verbose=0)
    assert_loss_falls(history.history["loss"])
    test_x, test_y = _counting(32, seed=1)
    logits = to_numpy(predict(model, test_x, verbose=0))
    assert logits.shape == (32, SEQ, VOCAB)
    assert _accuracy(logits, test_y) > 0.9  # it learned "next = this + 1"


def _causality_holds(model) -> None:
    """A causal model's output at position t does not depend on tokens after t."""
    x, _ = _counting(4, seed=2)
    changed = x.copy()
    changed[:, -1] = (changed[:, -1] + 5) % VOCAB
    before, after = to_numpy(predict(model, x, verbose=0)), to_numpy(predict(model, changed, verbose=0))
    np.testing.assert_allclose(before[:, :-1], after[:, :-1], atol=1e-5)
    assert not np.allclose(before[:, -1], after[:, -1])


@trains
def test_miniature_gpt_with_call_time_causal_mask():
    """keras.io's miniature GPT: `use_causal_mask` is a call-time argument, routed to the call."""
    seeded(3)
    model = _gpt(lambda x: layer_multi_head_attention([x, x], num_heads=2, key_dim=8, use_causal_mask=True))
    _train_gpt(model)
    _causality_holds(model)


@trains
def test_miniature_gpt_calling_the_attention_layer_itself():
    """The same program as Keras writes it: the wrapper returns the layer, and the layer is called
    with use_causal_mask."""
    seeded(3)
    model = _gpt(lambda x: layer_multi_head_attention(num_heads=2, key_dim=8)(x, x, use_causal_mask=True))
    _train_gpt(model)
    _causality_holds(model)


# --- 4. "Writing a training loop from scratch" (keras.io/guides/writing_a_training_loop_from_scratch
#        in its jax, torch and tensorflow editions) -------------------------------------------------


def _loop_model():
    seeded(4)
    model = keras_model_sequential(input_shape=(4,))
    layer_dense(model, units=16, activation="relu")
    layer_dense(model, units=3)
    return model


def _loop_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(128, 4)).astype("float32")
    # Three linearly separable classes: the larger of three fixed projections.
    scores = x @ np.array([[2.0, -1.0, 0.0], [0.0, 2.0, -1.0], [-1.0, 0.0, 2.0], [1.0, 1.0, 1.0]], "float32")
    return x, scores.argmax(-1).astype("int32")


def _jax_loop(model, loss_fn, optimizer, batches) -> list[float]:
    import jax

    optimizer.build(model.trainable_variables)

    def compute_loss(trainable, non_trainable, x, y):
        y_pred, non_trainable = model.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, y_pred), non_trainable

    grad_fn = jax.value_and_grad(compute_loss, has_aux=True)

    @jax.jit
    def train_step(state, x, y):
        trainable, non_trainable, optimizer_variables = state
        (loss, non_trainable), grads = grad_fn(trainable, non_trainable, x, y)
        trainable, optimizer_variables = optimizer.stateless_apply(optimizer_variables, grads, trainable)
        return loss, (trainable, non_trainable, optimizer_variables)

    state = ([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables],
             [v.value for v in optimizer.variables])
    losses = []
    for x, y in batches:
        loss, state = train_step(state, x, y)
        losses.append(float(loss))
    trainable, non_trainable, _ = state
    for variable, value in zip(model.trainable_variables, trainable):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable):
        variable.assign(value)
    return losses


def _torch_loop(model, loss_fn, optimizer, batches) -> list[float]:
    import torch

    losses = []
    for x, y in batches:
        logits = model(op_convert_to_tensor(x), training=True)
        loss = loss_fn(op_convert_to_tensor(y), logits)
        model.zero_grad()
        loss.backward()
        trainable = model.trainable_weights
        with torch.no_grad():
            optimizer.apply([v.value.grad for v in trainable], trainable)
        losses.append(float(loss))
    return losses


def _tensorflow_loop(model, loss_fn, optimizer, batches) -> list[float]:
    import tensorflow as tf

    losses = []
    for x, y in batches:
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        losses.append(float(loss))
    return losses


@trains
def test_custom_training_loop(backend):
    x, y = _loop_data()
    model = _loop_model()
    loss_fn = loss_sparse_categorical_crossentropy(from_logits=True)
    optimizer = optimizer_adam(learning_rate=1e-2)
    batches = [(x[i:i + 32], y[i:i + 32]) for _ in range(15) for i in range(0, 128, 32)]
    loop = {"jax": _jax_loop, "torch": _torch_loop, "tensorflow": _tensorflow_loop}[backend]
    losses = loop(model, loss_fn, optimizer, batches)
    assert len(losses) == 60
    first, last = np.mean(losses[:4]), np.mean(losses[-4:])
    assert last < 0.5 * first, (first, last)
    # The model trained in place: fit's own evaluation sees the learned weights.
    metric = metric_sparse_categorical_accuracy()
    metric.update_state(y, predict(model, x, verbose=0))
    assert float(metric.result()) > 0.85


# --- 5. "Making new layers and models via subclassing" (keras.io/guides/making_new_layers_and_models_via_subclassing)


@keras3.register_keras_serializable(package="keras_io_programs")
class Linear(keras3.Layer):
    def __init__(self, units: int = 8, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return inputs @ self.w + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras3.register_keras_serializable(package="keras_io_programs")
class ActivityRegularization(keras3.Layer):
    """Adds `rate * mean(x^2)` of its input to the model's losses (the guide's add_loss example)."""

    def __init__(self, rate: float = 1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * op_mean(inputs * inputs))
        return inputs

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


@keras3.register_keras_serializable(package="keras_io_programs")
class TinyMLP(keras3.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Linear(16)
        self.regularize = ActivityRegularization(1e-2)
        self.out = Linear(1)

    def call(self, inputs):
        x = self.regularize(keras3.activation_relu(self.hidden(inputs)))
        return self.out(x)


def test_custom_layer_shapes_weights_and_config():
    seeded(5)
    layer = Linear(4)
    y = layer(random_normal((2, 3), seed=5))
    assert tuple(y.shape) == (2, 4)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (4,)]
    clone = Linear.from_config(layer.get_config())
    assert clone.units == 4 and clone.name == layer.name
    regularize = ActivityRegularization(0.5)
    regularize(op_expand_dims(op_convert_to_tensor(np.array([1.0, 3.0], "float32")), 0))
    assert float(to_numpy(regularize.losses[0])) == pytest.approx(0.5 * 5.0)


@trains
def test_subclassed_model_trains_with_its_own_losses():
    seeded(5)
    x = np.random.default_rng(5).normal(size=(128, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [2.0], [0.5]], "float32")).astype("float32")
    model = TinyMLP()
    keras3.compile(model, optimizer=optimizer_adam(learning_rate=1e-2), loss="mse")
    history = fit(model, x, y, batch_size=32, epochs=15, verbose=0)
    assert_loss_falls(history.history["loss"])
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


# --- 6. Save and load ("Save, serialize, and export models", keras.io/guides/serialization_and_saving),
#        with the loss and metric wrappers passed uncalled, as R users write them ---------------------


@trains
def test_save_and_load_with_uncalled_wrappers(tmp_path):
    seeded(6)
    x, y = _loop_data()
    model = keras_model_sequential(input_shape=(4,))
    layer_dense(model, units=16, activation="relu")
    layer_dense(model, units=3, activation="softmax")
    keras3.compile(model, optimizer=optimizer_adam(learning_rate=1e-2),
                   loss=loss_sparse_categorical_crossentropy, metrics=[metric_sparse_categorical_accuracy])
    history = fit(model, x, y, batch_size=32, epochs=5, verbose=0)
    assert set(history.history) == {"loss", "sparse_categorical_accuracy"}
    path = tmp_path / "classifier.keras"
    save_model(model, path)
    restored = load_model(path)  # no custom_objects: the wrappers saved under Keras's names
    np.testing.assert_allclose(to_numpy(predict(restored, x, verbose=0)), to_numpy(predict(model, x, verbose=0)),
                               rtol=1e-6)
    assert evaluate(restored, x, y, verbose=0, return_dict=True) == pytest.approx(
        evaluate(model, x, y, verbose=0, return_dict=True))
    assert [w.shape for w in restored.get_weights()] == [w.shape for w in model.get_weights()]


# --- 7. Callbacks: EarlyStopping and ModelCheckpoint ("Writing your own callbacks" and the
#        callbacks API pages of keras.io) -----------------------------------------------------------------


@trains
def test_early_stopping_and_model_checkpoint(tmp_path):
    seeded(7)
    x, y = _loop_data()
    model = _loop_model()
    keras3.compile(model, optimizer=optimizer_adam(learning_rate=1e-2),
                   loss=loss_sparse_categorical_crossentropy(from_logits=True))
    best = tmp_path / "best.keras"
    # A min_delta no epoch can beat: every epoch after the first counts as "no improvement", so
    # training stops after exactly 1 + patience epochs of the 50 asked for.
    stop = callback_early_stopping(monitor="val_loss", min_delta=100.0, patience=2)
    checkpoint = callback_model_checkpoint(filepath=str(best), monitor="val_loss", save_best_only=True)
    history = fit(model, x, y, validation_split=0.25, epochs=50, batch_size=32, verbose=0,
                  callbacks=[stop, checkpoint])
    assert len(history.history["loss"]) == 3
    assert stop.stopped_epoch == 2
    assert best.exists()
    saved = load_model(best)
    # save_best_only kept the epoch with the lowest validation loss.
    val_x, val_y = x[96:], y[96:]
    assert evaluate(saved, val_x, val_y, verbose=0) == pytest.approx(min(history.history["val_loss"]), rel=1e-4)


# --- 8. "Structured data classification with FeatureSpace"
#        (keras.io/examples/structured_data/structured_data_classification_with_feature_space) -------


def _patients(n: int, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    data = {
        "age": rng.normal(55.0, 9.0, size=n).astype("float32"),
        "thal": rng.choice(["normal", "fixed", "reversible"], size=n),
        "cp": rng.integers(0, 4, size=n).astype("int64"),
    }
    risk = (data["age"] - 55.0) / 9.0 + 1.5 * (data["thal"] == "reversible") + (data["cp"] == 3) - 0.8
    return data, (risk > 0).astype("float32")[:, None]


def _patient_feature_space():
    """keras.io's structured-data FeatureSpace: a normalized float, a string and an integer category."""
    return layer_feature_space(
        features={"age": feature_float_normalized(), "thal": feature_string_categorical(),
                  "cp": feature_integer_categorical()},
        output_mode="concat",
    )


@trains
def test_structured_data_with_feature_space():
    import tensorflow as tf  # FeatureSpace preprocesses on tf.data whatever the backend (as on keras.io)

    seeded(8)
    data, target = _patients(256)
    space = _patient_feature_space()
    space.adapt(tf.data.Dataset.from_tensor_slices(data))
    train = tf.data.Dataset.from_tensor_slices((data, target)).batch(32).map(
        lambda features, label: (space(features), label))

    encoded_inputs = space.get_encoded_features()
    hidden = layer_dropout(layer_dense(encoded_inputs, units=16, activation="relu"), rate=0.1)
    outputs = layer_dense(hidden, units=1, activation="sigmoid")
    training_model = keras_model(encoded_inputs, outputs)
    keras3.compile(training_model, optimizer=optimizer_adam(learning_rate=1e-2), loss="binary_crossentropy",
                   metrics=["accuracy"])
    history = fit(training_model, train, epochs=12, verbose=0)
    assert_loss_falls(history.history["loss"])

    # The end-to-end model takes raw feature dicts, as the keras.io example serves it.
    test, test_target = _patients(64, seed=1)
    probabilities = to_numpy(predict(training_model, to_numpy(space(test)), verbose=0))
    assert probabilities.shape == (64, 1)
    assert float(((probabilities > 0.5) == test_target).mean()) > 0.85


STRINGS_ONLY_ON_TENSORFLOW = (
    "only Keras's tensorflow backend holds string tensors: a model whose inputs are raw strings "
    "(FeatureSpace.get_inputs()) runs there alone; other backends preprocess in tf.data, as above"
)


@needs("tensorflow", why=STRINGS_ONLY_ON_TENSORFLOW)
def test_feature_space_end_to_end_model_on_raw_inputs():
    seeded(8)
    data, target = _patients(256)
    space = _patient_feature_space()
    space.adapt(data)
    encoded_inputs = space.get_encoded_features()
    outputs = layer_dense(layer_dense(encoded_inputs, units=16, activation="relu"), units=1, activation="sigmoid")
    training_model = keras_model(encoded_inputs, outputs)
    keras3.compile(training_model, optimizer=optimizer_adam(learning_rate=1e-2), loss="binary_crossentropy")
    fit(training_model, to_numpy(space(data)), target, epochs=10, batch_size=32, verbose=0)
    # get_inputs() and get_encoded_features() are one graph: the same outputs serve raw feature dicts.
    inference_model = keras_model(space.get_inputs(), outputs)
    test, _ = _patients(16, seed=1)
    import tensorflow as tf

    sample = {name: tf.constant(values[:, None]) for name, values in test.items()}  # as keras.io serves it
    np.testing.assert_allclose(to_numpy(predict(inference_model, sample, verbose=0)),
                               to_numpy(predict(training_model, to_numpy(space(test)), verbose=0)),
                               rtol=1e-5, atol=1e-6)
