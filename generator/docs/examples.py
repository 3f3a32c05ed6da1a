"""Upstream examples in the binding's API: translate them, run them, cache and report the runs.

Keras docstrings illustrate with upstream calls (`keras.ops.add(a, b)`, `keras.layers.Dense(4)(x)`);
the keras3 docs show the same examples in the binding's API (`op_add(a, b)`, `layer_dense(x,
units=4)`), each with the output it really prints. An example is one doctest run or code block of
a docstring's examples section, keyed by (public path, index in `ParsedDoc.examples`).

* **translate** (libcst, codemod style: small visitors and transformers, one purpose each):
  `_Bindings` collects a snippet's imports, `_References` its variable reads, `_Resolver` turns a
  name or dotted chain into a public Keras path (through the snippet's imports, those of earlier
  chunks of the same docstring, or the names upstream examples take for granted: `keras`, `ops`,
  `layers`, a bare `Dense`), `_CallRewriter` maps paths to wrappers and rewrites calls in each
  wrapper shape, `_TensorNumpyRewriter` makes `tensor.numpy()` backend-neutral, `_ImportRewriter`
  drops the Keras imports nothing reads any more and adds keras3's (and `np`, `os`, ... when the
  example takes them for granted). What has no wrapper (`keras.tree.flatten`, `model.fit`) stays
  and runs with the real Keras. A translation is complete when every call that has a wrapper was
  rewritten; otherwise `Translation.reason` says why.
* **run** (`ExampleRunner`): worker processes (two) that import Keras once and run one docstring
  at a time in a fresh namespace (its chunks share it, as on a page), jax backend, seed
  `SEED`, Keras' global state reset in between; stdout plus the repr of each top-level expression
  (as a REPL shows it); a statement upstream shows raising (`# raises ...`) may raise; a time
  limit per chunk; no network (examples that download are reported, not run) and a private
  `/tmp`; output scrubbed of addresses, timings and temporary paths so it is byte-stable. A crash
  or hang costs only its chunk: the worker is killed and restarted.
* **cache** on disk: runs by sha256 of (the docstring's translated chunks, Keras release, backend,
  `RUNNER_VERSION`), translations by (chunks, translation table, this module's source). An
  unchanged example neither translates nor runs again.
* **report**: how many upstream examples translate and run; a failing one is run again as upstream
  wrote it, so each reason says whose it is (upstream's, the docs environment's, or ours).

Per-example data is in `spec/docs.toml`: `[examples."<public path>"] skip = "reason"` (listed,
not run) and `[[examples.fixture]]` (code that defines what fragments assume, such as a compiled
`model` or `x_train`; it runs before the examples that need it and is shown as their setup).

    python -m generator.docs.examples [--workers N] [--limit N]    the report for the pinned release
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import functools
import hashlib
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import symtable
import sys
import tempfile
import threading
import time
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Self

import libcst as cst

from generator.binding.model import Binding, Wrapper
from generator.binding.docstrings.model import Example
from generator.binding.docstrings.patches import DOCS_SPEC
from generator.upstream.model import Signature, Snapshot
from generator.settings import CACHE, REPO_ROOT as REPO
from generator.tomlfiles import read_toml

BACKEND = "jax"
SEED = 1337
TIME_LIMIT = 20.0  # seconds per chunk; a worker that overruns it by GRACE is killed
# A docstring whose chunk overran TIME_LIMIT beside other work (a loaded machine, the other
# worker) runs again alone with this limit before anyone is blamed: wall-clock time on a shared
# machine says nothing about the translation, so a time-out never counts as the translator's.
RETRY_LIMIT = 300.0
GRACE = 10.0
STARTUP_LIMIT = 120.0
WORKERS = 2
# Bump when the runner or the scrubbing changes what a run records: old cache entries then miss.
RUNNER_VERSION = "2"
CACHE_DIR = CACHE / "examples"
JAX_CACHE_DIR = CACHE / "jax"  # XLA executables the workers compiled (jax's own cache)
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
    families: frozenset[str]  # keras3 submodules (`keras3.config`): a wrapper of that name is
    # reached through its family module, since `from keras3 import config` may give the module
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
            if w.deprecation is not None:
                continue  # a kept name is never what an example translates to
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
            families=frozenset(binding.families),
            downloads=dict(sorted(downloads.items())),
            imagenet=frozenset(imagenet),
        )

    @functools.cached_property
    def paths_of(self) -> Mapping[str, tuple[str, ...]]:
        """Canonical path -> every public path of that object."""
        paths: dict[str, list[str]] = {}
        for path, canonical in self.canonical.items():
            paths.setdefault(canonical, []).append(path)
        return {k: tuple(v) for k, v in paths.items()}

    @functools.cached_property
    def digest(self) -> str:
        """What translation depends on, hashed: with the translator's own source, it keys the
        translation cache."""
        summary = {
            "keras": self.keras_version,
            "symbols": sorted(self.canonical.items()),
            "targets": {p: [t.wrapper.name, t.wrapper.shape, t.wrapper.family, t.form,
                            [(q.name, q.kind) for q in t.wrapper.params],
                            list(t.signature.positional_names()) if t.signature else None]
                        for p, t in self.targets.items()},
            "bases": dict(self.bases), "families": sorted(self.families),
            "downloads": dict(self.downloads), "imagenet": sorted(self.imagenet),
        }
        return hashlib.sha256(json.dumps(summary, sort_keys=True).encode("utf-8")).hexdigest()

    def exists(self, path: str) -> bool:
        """Is `path` public, or an attribute of something public (`keras.layers.Dense.from_config`)?"""
        parts = path.split(".")
        prefixes = (".".join(parts[:n]) for n in range(len(parts), 0, -1))
        return path in self.modules or any(prefix in self.symbols for prefix in prefixes)

    def repair(self, path: str) -> str | None:
        """The public path meant by a Keras path that does not exist (`keras.backend.Variable`,
        `keras.image.crop_images`: upstream examples name old or misspelt modules), when its last
        name settles it: one public object, or the one nearest the path written."""
        if self.exists(path) or path.split(".")[0] != "keras":
            return None
        candidates = self.leaves.get(path.rsplit(".", 1)[-1], ())
        if not candidates:
            return None
        parts = path.split(".")

        def shared(other: str) -> int:
            return next((i for i, (a, b) in enumerate(zip(parts, other.split("."))) if a != b),
                        min(len(parts), other.count(".") + 1))

        best = max(shared(c) for c in candidates)
        near = [c for c in candidates if shared(c) == best]
        canonical = {self.canonical[c] for c in near}
        return min(near, key=lambda c: (c.count("."), c)) if len(canonical) == 1 else None


# ---------------------------------------------------------------------------------------------
# Doctest chunks -> plain code


_PROMPT = re.compile(r"^>>>(?: |$)")
_CONTINUATION = re.compile(r"^\.\.\.(?: |$)")


def doctest_source(text: str) -> str:
    """The code of a doctest chunk: prompts stripped, upstream's printed output dropped.

    A line without a prompt is output, unless the statement before it is still open (an
    unclosed bracket): upstream sometimes forgets the `...` of a continuation line. A statement
    whose output is a traceback gets a `# raises <Error>` comment: the runner expects it to raise.
    """
    code: list[str] = []
    statement: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if statement and code and line.startswith("Traceback (most recent call last)"):
            error = next((m.group(1) for later in lines[number + 1:]
                          if (m := re.match(r"^([A-Za-z_][\w.]*(?:Error|Exception)):", later))), "an error")
            code[-1] = f"{code[-1]}  # raises {error.rsplit('.', 1)[-1]}"
            statement = []
            continue
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
    notes: tuple[str, ...] = ()  # what the translation read differently from the text

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
    "numpy": "import numpy",
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


class _References(cst.CSTVisitor):
    """Name nodes that are references (not attribute names, keywords, definitions or imports).

    A parent is visited before its children, so the positions that are not references are known
    by the time their Name is visited: one pass."""

    def __init__(self) -> None:
        self.other: set[int] = set()
        self.ids: set[int] = set()
        self.names: set[str] = set()

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

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.other:
            self.ids.add(id(node))
            self.names.add(node.value)


def _references(module: cst.Module) -> tuple[set[int], set[str]]:
    """(ids of the Name nodes that are references, the names they hold)."""
    visitor = _References()
    module.visit(visitor)
    return visitor.ids, visitor.names


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
        self.repairs: dict[str, str] = {}  # paths that do not exist -> the public path read instead

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
        if name in _IMPLIED_IMPORTS:  # `numpy` is NumPy, not `keras.ops.numpy`
            return None
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
        path = ".".join([root, *chain])
        if path.startswith("keras.src."):  # `from keras.src import ops`: the public path, if any
            public = "keras." + path.removeprefix("keras.src.")
            if public in self.table.symbols or public in self.table.modules:
                return public
        repaired = self.table.repair(path)
        if repaired is not None:
            self.repairs[path] = repaired
            return repaired
        return path


def _page_modules(table: TranslationTable, page: str | None) -> set[str]:
    """The modules the page's object lives in, under any of its public paths."""
    if page is None:
        return set()
    canonical = table.canonical.get(page, page)
    paths = [page, canonical, *table.paths_of.get(canonical, ())]
    return {p.rsplit(".", 1)[0] for p in paths}


