"""Keras-aware docstrings: split a runtime docstring into sections and render it as Markdown.

Keras 3 docstrings are Google style with house quirks that general parsers trip over (see
`facts/keras-docstrings.md`): section bodies at column 0 (`Examples:` nearly always), unfenced
`>>>` doctests, prose lines that look like section labels (`Formula:`, `Standalone usage:`),
inline labels (`Note: ...`, `Returns: ...`) and `{{...}}` placeholders that Keras fills at import
time (so only the runtime `__doc__`, which the snapshot stores, is complete).

So the sections are split here, by membership of a label in `SECTION_TITLES`, never by shape;
`docstring-parser` is only handed the (dedented) argument blocks, which it splits well, and its
result is checked word by word. Nothing is dropped: text that fits no structured field stays in
`description` (or `other`), in order. `doc_report` measures that promise over a whole snapshot.

Upstream mistakes are fixed as data: `[doc_patches."<path>"]` in `spec/docs.toml`, applied to the
docstring before parsing, each with a reason; a patch whose text upstream no longer has is an
error, so patches cannot silently rot.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, cast

from docstring_parser import ParseError
from docstring_parser.google import GoogleParser

from generator.upstream.model import Signature, Snapshot
from generator.settings import SPEC_DIR
from generator.tomlfiles import fields, read_toml

DOCS_SPEC = SPEC_DIR / "docs.toml"

# The target: the share of upstream docstring words that reach the rendered docs.
COVERAGE_TARGET = 0.995

SectionKey = Literal[
    "args", "call_args", "returns", "raises", "input_shape", "output_shape",
    "examples", "references", "notes", "other",
]

# The known section labels, exactly as Keras writes them (before the colon). Membership alone makes
# a line a section: `Formula:`, `It is defined as:`, `Standalone usage:`, `Usage in a Keras model:`
# have the same shape and are prose. `Arg` and `Return` are upstream slips (one each in 3.15) whose
# meaning is not in doubt; `Usage` bodies are example code, so they join the examples.
SECTION_TITLES: Mapping[str, SectionKey] = {
    "Args": "args",
    "Arguments": "args",
    "Arg": "args",
    "Parameters": "args",
    "Call arguments": "call_args",
    "Call args": "call_args",
    "Returns": "returns",
    "Return": "returns",
    "Raises": "raises",
    "Input shape": "input_shape",
    "Output shape": "output_shape",
    "Example": "examples",
    "Examples": "examples",
    "Usage": "examples",
    "Reference": "references",
    "References": "references",
    "Note": "notes",
    "Notes": "notes",
    "Attributes": "other",
    "Yields": "other",
    "Warning": "other",
    "Warnings": "other",
    "See also": "other",
    "See Also": "other",
}

# Titles used when rendering; `other` sections keep their own title.
RENDER_TITLES: Mapping[SectionKey, str] = {
    "args": "Arguments",
    "call_args": "Call arguments",
    "returns": "Returns",
    "raises": "Raises",
    "input_shape": "Input shape",
    "output_shape": "Output shape",
    "examples": "Examples",
    "references": "References",
    "notes": "Notes",
}

_WORD = re.compile(r"\w+")
_LABEL = re.compile(r"^(?P<title>[A-Z][^:]*):(?:[ \t]+(?P<inline>\S.*))?$")
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
_DOCTEST = re.compile(r"^[ \t]*>>>")
_DOCTEST_CONTINUATION = re.compile(r"^[ \t]*\.\.\.(?:[ \t]|$)")
# `name: text`, `*args: text`, `x1, x2: text`, `name (type): text` at the margin of an argument
# block; `Raises` entries (`ValueError: text`) have the same shape. `name :text` (a space before
# the colon instead of after it) occurs once; `name:text` is not accepted (`https://...`).
_ENTRY = re.compile(
    r"^(?P<name>\*{0,2}[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*\*{0,2}[A-Za-z_][\w.]*)*)"
    r"[ \t]*(?P<type>\([^()]*(?:\([^()]*\)[^()]*)*\))?"
    r"(?:[ \t]*:(?:[ \t]+(?P<rest>.*))?|[ \t]+:(?P<glued>\S.*))$"
)


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class DocArg:
    """One entry of an argument (or `Raises`) block. `name` is "" for prose before the first entry."""

    name: str
    description: str


@dataclass(frozen=True)
class Example:
    """One ordered chunk of an examples section."""

    kind: Literal["doctest", "code", "text"]
    text: str  # doctests keep their `>>>`/`...` prompts and printed output; code is unfenced
    language: str = ""  # a fenced block's info string (`python`, `shell`, ...), "" when none


@dataclass(frozen=True)
class ParsedDoc:
    summary: str = ""
    # Prose before the first section, then, in order, prose that follows an indented section
    # (e.g. `Formula:` paragraphs); look-alike labels are part of this text.
    description: str = ""
    args: tuple[DocArg, ...] = ()
    call_args: tuple[DocArg, ...] = ()
    returns: str = ""
    raises: tuple[DocArg, ...] = ()
    input_shape: str = ""
    output_shape: str = ""
    examples: tuple[Example, ...] = ()
    references: str = ""
    notes: str = ""
    other: tuple[tuple[str, str], ...] = ()  # (title, body) of recognised but unusual sections
    # The section labels as upstream wrote them, in order (`Args`, `Example`, ...). Rendering
    # replaces them with its own titles, so the coverage measure does not count them as text.
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocPatch:
    """A fix of one upstream docstring, from `[doc_patches."<path>"]` in `spec/docs.toml`."""

    path: str  # public path of the symbol, or `<symbol path>.<member name>`
    replace: tuple[tuple[str, str], ...]
    reason: str


class DocPatchError(ValueError):
    """A docstring patch is malformed or no longer matches upstream; the message names the path."""


# ---------------------------------------------------------------------------------------------
# Lines, fences and dedenting


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_label(line: str) -> bool:
    match = _LABEL.match(line.strip())
    return bool(match and match.group("title") in SECTION_TITLES)


def _fence_mask(lines: Sequence[str]) -> tuple[bool, ...]:
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
        opening = _FENCE_OPEN.match(lines[i])
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
            if any(_is_label(line) for line in lines[i + 1:]):
                i += 1
                continue
            close = len(lines) - 1
        for j in range(i, close + 1):
            mask[j] = True
        i = close + 1
    return tuple(mask)


def _fence_blocks(lines: Sequence[str], mask: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) line index of each fenced block."""
    blocks: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if mask[i]:
            j = i + 1
            while j < len(lines) and mask[j] and not (
                _FENCE_OPEN.match(lines[j]) and not lines[j].strip().strip("`~")
            ):
                j += 1
            last = min(j, len(lines) - 1)
            blocks.append((i, last))
            i = last + 1
        else:
            i += 1
    return blocks


