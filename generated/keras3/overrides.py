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

    from keras3.types import (
        Axis,
        ConstraintLike,
        InitializerLike,
        RegularizerLike,
        Seed,
        ShapeLike,
        TensorLike,
    )


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
        shape = tuple(input_shape) if isinstance(input_shape, Sequence) else (input_shape,)
        stack.insert(0, upstream("keras.Input")(shape=shape, batch_size=input_batch_size))
    return upstream("keras.Sequential", "3.0.0")(stack or None, trainable, name)


@override(upstream="keras.layers.MultiHeadAttention", tethered_to="c065babc8e211d4f")
def layer_multi_head_attention(
    inputs: Sequence[TensorLike] | None = None,
    /,
    *,
    num_heads: int,
    key_dim: int,
    value_dim: int | None = None,
    dropout: float = 0.0,
    use_bias: bool = True,
    output_shape: ShapeLike | None = None,
    attention_axes: Axis | None = None,
    sliding_window: int | None = None,
    flash_attention: bool | None = None,
    kernel_initializer: InitializerLike = "glorot_uniform",
    bias_initializer: InitializerLike = "zeros",
    kernel_regularizer: RegularizerLike | None = None,
    bias_regularizer: RegularizerLike | None = None,
    activity_regularizer: RegularizerLike | None = None,
    kernel_constraint: ConstraintLike | None = None,
    bias_constraint: ConstraintLike | None = None,
    use_gate: bool = False,
    seed: Seed | None = None,
    attention_mask: TensorLike | None = None,
    return_attention_scores: bool = False,
    **kwargs: Any,
) -> Any:
    """Multi-head attention, taking its inputs first as in the R package {keras3}.

    `inputs` is `[query, value]` or `[query, value, key]`: with them, the layer is called and its
    output returned (`(output, scores)` with `return_attention_scores=True`); without, the layer is
    returned. The generic composition cannot do this: the layer's call takes query, value and key
    as separate arguments, not one list.

    Args:
        inputs: `[query, value]` or `[query, value, key]` tensors, or None for the layer itself.
        num_heads: number of attention heads.
        key_dim: size of each attention head for query and key.
        value_dim: size of each attention head for value.
        dropout: dropout probability.
        use_bias: whether the dense layers use bias vectors.
        output_shape: the size of the output's last dimension(s); the query's by default.
        attention_axes: axes over which attention is applied.
        sliding_window: attend only to this many positions before each query (Keras 3.15+).
        flash_attention: whether to use flash attention.
        kernel_initializer: initializer for the dense kernels.
        bias_initializer: initializer for the dense biases.
        kernel_regularizer: regularizer for the dense kernels.
        bias_regularizer: regularizer for the dense biases.
        activity_regularizer: regularizer for the output.
        kernel_constraint: constraint on the dense kernels.
        bias_constraint: constraint on the dense biases.
        use_gate: whether to gate the attention output (Keras 3.14+).
        seed: seed for dropout.
        attention_mask: a boolean mask of shape `(B, T, S)`, used when `inputs` are given.
        return_attention_scores: also return the attention scores, when `inputs` are given.
        **kwargs: base layer arguments (`name`, `dtype`, ...).

    Wraps `keras.layers.MultiHeadAttention`.
    """
    layer = upstream("keras.layers.MultiHeadAttention", "3.0.0")(
        num_heads=num_heads,
        key_dim=key_dim,
        value_dim=value_dim,
        dropout=dropout,
        use_bias=use_bias,
        output_shape=output_shape,
        attention_axes=attention_axes,
        sliding_window=sliding_window,
        flash_attention=flash_attention,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        use_gate=use_gate,
        seed=seed,
        **kwargs,
    )
    if inputs is None:
        return layer
    query, value, *key = inputs
    return layer(
        query,
        value,
        key[0] if key else None,
        attention_mask=attention_mask,
        return_attention_scores=return_attention_scores,
    )
