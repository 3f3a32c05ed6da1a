"""Backend-native models inside keras3 models: a torch.nn.Module through
`layer_torch_module_wrapper` (torch backend), a pure JAX function through
`layer_jax_model_wrapper` and a flax.linen module through `layer_flax_module_wrapper` (JAX and
TensorFlow backends: Keras runs JaxLayer/FlaxLayer on TensorFlow through jax2tf). Each one trains
inside a Keras model: the loss falls and the wrapped framework's own parameters are the ones that
moved."""

from __future__ import annotations

import numpy as np
import pytest
from keras3 import (
    keras_input,
    keras_model,
    keras_model_sequential,
    layer_dense,
    layer_flax_module_wrapper,
    layer_jax_model_wrapper,
    layer_torch_module_wrapper,
    op_convert_to_numpy,
    optimizer_adam,
    optimizer_sgd,
    set_random_seed,
)

from .conftest import needs

TORCH_ONLY = (
    "Keras's TorchModuleWrapper is PyTorch-backend only (keras/src/utils/torch_utils.py): it turns "
    "the module's torch Parameters into torch-backend Variables; elsewhere construction fails "
    "(RuntimeError: Can't call numpy() on Tensor that requires grad)"
)
JAX_OR_TF = (
    "Keras's JaxLayer/FlaxLayer run only on the JAX or TensorFlow backend (the constructor raises "
    "ValueError elsewhere, keras/src/utils/jax_layer.py)"
)

W_TRUE = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")


def _data(n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return x, x @ W_TRUE + 0.5


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """Each test starts from the same initial weights and fit() shuffling (Python, NumPy, backend)."""
    set_random_seed(0)


def _np(x) -> np.ndarray:
    return np.asarray(op_convert_to_numpy(x))


def _assert_loss_falls(history, factor: float = 0.2) -> None:
    # The mean of the last three epochs: one noisy epoch (BatchNorm on batches of 16) must not decide.
    losses = history.history["loss"]
    assert all(np.isfinite(losses)), losses
    assert np.mean(losses[-3:]) < factor * losses[0], f"the loss did not fall: {losses}"


# --------------------------------------------------------------------------------------------
# torch.nn.Module
# --------------------------------------------------------------------------------------------


@needs("torch", why=TORCH_ONLY)
def test_torch_module_trains_inside_a_sequential_model():
    import torch

    torch.manual_seed(0)
    linear = torch.nn.Linear(4, 1)
    before = {name: p.detach().clone() for name, p in linear.named_parameters()}

    model = keras_model_sequential(input_shape=(4,))
    returned = layer_torch_module_wrapper(model, module=linear, name="torch_linear")
    assert returned is model
    assert len(model.trainable_weights) == 2  # the module's weight and bias, tracked by Keras

    model.compile(optimizer=optimizer_sgd(learning_rate=0.1), loss="mse")
    x, y = _data()
    _assert_loss_falls(model.fit(x, y, epochs=8, batch_size=16, verbose=0))

    # The torch module's own parameters are the ones that trained ...
    for name, p in linear.named_parameters():
        assert not torch.equal(p.detach(), before[name]), f"{name} did not change"
    np.testing.assert_allclose(linear.weight.detach().numpy().T, W_TRUE, atol=0.1)
    np.testing.assert_allclose(linear.bias.detach().numpy(), [0.5], atol=0.1)
    # ... and the Keras model computes exactly what the module computes.
    with torch.no_grad():
        expected = linear(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_np(model.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-5)


@needs("torch", why=TORCH_ONLY)
def test_torch_module_in_a_functional_model_with_keras_layers():
    import torch

    torch.manual_seed(1)
    block = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh())
    first = block[0].weight.detach().clone()

    inputs = keras_input(shape=(4,))
    # On a symbolic input Keras cannot run the module to infer its output: give the full shape.
    hidden = layer_torch_module_wrapper(inputs, module=block, output_shape=(None, 16))
    outputs = layer_dense(hidden, units=1)
    model = keras_model(inputs, outputs)
    assert len(model.trainable_weights) == 4  # torch Linear weight + bias, Dense kernel + bias

    model.compile(optimizer=optimizer_adam(learning_rate=0.02), loss="mse")
    x, y = _data()
    _assert_loss_falls(model.fit(x, y, epochs=15, batch_size=16, verbose=0))
    assert not torch.equal(block[0].weight.detach(), first)  # gradients reached the torch module


# --------------------------------------------------------------------------------------------
# Pure JAX function (JaxLayer)
# --------------------------------------------------------------------------------------------


def _jax_init_fn(rng, inputs):
    import jax
    import jax.numpy as jnp

    return {"w": jax.random.normal(rng, (inputs.shape[-1], 1)) * 0.1, "b": jnp.zeros((1,))}


def _jax_call_fn(params, inputs):
    return inputs @ params["w"] + params["b"]


@needs("jax", "tensorflow", why=JAX_OR_TF)
def test_jax_function_trains_inside_a_functional_model():
    import jax

    inputs = keras_input(shape=(4,))
    outputs = layer_jax_model_wrapper(
        inputs, call_fn=_jax_call_fn, init_fn=_jax_init_fn, seed=0, name="jax_linear"
    )
    model = keras_model(inputs, outputs)
    layer = model.get_layer("jax_linear")

    initial = jax.tree_util.tree_map(_np, layer.params)  # init_fn ran when the layer was built
    assert initial["w"].shape == (4, 1) and initial["b"].shape == (1,)
    assert len(model.trainable_weights) == 2

    model.compile(optimizer=optimizer_sgd(learning_rate=0.1), loss="mse")
    x, y = _data()
    _assert_loss_falls(model.fit(x, y, epochs=8, batch_size=16, verbose=0))

    trained = jax.tree_util.tree_map(_np, layer.params)
    assert not np.allclose(trained["w"], initial["w"])
    np.testing.assert_allclose(trained["w"], W_TRUE, atol=0.1)
    np.testing.assert_allclose(trained["b"], [0.5], atol=0.1)
    # The Keras model computes exactly what the JAX function computes with the trained params.
    np.testing.assert_allclose(
        _np(model.predict(x, verbose=0)), np.asarray(_jax_call_fn(trained, x)), rtol=1e-5, atol=1e-5
    )


@needs("jax", "tensorflow", why=JAX_OR_TF)
def test_jax_function_with_state_and_rng_inside_a_sequential_model():
    """The full JaxLayer signature: non-trainable state that call_fn updates, an rng and the
    training flag (noise only while training)."""
    import jax
    import jax.numpy as jnp

    def init_fn(rng, inputs):
        params = {"w": jax.random.normal(rng, (inputs.shape[-1], 1)) * 0.1, "b": jnp.zeros((1,))}
        return params, {"calls": jnp.zeros((), dtype="float32")}

    def call_fn(params, state, rng, inputs, training):
        out = inputs @ params["w"] + params["b"]
        if training:
            out = out + 1e-3 * jax.random.normal(rng, out.shape)
            state = {"calls": state["calls"] + 1.0}
        return out, state

    model = keras_model_sequential(input_shape=(4,))
    layer_jax_model_wrapper(model, call_fn=call_fn, init_fn=init_fn, seed=3, name="noisy")
    model.compile(optimizer=optimizer_sgd(learning_rate=0.1), loss="mse")
    x, y = _data()
    _assert_loss_falls(model.fit(x, y, epochs=8, batch_size=16, verbose=0))

    layer = model.get_layer("noisy")
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) >= 1
    assert float(_np(layer.state["calls"])) == 8 * 4  # one update per training step
    p1, p2 = _np(model.predict(x[:8], verbose=0)), _np(model.predict(x[:8], verbose=0))
    np.testing.assert_array_equal(p1, p2)  # no noise at inference
    assert float(_np(layer.state["calls"])) == 8 * 4  # inference leaves the state alone