@dataclass
class _Findings:
    mapped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    wrappers: set[str] = field(default_factory=set)  # keras3 names used bare
    qualified: set[str] = field(default_factory=set)  # keras3 names used as keras3.<name>
    modules: set[str] = field(default_factory=set)  # keras3 family modules used as keras3.<family>
    notes: list[str] = field(default_factory=list)

    def note(self, items: list[str], value: str) -> None:
        if value not in items:
            items.append(value)


class _Keras3Names:
    """How the translated code names a keras3 object, recording the import each needs."""

    def __init__(self, table: TranslationTable, taken: set[str], findings: _Findings) -> None:
        self.table = table
        self.taken = taken  # names the snippet binds: a wrapper of that name is used qualified
        self.findings = findings

    def wrapper(self, target: Target) -> cst.BaseExpression:
        name = target.wrapper.name
        if name in self.table.families:  # `from keras3 import config` may give the module
            self.findings.modules.add(target.wrapper.family)
            family = cst.Attribute(value=cst.Name("keras3"), attr=cst.Name(target.wrapper.family))
            return cst.Attribute(value=family, attr=cst.Name(name))
        if name in self.taken:
            return self.qualified(name)
        self.findings.wrappers.add(name)
        return cst.Name(name)

    def qualified(self, name: str) -> cst.BaseExpression:
        self.findings.qualified.add(name)
        return cst.Attribute(value=cst.Name("keras3"), attr=cst.Name(name))


class _CallRewriter(cst.CSTTransformer):
    """Calls of upstream paths -> calls of wrappers, in each wrapper shape; references to the
    subclassing bases -> `keras3.<Base>`; functions passed as values -> their wrapper."""

    def __init__(self, table: TranslationTable, resolver: _Resolver, loads: set[int],
                 names: _Keras3Names, findings: _Findings) -> None:
        self.table = table
        self.resolver = resolver
        self.loads = loads
        self.names = names
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
                return updated.with_changes(func=self.names.qualified(base))
            self.findings.note(self.findings.unmapped, path)
            return updated
        args, reason = _arguments(target, path, updated.args)
        if reason is not None:
            self.findings.note(self.findings.reasons, reason)
            return updated
        self.findings.note(self.findings.mapped, path)
        call = updated.with_changes(func=self.names.wrapper(target), args=args)
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
            return self.names.qualified(base)
        target = self.table.targets.get(path)
        if target is not None and target.wrapper.shape in ("function", "member"):
            self.findings.note(self.findings.mapped, path)
            return self.names.wrapper(target)
        if path in self.table.symbols:
            self.findings.note(self.findings.unmapped, path)
        return updated


class _TensorNumpyRewriter(cst.CSTTransformer):
    """`tensor.numpy()` (a TensorFlow and torch tensor method, which jax arrays lack) ->
    `op_convert_to_numpy(tensor)`, which converts a tensor of any backend."""

    NOTE = "tensor.numpy() is read as keras.ops.convert_to_numpy(tensor), which every backend supports"

    def __init__(self, table: TranslationTable, resolver: _Resolver, loads: set[int],
                 names: _Keras3Names, findings: _Findings) -> None:
        self.target = table.targets.get("keras.ops.convert_to_numpy")
        self.resolver = resolver
        self.loads = loads
        self.names = names
        self.findings = findings

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if (self.target is None or updated.args or not isinstance(func, cst.Attribute)
                or func.attr.value != "numpy" or self.resolver.path(func.value, self.loads) is not None):
            return updated
        self.findings.note(self.findings.notes, self.NOTE)
        return cst.Call(func=self.names.wrapper(self.target), args=[cst.Arg(func.value)])


