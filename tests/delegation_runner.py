"""Subprocess entry point of tests/package/test_delegation.py: one backend, one fresh interpreter.

    KERAS_BACKEND=torch PYTHONPATH=. python tests/delegation_runner.py ops
    KERAS_BACKEND=torch PYTHONPATH=. python tests/delegation_runner.py switch

``ops`` (on the backend KERAS_BACKEND names): calls every ``keras3.op_*`` wrapper (or the share
KERAS3_DELEGATION_SHARE names, see ``shared_ops``) and the
upstream function it wraps, resolved straight from ``keras`` and not through keras3, on the
same freshly built sample inputs (tests/op_samples.py), and compares shape, dtype and values;
then trains a tiny model built with keras3 calls only. ``switch``: imports wrapper function
objects once, then switches jax -> torch -> tensorflow -> numpy and calls those same objects
after each switch.

Prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import random
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests import op_samples

# --------------------------------------------------------------------------------------
# Comparing results
# --------------------------------------------------------------------------------------


def _is_array(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, type)


def _dtype_name(keras: Any, value: Any) -> str:
    try:
        return str(keras.backend.standardize_dtype(value.dtype))
    except (ValueError, TypeError, AttributeError):  # not a Keras dtype: the backend's name
        return str(value.dtype)


def compare(keras: Any, got: Any, want: Any, where: str = "result") -> str | None:
    """None when ``got`` (wrapper) equals ``want`` (direct call), else what differs."""
    if _is_array(want) or _is_array(got):
        if not (_is_array(want) and _is_array(got)):
            return f"{where}: {type(got).__name__} vs {type(want).__name__}"
        if tuple(got.shape) != tuple(want.shape):
            return f"{where}: shape {tuple(got.shape)} vs {tuple(want.shape)}"
        got_dtype, want_dtype = _dtype_name(keras, got), _dtype_name(keras, want)
        if got_dtype != want_dtype:
            return f"{where}: dtype {got_dtype} vs {want_dtype}"
        a = np.asarray(keras.ops.convert_to_numpy(got))
        b = np.asarray(keras.ops.convert_to_numpy(want))
        if a.dtype.kind in "biufc" and b.dtype.kind in "biufc":
            if not np.allclose(a, b, equal_nan=True):
                return f"{where}: values differ, max |diff| {np.nanmax(np.abs(a - b))}"
        elif not np.array_equal(a, b):
            return f"{where}: values differ"
        return None
    if isinstance(want, (list, tuple)):
        if type(got) is not type(want):
            return f"{where}: {type(got).__name__} vs {type(want).__name__}"
        if len(got) != len(want):
            return f"{where}: length {len(got)} vs {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            problem = compare(keras, g, w, f"{where}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(want, dict):
        if type(got) is not type(want) or got.keys() != want.keys():
            return f"{where}: {got!r} vs {want!r}"
        for key in want:
            problem = compare(keras, got[key], want[key], f"{where}[{key!r}]")
            if problem:
                return problem
        return None
    if type(got) is not type(want):
        return f"{where}: {type(got).__name__} vs {type(want).__name__}"
    if isinstance(want, float) and np.isnan(want) and np.isnan(got):
        return None
    if got != want:
        return f"{where}: {got!r} vs {want!r}"
    return None


def _shape_and_dtype(keras: Any, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_shape_and_dtype(keras, v) for v in value]
    return (tuple(value.shape), _dtype_name(keras, value))


def _error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}"


# --------------------------------------------------------------------------------------
# ops
# --------------------------------------------------------------------------------------


def _resolve_direct(keras: Any, path: str) -> Any:
    """``keras.ops.image.resize`` from the keras module itself (no keras3 code involved)."""
    return functools.reduce(getattr, path.split(".")[1:], keras)


def _upstream_kwargs(function: Any, wrapper_params: list[op_samples.Param], kwargs: dict) -> dict:
    """The wrapper's keyword names translated to upstream's, by position where they differ."""
    try:
        upstream_params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return kwargs
    names = {p.name for p in upstream_params}
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in upstream_params)
    position = {p.name: i for i, p in enumerate(wrapper_params)}
    renamed = {}
    for name, value in kwargs.items():
        if name in names or takes_any or name not in position:
            renamed[name] = value
        else:
            renamed[upstream_params[position[name]].name] = value
    return renamed


def reset_global_generators(backend: str) -> None:
    """Reseed the global generators an op may draw from despite an explicit seed.

    What ``keras.utils.set_random_seed`` does, less its ``tf.random.set_seed``: that one
    imports TensorFlow (seconds) in every backend's process, and no op draws from it.
    """
    random.seed(op_samples.GLOBAL_SEED)
    np.random.seed(op_samples.GLOBAL_SEED)
    if backend == "torch":
        import torch

        torch.manual_seed(op_samples.GLOBAL_SEED)


def check_op(keras: Any, name: str, wrapper: Any, path: str, params: list[op_samples.Param]) -> str:
    backend = keras.config.backend()
    to_tensor = keras.ops.convert_to_tensor
    if not path:
        return "error-wrapper-only: the docstring names no wrapped `keras.` path"
    try:
        direct = _resolve_direct(keras, path)
    except AttributeError as exc:
        return f"error-both: {path} cannot be resolved on keras: {_error(exc)}"

    def run(function: Any, upstream: bool) -> Any:
        reset_global_generators(backend)
        args, kwargs = op_samples.build_call(name, params, to_tensor)
        if upstream:
            kwargs = _upstream_kwargs(function, params, kwargs)
        result = function(*args, **kwargs)
        call_with = op_samples.result_args(name, to_tensor)
        if call_with is not None:
            result = result(*call_with)
        return result

    want = got = None
    want_exc = got_exc = None
    try:
        want = run(direct, upstream=True)
    except Exception as exc:  # noqa: BLE001 - reported, and judged by the test
        want_exc = exc
    try:
        got = run(wrapper, upstream=False)
    except Exception as exc:  # noqa: BLE001
        got_exc = exc
    if want_exc is not None and got_exc is not None:
        not_implemented = isinstance(want_exc, NotImplementedError) and isinstance(
            got_exc, NotImplementedError
        )
        prefix = "not-implemented" if not_implemented else "error-both"
        return f"{prefix}: upstream {_error(want_exc)} | wrapper {_error(got_exc)}"
    if got_exc is not None:
        tb = traceback.extract_tb(got_exc.__traceback__)[-1]
        return f"error-wrapper-only: {_error(got_exc)} (at {Path(tb.filename).name}:{tb.lineno})"
    if want_exc is not None:
        return f"error-upstream-only: {_error(want_exc)}"
    if name in op_samples.SHAPE_AND_DTYPE_ONLY:
        got, want = _shape_and_dtype(keras, got), _shape_and_dtype(keras, want)
    problem = compare(keras, got, want)
    return "ok" if problem is None else f"mismatch: {problem}"


_WRAPS = re.compile(r"Wraps `(keras\.[A-Za-z0-9_.]+)`")


def op_wrappers() -> list[tuple[str, str, list[op_samples.Param]]]:
    """(name, upstream path, parameters) of every wrapper in ``keras3.ops.__all__``.

    Read from the generated module itself: the upstream path from the docstring's
    "Wraps `keras.ops.X`" line, the parameters from the wrapper's signature.
    """
    import keras3.ops

    wrappers = []
    for name in keras3.ops.__all__:
        function = getattr(keras3.ops, name)
        match = _WRAPS.search(function.__doc__ or "")
        path = match.group(1) if match else ""
        params = [
            op_samples.Param(
                p.name,
                p.kind.name.lower(),
                p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD),
            )
            for p in inspect.signature(function).parameters.values()
        ]
        wrappers.append((name, path, params))
    return wrappers


def shared_ops(names: list[str], backend: str, share: str) -> list[str]:
    """The ops one backend's job checks: with `share` "I/K", those whose index in `names` is I
    modulo K, and every op listed in op_samples.NOT_SAMPLED for that backend ("0/1": all)."""
    index, every = (int(n) for n in share.split("/"))
    listed = op_samples.NOT_SAMPLED.get(backend, {})
    return [name for position, name in enumerate(names) if position % every == index or name in listed]


def check_ops(keras: Any, backend: str) -> dict[str, str]:
    import keras3.ops

    wrappers = op_wrappers()
    wanted = set(shared_ops([name for name, _, _ in wrappers], backend,
                            os.environ.get("KERAS3_DELEGATION_SHARE", "0/1")))
    report = {}
    for name, path, params in wrappers:
        if name in wanted:
            report[name] = check_op(keras, name, getattr(keras3.ops, name), path, params)
    return report


# --------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------


def train(backend: str) -> dict[str, Any]:
    """Fit a Sequential and a functional model built with keras3 calls only.

    Seeded through the initializers (``keras3.set_random_seed`` would be the other way, but
    ``keras.utils.set_random_seed`` imports TensorFlow on every backend); no shuffling.
    On the numpy backend ``fit`` raises NotImplementedError, which is recorded.
    """
    from keras3 import (
        initializer_glorot_uniform,
        keras_input,
        keras_model,
        keras_model_sequential,
        layer_dense,
        loss_mean_squared_error,
        optimizer_adam,
    )

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32") + 0.25).astype("float32")

    def dense(object: Any, units: int, seed: int, activation: str | None = None) -> Any:
        return layer_dense(
            object,
            units=units,
            activation=activation,
            kernel_initializer=initializer_glorot_uniform(seed=seed),
        )

    sequential = keras_model_sequential()
    sequential = dense(sequential, 8, seed=1, activation="relu")
    sequential = dense(sequential, 1, seed=2)

    inputs = keras_input(shape=(4,))
    outputs = dense(dense(inputs, 8, seed=3, activation="tanh"), 1, seed=4)
    functional = keras_model(inputs=inputs, outputs=outputs)

    result: dict[str, Any] = {}
    for label, model in (("sequential", sequential), ("functional", functional)):
        model.compile(optimizer=optimizer_adam(learning_rate=0.05), loss=loss_mean_squared_error())
        entry: dict[str, Any] = {"model_class": type(model).__name__}
        try:
            history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, shuffle=False)
        except NotImplementedError as exc:
            entry["fit_error"] = _error(exc)
        else:
            entry["loss"] = [float(v) for v in history.history["loss"]]
        result[label] = entry
    del backend
    return result


# --------------------------------------------------------------------------------------
# switching
# --------------------------------------------------------------------------------------


def switch() -> dict[str, Any]:
    """Same wrapper function objects, called after each switch jax -> torch -> tf -> numpy.

    Starts with Keras not imported (no KERAS_BACKEND): the first use_backend imports it.
    """
    import keras3
    from keras3 import layer_dense, op_add, op_image_resize

    originals = (op_add, op_image_resize, layer_dense)
    expected_type = {"jax": "jax", "torch": "torch", "tensorflow": "tensorflow", "numpy": "numpy"}
    out: dict[str, Any] = {}
    for backend in ("jax", "torch", "tensorflow", "numpy"):
        keras3.use_backend(backend)
        keras = keras3._runtime.keras()
        total = op_add(np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32"))
        resized = op_image_resize(np.ones((1, 4, 4, 3), "float32"), (2, 2))
        layer = layer_dense(units=2)
        dense_out = layer_dense(np.ones((1, 3), "float32"), units=2)
        out[backend] = {
            "active": keras3.backend(),
            "same_objects": (keras3.op_add, keras3.op_image_resize, keras3.layer_dense)
            == originals,
            "add_type": _type_name(total),
            "add_value": np.asarray(keras.ops.convert_to_numpy(total)).tolist(),
            "resize_type": _type_name(resized),
            "resize_shape": list(resized.shape),
            "layer_is_current_dense": isinstance(layer, keras.layers.Dense),
            "dense_out_type": _type_name(dense_out),
            "dense_out_shape": list(dense_out.shape),
            "expected_type_prefix": expected_type[backend],
        }
    return out


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "ops"
    start = time.perf_counter()
    if mode == "switch":
        report: dict[str, Any] = {"switch": switch()}
    else:
        backend = os.environ["KERAS_BACKEND"]
        import keras

        report = {"backend": keras.config.backend(), "ops": check_ops(keras, backend)}
        report["ops_seconds"] = round(time.perf_counter() - start, 2)
        report["training"] = train(backend)
    report["seconds"] = round(time.perf_counter() - start, 2)
    sys.stdout.flush()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