def _dedent_lines(lines: Sequence[str]) -> list[str]:
    """Remove the common margin, measured on prose lines only.

    Keras fills `{{...}}` placeholders with text at column 0 into docstrings indented by four, and
    that text often holds a fenced example: `inspect.cleandoc` then sees no common margin and
    leaves every section label indented. Fenced blocks are shifted as a whole (by at most the
    margin, and never past their own opening marker) so code keeps its relative indentation.
    """
    lines = [line.expandtabs(4).rstrip() for line in lines]
    mask = _fence_mask(lines)
    prose = [_indent(line) for line, fenced in zip(lines, mask) if line and not fenced]
    margin = min(prose, default=0)
    if margin == 0:
        return lines
    out = list(lines)
    for i, (line, fenced) in enumerate(zip(lines, mask)):
        if not fenced:
            out[i] = line[margin:] if line else ""
    for first, last in _fence_blocks(lines, mask):
        shift = min(margin, _indent(lines[first]))
        for i in range(first, last + 1):
            out[i] = lines[i][min(shift, _indent(lines[i])):]
    return out


def _clean(doc: str) -> list[str]:
    """The docstring as lines: first line stripped, the rest dedented, outer blank lines gone."""
    lines = doc.expandtabs(4).splitlines()
    if not lines:
        return []
    lines = [lines[0].strip(), *_dedent_lines(lines[1:])]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _text(lines: Iterable[str]) -> str:
    """Join lines into a block, without outer blank lines."""
    return "\n".join(lines).strip("\n")


def words(text: str) -> Counter[str]:
    """The multiset of `\\w+` tokens: the unit of the coverage measure."""
    return Counter(_WORD.findall(text))


# ---------------------------------------------------------------------------------------------
# Splitting into sections


@dataclass(frozen=True)
class _Block:
    key: SectionKey | None  # None: prose
    title: str
    lines: tuple[str, ...]


def _split_blocks(lines: Sequence[str]) -> list[_Block]:
    """Prose and section blocks, in document order.

    A section starts at a known label in column 0 (outside code fences) and never runs past the
    next one. Its body (see `_body_end`) is
    - indented (`Args:` and friends, or `Label: text` continued on indented lines): it runs
      while lines are blank, indented or fenced; the first column-0 line ends it and what
      follows is prose again (that is where `Formula:` paragraphs live);
    - `Label: text` continued at column 0 (`Note: ...` asides in prose): one paragraph;
    - at column 0 otherwise, and every examples section: up to the next label (a reference
      list: up to the first paragraph that is no list item).
    """
    mask = _fence_mask(lines)
    labels = [i for i, line in enumerate(lines) if not mask[i] and _indent(line) == 0 and _is_label(line)]
    blocks: list[_Block] = []
    prose_start = 0
    for number, start in enumerate(labels):
        if prose_start < start:
            blocks.append(_Block(None, "", tuple(lines[prose_start:start])))
        match = _LABEL.match(lines[start].strip())
        assert match is not None  # `_is_label` matched it
        title, inline = match.group("title"), match.group("inline") or ""
        key = SECTION_TITLES[title]
        limit = labels[number + 1] if number + 1 < len(labels) else len(lines)
        end = _body_end(lines, mask, start, limit, key, bool(inline))
        body = ([inline] if inline else []) + _continuation(lines[start + 1:end], bool(inline))
        blocks.append(_Block(key, title, tuple(body)))
        prose_start = end
    if prose_start < len(lines):
        blocks.append(_Block(None, "", tuple(lines[prose_start:])))
    return blocks


