"""Wrapper names: an upstream public path -> its keras3 name, as the R package {keras3} names it.

`keras.layers.Dense` -> `layer_dense`, `keras.ops.image.resize` -> `op_image_resize`,
`keras.optimizers.schedules.CosineDecay` -> `learning_rate_schedule_cosine_decay`.

The rule is code (this module); every exception to it is data (`spec/naming.toml`): prefixes,
renames, protected acronyms, fix-ups and families. Functions here are pure: the same path and spec
always give the same name, with no Keras import, so names can be computed for any stored release.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.settings import SPEC_DIR
from generator.tomlfiles import Kind, fields, read_toml
from generator.upstream.model import Snapshot, Symbol

DEFAULT_SPEC = SPEC_DIR / "naming.toml"

# A prefix is empty or lower snake_case; checked at load so a typo in the TOML fails early.
_PREFIX = re.compile(r"^(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)*)?$")
_TOP_FIELDS: dict[str, Kind] = {
    "keep_case": "list[str]", "class_function_pairs": "list[str]", "prefixes": "table[str]",
    "qualify": "table", "renames": "table[str]", "protect": "table[str]", "group": "list[table]",
    "fixup": "list[table]",
}
_GROUP_FIELDS: dict[str, Kind] = {"module": "str", "prefix": "str", "members": "list[str]", "suffix": "str",
                                  "implementation": "str"}
_FIXUP_FIELDS: dict[str, Kind] = {"pattern": "str", "replace": "str", "why": "str"}


class NamingError(ValueError):
    """The naming spec is malformed, or it cannot name a path; the message says what to change."""


@dataclass(frozen=True)
class NameGroup:
    """Classes of one module named by family, not by module (activation layers, RNN cells)."""

    module: str
    prefix: str
    members: frozenset[str] = frozenset()  # leaf names in the family
    suffix: str | None = None  # or: leaf names ending with it (the suffix is dropped from the name)
    # name_table checks that every class of `module` implemented under this package is a member
    # (or renamed): the snapshot knows the implementation, a bare path does not.
    implementation: str | None = None

    def claims(self, module: str, leaf: str) -> bool:
        if module != self.module:
            return False
        return leaf in self.members or (self.suffix is not None and leaf.endswith(self.suffix)
                                        and leaf != self.suffix)


@dataclass(frozen=True)
class NamingSpec:
    prefixes: Mapping[str, str]  # module path, or "module.*" for everything below it -> prefix
    renames: Mapping[str, str]  # full public path -> wrapper name
    protect: tuple[tuple[str, str], ...]  # literal replacements before CamelCase conversion
    fixups: tuple[tuple[re.Pattern[str], str], ...]  # regex fix-ups of converted names, in order
    groups: tuple[NameGroup, ...]
    qualify: Mapping[str, frozenset[str]]  # module pattern -> leaf names ("*": all) to qualify
    keep_case: frozenset[str]  # modules whose leaf names are kept verbatim
    class_function_pairs: frozenset[str]  # modules where a class and a function may share a name
    source: Path  # for messages

    def covers(self, path: str) -> bool:
        """Whether the spec names this path: a rename, or a module with a prefix."""
        return path in self.renames or _match_module(_module_of(path), self.prefixes) is not None


# --- loading -------------------------------------------------------------------------------------


def load_naming_spec(path: Path = DEFAULT_SPEC) -> NamingSpec:
    # A misspelt table would silently drop its rules: unknown fields are refused.
    data = fields(read_toml(path, NamingError), path, "top level", _TOP_FIELDS, NamingError)

    prefixes = _string_table(data, "prefixes", path)
    for module, prefix in prefixes.items():
        if not _PREFIX.match(prefix):
            raise NamingError(f"{path}: [prefixes] {module!r} = {prefix!r} "
                              "is not a snake_case prefix")
    renames = _string_table(data, "renames", path)
    for target, name in renames.items():
        _check_identifier(name, f"{path}: [renames] {target!r}")
    protect = tuple(_string_table(data, "protect", path).items())
    return NamingSpec(
        prefixes=prefixes,
        renames=renames,
        protect=protect,
        fixups=tuple(_fixup(raw, n, path) for n, raw in enumerate(data.get("fixup", []), start=1)),
        groups=tuple(_group(raw, n, path) for n, raw in enumerate(data.get("group", []), start=1)),
        qualify={module: frozenset(_string_list(leaves, f"{path}: [qualify] {module!r}"))
                 for module, leaves in data.get("qualify", {}).items()},
        keep_case=frozenset(_string_list(data.get("keep_case", []), f"{path}: keep_case")),
        class_function_pairs=frozenset(
            _string_list(data.get("class_function_pairs", []), f"{path}: class_function_pairs")),
        source=path,
    )


def _string_table(data: Mapping[str, Any], key: str, path: Path) -> dict[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise NamingError(f"{path}: [{key}] must map strings to strings")
    return dict(table)


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise NamingError(f"{where} must be a list of strings")
    return value


def _fixup(raw: Mapping[str, Any], number: int, path: Path) -> tuple[re.Pattern[str], str]:
    where = f"{path}: fixup {number}"
    fields(raw, path, f"fixup {number}", _FIXUP_FIELDS, NamingError, required=("pattern", "replace"))
    try:
        return re.compile(raw["pattern"]), raw["replace"]
    except re.error as error:
        raise NamingError(f"{where}: pattern {raw['pattern']!r}: {error}") from None


def _group(raw: Mapping[str, Any], number: int, path: Path) -> NameGroup:
    where = f"{path}: group {number}"
    fields(raw, path, f"group {number}", _GROUP_FIELDS, NamingError, required=("module", "prefix"))
    if "members" not in raw and "suffix" not in raw:
        raise NamingError(f"{where} needs members or suffix, else it claims nothing")
    if not _PREFIX.match(raw["prefix"]):
        raise NamingError(f"{where}: prefix {raw['prefix']!r} is not a snake_case prefix")
    return NameGroup(
        module=raw["module"],
        prefix=raw["prefix"],
        members=frozenset(_string_list(raw.get("members", []), f"{where}: members")),
        suffix=raw.get("suffix"),
        implementation=raw.get("implementation"),
    )


# --- the rule ------------------------------------------------------------------------------------


def wrapper_name(path: str, spec: NamingSpec) -> str:
    """The keras3 name of an upstream public path (use the canonical path: aliases share it)."""
    if path in spec.renames:
        return spec.renames[path]
    module, leaf = _module_of(path), path.rsplit(".", 1)[-1]
    if module in spec.keep_case:
        return _checked(leaf, path)

    group = next((g for g in spec.groups if g.claims(module, leaf)), None)
    if group is not None:
        prefix = group.prefix
        if group.suffix and leaf not in group.members:
            leaf = leaf[: -len(group.suffix)]
    else:
        key = _match_module(module, spec.prefixes)
        if key is None:
            raise NamingError(f"{path}: no prefix for module {module}; add it under [prefixes] "
                              f"in {spec.source}, or give {path} a rename")
        prefix = spec.prefixes[key]

    name = snake_name(leaf, spec)
    qualified = _match_module(module, spec.qualify)
    if qualified is not None and ({"*", leaf} & spec.qualify[qualified]):
        # Sibling submodules define the same leaf (preprocess_input, load_data): say whose it is.
        name = f"{module.rsplit('.', 1)[-1]}_{name}"
    name = drop_repeated_prefix(name, prefix)
    return _checked(f"{prefix}_{name}" if prefix else name, path)


def snake_name(leaf: str, spec: NamingSpec) -> str:
    """An upstream leaf name in snake_case.

    Upstream's snake_case names are kept as they are (`log10`, `arctan2`, `relu6`): converting
    them again would split digits off. Only CamelCase names are converted, and then fixed up.
    """
    if not any(c.isupper() for c in leaf):
        return leaf
    for old, new in spec.protect:
        leaf = leaf.replace(old, new)
    name = camel_to_snake(leaf)
    for pattern, replacement in spec.fixups:
        name = pattern.sub(replacement, name)
    return name


def camel_to_snake(name: str) -> str:
    """CamelCase -> snake_case as the R package's converter does it (snakecase::to_snake_case):
    a run of capitals is one word (`CSVLogger` -> `csv_logger`), and digits are words of their
    own (`Conv1D` -> `conv_1_d`; the fix-ups then join what R joins)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)  # CSVLogger -> CSV_Logger
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)  # BinaryAccuracy -> Binary_Accuracy
    name = re.sub(r"([A-Za-z])([0-9])", r"\1_\2", name)  # Conv1 -> Conv_1
    name = re.sub(r"([0-9])([A-Za-z])", r"\1_\2", name)  # 1D -> 1_D
    return re.sub(r"_+", "_", name).strip("_").lower()


