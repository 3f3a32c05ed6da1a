"""History per symbol across the stored releases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator.changes.history import added_in_all, symbol_history
from generator.upstream.model import Signature
from generator.upstream.store import SnapshotStore
from tests.release_notes import EXPECTED
from tests.synthetic import alias, function, klass, method, param, snapshot

ADDED = [e for e in EXPECTED if e.kind == "symbol-added"]


@pytest.mark.parametrize("fact", ADDED, ids=[e.path for e in ADDED])
def test_added_in_matches_the_release_notes(store, fact):
    assert symbol_history(store, fact.path).added_in == fact.new
    assert added_in_all(store)[fact.path] == fact.new


def test_a_symbol_present_since_3_0_0_and_never_removed(store):
    history = symbol_history(store, "keras.layers.Dense")
    assert history.added_in == "3.0.0" and history.removed_in is None


def test_changed_deprecated_and_removed_in_a_synthetic_store(tmp_path):
    store = SnapshotStore(tmp_path)
    add = function("keras.ops.add", param("x1"), param("x2"))
    store.save(snapshot("3.0.0", add))
    store.save(snapshot("3.1.0", function("keras.ops.add", param("x1"), param("x2"), param("out", default="None"))))
    store.save(snapshot("3.2.0", replace(add, deprecated="docstring says deprecated")))
    store.save(snapshot("3.10.0"))
    history = symbol_history(store, "keras.ops.add")
    assert (history.added_in, history.deprecated_in, history.removed_in) == ("3.0.0", "3.2.0", "3.10.0")
    assert [(e.release, e.kinds) for e in history.changed_in] == [
        ("3.1.0", ("parameter-added",)), ("3.2.0", ("parameter-removed",))]


def test_an_unknown_symbol_is_a_clear_error(store):
    with pytest.raises(LookupError, match=r"keras\.layers\.Nope is not a path of any stored release \(3\.0\.0 … .*nearest paths"):
        symbol_history(store, "keras.layers.Nope")


def test_a_parameter_absorbed_into_kwargs_is_a_change_not_the_class_deprecation(tmp_path):
    store = SnapshotStore(tmp_path)
    norm = klass("keras.layers.LayerNormalization", param("axis", default="-1"),
                 param("rms_scaling", default="False"), param("kwargs", "var_keyword"))
    store.save(snapshot("3.10.0", norm))
    store.save(snapshot("3.11.0", replace(norm, deprecated="parameter deprecated: rms_scaling",
                                          signature=Signature((param("axis", default="-1"),
                                                               param("kwargs", "var_keyword"))))))
    history = symbol_history(store, "keras.layers.LayerNormalization")
    assert history.deprecated_in is None
    assert [(e.release, e.kinds) for e in history.changed_in] == [("3.11.0", ("parameter-deprecated",))]


def test_an_alias_path_follows_the_object_it_names(tmp_path):
    store = SnapshotStore(tmp_path)
    hot = function("keras.ops.multi_hot", param("inputs"), param("num_tokens"))
    store.save(snapshot("3.0.1", hot, alias(hot, "keras.ops.nn.multi_hot")))
    renamed = function("keras.ops.multi_hot", param("inputs"), param("num_classes", default="None"),
                       param("kwargs", "var_keyword"))
    store.save(snapshot("3.0.2", renamed, alias(renamed, "keras.ops.nn.multi_hot")))
    history = symbol_history(store, "keras.ops.nn.multi_hot")
    assert history.alias_of == "keras.ops.multi_hot"
    assert [e.release for e in history.changed_in] == ["3.0.2"]
    assert history.changed_in[0].kinds == symbol_history(store, "keras.ops.multi_hot").changed_in[0].kinds


def test_a_member_target_has_a_history_and_a_move_to_the_base_is_no_change(tmp_path):
    store = SnapshotStore(tmp_path)
    layer = klass("keras.Layer")
    dense = klass("keras.layers.Dense", param("units"), bases=("keras.Layer",), mro=("keras.Layer",),
                  members=(method("quantize", param("mode")),))
    store.save(snapshot("3.0.0", layer, dense))
    store.save(snapshot("3.1.0", replace(layer, members=(method("quantize", param("mode")),)),
                        replace(dense, members=())))
    store.save(snapshot("3.2.0", replace(layer, members=(method("quantize", param("mode"), param("config",
                                                                                                default="None")),)),
                        replace(dense, members=())))
    history = symbol_history(store, "keras.layers.Dense.quantize")
    assert history.member_of == "keras.layers.Dense"
    assert history.added_in == "3.0.0" and history.removed_in is None
    assert [(e.release, e.kinds) for e in history.changed_in] == [("3.2.0", ("parameter-added",))]
    with pytest.raises(LookupError, match=r"keras\.layers\.Dense\.nope is not a member of keras\.layers\.Dense"):
        symbol_history(store, "keras.layers.Dense.nope")


def test_member_and_alias_queries_on_the_real_store(store):
    add_weight = symbol_history(store, "keras.Layer.add_weight")
    assert add_weight.member_of == "keras.Layer" and add_weight.added_in == store.releases()[0]
    for alias_path in ("keras.ops.nn.multi_hot", "keras.losses.sparse_categorical_crossentropy"):
        seen = symbol_history(store, alias_path)
        assert seen.alias_of is not None and seen.alias_of != alias_path
        target = symbol_history(store, seen.alias_of)
        assert [(e.release, e.kinds) for e in seen.changed_in] == [(e.release, e.kinds) for e in target.changed_in]
    # multi_hot's parameter `num_tokens` became `num_classes` in 3.0.2; the alias path shows it.
    assert symbol_history(store, "keras.ops.nn.multi_hot").changed_in


def test_the_command_line_takes_member_targets_and_alias_paths(store, capsys):
    from generator.cli import main

    first, last = store.releases()[0], store.releases()[-1]
    assert main(["--store", str(store.root), "history", "keras.Layer.add_weight"]) == 0
    assert "member of      keras.Layer" in capsys.readouterr().out
    assert main(["--store", str(store.root), "history", "keras.ops.nn.multi_hot"]) == 0
    assert "alias of       keras.ops.multi_hot" in capsys.readouterr().out
    assert main(["--store", str(store.root), "diff", first, last, "--format", "json",
                 "--symbol", "keras.layers.Layer"]) == 0
    by_alias = capsys.readouterr().out
    assert main(["--store", str(store.root), "diff", first, last, "--format", "json",
                 "--symbol", "keras.Layer"]) == 0
    assert by_alias == capsys.readouterr().out and '"keras.Layer"' in by_alias


def test_layer_normalization_is_not_deprecated_for_deprecating_one_argument(store):
    # 3.11.0 took `rms_scaling` out of the signature and warns when it is passed through **kwargs.
    history = symbol_history(store, "keras.layers.LayerNormalization")
    assert history.deprecated_in is None
    changed = {e.release: e.kinds for e in history.changed_in}
    assert "parameter-deprecated" in changed["3.11.0"] and "parameter-removed" not in changed["3.11.0"]
