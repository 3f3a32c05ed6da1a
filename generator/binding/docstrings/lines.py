"""The lines of a docstring: indentation, section labels, code fences and doctest runs, dedenting.

The small lexical facts every other step (`parse`, `markdown`, `sentences`) reads a docstring with.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from generator.binding.docstrings.model import SECTION_TITLES

WORD = re.compile(r"\w+")
LABEL = re.compile(r"^(?P<title>[A-Z][^:]*):(?:[ \t]+(?P<inline>\S.*))?$")
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
DOCTEST = re.compile(r"^[ \t]*>>>")
LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]")


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_label(line: str) -> bool:
    match = LABEL.match(line.strip())
    return bool(match and match.group("title") in SECTION_TITLES)


def fence_mask(lines: Sequence[str]) -> tuple[bool, ...]:
    """For each line: is it part of a fenced code block (its markers included)?

    A marker line that also closes on the same line (```` ```f(x)``` ````) is inline code. An
    opening fence that never closes is taken to run to the end of the text when no section label
    follows it (an example whose closing fence upstream forgot), and otherwise to be a stray
    marker (not a block; `parse_docstring` drops it) so that it cannot swallow the sections
    after it.
    """
    mask = [False] * len(lines)
    i = 0
    while i < len(lines):
        opening = FENCE_OPEN.match(lines[i])
        if not opening or opening.group("marker")[0] in opening.group("info"):
            i += 1
            continue
        marker = opening.group("marker")
        close = next(
            (j for j in range(i + 1, len(lines))
             if lines[j].strip().startswith(marker[0] * len(marker))
             and not lines[j].strip().strip(marker[0])),
            None,
        )
        if close is None:
            if any(is_label(line) for line in lines[i + 1:]):
                i += 1
                continue
            close = len(lines) - 1
        for j in range(i, close + 1):
            mask[j] = True
        i = close + 1
    return tuple(mask)


def fence_blocks(lines: Sequence[str], mask: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) line index of each fenced block."""
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if mask[i]:
            j = i + 1
            while j < len(lines) and mask[j] and not (
                FENCE_OPEN.match(lines[j]) and not lines[j].strip().strip("`~")
            ):
                j += 1
            last = min(j, len(lines) - 1)
            blocks.append((i, last))
            i = last + 1
        else:
            i += 1
    return blocks


def dedent_lines(lines: Sequence[str]) -> list[str]:
    """Remove the common margin, measured on prose lines only.

    Keras fills `{{...}}` placeholders with text at column 0 into docstrings indented by four, and
    that text often holds a fenced example: `inspect.cleandoc` then sees no common margin and
    leaves every section label indented. Fenced blocks are shifted as a whole (by at most the
    margin, and never past their own opening marker) so code keeps its relative indentation.
    """
    lines = [line.expandtabs(4).rstrip() for line in lines]
    mask = fence_mask(lines)
    prose = [indent_of(line) for line, fenced in zip(lines, mask) if line and not fenced]
    margin = min(prose, default=0)
    if margin == 0:
        return lines
    out = list(lines)
    for i, (line, fenced) in enumerate(zip(lines, mask)):
        if not fenced:
            out[i] = line[margin:] if line else ""
    for first, last in fence_blocks(lines, mask):
        shift = min(margin, indent_of(lines[first]))
        for i in range(first, last + 1):
            out[i] = lines[i][min(shift, indent_of(lines[i])):]
    return out


def clean_lines(doc: str) -> list[str]:
    """The docstring as lines: first line stripped, the rest dedented, outer blank lines gone."""
    lines = doc.expandtabs(4).splitlines()
    if not lines:
        return []
    lines = [lines[0].strip(), *dedent_lines(lines[1:])]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def block_text(lines: Iterable[str]) -> str:
    """Join lines into a block, without outer blank lines."""
    return "\n".join(lines).strip("\n")


def words(text: str) -> Counter[str]:
    """The multiset of `\\w+` tokens: the unit of the coverage measure."""
    return Counter(WORD.findall(text))
