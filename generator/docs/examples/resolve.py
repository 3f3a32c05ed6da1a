"""Reading an upstream snippet with libcst: the names it binds (`Bindings`), the variables it reads
(`References`), and what a name or dotted chain stands for (`Resolver`): a public Keras path, through
the snippet's imports, those of earlier chunks of the docstring, or the names upstream examples take
for granted (`keras`, `ops`, `layers`, a bare `Dense`).
"""

from __future__ import annotations

import builtins
import symtable
from collections.abc import Mapping

import libcst as cst

from generator.docs.examples.table import Context, TranslationTable

# Names upstream examples use without importing them, and what they stand for.

IMPLIED_IMPORTS = {
    "np": "import numpy as np",
    "numpy": "import numpy",
    "tf": "import tensorflow as tf",
    **{module: f"import {module}" for module in ("os", "json", "math", "tempfile", "shutil", "time")},
}


def keras_path(dotted: str) -> str:
    """`tensorflow.keras.X` is `keras.X` (TensorFlow's Keras is Keras 3 beside it): keras.io
    examples written for TensorFlow import `from tensorflow import keras`."""
    return "keras" + dotted.removeprefix("tensorflow.keras") if dotted.split(".")[:2] == ["tensorflow", "keras"] \
        else dotted


class Bindings(cst.CSTVisitor):
    """What a snippet binds, and which of its imports name Keras (name -> public path)."""

    def __init__(self) -> None:
        self.keras_imports: dict[str, str] = {}
        self.other_imports: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if alias.asname is not None:
                name, target = name_of(alias.asname.name), keras_path(dotted)
            else:
                name = target = dotted.split(".")[0]
            (self.keras_imports if target.split(".")[0] == "keras" else self.other_imports)[name] = target
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return False
        module = dotted_name(node.module)
        for alias in node.names:
            leaf = dotted_name(alias.name)
            name = name_of(alias.asname.name) if alias.asname else leaf
            target = keras_path(f"{module}.{leaf}")
            (self.keras_imports if target.split(".")[0] == "keras" else self.other_imports)[name] = target
        return False


def dotted_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    raise ValueError("not a dotted name")


def name_of(node: cst.BaseExpression) -> str:
    return node.value if isinstance(node, cst.Name) else dotted_name(node)


def snippet_names(source: str) -> tuple[set[str], set[str]]:
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


def read_references(module: cst.Module) -> tuple[set[int], set[str]]:
    """(ids of the Name nodes that are references, the names they hold)."""
    visitor = _References()
    module.visit(visitor)
    return visitor.ids, visitor.names


class Resolver:
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
        if name in IMPLIED_IMPORTS:  # `numpy` is NumPy, not `keras.ops.numpy`
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
