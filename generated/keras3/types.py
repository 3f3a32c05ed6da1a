"""keras3.types: the types keras3's wrappers take and return.

HAND-WRITTEN runtime support (listed as hand-written in generator/spec/binding.toml; regeneration
keeps it as it is). The generated wrappers import these names for annotations only, so importing
this module never imports Keras, NumPy or a backend.

Each alias admits everything Keras itself accepts there: a type that rejects a call Keras accepts
is a bug in this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Mapping, Sequence

    import keras
    import numpy as np
    import numpy.typing as npt


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


#: A shape: a tuple of dimensions, `None` for an unknown one.
ShapeLike: TypeAlias = "Sequence[int | None] | int"

#: One axis or several, or None (all axes, or "no axis" where Keras takes that).
Axis: TypeAlias = "int | Sequence[int] | None"

#: An int, or one int per spatial dimension (kernel sizes, strides, dilation rates...).
IntOrTuple: TypeAlias = "int | Sequence[int]"

#: A seed: an int, a `keras.random.SeedGenerator`, or (in stateless use under jit) a seed tensor.
Seed: TypeAlias = "int | keras.random.SeedGenerator | BackendTensor"

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
LearningRateLike: TypeAlias = "float | keras.optimizers.schedules.LearningRateSchedule | Callable[[], float]"

#: A file system path.
PathLike: TypeAlias = "str | os.PathLike[str]"

#: Keras's two layouts of image-like tensors.
DataFormat: TypeAlias = Literal["channels_last", "channels_first"]

#: Padding modes of convolution and pooling layers (and the explicit amounts of padding layers).
Padding: TypeAlias = "Literal['valid', 'same', 'causal', 'full'] | int | Sequence[int] | Sequence[Sequence[int]]"

#: How a loss reduces over the batch.
Reduction: TypeAlias = Literal["sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none"]

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
    "InitializerLike",
    "IntOrTuple",
    "LearningRateLike",
    "LossLike",
    "Name",
    "Padding",
    "PathLike",
    "Reduction",
    "RegularizerLike",
    "Seed",
    "ShapeLike",
    "TensorLike",
]