def _body_end(lines: Sequence[str], mask: Sequence[bool], start: int, limit: int,
              key: SectionKey, inline: bool) -> int:
    first = next((i for i in range(start + 1, limit) if lines[i].strip()), limit)
    if key == "examples" or first == limit:
        return limit
    if _indent(lines[first]) == 0 and not mask[first]:
        if not inline and key == "references":
            return _list_end(lines, first, limit)
        if not inline:
            return limit  # a body at column 0 runs to the next label
        if first > start + 1:
            return start + 1  # `Label: text`, a blank line, then prose: the body is the text
        # `Label: text` continued at column 0 (`Note: ...` asides): one paragraph.
        return next((i for i in range(first, limit) if not lines[i].strip()), limit)
    for i in range(first, limit):
        if lines[i].strip() and _indent(lines[i]) == 0 and not mask[i]:
            return i
    return limit


_LIST_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])[ \t]")


def _list_end(lines: Sequence[str], first: int, limit: int) -> int:
    """End of a column-0 reference list: the first paragraph after a blank line that is not a
    list item. (Applications follow `Reference:` with paragraphs of prose: 41 in 3.15.)"""
    for i in range(first + 1, limit):
        if lines[i].strip() and not lines[i - 1].strip() and _indent(lines[i]) == 0 \
                and not _LIST_ITEM.match(lines[i]):
            return i
    return limit


def _continuation(lines: Sequence[str], inline: bool) -> list[str]:
    """A section body without its margin (an inline label's indented continuation included)."""
    body = _dedent_lines(lines)
    if not inline:
        while body and not body[0].strip():
            body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return body


# ---------------------------------------------------------------------------------------------
# Argument blocks


def _arg_name(name: str) -> str:
    return re.sub(r"[ \t]*,[ \t]*", ", ", name.strip())


def _split_entries(lines: Sequence[str]) -> tuple[DocArg, ...]:
    """Our own `name: description` splitting of a (dedented) argument or `Raises` block.

    An entry starts at a line that looks like `name: text`, outside fences, indented at most one
    column past the block's first line: upstream sometimes sets an entry off by one or two
    columns (` dilation_rate:` in Conv2DTranspose, `  params:` in JaxLayer) while descriptions sit
    four columns in. Every other line continues the current entry (including continuation lines
    upstream forgot to indent). A type in parentheses stays, as written, before the description.
    """
    lines = _dedent_lines(lines)
    mask = _fence_mask(lines)
    base = next((_indent(line) for line in lines if line.strip()), 0)
    entries: list[tuple[str, list[str]]] = []
    for line, fenced in zip(lines, mask):
        match = None if fenced or _indent(line) > base + 1 else _ENTRY.match(line.strip())
        if match:
            rest = match.group("rest") or match.group("glued") or ""
            first = " ".join(part for part in (match.group("type") or "", rest) if part)
            entries.append((_arg_name(match.group("name")), [first] if first else []))
        elif entries:
            entries[-1][1].append(line)
        else:
            entries.append(("", [line]))
    return tuple(DocArg(name, _entry_text(body, name)) for name, body in entries)


def _entry_text(body: Sequence[str], name: str) -> str:
    if not name:
        return _text(_dedent_lines(body))
    head, rest = (body[0], body[1:]) if body and not body[0].startswith(" ") else ("", body)
    return _text([head, *_dedent_lines(rest)] if head else _dedent_lines(rest))


_GOOGLE = GoogleParser()


def _parse_with_docstring_parser(lines: Sequence[str]) -> tuple[DocArg, ...] | None:
    """docstring-parser's split of an argument block, or None when it fails or loses a word.

    The block is handed over as `Args:` under a dummy summary line: docstring-parser runs
    `inspect.cleandoc` first, which would otherwise dedent the entries to column 0, where its
    section reader stops (handed a bare "Args:\n" + block, it raises on nearly every block).
    """
    block = textwrap.indent("\n".join(_dedent_lines(lines)), "    ")
    try:
        parsed = _GOOGLE.parse("_\n\nArgs:\n" + block)
    except (ParseError, ValueError, IndexError):
        return None
    out: list[DocArg] = []
    for param in parsed.params:
        if not _ENTRY.match(f"{param.arg_name.strip()}:"):  # it split at a line that is no entry
            return None
        description = param.description or ""
        if param.type_name:
            description = f"({param.type_name}) {description}".rstrip()
        out.append(DocArg(_arg_name(param.arg_name), description))
    if words(block) != words(" ".join(f"{a.name} {a.description}" for a in out)):
        return None
    return tuple(out)


def parse_args(lines: Sequence[str]) -> tuple[DocArg, ...]:
    """Split an argument block into (name, description) entries.

    docstring-parser splits first; its split is kept when it raises nothing, loses no word and
    finds the same entries as our structural split (`_split_entries`). Otherwise ours stands:
    of the 1,215 argument blocks of 3.15.1 it raises on 23 (continuation lines upstream did not
    indent), loses words on 1 and silently glues an entry set off by a column to the one before
    on 4. Its descriptions also lose the relative indentation of their second line (it runs
    `inspect.cleandoc` on the continuation, which strips that line), flattening nested lists
    (18 blocks): where a description differs only in whitespace, ours is kept.
    """
    if not any(line.strip() for line in lines):
        return ()
    ours = _split_entries(lines)
    theirs = _parse_with_docstring_parser(lines)
    if theirs is None or [a.name for a in theirs] != [a.name for a in ours]:
        return ours
    return tuple(
        mine if _squash(mine.description) == _squash(other.description) else other
        for mine, other in zip(ours, theirs)
    )


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse_raises(lines: Sequence[str]) -> tuple[DocArg, ...]:
    if not any(line.strip() for line in lines):
        return ()
    return _split_entries(lines)


