"""Rewriting an upstream snippet into keras3, one libcst transformer per purpose: `CallRewriter`
maps paths to wrappers and rewrites calls in each wrapper shape, `TensorNumpyRewriter` makes
`tensor.numpy()` backend-neutral, `ImportRewriter` drops the Keras imports nothing reads any more
and adds keras3's (and `np`, `os`, ... when the example takes them for granted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from generator.docs.examples.resolve import Resolver, dotted_name, keras_path, name_of
from generator.docs.examples.table import Target, TranslationTable


@dataclass
class Findings:
    mapped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    wrappers: set[str] = field(default_factory=set)  # keras3 names used bare
    qualified: set[str] = field(default_factory=set)  # keras3 names used as keras3.<name>
    modules: set[str] = field(default_factory=set)  # keras3 family modules used as keras3.<family>
    notes: list[str] = field(default_factory=list)
    calls: int = 0  # call sites of paths that have a wrapper
    rewritten: int = 0  # of those, rewritten to the wrapper

    def note(self, items: list[str], value: str) -> None:
        if value not in items:
            items.append(value)


class Keras3Names:
    """How the translated code names a keras3 object, recording the import each needs."""

    def __init__(self, table: TranslationTable, taken: set[str], findings: Findings) -> None:
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


class CallRewriter(cst.CSTTransformer):
    """Calls of upstream paths -> calls of wrappers, in each wrapper shape; references to the
    subclassing bases -> `keras3.<Base>`; functions passed as values -> their wrapper."""

    def __init__(self, table: TranslationTable, resolver: Resolver, loads: set[int],
                 names: Keras3Names, findings: Findings) -> None:
        self.table = table
        self.resolver = resolver
        self.loads = loads
        self.names = names
        self.findings = findings
        self.funcs: set[int] = set()
        self.inner: set[int] = set()  # Name/Attribute nodes that are part of a longer chain
        # layer-wrapper calls produced here, without `object`: the nodes themselves, not their ids
        # (a node this pass makes and later drops is freed, and a new node may get its id)
        self.layers: list[cst.Call] = []
        self.applied: set[int] = set()  # calls whose result is called on one input: `Layer(...)(x)`

    # -- what not to touch
    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self.funcs.add(id(node.func))
        if isinstance(node.func, cst.Call) and len(node.args) == 1 and node.args[0].keyword is None \
                and not node.args[0].star:
            self.applied.add(id(node.func))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.inner.add(id(node.value))

    # -- calls
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if isinstance(updated.func, cst.Call) and any(updated.func is call for call in self.layers):
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
        self.findings.calls += 1
        args, reason = _arguments(target, path, updated.args, id(original) in self.applied)
        if reason is not None:
            self.findings.note(self.findings.reasons, reason)
            return updated
        self.findings.rewritten += 1
        self.findings.note(self.findings.mapped, path)
        call = updated.with_changes(func=self.names.wrapper(target), args=args)
        if target.wrapper.shape == "layer" and target.form == "upstream":
            self.layers.append(call)
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


class TensorNumpyRewriter(cst.CSTTransformer):
    """`tensor.numpy()` (a TensorFlow and torch tensor method, which jax arrays lack) ->
    `op_convert_to_numpy(tensor)`, which converts a tensor of any backend."""

    NOTE = "tensor.numpy() is read as keras.ops.convert_to_numpy(tensor), which every backend supports"

    def __init__(self, table: TranslationTable, resolver: Resolver, loads: set[int],
                 names: Keras3Names, findings: Findings) -> None:
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


def _arguments(target: Target, path: str, args: Sequence[cst.Arg], applied: bool = False
               ) -> tuple[Sequence[cst.Arg], str | None]:
    """The call's arguments as the wrapper takes them, or a reason it cannot take them.

    Function and constructor wrappers take upstream's parameters as upstream does. A layer or a
    loss/metric class takes its own parameters by keyword only, so positional arguments get the
    names of the upstream signature; their function forms keep the leading arguments the wrapper
    takes by position (`layers.add([a, b])`: the inputs; `losses.huber(y_true, y_pred)`)."""
    wrapper = target.wrapper
    if target.form == "member" or wrapper.shape in ("function", "constructor"):
        return args, None
    if any(a.star == "*" for a in args) and applied and wrapper.shape == "layer" and target.form == "upstream":
        # `layers.Resizing(*size)(x)` -> `layer_resizing(x, *size)`: after the input, the wrapper takes
        # the constructor's parameters by position, as upstream does
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


class ImportRewriter(cst.CSTTransformer):
    """Drops Keras imports whose names are no longer read; adds the keras3 and implied imports."""

    def __init__(self, unused: set[str], added: list[str]) -> None:
        self.unused = unused
        self.added = added

    def leave_Import(self, original: cst.Import, updated: cst.Import
                     ) -> cst.Import | cst.RemovalSentinel:
        names = [a for a in updated.names if not self._drop(_bound_name(a, True), dotted_name(a.name))]
        return self._rebuilt(updated, names)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.RemovalSentinel:
        if updated.module is None or isinstance(updated.names, cst.ImportStar):
            return updated
        module = dotted_name(updated.module)
        names = [a for a in updated.names if not self._drop(_bound_name(a, False), f"{module}.{dotted_name(a.name)}")]
        return self._rebuilt(updated, names)

    def _drop(self, name: str, module: str) -> bool:
        return keras_path(module).split(".")[0] == "keras" and name in self.unused

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
        return name_of(alias.asname.name)
    dotted = dotted_name(alias.name)
    return dotted.split(".")[0] if plain_import else dotted


def import_line(name: str, path: str) -> str:
    """The import that binds `name` to the Keras path `path`."""
    if name == path:
        return f"import {name}"
    parent, _, leaf = path.rpartition(".")
    if not parent:
        return f"import {path} as {name}"
    return f"from {parent} import {leaf}" + ("" if leaf == name else f" as {name}")
