"""A pytest plugin: run Keras's own tests of the constructors (layers, losses, metrics, optimizers
and learning-rate schedules, callbacks, initializers, regularizers, constraints, activations) with
each public constructor that a test calls routed through its keras3 wrapper, every argument
checked at run time (typeguard) against the wrapper's annotations.

Loaded with `-p tests.constructor_suite_typeguard` by
`tests/package/test_constructor_suite_typeguard.py` (tests/keras_suite.py fetches the tests).

What is routed: the object each wrapper of those keras3 modules wraps (a class, or a function:
activations, the function form of a loss or metric, `keras.Input`...), found through the binding.
The object itself stays in place, so `isinstance`, subclassing, pickling, serialization and
identity (`activations.get("relu") == activations.relu`) behave as before:

* a class gets a `__new__` that, for a call of exactly that class made by a test file, builds the
  object through the wrapper instead (`layers.Dense(4, activation="relu")` becomes
  `layer_dense(None, units=4, activation="relu")`), and an `__init__` that does not initialise
  that object a second time; every other construction (a subclass, Keras's own code, the
  wrapper's) runs as it did;
* a function's code becomes a trampoline to the same choice (its original code is kept in a copy
  that `__wrapped__` names, so `inspect.signature` is unchanged).

A call is mapped to the wrapper by name (the Keras signature binds it, the wrapper takes the same
names) and checked against the wrapper's implementation annotations and its overloads (what a
type checker matches a call against). Findings, written as JSON to KERAS3_REJECTIONS:

* rejections: a value an annotation refuses (or a call no overload or wrapper signature takes)
  in a call Keras accepts: a false error for every keras3 and stub user;
* changed: the wrapper raised where the same call to Keras returned;
* returns: a result outside the matched overload's return annotation;
* failed: the node ids of the tests that failed, so the caller can rerun them unrouted.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import threading
import types
import typing
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typeguard

from tests.keras_suite import describe, keep_every_nth, prepare_keras_tests, write_report

#: The keras3 modules whose wrappers are routed; their tests are keras/src/<module>/.
FAMILIES = ("activations", "callbacks", "constraints", "initializers", "layers", "losses", "metrics",
            "optimizers", "regularizers")

_STRATEGY = typeguard.CollectionCheckStrategy.ALL_ITEMS
_P = inspect.Parameter
_state = threading.local()
_found: dict[str, set[str]] = {"rejections": set(), "returns": set(), "changed": set(), "unrouted": set()}
_calls: Counter[str] = Counter()
_failed: list[str] = []
_callers: list[str] = []  # the folders whose code counts as "a test" (the suite, keras/src/testing)
_initialised: dict[int, Any] = {}  # objects a wrapper built, whose second __init__ is skipped


def _routing() -> bool:
    return getattr(_state, "routing", False)


def _unrouted(call: Callable[[], Any]) -> Any:
    previous, _state.routing = _routing(), True
    try:
        return call()
    finally:
        _state.routing = previous


def _from_a_test(frame: types.FrameType) -> bool:
    return not _routing() and frame.f_code.co_filename.startswith(tuple(_callers))


# --- the check of one routed call -----------------------------------------------------------------


class Route:
    """One wrapper and the Keras callable it wraps: maps a call to the wrapper's, checks, calls."""

    def __init__(self, wrapper: Callable[..., Any], target: Any, signature: inspect.Signature) -> None:
        from tests.typecheck import hints

        self.name = wrapper.__name__
        self.wrapper = wrapper
        self.target = target
        self.signature = signature  # of the Keras callable, as it was before routing
        self.wrapper_signature = inspect.signature(wrapper)
        self.hints = hints(wrapper)
        self.overloads = [(inspect.signature(o), hints(o)) for o in typing.get_overloads(wrapper)]

    def wrapper_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """The keras3 call of the Keras call `target(*args, **kwargs)`; raises TypeError when the
        Keras signature does not take it (Keras's own error follows) or the wrapper cannot."""
        bound = self.signature.bind(*args, **kwargs)
        named: dict[str, Any] = {}
        rest: tuple[Any, ...] = ()
        for name, value in bound.arguments.items():
            kind = self.signature.parameters[name].kind
            if kind is _P.VAR_KEYWORD:
                named.update(value)
            elif kind is _P.VAR_POSITIONAL:
                rest = value
            else:
                named[name] = value
        positional: list[Any] = []
        for parameter in self.wrapper_signature.parameters.values():
            if parameter.kind is _P.POSITIONAL_ONLY:
                # a layer wrapper's composition argument: None gives the configured layer
                positional.append(named.pop(parameter.name) if parameter.name in named
                                  else None if parameter.name == "object" else parameter.default)
            elif parameter.kind is _P.VAR_POSITIONAL:
                positional.extend(rest)
                rest = ()
        if rest:
            raise TypeError(f"{len(rest)} extra positional argument(s) the wrapper has no place for")
        return positional, named

    def refusals(self, arguments: dict[str, Any]) -> list[str]:
        refused = []
        for parameter, value in arguments.items():
            hint = self.hints.get(parameter)
            kind = self.wrapper_signature.parameters[parameter].kind
            if hint is None or kind in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD) or parameter == "object":
                continue
            if not _accepts(value, hint):
                refused.append(f"{self.name}({parameter}=<{describe(value)}>)")
        return refused

    def overload_for(self, positional: list[Any], named: dict[str, Any]) -> dict[str, Any] | None:
        """The hints of the first overload whose annotations take the values (a checker's choice);
        None when none does. A wrapper without overloads: its own hints."""
        if not self.overloads:
            return self.hints
        for signature, hints in self.overloads:
            try:
                bound = signature.bind(*positional, **named)
            except TypeError:
                continue
            if all(_accepts_argument(value, hints.get(name), signature.parameters[name].kind)
                   for name, value in bound.arguments.items()):
                return hints
        return None

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any], original: Callable[[], Any]) -> Any:
        _calls[self.name] += 1
        try:
            positional, named = self.wrapper_call(args, kwargs)
            arguments = self.wrapper_signature.bind(*positional, **named).arguments
        except TypeError as error:
            result = _unrouted(original)  # raises when Keras refuses the call too
            _found["rejections"].add(f"{self.name}: signature: {error}")
            return result
        refused = self.refusals(dict(arguments))
        matched = self.overload_for(positional, named)
        try:
            result = _unrouted(lambda: self.wrapper(*positional, **named))
        except Exception as error:
            try:
                _unrouted(original)
            except Exception:
                raise error from None  # Keras refuses the call as well: not ours
            _found["changed"].add(f"{self.name}: raised {type(error).__name__}: {str(error)[:200]}")
            raise
        _found["rejections"].update(refused)
        if matched is None:
            kinds = ", ".join(f"{k}=<{describe(v)}>" for k, v in named.items())
            _found["rejections"].add(f"{self.name}: no overload takes ({kinds})")
        elif "return" in matched and not _accepts(result, matched["return"]):
            _found["returns"].add(f"{self.name} -> <{describe(result)}>")
        return result