# ---------------------------------------------------------------------------------------------
# Chunks: fenced code, unfenced doctest runs, text


def split_chunks(text: str) -> tuple[Example, ...]:
    """Ordered chunks of a body: fenced code, `>>>` doctest runs (with their output), text.

    A doctest run is `>>>`/`...` lines and the output lines after them up to a blank line; runs
    separated only by blank lines are one chunk, so one fence renders them.
    """
    lines = text.splitlines()
    mask = _fence_mask(lines)
    chunks: list[Example] = []
    pending: list[str] = []

    def flush_text() -> None:
        body = _text(pending)
        if body.strip():
            chunks.append(Example("text", body))
        pending.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if mask[i]:
            flush_text()
            j = i
            while j + 1 < len(lines) and mask[j + 1] and not _closes(lines[j], j > i):
                j += 1
            opening = _FENCE_OPEN.match(line)
            assert opening is not None
            shift = _indent(line)
            closed = j > i and _closes(lines[j], True)
            inner = lines[i + 1:j] if closed else lines[i + 1:j + 1]
            code = "\n".join(item[min(shift, _indent(item)):] for item in inner)
            chunks.append(Example("code", code.strip("\n"), opening.group("info").strip()))
            i = j + 1
        elif _DOCTEST.match(line):
            flush_text()
            j = _doctest_end(lines, mask, i)
            run = _dedent_lines(lines[i:j])
            while run and not run[-1].strip():
                run.pop()
            chunks.append(Example("doctest", "\n".join(run)))
            i = j
        else:
            pending.append(line)
            i += 1
    flush_text()
    return tuple(chunks)


def _closes(line: str, after_opening: bool) -> bool:
    stripped = line.strip()
    return after_opening and bool(stripped) and stripped[0] in "`~" and not stripped.strip(stripped[0])


def _doctest_end(lines: Sequence[str], mask: Sequence[bool], start: int) -> int:
    i = start
    while i < len(lines):
        line = lines[i]
        if mask[i]:
            return i
        if not line.strip():
            following = next((j for j in range(i, len(lines)) if lines[j].strip()), len(lines))
            if following < len(lines) and _DOCTEST.match(lines[following]) and not mask[following]:
                i = following
                continue
            return i
        i += 1
    return i


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_docstring(doc: str) -> ParsedDoc:
    """Split a (runtime, placeholder-filled) Keras docstring into its sections. Never raises on
    text: anything unplaced stays in `description` or `other`."""
    lines = _drop_stray_fences(_clean(doc))
    blocks = _split_blocks(lines)
    summary, prose, fields = "", list[str](), _Fields()
    for number, block in enumerate(blocks):
        if block.key is None:
            body = list(block.lines)
            if number == 0:
                summary, body = _take_summary(body)
            text = _text(_dedent_lines(body)) if any(line.strip() for line in body) else ""
            if text:
                prose.append(text)
        else:
            fields.add(block)
    return ParsedDoc(
        summary=summary,
        description="\n\n".join(prose),
        args=tuple(fields.args),
        call_args=tuple(fields.call_args),
        returns="\n\n".join(fields.text["returns"]),
        raises=tuple(fields.raises),
        input_shape="\n\n".join(fields.text["input_shape"]),
        output_shape="\n\n".join(fields.text["output_shape"]),
        examples=tuple(fields.examples),
        references="\n\n".join(fields.text["references"]),
        notes="\n\n".join(fields.text["notes"]),
        other=tuple(fields.other),
        sections=tuple(block.title for block in blocks if block.key is not None),
    )


def _fence_markers(lines: Sequence[str]) -> list[int]:
    """Indexes of lines that are fence markers (not ```inline``` code)."""
    return [
        i for i, line in enumerate(lines)
        if (match := _FENCE_OPEN.match(line)) and match.group("marker")[0] not in match.group("info")
    ]


def _drop_stray_fences(lines: list[str]) -> list[str]:
    """Without the fence markers that open no block (an upstream slip, see `_fence_mask`).

    Decided once on the whole docstring: a section split off on its own would no longer see the
    labels after the marker and take it for a block running to its end. The marker has no words.
    """
    mask = _fence_mask(lines)
    stray = {i for i in _fence_markers(lines) if not mask[i]}
    return [line for i, line in enumerate(lines) if i not in stray]


def unbalanced_fences(doc: str) -> bool:
    """Does the docstring hold a fence marker without its pair (a stray or an unclosed one)?"""
    return len(_fence_markers(_clean(doc))) % 2 == 1


def _take_summary(lines: list[str]) -> tuple[str, list[str]]:
    """The first paragraph, as one line; it stops before a fence or a doctest."""
    summary: list[str] = []
    i = 0
    while i < len(lines) and lines[i].strip():
        if _FENCE_OPEN.match(lines[i]) or _DOCTEST.match(lines[i]):
            break
        # An indented line after an unfinished sentence continues it (`ops.diagflat`: "... input
        # on\n   the k-th diagonal."); after a finished one it starts an indented block.
        if lines[i].startswith(" ") and (not summary or summary[-1].endswith((".", ":", "!", "?"))):
            break
        summary.append(lines[i].strip())
        i += 1
    return " ".join(summary), lines[i:]


