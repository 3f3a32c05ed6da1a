"""A wrapper whose symbol the installed Keras lacks names the release that added it, on a real
older Keras installed in isolation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from generator.history import added_in_all
from generator.releases import install_release

REPO = Path(__file__).resolve().parent.parent

SCRIPT = """
import keras, keras3
assert keras.__version__ == "3.14.1", keras.__version__
print(keras3.op_add([1], [2]))          # present in 3.14.1: works
try:
    keras3.op_unique([1, 1, 2])          # added in 3.15.0
except keras3.KerasVersionError as error:
    print("ERROR:", error)
"""


def test_a_wrapper_added_after_the_installed_release_names_the_release(store):
    assert added_in_all(store)["keras.ops.unique"] == "3.15.0"
    target = install_release("3.14.1")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(REPO / "generated"), str(REPO)]),
           "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    error = next(line for line in result.stdout.splitlines() if line.startswith("ERROR:"))
    assert "keras.ops.unique" in error and "3.15.0" in error and "3.14.1" in error
