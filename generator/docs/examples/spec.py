"""Per-example data, `[examples]` in spec/docs.toml: `[examples."<public path>"] skip = "reason"`
(listed, not run) and `[[examples.fixture]]` (code that defines what fragments assume, such as a
compiled `model` or `x_train`; it runs before the examples that need it and is shown as their
setup).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.binding.docstrings.patches import DOCS_SPEC
from generator.docs.examples.resolve import snippet_names
from generator.tomlfiles import read_toml


class ExampleSpecError(ValueError):
    """`[examples]` of spec/docs.toml is malformed; the message names the entry."""


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
        missing = sorted(set(defines) - snippet_names(code)[0])
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


def fixture_setup(codes: Sequence[str], fixtures: Sequence[Fixture]) -> tuple[str | None, list[bool]]:
    """The fixture code a docstring's runnable chunks need, and which chunks need it."""
    defined: set[str] = set()
    used: list[Fixture] = []
    needs: list[bool] = []
    for code in codes:
        bound, free = snippet_names(code)
        free -= defined
        wanted = [f for f in fixtures if free & set(f.defines)]
        needs.append(bool(wanted))
        used += [f for f in wanted if f not in used]
        defined |= bound
    used.sort(key=list(fixtures).index)
    return ("\n".join(f.code for f in used) if used else None), needs
