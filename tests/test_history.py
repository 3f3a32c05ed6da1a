"""History per symbol across the stored releases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator.history import added_in_all, symbol_history
from generator.store import SnapshotStore
from tests.release_notes import EXPECTED
from tests.synthetic import function, param, snapshot

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
    with pytest.raises(LookupError, match=r"keras\.layers\.Nope is in no stored release \(3\.0\.0 … "):
        symbol_history(store, "keras.layers.Nope")