def _arguments(target: Target, path: str, args: Sequence[cst.Arg]) -> tuple[Sequence[cst.Arg], str | None]:
    """The call's arguments as the wrapper takes them, or a reason it cannot take them.

    Function and constructor wrappers take upstream's parameters as upstream does. A layer or a
    loss/metric class takes its own parameters by keyword only, so positional arguments get the
    names of the upstream signature; their function forms keep the leading arguments the wrapper
    takes by position (`layers.add([a, b])`: the inputs; `losses.huber(y_true, y_pred)`)."""
    wrapper = target.wrapper
    if target.form == "member" or wrapper.shape in ("function", "constructor"):
        return args, None
    if any(a.star == "*" for a in args):
        return args, f"{path} is called with *args: cannot name them for {wrapper.name}"
    by_position = 0 if target.form == "upstream" else (1 if wrapper.shape == "layer" else 2)
    positional = [a for a in args if a.keyword is None and not a.star][by_position:]
    names = (target.signature.positional_names() if target.signature else ())[by_position:]
    if len(positional) > len(names):
        return args, (f"{path} takes {len(names)} positional arguments that {wrapper.name} can name, "
                      f"got {len(positional)}")
    accepted = {p.name for p in wrapper.params}
    takes_any = any(p.kind == "var_keyword" for p in wrapper.params)
    upstream_names = {p.name for p in target.signature.parameters} if target.signature else set()
    upstream_any = target.signature is None or any(
        p.kind == "var_keyword" for p in target.signature.parameters)
    renamed: dict[int, str] = {id(a): n for a, n in zip(positional, names)}
    for arg in args:
        name = renamed.get(id(arg)) or (arg.keyword.value if arg.keyword else None)
        if name is not None and name not in accepted and not takes_any:
            if name in upstream_names or upstream_any:
                return args, f"{wrapper.name} has no parameter {name!r} ({path} has)"
            return args, f"upstream bug: {path} has no parameter {name!r}"
    none = cst.SimpleWhitespace("")
    tight = cst.AssignEqual(whitespace_before=none, whitespace_after=none)
    return [arg.with_changes(keyword=cst.Name(renamed[id(arg)]), equal=tight) if id(arg) in renamed else arg
            for arg in args], None


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
        return Translation(None, _syntax_reason(source, error)), set(), {}
    bindings = _Bindings()
    module.visit(bindings)
    bound, free = _names(module.code)
    loads, _ = _references(module)
    tensorflow = (bindings.other_imports.get("tf") == "tensorflow"
                  or ("tf" in free and "tf" not in context.bound))
    resolver = _Resolver(table, bindings.keras_imports, bound - set(bindings.keras_imports), free, context,
                         page, tensorflow)
    findings = _Findings()
    names = _Keras3Names(table, bound | set(context.bound), findings)
    rewritten = module.visit(_CallRewriter(table, resolver, loads, names, findings))
    loads, _ = _references(rewritten)
    rewritten = rewritten.visit(_TensorNumpyRewriter(table, resolver, loads, names, findings))

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
    if findings.qualified and not findings.modules and "keras3" not in bound:
        added.append("import keras3")
    added += [f"import keras3.{module}" for module in sorted(findings.modules)]
    if findings.wrappers:
        added.append(f"from keras3 import {', '.join(sorted(findings.wrappers))}")
    rewritten = rewritten.visit(_ImportRewriter(unused, added))
    reason = "; ".join(findings.reasons) or None
    notes = [f"upstream names {old}, which Keras {table.keras_version} lacks: read as {new}"
             for old, new in sorted(resolver.repairs.items())]
    notes += findings.notes
    translation = Translation(rewritten.code.rstrip("\n"), reason, tuple(findings.mapped),
                              tuple(findings.unmapped), tuple(notes))
    return translation, bound, dict(bindings.keras_imports)


def _syntax_reason(source: str, error: cst.ParserSyntaxError) -> str:
    """Why the example is not Python, in Python's words where it has some."""
    try:
        compile(source, "<example>", "exec", flags=ast.PyCF_ONLY_AST)
    except SyntaxError as problem:
        line = (problem.text or "").strip()
        return (f"upstream example is not valid Python (line {problem.lineno}: {line!r}): {problem.msg}"
                if line else f"upstream example is not valid Python (line {problem.lineno}): {problem.msg}")
    return f"upstream example is not valid Python (line {error.raw_line}): {error.message}"


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


# ---------------------------------------------------------------------------------------------
# Examples that would download


def download_reason(code: str, table: TranslationTable | None = None) -> str | None:
    """Why running `code` would fetch something from the network, or None.

    With the table, wrappers are known by name (data sets, `get_file`, `decode_predictions`,
    application models whose `weights` default to ImageNet weights); without it, upstream names
    are recognised by shape. Whatever slips through meets the worker's network block instead.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node.func)
        leaf = callee.rsplit(".", 1)[-1]
        weights = next((k.value for k in node.keywords if k.arg == "weights"), None)
        if isinstance(weights, ast.Constant) and weights.value == "imagenet":
            return f"{NEEDS_DOWNLOAD}: {callee}(weights='imagenet') fetches pretrained weights"
        if table is not None and leaf in table.downloads:
            return f"{NEEDS_DOWNLOAD}: {table.downloads[leaf]}"
        if table is not None and leaf in table.imagenet and weights is None:
            return f"{NEEDS_DOWNLOAD}: {leaf}() fetches pretrained ImageNet weights by default"
        if ".datasets." in f".{callee}" and leaf in ("load_data", "get_word_index", "get_label_names"):
            return f"{NEEDS_DOWNLOAD}: {callee} fetches its data set"
        if leaf in ("get_file", "decode_predictions", "from_preset"):
            return f"{NEEDS_DOWNLOAD}: {callee} fetches a file"
    return None


def _callee(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


# ---------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class Run:
    output: str
    ok: bool
    error: str | None = None


_ADDRESS = re.compile(r"\b(at|id=|object at) 0x[0-9a-fA-F]+")
_HEX_ID = re.compile(r"0x[0-9a-fA-F]{8,}")
# a progress bar's elapsed time and time per step (`1/1 ━━━━ 0s 45ms/step - loss: 0.14`)
_TIMING = re.compile(r" +\d+(?:\.\d+)?(?:ms|us|µs|s)(?:/step|/sample)?(?= |$)")
_ETA = re.compile(r" +ETA: \S+")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TMP_NAME = re.compile(r"(/tmp|<tmp>)/tmp[\w-]{6,}")
# Python ids printed in decimal at the start of a line (`  139978357967952: TensorSpec(...)`, the
# captures TensorFlow lists for an exported function)
_DECIMAL_ID = re.compile(r"^(\s*)\d{12,}(?=: )", re.MULTILINE)


def scrub(text: str, paths: Iterable[tuple[str, str]] = ()) -> str:
    """Output without what changes from run to run: memory addresses (` at 0x7f…` -> ` at 0x…`),
    progress-bar timings, temporary paths, terminal escapes and trailing spaces."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    # a progress bar rewritten in place (`\r`) shows its last state
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    for old, new in paths:
        if old:
            text = text.replace(old, new)
    text = _TMP_NAME.sub(r"\1/tmp…", text)
    text = _ADDRESS.sub(lambda m: f"{m.group(1)} 0x…", text)
    text = _HEX_ID.sub("0x…", text)
    text = _DECIMAL_ID.sub(r"\1…", text)
    lines = []
    for line in text.split("\n"):
        if "/step" in line or "━" in line or "ETA" in line:
            line = _TIMING.sub("", _ETA.sub("", line))
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