def _accepts(value: Any, hint: Any) -> bool:
    try:
        typeguard.check_type(value, hint, collection_check_strategy=_STRATEGY)
    except typeguard.TypeCheckError:
        return False
    return True


def _accepts_argument(value: Any, hint: Any, kind: Any) -> bool:
    if hint is None:
        return True
    if kind is _P.VAR_KEYWORD:
        return all(_accepts(v, hint) for v in value.values())
    if kind is _P.VAR_POSITIONAL:
        return all(_accepts(v, hint) for v in value)
    return _accepts(value, hint)


# --- routing a class or a function in place -------------------------------------------------------


def _route_class(cls: type, route: Route) -> None:
    own_new = cls.__dict__.get("__new__")
    own_init = cls.__dict__.get("__init__")
    if isinstance(own_new, staticmethod):
        own_new = own_new.__func__

    def __new__(klass: type, *args: Any, **kwargs: Any) -> Any:
        if klass is cls and _from_a_test(sys._getframe(1)):
            obj = route(args, kwargs, lambda: cls(*args, **kwargs))
            _initialised[id(obj)] = obj
            return obj
        if own_new is not None:
            return own_new(klass, *args, **kwargs)
        parent = super(cls, klass).__new__
        return parent(klass) if parent is object.__new__ else parent(klass, *args, **kwargs)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if _initialised.get(id(self)) is self:
            del _initialised[id(self)]
            return
        if own_init is not None:
            own_init(self, *args, **kwargs)
        else:
            super(cls, self).__init__(*args, **kwargs)

    # inspect.signature(cls) and Keras's auto-config (signature and getfullargspec of
    # cls.__init__) see what they saw
    __new__.__signature__ = route.signature.replace(  # type: ignore[attr-defined]
        parameters=[_P("cls", _P.POSITIONAL_ONLY), *route.signature.parameters.values()])
    init_signature = inspect.signature(cls.__init__)
    if own_init is not None:
        functools.update_wrapper(__init__, own_init)
    __init__.__signature__ = init_signature  # type: ignore[attr-defined]
    cls.__new__ = staticmethod(__new__)  # type: ignore[assignment]
    cls.__init__ = __init__  # type: ignore[misc]


