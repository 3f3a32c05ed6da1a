"""The binding model of the wrapper forms issue 9 asks for, read from the pinned snapshot and the
store: since when each signature stands, which parameters are newer than their symbol, which call
parameters a layer wrapper routes, which options only a loss's class takes."""

from __future__ import annotations

from packaging.version import Version

from generator.settings import pinned_release
from generator.changes.signature_history import signature_history
from tests.conftest import built


def wrappers(store):
    binding, _ = built(store, pinned_release())
    return {w.name: w for w in binding.wrappers}


def test_newer_parameters_and_since_come_from_the_store(store, pinned):
    by_name = wrappers(store)
    dense = by_name["layer_dense"]
    history = signature_history(store, pinned, "keras.layers.Dense")
    newer = {p.name: p.added_in for p in dense.params if p.added_in}
    assert newer and all(Version(r) > Version(dense.added_in) for r in newer.values())
    assert newer == {k: v for k, v in history.added.items() if Version(v) > Version(dense.added_in)}
    assert dense.since == history.since
    # Unchanged since it was added: no adapter, the raw function is bound.
    assert by_name["op_add"].since is None


def test_a_layer_wrapper_routes_its_call_parameters(store):
    by_name = wrappers(store)
    mha = by_name["layer_multi_head_attention"]
    routed = {p.name for p in mha.call_params}
    assert {"use_causal_mask", "return_attention_scores", "training", "attention_mask"} <= routed
    assert not routed & set(mha.inputs)  # query, value, key come from `object`
    assert all(p.kind == "keyword_only" for p in mha.call_params)
    assert {p.name for p in by_name["layer_lstm"].call_params} >= {"initial_state", "mask", "training"}
    # Constructor parameters stay positional-or-keyword, in upstream's order, after `object`.
    assert [p.name for p in by_name["layer_conv_2d"].params[1:3]] == ["filters", "kernel_size"]
    assert by_name["layer_conv_2d"].params[1].kind == "positional_or_keyword"


def test_options_only_the_class_takes_are_handed_on_only_when_given(store):
    bce = wrappers(store)["loss_binary_crossentropy"]
    assert set(bce.class_only) == {"reduction", "name", "dtype"}
    assert all(p.default == "MISSING" for p in bce.params if p.name in bce.class_only)