class _Fields:
    """Accumulates sections; a section that appears twice is joined, in order."""

    def __init__(self) -> None:
        self.args: list[DocArg] = []
        self.call_args: list[DocArg] = []
        self.raises: list[DocArg] = []
        self.examples: list[Example] = []
        self.other: list[tuple[str, str]] = []
        self.text: dict[str, list[str]] = {
            key: [] for key in ("returns", "input_shape", "output_shape", "references", "notes")
        }

    def add(self, block: _Block) -> None:
        body = _text(block.lines)
        if block.key == "args":
            self.args.extend(parse_args(block.lines))
        elif block.key == "call_args":
            self.call_args.extend(parse_args(block.lines))
        elif block.key == "raises":
            self.raises.extend(parse_raises(block.lines))
        elif block.key == "examples":
            self.examples.extend(split_chunks(body))
        elif block.key == "other":
            self.other.append((block.title, body))
        elif block.key is not None and body:
            self.text[block.key].append(body)


# ---------------------------------------------------------------------------------------------
# Rendering


def section_title(parsed: ParsedDoc, key: SectionKey) -> str:
    """The title upstream wrote for a section ("Args", "Example"), so no upstream word is lost;
    the standard title when the docstring did not label it."""
    labels = list(dict.fromkeys(t for t in parsed.sections if SECTION_TITLES.get(t) == key))
    return " / ".join(labels) or RENDER_TITLES[key]


def render_markdown(parsed: ParsedDoc, heading_level: int | None = None) -> str:
    """Plain Markdown for a reference page (no HTML).

    Section titles are bold paragraphs by default (they would flood a page's table of contents
    as headings); pass `heading_level` for `#`-headings. Every `>>>` run and code block is
    fenced, so no `>>>` line reaches Markdown as text (which mkdocs renders as nested quotes).
    Entries with fenced code are list items with indented continuation (CommonMark, and mkdocs
    with `pymdownx.superfences`).
    """
    parts: list[str] = []
    if parsed.summary:
        parts.append(render_text(parsed.summary))
    if parsed.description:
        parts.append(render_text(parsed.description))

    def section(title: str, body: str) -> None:
        if body.strip():
            heading = f"{'#' * heading_level} {title}" if heading_level else f"**{title}**"
            parts.extend([heading, body])

    title = partial(section_title, parsed)
    section(title("args"), render_entries(parsed.args))
    section(title("call_args"), render_entries(parsed.call_args))
    section(title("returns"), render_text(parsed.returns))
    section(title("raises"), render_entries(parsed.raises))
    section(title("input_shape"), render_text(parsed.input_shape))
    section(title("output_shape"), render_text(parsed.output_shape))
    section(title("examples"), render_chunks(parsed.examples))
    section(title("references"), render_text(parsed.references))
    section(title("notes"), render_text(parsed.notes))
    for title, body in parsed.other:
        section(title, render_text(body))
    return "\n\n".join(part for part in parts if part.strip()) + "\n"


def render_text(text: str) -> str:
    return render_chunks(split_chunks(text))


def render_chunks(chunks: Iterable[Example]) -> str:
    out: list[str] = []
    for chunk in chunks:
        if chunk.kind == "text":
            out.append("\n".join(_escape_line(line) for line in chunk.text.splitlines()))
        else:
            language = chunk.language if chunk.kind == "code" else "python"
            out.append(_fence(chunk.text, language or "python"))
    return "\n\n".join(out)


def _fence(code: str, language: str) -> str:
    # A longer fence than any backtick run inside keeps Markdown-in-code (rare) from closing it.
    runs = [len(run) for run in re.findall(r"`{3,}", code)]
    marker = "`" * max(3, max(runs, default=0) + 1)
    return f"{marker}{language}\n{code}\n{marker}"


def _escape_line(line: str) -> str:
    """Keep prose lines from turning into Markdown structure they never meant."""
    stripped = line.lstrip()
    if stripped.startswith("#") and _indent(line) < 4:  # a `# comment` is no heading
        return line.replace("#", "\\#", 1)
    fence = _FENCE_OPEN.match(line)
    if fence and fence.group("marker")[0] not in fence.group("info"):
        # A stray fence marker (```f(x)``` on one line is inline code, left alone) would open a
        # code block that swallows the rest of the page.
        return line.replace(stripped[0], "\\" + stripped[0], 1)
    if stripped.startswith(">") and _indent(line) < 4:
        return line.replace(">", "\\>", 1)
    if re.fullmatch(r"-{3,}|={3,}", stripped) and _indent(line) < 4:
        # A rule under a line makes it a setext heading (MobileNetV3's table caption).
        return line.replace(stripped[0], "\\" + stripped[0], 1)
    return line


def render_entries(entries: Sequence[DocArg]) -> str:
    """`- `name`: description` items; a description's further lines are indented by four, the
    list-item continuation both CommonMark and Python-Markdown accept (fences included)."""
    paragraphs: list[str] = []
    items: list[str] = []
    for entry in entries:
        body = render_text(entry.description)
        if not entry.name:  # prose before the first entry: a paragraph of its own
            if items:
                paragraphs.append("\n".join(items))
                items = []
            paragraphs.append(body)
            continue
        head = f"- `{entry.name}`:"
        if body.startswith(("```", "~~~")):
            items.append(f"{head}\n\n{textwrap.indent(body, '    ')}")
            continue
        first, _, rest = body.partition("\n")
        item = f"{head} {first}".rstrip()
        if rest.strip():
            item += "\n" + textwrap.indent(rest, "    ")
        items.append(item)
    if items:
        paragraphs.append("\n".join(items))
    return "\n\n".join(paragraphs)


