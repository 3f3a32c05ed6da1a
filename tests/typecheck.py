"""Check values against the keras3 wrappers' annotations at run time, with typeguard.

The annotations are strings naming keras3.types aliases (which are strings themselves) and names
imported only for type checking; this module resolves them in one namespace so typeguard can check
real values against exactly what a type checker sees.
"""

from __future__ import annotations

import importlib
import inspect
import os
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import typeguard


@cache
def namespace() -> dict[str, Any]:
    import keras
    import numpy as np
    import numpy.typing as npt
    from keras3 import types

    from generator.binding.typing_rules import TYPING_NAMES

    ns: dict[str, Any] = {"keras": keras, "np": np, "npt": npt, "os": os, "Any": Any}
    # The typing names the rules may use, from where the emitted modules import them.
    ns.update({name: getattr(importlib.import_module(module), name) for name, module in TYPING_NAMES.items()})
    ns.update({name: getattr(types, name) for name in types.__all__})
    # The aliases are strings that may name each other: evaluate until every one is a type.
    for _ in range(len(types.__all__)):
        for name in types.__all__:
            if isinstance(ns[name], str):
                try:
                    ns[name] = eval(ns[name], ns)
                except (NameError, TypeError):  # names an alias not evaluated yet
                    continue
    return ns


def hints(function: Callable[..., Any]) -> dict[str, Any]:
    return typing.get_type_hints(function, globalns=namespace())


def rejections(function: Callable[..., Any], arguments: Mapping[str, Any]) -> list[str]:
    """Why each named argument fails the wrapper's annotation (empty when all pass)."""
    resolved = hints(function)
    problems = []
    for name, value in arguments.items():
        if name not in resolved:
            continue
        try:
            typeguard.check_type(value, resolved[name], collection_check_strategy=typeguard.CollectionCheckStrategy.ALL_ITEMS)
        except typeguard.TypeCheckError as error:
            problems.append(f"{name}={value!r}: {error}")
    return problems


def parameter_names(function: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(function).parameters)
