"""The binding: every public callable wrapped or skipped with a reason, errors on bad specs, and a
generated package that is exactly what regeneration emits."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from generator.binding.spec import SpecError, load_binding_spec
from generator.binding.wrappers import build_binding
from generator.settings import pinned_release
from generator.upstream.introspect import take_snapshot
from generator.upstream.model import Snapshot
from generator.binding.naming import load_naming_spec
from generator.pipeline import package_files
from generator.render.package import differences, emit, format_files
from generator.settings import PACKAGE
from tests.conftest import built, generated_from
from tests.synthetic import function, param, snapshot

PIN = pinned_release()  # the Keras release pyproject.toml pins
GENERATED = generated_from()  # the release generated/ holds


@pytest.fixture(scope="module")
def live() -> Snapshot:
    return take_snapshot()


def test_every_public_callable_of_the_installed_keras_is_wrapped_or_skipped(live):
    spec, naming = load_binding_spec(), load_naming_spec()
    binding = build_binding(live, spec, naming, {}, "0" * 64)
    covered = {w.upstream for w in binding.wrappers} | {w.function for w in binding.wrappers if w.function}
    covered |= set(binding.skipped)
    callables = {s.path for s in live.canonical_symbols() if s.kind in ("function", "class")}
    assert not binding.uncovered
    assert callables - covered == set()
    assert all(reason.strip() for reason in binding.skipped.values())


def test_the_names_the_issue_promises_exist(store):
    binding, _ = built(store, PIN)
    names = {w.name for w in binding.wrappers}
    for name in ("op_add", "op_image_resize", "layer_dense", "layer_feature_space", "random_normal",
                 "random_seed_generator", "random_integer", "loss_binary_crossentropy", "keras_model",
                 "keras_model_sequential", "keras_input", "clone_model", "save_model", "load_model",
                 "learning_rate_schedule_cosine_decay", "optimizer_adam", "callback_early_stopping",
                 "initializer_glorot_uniform", "constraint_maxnorm", "regularizer_l1_l2", "config_floatx",
                 "to_categorical", "pad_sequences", "layer_torch_module_wrapper", "layer_jax_model_wrapper",
                 "layer_flax_module_wrapper"):
        assert name in names, name


def test_a_spec_entry_naming_a_missing_symbol_is_an_error(store, tmp_path):
    spec_file = tmp_path / "binding.toml"
    text = (Path(load_binding_spec().source)).read_text()
    spec_file.write_text(text.replace('[skip]\n', '[skip]\n"keras.layers.NoSuchLayer" = "typo"\n'))
    with pytest.raises(SpecError, match=r"binding\.toml: names symbols Keras " + re.escape(PIN) + r" lacks: keras\.layers\.NoSuchLayer"):
        build_binding(store.load(PIN), load_binding_spec(spec_file), load_naming_spec(), {}, "0" * 64)


def test_a_non_literal_default_is_handed_on_only_when_given():
    spec, naming = load_binding_spec(), load_naming_spec()
    op = function("keras.ops.mystery", param("x"), param("fill", default="<object object>"))
    binding = build_binding(snapshot(PIN, op), replace(spec, skip={}, bases={}, member_wrappers={}, verbs={}), naming, {}, "0" * 64)
    (wrapper,) = binding.wrappers
    fill = wrapper.params[1]
    assert (fill.default, fill.omit_when_missing) == ("MISSING", True)
    text = format_files(emit(binding, spec))["ops.py"]
    assert "def op_mystery(x: TensorLike, fill: Any = MISSING) -> Tensor: ..." in text  # the data overload
    assert "return _op_mystery(x, **_given(fill=fill))" in text
    assert f'_op_mystery = bind(globals(), "_op_mystery", "keras.ops.mystery", "{PIN}")' in text


def test_emitted_code_is_byte_identical_between_runs(store):
    first, _ = package_files(store, PIN)
    second, _ = package_files(store, PIN)
    assert first == second


def test_the_committed_package_was_generated_from_the_pin_or_the_installed_keras(installed_keras):
    # The pin; or, on a maintainer's regenerate against another installed Keras (a nightly, before
    # the pin moves), that Keras. Anything else is a stale tree.
    assert GENERATED in (PIN, installed_keras)


def test_the_committed_package_is_what_regeneration_emits(store):
    files, spec = package_files(store, GENERATED)
    assert differences(files, spec) == []


def test_a_hand_edit_to_a_generated_file_is_caught(store, tmp_path):
    files, spec = package_files(store, GENERATED)
    copy = tmp_path / "keras3"
    shutil.copytree(PACKAGE, copy)
    ops = copy / "ops.py"
    ops.write_text(ops.read_text().replace("Add arguments element-wise.", "Adds things.", 1))
    assert differences(files, spec, copy) == ["ops.py: differs from what regeneration emits"]
    (copy / "extra.py").write_text("x = 1\n")
    assert "extra.py: not generated, not listed as hand-written" in differences(files, spec, copy)