def _route_function(function: types.FunctionType, route: Route) -> None:
    original = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                                  function.__defaults__, function.__closure__)
    original.__kwdefaults__ = function.__kwdefaults__
    key = f"_keras3_route_{id(function)}"

    def dispatch(*args: Any, **kwargs: Any) -> Any:
        if _from_a_test(sys._getframe(2)):  # 1 is the trampoline, 2 its caller
            return route(args, kwargs, lambda: original(*args, **kwargs))
        return original(*args, **kwargs)

    function.__globals__[key] = dispatch
    namespace: dict[str, Any] = {}
    exec(f"def trampoline(*args, **kwargs):\n    return {key}(*args, **kwargs)\n", {}, namespace)
    function.__code__ = namespace["trampoline"].__code__
    function.__wrapped__ = original  # type: ignore[attr-defined]
    function.__signature__ = route.signature  # type: ignore[attr-defined]  # getfullargspec too


def _resolve(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def route_constructors_through_wrappers() -> tuple[int, int]:
    """Route every object the wrappers of FAMILIES wrap; returns (classes, functions) routed."""
    from generator.binding.build import build
    from generator.settings import pinned_release
    from generator.upstream.store import DEFAULT_ROOT, SnapshotStore

    binding, _ = build(SnapshotStore(DEFAULT_ROOT), pinned_release())
    routed: dict[int, str] = {}
    counts = [0, 0]
    for spec in binding.wrappers:
        if spec.family not in FAMILIES or spec.overridden or spec.shape == "member":
            continue
        wrapper = getattr(importlib.import_module(f"keras3.{spec.family}"), spec.name)
        for path in filter(None, (spec.upstream, spec.function)):
            try:
                target = _resolve(path)
            except (AttributeError, ImportError):
                _found["unrouted"].add(f"{spec.name}: {path} is not in the installed Keras")
                continue
            if id(target) in routed:
                continue  # one object, public under two paths (a loss function also in metrics)
            if isinstance(target, type):
                _route_class(target, Route(wrapper, target, inspect.signature(target)))
                counts[0] += 1
            elif isinstance(target, types.FunctionType) and not target.__closure__:
                _route_function(target, Route(wrapper, target, inspect.signature(target)))
                counts[1] += 1
            else:
                _found["unrouted"].add(f"{spec.name}: {path} is a {type(target).__name__} with state")
                continue
            routed[id(target)] = spec.name
    return counts[0], counts[1]


# --- the plugin -----------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    import os

    prepare_keras_tests(config)
    import keras

    _callers.extend([str(config.rootpath) + os.sep, str(Path(keras.__file__).parent / "src" / "testing") + os.sep])
    if os.environ.get("KERAS3_ROUTE", "1") == "1":
        config.stash_routed = route_constructors_through_wrappers()  # type: ignore[attr-defined]
    else:
        config.stash_routed = (0, 0)  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep_every_nth(items, "KERAS3_CONSTRUCTOR_SUITE_EVERY")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        _failed.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    classes, functions = session.config.stash_routed  # type: ignore[attr-defined]
    write_report({"routed_classes": classes, "routed_functions": functions,
                  "checked_calls": sum(_calls.values()), "exercised": sorted(_calls),
                  "failed": sorted(set(_failed)), **{key: sorted(value) for key, value in _found.items()}})
