"""Run the examples a wrapper's docstring shows (`help(op_add)`), as a reader would paste them.

The examples are read from the wrapper's `__doc__` (its `Examples:` section, doctest lines),
run in one fresh namespace per docstring on the active backend, and each output upstream states is
compared with what the statement gives: as numbers when both read as numbers (`array([6, 10],
dtype=int32)`, `<tf.Tensor: ..., numpy=1.0>`, `[[10 10] [10 12]]`, `0.5`), within the precision
upstream printed; a statement upstream shows raising must raise that error. Outputs that are not
numbers (a repr, a summary table) are not compared.

What cannot run where the docs build runs it either is left out with the same reason: a
docstring listed with `skip` in spec/docs.toml, a chunk that downloads (`download_reason`). The
fixtures of spec/docs.toml (a compiled `model`, `x_train`, ...) run first where an example uses
their names, as on the docs pages.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import inspect
import io
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from generator.docs.examples.spec import load_example_data, fixture_setup
from generator.docs.examples.translate import download_reason

_WRAPS = re.compile(r"^Wraps `(?P<path>[\w.]+)`\.$", re.MULTILINE)


def examples_section(doc: str | None) -> str:
    """The `Examples:` section of a wrapper docstring (dedented), "" when it has none."""
    text = inspect.cleandoc(doc or "")
    if "\nExamples:\n" not in text:
        return ""
    section = text.split("\nExamples:\n", 1)[1]
    section = re.split(r"\n\nAdded in Keras ", section, maxsplit=1)[0]
    return inspect.cleandoc("\n" + section) if section.strip() else ""


def wrapped_path(doc: str | None) -> str:
    match = _WRAPS.search(inspect.cleandoc(doc or ""))
    return match.group("path") if match else ""


@dataclass
class Outcome:
    name: str
    ran: int = 0  # statements run
    compared: int = 0  # outputs upstream states, compared as numbers and equal
    uncompared: int = 0  # outputs upstream states that are no numbers
    not_run: str | None = None  # why the docstring's examples were left out
    failures: list[str] = field(default_factory=list)


def run_docstring(name: str, function: Any) -> Outcome:
    outcome = Outcome(name)
    section = examples_section(function.__doc__)
    examples = doctest.DocTestParser().get_examples(section)
    if not examples:
        outcome.not_run = "no examples"
        return outcome
    path = wrapped_path(function.__doc__)
    data = load_example_data()
    spec = data.specs.get(path)
    if spec is not None and spec.skip:
        outcome.not_run = f"spec/docs.toml: {spec.skip}"
        return outcome
    code = "\n".join(e.source for e in examples)
    reason = download_reason(code)
    if reason is not None:
        outcome.not_run = reason
        return outcome
    setup, _ = fixture_setup([code], [f for f in data.fixtures if f.serves(path)])
    namespace: dict[str, Any] = {"__name__": "__docstring__"}
    if setup:
        exec(compile(setup, f"<fixture of {path}>", "exec"), namespace)
    for number, example in enumerate(examples):
        failure = _run_one(example, namespace, outcome)
        if failure is not None:
            outcome.failures.append(f"{name} example {number}: {example.source.strip()!r}: {failure}")
            break  # later statements build on this one
    return outcome


def _run_one(example: doctest.Example, namespace: dict[str, Any], outcome: Outcome) -> str | None:
    source = example.source
    raises = _expected_error(example)
    out = io.StringIO()
    value: Any = None
    try:
        with contextlib.redirect_stdout(out):
            try:
                expression = compile(source, "<docstring>", "eval")
            except SyntaxError:
                exec(compile(source, "<docstring>", "exec"), namespace)
            else:
                value = eval(expression, namespace)
    except Exception as error:  # noqa: BLE001 - an example's error is the finding
        outcome.ran += 1
        if raises and raises in {c.__name__ for c in type(error).__mro__}:
            return None
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    outcome.ran += 1
    if raises:
        return f"upstream shows it raising {raises}; it did not"
    want = example.want.strip()
    if not want:
        return None
    expected = read_numbers(want)
    if expected is None:
        outcome.uncompared += 1
        return None
    actual = as_numbers(value) if value is not None else read_numbers(out.getvalue().strip())
    if actual is None:
        return f"upstream shows {want!r}; it gave {value!r}{out.getvalue()!r}"
    problem = compare(actual, expected, want)
    if problem is None:
        outcome.compared += 1
    return problem


def _expected_error(example: doctest.Example) -> str | None:
    if example.exc_msg is not None:
        last = example.want.strip().splitlines()[-1]
        return last.split(":", 1)[0].rsplit(".", 1)[-1]
    match = re.search(r"# raises (\w+)", example.source)
    return match.group(1) if match else None


# --- outputs as numbers --------------------------------------------------------------------------

_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
           "float16", "bfloat16", "float32", "float64", "complex64", "complex128")


def _array(data: Any = None, *args: Any, **kwargs: Any) -> Any:
    return data


def read_numbers(text: str) -> np.ndarray | None:
    """What a printed output says, as numbers; None when it is not (only) numbers."""
    text = text.strip()
    match = re.fullmatch(r"<tf\.Tensor: .*?numpy=(?P<v>.*)>", text, re.DOTALL)
    if match:
        text = match.group("v")
    match = re.fullmatch(r"tf\.Tensor\((?P<v>.*), shape=\([\d, ]*\), dtype=\w+\)", text, re.DOTALL)
    if match:
        text = match.group("v")
    text = re.sub(r",\s*shape=\([\d, ]*\)", "", text)
    if "..." in text:
        return None  # an elided output says only part of the values
    candidates = [text, re.sub(r"(?<=[\d.\]])\s+(?=[-+\d.\[])", ", ", text)]  # numpy's print form
    names = {"array": _array, "Array": _array, "tensor": _array, "nan": np.nan, "inf": np.inf,
             "True": True, "False": False, "dtype": lambda x: x, **{d: d for d in _DTYPES}}
    for candidate in candidates:
        try:
            tree = ast.parse(candidate, mode="eval")
        except SyntaxError:
            continue
        if any(isinstance(node, ast.Name) and node.id not in names for node in ast.walk(tree)):
            return None
        try:
            value = eval(compile(tree, "<output>", "eval"), {"__builtins__": {}}, names)
            numbers = np.asarray(value)
        except Exception:  # noqa: BLE001 - not numbers
            continue
        if numbers.dtype.kind in "biufc" and numbers.size:
            return numbers
    return None


def as_numbers(value: Any) -> np.ndarray | None:
    try:
        import keras

        if isinstance(value, list | tuple):
            numbers = np.asarray([keras.ops.convert_to_numpy(v) for v in value])
        else:
            numbers = np.asarray(keras.ops.convert_to_numpy(value))
    except Exception:  # noqa: BLE001 - not a tensor, nor numbers
        return None
    return numbers if numbers.dtype.kind in "biufc" else None


def compare(actual: np.ndarray, expected: np.ndarray, want: str) -> str | None:
    """None when `actual` is what upstream printed, to the digits it printed."""
    if actual.shape != expected.shape:
        if actual.size != expected.size:
            return f"upstream shows shape {expected.shape} ({want!r}); it gave {actual.shape}: {actual!r}"
        actual = actual.reshape(expected.shape)
    decimals = max((len(d) for d in re.findall(r"\d\.(\d+)(?![\de])", want)), default=0)
    atol = 1.5 * 10.0 ** -decimals if decimals else 1e-6
    if np.allclose(actual.astype(np.complex128), expected.astype(np.complex128), rtol=1e-3, atol=atol,
                   equal_nan=True):
        return None
    return f"upstream shows {want!r}; it gave {actual!r}"
