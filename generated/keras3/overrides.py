"""HAND-WRITTEN overrides: wrappers whose behaviour is written by hand, not generated.

Each function here replaces the generated wrapper of the same name (the family module re-exports
it). `@override` records the upstream symbol it wraps and the content hash of that symbol's record
in the snapshot it was written against (`tethered_to`, from upstream_snapshots/). When upstream
changes that symbol, `make drift-check` fails and prints the symbol's upstream diff since the
tether, so a maintainer reviews the override and re-tethers it. Regeneration never touches this file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union

from keras3._runtime import override, upstream

if TYPE_CHECKING:
    import keras

    from keras3.types import (
        ShapeLike,
    )

    _L = TypeVar("_L", bound=keras.Layer)
    # A layer of a model: itself, its name, or its 0-based index (negative counts from the end).
    LayerRef = Union[keras.Layer, str, int]


@override(upstream="keras.Sequential", tethered_to="8b1af6ee3c63b67a")
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
        shape = tuple(input_shape) if isinstance(input_shape, Sequence) else (input_shape,)
        stack.insert(0, upstream("keras.Input")(shape=shape, batch_size=input_batch_size))
    model: keras.Sequential = upstream("keras.Sequential", "3.0.0")(stack or None, trainable, name)
    return model


# --- model verbs with behaviour of their own (the rest are generated: see [verbs] in binding.toml) ---


def _layer_index(layers: Sequence[Any], ref: Any, role: str) -> int:
    """The 0-based position of a layer given as itself, its name or its index (negative from the end)."""
    if isinstance(ref, bool) or not isinstance(ref, (int, str)):
        found = [i for i, layer in enumerate(layers) if layer is ref]
        if found:
            return found[0]
        raise ValueError(f"{role}={ref!r} is not one of the model's layers")
    if isinstance(ref, int):
        if not -len(layers) <= ref < len(layers):
            raise IndexError(f"{role}={ref} is out of range for a model of {len(layers)} layers")
        return ref % len(layers)
    names = [layer.name for layer in layers]
    if ref not in names:
        raise ValueError(f"{role}={ref!r}: no layer of that name; the layers are {names}")
    return names.index(ref)


def _set_trainable(
    object: Any, from_: Any, to: Any, which: Any, trainable: bool, verb: str
) -> None:
    if which is not None and (from_ is not None or to is not None):
        raise ValueError(f"{verb}() takes either `which` or `from_`/`to`, not both")
    if which is None and from_ is None and to is None:
        object.trainable = trainable
        return
    object.trainable = True  # some of its layers stay trainable: the model itself must be
    layers: list[Any] = list(object.layers)
    if which is not None:
        if callable(which):
            chosen = {i for i, layer in enumerate(layers) if which(layer)}
        else:
            chosen = {_layer_index(layers, ref, "which") for ref in which}
    else:
        start = 0 if from_ is None else _layer_index(layers, from_, "from_")
        stop = len(layers) - 1 if to is None else _layer_index(layers, to, "to")
        chosen = set(range(start, stop + 1))
    for index, layer in enumerate(layers):
        layer.trainable = trainable if index in chosen else not trainable


@override(upstream="keras.Layer", tethered_to="d74a0fd698cf97c2")
def freeze_weights(
    object: _L,
    /,
    from_: LayerRef | None = None,
    to: LayerRef | None = None,
    *,
    which: Callable[[keras.Layer], bool] | Sequence[LayerRef] | None = None,
) -> _L:
    """Freeze the weights of a model or layer, or of a range of its layers, as in {keras3}.

    With no range, the whole `object` stops training (`object.trainable = False`). With `from_`
    and/or `to`, the layers from `from_` to `to` (both included) are frozen and every other layer
    is made trainable; with `which`, the layers it selects are frozen and the others made
    trainable. Compile the model again afterwards: `trainable` is read when the model is compiled.

    Args:
        object: the model (or layer) to freeze.
        from_: the first layer to freeze: the layer, its name, or its 0-based index (negative
            counts from the end, so `from_=-5` freezes the last five layers). Default: the first.
        to: the last layer to freeze, given the same way. Default: the last.
        which: instead of a range, a function of a layer that returns True for the layers to
            freeze, or a list of layers, names or indices.

    Returns:
        `object`, so that calls chain.

    Sets `keras.Layer.trainable`.
    """
    _set_trainable(object, from_, to, which, False, "freeze_weights")
    return object


@override(upstream="keras.Layer", tethered_to="d74a0fd698cf97c2")
def unfreeze_weights(
    object: _L,
    /,
    from_: LayerRef | None = None,
    to: LayerRef | None = None,
    *,
    which: Callable[[keras.Layer], bool] | Sequence[LayerRef] | None = None,
) -> _L:
    """Unfreeze the weights of a model or layer, or of a range of its layers, as in {keras3}.

    With no range, the whole `object` trains again (`object.trainable = True`). With `from_`
    and/or `to`, the layers from `from_` to `to` (both included) are made trainable and every
    other layer is frozen; with `which`, the layers it selects. The usual fine-tuning step is
    `freeze_weights(base)` then `unfreeze_weights(base, from_="block5_conv1")`. Compile again
    afterwards.

    Args:
        object: the model (or layer) to unfreeze.
        from_: the first layer to unfreeze: the layer, its name, or its 0-based index (negative
            counts from the end). Default: the first.
        to: the last layer to unfreeze, given the same way. Default: the last.
        which: instead of a range, a function of a layer that returns True for the layers to
            unfreeze, or a list of layers, names or indices.

    Returns:
        `object`, so that calls chain.

    Sets `keras.Layer.trainable`.
    """
    _set_trainable(object, from_, to, which, True, "unfreeze_weights")
    return object


@override(upstream="keras.Model", tethered_to="270ef05faca7dd7c")
def save_model_config(
    object: keras.Model, /, filepath: str | os.PathLike[str], overwrite: bool = False
) -> None:
    """Save a model's configuration (its architecture, no weights) as a JSON file.

    The file holds `object.to_json()`; `load_model_config()` builds a new, untrained model from
    it. The file is written to a temporary name and moved into place, so a failed write never
    leaves half a file.

    Args:
        object: the model whose `to_json()` is saved.
        filepath: where to write the JSON.
        overwrite: replace an existing file (by default an existing file is an error, as in
            {keras3}).

    Raises:
        FileExistsError: `filepath` exists and `overwrite` is False.

    Writes `keras.Model.to_json`.
    """
    target = Path(filepath)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    model: Any = object  # Keras's methods are unannotated
    text: str = model.to_json()
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or None)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@override(upstream="keras.Model", tethered_to="270ef05faca7dd7c")
def load_model_config(
    filepath: str | os.PathLike[str], custom_objects: dict[str, Any] | None = None
) -> keras.Model:
    """Build a new, untrained model from a JSON file written by `save_model_config()`.

    Args:
        filepath: the JSON file.
        custom_objects: the custom classes and functions the configuration names, by name.

    Returns:
        The model (its weights freshly initialised).

    Reads with `keras.models.model_from_json`.
    """
    text = Path(filepath).read_text(encoding="utf-8")
    model: keras.Model = upstream("keras.models.model_from_json")(text, custom_objects)
    return model


@override(upstream="keras.Model", tethered_to="270ef05faca7dd7c")
def from_config(
    config: Mapping[str, Any],
    custom_objects: Mapping[str, Any] | None = None,
    *,
    cls: type[Any] | None = None,
) -> Any:
    """Rebuild a model or a layer (new, untrained) from its configuration dict, as {keras3}'s `from_config()`.

    `config` is either what `keras.saving.serialize_keras_object(object)` gives (a dict with
    `class_name` and `config`: the class is read from it), or a bare `object.get_config()` dict, as
    keras.io's saving guide rebuilds models: then `cls` names the class (`keras.layers.Dense`,
    `keras.Sequential`, a subclass of yours). Without `cls`, a bare dict of a functional model
    (it lists `input_layers`) is rebuilt as `keras.Model`, one with `layers` as `keras.Sequential`.

    Args:
        config: the configuration dict.
        custom_objects: the custom classes and functions the configuration names, by name.
        cls: the class of a bare `get_config()` dict.

    Returns:
        The rebuilt object (its weights freshly initialised).

    Raises:
        ValueError: `config` is a bare dict whose class cannot be told and `cls` is not given.

    Calls `keras.saving.deserialize_keras_object`, or `cls.from_config` in a
    `keras.saving.custom_object_scope(custom_objects)`.
    """
    if not isinstance(config, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]  (untyped callers)
        raise TypeError(f"keras3.from_config(config={config!r:.80} of type {type(config).__name__}): "
                        "expected a dict from get_config() or keras.saving.serialize_keras_object()")
    objects = dict(custom_objects or {})
    if cls is None and "class_name" in config and "config" in config:
        return upstream("keras.saving.deserialize_keras_object")(dict(config), custom_objects=objects)
    target: type[Any]
    if cls is not None:
        target = cls
    elif "input_layers" in config:
        target = upstream("keras.Model")
    elif "layers" in config:
        target = upstream("keras.Sequential")
    else:
        raise ValueError("keras3.from_config(): a bare get_config() dict does not say its class "
                         f"(keys: {', '.join(sorted(config))}); pass cls=, e.g. cls=keras.layers.Dense")
    with upstream("keras.saving.custom_object_scope")(objects):
        return target.from_config(dict(config))