# A comment that says the statement raises (`# raises TypeError`, `# This will raise an error.`).
_EXPECTS_ERROR = re.compile(r"#[^\n]*\braises?\b", re.IGNORECASE)


class _Timeout(BaseException):
    """Raised in the worker when an example overruns its time limit (not an Exception, so an
    example's `except Exception` cannot swallow it)."""


def _worker_main() -> None:  # pragma: no cover - runs in the worker process
    """The worker: imports Keras once, then runs the sessions it reads from stdin, one JSON
    line each, and writes one JSON line per chunk to its (private) protocol pipe."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)  # C-level writes (XLA, TensorFlow) must not reach the protocol
    os.dup2(null, 2)
    _block_network()
    home = os.environ["KERAS3_EXAMPLES_HOME"]
    os.chdir(home)
    state = _State()
    protocol.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        job = json.loads(line)
        workdir = tempfile.mkdtemp(dir=home, prefix="run")
        os.chdir(workdir)
        state.reset(job["seed"])
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        os.mkdir(os.path.join(workdir, "tmp"))
        paths = [(workdir + "/tmp", "/tmp"), (workdir + "/", ""), (workdir, "."), (home, "<tmp>")]
        for code in job["chunks"]:
            run = _execute(code, namespace, job["limit"], paths, workdir + "/tmp")
            protocol.write(json.dumps(asdict(run)) + "\n")
        os.chdir(home)
        shutil.rmtree(workdir, ignore_errors=True)
        protocol.write(json.dumps({"done": True}) + "\n")


def _block_network() -> None:  # pragma: no cover - runs in the worker process
    import socket

    def refuse(*args: object, **kwargs: object) -> Any:
        raise OSError(_NETWORK_BLOCKED)

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


class _State:  # pragma: no cover - runs in the worker process
    """Keras and process state an example may change, captured once and restored before each
    docstring's examples, so that no example sees another's settings."""

    def __init__(self) -> None:
        import warnings

        import keras
        import numpy as np

        self.keras = keras
        self.np = np
        self.warnings = warnings
        keras.ops.add(1, 1)  # initialise the backend now, not in the first example
        config = keras.config
        self.config = {
            "floatx": config.floatx(), "epsilon": config.epsilon(),
            "image_data_format": config.image_data_format(),
            "dtype_policy": config.dtype_policy().name,
            "interactive": config.is_interactive_logging_enabled(),
            "traceback": config.is_traceback_filtering_enabled(),
            "max_epochs": config.max_epochs(), "max_steps": config.max_steps_per_epoch(),
        }
        self.printoptions = np.get_printoptions()
        self.environ = dict(os.environ)
        self.filters = list(warnings.filters)
        self.path = list(sys.path)
        from keras.src.saving import object_registration

        self.registry = object_registration
        self.custom = dict(object_registration.GLOBAL_CUSTOM_OBJECTS)
        self.names = dict(object_registration.GLOBAL_CUSTOM_NAMES)
        self.resets = 0
        keras.utils.set_random_seed(SEED)  # imports TensorFlow (to seed it) once, here

    def reset(self, seed: int) -> None:
        keras, config, saved = self.keras, self.keras.config, self.config
        self.resets += 1
        # A full garbage collection costs ~0.1 s; every docstring would pay it for nothing.
        keras.utils.clear_session(free_memory=self.resets % 32 == 0)
        config.set_floatx(saved["floatx"])
        config.set_epsilon(saved["epsilon"])
        config.set_image_data_format(saved["image_data_format"])
        config.set_dtype_policy(saved["dtype_policy"])
        (config.enable_interactive_logging if saved["interactive"] else config.disable_interactive_logging)()
        (config.enable_traceback_filtering if saved["traceback"] else config.disable_traceback_filtering)()
        config.set_max_epochs(saved["max_epochs"])
        config.set_max_steps_per_epoch(saved["max_steps"])
        self.np.set_printoptions(**self.printoptions)
        os.environ.clear()
        os.environ.update(self.environ)
        self.warnings.filters[:] = self.filters
        sys.path[:] = self.path
        for registry, saved_registry in ((self.registry.GLOBAL_CUSTOM_OBJECTS, self.custom),
                                         (self.registry.GLOBAL_CUSTOM_NAMES, self.names)):
            registry.clear()
            registry.update(saved_registry)
        keras.utils.set_random_seed(seed)


def _execute(code: str, namespace: dict[str, Any], limit: float, paths: Sequence[tuple[str, str]],
             tmp: str = "/tmp") -> Run:  # pragma: no cover - runs in the worker
    """Run one chunk as a REPL would: statement by statement, showing the repr of each
    top-level expression's value; stop at the first exception.

    Paths the example writes under `/tmp/...` go to `tmp` instead (its session's own directory,
    removed afterwards; the output still says `/tmp`): one run cannot leave files for the next.
    """
    out = io.StringIO()
    try:
        tree = _PrivateTmp(tmp).visit(ast.parse(code))
    except SyntaxError as error:
        return Run("", False, f"SyntaxError: {error.msg} (line {error.lineno})")

    def display(value: object) -> None:
        if value is not None:
            out.write(repr(value) + "\n")

    def overrun(signum: int, frame: object) -> None:
        raise _Timeout()

    saved = sys.stdout, sys.displayhook, signal.signal(signal.SIGALRM, overrun)
    sys.stdout, sys.displayhook = out, display
    error: str | None = None
    lines = code.splitlines()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        for statement in tree.body:
            if isinstance(statement, ast.Expr):
                compiled = compile(ast.Interactive(body=[statement]), "<example>", "single")
            else:
                compiled = compile(ast.Module(body=[statement], type_ignores=[]), "<example>", "exec")
            source = "\n".join(lines[statement.lineno - 1:statement.end_lineno or statement.lineno])
            try:
                exec(compiled, namespace)  # noqa: S102 - running examples is the point
            except Exception as problem:
                if not _EXPECTS_ERROR.search(source):
                    raise
                # upstream shows this statement raising: so does the page, as a REPL would
                out.write(f"Traceback (most recent call last):\n  ...\n{_describe(problem)}\n")
    except _Timeout:
        error = f"timed out after {limit:g} s"
    except BaseException as problem:  # noqa: BLE001 - an example may raise anything, SystemExit too
        error = _describe(problem)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.displayhook = saved[0], saved[1]
        signal.signal(signal.SIGALRM, saved[2])
    if error is not None:
        error = scrub(error, paths)
    return Run(scrub(out.getvalue(), paths), error is None, error)


class _PrivateTmp(ast.NodeTransformer):
    """String constants naming `/tmp` or a path under it -> the same path under `tmp`."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        value = node.value
        if isinstance(value, str) and (value == "/tmp" or value.startswith("/tmp/")):
            return ast.copy_location(ast.Constant(self.tmp + value[4:]), node)
        return node


