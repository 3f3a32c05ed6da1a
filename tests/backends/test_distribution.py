"""keras3's distribution_* family: data-parallel and model-parallel training on 8 virtual CPU
devices. Each scenario runs in a subprocess (distribution_worker.py) because the device count is
fixed by XLA_FLAGS=--xla_force_host_platform_device_count=8, which XLA reads only when jax starts;
the worker prints its observations as JSON and the assertions live here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import needs

WORKER = Path(__file__).with_name("distribution_worker.py")
DEVICES = 8
BATCH = 16  # the worker's batch size

JAX_ONLY = (
    "Keras's distribution API is implemented for JAX only (Keras 3.0 release notes: "
    "'keras.distribution based on JAX'): keras/src/backend/__init__.py sets distribution_lib = "
    "None for torch and numpy (list_devices raises AttributeError), and TensorFlow's is a "
    "'DO NOT USE' prototype that its Variable and trainer never consult"
)

pytestmark = needs("jax", why=JAX_ONLY)


def _run(*scenarios: str) -> dict:
    env = dict(os.environ)
    env["KERAS_BACKEND"] = "jax"
    env["JAX_PLATFORMS"] = "cpu"
    flag = f"--xla_force_host_platform_device_count={DEVICES}"
    env["XLA_FLAGS"] = f"{env['XLA_FLAGS']} {flag}" if env.get("XLA_FLAGS") else flag
    done = subprocess.run(
        [sys.executable, str(WORKER), *scenarios],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"worker failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def results() -> dict:
    # One subprocess for both scenarios: jax and Keras start once.
    return _run("data_parallel", "model_parallel")


@pytest.fixture
def data_parallel(results) -> dict:
    return results["data_parallel"]


@pytest.fixture
def model_parallel(results) -> dict:
    return results["model_parallel"]


def _assert_common(result: dict, distribution: str) -> None:
    assert result["backend"] == "jax"
    assert result["jax_devices"] == DEVICES, "XLA_FLAGS did not give jax 8 CPU devices"
    assert result["keras_devices"] == [f"cpu:{i}" for i in range(DEVICES)]
    assert result["distribution"] == distribution  # distribution_set made it the global one
    losses = result["losses"]
    assert losses[-1] < 0.2 * losses[0], f"the distributed model did not train: {losses}"
    # The sharded computation agrees with the gathered weights applied on the host.
    assert result["predict_max_abs_err"] < 1e-4
    for path, var in {**result["variables"], **result["optimizer_variables"]}.items():
        assert var["is_jax_array"], path
        assert var["devices"] == DEVICES, f"{path} does not span the 8 devices"


def test_data_parallel_replicates_variables_and_shards_the_batch(data_parallel):
    _assert_common(data_parallel, "DataParallel")
    # The batch dimension is split across all 8 devices: each device gets 16 / 8 = 2 rows.
    assert data_parallel["data_layout_axes"] == ["batch", None]
    assert data_parallel["batches"], "the train step never saw a batch"
    for batch in data_parallel["batches"]:
        assert batch["global_shape"] == [BATCH, 4]
        assert batch["spec"] == ["batch"] and batch["devices"] == DEVICES
        assert batch["shard_shape"] == [BATCH // DEVICES, 4]
    # Every model and optimizer variable is a full copy on each device.
    variables = {**data_parallel["variables"], **data_parallel["optimizer_variables"]}
    assert {"net/dense_a/kernel", "net/head/kernel"} <= set(variables)
    for path, var in variables.items():
        assert var["mesh"] == {"batch": DEVICES}, path
        assert var["fully_replicated"], f"{path} is not replicated: {var}"
        assert var["shard_shape"] == var["shape"] and var["distinct_shards"] == 1, path


def test_model_parallel_shards_the_mapped_kernels(model_parallel):
    _assert_common(model_parallel, "ModelParallel")
    variables = model_parallel["variables"]
    for path, var in {**variables, **model_parallel["optimizer_variables"]}.items():
        assert var["mesh"] == {"batch": 2, "model": 4}, path

    # layout_map[".*dense.*kernel"] = (None, "model"): output columns split 4 ways over "model".
    for name, (fan_in, units) in {"dense_a": (4, 16), "dense_b": (16, 8)}.items():
        kernel = variables[f"net/{name}/kernel"]
        assert kernel["shape"] == [fan_in, units]
        assert kernel["spec"] == [None, "model"], kernel
        assert not kernel["fully_replicated"]
        assert kernel["shard_shape"] == [fan_in, units // 4]
        assert kernel["distinct_shards"] == 4  # 4 different slices, each on 2 devices
        bias = variables[f"net/{name}/bias"]
        assert bias["spec"] == ["model"] and bias["shard_shape"] == [units // 4]
        assert bias["distinct_shards"] == 4
        # The optimizer's slot for the kernel follows the kernel's layout.
        (momentum,) = [
            var
            for path, var in model_parallel["optimizer_variables"].items()
            if path.endswith(f"/net_{name}_kernel_momentum")
        ]
        assert momentum["spec"] == [None, "model"] and momentum["distinct_shards"] == 4

    # "head" matches no layout-map key: it stays replicated.
    for path in ("net/head/kernel", "net/head/bias"):
        assert variables[path]["fully_replicated"], variables[path]
        assert variables[path]["distinct_shards"] == 1

    # batch_dim_name="batch": the batch is split over the 2 "batch" rows of the mesh only.
    assert model_parallel["data_layout_axes"] == ["batch", None]
    assert model_parallel["batches"]
    for batch in model_parallel["batches"]:
        assert batch["spec"] == ["batch"] and batch["devices"] == DEVICES
        assert batch["shard_shape"] == [BATCH // 2, 4]
