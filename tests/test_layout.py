"""The toolkit's layout reads as its data flow: no import circle, no stage that reaches back to a
later one (upstream -> changes -> binding -> render -> docs -> pipeline -> checks -> cli), and no
hand-written module so long that one concern hides another.

The graph is read from the source with `ast`, every `import` counted wherever it stands: at the
top, inside a function (a late import is still a dependency, and a circle of late imports still
a circle) or under `if TYPE_CHECKING:`. Cycles are found by the standard library's `graphlib`;
import-linter or grimp would do the same for a few dozen lines of code here and add a dependency
to every maintainer's venv."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each unit is a package or a module directly under generator/; a unit may import from its own
# unit and from units of a lower rank only. Units of one rank are independent of each other.
RANKS: dict[str, int] = {
    "tomlfiles": 0,  # TOML data files read with errors that name the file and field
    "settings": 1,  # the repository's paths, Keras release numbers, the pinned release
    "upstream": 2,  # introspect the installed Keras, the snapshot model, the store, releases
    "changes": 3,  # the graded diff, histories, the change report
    "binding": 4,  # spec, names, types, docstrings, overrides -> the binding model
    "render": 5,  # the binding model -> the keras3 package, written in place
    "docs": 6,  # the docs sources and site, upstream examples run
    "pipeline": 7,  # the composition root: a snapshot -> the package and the docs
    "checks": 8, "regenerate": 8,  # consumers of everything: drift, reports, preview, bench; the write flow
    "guides_sync": 8,  # the write flow of `make guides-sync`: tutobooks stored, pages merged
    "cli": 9,
    "__main__": 10,
}


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, package: str = "generator") -> dict[str, set[str]]:
    """{module: the modules of `package` it imports}, for every module under root/package."""
    files = {module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: resolved against this module's package
                    anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                    base = ".".join([*anchor, *([base] if base else [])])
                # `from generator.docs import site` imports the module generator.docs.site
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                           for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:  # `import generator.x.y` of a package path
                    target = target.rpartition(".")[0]
                if target.split(".")[0] == package and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def unit(module: str) -> str:
    """generator.binding.naming -> binding; generator.cli -> cli; generator -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import circle, each module importing the next (the first again at the end), or None."""
    try:  # graphlib reads the graph as {node: its predecessors}, here {module: what it imports}
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(reversed(error.args[1]))  # graphlib lists each dependency before its importer
    return None


def backward_edges(graph: Mapping[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            here, there = unit(module), unit(target)
            if here and there and here != there and not RANKS[there] < RANKS[here]:
                found.append(f"{module} -> {target} (rank {RANKS[here]} imports rank {RANKS[there]})")
    return found


GRAPH = import_graph(ROOT)


def test_the_generator_import_graph_has_no_cycle():
    found = cycle(GRAPH)
    assert found is None, "import cycle: " + " imports ".join(found or [])


def test_no_stage_imports_a_later_stage_or_a_sibling():
    assert backward_edges(GRAPH) == []


def test_every_unit_has_its_place_in_the_flow():
    """A new package or module directly under generator/ is placed in RANKS on purpose."""
    units = {unit(m) for m in GRAPH} - {""}
    assert units - RANKS.keys() == set(), "place these in RANKS"
    assert RANKS.keys() - units == set(), "RANKS names units that no longer exist"


def test_late_and_type_checking_imports_are_edges_too():
    """The reader sees imports inside functions (cli imports every command late)."""
    assert "generator.regenerate" in GRAPH["generator.cli"]
    assert "generator.upstream.introspect" in GRAPH["generator.regenerate"]


def test_a_cycle_and_a_backward_import_are_caught(tmp_path):
    package = tmp_path / "generator"
    (package / "upstream").mkdir(parents=True)
    (package / "binding").mkdir()
    for folder in (package, package / "upstream", package / "binding"):
        (folder / "__init__.py").write_text("")
    (package / "upstream" / "store.py").write_text(
        "def load():\n    from generator.binding import naming  # late, and backward\n")
    (package / "binding" / "naming.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from generator.upstream.store import load\n")
    graph = import_graph(tmp_path)
    assert graph["generator.upstream.store"] == {"generator.binding.naming"}
    assert graph["generator.binding.naming"] == {"generator.upstream.store"}
    assert set(cycle(graph) or []) == {"generator.upstream.store", "generator.binding.naming"}
    assert backward_edges(graph) == ["generator.upstream.store -> generator.binding.naming "
                                     "(rank 2 imports rank 4)"]


@pytest.mark.parametrize("source, expected", [
    ("from generator.docs import site", "generator.docs.site"),
    ("from . import site", "generator.docs.site"),
    ("from .site import run", "generator.docs.site"),
    ("import generator.docs.site", "generator.docs.site"),
    ("from generator.docs.site import run", "generator.docs.site"),
])
def test_each_spelling_of_an_import_resolves_to_its_module(tmp_path, source, expected):
    docs = tmp_path / "generator" / "docs"
    docs.mkdir(parents=True)
    for path in (tmp_path / "generator" / "__init__.py", docs / "__init__.py", docs / "site.py"):
        path.write_text("")
    (docs / "examples.py").write_text(source + "\n")
    assert import_graph(tmp_path)["generator.docs.examples"] == {expected}


# One concern per module: past this many lines a module usually holds several.
MAX_LINES = 600


def test_no_hand_written_module_is_over_the_limit():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for folder in ("generator", "tests") for p in sorted((ROOT / folder).rglob("*.py"))}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