def _describe(problem: BaseException) -> str:
    seen: BaseException | None = problem
    while seen is not None:
        if _NETWORK_BLOCKED in str(seen):
            return f"{NEEDS_DOWNLOAD}: the example reached for the network"
        seen = seen.__cause__ or seen.__context__
    lines = str(problem).strip().splitlines()
    message = next((line.strip() for line in lines if line.strip()), "")
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{type(problem).__name__}: {message}" if message else type(problem).__name__


class _Worker:
    """One worker process, restarted after a crash or a kill."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        self.lock = threading.Lock()  # one user at a time: a warm-up start or a session

    def warm_up(self) -> None:
        """Start the process now (it imports Keras), so that it is ready when work comes."""
        with self.lock:
            if self.process is None:
                try:
                    self._start()
                except RuntimeError:
                    pass  # `session` starts it again and reports what goes wrong

    def _start(self) -> None:
        env = dict(os.environ)
        env.update({
            "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
            "COLUMNS": "100", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1", "JAX_PLATFORMS": "cpu",
            "CUDA_VISIBLE_DEVICES": "-1", "TF_ENABLE_ONEDNN_OPTS": "0", "TMPDIR": str(self.home),
            "KERAS3_EXAMPLES_HOME": str(self.home), "MPLBACKEND": "Agg",
            # one thread per worker: the workers share the cores, and results do not depend on them
            "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
            "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
            # Not JAX_DISABLE_MOST_OPTIMIZATIONS: it saves a quarter of the workers' CPU time (XLA
            # compiling is most of it), but changes the last digits of 5 of 451 docstrings' outputs.
            # XLA compiling is ~60% of the workers' CPU time: jax's persistent compilation cache
            # lets a worker load what the other (or an earlier build) compiled. A loaded executable
            # is the one compiling would give, so outputs do not change (checked byte for byte).
            "JAX_COMPILATION_CACHE_DIR": str(JAX_CACHE_DIR),
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
            "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])]),
        })
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from generator.docs.examples import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.home, env=env, start_new_session=True,
        )
        self.buffer = b""
        if self._line(STARTUP_LIMIT) is None:
            self.stop()
            raise RuntimeError("the example worker did not start")

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
        self.process = None

    def _line(self, limit: float) -> dict[str, Any] | None:
        """The next message, or None when the worker died or did not answer within `limit`."""
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + limit
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            data = os.read(fd, 1 << 16)
            if not data:  # the worker is gone: let it be reaped, so that its exit code is known
                try:
                    self.process.wait(timeout=GRACE)
                except subprocess.TimeoutExpired:
                    pass
                return None
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def session(self, chunks: Sequence[str], limit: float, seed: int) -> list[Run]:
        with self.lock:
            return self._session(chunks, limit, seed)

    def _session(self, chunks: Sequence[str], limit: float, seed: int) -> list[Run]:
        runs: list[Run] = []
        while len(runs) < len(chunks):
            if self.process is None or self.process.poll() is not None:
                self.stop()
                self._start()
            assert self.process is not None and self.process.stdin is not None
            rest = list(chunks[len(runs):])
            try:
                job = {"chunks": rest, "limit": limit, "seed": seed}
                self.process.stdin.write((json.dumps(job) + "\n").encode())
                self.process.stdin.flush()
            except BrokenPipeError:
                self.stop()
                continue
            for _ in rest:
                message = self._line(limit + GRACE)
                if message is None:
                    code = self.process.poll()
                    self.stop()
                    runs.append(Run("", False, f"timed out after {limit:g} s (worker killed)" if code is None
                                    else f"the example crashed its worker (exit code {code})"))
                    break  # the rest run in a fresh worker, without this chunk's names
                runs.append(Run(**message))
            else:
                if self._line(GRACE) is None:  # the end-of-session mark
                    self.stop()
        return runs


class ExampleRunner:
    """A small pool of worker processes that run example sessions (the chunks of one docstring,
    sharing one namespace). Use as a context manager; workers start on first use."""

    def __init__(self, workers: int = WORKERS, limit: float = TIME_LIMIT, seed: int = SEED,
                 retry_limit: float = RETRY_LIMIT) -> None:
        self.limit = limit
        self.retry_limit = retry_limit
        self.seed = seed
        self._home = Path(tempfile.mkdtemp(prefix="keras3-examples-"))
        self._workers = [_Worker(self._home) for _ in range(max(1, workers))]
        self.sessions_run = 0  # how many sessions were executed (a cache hit runs none)
        self.durations: list[tuple[float, Sequence[str]]] = []  # (seconds, chunks) per session run
        self.retried = 0  # sessions run again alone after a time-out
        # progress hooks (the docs build's bar): sessions about to run, then one call per session run
        self.on_start: Callable[[int], None] | None = None
        self.on_done: Callable[[], None] | None = None

    def __enter__(self) -> Self:
        return self

    def warm_up(self) -> None:
        """Start the workers in the background (each imports Keras, some seconds of CPU), so that
        they get ready while the caller does other work, e.g. translating the examples."""
        for worker in self._workers:
            threading.Thread(target=worker.warm_up, name="example-worker-start", daemon=True).start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            with worker.lock:  # a warm-up still starting finishes first, then is stopped
                worker.stop()
        shutil.rmtree(self._home, ignore_errors=True)

    def run(self, chunks: Sequence[str]) -> list[Run]:
        return self.run_sessions([chunks])[0]

    def run_sessions(self, sessions: Sequence[Sequence[str]]) -> list[list[Run]]:
        """The runs of each session, in order. A session with a chunk that timed out runs again,
        alone (no other session beside it) and with `retry_limit`; if it still overruns, its
        error says so (`timed out after N s, and after M s when run alone`): slowness, not a wrong result."""
        results = self._run_parallel(sessions, self.limit, len(self._workers))
        for index, runs in enumerate(results):
            if not any(timed_out(run) for run in runs):
                continue
            self.retried += 1
            again = self._run_parallel([sessions[index]], self.retry_limit, 1)[0]
            results[index] = [replace(run, error=f"timed out after {self.limit:g} s, and after "
                                                 f"{self.retry_limit:g} s when run alone")
                              if timed_out(run) else run for run in again]
        return results

    def _run_parallel(self, sessions: Sequence[Sequence[str]], limit: float, parallel: int) -> list[list[Run]]:
        results: list[list[Run] | None] = [None] * len(sessions)
        if self.on_start is not None and limit == self.limit:
            self.on_start(len(sessions))
        # longest first, so that a slow docstring does not start last
        order = sorted(range(len(sessions)), key=lambda i: -sum(len(c) for c in sessions[i]))
        lock = threading.Lock()

        def drain(worker: _Worker) -> None:
            while True:
                with lock:
                    if not order:
                        return
                    index = order.pop(0)
                started = time.monotonic()
                results[index] = worker.session(sessions[index], limit, self.seed)
                with lock:
                    self.sessions_run += 1
                    self.durations.append((time.monotonic() - started, sessions[index]))
                    if self.on_done is not None and limit == self.limit:
                        self.on_done()

        active = self._workers[:max(1, min(parallel, len(self._workers), len(sessions)))]
        threads = [threading.Thread(target=drain, args=(w,), daemon=True) for w in active]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [r if r is not None else [] for r in results]


def timed_out(run: Run) -> bool:
    return not run.ok and (run.error or "").startswith("timed out")


def run_example(code: str, *, runner: ExampleRunner | None = None,
                table: TranslationTable | None = None) -> Run:
    """Run one (translated) example in a fresh namespace on the jax backend, with the fixed seed.

    An example that would download is not run: its Run says `needs download` and why.
    """
    reason = download_reason(code, table)
    if reason is not None:
        return Run("", False, reason)
    if runner is not None:
        return runner.run([code])[0]
    with ExampleRunner(workers=1) as own:
        return own.run([code])[0]


# ---------------------------------------------------------------------------------------------
# Per-example data: [examples] in spec/docs.toml


@dataclass(frozen=True)
class ExampleSpec:
    path: str
    skip: str | None = None  # why the examples of this docstring are listed, not run


@dataclass(frozen=True)
class Fixture:
    """Code that defines names upstream examples use without defining them (`model`, `x_train`).
    It runs, unshown, before a docstring's examples that need one of those names."""

    defines: tuple[str, ...]
    code: str
    pages: tuple[str, ...] = ()  # fnmatch patterns of the public paths it serves; () for all

    def serves(self, page: str) -> bool:
        return not self.pages or any(fnmatch.fnmatchcase(page, pattern) for pattern in self.pages)


