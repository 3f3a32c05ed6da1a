"""keras3.types: the types keras3's wrappers take and return.

HAND-WRITTEN runtime support (listed as hand-written in generator/spec/binding.toml; regeneration
keeps it as it is). The generated wrappers import these names for annotations only, so importing
this module never imports Keras, NumPy or a backend.

Each alias admits everything Keras itself accepts there: a type that rejects a call Keras accepts
is a bug in this module.

What ops return: `Tensor`
--------------------------
An op returns a tensor of the active backend (`jax.Array`, `torch.Tensor`, `tf.Tensor`,
`np.ndarray`), chosen at run time by `use_backend()`, and a symbolic `keras.KerasTensor` while a
functional model is built. Four designs were weighed:

* NumPy's `NDArray[T]` (`numpy.typing`) is nominal: it names one class. A jax or torch tensor is
  not an `np.ndarray`, so typing op results as `NDArray` would be a lie on three backends.
  NumPy's `ArrayLike` is the right model for *inputs* (a union of protocols: `__array__`, nested
  sequences, scalars): `TensorLike` below is `BackendTensor | ArrayLike`.
* The array API standard's typing effort (`array-api-typing`) and `optype` describe arrays by
  protocols of their dunder methods. That is the shape chosen here: `Tensor` is a `Protocol`
  with exactly the members the four backends' eager tensors share (`shape`, `dtype`, `ndim`,
  arithmetic, comparison and bitwise operators, indexing, `len`, iteration, `__array__` so
  `np.asarray(t)` type-checks, `__bool__`/`__int__`/`__float__` for scalars). A layer or a model
  has none of these; see below for why a checker cannot yet say so.
* `jaxtyping` adds dtype and shape to array types (`Float[Array, "batch 3"]`). Keras's shapes
  and dtypes depend on values and on the backend's dtype promotion; checking them statically
  would reject valid programs, so `Tensor` carries neither.
* A union of the backends' classes (`jax.Array | torch.Tensor | ...`) would be exact, but a type
  checker could then resolve it only with all four backends installed, and every use would need
  narrowing to one backend.

Trade-offs, stated:

* `Tensor.shape` is `tuple[int, ...]`: eager tensors always know their shape (tensorflow's
  `TensorShape` indexes to `int` in eager mode as well). Inside a traced function
  (`tf.function`, `jax.jit`) a dimension may be unknown; the checker does not see that.
* `Tensor.dtype` is `Any`: each backend has its own dtype object; `op_dtype(t)` gives Keras's
  name of it (`"float32"`) as a `str`.
* Operators take `TensorLike` and return `Tensor`: the checker does not track dtype promotion.
* To use a backend's own functions, narrow: `if isinstance(t, jax.Array): jnp.fft.fft(t)`.
* Symbolic results are `keras.KerasTensor`, which is *not* a `Tensor` (it has no `len`, no
  `__array__`, `==` compares identity): an op whose first tensor argument is a `KerasTensor`
  returns a `KerasTensor` (an overload); an op whose `KerasTensor` comes second (`op_add(1.0, kt)`)
  is typed `Tensor` although it is symbolic at run time. Layer wrappers tell the two apart fully.
* A layer or a model passed as an op's tensor is caught by an overload, not by `Tensor` itself.
  `keras.Layer` derives from a base class that Keras picks by backend at import time
  (`if backend.backend() == "jax": from ... import JaxLayer as BackendLayer`), which a checker
  resolves to Unknown; a class with an Unknown base is assignable to *every* type for pyright
  (and mypy): to a protocol (the member check is skipped), to `int`, to `None`, to a `Literal`.
  So no member of `Tensor` that layers lack, and no narrower union, can reject a layer. What
  can: `keras.Layer` itself is a known class, and tensors do not derive from it. Each op
  therefore has, before its other overloads, one whose first tensor parameter is `keras.Layer`
  and which returns `NotATensor`, a class with no tensor member: `op_add(layer, 1.0)` type-checks
  to `NotATensor`, and the first use of it (an operator, an assignment to a `Tensor`, passing it to
  another op or layer, `assert_type(..., Tensor)`) is a pyright error naming `NotATensor`. At run
  time the call raises; the implementation never returns a `NotATensor`.
  Weighed and refused: marking that overload `@deprecated` makes the call itself an error under
  pyright strict (`reportDeprecated`), but pyright matches an `Any` or Unknown argument against
  every overload and reports the deprecation for it too, so `op_argmax(model.predict(x))` (Keras's
  methods are unannotated) would be a false error, and an IDE would strike the op through.
  An `Any` argument still gives `Any`, as before.
* With Keras's stubs (`keras-stubs`, generated beside keras3 from the same snapshot and rules, and
  a dependency of keras3) a checker no longer reads Keras's source: `keras.Layer` is declared with
  its public base (`keras.Operation`), so a layer is a known class that is neither a `Tensor`, a
  `BackendTensor` nor array-like. The holes the paragraph above leaves then close under pyright
  and mypy alike: a layer as a later tensor argument (`op_add(x, layer)`), inside a list
  (`op_concatenate([x, layer])`), or given to a layer wrapper (`layer_dense(layer, units=2)`
  matches no overload) is an error (tests/typed_usage/misuse.py). Without the stubs (a checker
  pointed at Keras's source alone) those three pass unflagged under pyright, and mypy sees `keras`
  as `Any`; the `keras.Layer` overload stays for the first argument, whose result `NotATensor`
  also names the mistake at its first use.
* The numpy backend returns a NumPy scalar (`np.float32(...)`) where the others return a 0-d
  tensor (`op_sum`, `op_mean`, `op_argmax`...). It is typed `Tensor` all the same: it has every
  member a 0-d tensor can use (`shape == ()`, `dtype`, operators, `__array__`, `float()`); `len`
  and iteration fail on it as they fail on any 0-d tensor. tests/backends/test_op_returns.py
  checks every op's annotation on all four backends, a NumPy scalar as its 0-d array. Where the
  backends disagree on a structure, the type is what they share: `op_unstack`/`op_meshgrid` give
  a `Sequence[Tensor]` (a list here, a tuple there), `op_nonzero` a `Sequence[Tensor] | Tensor`
  (torch gives one tensor whose rows are the per-axis indices), `op_allclose` a `Tensor | bool`
  (numpy gives a Python bool).
* Ops whose results are structures (`op_top_k`, `op_eig`, `op_split`, `op_shape`, `op_dtype`...)
  return tuples, lists, `str` as upstream does; control flow ops (`op_cond`, `op_while_loop`,
  `op_scan`...) return whatever the user's functions return and stay `Any`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, final

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterator, Mapping, Sequence

    import keras
    import numpy as np
    import numpy.typing as npt


class Tensor(Protocol):
    """A concrete tensor of the active backend, as ops, activations, random draws and layers
    called on data return it: what `jax.Array`, `torch.Tensor`, `tf.Tensor` and `np.ndarray`
    have in common (`tf.Tensor` has no unary `+`, so `__pos__` is left out). See the module
    docstring for the design."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> Any: ...

    @property
    def ndim(self) -> int: ...

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Tensor]: ...
    def __getitem__(self, key: Any, /) -> Tensor: ...
    def __array__(self) -> npt.NDArray[Any]: ...
    def __bool__(self) -> bool: ...
    def __int__(self) -> int: ...
    def __float__(self) -> float: ...
    def __add__(self, other: TensorLike, /) -> Tensor: ...
    def __radd__(self, other: TensorLike, /) -> Tensor: ...
    def __sub__(self, other: TensorLike, /) -> Tensor: ...
    def __rsub__(self, other: TensorLike, /) -> Tensor: ...
    def __mul__(self, other: TensorLike, /) -> Tensor: ...
    def __rmul__(self, other: TensorLike, /) -> Tensor: ...
    def __truediv__(self, other: TensorLike, /) -> Tensor: ...
    def __rtruediv__(self, other: TensorLike, /) -> Tensor: ...
    def __floordiv__(self, other: TensorLike, /) -> Tensor: ...
    def __rfloordiv__(self, other: TensorLike, /) -> Tensor: ...
    def __mod__(self, other: TensorLike, /) -> Tensor: ...
    def __rmod__(self, other: TensorLike, /) -> Tensor: ...
    def __pow__(self, other: TensorLike, /) -> Tensor: ...
    def __rpow__(self, other: TensorLike, /) -> Tensor: ...
    def __matmul__(self, other: TensorLike, /) -> Tensor: ...
    def __rmatmul__(self, other: TensorLike, /) -> Tensor: ...
    def __and__(self, other: TensorLike, /) -> Tensor: ...
    def __rand__(self, other: TensorLike, /) -> Tensor: ...
    def __or__(self, other: TensorLike, /) -> Tensor: ...
    def __ror__(self, other: TensorLike, /) -> Tensor: ...
    def __xor__(self, other: TensorLike, /) -> Tensor: ...
    def __rxor__(self, other: TensorLike, /) -> Tensor: ...
    def __lt__(self, other: TensorLike, /) -> Tensor: ...
    def __le__(self, other: TensorLike, /) -> Tensor: ...
    def __gt__(self, other: TensorLike, /) -> Tensor: ...
    def __ge__(self, other: TensorLike, /) -> Tensor: ...
    def __eq__(self, other: object, /) -> Tensor: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
    def __ne__(self, other: object, /) -> Tensor: ...  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
    def __neg__(self) -> Tensor: ...
    def __abs__(self) -> Tensor: ...
    def __invert__(self) -> Tensor: ...


