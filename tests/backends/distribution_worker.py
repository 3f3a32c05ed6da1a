"""Subprocess helper for test_distribution.py (not a test module).

Run as `python distribution_worker.py data_parallel model_parallel` with KERAS_BACKEND=jax and
XLA_FLAGS=--xla_force_host_platform_device_count=8 already in the environment: XLA reads that flag
once, when jax starts, so it cannot be set from inside a pytest process that imported jax already.
For each scenario named, trains a small keras3 model under that distribution; prints one JSON
object, keyed by scenario, on the last line of stdout: losses, the devices seen, each variable's
sharding, and the sharding of the batch the compiled train step received.
"""

from __future__ import annotations

import json
import sys

import jax
import keras3
import numpy as np
from keras3 import (
    distribution_data_parallel,
    distribution_device_mesh,
    distribution_get,
    distribution_layout_map,
    distribution_list_devices,
    distribution_model_parallel,
    distribution_set,
    keras_model_sequential,
    layer_dense,
    layer_lambda,
    op_convert_to_numpy,
    optimizer_sgd,
)

BATCH = 16
W_TRUE = np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")


def _spec(sharding) -> list:
    return [list(a) if isinstance(a, tuple) else a for a in sharding.spec]


def _describe(variable) -> dict:
    value = variable.value
    sharding = value.sharding
    return {
        "shape": list(variable.shape),
        "is_jax_array": isinstance(value, jax.Array),
        "spec": _spec(sharding),
        "mesh": dict(sharding.mesh.shape),
        "devices": len(sharding.device_set),
        "fully_replicated": bool(sharding.is_fully_replicated),
        "shard_shape": list(sharding.shard_shape(tuple(variable.shape))),
        "distinct_shards": len({str(s.index) for s in value.addressable_shards}),
    }


def run(scenario: str) -> dict:
    seen_batches: list[dict] = []

    def probe(x):
        # Runs while the train step is traced: records how the distribution laid out the batch.
        jax.debug.inspect_array_sharding(
            x,
            callback=lambda s: seen_batches.append(
                {
                    "spec": _spec(s),
                    "devices": len(s.device_set),
                    "shard_shape": list(s.shard_shape(tuple(x.shape))),
                    "global_shape": list(x.shape),
                }
            ),
        )
        return x

    devices = distribution_list_devices()
    if scenario == "data_parallel":
        dist = distribution_data_parallel(devices=devices)
    elif scenario == "model_parallel":
        mesh = distribution_device_mesh((2, 4), ("batch", "model"), devices=devices)
        layout_map = distribution_layout_map(mesh)
        layout_map[".*dense.*kernel"] = (None, "model")
        layout_map[".*dense.*bias"] = ("model",)
        dist = distribution_model_parallel(layout_map=layout_map, batch_dim_name="batch")
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")
    distribution_set(dist)

    model = keras_model_sequential(input_shape=(4,), name="net")
    layer_lambda(model, function=probe, name="probe")
    layer_dense(model, units=16, activation="relu", name="dense_a")
    layer_dense(model, units=8, activation="relu", name="dense_b")
    layer_dense(model, units=1, name="head")  # matches no layout-map key: replicated
    model.compile(optimizer=optimizer_sgd(learning_rate=0.02, momentum=0.5), loss="mse")

    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = x @ W_TRUE + 0.5
    history = model.fit(x, y, epochs=4, batch_size=BATCH, verbose=0)

    # The sharded model computes the same function as its gathered weights do on one host.
    weights = {v.path: np.asarray(op_convert_to_numpy(v)) for v in model.weights}
    h = np.maximum(x @ weights["net/dense_a/kernel"] + weights["net/dense_a/bias"], 0)
    h = np.maximum(h @ weights["net/dense_b/kernel"] + weights["net/dense_b/bias"], 0)
    reference = h @ weights["net/head/kernel"] + weights["net/head/bias"]
    predicted = np.asarray(op_convert_to_numpy(model.predict(x, batch_size=BATCH, verbose=0)))

    data_layout = dist.get_data_layout((BATCH, 4))
    return {
        "backend": keras3.backend(),
        "jax_devices": len(jax.devices()),
        "keras_devices": list(devices),
        "distribution": type(distribution_get()).__name__,
        "data_layout_axes": list(data_layout.axes),
        "losses": [float(v) for v in history.history["loss"]],
        "batches": seen_batches,
        "variables": {v.path: _describe(v) for v in model.weights},
        "optimizer_variables": {v.path: _describe(v) for v in model.optimizer.variables},
        "predict_max_abs_err": float(np.max(np.abs(predicted - reference))),
    }


def main(scenarios: list[str]) -> dict:
    results = {}
    for scenario in scenarios:
        results[scenario] = run(scenario)
        distribution_set(None)  # back to no distribution before the next scenario
    return results


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
