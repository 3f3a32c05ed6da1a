"""Child process of tests/package/test_older_releases.py: call every keras3 wrapper (or a share of
each module's, see main) with its required arguments only, on whatever Keras is first on the path,
and write one JSON verdict per wrapper called to the file the first argument names.

Verdicts: "ok" (constructed or computed); "newer: ..." (KerasVersionError for a symbol or
parameter the installed Keras lacks, and it does lack it); "upstream: ..." (the wrapper failed and
so does the wrapped Keras object called directly with the same arguments: not the wrapper's
doing); "not-called: <reason>" (tests/wrapper_samples.py NOT_CALLED); "fail: ..." otherwise.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
import typing
from pathlib import Path
from typing import Any

import keras
import keras3
from keras3._runtime import KerasVersionError, _version_key

from tests import op_samples, wrapper_samples

WRAPS = re.compile(r"Wraps `(keras\.[A-Za-z0-9_.]+)`")
MODULES = sorted(p.stem for p in Path(keras3.__file__).parent.glob("*.py")
                 if not p.stem.startswith("_") and p.stem not in ("types", "overrides"))


def required(function: Any) -> list[inspect.Parameter]:
    """The parameters a caller must give: read from the first typed form when there are overloads
    (a layer wrapper's implementation gives its required constructor parameters a default)."""
    forms = typing.get_overloads(function)
    signature = inspect.signature(forms[0] if forms else function)
    return [p for p in signature.parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def built(value: Any) -> Any:
    if isinstance(value, str) and value in wrapper_samples.BUILT:
        return wrapper_samples.BUILT[value](keras)
    return op_samples.materialize(value, lambda v: v)


def arguments(name: str, function: Any) -> tuple[list[Any], dict[str, Any]]:
    if name.startswith("op_"):
        signature = inspect.signature(function)
        params = [op_samples.Param(p.name, p.kind.name.lower(), p.default is p.empty)
                  for p in signature.parameters.values()]
        # Required parameters, and the optional ones op_samples names (upstream needs them).
        spec = op_samples.sample_spec(name, params)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p in params:
            if p.name not in spec:
                continue
            if p.kind == "var_positional":
                args.extend(built(spec[p.name]))
            elif p.kind == "positional_only" or any(q.kind == "var_positional" and q.name in spec for q in params):
                args.append(built(spec[p.name]))
            else:
                kwargs[p.name] = built(spec[p.name])
        return args, kwargs
    overrides = wrapper_samples.OVERRIDES.get(name, {})
    args = []
    kwargs = {}
    if "weights" in inspect.signature(function).parameters and name.startswith("application_"):
        # The default downloads pretrained weights (no network here). One model is built; the
        # others, hundreds of layers each, get a weights file that does not exist: the release
        # accepts every argument the wrapper hands on, then refuses the file before building.
        kwargs["weights"] = None if name == wrapper_samples.BUILT_APPLICATION else PROBE
    for p in required(function):
        if p.name in overrides:
            value = built(overrides[p.name])
        elif p.name in wrapper_samples.BY_NAME:
            value = built(wrapper_samples.BY_NAME[p.name])
        else:
            raise KeyError(f"no sample for required parameter {p.name!r} of {name}")
        if p.kind is p.POSITIONAL_ONLY:  # a model verb's `object`
            args.append(value)
        else:
            kwargs[p.name] = value
    for key, value in overrides.items():
        kwargs.setdefault(key, built(value))
    return args, kwargs


def direct(function: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
    match = WRAPS.search(function.__doc__ or "")
    if match is None:
        raise RuntimeError("no `Wraps` line")
    target: Any = keras
    for part in match.group(1).split(".")[1:]:
        target = getattr(target, part)
    target(*args, **kwargs)


PROBE = "/nonexistent/keras3-probe.weights.h5"


def verdict(name: str, function: Any, installed: tuple[int, ...]) -> str:
    if name in wrapper_samples.NOT_CALLED:
        return "not-called: " + wrapper_samples.NOT_CALLED[name]
    if name.endswith("_decode_predictions"):
        return "not-called: downloads the ImageNet class index"
    try:
        args, kwargs = arguments(name, function)
    except KeyError as error:
        return f"fail: {error}"
    try:
        function(*args, **kwargs)
        return "ok"
    except ValueError as error:
        if kwargs.get("weights") != PROBE or "weights" not in str(error):
            wrapper_error = f"ValueError: {error}"[:300]
        else:
            return "ok (arguments accepted; refused the probe weights file before building)"
    except KerasVersionError as error:
        newer = error.added_in is not None and installed < _version_key(error.added_in)
        return ("newer: " if newer else "fail: ") + str(error)
    except Exception as error:  # noqa: BLE001 - the verdict names it
        wrapper_error = f"{type(error).__name__}: {error}"[:300]
    try:
        args, kwargs = arguments(name, function)
        direct(function, args, kwargs)
    except Exception as error:  # noqa: BLE001
        return f"upstream: {type(error).__name__}: {error}"[:300] + f" (wrapper: {wrapper_error})"
    return f"fail: {wrapper_error}"


def main() -> None:
    """argv: the report file, then optionally SHARE/EVERY (e.g. 1/3): of each module's wrappers, in
    their order, call those whose index is SHARE modulo EVERY (0/1, all of them, unless given)."""
    installed = _version_key(keras.__version__)
    share, every = (int(n) for n in (sys.argv[2] if len(sys.argv) > 2 else "0/1").split("/"))
    verdicts: dict[str, str] = {}
    wrappers: list[str] = []
    for module in MODULES:
        namespace = importlib.import_module(f"keras3.{module}")
        callables = [name for name in namespace.__all__
                     if callable(getattr(namespace, name)) and not isinstance(getattr(namespace, name), type)]
        wrappers.extend(callables)
        for name in callables[share::every]:
            print(name, file=sys.stderr, flush=True)
            verdicts[name] = verdict(name, getattr(namespace, name), installed)
    report = {"keras": keras.__version__, "verdicts": verdicts, "wrappers": wrappers}
    Path(sys.argv[1]).write_text(json.dumps(report, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
