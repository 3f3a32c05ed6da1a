"""On a real older Keras (installed in isolation), a wrapper hands on only the arguments the
caller gave: defaults of parameters that release lacks never reach it, and a given parameter newer
than the release raises KerasVersionError naming the parameter and the release that added it.

The releases come from the store: for each case, the release just before the one that added the
parameter (read with generator.changes.signature_history), so nothing here names a release."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.upstream.releases import install_release
from generator.changes.signature_history import signature_history

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
import numpy as np
import keras, keras3
x = np.ones((2, 3, 4), "float32")
cases = {
    "defaults": lambda: [keras3.initializer_glorot_uniform(), keras3.initializer_he_normal(),
                         keras3.initializer_variance_scaling(), keras3.layer_dense(units=2),
                         keras3.layer_dense(x, 2), keras3.layer_multi_head_attention([x, x], num_heads=2, key_dim=2),
                         keras3.layer_multi_head_attention(num_heads=2, key_dim=2),
                         keras3.layer_dense(units=2, lora_alpha=None)],
    "given": lambda: keras3.{wrapper}({arguments}),
}
out = {"keras": keras.__version__}
for name, case in cases.items():
    try:
        case()
        out[name] = "ok"
    except keras3.KerasVersionError as error:
        out[name] = {"message": str(error), "parameter": error.parameter, "added_in": error.added_in}
print(json.dumps(out))
"""

CASES = [
    # (upstream class, parameter, wrapper, arguments giving that parameter)
    ("keras.layers.Dense", "lora_alpha", "layer_dense", "units=2, lora_alpha=4"),
    ("keras.layers.MultiHeadAttention", "sliding_window", "layer_multi_head_attention",
     "num_heads=2, key_dim=2, sliding_window=2"),
    ("keras.initializers.GlorotUniform", "input_axes", "initializer_glorot_uniform", "input_axes=0"),
]


@pytest.mark.parametrize(("path", "parameter", "wrapper", "arguments"), CASES)
def test_a_given_parameter_newer_than_keras_names_itself_and_defaults_never_reach_it(
        store, pinned, path, parameter, wrapper, arguments):
    added = signature_history(store, pinned, path).added[parameter]
    release = store.previous_release(added)
    assert release is not None
    target = install_release(release)
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(target), str(REPO / "generated"), str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    script = SCRIPT.replace("{wrapper}", wrapper).replace("{arguments}", arguments)
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["keras"] == release
    assert out["defaults"] == "ok"
    error = out["given"]
    assert isinstance(error, dict), error
    assert error["parameter"] == parameter and error["added_in"] == added
    assert f"keras3.{wrapper}" in error["message"] and parameter in error["message"]
    assert added in error["message"] and release in error["message"]
