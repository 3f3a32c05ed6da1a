"""Overrides: hand-written wrappers, tethered to the upstream record they were written against."""

from __future__ import annotations

import shutil

import pytest

from generator.binding.spec import SpecError, load_binding_spec
from generator.binding.wrappers import build_binding
from generator.checks.drift import stale_overrides
from generator.settings import pinned_release
from generator.binding.naming import load_naming_spec
from generator.binding.overrides import OVERRIDES_FILE, OverrideError, read_overrides
from generator.pipeline import package_files
from generator.render.package import PACKAGE, write_package
from tests.release_notes import EXPECTED

PIN = pinned_release()


def test_the_committed_overrides_are_tethered_to_the_pinned_snapshot(store):
    overrides = read_overrides()
    # layer_multi_head_attention is generated: the template routes call arguments and spreads
    # [query, value(, key)] over the call's inputs, which its override once did by hand.
    assert [o.name for o in overrides] == ["freeze_weights", "from_config", "keras_model_sequential",
                                           "load_model_config", "save_model_config", "unfreeze_weights"]
    assert stale_overrides(store, PIN) == []


def test_an_override_whose_upstream_moved_is_reported_with_the_upstream_diff(store, tmp_path):
    # The release notes announce sliding-window attention on MultiHeadAttention (old -> new).
    (fact,) = [e for e in EXPECTED if (e.kind, e.path, e.parameter)
               == ("parameter-added", "keras.layers.MultiHeadAttention", "sliding_window")]
    path = fact.path
    old_hash = store.index(fact.old)[path]
    file = tmp_path / "overrides.py"
    file.write_text(f'@override(upstream="{path}", tethered_to="{old_hash}")\ndef layer_multi_head_attention(): ...\n')
    (stale,) = stale_overrides(store, fact.new, read_overrides(file))
    assert (stale.since, stale.current) == (fact.old, store.index(fact.new)[path])
    assert f"parameter-added:{path}:sliding_window" in {f.id for f in stale.findings}


def test_a_malformed_override_names_file_line_and_function(tmp_path):
    file = tmp_path / "overrides.py"
    file.write_text('\n\n@override(upstream="keras.ops.add")\ndef op_add(x1, x2): ...\n')
    with pytest.raises(OverrideError, match=r"overrides\.py:3: op_add: @override lacks tethered_to"):
        read_overrides(file)


def test_an_override_of_no_generated_wrapper_is_refused(store, tmp_path):
    file = tmp_path / "overrides.py"
    file.write_text('@override(upstream="keras.ops.add", tethered_to="x")\ndef op_plus(x1, x2): ...\n')
    with pytest.raises(SpecError, match="override op_plus replaces no generated wrapper"):
        build_binding(store.load(PIN), load_binding_spec(), load_naming_spec(), {}, "0" * 64,
                      read_overrides(file))


def test_regeneration_keeps_hand_written_files_byte_for_byte(store, tmp_path):
    copy = tmp_path / "keras3"
    shutil.copytree(PACKAGE, copy)
    before = {f.name: f.read_bytes() for f in copy.iterdir() if f.name in ("overrides.py", "_runtime.py", "types.py")}
    files, spec = package_files(store, PIN)
    write_package(files, spec, copy)
    after = {f.name: f.read_bytes() for f in copy.iterdir() if f.name in before}
    assert after == before and (copy / "py.typed").exists()
    assert "from keras3.overrides import" in (copy / "models.py").read_text()
    assert OVERRIDES_FILE.name == "overrides.py"
