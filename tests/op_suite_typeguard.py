"""A pytest plugin: run Keras's own op tests with `keras.ops` routed through the keras3 wrappers,
every argument checked at run time (typeguard) against the wrapper's annotations.

Loaded with `-p tests.op_suite_typeguard` by `tests/package/test_op_suite_typeguard.py`, which runs
Keras's `keras/src/ops/*_test.py` of the installed release (from its source distribution on the
package index, see tests/keras_suite.py) in a child process. Each `keras.ops` function that a keras3 wrapper wraps is
replaced, in every `keras.ops`/`keras.src.ops` module that holds it, by a function that checks
the call against the wrapper's signature and annotations and then calls the wrapper (which calls
the original). A value the annotations refuse is a *rejection*: Keras accepts it, our types do
not. Rejections are recorded (not raised, so one run finds them all) and written as JSON to the
file named by KERAS3_REJECTIONS; so are return values that do not match the return annotation.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Any

import pytest
import typeguard

from tests.keras_suite import describe, keep_every_nth_of_each_class, prepare_keras_tests, write_report

WRAPS = re.compile(r"Wraps `(keras\.[A-Za-z0-9_.]+)`")
_MODULES = ("keras.ops", "keras.ops.numpy", "keras.ops.nn", "keras.ops.image", "keras.ops.linalg",
            "keras.ops.core", "keras.src.ops", "keras.src.ops.numpy", "keras.src.ops.nn", "keras.src.ops.image",
            "keras.src.ops.linalg", "keras.src.ops.math", "keras.src.ops.core", "keras.src.ops.einops")
_found: dict[str, set[str]] = {"rejections": set(), "returns": set()}
_calls = {"checked": 0}
_tests = {"collected": 0, "kept": 0}


def _checked(name: str, wrapper: Any, hints: dict[str, Any]) -> Any:
    signature = inspect.signature(wrapper)
    strategy = typeguard.CollectionCheckStrategy.ALL_ITEMS

    def check(*args: Any, **kwargs: Any) -> Any:
        _calls["checked"] += 1
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as error:
            _found["rejections"].add(f"{name}: signature: {error}")
            raise
        refused = []
        for parameter, value in bound.arguments.items():
            hint = hints.get(parameter)
            if hint is None or signature.parameters[parameter].kind in (inspect.Parameter.VAR_POSITIONAL,
                                                                        inspect.Parameter.VAR_KEYWORD):
                continue
            try:
                typeguard.check_type(value, hint, collection_check_strategy=strategy)
            except typeguard.TypeCheckError:
                refused.append(f"{name}({parameter}=<{describe(value)}>)")
        # Keras's tests also pass bad values on purpose (`assertRaises`): a value our types refuse
        # is a false rejection only when Keras accepts the call.
        result = wrapper(*args, **kwargs)
        _found["rejections"].update(refused)
        try:
            typeguard.check_type(result, hints["return"], collection_check_strategy=strategy)
        except typeguard.TypeCheckError:
            _found["returns"].add(f"{name} -> <{describe(result)}>")
        return result

    return check


def route_ops_through_wrappers() -> int:
    """Replace every wrapped `keras.ops` function by its checked keras3 wrapper; returns how many."""
    import importlib

    import keras3.ops
    from tests.typecheck import hints as resolve_hints

    routed = 0
    modules = []
    for module_name in _MODULES:
        try:
            modules.append(importlib.import_module(module_name))
        except ImportError:
            continue  # not every release has every ops submodule
    for name in keras3.ops.__all__:
        wrapper = getattr(keras3.ops, name)
        match = WRAPS.search(wrapper.__doc__ or "")
        target = f"_{name}"
        if match is None or target not in vars(keras3.ops):
            continue  # hand-written override: not a generated wrapper
        parts = match.group(1).split(".")
        original: Any = importlib.import_module(".".join(parts[:-1]))
        original = getattr(original, parts[-1])
        vars(keras3.ops)[target] = original  # the wrapper calls the original, never itself
        # The original's name, docstring and signature: Keras's ops_test compares them with its classes.
        checked = functools.update_wrapper(_checked(name, wrapper, resolve_hints(wrapper)), original)
        for module in modules:
            for attribute, value in list(vars(module).items()):
                if value is original:
                    setattr(module, attribute, checked)
        routed += 1
    return routed


def pytest_configure(config: pytest.Config) -> None:
    prepare_keras_tests(config)
    config.stash_routed = route_ops_through_wrappers()  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _tests["collected"] = len(items)
    keep_every_nth_of_each_class(items, "KERAS3_OP_SUITE_EVERY")
    _tests["kept"] = len(items)


def pytest_sessionfinish(session: pytest.Session) -> None:
    write_report({"routed": session.config.stash_routed, "checked_calls": _calls["checked"],  # type: ignore[attr-defined]
                  "tests": _tests,
                  "rejections": sorted(_found["rejections"]), "returns": sorted(_found["returns"])})