@dataclass(frozen=True)
class ExampleData:
    specs: Mapping[str, ExampleSpec] = field(default_factory=dict)
    fixtures: tuple[Fixture, ...] = ()


def load_example_data(path: Path = DOCS_SPEC) -> ExampleData:
    """`[examples."<public path>"]` entries and `[[examples.fixture]]` tables of spec/docs.toml."""
    if not path.exists():
        return ExampleData()
    data = dict(read_toml(path, ExampleSpecError).get("examples", {}))
    fixtures: list[Fixture] = []
    for number, raw in enumerate(data.pop("fixture", []), start=1):
        where = f"{path}: [[examples.fixture]] {number}"
        if not isinstance(raw, dict) or not {"defines", "code"} <= set(raw) <= {"defines", "code", "pages"}:
            raise ExampleSpecError(f"{where} needs `defines` (names) and `code`, and may have `pages`")
        defines, code, pages = raw["defines"], raw["code"], raw.get("pages", [])
        if not (isinstance(defines, list) and defines and all(isinstance(d, str) for d in defines)
                and isinstance(code, str) and isinstance(pages, list)
                and all(isinstance(g, str) for g in pages)):
            raise ExampleSpecError(f"{where}: `defines` and `pages` must list names, `code` must be Python")
        missing = sorted(set(defines) - _names(code)[0])
        if missing:
            raise ExampleSpecError(f"{where}: its code does not define {', '.join(missing)}")
        fixtures.append(Fixture(tuple(defines), code.strip("\n"), tuple(pages)))
    specs: dict[str, ExampleSpec] = {}
    for symbol, raw in sorted(data.items()):
        where = f"{path}: [examples.\"{symbol}\"]"
        if not isinstance(raw, dict):
            raise ExampleSpecError(f"{where} is not a table")
        unknown = sorted(set(raw) - {"skip"})
        if unknown:
            raise ExampleSpecError(f"{where} has unknown keys {unknown}")
        skip = raw.get("skip")
        if skip is not None and (not isinstance(skip, str) or not skip.strip()):
            raise ExampleSpecError(f"{where}: skip must be a reason")
        specs[symbol] = ExampleSpec(symbol, skip)
    return ExampleData(specs, tuple(fixtures))


def _setup(codes: Sequence[str], fixtures: Sequence[Fixture]) -> tuple[str | None, list[bool]]:
    """The fixture code a docstring's runnable chunks need, and which chunks need it."""
    defined: set[str] = set()
    used: list[Fixture] = []
    needs: list[bool] = []
    for code in codes:
        bound, free = _names(code)
        free -= defined
        wanted = [f for f in fixtures if free & set(f.defines)]
        needs.append(bool(wanted))
        used += [f for f in wanted if f not in used]
        defined |= bound
    used.sort(key=list(fixtures).index)
    return ("\n".join(f.code for f in used) if used else None), needs


# ---------------------------------------------------------------------------------------------
# The whole surface: translate, run (or reuse the cache), report


@dataclass(frozen=True)
class ExampleResult:
    index: int  # position in the docstring's examples (`ParsedDoc.examples`, text chunks included)
    original: str  # the upstream chunk as written (a doctest keeps its prompts and output)
    translated: str | None  # in the binding's API; None when it does not parse
    output: str | None  # what it printed and showed when run; None when not run
    ok: bool  # translated and ran without error
    reason: str | None  # why not ok
    setup: str | None = None  # fixture code run before it (spec/docs.toml), for "assumes:"


def example_pages(snapshot: Snapshot, binding: Binding) -> dict[str, tuple[Example, ...]]:
    """Public path -> the examples of its docstring: every wrapper (a member wrapper as
    `<class path>.<member>`), and the subclassing bases that no wrapper documents."""
    from generator.binding.docstrings.parse import parse_docstring
    from generator.binding.docstrings.patches import apply_patches, load_doc_patches

    pages: dict[str, tuple[Example, ...]] = {}
    for w in binding.wrappers:
        if w.deprecation is not None:
            continue  # documented under the wrapper it delegates to
        key = f"{w.upstream}.{w.member}" if w.member else w.upstream
        pages[key] = w.doc.examples
        if w.function:  # the function form a wrapper also covers has its own page section
            pages.setdefault(w.function, w.function_doc.examples)
    patches = load_doc_patches()
    for path in binding.bases.values():
        if path not in pages and path in snapshot.symbols:
            doc = apply_patches(snapshot.symbols[path].doc, patches.get(path))
            pages[path] = parse_docstring(doc).examples
    return {k: v for k, v in sorted(pages.items()) if any(e.kind != "text" for e in v)}