# ---------------------------------------------------------------------------------------------
# Patches


def load_doc_patches(path: Path = DOCS_SPEC) -> dict[str, DocPatch]:
    """`[doc_patches."<path>"]` tables of `spec/docs.toml`; none when the file is absent."""
    if not path.exists():
        return {}
    data = fields(read_toml(path, DocPatchError), path, "top level",
                  {"doc_patches": "table", "examples": "table", "arg_docs": "table",
                   "lost_sentences": "list[table]"}, DocPatchError)
    patches: dict[str, DocPatch] = {}
    for symbol, raw in data.get("doc_patches", {}).items():
        patches[symbol] = _doc_patch(path, symbol, raw)
    return patches


def _doc_patch(path: Path, symbol: str, raw: object) -> DocPatch:
    where = f"{path}: doc patch for {symbol}"
    table = cast(dict[str, object], fields(raw, path, f"doc patch for {symbol}",
                                           {"reason": "str", "replace": "list"}, DocPatchError))
    reason = table.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise DocPatchError(f"{where} has no reason")
    pairs: list[tuple[str, str]] = []
    for pair in cast(list[object], table.get("replace") or []):
        items = cast(list[object], pair) if isinstance(pair, list) else []
        if len(items) != 2 or not all(isinstance(item, str) for item in items) or not items[0]:
            break
        pairs.append((str(items[0]), str(items[1])))
    else:
        if pairs:
            return DocPatch(symbol, tuple(pairs), reason)
    raise DocPatchError(f'{where} needs replace = [["old text", "new text"], ...]')


def apply_patches(doc: str, patches: DocPatch | None) -> str:
    """The docstring with a patch's replacements applied, in order (every occurrence)."""
    if patches is None:
        return doc
    for old, new in patches.replace:
        if old not in doc:
            raise DocPatchError(
                f"doc patch for {patches.path}: {old!r} is not in the upstream docstring "
                "(fixed upstream? then remove the patch)"
            )
        doc = doc.replace(old, new)
    return doc


# ---------------------------------------------------------------------------------------------
# Coverage and the report


def word_coverage(doc: str, rendered: str, labels: Iterable[str] = ()) -> tuple[int, int]:
    """(kept, total): upstream words (a multiset) that occur in the rendered text.

    `labels` are section labels the parser recognised (`ParsedDoc.sections`): their words are
    structure that rendering replaces with its own titles (`Args` becomes "Arguments"), so they
    leave the measure; with no labels every upstream token counts.
    """
    upstream, out = words(doc) - words(" ".join(labels)), words(rendered)
    return sum(min(count, out[word]) for word, count in upstream.items()), sum(upstream.values())


@dataclass(frozen=True)
class ArgMismatch:
    path: str
    documented: tuple[str, ...]  # documented names the signature lacks
    parameters: tuple[str, ...]  # the signature's parameter names
    via_kwargs: bool  # the signature has **kwargs, so the names may still be accepted


@dataclass(frozen=True)
class DocCoverage:
    path: str
    kept: int
    total: int

    @property
    def lost(self) -> int:
        return self.total - self.kept


@dataclass(frozen=True)
class DocReport:
    keras_version: str
    docstrings: int
    kept: int  # upstream words in the rendered docs, recognised section labels aside
    total: int
    raw_kept: int  # the same, every upstream token counted (labels included)
    raw_total: int
    worst: tuple[DocCoverage, ...]
    mismatches: tuple[ArgMismatch, ...]
    undocumented_params: int  # named parameters missing from a docstring that has an Args section
    unfilled_placeholders: tuple[str, ...]  # paths whose runtime docstring still holds `{{...}}`
    unbalanced_fences: tuple[str, ...]  # paths with a ``` marker lacking its pair
    parse_errors: tuple[tuple[str, str], ...]
    patched: tuple[str, ...]
    # Patches (spec/docs.toml) that do not apply to this release, with why: written for another
    # release, they are listed rather than fatal unless the report is strict (the pinned release).
    unapplied: tuple[tuple[str, str], ...] = ()

    @property
    def coverage(self) -> float:
        return self.kept / self.total if self.total else 1.0

    @property
    def ok(self) -> bool:
        return self.coverage >= COVERAGE_TARGET and not self.parse_errors


def documented_docstrings(snapshot: Snapshot) -> list[tuple[str, str, Signature | None]]:
    """(path, docstring, signature) of every canonical symbol and public member with a doc."""
    out: list[tuple[str, str, Signature | None]] = []
    for symbol in sorted(snapshot.canonical_symbols(), key=lambda s: s.path):
        if symbol.doc:
            out.append((symbol.path, symbol.doc, symbol.signature))
        for member in symbol.members:
            if member.doc:
                out.append((f"{symbol.path}.{member.name}", member.doc, member.signature))
    return out


def arg_mismatch(path: str, parsed: ParsedDoc, signature: Signature | None) -> ArgMismatch | None:
    """Documented argument names that the signature lacks, if any."""
    if signature is None or not parsed.args:
        return None
    parameters = tuple(p.name for p in signature.parameters if p.name not in ("self", "cls"))
    missing = tuple(
        name for name in _documented_names(parsed.args) if name not in parameters
    )
    if not missing:
        return None
    via_kwargs = any(p.kind == "var_keyword" for p in signature.parameters)
    return ArgMismatch(path, missing, parameters, via_kwargs)