@final
class NotATensor:
    """What the checker says an op returns when its tensor argument is a layer or a model
    (`op_add(layer_dense(units=3), 1.0)`): a type with no tensor member, so that using the result
    is a type error. No value has this type: at run time such a call raises. See the module
    docstring."""

    __slots__ = ()


class BackendTensor(Protocol):
    """A tensor of any backend: `jax.Array`, `torch.Tensor`, `tf.Tensor`, `np.ndarray`, or a
    symbolic `keras.KerasTensor` while a functional model is built."""

    @property
    def shape(self) -> Any: ...

    @property
    def dtype(self) -> Any: ...


#: What an op or layer accepts as a tensor: backend tensors, NumPy arrays, Python scalars and
#: (nested) lists of them.
TensorLike: TypeAlias = "BackendTensor | npt.ArrayLike"

#: A dtype: a name such as "float32", a NumPy dtype or scalar type, or a backend's dtype object.
DTypeLike: TypeAlias = "str | np.dtype[Any] | type[Any] | BackendDType"


class BackendDType(Protocol):
    """A backend's dtype object (`torch.float32`, `tf.float32`, `jnp.float32`...)."""

    def __repr__(self) -> str: ...


#: An integer: a Python `int` or a NumPy integer scalar (`np.int64(3)`), as Keras takes both.
Int: TypeAlias = "int | np.integer[Any]"

