"""The binding spec, `spec/binding.toml`: the families (which upstream modules each generated module
wraps, in which shape), skips with reasons, bases, member wrappers, model verbs and hand-written
files, read field by field into a checked `BindingSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.settings import SPEC_DIR
from generator.tomlfiles import Kind, fields, read_toml


class SpecError(ValueError):
    """The binding spec is malformed or names something upstream lacks; the message says which."""


@dataclass(frozen=True)
class Family:
    module: str  # generated module, e.g. "ops" -> keras3/ops.py
    upstream: tuple[str, ...]
    shape: str
    include_submodules: bool = False

    def covers(self, module_path: str) -> bool:
        return module_path in self.upstream or (
            self.include_submodules and any(module_path.startswith(u + ".") for u in self.upstream)
        )


@dataclass(frozen=True)
class BindingSpec:
    families: tuple[Family, ...]
    skip: Mapping[str, str]  # path or "module.*" -> reason
    bases: Mapping[str, str]  # keras3 name -> upstream path
    hand_written: tuple[str, ...]
    member_wrappers: Mapping[str, Mapping[str, Any]]
    source: Path
    verbs: Mapping[str, Any] = field(default_factory=dict)  # [verbs]: module and name -> method
    # [docs_from]: upstream callables with no docstring of their own, documented from what they call
    docs_from: Mapping[str, Any] = field(default_factory=dict)
    serialized_by_name: tuple[str, ...] = ()  # modules whose functions Keras saves by `__name__`
    serialized_by_name_except: tuple[str, ...] = ()  # their lookup helpers (get, serialize, ...)

    def skip_reason(self, path: str) -> str | None:
        if path in self.skip:
            return self.skip[path]
        parts = path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            reason = self.skip.get(".".join(parts[:cut]) + ".*")
            if reason is not None:
                return reason
        return None

    def family_of(self, path: str) -> Family | None:
        module = path.rsplit(".", 1)[0]
        return next((f for f in self.families if f.covers(module)), None)


_TOP_FIELDS: dict[str, Kind] = {"hand_written": "list[str]", "family": "list[table]", "bases": "table[str]",
                                "skip": "table[str]", "member_wrappers": "table", "verbs": "table",
                                "docs_from": "table", "serialized_by_name": "list[str]",
                                "serialized_by_name_except": "list[str]"}
_VERB_FIELDS: dict[str, Kind] = {"module": "str", "methods": "table[str]", "returns": "table[str]"}
_FAMILY_FIELDS: dict[str, Kind] = {"module": "str", "upstream": "list[str]", "shape": "str",
                                   "include_submodules": "bool"}
_MEMBER_FIELDS: dict[str, Kind] = {"module": "str", "prefix": "str", "kinds": "list[str]",
                                   "exclude": "list[str]", "renames": "table[str]"}
SHAPES = ("function", "layer", "dual")


def load_binding_spec(path: Path = SPEC_DIR / "binding.toml") -> BindingSpec:
    data = fields(read_toml(path, SpecError), path, "top level", _TOP_FIELDS, SpecError)
    families = []
    for number, raw in enumerate(data.get("family", []), start=1):
        where = f"family {number}" + (f" ({raw['module']})" if isinstance(raw.get("module"), str) else "")
        fields(raw, path, where, _FAMILY_FIELDS, SpecError, required=("module", "upstream", "shape"))
        if not raw["module"].isidentifier():
            raise SpecError(f"{path}: {where}: field 'module' must name a Python module, got {raw['module']!r}")
        if raw["shape"] not in SHAPES:
            raise SpecError(f"{path}: {where}: field 'shape' is {raw['shape']!r}; one of {', '.join(SHAPES)}")
        families.append(Family(raw["module"], tuple(raw["upstream"]), raw["shape"],
                                bool(raw.get("include_submodules", False))))
    for name in data.get("hand_written", ()):
        if Path(name).name != name or name in ("", ".", ".."):
            raise SpecError(f"{path}: top level: field 'hand_written' lists {name!r}; "
                            "a file name inside generated/keras3 is meant")
    for symbol, rule in data.get("member_wrappers", {}).items():
        fields(rule, path, f"member_wrappers.{symbol!r}", _MEMBER_FIELDS, SpecError, required=("module", "prefix"))
    if "verbs" in data:
        fields(data["verbs"], path, "verbs", _VERB_FIELDS, SpecError, required=("module", "methods"))
        stray = sorted(set(data["verbs"].get("returns", {})) - set(data["verbs"]["methods"]))
        if stray:
            raise SpecError(f"{path}: verbs.returns names no verb: {', '.join(stray)}")
    return BindingSpec(
        families=tuple(families),
        skip=dict(data.get("skip", {})),
        bases=dict(data.get("bases", {})),
        hand_written=tuple(data.get("hand_written", ())),
        member_wrappers=dict(data.get("member_wrappers", {})),
        source=path,
        verbs=dict(data.get("verbs", {})),
        docs_from=dict(data.get("docs_from", {})),
        serialized_by_name=tuple(data.get("serialized_by_name", ())),
        serialized_by_name_except=tuple(data.get("serialized_by_name_except", ())),
    )
