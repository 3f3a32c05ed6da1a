"""Introspection of the real installed Keras: what decides a record, whatever upstream's labels say."""

from __future__ import annotations

from dataclasses import replace

import keras
import pytest

from generator.upstream.introspect import build_snapshot, defining_module, init_attributes, take_snapshot


@pytest.fixture(scope="module")
def live():
    return take_snapshot()


def _described(path: str, obj) -> object:
    return build_snapshot("0", {path: obj}).symbols[path]


@pytest.mark.parametrize("path", ["keras.Variable", "keras.name_scope"])
def test_the_backend_chosen_class_published_relabelled_reads_like_the_published_subclass(path, monkeypatch):
    """Keras 3.16 publishes the class the active backend chose (`BackendVariable`, the backend's
    `name_scope`, under numpy and torch the common `name_scope` itself) with `__module__` set to
    "keras.src.backend"; 3.15 published a subclass defined there. Users get the same class, so
    the record must be the same, on every backend (run this file under each KERAS_BACKEND)."""
    published = keras.Variable if path == "keras.Variable" else keras.name_scope
    chosen = published.__bases__[0]
    expected = _described(path, published)
    monkeypatch.setattr(chosen, "__module__", "keras.src.backend")
    relabelled = _described(path, chosen)
    # Only the label differs: 3.15's subclass is `Variable`, the chosen class `JaxVariable` or so.
    assert replace(relabelled, implementation="") == replace(expected, implementation="")
    assert relabelled.doc and relabelled.signature is not None
    assert defining_module(chosen) != chosen.__module__


def _loss_classes(live) -> list[str]:
    """The public loss classes of the installed Keras that construct with their defaults."""
    paths = []
    for path, symbol in sorted(live.symbols.items()):
        if path.startswith("keras.losses.") and symbol.kind == "class" and not symbol.is_alias:
            try:
                _public_state(path)
            except TypeError:  # a required argument: no default instance to read
                continue
            paths.append(path)
    return paths


def _public_state(path: str) -> set[str]:
    """The public attributes a default instance of `path` really holds (Python's own record)."""
    obj = keras
    for part in path.split(".")[1:]:
        obj = getattr(obj, part)
    return {name for name in vars(obj()) if not name.startswith("_")}


def test_instance_attributes_set_in_init_are_members(live):
    # The oracle is the real instance, so this holds on every release: 3.15 keeps
    # `SparseCategoricalCrossentropy(...).from_logits`, 3.16 only `fn` (the options went into `fn`'s
    # kwargs). What the public base `keras.losses.Loss` sets (`reduction`) is recorded there, once;
    # what a non-public base sets (`LossFunctionWrapper.fn`) is recorded on each public subclass.
    base = _public_state("keras.losses.Loss")
    assert "reduction" in base
    assert base == {m.name for m in live.symbols["keras.losses.Loss"].members if m.kind == "attribute"}
    paths = _loss_classes(live)
    assert "keras.losses.SparseCategoricalCrossentropy" in paths and len(paths) > 10
    recorded = {path: {m.name for m in live.symbols[path].members if m.kind == "attribute"}
                for path in paths}
    differing = {path: sorted(recorded[path] ^ (_public_state(path) - base)) for path in paths
                 if recorded[path] != _public_state(path) - base}
    assert not differing
    # Losses with options of their own have them recorded (the record is not just `fn`).
    assert sum(len(names) > 1 for names in recorded.values()) > 3


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
