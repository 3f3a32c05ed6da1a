"""keras3's random_* family on every backend: each sampler driven by a
`random_seed_generator(seed=...)`, checked for shape, dtype, plausible values and reproducibility;
then the stateless forms each backend supports (integer seeds everywhere; explicit seed-state arrays
inside `jax.jit` on JAX; a generator inside `tf.function` on TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest
from keras3 import (
    op_convert_to_numpy,
    op_convert_to_tensor,
    random_beta,
    random_binomial,
    random_categorical,
    random_dropout,
    random_gamma,
    random_integer,
    random_normal,
    random_seed_generator,
    random_shuffle,
    random_truncated_normal,
    random_uniform,
)

from .conftest import needs

SEED = 1337
SHAPE = (40, 50)  # 2000 samples: enough for 5-sigma bounds on the moments checked below.
RATE = 0.25
# Row 0: classes 0 and 1 only; row 1: class 3 only; row 2: all four classes equally likely.
LOGITS = np.array(
    [[0.0, 0.0, -1e4, -1e4], [-1e4, -1e4, -1e4, 0.0], [0.0, 0.0, 0.0, 0.0]], dtype="float32"
)
ROWS = np.arange(SHAPE[0] * SHAPE[1], dtype="int32").reshape(SHAPE)


def _ones():
    # A backend tensor, not a NumPy array: see test_dropout_of_a_numpy_array below.
    return op_convert_to_tensor(np.ones(SHAPE, dtype="float32"))


# name -> sampler taking `seed`. Every sampler runs on backend-native or NumPy inputs only.
SAMPLERS = {
    "random_normal": lambda seed: random_normal(SHAPE, mean=1.0, stddev=2.0, seed=seed),
    "random_uniform": lambda seed: random_uniform(SHAPE, minval=-2.0, maxval=3.0, seed=seed),
    "random_integer": lambda seed: random_integer(SHAPE, 2, 9, seed=seed),
    "random_truncated_normal": lambda seed: random_truncated_normal(
        SHAPE, mean=1.0, stddev=2.0, seed=seed
    ),
    "random_gamma": lambda seed: random_gamma(SHAPE, 2.0, seed=seed),
    "random_beta": lambda seed: random_beta(SHAPE, 2.0, 3.0, seed=seed),
    "random_binomial": lambda seed: random_binomial(SHAPE, 10, 0.3, seed=seed),
    "random_categorical": lambda seed: random_categorical(LOGITS, 500, seed=seed),
    "random_dropout": lambda seed: random_dropout(_ones(), RATE, seed=seed),
    "random_shuffle": lambda seed: random_shuffle(ROWS, axis=0, seed=seed),
}


def _check_normal(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    assert abs(a.mean() - 1.0) < 0.25 and abs(a.std() - 2.0) < 0.2


def _check_uniform(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    assert a.min() >= -2.0 and a.max() < 3.0
    assert abs(a.mean() - 0.5) < 0.2
    assert a.min() < -1.5 and a.max() > 2.5  # spread over the whole interval


def _check_integer(a):
    assert a.shape == SHAPE and a.dtype == np.int32
    assert set(np.unique(a).tolist()) == set(range(2, 9)), "randint covers [minval, maxval) only"


def _check_truncated_normal(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    # Keras truncates at two standard deviations around the mean.
    assert a.min() >= 1.0 - 4.0 and a.max() <= 1.0 + 4.0
    assert abs(a.mean() - 1.0) < 0.25 and 1.5 < a.std() < 2.0


def _check_gamma(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    assert a.min() > 0.0 and abs(a.mean() - 2.0) < 0.2  # Gamma(alpha=2, scale=1): mean 2


def _check_beta(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0 and abs(a.mean() - 0.4) < 0.03  # 2 / (2 + 3)


def _check_binomial(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    assert np.array_equal(a, np.round(a)) and a.min() >= 0 and a.max() <= 10
    assert abs(a.mean() - 3.0) < 0.2  # counts * p


def _check_categorical(a):
    assert a.shape == (3, 500) and a.dtype == np.int32
    assert set(np.unique(a[0]).tolist()) == {0, 1}
    assert set(np.unique(a[1]).tolist()) == {3}
    assert set(np.unique(a[2]).tolist()) == {0, 1, 2, 3}


def _check_dropout(a):
    assert a.shape == SHAPE and a.dtype == np.float32
    kept = np.float32(1.0 / (1.0 - RATE))  # survivors are scaled up: the expectation is kept
    assert set(np.unique(a).tolist()) <= {0.0, float(kept)}
    assert abs((a == 0).mean() - RATE) < 0.05


def _check_shuffle(a):
    assert a.shape == SHAPE and a.dtype == np.int32
    # axis=0: every column holds the same values as before, reordered (ROWS is sorted by column).
    # Whether the columns move together differs by backend: see test_shuffle_of_a_matrix.
    np.testing.assert_array_equal(np.sort(a, axis=0), ROWS)
    assert not np.array_equal(a[:, 0], ROWS[:, 0])


CHECKS = {
    "random_normal": _check_normal,
    "random_uniform": _check_uniform,
    "random_integer": _check_integer,
    "random_truncated_normal": _check_truncated_normal,
    "random_gamma": _check_gamma,
    "random_beta": _check_beta,
    "random_binomial": _check_binomial,
    "random_categorical": _check_categorical,
    "random_dropout": _check_dropout,
    "random_shuffle": _check_shuffle,
}
NAMES = sorted(SAMPLERS)


def _np(x) -> np.ndarray:
    return np.asarray(op_convert_to_numpy(x))


def test_every_random_wrapper_is_covered():
    import keras3.random

    wrapped = set(keras3.random.__all__) - {"random_seed_generator"}
    assert wrapped == set(SAMPLERS), "a random_* wrapper was added or removed: cover it here"


@pytest.mark.parametrize("name", NAMES)
def test_sampler_with_seed_generator(name):
    sample, check = SAMPLERS[name], CHECKS[name]
    gen = random_seed_generator(seed=SEED)
    twin = random_seed_generator(seed=SEED)
    other = random_seed_generator(seed=SEED + 10_000)

    first, second = _np(sample(gen)), _np(sample(gen))
    check(first)
    check(second)
    assert not np.array_equal(first, second), "a SeedGenerator must advance after each draw"

    # The same seed gives the same sequence, draw after draw.
    np.testing.assert_array_equal(_np(sample(twin)), first)
    np.testing.assert_array_equal(_np(sample(twin)), second)
    # Another seed gives another sequence.
    assert not np.array_equal(_np(sample(other)), first)


@pytest.mark.parametrize("name", NAMES)
def test_integer_seed_is_stateless(name):
    """Keras documents: an integer seed gives the same values on every call (every backend)."""
    sample = SAMPLERS[name]
    a, b = _np(sample(SEED)), _np(sample(SEED))
    CHECKS[name](a)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(_np(sample(SEED + 1)), a)


@pytest.mark.parametrize(
    ("make", "dtype"),
    [
        pytest.param(
            lambda s: random_normal((8,), dtype="float16", seed=s), "float16", id="normal"
        ),
        pytest.param(
            lambda s: random_uniform((8,), dtype="float16", seed=s), "float16", id="uniform"
        ),
        pytest.param(
            lambda s: random_truncated_normal((8,), dtype="float16", seed=s),
            "float16",
            id="truncated_normal",
        ),
        pytest.param(
            lambda s: random_gamma((8,), 2.0, dtype="float16", seed=s), "float16", id="gamma"
        ),
        pytest.param(
            lambda s: random_beta((8,), 2.0, 3.0, dtype="float16", seed=s), "float16", id="beta"
        ),
        pytest.param(
            lambda s: random_binomial((8,), 10, 0.3, dtype="float16", seed=s),
            "float16",
            id="binomial",
        ),
        pytest.param(
            lambda s: random_integer((8,), 0, 5, dtype="int16", seed=s), "int16", id="integer"
        ),
        pytest.param(
            lambda s: random_categorical(LOGITS, 8, dtype="int16", seed=s),
            "int16",
            id="categorical",
        ),
    ],
)
def test_dtype_argument_is_honoured(make, dtype):
    assert _np(make(random_seed_generator(seed=SEED))).dtype == np.dtype(dtype)


def test_dropout_of_a_numpy_array(backend):
    gen = random_seed_generator(seed=SEED)
    if backend == "torch":
        # Upstream limitation: keras.random.dropout on torch calls torch.zeros_like on its input
        # without converting it, so a NumPy array fails. keras3 delegates faithfully; this fails
        # once upstream converts the input.
        with pytest.raises(TypeError, match="zeros_like"):
            random_dropout(np.ones(SHAPE, dtype="float32"), RATE, seed=gen)
    else:
        _check_dropout(_np(random_dropout(np.ones(SHAPE, dtype="float32"), RATE, seed=gen)))


def test_shuffle_of_a_matrix(backend):
    """Upstream inconsistency: keras.random.shuffle(x, axis=0) permutes whole rows on torch and
    tensorflow, but shuffles every column independently on jax (jax.random.permutation with
    independent=True) and numpy (Generator.permuted). keras3 delegates faithfully; this fails
    once upstream makes the backends agree."""
    a = _np(random_shuffle(ROWS, axis=0, seed=random_seed_generator(seed=SEED)))
    _check_shuffle(a)
    rows_intact = bool(np.array_equal(a - a[:, :1], ROWS - ROWS[:, :1]))
    assert rows_intact is (backend in ("torch", "tensorflow"))


def test_shuffle_of_a_vector_is_a_permutation():
    x = np.arange(100, dtype="int32")
    a = _np(random_shuffle(x, seed=random_seed_generator(seed=SEED)))
    assert a.dtype == np.int32 and not np.array_equal(a, x)
    np.testing.assert_array_equal(np.sort(a), x)


def test_tensor_seeds_are_a_jax_only_extension(backend):
    """Keras documents `seed` as an int or a SeedGenerator. Only the JAX backend also takes a raw
    key array (keras/src/backend/jax/random.py: jax_draw_seed); the others reject it."""
    state = _np(random_seed_generator(seed=SEED).state.value)
    if backend == "jax":
        import jax.numpy as jnp

        assert state.dtype == np.uint32 and state.shape == (2,)
        np.testing.assert_array_equal(
            _np(random_normal((4,), seed=jnp.asarray(state))),
            _np(random_normal((4,), seed=random_seed_generator(seed=SEED))),
        )
    else:
        with pytest.raises(ValueError, match="must be either an integer or an instance of"):
            random_normal((4,), seed=op_convert_to_tensor(state))


# --------------------------------------------------------------------------------------------
# JAX: random ops inside jax.jit take the seed state as an explicit (traced) argument.
# --------------------------------------------------------------------------------------------

JAX_ONLY = (
    "the stateless seed-array form is JAX's: only keras/src/backend/jax/random.py accepts a "
    "jax.Array key as `seed`; other backends accept only an int or a SeedGenerator"
)


@needs("jax", why=JAX_ONLY)
@pytest.mark.parametrize("name", NAMES)
def test_jax_jit_with_explicit_seed_state(name):
    import jax
    import jax.numpy as jnp

    sample, check = SAMPLERS[name], CHECKS[name]
    traces = []

    @jax.jit
    def draw(seed_state):
        traces.append(1)  # runs only while jax traces the function
        return sample(seed_state)

    gen = random_seed_generator(seed=SEED)
    state = jnp.asarray(_np(gen.state.value))  # uint32 [seed, counter], as SeedGenerator holds it
    eager_first = _np(sample(gen))  # the generator draws with that same state

    a, b = _np(draw(state)), _np(draw(state))
    check(a)
    np.testing.assert_array_equal(a, b)  # same seed state -> same values, call after call
    # ... and the generator's eager draw from that state (up to XLA's float fusion differences).
    np.testing.assert_allclose(a, eager_first, rtol=1e-5, atol=1e-6)
    c = _np(draw(state + jnp.asarray([0, 1], dtype=state.dtype)))
    d = _np(draw(jnp.asarray([SEED + 10_000, 0], dtype=state.dtype)))
    assert not np.array_equal(a, c) and not np.array_equal(a, d)
    assert len(traces) == 1, "the seed must be a traced argument, not a constant baked in"


@needs("jax", why=JAX_ONLY)
def test_jax_jit_threading_the_seed_state_reproduces_the_generator():
    """A jitted step that returns its next seed state (as SeedGenerator.next does: counter + 1)
    draws the same sequence as the stateful generator does eagerly."""
    import jax
    import jax.numpy as jnp

    @jax.jit
    def step(seed_state):
        values = random_normal((3, 4), seed=seed_state)
        return values, seed_state + jnp.asarray([0, 1], dtype=seed_state.dtype)

    gen = random_seed_generator(seed=SEED)
    state = jnp.asarray(_np(gen.state.value))
    jitted = []
    for _ in range(3):
        values, state = step(state)
        jitted.append(_np(values))
    eager = [_np(random_normal((3, 4), seed=gen)) for _ in range(3)]
    for j, e in zip(jitted, eager, strict=True):
        np.testing.assert_allclose(j, e, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(jitted[0], jitted[1])
    np.testing.assert_array_equal(_np(state), _np(gen.state.value))


@needs("jax", why=JAX_ONLY)
def test_jax_jit_refuses_the_global_generator():
    """Keras documents that seed=None (the global generator) errors while JAX traces."""
    import jax

    with pytest.raises(ValueError, match=r"\[JAX RNG\]"):
        jax.jit(lambda x: random_normal((2,)) + x)(1.0)


# --------------------------------------------------------------------------------------------
# TensorFlow: a SeedGenerator's state is a tf.Variable, so it advances inside tf.function.
# --------------------------------------------------------------------------------------------


@needs(
    "tensorflow",
    why="tf.function is TensorFlow's compiler; the other backends' compiled forms differ "
    "(jax.jit is tested above; torch's generator path is torch._dynamo.disable'd)",
)
def test_tf_function_with_seed_generator():
    import tensorflow as tf

    gen = random_seed_generator(seed=SEED)
    twin = random_seed_generator(seed=SEED)

    @tf.function
    def draw():
        return random_normal((3, 4), seed=gen), random_integer((5,), 0, 100, seed=gen)

    compiled = [tuple(_np(t) for t in draw()) for _ in range(3)]
    eager = [
        (_np(random_normal((3, 4), seed=twin)), _np(random_integer((5,), 0, 100, seed=twin)))
        for _ in range(3)
    ]
    for (cn, ci), (en, ei) in zip(compiled, eager, strict=True):
        np.testing.assert_array_equal(cn, en)
        np.testing.assert_array_equal(ci, ei)
    assert not np.array_equal(compiled[0][0], compiled[1][0])
