"""Introspection of the real installed Keras: what decides a record, whatever upstream's labels say."""

from __future__ import annotations

from dataclasses import replace

import keras
import pytest

from generator.introspect import build_snapshot, defining_module, init_attributes, take_snapshot


@pytest.fixture(scope="module")
def live():
    return take_snapshot()


def _described(path: str, obj) -> object:
    return build_snapshot("0", {path: obj}).symbols[path]


def test_a_backend_class_relabelled_keras_src_backend_is_still_a_backend_class(monkeypatch):
    # Keras 3.16 publishes the active backend's Variable class itself as `keras.Variable`, with its
    # `__module__` set to "keras.src.backend"; 3.15 published a subclass defined there.
    chosen = next(k for k in keras.Variable.__mro__ if ".backend." in defining_module(k)
                  and "common" not in defining_module(k))
    expected = _described("keras.Variable", keras.Variable)
    monkeypatch.setattr(chosen, "__module__", "keras.src.backend")
    relabelled = _described("keras.Variable", chosen)
    # The same class to users (bases, MRO, constructor, members); only the labels differ.
    assert replace(relabelled, doc="", implementation="") == replace(expected, doc="", implementation="")
    assert defining_module(chosen).startswith("keras.src.backend.")
    assert defining_module(chosen) != chosen.__module__


def test_a_backend_independent_class_relabelled_is_described_like_the_published_subclass(monkeypatch):
    # Under numpy and torch, 3.16's `keras.name_scope` is the common class itself, relabelled.
    common = next(k for k in keras.name_scope.__mro__ if defining_module(k).endswith("common.name_scope"))
    expected = _described("keras.name_scope", keras.name_scope)
    monkeypatch.setattr(common, "__module__", "keras.src.backend")
    relabelled = _described("keras.name_scope", common)
    assert replace(relabelled, doc="") == replace(expected, doc="")
    assert relabelled.signature.parameter("deduplicate") is not None


def test_instance_attributes_set_in_init_are_members(live):
    loss = live.symbols["keras.losses.SparseCategoricalCrossentropy"]
    attributes = {m.name for m in loss.members if m.kind == "attribute"}
    assert {"from_logits", "ignore_class"} <= attributes
    # `reduction` is set by the public base `keras.losses.Loss`, and recorded there, once.
    assert "reduction" not in attributes
    assert "reduction" in {m.name for m in live.symbols["keras.losses.Loss"].members}


def test_init_attributes_reads_assignments_on_self_only():
    class Example:
        def __init__(self, units, *, shape=None):
            self.units = units
            self.kernel: object = None
            self.rank, self.size = 1, 2
            self._private = 3
            other = type("Other", (), {})()
            other.not_mine = 4

            def later(self):
                self.from_nested = 5

    assert init_attributes(Example) == ("kernel", "rank", "size", "units")


def test_names_read_out_of_kwargs_are_recorded(live):
    # `multi_hot(num_tokens=...)` has kept working since 3.0.2 through `kwargs.pop("num_tokens")`.
    assert "num_tokens" in live.symbols["keras.ops.multi_hot"].signature.accepts
    assert "rms_scaling" in live.symbols["keras.layers.LayerNormalization"].signature.accepts
    assert live.symbols["keras.ops.add"].signature.accepts == ()