def _documented_names(entries: Iterable[DocArg]) -> list[str]:
    names: list[str] = []
    for entry in entries:
        for name in entry.name.split(","):
            name = name.strip().lstrip("*")
            if name and name not in names:
                names.append(name)
    return names


def doc_report(snapshot: Snapshot, patches: Mapping[str, DocPatch] | None = None,
               worst: int = 10, strict: bool = True) -> DocReport:
    """Coverage of upstream words, signature mismatches and parse errors over every docstring.

    Coverage compares the rendered page with the upstream docstring as published (before
    patches): a patch that renames a word counts against it, which keeps patches few.
    `strict` (the pinned release, whose patches must all apply) makes a patch for a path without
    a docstring, or whose text the docstring lacks, an error; otherwise such patches are listed in
    `unapplied` and the docstring is read as upstream has it.
    """
    patches = patches or {}
    documented = documented_docstrings(snapshot)
    known = {path for path, _, _ in documented}
    stale = sorted(set(patches) - known)
    if stale and strict:
        raise DocPatchError(f"doc patches for paths without a docstring in Keras "
                            f"{snapshot.keras_version}: {', '.join(stale)}")
    unapplied = [(path, f"no docstring at this path in Keras {snapshot.keras_version}") for path in stale]
    kept = total = raw_kept = raw_total = undocumented = 0
    scores: list[DocCoverage] = []
    mismatches: list[ArgMismatch] = []
    errors: list[tuple[str, str]] = []
    placeholders: list[str] = []
    fences: list[str] = []
    for path, doc, signature in documented:
        try:
            try:
                patched = apply_patches(doc, patches.get(path))
            except DocPatchError as error:
                if strict:
                    raise
                unapplied.append((path, str(error)))
                patched = doc
            parsed = parse_docstring(patched)
            rendered = render_markdown(parsed)
        except DocPatchError:
            raise
        except Exception as error:  # noqa: BLE001 - the report counts them; the target is 0
            errors.append((path, f"{type(error).__name__}: {error}"))
            continue
        doc_kept, doc_total = word_coverage(doc, rendered)  # every token, section labels included
        kept, total = kept + doc_kept, total + doc_total
        every_kept, every_total = word_coverage(doc, rendered)
        raw_kept, raw_total = raw_kept + every_kept, raw_total + every_total
        scores.append(DocCoverage(path, doc_kept, doc_total))
        if "{{" in doc and "}}" in doc:
            placeholders.append(path)
        if unbalanced_fences(doc):
            fences.append(path)
        mismatch = arg_mismatch(path, parsed, signature)
        if mismatch:
            mismatches.append(mismatch)
        if signature is not None and parsed.args:
            names = set(_documented_names(parsed.args))
            undocumented += sum(
                1 for p in signature.parameters
                if p.kind not in ("var_positional", "var_keyword") and p.name not in names
                and p.name not in ("self", "cls")
            )
    scores.sort(key=lambda s: (-s.lost, s.path))
    return DocReport(
        keras_version=snapshot.keras_version,
        docstrings=len(documented),
        kept=kept,
        total=total,
        raw_kept=raw_kept,
        raw_total=raw_total,
        worst=tuple(s for s in scores[:worst] if s.lost),
        mismatches=tuple(sorted(mismatches, key=lambda m: (m.via_kwargs, m.path))),
        undocumented_params=undocumented,
        unfilled_placeholders=tuple(placeholders),
        unbalanced_fences=tuple(fences),
        parse_errors=tuple(errors),
        patched=tuple(sorted(set(patches) - {path for path, _ in unapplied})),
        unapplied=tuple(sorted(unapplied)),
    )


def format_doc_report(report: DocReport, limit: int = 15) -> str:
    """The report as plain text (what `python -m generator doc-report` prints)."""
    hard = [m for m in report.mismatches if not m.via_kwargs]
    soft = [m for m in report.mismatches if m.via_kwargs]
    verdict = "meets" if report.coverage >= COVERAGE_TARGET else "MISSES"
    lines = [
        (f"Docstrings of Keras {report.keras_version}: {report.docstrings} "
         "(canonical symbols and public members)"),
        (f"Word coverage: {report.kept}/{report.total} = {report.coverage:.3%} of upstream words "
         f"reach the rendered docs, every token counted ({verdict} the {COVERAGE_TARGET:.1%} target)"),
        f"Parse errors: {len(report.parse_errors)}",
        *(f"  {path}: {message}" for path, message in report.parse_errors[:limit]),
        (f"Documented arguments the signature lacks: {len(hard)} docstrings "
         f"(+{len(soft)} where **kwargs may accept them)"),
        *(f"  {m.path}: documents {', '.join(m.documented)}; "
          f"signature has ({', '.join(m.parameters)})" for m in hard[:limit]),
        f"Signature parameters missing from an Args section: {report.undocumented_params}",
        _listed("Unfilled {{...}} placeholders", report.unfilled_placeholders),
        _listed("Unbalanced code fences", report.unbalanced_fences),
        _listed("Patched docstrings (spec/docs.toml)", report.patched),
        f"Patches that do not apply to Keras {report.keras_version}: {len(report.unapplied)}",
        *(f"  {path}: {why}" for path, why in report.unapplied),
    ]
    if report.worst:
        lines.append("Most words lost:")
        lines += [f"  {s.path}: {s.lost} of {s.total}" for s in report.worst[:limit]]
    return "\n".join(lines) + "\n"


