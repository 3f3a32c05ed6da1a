"""Upstream examples in the binding's API: translate them, run them, cache and report the runs.

Keras docstrings illustrate with upstream calls (`keras.ops.add(a, b)`, `keras.layers.Dense(4)(x)`);
the keras3 docs show the same examples in the binding's API (`op_add(a, b)`, `layer_dense(x,
units=4)`), each with the output it really prints. Four stages, each a pure function of its inputs
except the runner:

* **translate** (libcst, codemod style: small visitors/transformers with one purpose each):
  `_Bindings` collects what the snippet binds and imports, `_Resolver` turns a name or dotted
  chain into a public Keras path (through the snippet's imports, names imported by an earlier
  chunk of the same docstring, or the names upstream examples take for granted: `keras`, `ops`,
  `layers`, `np`, a bare `Dense`), `_CallRewriter` maps paths to wrappers and rewrites the calls
  in each wrapper shape, `_ImportRewriter` drops the Keras imports nobody uses any more and adds
  the keras3 (and implied) imports. What has no wrapper (`keras.tree.flatten`, `model.fit`) stays
  as it is and runs with the real Keras.
* **run** in a worker process (two by default) that imports Keras once: fresh namespace per
  docstring (its chunks share it, as on a page), jax backend, fixed seed, global Keras state reset
  between docstrings, stdout captured plus the repr of each top-level expression (as a REPL shows
  it), a time limit per chunk, no network (examples that download are reported, not run), and
  output scrubbed of memory addresses, timings and temporary paths so it is byte-stable. A crash or
  hang kills only its worker, which is restarted.
* **cache** on disk by sha256 of (translated chunks, Keras release, backend, runner version): an
  unchanged example does not run again.
* **report**: how many upstream examples translate and run, and why the others do not.

Per-example data lives in `[examples."<public path>"]` of `spec/docs.toml`: `skip` (a reason: the
example is listed, not run) for examples that cannot run in a docs build.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import keyword
import os
import re
import select
import signal
import subprocess
import symtable
import sys
import tempfile
import threading
import time
import tokenize
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import libcst as cst

from generator.binding import Binding, Wrapper
from generator.docstrings import DOCS_SPEC, Example
from generator.model import Signature, Snapshot
from generator.tomlfiles import read_toml

REPO = Path(__file__).resolve().parent.parent
BACKEND = "jax"
SEED = 1337
TIME_LIMIT = 20.0  # seconds per chunk; a worker that overruns it by GRACE is killed
GRACE = 10.0
STARTUP_LIMIT = 120.0
WORKERS = 2
# Bump when the runner or the scrubbing changes what a run records: old cache entries then miss.
RUNNER_VERSION = "1"
CACHE_DIR = REPO / ".cache" / "examples"
# The target: the share of upstream examples that translate and run.
TARGET = 0.90

NEEDS_DOWNLOAD = "needs download"
_NETWORK_BLOCKED = "network access is blocked while examples run"


class ExampleSpecError(ValueError):
    """`[examples]` of spec/docs.toml is malformed; the message names the entry."""


# ---------------------------------------------------------------------------------------------
# The translation table: public Keras paths -> wrappers


@dataclass(frozen=True)
class Target:
    """What a public path becomes in the binding."""

    wrapper: Wrapper
    form: Literal["upstream", "function", "member"]  # which face of the wrapper the path is
    signature: Signature | None  # the path's upstream signature: names its positional arguments


@dataclass(frozen=True)
class TranslationTable:
    keras_version: str
    targets: Mapping[str, Target]  # public path (canonical or alias) -> target
    bases: Mapping[str, str]  # public path -> keras3 base class name (`keras.Layer` -> `Layer`)
    modules: frozenset[str]  # public module paths: `keras`, `keras.layers`, `keras.ops.nn`, ...
    symbols: frozenset[str]  # every public path
    leaves: Mapping[str, tuple[str, ...]]  # last component -> public paths ending in it
    module_leaves: Mapping[str, tuple[str, ...]]  # last component -> public modules ending in it
    canonical: Mapping[str, str]  # public path -> canonical path
    downloads: Mapping[str, str]  # wrapper name -> why calling it downloads
    imagenet: frozenset[str]  # wrapper names whose `weights` default to a download

    @classmethod
    def from_binding(cls, binding: Binding, snapshot: Snapshot) -> TranslationTable:
        symbols = snapshot.symbols
        targets: dict[str, Target] = {}

        def faces(path: str) -> list[str]:
            symbol = symbols.get(path)
            return [path, *(symbol.aliases if symbol else ())]

        def signature(path: str) -> Signature | None:
            symbol = symbols.get(path)
            return symbol.signature if symbol else None

        # Canonical paths first, aliases after: a path claimed twice keeps its canonical owner.
        claims: list[tuple[int, str, Target]] = []
        for w in binding.wrappers:
            if w.shape == "member":
                claims.append((0, f"{w.upstream}.{w.member}", Target(w, "member", None)))
                continue
            for rank, path in enumerate(faces(w.upstream)):
                claims.append((min(rank, 1), path, Target(w, "upstream", signature(w.upstream))))
            if w.function:
                for rank, path in enumerate(faces(w.function)):
                    claims.append((min(rank, 1), path, Target(w, "function", signature(w.function))))
        for _, path, target in sorted(claims, key=lambda c: (c[0], c[1], c[2].wrapper.name)):
            targets.setdefault(path, target)

        bases: dict[str, str] = {}
        for name, path in binding.bases.items():
            implementation = symbols[path].implementation if path in symbols else None
            for other in symbols.values():
                if other.path == path or (implementation and other.kind == "class"
                                          and other.implementation == implementation):
                    bases.setdefault(other.path, name)

        modules = {"keras"}
        leaves: dict[str, set[str]] = {}
        for path in symbols:
            parts = path.split(".")
            modules.update(".".join(parts[:i]) for i in range(1, len(parts)))
            leaves.setdefault(parts[-1], set()).add(path)

        module_leaves: dict[str, set[str]] = {}
        for module in modules - {"keras"}:
            module_leaves.setdefault(module.rsplit(".", 1)[1], set()).add(module)

        downloads: dict[str, str] = {}
        imagenet: set[str] = set()
        for w in binding.wrappers:
            if w.upstream.startswith("keras.datasets."):
                downloads[w.name] = f"{w.upstream} fetches its data set"
            elif w.upstream == "keras.utils.get_file" or w.upstream.endswith(".decode_predictions"):
                downloads[w.name] = f"{w.upstream} fetches a file"
            sig = signature(w.upstream)
            weights = sig.parameter("weights") if sig else None
            if weights is not None and weights.default == "'imagenet'":
                imagenet.add(w.name)
        return cls(
            keras_version=snapshot.keras_version,
            targets=dict(sorted(targets.items())),
            bases=dict(sorted(bases.items())),
            modules=frozenset(modules),
            symbols=frozenset(symbols),
            leaves={k: tuple(sorted(v)) for k, v in sorted(leaves.items())},
            module_leaves={k: tuple(sorted(v)) for k, v in sorted(module_leaves.items())},
            canonical={p: s.canonical_path for p, s in sorted(symbols.items())},
            downloads=dict(sorted(downloads.items())),
            imagenet=frozenset(imagenet),
        )

    @property
    def wrapper_names(self) -> frozenset[str]:
        return frozenset(t.wrapper.name for t in self.targets.values())


# ---------------------------------------------------------------------------------------------
# Doctest chunks -> plain code


_PROMPT = re.compile(r"^>>>(?: |$)")
_CONTINUATION = re.compile(r"^\.\.\.(?: |$)")


def doctest_source(text: str) -> str:
    """The code of a doctest chunk: prompts stripped, upstream's printed output dropped.

    A line without a prompt is output, unless the statement before it is still open (an
    unclosed bracket): upstream sometimes forgets the `...` of a continuation line.
    """
    code: list[str] = []
    statement: list[str] = []
    for line in text.splitlines():
        if _PROMPT.match(line):
            statement = [line[4:]]
            code.append(line[4:])
        elif _CONTINUATION.match(line) and statement:
            statement.append(line[4:])
            code.append(line[4:])
        elif statement and _open_brackets("\n".join(statement)):
            statement.append(line)
            code.append(line)
        else:
            statement = []
    while code and not code[-1].strip():
        code.pop()
    return "\n".join(code)


def _open_brackets(source: str) -> bool:
    """Does `source` end inside brackets (a statement continued on the next line)?"""
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return depth > 0


def is_doctest(code: str) -> bool:
    first = next((line for line in code.splitlines() if line.strip()), "")
    return first.lstrip().startswith(">>>")


# ---------------------------------------------------------------------------------------------
# Translation


@dataclass(frozen=True)
class Translation:
    """`code` is the example in the binding's API (None when it does not parse); `reason` says
    why it is not fully translated (a call that has a wrapper could not be rewritten), or None."""

    code: str | None
    reason: str | None = None
    mapped: tuple[str, ...] = ()  # upstream paths rewritten to wrappers, in order of first use
    unmapped: tuple[str, ...] = ()  # upstream paths left as they are (no wrapper)

    @property
    def ok(self) -> bool:
        return self.code is not None and self.reason is None


@dataclass(frozen=True)
class Context:
    """What the earlier chunks of the same docstring left in the shared namespace."""

    bound: frozenset[str] = frozenset()  # every name they bind
    imports: Mapping[str, str] = field(default_factory=dict)  # name -> Keras path they imported


# Names upstream examples use without importing them, and what they stand for.

_IMPLIED_IMPORTS = {
    "np": "import numpy as np",
    "tf": "import tensorflow as tf",
    **{module: f"import {module}" for module in ("os", "json", "math", "tempfile", "shutil", "time")},
}


class _Bindings(cst.CSTVisitor):
    """What a snippet binds, and which of its imports name Keras (name -> public path)."""

    def __init__(self) -> None:
        self.keras_imports: dict[str, str] = {}
        self.other_imports: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if alias.asname is not None:
                name, target = _name_of(alias.asname.name), dotted
            else:
                name = target = dotted.split(".")[0]
            (self.keras_imports if target.split(".")[0] == "keras" else self.other_imports)[name] = target
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return False
        module = _dotted(node.module)
        for alias in node.names:
            leaf = _dotted(alias.name)
            name = _name_of(alias.asname.name) if alias.asname else leaf
            target = f"{module}.{leaf}"
            (self.keras_imports if module.split(".")[0] == "keras" else self.other_imports)[name] = target
        return False


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    raise ValueError("not a dotted name")


def _name_of(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else _dotted(node)


def _names(source: str) -> tuple[set[str], set[str]]:
    """(names the code binds anywhere, names it reads that nothing in it binds), by `symtable`;
    builtins count as bound."""
    try:
        top = symtable.symtable(source, "<example>", "exec")
    except SyntaxError:
        return set(), set()
    bound: set[str] = set()
    read: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        for symbol in table.get_symbols():
            if symbol.is_referenced():
                read.add(symbol.get_name())
            if symbol.is_assigned() or symbol.is_imported() or symbol.is_parameter() or symbol.is_namespace():
                bound.add(symbol.get_name())
        tables.extend(table.get_children())
    return bound, read - bound - _BUILTINS


_BUILTINS = frozenset(dir(builtins))


class _Positions(cst.CSTVisitor):
    """Name nodes that are not references: attribute names, keywords, definitions, imports."""

    def __init__(self) -> None:
        self.other: set[int] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.other.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.other.add(id(node.keyword))

    def visit_Param(self, node: cst.Param) -> None:
        self.other.add(id(node.name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.other.add(id(node.name))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.other.add(id(node.name))


def _references(module: cst.Module) -> tuple[set[int], set[str]]:
    """(ids of the Name nodes that are references, the names they hold)."""
    positions = _Positions()
    module.visit(positions)
    ids: set[int] = set()
    names: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Name(self, node: cst.Name) -> None:
            if id(node) not in positions.other:
                ids.add(id(node))
                names.add(node.value)

    module.visit(Names())
    return ids, names


class _Resolver:
    """Names and dotted chains -> public Keras paths, for one snippet."""

    def __init__(self, table: TranslationTable, imports: Mapping[str, str], bound: set[str],
                 free: set[str], context: Context, page: str | None, tensorflow: bool) -> None:
        self.table = table
        self.free = free  # names the snippet reads and nothing binds (builtins excluded)
        self.tensorflow = tensorflow  # `tf` is TensorFlow (imported as such, or taken for granted)
        self.imports = imports  # the snippet's own Keras imports
        self.bound = bound  # names the snippet binds
        self.context = context
        self.page_modules = _page_modules(table, page)
        self.implied: dict[str, str] = {}  # root names resolved without an import in this snippet

    def root(self, name: str) -> str | None:
        if name in self.imports:
            return self.imports[name]
        if name in self.bound:
            return None
        if name in self.context.imports:
            self.implied[name] = self.context.imports[name]
            return self.context.imports[name]
        if name in self.context.bound or name not in self.free:
            return None
        path = self._implied(name)
        if path is not None:
            self.implied[name] = path
        return path

    def _implied(self, name: str) -> str | None:
        if name == "keras":
            return "keras"
        if f"keras.{name}" in self.table.modules:
            return f"keras.{name}"
        modules = self.table.module_leaves.get(name, ())
        if len(modules) == 1:  # `fashion_mnist.load_data()`
            return modules[0]
        candidates = self.table.leaves.get(name, ())
        if not candidates:
            return None

        def rank(path: str) -> tuple[bool, bool, int]:
            # the page's own module first, then anything but legacy, then the shortest path
            return (path.rsplit(".", 1)[0] not in self.page_modules, ".legacy." in path, path.count("."))

        ranked = sorted(candidates, key=lambda p: (rank(p), p))
        best = [p for p in ranked if rank(p) == rank(ranked[0])]
        if len({self.table.canonical[p] for p in best}) == 1:
            return best[0]
        return None

    def path(self, node: cst.BaseExpression, loads: set[int]) -> str | None:
        """The public path `node` names (`keras.layers.Dense`, or a deeper chain such as
        `keras.utils.FeatureSpace.cross`), or None when it is not rooted in Keras."""
        chain: list[str] = []
        while isinstance(node, cst.Attribute):
            chain.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name) or id(node) not in loads:
            return None
        chain.reverse()
        if node.value == "tf" and chain[:1] == ["keras"] and self.tensorflow:
            return ".".join(chain)  # `tf.keras.X` is `keras.X`
        root = self.root(node.value)
        if root is None:
            return None
        return ".".join([root, *chain])


def _page_modules(table: TranslationTable, page: str | None) -> set[str]:
    if page is None:
        return set()
    canonical = table.canonical.get(page, page)
    paths = [page, canonical] + [p for p, c in table.canonical.items() if c == canonical]
    return {p.rsplit(".", 1)[0] for p in paths}


@dataclass
class _Findings:
    mapped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    wrappers: set[str] = field(default_factory=set)  # keras3 names used bare
    qualified: set[str] = field(default_factory=set)  # keras3 names used as keras3.<name>

    def note(self, items: list[str], value: str) -> None:
        if value not in items:
            items.append(value)


class _CallRewriter(cst.CSTTransformer):
    """Calls of upstream paths -> calls of wrappers, in each wrapper shape; references to the
    subclassing bases -> `keras3.<Base>`; functions passed as values -> their wrapper."""

    def __init__(self, table: TranslationTable, resolver: _Resolver, loads: set[int],
                 taken: set[str], findings: _Findings) -> None:
        self.table = table
        self.resolver = resolver
        self.loads = loads
        self.taken = taken  # names the snippet binds: a wrapper of that name is used qualified
        self.findings = findings
        self.funcs: set[int] = set()
        self.inner: set[int] = set()  # Name/Attribute nodes that are part of a longer chain
        self.layers: set[int] = set()  # layer-wrapper calls produced here, without `object`

    # -- what not to touch
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self.funcs.add(id(node.func))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.inner.add(id(node.value))

    # -- calls
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(updated.func) in self.layers and isinstance(updated.func, cst.Call):
            folded = self._fold(updated.func, updated)
            if folded is not None:
                return folded
        path = self.resolver.path(original.func, self.loads)
        if path is None:
            return updated
        target = self.table.targets.get(path)
        if target is None:
            base = self.table.bases.get(path)
            if base is not None:
                self.findings.note(self.findings.mapped, path)
                return updated.with_changes(func=self._qualified(base))
            self.findings.note(self.findings.unmapped, path)
            return updated
        args, reason = _arguments(target, path, updated.args)
        if reason is not None:
            self.findings.note(self.findings.reasons, reason)
            return updated
        self.findings.note(self.findings.mapped, path)
        call = updated.with_changes(func=self._wrapper(target.wrapper.name), args=args)
        if target.wrapper.shape == "layer" and target.form == "upstream":
            self.layers.add(id(call))
        return call

    def _fold(self, inner: cst.Call, outer: cst.Call) -> cst.Call | None:
        """`layer_dense(units=4)(x)` -> `layer_dense(x, units=4)`: one positional argument only
        (a layer called with options, `layer(x, training=True)`, stays a call of the layer)."""
        if len(outer.args) != 1 or outer.args[0].keyword is not None or outer.args[0].star:
            return None
        first = outer.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        rest = list(inner.args)
        if rest:
            first = first.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return inner.with_changes(args=[first, *rest])

    # -- values
    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        return self._value(original, updated)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if id(original) not in self.loads:
            return updated
        return self._value(original, updated)

    def _value(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        if id(original) in self.funcs or id(original) in self.inner:
            return updated
        path = self.resolver.path(original, self.loads)
        if path is None:
            return updated
        base = self.table.bases.get(path)
        if base is not None:
            self.findings.note(self.findings.mapped, path)
            return self._qualified(base)
        target = self.table.targets.get(path)
        if target is not None and target.wrapper.shape in ("function", "member"):
            self.findings.note(self.findings.mapped, path)
            return self._wrapper(target.wrapper.name)
        if path in self.table.symbols:
            self.findings.note(self.findings.unmapped, path)
        return updated

    def _wrapper(self, name: str) -> cst.BaseExpression:
        if name in self.taken:
            return self._qualified(name)
        self.findings.wrappers.add(name)
        return cst.Name(name)

    def _qualified(self, name: str) -> cst.BaseExpression:
        self.findings.qualified.add(name)
        return cst.Attribute(value=cst.Name("keras3"), attr=cst.Name(name))


def _arguments(target: Target, path: str, args: Sequence[cst.Arg]) -> tuple[Sequence[cst.Arg], str | None]:
    """The call's arguments as the wrapper takes them, or a reason it cannot take them."""
    wrapper = target.wrapper
    if target.form == "member" or wrapper.shape in ("function", "constructor"):
        return args, None
    positional = [a for a in args if a.keyword is None and not a.star]
    if any(a.star == "*" for a in args):
        return args, f"{path} is called with *args: cannot name them for {wrapper.name}"
    keep = 0  # leading positional arguments the wrapper takes by position
    if wrapper.shape == "dual":
        keep = 2 if target.form == "function" else 0
    elif wrapper.shape == "layer":
        keep = 1 if target.form == "function" else 0  # `layers.add([a, b])`: the inputs are `object`
    names = target.signature.positional_names() if target.signature else ()
    if target.form == "function" and wrapper.shape == "layer":
        names = names[1:]
        positional = positional[keep:]
    elif target.form == "function":
        names = names[2:]
        positional = positional[keep:]
    if len(positional) > len(names):
        return args, f"{path} takes {len(names)} positional arguments that {wrapper.name} can name, got {len(positional)}"
    accepted = {p.name for p in wrapper.params}
    takes_any = any(p.kind == "var_keyword" for p in wrapper.params)
    upstream_names = {p.name for p in target.signature.parameters} if target.signature else set()
    upstream_any = target.signature is None or any(p.kind == "var_keyword" for p in target.signature.parameters)
    renamed: dict[int, str] = {id(a): n for a, n in zip(positional, names)}
    given = [renamed.get(id(a)) or (a.keyword.value if a.keyword else None) for a in args]
    for name in given:
        if name is not None and name not in accepted and not takes_any:
            if name in upstream_names or upstream_any:
                return args, f"{wrapper.name} has no parameter {name!r} ({path} has)"
            return args, f"upstream bug: {path} has no parameter {name!r}"
    out: list[cst.Arg] = []
    for arg in args:
        name = renamed.get(id(arg))
        if name is not None:
            arg = arg.with_changes(keyword=cst.Name(name), equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
        out.append(arg)
    return out, None


class _ImportRewriter(cst.CSTTransformer):
    """Drops Keras imports whose names are no longer read; adds the keras3 and implied imports."""

    def __init__(self, unused: set[str], added: list[str]) -> None:
        self.unused = unused
        self.added = added

    def leave_Import(self, original: cst.Import, updated: cst.Import
                     ) -> cst.Import | cst.RemovalSentinel:
        names = [a for a in updated.names if not self._drop(_bound_name(a, True), _dotted(a.name))]
        return self._rebuilt(updated, names)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if updated.module is None or isinstance(updated.names, cst.ImportStar):
            return updated
        module = _dotted(updated.module)
        names = [a for a in updated.names if not self._drop(_bound_name(a, False), module)]
        return self._rebuilt(updated, names)

    def _drop(self, name: str, module: str) -> bool:
        return module.split(".")[0] == "keras" and name in self.unused

    @staticmethod
    def _rebuilt(node: Any, names: list[cst.ImportAlias]) -> Any:
        if not names:
            return cst.RemoveFromParent()
        if len(names) == len(node.names):
            return node
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        changes: dict[str, Any] = {"names": names}
        if isinstance(node, cst.ImportFrom) and node.lpar is not None and len(names) == 1:
            changes.update(lpar=None, rpar=None)
        return node.with_changes(**changes)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self.added:
            return updated
        body = list(updated.body)
        at = 0
        while at < len(body) and _is_import(body[at]):
            at += 1
        new = [cst.parse_statement(line + "\n") for line in self.added]
        header = list(updated.header)
        if at == 0 and body and any(isinstance(line, cst.EmptyLine) and line.comment for line in header):
            # a leading comment introduces the code, not the imports: keep it with the code
            body[0] = body[0].with_changes(leading_lines=[*header, *body[0].leading_lines])
            return updated.with_changes(header=[], body=[*new, *body])
        return updated.with_changes(body=[*body[:at], *new, *body[at:]])


def _is_import(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine)
            and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
            and not statement.leading_lines)


