"""Parameter and return types for the wrappers, from the rules in generator/spec/types.toml.

Pure functions: a parameter's type of (parameter name, upstream default, family), a wrapper's
return type of (wrapper name, family, shape). Rules are data, tried in order.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from generator.settings import SPEC_DIR
from generator.tomlfiles import Kind, fields, read_toml

RULES_FILE = SPEC_DIR / "types.toml"

# Names an annotation may use, and where each comes from (for the generated module's imports).
TYPES_MODULE_NAMES = frozenset({
    "ActivationLike", "Axis", "BackendTensor", "ConstraintLike", "DTypeLike", "DataFormat", "Feature", "Float",
    "InitializerLike", "Int", "IntOrTuple", "LearningRateLike", "LossLike", "NDArray", "Name", "NotATensor", "Padding",
    "PathLike", "Reduction", "RegularizerLike", "Seed", "ShapeLike", "Tensor", "TensorLike",
})
TYPING_NAMES = {"Literal": "typing", "Callable": "collections.abc", "Mapping": "collections.abc",
                "Sequence": "collections.abc", "Iterator": "collections.abc", "Iterable": "collections.abc"}
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")
# A name and its attributes (`keras.layers.Dense`): the annotation refers to the first part only.
_IDENTIFIER = re.compile(r"(?<![.\w])([A-Za-z_][A-Za-z_0-9]*)(?:\.[A-Za-z_][A-Za-z_0-9]*)*")
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
    data = fields(read_toml(path, TypeRuleError), path, "top level", {"rule": "list[table]", "returns": "list[table]", "layer": "list[table]"}, TypeRuleError)
    rules = []
    for number, raw in enumerate(data.get("rule", []), start=1):
        fields(raw, path, f"rule {number}", _RULE_FIELDS, TypeRuleError, required=("type",))
        _check_expression(raw["type"], f"{path}: rule {number}: field 'type'")
        unknown = used_names(raw["type"]) - TYPES_MODULE_NAMES - TYPING_NAMES.keys() - _BUILTINS
        if unknown:
            raise TypeRuleError(f"{path}: rule {number} uses unknown names {sorted(unknown)}")
        scalars = used_names(raw["type"]) & {"int", "float"}
        if scalars:
            # Keras takes NumPy scalars wherever it takes Python ones (`units=np.int64(3)`).
            raise TypeRuleError(f"{path}: rule {number} uses {', '.join(sorted(scalars))}; use Int or Float "
                                "(they admit NumPy scalars, as Keras does)")
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


@dataclass(frozen=True)
class ReturnRule:
    names: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    families: frozenset[str]
    shapes: frozenset[str]
    type: str
    symbolic: str | None  # the type when the first tensor argument is a KerasTensor

    def matches(self, name: str, family: str, shape: str) -> bool:
        if self.families and family not in self.families:
            return False
        if self.shapes and shape not in self.shapes:
            return False
        if self.names or self.prefixes or self.suffixes:
            return name in self.names or name.startswith(self.prefixes) or name.endswith(self.suffixes)
        return True


@dataclass(frozen=True)
class ReturnType:
    type: str
    symbolic: str | None = None


@cache
def load_return_rules(path: Path = RULES_FILE) -> tuple[ReturnRule, ...]:
    data = read_toml(path, TypeRuleError)
    rules = []
    for number, raw in enumerate(data.get("returns", []), start=1):
        if "type" not in raw:
            raise TypeRuleError(f"{path}: returns rule {number} has no type")
        for key in ("type", "symbolic"):
            if key in raw:
                _check_names(path, f"returns rule {number}", raw[key])
        unknown_keys = raw.keys() - {"names", "prefixes", "suffixes", "families", "shapes", "type", "symbolic"}
        if unknown_keys:
            raise TypeRuleError(f"{path}: returns rule {number} has unknown keys {sorted(unknown_keys)}")
        rules.append(ReturnRule(frozenset(raw.get("names", ())), tuple(raw.get("prefixes", ())),
                                tuple(raw.get("suffixes", ())), frozenset(raw.get("families", ())), frozenset(raw.get("shapes", ())),
                                raw["type"], raw.get("symbolic")))
    return tuple(rules)


def return_type(name: str, family: str, shape: str, rules: tuple[ReturnRule, ...] | None = None) -> ReturnType:
    """What a function-shaped wrapper returns: the first matching `[[returns]]` rule, else Any."""
    for rule in rules if rules is not None else load_return_rules():
        if rule.matches(name, family, shape):
            return ReturnType(rule.type, rule.symbolic)
    return ReturnType("Any")


@dataclass(frozen=True)
class LayerRule:
    bases: frozenset[str]
    symbolic: str
    concrete: str
    mapping: bool

    def matches(self, path: str, mro: tuple[str, ...]) -> bool:
        return not self.bases or bool(self.bases & {path, *mro})


@cache
def load_layer_rules(path: Path = RULES_FILE) -> tuple[LayerRule, ...]:
    data = read_toml(path, TypeRuleError)
    rules = []
    for number, raw in enumerate(data.get("layer", []), start=1):
        missing = {"symbolic", "concrete"} - raw.keys()
        if missing:
            raise TypeRuleError(f"{path}: layer rule {number} lacks {', '.join(sorted(missing))}")
        for key in ("symbolic", "concrete"):
            _check_names(path, f"layer rule {number}", raw[key])
        rules.append(LayerRule(frozenset(raw.get("bases", ())), raw["symbolic"], raw["concrete"],
                               bool(raw.get("mapping", False))))
    return tuple(rules)


Overloads = tuple[tuple[str, str], ...]  # (type of the composition argument, return type), in order


def layer_overloads(path: str, mro: tuple[str, ...], rules: tuple[LayerRule, ...] | None = None) -> Overloads:
    """What a layer wrapper returns for each kind of `object` (see the [[layer]] rules)."""
    rule = next((r for r in (rules if rules is not None else load_layer_rules()) if r.matches(path, mro)), None)
    symbolic, concrete = (rule.symbolic, rule.concrete) if rule else ("keras.KerasTensor", "Tensor")
    overloads = [("None", path), ("keras.Sequential", "keras.Sequential"), ("keras.KerasTensor", symbolic),
                 ("Sequence[keras.KerasTensor]", symbolic), ("TensorLike", concrete)]
    if rule is not None and rule.mapping:
        overloads.append(("Mapping[str, Any]", "dict[str, Any]"))
    return tuple(overloads)


def dual_overloads(path: str) -> Overloads:
    """A loss or metric wrapper: no y_true/y_pred -> the configured object; both -> the value."""
    return (("None", path), ("keras.KerasTensor", "keras.KerasTensor"), ("TensorLike", "Tensor"))


def _check_names(path: Path, what: str, annotation: str) -> None:
    unknown = used_names(annotation) - TYPES_MODULE_NAMES - TYPING_NAMES.keys() - _BUILTINS
    if unknown:
        raise TypeRuleError(f"{path}: {what} uses unknown names {sorted(unknown)}")


# Besides keras3.types and typing: builtins, and `keras.…` names (one identifier per dotted part).
_BUILTINS = frozenset({"Any", "None", "int", "float", "str", "bool", "bytes", "tuple", "list", "dict",
                       "keras", "object"})


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


_DOCUMENTS_NONE = re.compile(r"\bNone\b")
_DOCUMENTS_LIST = re.compile(r"\b(?:lists?|tuples?)\b", re.IGNORECASE)
# Names whose types admit a list already.
_ADMIT_LISTS = frozenset({"Any", "object", "Sequence", "TensorLike", "ShapeLike", "Axis", "IntOrTuple", "Padding",
                          "list"})


def admit_documented(annotation: str, description: str) -> str:
    """Widen a parameter's type to what its upstream docstring says Keras accepts: `None` where
    the docs name None ("or None", "If None, ..."), a list where they name a list or tuple.

    Types never reject what Keras accepts (issue "keras3 in real use", item 6): the rule-level
    answer to `application_*(weights=None)`, `layer_bidirectional(merge_mode=None)`,
    `image_dataset_from_directory(labels=[...])` and their like, rather than one-off fixes.
    """
    if annotation in IMPRECISE:
        return annotation
    names = used_names(annotation)
    if _DOCUMENTS_LIST.search(description) and not names & _ADMIT_LISTS:
        annotation = f"{annotation} | Sequence[Any]"
    if _DOCUMENTS_NONE.search(description) and "None" not in names:
        annotation = f"{annotation} | None"
    return annotation


def used_names(annotation: str) -> set[str]:
    """Identifiers an annotation refers to (`Literal['avg', 'max']` refers to Literal only)."""
    return set(_IDENTIFIER.findall(_STRING.sub("", annotation)))
