"""A tutobook read as keras.io's converter (`keras-io/scripts/tutobooks.py`) reads it: a header
docstring (`Title:`, `Author:`/`Authors:`, `Date created:`, `Last modified:`, `Description:`,
`Accelerator:`, ...; a Title may be missing), then Markdown prose in triple-quoted strings (`\"\"\"invisible` is not
rendered, `\"\"\"shell` holds shell commands) between the code cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_HEADER_FIELD = re.compile(r"^(?P<key>[A-Z][A-Za-z ]*?):[ \t]*(?P<value>.*)$")


class TutobookError(ValueError):
    """The file is not a tutobook; the message names the file and the line."""


@dataclass(frozen=True)
class Cell:
    kind: Literal["prose", "code", "shell", "invisible"]
    text: str  # without the triple quotes and without the blank lines around it


@dataclass(frozen=True)
class Tutobook:
    header: tuple[tuple[str, str], ...]  # (field, value) in the order written
    cells: tuple[Cell, ...]

    def field(self, *names: str) -> str:
        for key, value in self.header:
            if key in names:
                return value
        return ""

    def title(self, name: str) -> str:
        """The header's Title, or the file's name when it has none."""
        return self.field("Title") or name.rsplit("/", 1)[-1].removesuffix(".py").replace("_", " ").capitalize()

    def prose(self) -> str:
        """The prose a reader sees, in order (what the sentence count is taken over)."""
        return "\n\n".join(c.text for c in self.cells if c.kind == "prose")


def parse_tutobook(text: str, name: str) -> Tutobook:
    lines = text.replace("\r\n", "\n").split("\n")
    at = 0
    while at < len(lines) and (not lines[at].strip() or lines[at].startswith("#")):  # a coding line
        at += 1
    if at >= len(lines) or lines[at].strip() != '"""':
        raise TutobookError(f"{name}: line {at + 1}: a tutobook starts with a header docstring (\"\"\")")
    header: list[tuple[str, str]] = []
    at += 1
    while at < len(lines) and not lines[at].startswith('"""'):
        line = lines[at]
        match = _HEADER_FIELD.match(line)
        if match:
            header.append((match.group("key"), match.group("value").strip()))
        elif line.strip() and header:  # a value continued on the next line
            key, value = header[-1]
            header[-1] = (key, f"{value} {line.strip()}")
        elif line.strip():
            raise TutobookError(f"{name}: line {at + 1}: header line {line!r} is not 'Field: value'")
        at += 1
    if at >= len(lines):
        raise TutobookError(f"{name}: the header docstring is never closed")
    cells: list[Cell] = []
    at += 1
    code: list[str] = []
    while at < len(lines):
        line = lines[at]
        if line.startswith('"""'):
            _flush(code, cells)
            tag = line[3:].strip()
            first: list[str] = []
            if tag not in ("", "shell", "invisible"):  # `"""# Heading`: prose that starts on the quotes' line
                first, tag = [tag], ""
            end = at + 1
            while end < len(lines) and not lines[end].startswith('"""'):
                end += 1
            if end >= len(lines):
                raise TutobookError(f"{name}: line {at + 1}: a text cell is never closed")
            body = "\n".join([*first, *lines[at + 1:end]]).strip("\n")
            cells.append(Cell({"": "prose", "shell": "shell", "invisible": "invisible"}[tag], body))  # type: ignore[arg-type]
            at = end + 1
            continue
        code.append(line)
        at += 1
    _flush(code, cells)
    return Tutobook(tuple(header), tuple(cells))


def _flush(code: list[str], cells: list[Cell]) -> None:
    text = "\n".join(code).strip("\n")
    if text.strip():
        cells.append(Cell("code", text))
    code.clear()
