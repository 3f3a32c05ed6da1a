"""`help(op_add)` shows its examples, as `?layer_dense` does in R: every wrapper whose upstream
docstring has examples carries them, translated to keras3, in its own docstring; and the examples
run as written there.

The run reads each wrapper's `__doc__`, extracts its doctest lines and runs them on the active
backend (tests/docstring_examples.py), comparing every output upstream states that reads as
numbers. To stay cheap it runs a deterministic sample: every `SAMPLE_EVERY`-th wrapper with
examples (by name) and the named ones; `KERAS3_DOCSTRING_EXAMPLES=all` runs every one.
"""

from __future__ import annotations

import importlib
import os
import pydoc
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import pytest

import keras3
from generator.docs.examples.docstring import example_source
from tests.conftest import built, generated_from
from tests.docstring_examples import compare, examples_section, read_numbers, run_docstring

SAMPLE_EVERY = 20
NAMED = ("op_add", "op_matmul", "layer_dense", "layer_conv_2d", "loss_mean_squared_error",
         "metric_mean_squared_error", "activation_relu", "random_normal", "keras_model_sequential")
# Examples upstream wrote so that they cannot run as they stand (the docs pages show them without
# output, and the docs' example report says "the upstream example fails too"): name -> why. A
# listed example that runs fails the test, so the list cannot go stale.
UPSTREAM_BROKEN: dict[str, str] = {
    "metric_one_hot_iou": "upstream states `m.result()` is 0.071; Keras 3 gives 0.0 on every backend "
                          "(the docs page shows Array(0., dtype=float32) too)",
}


def wrappers() -> dict[str, Callable[..., Any]]:
    """Every public wrapper of keras3, by name (`compile` too, which `import *` leaves out)."""
    return {name: getattr(importlib.import_module(f"keras3.{family}"), name)
            for name, family in sorted(keras3._FAMILY_OF.items())}


def with_examples() -> list[str]:
    return [name for name, function in wrappers().items() if examples_section(function.__doc__)]


def sample() -> list[str]:
    names = with_examples()
    if os.environ.get("KERAS3_DOCSTRING_EXAMPLES") == "all":
        return names
    return sorted(set(names[::SAMPLE_EVERY]) | (set(NAMED) & set(names)))


@pytest.mark.parametrize("name", sample())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that save a file save it here
    keras.utils.clear_session()
    keras.utils.set_random_seed(1337)
    outcome = run_docstring(name, wrappers()[name])
    if name in UPSTREAM_BROKEN:
        assert outcome.failures, f"{name}'s examples run now: take it out of UPSTREAM_BROKEN"
        return
    assert not outcome.failures, "\n".join(outcome.failures)
    assert outcome.ran or outcome.not_run, name


def test_op_add_examples_are_compared_with_upstreams_outputs():
    outcome = run_docstring("op_add", keras3.op_add)
    assert not outcome.failures and outcome.compared == 2  # [6, 10] and [[10, 10], [10, 12]]


def test_help_shows_the_translated_example():
    text = pydoc.render_doc(keras3.op_add, renderer=pydoc.plaintext)
    assert ">>> from keras3 import op_add, op_convert_to_tensor" in text
    assert ">>> op_add(x1, x2)" in text and "array([6, 10], dtype=int32)" in text
    assert "keras.ops.add(" not in text.split("Examples:", 1)[1]  # translated, not upstream's call
    dense = pydoc.render_doc(keras3.layer_dense, renderer=pydoc.plaintext)
    assert "Examples:" not in dense or ">>> " in dense


def test_every_wrapper_with_upstream_examples_shows_them(store):
    binding, _ = built(store, generated_from())
    public = wrappers()
    expected = sorted(w.name for w in binding.wrappers if example_source(w)[0] and w.name in public)
    assert expected and sorted(with_examples()) == expected


def test_the_comparison_can_fail():
    want = "array([6, 10], dtype=int32)"
    assert compare(np.array([6, 10]), read_numbers(want), want) is None
    assert compare(np.array([6, 11]), read_numbers(want), want) is not None
    assert compare(np.array([6, 10, 1]), read_numbers(want), want) is not None
    printed = "array([[10 10]\n       [10 12]], shape=(2, 2), dtype=int32)"  # upstream's own mix
    assert read_numbers(printed).tolist() == [[10, 10], [10, 12]]
    assert read_numbers("<tf.Tensor: shape=(), dtype=float32, numpy=0.5>") == 0.5
    assert compare(np.array(0.2689), read_numbers("0.27"), "0.27") is None  # to upstream's digits
    assert read_numbers("Model: sequential") is None