def cache_key(chunks: Sequence[str], keras_version: str, backend: str = BACKEND) -> str:
    payload = json.dumps({"chunks": list(chunks), "keras": keras_version, "backend": backend,
                          "runner": RUNNER_VERSION, "seed": SEED, "limit": TIME_LIMIT}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _cache_read(cache_dir: Path, key: str, count: int) -> list[Run] | None:
    try:
        data = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        runs = [Run(**item) for item in data["runs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return runs if len(runs) == count else None


def _cache_write(cache_dir: Path, key: str, page: str, runs: Sequence[Run]) -> None:
    if any(r.error and (r.error.startswith("timed out") or "crashed its worker" in r.error) for r in runs):
        return  # a machine-dependent failure: try again next time
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{key}.json"
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"page": page, "runs": [asdict(r) for r in runs]}, indent=1) + "\n",
                         encoding="utf-8")
    os.replace(temporary, target)


_TRANSLATOR = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # this module's source


def _translated(chunks: Sequence[str], table: TranslationTable, page: str,
                cache_dir: Path) -> list[Translation]:
    """`translate_chunks`, cached on disk by (chunks, page, table, translator source)."""
    payload = json.dumps([_TRANSLATOR, table.digest, page, list(chunks)])
    key = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    target = cache_dir / "translations" / f"{key}.json"
    try:
        items = json.loads(target.read_text(encoding="utf-8"))
        return [Translation(item["code"], item["reason"], tuple(item["mapped"]), tuple(item["unmapped"]),
                            tuple(item["notes"])) for item in items]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    translations = translate_chunks(chunks, table, page=page)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps([asdict(t) for t in translations]) + "\n", encoding="utf-8")
    os.replace(temporary, target)
    return translations


@dataclass
class _Session:
    """What runs for one docstring: the fixture code (if any), then its runnable chunks."""

    page: str
    setup: str | None
    chunks: list[str]
    key: str = ""
    runs: list[Run] | None = None

    @property
    def code(self) -> list[str]:
        return ([self.setup] if self.setup else []) + self.chunks

    def chunk_runs(self) -> list[Run]:
        """The runs of the chunks (the fixture's run left out; when it failed, every chunk says so)."""
        runs = list(self.runs or [])
        if self.setup and runs:
            first = runs.pop(0)
            if not first.ok:
                return [Run("", False, f"the fixture code failed: {first.error}") for _ in self.chunks]
        return runs


def _execute_sessions(sessions: Sequence[_Session], keras_version: str, cache_dir: Path,
                      runner: ExampleRunner | None, workers: int) -> None:
    """Fill in each session's runs, from the cache or by running what it lacks."""
    pending: list[_Session] = []
    for session in sessions:
        session.key = cache_key(session.code, keras_version)
        session.runs = _cache_read(cache_dir, session.key, len(session.code)) if session.chunks else []
        if session.runs is None:
            pending.append(session)
    if not pending:
        return
    active = runner or ExampleRunner(workers=workers)
    try:
        outcomes = active.run_sessions([s.code for s in pending])
    finally:
        if runner is None:
            active.close()
    for session, runs in zip(pending, outcomes):
        session.runs = runs
        _cache_write(cache_dir, session.key, session.page, runs)


def run_all(snapshot: Snapshot, binding: Binding, cache_dir: Path = CACHE_DIR, *,
            runner: ExampleRunner | None = None, workers: int = WORKERS,
            data: ExampleData | None = None, paths: Iterable[str] | None = None,
            check_upstream: bool = True) -> dict[str, list[ExampleResult]]:
    """Every upstream example of the binding's API (or of the public `paths` given), translated
    and run (or taken from the cache), keyed by public path, in docstring order. Deterministic:
    the same inputs give the same result.

    An example that fails is run once more as upstream wrote it (made self-contained the same
    way): the reason then says whether upstream's own example fails too. The docs build, which
    shows a failing example without output whoever's fault it is, skips that (`check_upstream`).
    """
    table = TranslationTable.from_binding(binding, snapshot)
    plain = replace(table, targets={}, bases={})  # resolves and imports, maps nothing
    data = load_example_data() if data is None else data
    plans: list[tuple[str, list[tuple[int, Example, Translation, str | None]], _Session, list[bool]]] = []
    pages = example_pages(snapshot, binding)
    if paths is not None:
        wanted = set(paths)
        pages = {k: v for k, v in pages.items() if k in wanted}
    warming = False
    for page, examples in pages.items():
        chunks = [(i, e) for i, e in enumerate(examples) if e.kind != "text"]
        translations = _translated([e.text for _, e in chunks], table, page, cache_dir)
        skip = data.specs[page].skip if page in data.specs else None
        rows: list[tuple[int, Example, Translation, str | None]] = []
        for (index, example), translation in zip(chunks, translations):
            why: str | None = None
            if translation.code is None:
                why = translation.reason
            elif skip is not None:
                why = f"not run: {skip}"
            else:
                why = download_reason(translation.code, table)
            rows.append((index, example, translation, why))
        codes = [t.code for _, _, t, why in rows if why is None and t.code is not None]
        fixtures = [f for f in data.fixtures if f.serves(page)]
        setup, needs = _setup(codes, fixtures)
        plans.append((page, rows, _Session(page, setup, codes), needs))
        if runner is not None and not warming and codes and _cache_read(
                cache_dir, cache_key(plans[-1][2].code, snapshot.keras_version), len(plans[-1][2].code)) is None:
            warming = True  # something will run: the workers import Keras while the rest translates
            runner.warm_up()
    _execute_sessions([p[2] for p in plans], snapshot.keras_version, cache_dir, runner, workers)

    # Failures: does the upstream example fail as well?
    checks: dict[str, _Session] = {}
    for page, rows, session, _ in plans:
        if check_upstream and any(not r.ok and not timed_out(r) for r in session.chunk_runs()):
            originals = [e.text for _, e, _, why in rows if why is None]
            upstream = [t.code or "" for t in _translated(originals, plain, page, cache_dir)]
            fixtures = [f for f in data.fixtures if f.serves(page)]
            checks[page] = _Session(page, _setup(upstream, fixtures)[0], upstream)
    _execute_sessions(list(checks.values()), snapshot.keras_version, cache_dir, runner, workers)

    results: dict[str, list[ExampleResult]] = {}
    for page, rows, session, needs in plans:
        runs = iter(session.chunk_runs())
        upstream_runs = iter(checks[page].chunk_runs()) if page in checks else iter(())
        flags = iter(needs)
        items: list[ExampleResult] = []
        for index, example, translation, why in rows:
            run = next(runs, None) if why is None else None
            upstream_run = next(upstream_runs, None) if why is None else None
            needs_setup = next(flags, False) if why is None else False
            reason = why or translation.reason
            if reason is None and (run is None or not run.ok):
                reason = _run_reason(run, upstream_run)
            items.append(ExampleResult(index, example.text, translation.code,
                                       run.output if run is not None else None, reason is None, reason,
                                       session.setup if needs_setup else None))
        results[page] = items
    return results