def drop_repeated_prefix(name: str, prefix: str) -> str:
    """Drop the prefix's words from the name when they repeat it (LambdaCallback ->
    callback_lambda, OrthogonalRegularizer -> regularizer_orthogonal, MeanMetricWrapper ->
    metric_mean_wrapper). The prefix's words are matched as one sequence, so
    `bounding_box` + `encode_box_to_deltas` keeps its `box`. A name that is nothing but the
    prefix is kept whole: it needs a rename (see keras.distribution.distribution)."""
    if not prefix:
        return name
    words, drop = name.split("_"), prefix.split("_")
    kept: list[str] = []
    i = 0
    while i < len(words):
        if words[i : i + len(drop)] == drop:
            i += len(drop)
        else:
            kept.append(words[i])
            i += 1
    return "_".join(kept) if kept else name


def _checked(name: str, path: str) -> str:
    _check_identifier(name, path)
    return name


def _check_identifier(name: str, where: str) -> None:
    # Wrappers are module-level Python functions: a keyword or a non-identifier cannot be defined.
    if not name.isidentifier() or keyword.iskeyword(name):
        raise NamingError(f"{where}: {name!r} is not a usable Python name; give it a rename")


def _module_of(path: str) -> str:
    return path.rsplit(".", 1)[0] if "." in path else path