# --------------------------------------------------------------------------------------------
# flax.linen module (FlaxLayer)
# --------------------------------------------------------------------------------------------


def _flax_mlp():
    import flax.linen as nn

    class MLP(nn.Module):
        @nn.compact
        def __call__(self, inputs, training: bool = False):
            h = nn.Dense(16, name="hidden")(inputs)
            h = nn.BatchNorm(use_running_average=not training, momentum=0.9, name="bn")(h)
            h = nn.relu(h)
            return nn.Dense(1, name="out")(h)

    return MLP()


@needs("jax", "tensorflow", why=JAX_OR_TF)
def test_flax_linen_module_trains_inside_a_sequential_model():
    import jax

    # Keras 3.15's FlaxLayer wraps flax.linen modules (keras/src/utils/jax_layer.py), not nnx.
    module = _flax_mlp()

    model = keras_model_sequential(input_shape=(4,))
    returned = layer_flax_module_wrapper(model, module=module, name="flax_mlp")
    assert returned is model
    layer = model.get_layer("flax_mlp")

    # Keras holds the module's variables in flax's own tree: params trainable, batch_stats not.
    params = jax.tree_util.tree_map(_np, layer.params)["params"]
    assert params["hidden"]["kernel"].shape == (4, 16) and params["out"]["kernel"].shape == (16, 1)
    stats_before = jax.tree_util.tree_map(_np, layer.state)["batch_stats"]
    assert len(model.trainable_weights) == 6  # 2 Dense kernels + biases, BatchNorm scale + bias
    assert len(model.non_trainable_weights) == 2  # BatchNorm mean + var

    model.compile(optimizer=optimizer_adam(learning_rate=0.02), loss="mse")
    x, y = _data()
    _assert_loss_falls(model.fit(x, y, epochs=15, batch_size=16, verbose=0))

    trained = jax.tree_util.tree_map(_np, layer.params)
    state = jax.tree_util.tree_map(_np, layer.state)
    assert not np.allclose(trained["params"]["hidden"]["kernel"], params["hidden"]["kernel"])
    # training=True reached the module: BatchNorm updated its running statistics.
    assert not np.allclose(state["batch_stats"]["bn"]["mean"], stats_before["bn"]["mean"])
    # The Keras model (inference) computes exactly what flax computes with the trained variables.
    expected = module.apply({**trained, **state}, x, training=False)
    np.testing.assert_allclose(
        _np(model.predict(x, verbose=0)), np.asarray(expected), rtol=1e-4, atol=1e-4
    )


# --------------------------------------------------------------------------------------------
# The backends Keras does not support: its own refusal reaches the keras3 caller.
# --------------------------------------------------------------------------------------------


@needs("torch", "numpy", why="JaxLayer/FlaxLayer are supported here; tested above")
def test_jax_and_flax_wrappers_refuse_other_backends(backend):
    import flax.linen as nn

    with pytest.raises(ValueError, match="only supported with the JAX or Tensorflow backend"):
        layer_jax_model_wrapper(call_fn=_jax_call_fn, init_fn=_jax_init_fn)
    with pytest.raises(ValueError, match="only supported with the JAX or Tensorflow backend"):
        layer_flax_module_wrapper(module=nn.Dense(1))
