"""Read the hand-written overrides (generated/keras3/overrides.py) with libcst.

An override is a top-level function decorated `@override(upstream="keras.X", tethered_to="<hash>")`.
The binding re-exports it in place of the generated wrapper of the same name; the drift check
compares its tether with the upstream symbol's identity in the pinned snapshot (its record hash; for an alias
path, that of the alias and its target).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import libcst.matchers as m

from generator.settings import OVERRIDES_FILE


class OverrideError(ValueError):
    """An override is malformed; the message names the file, line and function."""


@dataclass(frozen=True)
class Override:
    name: str  # the keras3 wrapper name it replaces
    upstream: str  # the public path it wraps
    tethered_to: str  # the identity (SnapshotStore.identity) of `upstream` it was written against
    line: int


class _OverrideCollector(m.MatcherDecoratableVisitor):
    """Collects the `@override(...)` functions of a module, one purpose only."""

    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(self, file: Path) -> None:
        super().__init__()
        self.file = file
        self.found: list[Override] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for decorator in node.decorators:
            call = decorator.decorator
            if m.matches(call, m.Call(func=m.Name("override"))):
                assert isinstance(call, cst.Call)
                line = self.get_metadata(cst.metadata.PositionProvider, decorator).start.line
                self.found.append(self._override(node, call, line))
        return False  # nested functions are not overrides

    def _override(self, node: cst.FunctionDef, call: cst.Call, line: int) -> Override:
        arguments = {}
        for arg in call.args:
            if arg.keyword is None or not isinstance(arg.value, cst.SimpleString):
                raise OverrideError(f"{self.file}:{line}: {node.name.value}: @override takes "
                                    "upstream=\"...\" and tethered_to=\"...\" as string keywords")
            arguments[arg.keyword.value] = arg.value.evaluated_value
        missing = {"upstream", "tethered_to"} - arguments.keys()
        if missing:
            raise OverrideError(f"{self.file}:{line}: {node.name.value}: @override lacks {', '.join(sorted(missing))}")
        return Override(node.name.value, str(arguments["upstream"]), str(arguments["tethered_to"]), line)


def read_overrides(file: Path = OVERRIDES_FILE) -> tuple[Override, ...]:
    if not file.exists():
        return ()
    text = file.read_text(encoding="utf-8")
    try:
        # Python's own parser first: libcst places some errors (an unterminated string) at line 1.
        ast.parse(text, filename=str(file))
        module = cst.parse_module(text)
    except SyntaxError as error:
        line = (error.text or "").strip()
        raise OverrideError(f"{file}:{error.lineno}: {error.msg}" + (f": {line}" if line else "")) from None
    except cst.ParserSyntaxError as error:
        raise OverrideError(f"{file}:{error.raw_line}: {error.message}") from None
    collector = _OverrideCollector(file)
    cst.MetadataWrapper(module).visit(collector)
    return tuple(sorted(collector.found, key=lambda o: o.name))
