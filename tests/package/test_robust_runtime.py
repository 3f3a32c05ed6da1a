"""keras3._runtime under threads and a direct keras.config.set_backend (issue 13, item 6).

Each case runs in a fresh interpreter: it needs Keras not yet imported. The interleaving is forced,
not timed: an import hook holds thread A inside the first import of Keras until thread B has
started its call, so B always meets a half-initialised `keras` module. With the fix B waits for
the import; the verdict is what each thread got, never how long it took.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# Thread A enters the first import of Keras and is held in it (at the import of keras.src.ops,
# after `keras` is in sys.modules) until thread B has started, then for up to 3 s more so that B
# reaches the half-built module; B's call is the thing under test.
HOLD_THE_FIRST_IMPORT = """
import sys, threading
import keras3
started_b, finished_b = threading.Event(), threading.Event()
results = {}

class Hold:
    held = False
    def find_spec(self, fullname, path=None, target=None):
        if fullname == "keras.src.ops" and not Hold.held and threading.current_thread().name == "A":
            Hold.held = True
            started_b.wait(60)
            finished_b.wait(3)
        return None

sys.meta_path.insert(0, Hold())

def run(name, call):
    def target():
        if name == "B":
            started_b.set()
        try:
            results[name] = call()
        except BaseException as error:
            results[name] = f"{type(error).__name__}: {error}"
        finally:
            if name == "B":
                finished_b.set()
    return threading.Thread(target=target, name=name)

def both(call_a, call_b):
    a = run("A", call_a)
    a.start()
    while not Hold.held:
        threading.Event().wait(0.01)
    b = run("B", call_b)
    b.start()
    a.join(); b.join()
"""


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS")}
    env.update(KERAS_HOME=str(tmp_path / "keras_home"), KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONWARNINGS="ignore::UserWarning")
    return subprocess.run([sys.executable, "-c", HOLD_THE_FIRST_IMPORT + textwrap.dedent(code)],
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def test_two_threads_calling_wrappers_during_the_first_import_both_get_results(tmp_path):
    result = run_python("""
        from keras3 import op_add, op_multiply
        import numpy as np
        both(lambda: op_add(1, 2), lambda: op_multiply(2, 3))
        print(sorted((k, str(np.asarray(v)) if not isinstance(v, str) else v) for k, v in results.items()))
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[('A', '3'), ('B', '6')]", result.stdout


def test_use_backend_during_another_threads_first_import_switches(tmp_path):
    result = run_python("""
        from keras3 import op_add, use_backend, backend
        both(lambda: str(type(op_add(1, 2)).__module__), lambda: use_backend("torch"))
        print(repr(results["B"]), backend(), type(op_add(1, 2)).__module__)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["None", "torch", "torch"], result.stdout


def test_a_direct_keras_set_backend_is_followed_by_bound_wrappers(tmp_path):
    result = run_python("""
        import keras
        from keras3 import op_add, layer_dense
        print(type(op_add(1, 2)).__module__.split(".")[0])  # binds op_add to jax's add
        keras.config.set_backend("torch")
        print(type(op_add(1, 2)).__module__.split(".")[0])
        print(type(layer_dense(units=2)).__module__.split(".")[0])
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["jaxlib", "torch", "keras"], result.stdout
