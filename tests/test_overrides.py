"""Overrides: hand-written wrappers, tethered to the upstream record they were written against."""

from __future__ import annotations

import shutil

import pytest

from generator.binding import SpecError, build_binding, load_binding_spec
from generator.drift import stale_overrides
from generator.naming import load_naming_spec
from generator.overrides import OVERRIDES_FILE, OverrideError, read_overrides
from generator.package import package_files
from generator.render import PACKAGE, write_package


def test_the_committed_overrides_are_tethered_to_the_pinned_snapshot(store):
    overrides = read_overrides()
    # layer_multi_head_attention is generated: the template routes call arguments and spreads
    # [query, value(, key)] over the call's inputs, which its override once did by hand.
    assert [o.name for o in overrides] == ["keras_model_sequential"]
    assert stale_overrides(store, "3.15.1") == []


def test_an_override_whose_upstream_moved_is_reported_with_the_upstream_diff(store, tmp_path):
    path = "keras.layers.MultiHeadAttention"
    old_hash = store.index("3.14.1")[path]
    file = tmp_path / "overrides.py"
    file.write_text(f'@override(upstream="{path}", tethered_to="{old_hash}")\ndef layer_multi_head_attention(): ...\n')
    (stale,) = stale_overrides(store, "3.15.1", read_overrides(file))
    assert (stale.since, stale.current) == ("3.14.1", store.index("3.15.1")[path])
    # The 3.15.0 release notes announce sliding-window attention on MultiHeadAttention.
    assert "parameter-added:keras.layers.MultiHeadAttention:sliding_window" in {f.id for f in stale.findings}


def test_a_malformed_override_names_file_line_and_function(tmp_path):
    file = tmp_path / "overrides.py"
    file.write_text('\n\n@override(upstream="keras.ops.add")\ndef op_add(x1, x2): ...\n')
    with pytest.raises(OverrideError, match=r"overrides\.py:3: op_add: @override lacks tethered_to"):
        read_overrides(file)


def test_an_override_of_no_generated_wrapper_is_refused(store, tmp_path):
    file = tmp_path / "overrides.py"
    file.write_text('@override(upstream="keras.ops.add", tethered_to="x")\ndef op_plus(x1, x2): ...\n')
    with pytest.raises(SpecError, match="override op_plus replaces no generated wrapper"):
        build_binding(store.load("3.15.1"), load_binding_spec(), load_naming_spec(), {}, "0" * 64,
                      read_overrides(file))


def test_regeneration_keeps_hand_written_files_byte_for_byte(store, tmp_path):
    copy = tmp_path / "keras3"
    shutil.copytree(PACKAGE, copy)
    before = {f.name: f.read_bytes() for f in copy.iterdir() if f.name in ("overrides.py", "_runtime.py", "types.py")}
    files, spec = package_files(store, "3.15.1")
    write_package(files, spec, copy)
    after = {f.name: f.read_bytes() for f in copy.iterdir() if f.name in before}
    assert after == before and (copy / "py.typed").exists()
    assert "from keras3.overrides import" in (copy / "models.py").read_text()
    assert OVERRIDES_FILE.name == "overrides.py"
