"""The stub spec, `spec/stubs.toml`: return types by member name, settable properties, members and
module names typed by hand, read field by field into a checked `StubSpec`.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from generator.binding.typing_rules import TYPES_MODULE_NAMES, TYPING_NAMES, used_names
from generator.settings import SPEC_DIR
from generator.tomlfiles import Kind, fields, read_toml

STUB_SPEC_FILE = SPEC_DIR / "stubs.toml"
# Names a stub type may use besides keras3.types' and typing's (see typing_rules.TYPES_MODULE_NAMES).
STUB_NAMES = frozenset({"Any", "None", "int", "float", "str", "bool", "bytes", "tuple", "list", "dict", "keras",
                        "object", "type", "Self", "overload", "NoReturn", "MutableMapping"})


class StubSpecError(ValueError):
    """spec/stubs.toml is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class HandTyped:
    """Stub text for some names, typed by hand: members of a class or names of a module."""

    where: str  # the class path (a [[member]]) or the module path (an [[extra]])
    source: str
    names: tuple[str, ...]  # the names `source` defines


@dataclass(frozen=True)
class StubSpec:
    returns: Mapping[str, str]
    settable: Mapping[str, tuple[str, ...]]
    members: tuple[HandTyped, ...]
    extras: tuple[HandTyped, ...]
    source: Path

    def hand_typed(self, owner: str) -> list[HandTyped]:
        return [m for m in self.members if m.where == owner]


_TOP: dict[str, Kind] = {"returns": "table[str]", "settable": "table", "member": "list[table]",
                         "extra": "list[table]"}


@cache
def load_stub_spec(path: Path = STUB_SPEC_FILE) -> StubSpec:
    data = fields(read_toml(path, StubSpecError), path, "top level", _TOP, StubSpecError)
    for name, annotation in data.get("returns", {}).items():
        _check_type(path, f"returns.{name}", annotation)
    settable = {}
    for owner, names in data.get("settable", {}).items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise StubSpecError(f"{path}: settable.{owner!r} must be a list of property names")
        settable[owner] = tuple(names)
    members = tuple(typed for n, raw in enumerate(data.get("member", []), start=1)
                    for typed in _owned(path, f"member {n}", raw))
    extras = tuple(_hand_typed(path, f"extra {n}", raw, "module") for n, raw in enumerate(data.get("extra", []), start=1))
    return StubSpec(dict(data.get("returns", {})), settable, members, extras, path)


def _owned(path: Path, where: str, raw: object) -> list[HandTyped]:
    """A [[member]] entry, once per owner (`owner` is a class path or a list of them)."""
    owners = raw.get("owner") if isinstance(raw, dict) else None
    if isinstance(owners, list) and owners and all(isinstance(o, str) for o in owners):
        return [_hand_typed(path, where, {**raw, "owner": owner}, "owner") for owner in owners]
    return [_hand_typed(path, where, raw, "owner")]


def _hand_typed(path: Path, where: str, raw: object, key: str) -> HandTyped:
    fields(raw, path, where, {key: "str", "source": "str"}, StubSpecError, required=(key, "source"))
    assert isinstance(raw, dict)
    try:
        tree = ast.parse(raw["source"])
    except SyntaxError as error:
        raise StubSpecError(f"{path}: {where} ({raw[key]}): source is not Python: {error.msg} "
                            f"(line {error.lineno})") from None
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found = [node.name]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found = [node.target.id]
        elif isinstance(node, ast.Assign):
            found = [t.id for t in node.targets if isinstance(t, ast.Name)]
        else:
            raise StubSpecError(f"{path}: {where} ({raw[key]}): line {node.lineno}: only defs, classes and "
                                "annotated names belong in a stub source")
        names += [n for n in found if n not in names]
    return HandTyped(raw[key], raw["source"].strip("\n") + "\n", tuple(names))


def _check_type(path: Path, where: str, annotation: object) -> None:
    if not isinstance(annotation, str):
        raise StubSpecError(f"{path}: {where} must be a type, as a string")
    unknown = used_names(annotation) - TYPES_MODULE_NAMES - TYPING_NAMES.keys() - STUB_NAMES
    if unknown:
        raise StubSpecError(f"{path}: {where} uses unknown names {sorted(unknown)}")
