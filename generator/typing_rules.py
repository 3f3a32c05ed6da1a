"""Parameter types for the wrappers, from the rules in generator/spec/types.toml.

A pure function of (parameter name, upstream default, family): rules are data, tried in order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from generator.tomlfiles import Kind, fields, read_toml

RULES_FILE = Path(__file__).resolve().parent / "spec" / "types.toml"

# Names an annotation may use, and where each comes from (for the generated module's imports).
TYPES_MODULE_NAMES = frozenset({
    "ActivationLike", "Axis", "BackendTensor", "ConstraintLike", "DTypeLike", "DataFormat",
    "InitializerLike", "IntOrTuple", "LearningRateLike", "LossLike", "Name", "Padding", "PathLike",
    "Reduction", "RegularizerLike", "Seed", "ShapeLike", "TensorLike",
})
TYPING_NAMES = {"Literal": "typing", "Callable": "collections.abc", "Mapping": "collections.abc",
                "Sequence": "collections.abc"}
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
_IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")
IMPRECISE = frozenset({"Any", "Any | None", "object", "object | None"})


class TypeRuleError(ValueError):
    """types.toml is malformed; the message names the file and rule."""


@dataclass(frozen=True)
class TypeRule:
    names: frozenset[str]
    suffixes: tuple[str, ...]
    families: frozenset[str]
    defaults: frozenset[str]
    type: str

    def matches(self, name: str, default_kind: str | None, family: str) -> bool:
        if self.families and family not in self.families:
            return False
        if self.defaults and default_kind not in self.defaults:
            return False
        if self.names or self.suffixes:
            return name in self.names or name.endswith(self.suffixes)
        return True


@cache
def load_rules(path: Path = RULES_FILE) -> tuple[TypeRule, ...]:
    data = fields(read_toml(path, TypeRuleError), path, "top level", {"rule": "list[table]"}, TypeRuleError)
    rules = []
    for number, raw in enumerate(data.get("rule", []), start=1):
        fields(raw, path, f"rule {number}", _RULE_FIELDS, TypeRuleError, required=("type",))
        _check_expression(raw["type"], f"{path}: rule {number}: field 'type'")
        unknown = used_names(raw["type"]) - TYPES_MODULE_NAMES - TYPING_NAMES.keys() - _BUILTINS
        if unknown:
            raise TypeRuleError(f"{path}: rule {number} uses unknown names {sorted(unknown)}")
        rules.append(TypeRule(frozenset(raw.get("names", ())), tuple(raw.get("suffixes", ())),
                              frozenset(raw.get("families", ())), frozenset(raw.get("defaults", ())),
                              raw["type"]))
    return tuple(rules)


_RULE_FIELDS: dict[str, Kind] = {"names": "list[str]", "suffixes": "list[str]", "families": "list[str]",
                                 "defaults": "list[str]", "type": "str"}


def _check_expression(annotation: str, where: str) -> None:
    """A type must be a Python expression: it is pasted into every signature that matches."""
    try:
        ast.parse(annotation.strip() or "<empty>", mode="eval")
    except SyntaxError as error:
        raise TypeRuleError(f"{where} {annotation!r} is not a Python type expression: {error.msg}") from None


# Besides keras3.types and typing: builtins, and `keras.…` names (one identifier per dotted part).
_BUILTINS = frozenset({"Any", "None", "int", "float", "str", "bool", "bytes", "tuple", "list", "dict",
                       "keras", "Model", "Layer"})


def default_kind(default: str | None) -> str | None:
    """"bool", "int", "float", "str", "tuple" or "None" for a literal default; None otherwise."""
    if default is None:
        return None
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    for kind, types in (("None", type(None)), ("bool", bool), ("int", int), ("float", float), ("str", str),
                        ("tuple", (tuple, list))):
        if isinstance(value, types):
            return kind
    return None


def annotate(name: str, default: str | None, family: str, rules: tuple[TypeRule, ...] | None = None) -> str:
    kind = default_kind(default)
    for rule in rules if rules is not None else load_rules():
        if rule.matches(name, kind, family):
            admits_none = "None" in used_names(rule.type)
            return rule.type if (kind != "None" or admits_none) else f"{rule.type} | None"
    return "Any | None" if kind == "None" else "Any"


def used_names(annotation: str) -> set[str]:
    """Identifiers an annotation refers to (`Literal['avg', 'max']` refers to Literal only)."""
    return set(_IDENTIFIER.findall(_STRING.sub("", annotation)))
