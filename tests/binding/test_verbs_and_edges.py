"""The model verbs of {keras3} (`fit(model, x, y)`, ...) as the binding generates them, and the
errors at the binding's edge: a multi-input layer given the wrong form of `object`, an unknown
`keras3` name."""

from __future__ import annotations

import inspect

import keras3
import numpy as np
import pytest

from generator.binding.spec import load_binding_spec
from generator.binding.overrides import read_overrides
from tests.conftest import built

SPEC = load_binding_spec()
VERBS = dict(SPEC.verbs["methods"])
HAND_WRITTEN = {o.name for o in read_overrides()}
GENERATED_VERBS = sorted(set(VERBS) - HAND_WRITTEN)


@pytest.fixture(scope="module")
def binding(store, pinned):
    return built(store, pinned.keras_version)[0]


def _by_name(binding):
    return {w.name: w for w in binding.wrappers}


def test_every_verb_is_a_wrapper_over_its_method(binding, pinned):
    wrappers = _by_name(binding)
    for name, target in VERBS.items():
        owner, method = target.rsplit(".", 1)
        w = wrappers[name]
        assert (w.upstream, w.member, w.bound) == (owner, method, True), name
        assert pinned.symbols[owner].member(method) is not None, target


def test_hand_written_verbs_are_the_ones_with_behaviour_of_their_own():
    assert HAND_WRITTEN & set(VERBS) == {"freeze_weights", "unfreeze_weights", "save_model_config",
                                         "load_model_config", "from_config"}


@pytest.mark.parametrize("name", GENERATED_VERBS)
def test_generated_verb_takes_the_methods_parameters(name, pinned):
    """Model first, then exactly the parameters the snapshot records for the method."""
    owner, method = VERBS[name].rsplit(".", 1)
    function = getattr(keras3, name)
    parameters = list(inspect.signature(function).parameters.values())
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_ONLY
    member = pinned.symbols[owner].member(method)
    assert parameters[0].name == "object"
    assert [p.name for p in parameters[1:]] == [p.name for p in member.signature.parameters]
    # Documented from upstream's method: its summary line and every argument.
    first_line = member.doc.strip().splitlines()[0]
    assert function.__doc__.startswith(first_line)
    documented = function.__doc__.split("Args:", 1)[-1]
    for p in parameters[1:]:
        if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and f"{p.name}:" in member.doc:
            line = next(line for line in documented.splitlines() if line.strip().startswith(f"{p.name} ("))
            assert line.split("):", 1)[1].strip(), f"{name}: {p.name} is not documented"


def test_verbs_say_what_they_return():
    returns = {name: inspect.signature(getattr(keras3, name)).return_annotation for name in VERBS}
    assert returns["fit"] == "keras.callbacks.History"
    assert returns["compile"] == returns["summary"] == returns["set_weights"] == "None"
    assert returns["count_params"] == "int" and returns["get_layer"] == "keras.Layer"
    assert returns["freeze_weights"] == "_L"  # hand-written: returns the object it was given


def test_verbs_follow_r_names():
    for name in ("compile", "fit", "evaluate", "predict", "summary", "freeze_weights", "unfreeze_weights",
                 "get_weights", "set_weights", "pop_layer", "get_layer", "save_model_config",
                 "load_model_config", "train_on_batch", "test_on_batch", "predict_on_batch", "count_params"):
        assert callable(getattr(keras3, name)), name


def test_builtin_shadowing_verb_is_kept_out_of_star_import():
    namespace: dict[str, object] = {}
    exec("from keras3 import *", namespace)
    assert "fit" in namespace and "predict" in namespace
    assert "compile" not in namespace  # the builtin compile() stays the builtin
    namespace = {}
    exec("from keras3.models import *", namespace)
    assert "compile" not in namespace and "fit" in namespace
    assert keras3.compile is keras3.models.compile
    assert "compile" in dir(keras3)
    from keras3 import compile as verb  # imported by name, it is there

    assert verb is not compile


@pytest.mark.parametrize(("typo", "suggested"), [
    ("fitt", "fit"),
    ("layer_dence", "layer_dense"),
    ("dense", "layer_dense"),
    ("loss_binary_crossentropi", "loss_binary_crossentropy"),
])
def test_unknown_attribute_suggests_the_nearest_names(typo, suggested):
    with pytest.raises(AttributeError, match=rf"has no attribute '{typo}'; did you mean .*'{suggested}'") as caught:
        getattr(keras3, typo)
    assert caught.value.name == typo