#: A real number: a Python `float` or `int`, or a NumPy scalar (`np.float32(0.5)`).
Float: TypeAlias = "float | np.floating[Any] | np.integer[Any]"

#: A NumPy array, as the datasets and NumPy-side utilities return it.
NDArray: TypeAlias = "npt.NDArray[Any]"

#: A shape: a tuple of dimensions, `None` for an unknown one.
ShapeLike: TypeAlias = "Sequence[Int | None] | Int"

#: One axis or several, or None (all axes, or "no axis" where Keras takes that); `op_tensordot`
#: takes a pair of axis lists (`axes=[[0, 1], [1, 0]]`).
Axis: TypeAlias = "Int | Sequence[Int] | Sequence[Sequence[Int]] | None"

#: An int, or one int per spatial dimension (kernel sizes, strides, dilation rates...).
IntOrTuple: TypeAlias = "Int | Sequence[Int]"

#: A seed: an int, a `keras.random.SeedGenerator`, or (in stateless use under jit) a seed tensor.
Seed: TypeAlias = "Int | keras.random.SeedGenerator | BackendTensor"

#: An activation: its name ("relu"), a callable such as `activation_relu`, or None for linear.
ActivationLike: TypeAlias = "str | Callable[..., Any]"

#: An initializer: its name ("glorot_uniform"), an `initializer_*` object, a config dict or a callable.
InitializerLike: TypeAlias = "str | keras.Initializer | Mapping[str, Any] | Callable[..., Any]"

#: A regularizer: its name ("l2"), a `regularizer_*` object, a config dict or a callable.
RegularizerLike: TypeAlias = "str | keras.Regularizer | Mapping[str, Any] | Callable[..., Any]"

#: A constraint: its name ("non_neg"), a `constraint_*` object, a config dict or a callable.
ConstraintLike: TypeAlias = "str | keras.constraints.Constraint | Mapping[str, Any] | Callable[..., Any]"

#: A loss: its name, a `loss_*` object, or a callable of (y_true, y_pred).
LossLike: TypeAlias = "str | keras.Loss | Callable[..., Any]"

#: A learning rate: a float, a `learning_rate_schedule_*` object, or a callable returning one.
LearningRateLike: TypeAlias = "Float | keras.optimizers.schedules.LearningRateSchedule | Callable[..., Any]"

#: A file system path.
PathLike: TypeAlias = "str | os.PathLike[str]"

#: Keras's two layouts of image-like tensors.
DataFormat: TypeAlias = Literal["channels_last", "channels_first"]

#: Padding modes of convolution and pooling layers (and the explicit amounts of padding layers).
#: Keras lower-cases the mode, so the upper-case spellings (`"SAME"`, as in TensorFlow) work too.
Padding: TypeAlias = "Literal['valid', 'same', 'causal', 'full', 'VALID', 'SAME', 'CAUSAL', 'FULL'] | Int | Sequence[Int] | Sequence[Sequence[Int]]"  # noqa: E501

#: How a loss reduces over the batch.
Reduction: TypeAlias = Literal["sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none"]

class Feature(Protocol):
    """A feature of a `FeatureSpace`, as `feature_float()`, `feature_cross()`... return it: Keras's
    `Feature` or `Cross` objects, whose classes are not public. Give them to `layer_feature_space`."""

    def get_config(self) -> dict[str, Any]: ...


#: A layer's name, a model's, a metric's...
Name: TypeAlias = str

__all__ = [
    "ActivationLike",
    "Axis",
    "BackendDType",
    "BackendTensor",
    "ConstraintLike",
    "DTypeLike",
    "DataFormat",
    "Feature",
    "Float",
    "InitializerLike",
    "Int",
    "IntOrTuple",
    "LearningRateLike",
    "LossLike",
    "NDArray",
    "Name",
    "NotATensor",
    "Padding",
    "PathLike",
    "Reduction",
    "RegularizerLike",
    "Seed",
    "ShapeLike",
    "Tensor",
    "TensorLike",
]
