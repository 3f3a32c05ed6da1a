"""keras3._runtime on real Keras and real backends.

Everything that switches the backend, or must start from a process where Keras is not
imported, runs in a subprocess: a switch reloads Keras and mutates the whole process.
The rest runs in the pytest process on whichever backend it uses (jax by default, as in
the Makefile).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

# Keep the in-process tests fast: jax imports far quicker than the TensorFlow default.
os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
from packaging.version import Version
from keras3._runtime import (
    BACKENDS,
    KerasVersionError,
    backend,
    call_or_instance,
    compose_layer,
    keras,
    upstream,
    use_backend,
    valid_backends,
)


def keras_version() -> str:
    """The imported module's version: `keras-nightly` provides `keras` without a `keras`
    distribution, so the distribution's metadata is not asked."""
    return str(getattr(keras(), "__version__", None) or keras().version())


def run_python(code: str, tmp_path: Path, timeout: float = 120) -> str:
    """Run ``code`` in a fresh interpreter with no KERAS_BACKEND and a private KERAS_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS")}
    env["KERAS_HOME"] = str(tmp_path / "keras_home")  # built-in defaults, no user keras.json
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONWARNINGS"] = "ignore::UserWarning"  # set_backend's "dangerous" warning
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"subprocess failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


# --------------------------------------------------------------------------------------
# Import cost and backend selection (subprocesses)
# --------------------------------------------------------------------------------------


def test_import_does_not_import_keras(tmp_path: Path) -> None:
    out = run_python(
        """
        import sys
        import keras3._runtime as rt
        heavy = {"keras", "jax", "torch", "tensorflow"}
        assert not heavy & {m.split(".")[0] for m in sys.modules}, sorted(sys.modules)

        # Asking which backends exist and rejecting a bad one must not import Keras either.
        assert rt.valid_backends()[:4] == ("jax", "torch", "tensorflow", "numpy")
        try:
            rt.use_backend("theano")
        except ValueError:
            pass
        else:
            raise AssertionError("no ValueError")
        assert "keras" not in sys.modules
        print("ok")  # the import's time is a figure of `make bench`, never a verdict here
        """,
        tmp_path,
    )
    assert out.startswith("ok")


def test_use_backend_before_keras_is_imported(tmp_path: Path) -> None:
    run_python(
        """
        import os, sys
        from keras3._runtime import use_backend, keras, backend
        assert "keras" not in sys.modules
        use_backend("jax")  # the built-in default would be tensorflow
        assert os.environ["KERAS_BACKEND"] == "jax"
        assert "keras" in sys.modules
        module = keras()
        assert module is sys.modules["keras"]
        assert module.config.backend() == "jax" and backend() == "jax"
        # Choosing the active backend again is a no-op: no reload, same module object.
        use_backend("jax")
        assert keras() is module
        """,
        tmp_path,
    )


def test_switch_backends_in_one_process(tmp_path: Path) -> None:
    run_python(
        """
        import sys
        import numpy as np
        import keras3._runtime as rt
        from keras3._runtime import use_backend, keras, upstream, backend, compose_layer

        def tensor_type(name):
            if name == "jax":
                import jax
                return jax.Array
            if name == "torch":
                import torch
                return torch.Tensor
            if name == "tensorflow":
                import tensorflow as tf
                return tf.Tensor
            return np.ndarray

        old_module = old_dense = old_add = old_model = None
        for name in ["jax", "torch", "tensorflow", "numpy", "jax"]:
            use_backend(name)
            module = keras()
            assert module is sys.modules["keras"]
            assert module is not old_module
            assert module.config.backend() == name and backend() == name

            add = upstream("keras.ops.add")
            assert add is module.ops.add and add is not old_add
            out = add(np.array([1.0, 2.0], "float32"), np.array([3.0, 4.0], "float32"))
            assert isinstance(out, tensor_type(name)), (name, type(out))
            np.testing.assert_allclose(module.ops.convert_to_numpy(out), [4.0, 6.0])

            dense = upstream("keras.layers.Dense")
            assert dense is module.layers.Dense and dense is not old_dense
            y = compose_layer(module.ops.ones((2, 3)), dense(4))
            assert isinstance(y, tensor_type(name)) and tuple(y.shape) == (2, 4)

            # keras.config.set_backend drops every sys.modules key starting with "keras";
            # use_backend must put keras3's own modules back.
            assert sys.modules["keras3._runtime"] is rt

            # A model built under the previous backend is refused with a clear error.
            if old_model is not None:
                try:
                    compose_layer(old_model, dense(1))
                except TypeError as exc:
                    assert "backend was switched" in str(exc)
                else:
                    raise AssertionError("stale Sequential accepted")
            old_model = module.Sequential([module.Input((3,))])
            old_module, old_dense, old_add = module, dense, add

        # A switch made behind keras3's back is followed too.
        keras().config.set_backend("torch")
        assert keras() is not old_module and backend() == "torch"
        assert upstream("keras.layers.Dense") is sys.modules["keras"].layers.Dense
        assert upstream("keras.layers.Dense") is not old_dense
        """,
        tmp_path,
        timeout=180,
    )


def test_missing_backend_package_names_pip_requirement(tmp_path: Path) -> None:
    # sys.modules[name] = None makes the package unimportable for this process only.
    run_python(
        """
        import sys
        from keras3._runtime import use_backend
        expected = {
            "torch": "pip install torch",
            "tensorflow": "pip install tensorflow-cpu (or tensorflow)",
            "jax": "pip install 'jax[cpu]'",
        }
        for package, hint in expected.items():
            saved = sys.modules.get(package)
            sys.modules[package] = None
            try:
                use_backend(package)
            except ModuleNotFoundError as exc:
                assert hint in str(exc), str(exc)
                assert exc.name == package
            else:
                raise AssertionError(package)
            finally:
                del sys.modules[package]
        # The numpy backend imports jax.
        sys.modules["jax"] = None
        try:
            use_backend("numpy")
        except ImportError as exc:
            assert "'jax'" in str(exc) and "pip install 'jax[cpu]'" in str(exc), str(exc)
        else:
            raise AssertionError("numpy without jax accepted")
        assert "keras" not in sys.modules
        """,
        tmp_path,
    )


# --------------------------------------------------------------------------------------
# In-process: no backend switch
# --------------------------------------------------------------------------------------


def test_unknown_backend_lists_valid_names() -> None:
    with pytest.raises(ValueError) as info:
        use_backend("theano")
    message = str(info.value)
    assert "'theano'" in message
    for name in valid_backends():
        assert repr(name) in message
    assert set(BACKENDS) <= set(valid_backends())


def test_openvino_is_valid_only_where_keras_ships_it() -> None:
    spec = importlib.util.find_spec("keras")
    assert spec is not None and spec.submodule_search_locations is not None
    ships = any(
        (Path(p) / "src" / "backend" / "openvino").is_dir() for p in spec.submodule_search_locations
    )
    assert ("openvino" in valid_backends()) is ships
    if Version(keras_version()).release < (3, 8):
        assert not ships  # OpenVINO arrived in Keras 3.8 (it left the keras package in 3.16's builds)


@pytest.mark.skipif(
    importlib.util.find_spec("openvino") is not None, reason="openvino is installed"
)
def test_openvino_without_its_package_names_it() -> None:
    if "openvino" not in valid_backends():
        # A Keras that does not ship the backend (before 3.8; 3.16's builds): an unknown name,
        # said so with the valid ones, as for any other.
        with pytest.raises(ValueError, match=r"'openvino'.*'jax'"):
            use_backend("openvino")
        return
    with pytest.raises(ModuleNotFoundError, match=r"pip install openvino"):
        use_backend("openvino")


def test_backend_and_keras_follow_sys_modules() -> None:
    assert keras() is sys.modules["keras"]
    assert backend() == keras().config.backend()


def test_upstream_resolves_public_paths_and_caches() -> None:
    module = keras()
    assert upstream("keras.ops.add") is module.ops.add
    assert upstream("keras.layers.Dense") is module.layers.Dense
    assert upstream("keras.ops.image.resize") is module.ops.image.resize
    assert upstream("keras.ops.add") is upstream("keras.ops.add")
    with pytest.raises(ValueError, match="starting with 'keras.'"):
        upstream("numpy.add")


def test_keras_version_error_names_the_release() -> None:
    installed = keras_version()
    with pytest.raises(KerasVersionError) as info:
        upstream("keras.ops.no_such_op", "99.0.0")
    assert isinstance(info.value, AttributeError)
    assert str(info.value) == (
        f"This call needs keras.ops.no_such_op, added in Keras 99.0.0; the installed Keras "
        f"is {installed}. Upgrade with: pip install 'keras>=99.0.0'"
    )
    assert (info.value.path, info.value.added_in, info.value.installed) == (
        "keras.ops.no_such_op",
        "99.0.0",
        installed,
    )

    with pytest.raises(KerasVersionError, match="missing from the installed Keras release"):
        upstream("keras.ops.no_such_op")
    with pytest.raises(KerasVersionError, match=r"does not provide it"):
        upstream("keras.ops.no_such_op", "3.0.0")
    with pytest.raises(KerasVersionError, match=r"keras\.no_such_module\.thing"):
        upstream("keras.no_such_module.thing", "99.0.0")


def test_keras_version_error_names_the_keras3_wrapper() -> None:
    # A function defined in a keras3 module, as the generated wrappers are.
    namespace: dict[str, Any] = {"__name__": "keras3.ops", "upstream": upstream}
    exec(  # noqa: S102 - defines a real function in a keras3-named module
        "def op_no_such_op(x):\n    return upstream('keras.ops.no_such_op', '99.1.0')(x)\n",
        namespace,
    )
    with pytest.raises(KerasVersionError) as info:
        namespace["op_no_such_op"](1)
    assert str(info.value) == (
        f"keras3.op_no_such_op needs keras.ops.no_such_op, added in Keras 99.1.0; the "
        f"installed Keras is {keras_version()}. Upgrade with: pip install 'keras>=99.1.0'"
    )


def test_compose_layer_none_returns_the_layer() -> None:
    layer = keras().layers.Dense(3)
    assert compose_layer(None, layer) is layer


def test_compose_layer_sequential_adds_the_layer() -> None:
    module = keras()
    model = module.Sequential([module.Input((4,)), module.layers.Dense(8)])
    before = len(model.layers)
    layer = module.layers.Dense(2)
    assert compose_layer(model, layer) is model
    assert len(model.layers) == before + 1 and model.layers[-1] is layer
    assert tuple(model.output_shape) == (None, 2)


def test_compose_layer_calls_the_layer_on_tensors() -> None:
    module = keras()
    out = compose_layer(module.ops.ones((5, 4)), module.layers.Dense(2))
    assert tuple(out.shape) == (5, 2)

    symbolic = compose_layer(module.Input((4,)), module.layers.Dense(3))
    assert isinstance(symbolic, module.KerasTensor) and tuple(symbolic.shape) == (None, 3)

    pair = [module.ops.ones((2, 3)), module.ops.zeros((2, 5))]
    joined = compose_layer(pair, module.layers.Concatenate())
    assert tuple(joined.shape) == (2, 8)


def test_call_or_instance_both_ways() -> None:
    module = keras()
    cls, fn = "keras.losses.MeanSquaredError", "keras.losses.mean_squared_error"
    y_true = np.array([[0.0, 1.0], [1.0, 1.0]], "float32")
    y_pred = np.array([[1.0, 1.0], [1.0, 0.0]], "float32")
    per_sample = np.array([0.5, 0.5], "float32")

    loss = call_or_instance(cls, fn, None, None, {"name": "my_mse"})
    assert isinstance(loss, module.losses.MeanSquaredError) and loss.name == "my_mse"

    # Both given: the function form, per-sample values.
    values = call_or_instance(cls, fn, y_true, y_pred, {})
    np.testing.assert_allclose(module.ops.convert_to_numpy(values), per_sample)

    # A class-only option (reduction) is honoured by computing through an instance.
    total = call_or_instance(cls, fn, y_true, y_pred, {"reduction": "sum"})
    np.testing.assert_allclose(module.ops.convert_to_numpy(total), 1.0)

    # No function form: the instance with its default reduction (the mean).
    mean = call_or_instance(cls, None, y_true, y_pred, {})
    np.testing.assert_allclose(module.ops.convert_to_numpy(mean), 0.5)

    with pytest.raises(TypeError, match="y_pred is missing"):
        call_or_instance(cls, fn, y_true, None, {})
