"""Types never reject what upstream accepts: every call in Keras's own docstring examples, mapped to
its keras3 wrapper, has its literal arguments checked at run time against our annotations."""

from __future__ import annotations

import ast
import importlib
import re

import pytest

from generator.settings import pinned_release
from tests.conftest import built
from tests.typecheck import rejections

PIN = pinned_release()  # the Keras release pyproject.toml pins

_PROMPT = re.compile(r"^\s*(>>>|\.\.\.) ?")


def example_calls(doc: str) -> list[ast.Call]:
    """Calls in a docstring's examples: `>>>` lines and fenced code, each statement parsed alone."""
    code_lines, in_fence = [], False
    for line in doc.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or _PROMPT.match(line):
            code_lines.append(_PROMPT.sub("", line).strip())
    calls = []
    for line in code_lines:
        try:
            tree = ast.parse(line)
        except SyntaxError:
            continue
        calls += [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return calls


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def literal(node: ast.expr) -> tuple[bool, object]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return False, None


@pytest.fixture(scope="module")
def usages(store):
    return documented_usages(store)


def documented_usages(store):
    """(wrapper name, family, upstream path, {parameter: literal value}) for every documented call."""
    binding, _ = built(store, PIN)
    snapshot = store.load(PIN)
    by_path = {}
    for w in binding.wrappers:
        if w.shape == "member":
            continue  # a member wrapper (feature_*, a model verb) wraps a method, not `w.upstream` itself
        for path in (w.upstream, *w.aliases, *([w.function] if w.function else [])):
            by_path[path] = w
    found = []
    for symbol in snapshot.canonical_symbols():
        for call in example_calls(symbol.doc):
            name = dotted(call.func)
            path = name if name and name.startswith("keras.") else f"keras.{name}" if name else None
            wrapper = by_path.get(path or "")
            if wrapper is None or wrapper.shape == "member":
                continue
            upstream_symbol = snapshot.symbols[path]
            params = [p.name for p in (upstream_symbol.signature.parameters if upstream_symbol.signature else ())]
            arguments = {}
            for index, arg in enumerate(call.args):
                ok, value = literal(arg)
                if ok and index < len(params) and not isinstance(arg, ast.Starred):
                    arguments[params[index]] = value
            for keyword in call.keywords:
                ok, value = literal(keyword.value)
                if ok and keyword.arg:
                    arguments[keyword.arg] = value
            if arguments:
                found.append((wrapper.name, wrapper.family, path, arguments))
    return found


def test_documented_upstream_calls_pass_our_annotations(usages):
    assert len(usages) > 300, len(usages)
    problems = []
    for name, family, path, arguments in usages:
        wrapper = getattr(importlib.import_module(f"keras3.{family}"), name)
        problems += [f"{name} ({path}): {p}" for p in rejections(wrapper, arguments)]
    assert not problems, "\n".join(problems)


# --- Issue "keras3 in real use", item 6: types never reject what Keras accepts ---------------------

_NONE = re.compile(r"\bNone\b")
# Parameters whose docs say None of something inside them, not of the parameter: Keras itself
# refuses None there (checked below, so an entry goes when Keras starts accepting it).
_NONE_OF_AN_ELEMENT = {
    # "For any dimensions that doesn't need any sharding, A `None` can be used a placeholder."
    ("distribution_tensor_layout", "axes"): ("keras.distribution", "TensorLayout"),
}


def test_every_parameter_whose_docs_allow_none_admits_none(store):
    """Scan every wrapper's upstream docstring: a parameter documented with `None` ("or None",
    "If None, ...", "Defaults to None") takes None by its annotation, checked at run time."""
    from generator.settings import pinned_release

    binding, _ = built(store, pinned_release())
    scanned, problems = 0, []
    for w in binding.wrappers:
        if w.overridden:
            continue
        function = getattr(importlib.import_module(f"keras3.{w.family}"), w.name)
        documented = {a.name for a in w.doc.args if _NONE.search(a.description)}
        documented -= {name for wrapper, name in _NONE_OF_AN_ELEMENT if wrapper == w.name}
        names = {p.name for p in w.params if p.kind not in ("var_positional", "var_keyword")} & documented
        scanned += len(names)
        problems += [f"{w.name}: {p}" for p in rejections(function, dict.fromkeys(names))]
    assert scanned > 300, scanned  # the scan reaches the parameters it is about
    assert not problems, "\n".join(problems)


REAL_USE = """
import numpy as np
from keras3 import (application_mobilenet_v2, application_resnet50, image_dataset_from_directory,
                    layer_bidirectional, layer_dense, layer_lstm, layer_gru, layer_simple_rnn,
                    timeseries_dataset_from_array)

def calls(data: np.ndarray) -> None:
    application_mobilenet_v2(weights=None, classifier_activation=None)
    application_resnet50(weights=None, classifier_activation=None)
    image_dataset_from_directory("images", labels=None)
    image_dataset_from_directory("images", labels=[0, 1], label_mode=None, batch_size=None)
    layer_bidirectional(layer=layer_lstm(units=2), merge_mode=None)
    layer_lstm(units=2, activation=None)
    layer_gru(units=2, activation=None)
    layer_simple_rnn(units=2, activation=None)
    timeseries_dataset_from_array(data, None, sequence_length=2)
    layer_dense(units=np.int64(3))
    layer_dense(units=3, bias_initializer="zeros", dtype=np.float32)
"""


# Checked by one pyright run with the other modules' snippets (tests/package/conftest.py).
PYRIGHT_SNIPPETS = {"real_use.py": REAL_USE}


@pytest.mark.xdist_group("pyright-snippets")
def test_the_cases_users_met_type_check(pyright_snippets):
    """Each call runs in Keras; pyright (standard mode, as a user's editor) accepts each."""
    diagnostics = pyright_snippets["real_use.py"]
    errors = [f"line {d['range']['start']['line'] + 1}: {d['message']}" for d in diagnostics
              if d["severity"] == "error" and d.get("rule") != "reportMissingTypeStubs"]
    assert not errors, "\n".join(errors)


def test_the_cases_users_met_pass_the_annotations_at_run_time():
    """The same values, checked by typeguard against the annotations a checker sees."""
    import keras3
    import numpy as np

    cases = [
        (keras3.application_mobilenet_v2, {"weights": None, "classifier_activation": None}),
        (keras3.image_dataset_from_directory, {"labels": None, "label_mode": None, "batch_size": None}),
        (keras3.image_dataset_from_directory, {"labels": [0, 1]}),
        (keras3.layer_bidirectional, {"merge_mode": None}),
        (keras3.layer_lstm, {"activation": None}),
        (keras3.layer_simple_rnn, {"activation": None}),
        (keras3.timeseries_dataset_from_array, {"data": np.ones((4, 1)), "targets": None}),
        (keras3.layer_dense, {"units": np.int64(3)}),
        (keras3.layer_dropout, {"rate": np.float32(0.5)}),
        (keras3.op_tensordot, {"axes": [[0, 1], [1, 0]]}),
        (keras3.op_split, {"indices_or_sections": np.array([1, 2])}),
        (keras3.op_conv, {"padding": "SAME"}),
    ]
    problems = [f"{function.__name__}: {p}" for function, arguments in cases for p in rejections(function, arguments)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("wrapper", "parameter"), sorted(_NONE_OF_AN_ELEMENT))
def test_keras_refuses_none_where_its_docs_mean_an_element(wrapper, parameter):
    module, name = _NONE_OF_AN_ELEMENT[(wrapper, parameter)]
    with pytest.raises(TypeError):
        getattr(importlib.import_module(module), name)(**{parameter: None})