def _listed(title: str, paths: Sequence[str]) -> str:
    return f"{title}: {len(paths)}" + (f" ({', '.join(paths)})" if paths else "")


# ---------------------------------------------------------------------------------------------
# Sentence coverage: is every sentence of upstream prose on the page?

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+(?=[A-Z`(\[\"'*])")
_ENTRY_HEAD = re.compile(r"^\s*[\w*]+(?:\s*,\s*[\w*]+)*\s*(?:\([^)]*\))?\s*:\s+")
_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")
# A Markdown link's address (`[text](https://...)`, or `](../layers/layer_dense.md)` that the site
# adds): a reader sees the text, so only the text counts, upstream's side and the page's alike.
_LINK_TARGET = re.compile(r"\]\(\s*[^)\s]*\s*\)")


def prose_sentences(doc: str) -> list[str]:
    """The sentences of a docstring's prose, in order: fenced code, doctest runs (prompts and
    the output printed after them) and section labels aside; each sentence as its words (\\w+)
    joined by one space, so Markdown markup, escapes and line breaks do not count.

    The split is deliberately independent of `parse_docstring`: a sentence lost by the parser
    is still asked for."""
    lines = _clean(doc)
    mask = _fence_mask(lines)
    paragraphs: list[list[str]] = [[]]
    in_doctest = False
    for line, fenced in zip(lines, mask):
        stripped = line.strip()
        if fenced or _FENCE_OPEN.match(line):
            paragraphs.append([])
            continue
        if _DOCTEST.match(line):
            in_doctest = True
            continue
        if in_doctest:  # continuation lines and printed output, up to the next blank line
            if stripped:
                continue
            in_doctest = False
        if not stripped:
            paragraphs.append([])
            continue
        label = _LABEL.match(stripped)
        if label and label.group("title") in SECTION_TITLES:  # structure, not prose
            paragraphs.append([])
            if label.group("inline"):
                paragraphs[-1].append(label.group("inline"))
            continue
        if _ENTRY_HEAD.match(line) or _LIST_ITEM.match(stripped):  # an argument or list item starts
            paragraphs.append([])
        paragraphs[-1].append(stripped)
    sentences: list[str] = []
    for paragraph in paragraphs:
        text = _LINK_TARGET.sub("]", _PLACEHOLDER.sub(" ", " ".join(paragraph)))
        for sentence in _SENTENCE_END.split(text):
            tokens = _WORD.findall(sentence)
            if tokens and not (len(tokens) == 1 and tokens[0].isdigit()):  # `1.` of a list: no prose
                sentences.append(" ".join(tokens))
    return sentences


def token_text(markdown: str) -> str:
    """Markdown as its words joined by single spaces, padded: `f" {sentence} " in token_text(page)`
    asks whether a sentence is on the page, markup aside."""
    markdown = _LINK_TARGET.sub("]", markdown)  # a link's words are its text, not its address
    return " " + " ".join(_WORD.findall(markdown)) + " "


def documented_names(parsed: ParsedDoc) -> set[str]:
    """The parameter names an Args or Call arguments section documents (`*args` as `args`)."""
    return set(_documented_names(parsed.args)) | set(_documented_names(parsed.call_args))


def borrowed_arg_docs(names: Iterable[str], own: Sequence[ParsedDoc],
                      sources: Sequence[tuple[str, ParsedDoc]]) -> tuple[tuple[str, str, str], ...]:
    """(name, description, source path) for each of `names` that no docstring in `own`
    documents and a docstring in `sources` does (the first that does, in order)."""
    have = set().union(*(documented_names(doc) for doc in own)) if own else set()
    out: list[tuple[str, str, str]] = []
    for name in names:
        if name in have:
            continue
        for path, doc in sources:
            entry = next((e for e in (*doc.args, *doc.call_args) if name in _documented_names([e])), None)
            if entry is not None and entry.description.strip():
                out.append((name, entry.description, path))
                break
    return tuple(out)


def load_arg_docs(path: Path = DOCS_SPEC) -> dict[str, tuple[str, ...]]:
    """`[arg_docs."<path>"]` of spec/docs.toml: other upstream docstrings (`from`, public paths or
    `<class>.<member>`) that document the parameters of a symbol whose own docstring does not
    (`keras.saving.save_weights` has none; `keras.Model.save_weights` documents the same
    arguments), each with its `reason`."""
    if not path.exists():
        return {}
    data = read_toml(path, DocPatchError)
    out: dict[str, tuple[str, ...]] = {}
    for symbol, raw in sorted(data.get("arg_docs", {}).items()):
        sources = raw.get("from") if isinstance(raw, dict) else None
        if (not isinstance(sources, list) or not sources or not all(isinstance(x, str) for x in sources)
                or not isinstance(raw.get("reason"), str) or not raw["reason"].strip()):
            raise DocPatchError(f"{path}: [arg_docs.\"{symbol}\"] needs `from` (a list of paths) and a `reason`")
        out[symbol] = tuple(sources)
    return out
