"""A wrapper whose symbol the installed Keras lacks names the release that added it, on a real
older Keras installed in isolation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from generator.changes.history import added_in_all
from generator.upstream.releases import install_release

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import keras, keras3
assert keras.__version__ == sys.argv[1], keras.__version__
print(keras3.op_add([1], [2]))          # in every Keras 3 release: works
try:
    keras3.op_unique([1, 1, 2])          # added after sys.argv[1]
except keras3.KerasVersionError as error:
    print("ERROR:", error)
"""


def test_a_wrapper_added_after_the_installed_release_names_the_release(store):
    added = added_in_all(store)["keras.ops.unique"]
    older = store.previous_release(added)  # the newest stored release without keras.ops.unique
    assert older is not None and "keras.ops.unique" not in store.index(older)
    target = install_release(older)
    # The old release first, then this repo's package and toolkit, then whatever the caller had.
    path = [str(target), str(REPO / "generated"), str(REPO), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path)),
           "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, older], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    error = next(line for line in result.stdout.splitlines() if line.startswith("ERROR:"))
    assert "keras.ops.unique" in error and added in error and older in error
