"""Types never reject what upstream accepts: every call in Keras's own docstring examples, mapped to
its keras3 wrapper, has its literal arguments checked at run time against our annotations."""

from __future__ import annotations

import ast
import importlib
import re

import pytest

from generator.package import build
from generator.drift import pinned_release
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
    binding, _ = build(store, PIN)
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