def _bound_name(alias: cst.ImportAlias, plain_import: bool) -> str:
    if alias.asname is not None:
        return _name_of(alias.asname.name)
    dotted = _dotted(alias.name)
    return dotted.split(".")[0] if plain_import else dotted


def _import_line(name: str, path: str) -> str:
    """The import that binds `name` to the Keras path `path`."""
    if name == path:
        return f"import {name}"
    parent, _, leaf = path.rpartition(".")
    if not parent:
        return f"import {path} as {name}"
    return f"from {parent} import {leaf}" + ("" if leaf == name else f" as {name}")


def translate(code: str, table: TranslationTable, *, page: str | None = None,
              context: Context | None = None) -> Translation:
    """An upstream example (a doctest chunk or plain code) in the binding's API.

    `page` is the public path whose docstring holds the example (it decides what a bare name
    such as `relu` means); `context` is what earlier chunks of that docstring left bound.
    """
    return _translate(code, table, page, context or Context())[0]


def _translate(code: str, table: TranslationTable, page: str | None, context: Context
               ) -> tuple[Translation, set[str], dict[str, str]]:
    source = doctest_source(code) if is_doctest(code) else code
    try:
        module = cst.parse_module(source.strip("\n") + "\n")
    except cst.ParserSyntaxError as error:
        message = str(error).strip().splitlines()
        where = f" (line {error.raw_line})" if error.raw_line else ""
        return Translation(None, f"upstream example is not valid Python{where}: {message[0] if message else error}"), set(), {}
    bindings = _Bindings()
    module.visit(bindings)
    bound, free = _names(module.code)
    loads, _ = _references(module)
    tensorflow = bindings.other_imports.get("tf") == "tensorflow" or ("tf" in free and "tf" not in context.bound)
    resolver = _Resolver(table, bindings.keras_imports, bound - set(bindings.keras_imports), free, context,
                         page, tensorflow)
    findings = _Findings()
    taken = bound | set(context.bound)
    rewritten = module.visit(_CallRewriter(table, resolver, loads, taken, findings))

    # Which Keras-bound names are still read, and which read names nothing binds any more.
    _, read = _references(rewritten)
    own = set(bindings.keras_imports)
    unused = {name for name in own if name not in read}
    added: list[str] = []
    for name in sorted(read & set(_IMPLIED_IMPORTS)):
        if name not in bound:
            added.append(_IMPLIED_IMPORTS[name])
    for name, path in sorted(resolver.implied.items()):
        if name in read and name not in own and name not in bound:
            added.append(_import_line(name, path))
    if findings.qualified and "keras3" not in bound:
        added.append("import keras3")
    if findings.wrappers:
        added.append(f"from keras3 import {', '.join(sorted(findings.wrappers))}")
    rewritten = rewritten.visit(_ImportRewriter(unused, added))
    reason = "; ".join(findings.reasons) or None
    translation = Translation(rewritten.code.rstrip("\n"), reason, tuple(findings.mapped), tuple(findings.unmapped))
    return translation, bound, dict(bindings.keras_imports)


def translate_chunks(chunks: Sequence[str], table: TranslationTable, page: str | None = None
                     ) -> list[Translation]:
    """The chunks of one docstring, in order; each sees what the earlier ones bound."""
    results: list[Translation] = []
    bound: set[str] = set()
    imports: dict[str, str] = {}
    for code in chunks:
        result, names, keras_imports = _translate(code, table, page, Context(frozenset(bound), dict(imports)))
        results.append(result)
        bound |= names
        imports.update(keras_imports)
    return results
