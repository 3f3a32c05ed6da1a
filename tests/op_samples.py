"""Sample inputs for every ``keras3.op_*`` wrapper, as data.

Used by ``tests/package/test_delegation.py`` (through its subprocess entry point
``tests/delegation_runner.py``): each wrapper is called on these inputs and compared with the
direct ``keras.ops`` call on the same inputs, on every backend.

How a call is built (:func:`build_call`):

* every required parameter takes its value from :data:`OVERRIDES` for that op when given there,
  else from :data:`BY_NAME` (``x``, ``x1``, ``x2``, ...);
* an optional parameter is passed only when :data:`OVERRIDES` names it, so everything else runs
  on the wrapper's own defaults against upstream's own defaults;
* array specs (:class:`Arr`) are built afresh for each call from a fixed seed: every run and
  every backend sees the same numbers. Lists and tuples are built element by element, numpy
  arrays are copied, everything else (ints, strings, shapes, functions) is passed as it is.

This module imports numpy only: no Keras, no backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------
# Array specs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arr:
    """A small array drawn from a fixed seed: uniform in [lo, hi) (floats, complex) or
    integers in [lo, hi) (int and uint dtypes); ``nan`` puts a NaN at the first element."""

    shape: tuple[int, ...]
    dtype: str = "float32"
    lo: float = 0.1
    hi: float = 0.9
    seed: int = 0
    nan: bool = False

    def build(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        kind = np.dtype(self.dtype).kind
        if kind in "iu":
            value = rng.integers(int(self.lo), int(self.hi), size=self.shape)
        elif kind == "b":
            value = rng.random(self.shape) < 0.5
        elif kind == "c":
            real = rng.uniform(self.lo, self.hi, self.shape)
            value = real + 1j * rng.uniform(self.lo, self.hi, self.shape)
        else:
            value = rng.uniform(self.lo, self.hi, self.shape)
        value = np.asarray(value).astype(self.dtype)
        if self.nan:
            value.flat[0] = np.nan
        return value


@dataclass(frozen=True)
class Tensor:
    """``spec`` converted to a tensor of the active backend (``keras.ops.convert_to_tensor``)."""

    spec: Any


def F(*shape: int, lo: float = 0.1, hi: float = 0.9, seed: int = 0, nan: bool = False) -> Arr:
    """float32 array, positive by default (safe for log, sqrt, arccos ...)."""
    return Arr(tuple(shape), "float32", lo, hi, seed, nan)


def S(*shape: int, seed: int = 0) -> Arr:
    """Signed float32 array in [-1, 1)."""
    return Arr(tuple(shape), "float32", -1.0, 1.0, seed)


def I(*shape: int, lo: int = 0, hi: int = 4, seed: int = 0, dtype: str = "int32") -> Arr:
    """Integer array in [lo, hi)."""
    return Arr(tuple(shape), dtype, lo, hi, seed)


def B(*shape: int, seed: int = 0) -> Arr:
    """Boolean array."""
    return Arr(tuple(shape), "bool", seed=seed)


def C(*shape: int, seed: int = 0) -> Arr:
    """complex64 array."""
    return Arr(tuple(shape), "complex64", seed=seed)


def lit(values: Any, dtype: str = "float32") -> np.ndarray:
    """A literal array (copied before every call)."""
    return np.asarray(values, dtype=dtype)


# A symmetric positive-definite, well-conditioned 3x3 matrix for the linear-algebra ops.
SPD = lit([[4.0, 1.0, 0.5], [1.0, 3.0, 0.25], [0.5, 0.25, 2.0]])
# Its upper triangle (solve_triangular defaults to lower=False).
UPPER = lit([[4.0, 1.0, 0.5], [0.0, 3.0, 0.25], [0.0, 0.0, 2.0]])
# NaN and both infinities, for the isnan/isinf/nan_to_num family.
SPECIAL = lit([[0.5, np.nan, np.inf], [-np.inf, 1.0, -2.0]])

# --------------------------------------------------------------------------------------
# Functions handed to the control-flow and functional ops (pure, operators only, so every
# backend's tensors support them)
# --------------------------------------------------------------------------------------


def add_fn(a: Any, b: Any) -> Any:
    return a + b


def sub_fn(a: Any, b: Any) -> Any:
    return a - b


def double(a: Any) -> Any:
    return a * 2.0


def square(a: Any) -> Any:
    return a * a


def affine(a: Any) -> Any:
    return a * 2.0 + 1.0


def true_branch() -> Any:
    return np.full((2,), 1.5, dtype="float32")


def false_branch() -> Any:
    return np.full((2,), -1.5, dtype="float32")


def fori_body(i: Any, value: Any) -> Any:
    return value * 2.0


def scan_step(carry: Any, x: Any) -> Any:
    return carry + x, carry * x


def loop_cond(i: Any, value: Any) -> Any:
    return i < 3


def loop_body(i: Any, value: Any) -> Any:
    return i + 1, value * 2.0


def with_custom_gradient(a: Any) -> Any:
    """For ``custom_gradient``: f(x) = 3x with gradient 3 * upstream."""

    def grad(*args: Any, upstream: Any = None) -> Any:
        upstream = args[-1] if upstream is None else upstream
        return upstream * 3.0

    return a * 3.0, grad


# --------------------------------------------------------------------------------------
# The sample table
# --------------------------------------------------------------------------------------

#: Default value of a required parameter, by name, for ops without an override.
BY_NAME: dict[str, Any] = {
    "x": F(2, 3),
    "x1": F(2, 3, seed=1),
    "x2": F(2, 3, seed=2),
    "y": F(2, 3, seed=3),
    "a": F(2, 3),
    "images": F(1, 4, 4, 3),
}

#: Ops whose ``x`` is signed (activations, sign tests): one entry per op.
SIGNED_X: frozenset[str] = frozenset(
    f"op_{name}"
    for name in (
        *("abs", "fabs", "negative", "sign", "signbit", "floor", "ceil", "round", "trunc"),
        *("relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "hard_silu"),
        *("hard_sigmoid", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "sigmoid"),
        *("sparse_plus", "sparse_sigmoid", "squareplus", "softplus", "softsign", "log_sigmoid"),
        *("tanh", "sparsemax", "softmax", "log_softmax"),
    )
)

#: Ops whose ``x`` carries a NaN (the NaN-aware reductions).
NAN_X: frozenset[str] = frozenset(
    f"op_nan{name}"
    for name in (
        *("argmax", "argmin", "cumprod", "cumsum", "max", "mean", "median", "min", "prod"),
        *("std", "sum", "var", "percentile", "quantile"),
    )
)

_CTC_LOGITS = S(2, 6, 5)
_BITS = {"x": I(2, 3, hi=16), "y": I(2, 3, lo=0, hi=4, seed=1)}
_TWO_INTS = {"x1": I(2, 3, lo=1, hi=12), "x2": I(2, 3, lo=1, hi=12, seed=1)}
_PAIR = (F(5, 3), F(5, 3, seed=1))  # (real, imag) of a complex tensor
_IDX2 = lit([[0, 1], [1, 2]], "int32")  # two (row, column) indices into a (2, 3) tensor
_SEGMENTS = {"data": F(4, 3), "segment_ids": lit([0, 0, 1, 2], "int32"), "num_segments": 3}
_QKV = F(2, 3, 2, 4, seed=1)  # (batch, sequence, heads, head_dim)

#: Per-op samples: parameter name -> value. Required parameters not named here come from
#: BY_NAME; optional ones named here are passed to both calls.
OVERRIDES: dict[str, dict[str, Any]] = {
    # creation
    "op_arange": {"start": 5},
    "op_empty": {"shape": (2, 3)},
    "op_ones": {"shape": (2, 3)},
    "op_zeros": {"shape": (2, 3)},
    "op_full": {"shape": (2, 3), "fill_value": 1.5},
    "op_full_like": {"fill_value": 2.0},
    "op_eye": {"N": 3},
    "op_identity": {"n": 3},
    "op_tri": {"N": 3},
    "op_linspace": {"start": 0.0, "stop": 1.0, "num": 5},
    "op_logspace": {"start": 0.0, "stop": 2.0, "num": 5},
    "op_geomspace": {"start": 1.0, "stop": 100.0, "num": 5},
    "op_bartlett": {"x": 5},
    "op_blackman": {"x": 5},
    "op_hamming": {"x": 5},
    "op_hanning": {"x": 5},
    "op_kaiser": {"x": 5, "beta": 1.5},
    # elementwise with special domains or integer inputs
    "op_arccosh": {"x": F(2, 3, lo=1.1, hi=3.0)},
    "op_bitwise_and": _BITS,
    "op_bitwise_or": _BITS,
    "op_bitwise_xor": _BITS,
    "op_bitwise_left_shift": _BITS,
    "op_bitwise_right_shift": _BITS,
    "op_left_shift": _BITS,
    "op_right_shift": _BITS,
    "op_bitwise_invert": {"x": I(2, 3, hi=16)},
    "op_bitwise_not": {"x": I(2, 3, hi=16)},
    "op_gcd": _TWO_INTS,
    "op_lcm": _TWO_INTS,
    "op_ldexp": {"x2": I(2, 3, lo=-2, hi=3)},
    "op_heaviside": {"x1": S(2, 3)},
    "op_clip": {"x": S(2, 3), "x_min": -0.5, "x_max": 0.5},
    "op_cast": {"dtype": "float16"},
    "op_saturate_cast": {"x": F(2, 3, lo=-50.0, hi=300.0), "dtype": "uint8"},
    "op_view": {"x": I(2, 3, hi=100), "dtype": "float32"},
    "op_isnan": {"x": SPECIAL},
    "op_isinf": {"x": SPECIAL},
    "op_isfinite": {"x": SPECIAL},
    "op_isneginf": {"x": SPECIAL},
    "op_isposinf": {"x": SPECIAL},
    "op_nan_to_num": {"x": SPECIAL},
    "op_isin": {"x1": I(2, 3, hi=6), "x2": I(3, hi=6, seed=1)},
    "op_threshold": {"x": S(2, 3), "threshold": 0.0, "default_value": -9.0},
    "op_polar": {"abs_": F(2, 3), "angle": S(2, 3)},
    "op_angle": {"x": C(2, 3)},
    "op_real": {"x": C(2, 3)},
    "op_imag": {"x": C(2, 3)},
    "op_conj": {"x": C(2, 3)},
    "op_conjugate": {"x": C(2, 3)},
    "op_isreal": {"x": C(2, 3)},
    "op_view_as_real": {"x": C(2, 3)},
    "op_view_as_complex": {"x": F(3, 2)},
    # tensors rather than numpy arrays, where that is what the op is about
    "op_is_tensor": {"x": Tensor(F(2, 3))},
    "op_convert_to_numpy": {"x": Tensor(F(2, 3))},
    "op_stop_gradient": {"variable": Tensor(F(2, 3))},
    # torch's and tensorflow's kernels for these take backend tensors only (numpy arrays fail
    # in upstream too)
    "op_unstack": {"x": Tensor(F(2, 3))},
    "op_vectorized_map": {"function": double, "elements": Tensor(F(3, 2))},
    "op_jvp": {"fun": square, "primals": (Tensor(F(3)),), "tangents": (Tensor(F(3, seed=1)),)},
    "op_unfold": {"x": Tensor(F(1, 2, 4, 4)), "kernel_size": 2, "stride": 2},
    "op_fold": {"x": Tensor(F(1, 8, 4)), "output_size": (4, 4), "kernel_size": 2, "stride": 2},
    "op_adaptive_average_pool": {"inputs": Tensor(F(1, 6, 6, 2)), "output_size": 2},
    "op_adaptive_max_pool": {"inputs": Tensor(F(1, 6, 6, 2)), "output_size": 2},
    # shapes, indices, axes
    "op_argpartition": {"kth": 1},
    "op_array_split": {"x": F(4, 3), "indices_or_sections": 3},
    "op_split": {"x": F(4, 3), "indices_or_sections": 2},
    "op_hsplit": {"x": F(2, 4), "indices_or_sections": 2},
    "op_vsplit": {"x": F(4, 3), "indices_or_sections": 2},
    "op_dsplit": {"x": F(2, 3, 4), "indices_or_sections": 2},
    "op_broadcast_to": {"shape": (4, 2, 3)},
    "op_concatenate": {"xs": [F(2, 3), F(2, 3, seed=1)]},
    "op_hstack": {"xs": [F(2, 3), F(2, 3, seed=1)]},
    "op_vstack": {"xs": [F(2, 3), F(2, 3, seed=1)]},
    "op_dstack": {"xs": [F(2, 3), F(2, 3, seed=1)]},
    "op_stack": {"x": [F(2, 3), F(2, 3, seed=1)]},
    "op_column_stack": {"xs": [F(3), F(3, seed=1)]},
    "op_expand_dims": {"axis": 0},
    "op_get_item": {"key": (1, slice(0, 2))},
    "op_moveaxis": {"source": 0, "destination": 1},
    "op_swapaxes": {"axis1": 0, "axis2": 1},
    "op_pad": {"pad_width": ((1, 1), (2, 0))},
    "op_repeat": {"repeats": 2},
    "op_reshape": {"newshape": (3, 2)},
    "op_roll": {"shift": 1},
    "op_rot90": {"array": F(2, 3)},
    "op_tile": {"repeats": (2, 1)},
    "op_top_k": {"k": 2},
    "op_take": {"indices": I(4, hi=6)},
    "op_take_along_axis": {"indices": I(2, 2, hi=3), "axis": 1},
    "op_unravel_index": {"indices": lit([1, 5], "int32"), "shape": (2, 3)},
    "op_one_hot": {"x": I(4, hi=3), "num_classes": 3},
    "op_multi_hot": {"inputs": I(2, 3, hi=4), "num_classes": 4},
    "op_bincount": {"x": I(6, hi=5)},
    "op_nonzero": {"x": I(2, 3, hi=2)},
    "op_count_nonzero": {"x": I(2, 3, hi=2)},
    "op_unique": {"x": I(6, hi=4)},
    "op_digitize": {"bins": lit([0.25, 0.5, 0.75])},
    "op_searchsorted": {"sorted_sequence": lit([0.1, 0.4, 0.7]), "values": F(4)},
    "op_histogram": {"x": F(8)},
    "op_extract_sequences": {"x": F(8), "sequence_length": 4, "sequence_stride": 2},
    "op_correlate": {"x1": F(5, seed=1), "x2": F(3, seed=2)},
    "op_dot": {"x2": F(3, 2, seed=2)},
    "op_matmul": {"x2": F(3, 2, seed=2)},
    "op_vdot": {"x1": F(3, seed=1), "x2": F(3, seed=2)},  # torch.vdot takes 1-D only
    "op_einsum": {"subscripts": "ij,jk->ik", "operands": [F(2, 3), F(3, 2, seed=1)]},
    "op_meshgrid": {"x": [F(2), F(3, seed=1)]},
    "op_rearrange": {"tensor": F(4, 3), "pattern": "(a b) c -> a b c", "axes_lengths": {"a": 2}},
    "op_cdist": {"y": F(4, 3, seed=3)},
    "op_diag": {"x": F(3)},
    "op_vander": {"x": F(3)},
    "op_trapezoid": {"y": F(2, 3)},
    "op_diff": {"a": F(2, 3)},
    "op_where": {"condition": B(2, 3), "x1": F(2, 3, seed=1), "x2": F(2, 3, seed=2)},
    "op_select": {"condlist": [B(2, 3), B(2, 3, seed=1)], "choicelist": [F(2, 3), F(2, 3, seed=1)]},
    "op_slice": {"inputs": F(3, 4), "start_indices": (1, 1), "shape": (2, 2)},
    "op_slice_update": {"inputs": F(3, 4), "start_indices": (1, 1), "updates": F(2, 2, seed=1)},
    "op_scatter": {"indices": _IDX2, "values": F(2), "shape": (2, 3)},
    "op_scatter_update": {"inputs": F(2, 3), "indices": _IDX2, "updates": F(2, seed=1)},
    "op_segment_max": _SEGMENTS,
    "op_segment_min": _SEGMENTS,
    "op_segment_prod": _SEGMENTS,
    "op_segment_sum": _SEGMENTS,
    # reductions and statistics
    "op_moments": {"axes": [0]},
    "op_percentile": {"q": 50.0},
    "op_nanpercentile": {"q": 50.0},
    "op_quantile": {"q": 0.5},
    "op_nanquantile": {"q": 0.5},
    "op_glu": {"x": S(2, 4)},
    "op_batch_normalization": {"mean": F(3, seed=1), "variance": F(3, seed=2), "axis": -1},
    "op_psnr": {"max_val": 1.0},
    "op_in_top_k": {"targets": lit([2, 0, 1], "int32"), "predictions": F(3, 4), "k": 2},
    # losses
    "op_binary_crossentropy": {"target": lit([[0, 1, 1], [1, 0, 0]]), "output": F(2, 3)},
    "op_categorical_crossentropy": {"target": lit([[0, 1, 0], [1, 0, 0]]), "output": F(2, 3)},
    "op_sparse_categorical_crossentropy": {"target": lit([1, 2], "int32"), "output": F(2, 3)},
    "op_ctc_loss": {
        "target": I(2, 3, lo=1, hi=5),
        "output": _CTC_LOGITS,
        "target_length": lit([3, 2], "int32"),
        "output_length": lit([6, 5], "int32"),
    },
    "op_ctc_decode": {"inputs": _CTC_LOGITS, "sequence_lengths": lit([6, 5], "int32")},
    # linear algebra
    "op_cholesky": {"x": SPD},
    "op_cholesky_inverse": {"x": UPPER.T.copy()},
    "op_det": {"x": SPD},
    "op_inv": {"x": SPD},
    "op_matrix_power": {"x": SPD, "n": 3},
    "op_logdet": {"x": SPD},
    "op_slogdet": {"x": SPD},
    "op_eig": {"x": SPD},
    "op_eigh": {"x": SPD},
    "op_lu_factor": {"x": SPD},
    "op_qr": {"x": F(3, 2)},
    "op_svd": {"x": F(3, 2)},
    "op_solve": {"a": SPD, "b": F(3, 2)},
    "op_solve_triangular": {"a": UPPER, "b": F(3, 2)},
    "op_lstsq": {"a": F(4, 3), "b": F(4, 2, seed=1)},
    # signal processing
    "op_fft": {"x": _PAIR},
    "op_fft2": {"x": _PAIR},
    "op_ifft2": {"x": _PAIR},
    "op_rfft": {"x": F(8)},
    "op_irfft": {"x": _PAIR},
    "op_stft": {"x": F(16), "sequence_length": 4, "sequence_stride": 2, "fft_length": 4},
    "op_istft": {"x": _PAIR, "sequence_length": 4, "sequence_stride": 2, "fft_length": 4},
    # neural-network ops (channels_last)
    # strides=None fails on jax in Keras 3.15.1 (pool_size is made spatial twice): give strides
    "op_average_pool": {"inputs": F(1, 4, 4, 2), "pool_size": 2, "strides": 2},
    "op_max_pool": {"inputs": F(1, 4, 4, 2), "pool_size": 2, "strides": 2},
    "op_conv": {"inputs": F(1, 5, 5, 2), "kernel": S(3, 3, 2, 4)},
    "op_conv_transpose": {"inputs": F(1, 5, 5, 2), "kernel": S(3, 3, 4, 2)},
    "op_depthwise_conv": {"inputs": F(1, 5, 5, 2), "kernel": S(3, 3, 2, 1)},
    "op_separable_conv": {
        "inputs": F(1, 5, 5, 2),
        "depthwise_kernel": S(3, 3, 2, 1),
        "pointwise_kernel": S(1, 1, 2, 4),
    },
    "op_depth_to_space": {"x": F(1, 2, 2, 4), "block_size": 2},
    "op_space_to_depth": {"x": F(1, 4, 4, 1), "block_size": 2},
    "op_dot_product_attention": {"query": _QKV, "key": _QKV, "value": F(2, 3, 2, 4, seed=2)},
    # images (NHWC)
    "op_image_resize": {"size": (6, 6)},
    "op_image_affine_transform": {"transform": lit([[1.0, 0.1, 0.2, 0.0, 1.0, -0.3, 0.0, 0.0]])},
    "op_image_crop": {
        "images": F(1, 6, 6, 3),
        "top_cropping": 1,
        "left_cropping": 1,
        "bottom_cropping": 2,
        "right_cropping": 1,
    },
    "op_image_pad": {"top_padding": 1, "left_padding": 2, "bottom_padding": 1, "right_padding": 0},
    "op_image_elastic_transform": {"images": F(1, 8, 8, 3), "seed": 1},
    "op_image_extract_patches": {"size": (2, 2)},
    "op_image_extract_patches_3d": {"volumes": F(1, 4, 4, 4, 2), "size": (2, 2, 2)},
    # a (1, 2, 2) grid of 2x2 patches of 3 channels: the inverse of extract_patches, (1, 4, 4, 3)
    "op_image_reconstruct_patches": {"patches": F(1, 2, 2, 12), "size": (2, 2)},
    "op_image_gaussian_blur": {"images": F(1, 5, 5, 3)},
    "op_image_map_coordinates": {"inputs": F(4, 4), "coordinates": F(2, 3, 3, hi=3.0), "order": 1},
    "op_image_perspective_transform": {
        "start_points": lit([[[0, 0], [3, 0], [0, 3], [3, 3]]]),
        "end_points": lit([[[0.2, 0.1], [3, 0.3], [0.1, 2.8], [2.9, 3]]]),
    },
    "op_image_scale_and_translate": {
        "output_shape": (1, 6, 6, 3),
        "scale": lit([1.5, 1.5]),
        "translation": lit([0.0, 0.0]),
        "spatial_dims": (1, 2),
        "method": "linear",
    },
    "op_image_ssim": {"image1": F(1, 12, 12, 3), "image2": F(1, 12, 12, 3, seed=1)},
    # control flow and function transforms
    "op_associative_scan": {"f": add_fn, "elems": F(4, 3)},
    "op_cond": {"pred": True, "true_fn": true_branch, "false_fn": false_branch},
    "op_custom_gradient": {"f": with_custom_gradient},
    "op_grad": {"f": square},
    "op_fori_loop": {"lower": 0, "upper": 3, "body_fun": fori_body, "init_val": F(2, 3)},
    "op_map": {"f": double, "xs": F(3, 2)},
    "op_scan": {"f": scan_step, "init": F(3), "xs": F(4, 3, seed=1)},
    "op_switch": {"index": 1, "branches": [add_fn, sub_fn], "operands": [F(2, 3), F(2, 3, seed=1)]},
    # Keras's tensorflow vectorize cannot vmap at all (it compares a tuple in_axes with 0 and
    # raises): the signature keeps the whole input as the core dimension, on every backend.
    "op_vectorize": {"pyfunc": affine, "signature": "(n)->(n)"},
    "op_while_loop": {"cond": loop_cond, "body": loop_body, "loop_vars": (0, F(2, 3))},
}

#: The runner reseeds Python's, numpy's and (on torch) torch's global generators with this
#: before each of the two calls: torch's elastic_transform ignores its seed argument on CPU
#: and draws from torch's global generator.
GLOBAL_SEED = 1234

#: Ops that return a function: the comparison calls the returned function on these arguments.
CALL_RESULT_WITH: dict[str, tuple[Any, ...]] = {
    "op_custom_gradient": (F(2, 3),),
    "op_grad": (Tensor(F(3)),),  # d/da sum(a * a) = 2a
    "op_vectorize": (F(3),),
}

#: Ops whose values are not defined (uninitialized memory): only shape and dtype are compared.
SHAPE_AND_DTYPE_ONLY: dict[str, str] = {
    "op_empty": "returns uninitialized memory (torch.empty): only shape and dtype are defined",
    "op_empty_like": "returns uninitialized memory (torch.empty_like): only shape and dtype are defined",
}

#: Per backend, ops for which no meaningful call exists there, with the reason. The runner
#: checks each entry: the direct keras call must raise NotImplementedError on that backend,
#: and an entry whose op starts working fails the test.
NOT_SAMPLED: dict[str, dict[str, str]] = {
    "jax": {},
    "torch": {},
    "tensorflow": {},
    "numpy": {
        "op_jvp": "Keras's numpy backend does not implement jvp "
        "(keras/src/backend/numpy/linalg.py raises NotImplementedError)",
        "op_grad": "Keras's numpy backend has no automatic differentiation "
        "(keras/src/backend/numpy/ops/core.py grad raises NotImplementedError)",
    },
}

#: Ops of upstream's next release, sampled ahead of the pin: op -> the release that adds it.
#: The sample tables may name these although the installed Keras lacks them (the pin); once the
#: pinned release has one, its entry here is stale and the table test says to drop it.
AHEAD_OF_PIN: dict[str, str] = {
    op: "3.16.0.dev2026102704"
    for op in ("op_column_stack", "op_grad", "op_image_reconstruct_patches", "op_matrix_power")
}

# --------------------------------------------------------------------------------------
# Building a call
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """What :func:`build_call` needs to know of a wrapper parameter."""

    name: str
    kind: str  # inspect.Parameter kind name: "positional_or_keyword", "var_positional", ...
    required: bool


def sample_spec(op: str, params: Sequence[Param]) -> dict[str, Any]:
    """The (unbuilt) sample of ``op``: parameter name -> value spec."""
    overrides = OVERRIDES.get(op, {})
    names = {p.name for p in params}
    unknown = set(overrides) - names
    if unknown:
        raise KeyError(f"OVERRIDES[{op!r}] names parameters the wrapper lacks: {sorted(unknown)}")
    spec: dict[str, Any] = {}
    for p in params:
        if p.name in overrides:
            spec[p.name] = overrides[p.name]
        elif p.required and p.kind == "positional_or_keyword":
            if p.name == "x" and op in SIGNED_X:
                spec[p.name] = S(2, 3)
            elif p.name == "x" and op in NAN_X:
                spec[p.name] = F(2, 3, nan=True)
            elif p.name in BY_NAME:
                spec[p.name] = BY_NAME[p.name]
            else:
                raise KeyError(
                    f"no sample for required parameter {p.name!r} of {op}: add it to OVERRIDES"
                )
    return spec


def materialize(value: Any, to_tensor: Callable[[Any], Any]) -> Any:
    """Build ``value`` afresh: Arr specs drawn, Tensor specs converted, arrays copied."""
    if isinstance(value, Arr):
        return value.build()
    if isinstance(value, Tensor):
        return to_tensor(materialize(value.spec, to_tensor))
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [materialize(v, to_tensor) for v in value]
    if isinstance(value, tuple):
        return tuple(materialize(v, to_tensor) for v in value)
    if isinstance(value, dict):
        return {k: materialize(v, to_tensor) for k, v in value.items()}
    return value


def build_call(
    op: str, params: Sequence[Param], to_tensor: Callable[[Any], Any]
) -> tuple[list[Any], dict[str, Any]]:
    """Fresh ``(args, kwargs)`` for one call of ``op``'s wrapper.

    Parameters up to and including a ``*args`` parameter that has a sample are passed
    positionally (a var-positional sample is a list, spread); the rest by keyword under the
    wrapper's parameter names; a ``**kwargs`` sample is a dict, spread.
    """
    spec = materialize(sample_spec(op, params), to_tensor)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    var_positional = next(
        (i for i, p in enumerate(params) if p.kind == "var_positional" and p.name in spec), None
    )
    for i, p in enumerate(params):
        if p.name not in spec:
            continue
        value = spec[p.name]
        if var_positional is not None and i < var_positional:
            args.append(value)
        elif p.kind == "var_positional":
            args.extend(value)
        elif p.kind == "var_keyword":
            kwargs.update(value)
        else:
            kwargs[p.name] = value
    return args, kwargs


def result_args(op: str, to_tensor: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """Fresh arguments for calling the function ``op`` returns, or None if it returns a value."""
    if op not in CALL_RESULT_WITH:
        return None
    return materialize(CALL_RESULT_WITH[op], to_tensor)