def test_unknown_attribute_with_nothing_near_says_so_plainly():
    with pytest.raises(AttributeError) as caught:
        keras3.zzz_qqq_nothing  # noqa: B018
    assert str(caught.value) == "module 'keras3' has no attribute 'zzz_qqq_nothing'"
    assert not hasattr(keras3, "__wrapped__")


# --- multi-input layers -------------------------------------------------------------------------


def test_multi_input_layers_come_from_the_call_signature(binding):
    multi = {w.name: (w.inputs, w.required_inputs) for w in binding.wrappers if w.inputs}
    assert multi["layer_multi_head_attention"] == (("query", "value", "key"), 2)
    assert multi["layer_group_query_attention"] == (("query", "value", "key"), 2)
    # Layers that take one tensor (or one list, like Add and Attention) are not split.
    assert "layer_dense" not in multi and "layer_add" not in multi and "layer_attention" not in multi


MULTI = [
    ("layer_multi_head_attention", {"num_heads": 2, "key_dim": 2}),
    ("layer_group_query_attention", {"num_query_heads": 2, "num_key_value_heads": 1, "head_dim": 2}),
]


@pytest.mark.parametrize(("name", "options"), MULTI)
def test_multi_input_layer_given_one_tensor_says_which_form_it_takes(name, options):
    wrapper = getattr(keras3, name)
    symbolic = keras3.keras_input(shape=(4, 2))
    expected = rf"keras3\.{name} takes its inputs as a list, \[query, value\] or \[query, value, key\]; got "
    with pytest.raises(TypeError, match=expected + r"KerasTensor of shape \(None, 4, 2\)\."):
        wrapper(symbolic, **options)
    # A NumPy array is not split along its batch axis into query and value.
    with pytest.raises(TypeError, match=expected + r"ndarray of shape \(3, 4, 2\)\."):
        wrapper(np.zeros((3, 4, 2), "float32"), **options)
    with pytest.raises(TypeError, match=expected + r"a list of 1 item\."):
        wrapper([symbolic], **options)
    with pytest.raises(TypeError, match=expected + r"a tuple of 4 items\."):
        wrapper((symbolic,) * 4, **options)


@pytest.mark.parametrize(("name", "options"), MULTI)
def test_multi_input_layer_given_a_list_calls_the_layer(name, options):
    wrapper = getattr(keras3, name)
    query, value = keras3.keras_input(shape=(4, 2)), keras3.keras_input(shape=(6, 2))
    assert tuple(wrapper([query, value], **options).shape) == (None, 4, 2)
    assert tuple(wrapper([query, value, value], **options).shape) == (None, 4, 2)
    out = wrapper([np.ones((3, 4, 2), "float32"), np.ones((3, 6, 2), "float32")], **options)
    assert tuple(out.shape) == (3, 4, 2)


# --- wrappers whose upstream has no docstring of its own ------------------------------------------


def _undocumented_arguments(function) -> list[str]:
    text = function.__doc__ or ""
    args = text.split("Args:", 1)[1].split("\n\n", 1)[0] if "Args:" in text else ""
    missing = []
    for p in list(inspect.signature(function).parameters.values()):
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        line = next((line for line in args.splitlines() if line.strip().startswith(f"{p.name} (")), "")
        if not line.split("):", 1)[-1].strip():
            missing.append(p.name)
    return missing


DOCUMENTED_FROM_ELSEWHERE = ["save_model_weights", "load_model_weights"] + sorted(
    name for name in keras3.__all__ if name.startswith("feature_"))


@pytest.mark.parametrize("name", DOCUMENTED_FROM_ELSEWHERE)
def test_wrapper_over_an_undocumented_upstream_is_documented(name):
    function = getattr(keras3, name)
    assert not function.__doc__.startswith("See the upstream documentation"), name
    assert _undocumented_arguments(function) == [], name


def test_documented_from_what_they_call(pinned):
    # save_model_weights takes Model.save_weights's words; feature_float_rescaled the Rescaling layer's.
    method = pinned.symbols["keras.Model"].member("save_weights").doc
    assert keras3.save_model_weights.__doc__.startswith(method.splitlines()[0])
    assert "Float, the scale to apply to the inputs." in keras3.feature_float_rescaled.__doc__
    assert keras3.feature_float_rescaled.__doc__.startswith(
        "Float values to be preprocessed via linear rescaling (i.e. via a `keras.layers.Rescaling` layer).")
