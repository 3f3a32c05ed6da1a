"""HAND-WRITTEN overrides: wrappers whose behaviour is written by hand, not generated.

Each function here replaces the generated wrapper of the same name (the family module re-exports
it). `@override` records the upstream symbol it wraps and the content hash of that symbol's record
in the snapshot it was written against (`tethered_to`, from upstream_snapshots/). When upstream
changes that symbol, `make drift-check` fails and prints the symbol's upstream diff since the
tether, so a maintainer reviews the override and re-tethers it. Regeneration never touches this file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from keras3._runtime import override, upstream

if TYPE_CHECKING:
    import keras

    from keras3.types import ShapeLike


@override(upstream="keras.Sequential", tethered_to="1ef9ef13d1c3949f")
def keras_model_sequential(
    layers: Sequence[keras.Layer] | None = None,
    trainable: bool = True,
    name: str | None = None,
    *,
    input_shape: ShapeLike | None = None,
    input_batch_size: int | None = None,
) -> keras.Sequential:
    """Create a `Sequential` model, optionally starting with an input of a known shape.

    As in the R package {keras3}: `keras_model_sequential(input_shape=(4,))` gives a model that is
    built as soon as its first layer is added, so `summary()` shows shapes without calling it.

    Args:
        layers: layers to add, in order.
        trainable: whether the model's weights are trained.
        name: the model's name.
        input_shape: the shape of one sample (without the batch dimension); adds a
            `keras_input(shape=input_shape)` first.
        input_batch_size: a fixed batch size for that input.

    Wraps `keras.Sequential`.
    """
    stack: list[Any] = list(layers or [])
    if input_shape is not None:
        shape = (input_shape,) if isinstance(input_shape, int) else tuple(input_shape)
        stack.insert(0, upstream("keras.Input")(shape=shape, batch_size=input_batch_size))
    return upstream("keras.Sequential", "3.0.0")(stack or None, trainable, name)