def _run_reason(run: Run | None, upstream: Run | None) -> str:
    error = (run.error if run is not None else None) or "not run"
    if run is not None and timed_out(run):
        return error  # time says nothing of the translation: no comparison, no blame
    if upstream is None:
        return error
    if not upstream.ok:
        same = upstream.error == error
        return f"upstream example fails too: {error}" if same else (
            f"{error} (the upstream example fails too: {upstream.error})")
    return f"{error} (the upstream example runs: a translation bug)"


Blame = Literal["upstream", "environment", "ours"]

# Why an example does not translate and run: (title, stage, whose, pattern over the reason).
# "upstream": the example as upstream wrote it is broken (it fails the same way, or is not Python);
# "environment": it cannot run in a docs build (network, another process, another backend switch);
# "ours": the translator, the binding or the runner is at fault.
_CATEGORIES: tuple[tuple[str, str, Blame, re.Pattern[str]], ...] = (
    ("upstream example is not valid Python", "translate", "upstream",
     re.compile(r"^upstream example is not valid Python")),
    ("upstream passes an argument the API lacks", "translate", "upstream", re.compile(r"^upstream bug:")),
    ("a call its wrapper cannot take", "translate", "ours",
     re.compile(r" has no parameter | is called with \*args| positional arguments that ")),
    ("needs download", "run", "environment", re.compile(r"^needs download")),
    ("not run (spec/docs.toml [examples])", "run", "environment", re.compile(r"^not run: ")),
    # only after a second run alone with RETRY_LIMIT: too slow for a docs build, whoever's fault
    ("too slow for a docs build (timed out, also when run alone)", "run", "environment",
     re.compile(r"^timed out")),
    ("the fixture code failed", "run", "ours", re.compile(r"^the fixture code failed")),
    ("fails only translated: a translation bug", "run", "ours", re.compile(r"the upstream example runs")),
    ("needs a package the docs environment lacks", "run", "environment",
     re.compile(r"upstream example fails too.*(ModuleNotFoundError|TBNotInstalledError)")),
    ("a fragment: uses names it never defines (upstream fails too)", "run", "upstream",
     re.compile(r"upstream example fails too.*NameError: name '"
                r"|NameError: name '.*upstream example fails too")),
    ("upstream example fails too (on jax)", "run", "upstream", re.compile(r"upstream example fails too")),
)


def reason_category(reason: str) -> tuple[str, str, Blame]:
    """(title, stage, whose fault) of a failure reason."""
    for title, stage, blame, pattern in _CATEGORIES:
        if pattern.search(reason):
            return title, stage, blame
    return "fails (not checked against upstream)", "run", "ours"


@dataclass(frozen=True)
class ExampleReport:
    total: int
    translated: int
    ran_ok: int
    failures: tuple[tuple[str, int, str], ...]  # (public path, example index, reason)

    @property
    def share(self) -> float:
        """Upstream examples that translate and run, of all of them."""
        return self.ran_ok / self.total if self.total else 1.0

    def blamed(self, whose: Blame) -> int:
        return sum(reason_category(reason)[2] == whose for _, _, reason in self.failures)

    @property
    def runnable(self) -> int:
        """Examples not disqualified by upstream (broken as written) or the environment."""
        return self.total - self.blamed("upstream") - self.blamed("environment")

    @property
    def runnable_share(self) -> float:
        """Of the examples upstream did not break, the share that translate and run."""
        return self.ran_ok / self.runnable if self.runnable else 1.0

    @property
    def ok(self) -> bool:
        return self.share >= TARGET

    def __iter__(self) -> Any:  # unpacks as (total, translated, ran_ok, failures)
        return iter((self.total, self.translated, self.ran_ok, list(self.failures)))


def example_report(results: Mapping[str, Sequence[ExampleResult]]) -> ExampleReport:
    total = translated = ran_ok = 0
    failures: list[tuple[str, int, str]] = []
    for path, items in sorted(results.items()):
        for item in items:
            total += 1
            failed = item.translated is None or (
                item.reason is not None and reason_category(item.reason)[1] == "translate")
            translated += not failed
            ran_ok += item.ok
            if not item.ok:
                failures.append((path, item.index, item.reason or "failed"))
    return ExampleReport(total, translated, ran_ok, tuple(failures))


def format_example_report(report: ExampleReport, limit: int | None = None) -> str:
    def pct(n: int, of: int | None = None) -> str:
        of = report.total if of is None else of
        return f"{100 * n / of:.1f}%" if of else "n/a"

    verdict = "meets" if report.ok else "misses"
    upstream, environment, ours = (report.blamed(w) for w in ("upstream", "environment", "ours"))
    lines = [
        f"Upstream examples (Keras docstrings of the binding's API): {report.total}",
        f"  translated to the binding's API: {report.translated} ({pct(report.translated)})",
        f"  translated and ran: {report.ran_ok} ({pct(report.ran_ok)}); {verdict} the {TARGET:.0%} target",
        f"  broken upstream (not Python, or failing as upstream wrote it): {upstream}",
        f"  cannot run in a docs build (network, spec/docs.toml): {environment}",
        f"  the binding's or translator's fault: {ours}",
        (f"  translated and ran, of the {report.runnable} examples upstream did not break: "
         f"{pct(report.ran_ok, report.runnable)}"),
    ]
    if report.failures:
        counts = Counter(reason_category(reason)[0] for _, _, reason in report.failures)
        lines += ["", "Why the others do not:"]
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        lines += [f"  {count:4d}  {title}" for title, count in ordered]
        lines += ["", "Examples that do not translate and run:"]
        shown = report.failures if limit is None else report.failures[:limit]
        lines += [f"  {path} [{index}]: {reason}" for path, index, reason in shown]
        if limit is not None and len(report.failures) > limit:
            lines.append(f"  ... and {len(report.failures) - limit} more")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Command line: python -m generator.docs.examples


def main(argv: Sequence[str] | None = None) -> int:
    """Translate and run every upstream example of a stored release; print the report.
    Exit status 0 when nothing fails through the binding's, translator's or runner's fault."""
    import argparse

    from generator.settings import pinned_release
    from generator.binding.build import build
    from generator.upstream.store import SnapshotStore

    parser = argparse.ArgumentParser(prog="python -m generator.docs.examples", description=main.__doc__)
    parser.add_argument("--release", help="a stored Keras release (default: the pinned one)")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help="worker processes (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR,
                        help="cache directory (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="list at most this many failures")
    args = parser.parse_args(argv)
    store = SnapshotStore()
    version = args.release or pinned_release()
    binding, _ = build(store, version)
    started = time.perf_counter()
    with ExampleRunner(workers=args.workers) as runner:
        results = run_all(store.load(version), binding, args.cache, runner=runner)
    report = example_report(results)
    print(format_example_report(report, args.limit))
    print(f"\n{time.perf_counter() - started:.1f} s; {runner.sessions_run} docstrings run, "
          f"the rest from {args.cache}", file=sys.stderr)
    return 0 if report.blamed("ours") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