def _match_module(module: str, table: Mapping[str, Any]) -> str | None:
    """The key of `table` that covers `module`: the module itself, else the nearest ancestor's
    "ancestor.*". Nearest wins, so keras.ops.image beats keras.ops and an exact entry beats a
    wildcard one level up."""
    if module in table:
        return module
    parts = module.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        key = ".".join(parts[:cut]) + ".*"
        if key in table:
            return key
    return None


# --- the table for one release -------------------------------------------------------------------


def name_table(snapshot: Snapshot, spec: NamingSpec) -> dict[str, str]:
    """Canonical path -> wrapper name for every function and class the spec covers.

    Aliases are not keys: an alias is the same object, so it takes its canonical path's wrapper
    (`resolve_name`). Fails, naming every path involved, when two different objects would share a
    name (except a class and a function of one `class_function_pairs` module, which are one
    wrapper), or when a family's implementation check finds an unclaimed class.
    """
    table: dict[str, str] = {}
    owners: dict[str, list[Symbol]] = {}
    for symbol in sorted(snapshot.canonical_symbols(), key=lambda s: s.path):
        if symbol.kind not in ("function", "class") or not spec.covers(symbol.path):
            continue
        name = wrapper_name(symbol.path, spec)
        table[symbol.path] = name
        owners.setdefault(name, []).append(symbol)

    problems = [_collision(name, symbols, spec) for name, symbols in sorted(owners.items())
                if len(symbols) > 1 and not _is_class_function_pair(symbols, spec)]
    problems += _unclaimed_group_members(snapshot, spec)
    if problems:
        raise NamingError(f"Keras {snapshot.keras_version}: " + "\n".join(problems))
    return table


def resolve_name(snapshot: Snapshot, path: str, table: Mapping[str, str]) -> str | None:
    """The wrapper of any public path, alias or not (keras.ops.nn.relu -> op_relu); None when
    the spec does not name its canonical path."""
    symbol = snapshot.symbols.get(path)
    return None if symbol is None else table.get(symbol.canonical_path)


def _is_class_function_pair(symbols: list[Symbol], spec: NamingSpec) -> bool:
    modules = {_module_of(s.path) for s in symbols}
    kinds = sorted(s.kind for s in symbols)
    return (kinds == ["class", "function"] and len(modules) == 1
            and modules <= spec.class_function_pairs)


def _collision(name: str, symbols: Iterable[Symbol], spec: NamingSpec) -> str:
    paths = " and ".join(s.path for s in symbols)
    return (f"wrapper name {name!r} is given to both {paths}; "
            f"give one of them a rename under [renames] in {spec.source}")


def _unclaimed_group_members(snapshot: Snapshot, spec: NamingSpec) -> list[str]:
    problems = []
    for group in spec.groups:
        if group.implementation is None:
            continue
        for symbol in snapshot.canonical_symbols():
            module, leaf = _module_of(symbol.path), symbol.path.rsplit(".", 1)[-1]
            if (symbol.kind == "class" and module == group.module
                    and symbol.implementation.startswith(group.implementation)
                    and not group.claims(module, leaf) and symbol.path not in spec.renames):
                problems.append(
                    f"{symbol.path} is implemented under {group.implementation} but is not in the "
                    f"{group.prefix}_* group: add {leaf!r} to its members in {spec.source}, "
                    "or rename it")
    return sorted(problems)
