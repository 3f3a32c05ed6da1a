"""Parse a Keras docstring into a `ParsedDoc`: lines and fences, sections, argument blocks,
example chunks.

Sections are split by membership of a label in `SECTION_TITLES`, never by shape;
`docstring-parser` is only handed the (dedented) argument blocks, which it splits well, and its
result is checked word by word. Nothing is dropped: text that fits no structured field stays in
`description` (or `other`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from docstring_parser import ParseError
from docstring_parser.google import GoogleParser

from generator.binding.docstrings.lines import (
    DOCTEST,
    FENCE_OPEN,
    LABEL,
    LIST_ITEM,
    block_text,
    clean_lines,
    dedent_lines,
    fence_mask,
    indent_of,
    is_label,
    words,
)
from generator.binding.docstrings.model import (
    SECTION_TITLES,
    DocArg,
    Example,
    ParsedDoc,
    SectionKey,
)

# `name: text`, `*args: text`, `x1, x2: text`, `name (type): text` at the margin of an argument
# block; `Raises` entries (`ValueError: text`) have the same shape. `name :text` (a space before
# the colon instead of after it) occurs once; `name:text` is not accepted (`https://...`).
_ENTRY = re.compile(
    r"^(?P<name>\*{0,2}[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*\*{0,2}[A-Za-z_][\w.]*)*)"
    r"[ \t]*(?P<type>\([^()]*(?:\([^()]*\)[^()]*)*\))?"
    r"(?:[ \t]*:(?:[ \t]+(?P<rest>.*))?|[ \t]+:(?P<glued>\S.*))$"
)


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
    mask = fence_mask(lines)
    labels = [i for i, line in enumerate(lines) if not mask[i] and indent_of(line) == 0 and is_label(line)]
    blocks: list[_Block] = []
    prose_start = 0
    for number, start in enumerate(labels):
        if prose_start < start:
            blocks.append(_Block(None, "", tuple(lines[prose_start:start])))
        match = LABEL.match(lines[start].strip())
        assert match is not None  # `is_label` matched it
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
    if indent_of(lines[first]) == 0 and not mask[first]:
        if not inline and key == "references":
            return _list_end(lines, first, limit)
        if not inline:
            return limit  # a body at column 0 runs to the next label
        if first > start + 1:
            return start + 1  # `Label: text`, a blank line, then prose: the body is the text
        # `Label: text` continued at column 0 (`Note: ...` asides): one paragraph.
        return next((i for i in range(first, limit) if not lines[i].strip()), limit)
    for i in range(first, limit):
        if lines[i].strip() and indent_of(lines[i]) == 0 and not mask[i]:
            return i
    return limit


def _list_end(lines: Sequence[str], first: int, limit: int) -> int:
    """End of a column-0 reference list: the first paragraph after a blank line that is not a
    list item. (Applications follow `Reference:` with paragraphs of prose: 41 in 3.15.)"""
    for i in range(first + 1, limit):
        if lines[i].strip() and not lines[i - 1].strip() and indent_of(lines[i]) == 0 \
                and not LIST_ITEM.match(lines[i]):
            return i
    return limit


def _continuation(lines: Sequence[str], inline: bool) -> list[str]:
    """A section body without its margin (an inline label's indented continuation included)."""
    body = dedent_lines(lines)
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
    lines = dedent_lines(lines)
    mask = fence_mask(lines)
    base = next((indent_of(line) for line in lines if line.strip()), 0)
    entries: list[tuple[str, list[str]]] = []
    for line, fenced in zip(lines, mask):
        match = None if fenced or indent_of(line) > base + 1 else _ENTRY.match(line.strip())
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
        return block_text(dedent_lines(body))
    head, rest = (body[0], body[1:]) if body and not body[0].startswith(" ") else ("", body)
    return block_text([head, *dedent_lines(rest)] if head else dedent_lines(rest))


_GOOGLE = GoogleParser()


def _parse_with_docstring_parser(lines: Sequence[str]) -> tuple[DocArg, ...] | None:
    """docstring-parser's split of an argument block, or None when it fails or loses a word.

    The block is handed over as `Args:` under a dummy summary line: docstring-parser runs
    `inspect.cleandoc` first, which would otherwise dedent the entries to column 0, where its
    section reader stops (handed a bare "Args:\n" + block, it raises on nearly every block).
    """
    block = textwrap.indent("\n".join(dedent_lines(lines)), "    ")
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
    mask = fence_mask(lines)
    chunks: list[Example] = []
    pending: list[str] = []

    def flush_text() -> None:
        body = block_text(pending)
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
            opening = FENCE_OPEN.match(line)
            assert opening is not None
            shift = indent_of(line)
            closed = j > i and _closes(lines[j], True)
            inner = lines[i + 1:j] if closed else lines[i + 1:j + 1]
            code = "\n".join(item[min(shift, indent_of(item)):] for item in inner)
            chunks.append(Example("code", code.strip("\n"), opening.group("info").strip()))
            i = j + 1
        elif DOCTEST.match(line):
            flush_text()
            j = _doctest_end(lines, mask, i)
            run = dedent_lines(lines[i:j])
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
            if following < len(lines) and DOCTEST.match(lines[following]) and not mask[following]:
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
    lines = _drop_stray_fences(clean_lines(doc))
    blocks = _split_blocks(lines)
    summary, prose, fields = "", list[str](), _Fields()
    for number, block in enumerate(blocks):
        if block.key is None:
            body = list(block.lines)
            if number == 0:
                summary, body = _take_summary(body)
            text = block_text(dedent_lines(body)) if any(line.strip() for line in body) else ""
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
        if (match := FENCE_OPEN.match(line)) and match.group("marker")[0] not in match.group("info")
    ]


def _drop_stray_fences(lines: list[str]) -> list[str]:
    """Without the fence markers that open no block (an upstream slip, see `fence_mask`).

    Decided once on the whole docstring: a section split off on its own would no longer see the
    labels after the marker and take it for a block running to its end. The marker has no words.
    """
    mask = fence_mask(lines)
    stray = {i for i in _fence_markers(lines) if not mask[i]}
    return [line for i, line in enumerate(lines) if i not in stray]


def unbalanced_fences(doc: str) -> bool:
    """Does the docstring hold a fence marker without its pair (a stray or an unclosed one)?"""
    return len(_fence_markers(clean_lines(doc))) % 2 == 1


def _take_summary(lines: list[str]) -> tuple[str, list[str]]:
    """The first paragraph, as one line; it stops before a fence or a doctest."""
    summary: list[str] = []
    i = 0
    while i < len(lines) and lines[i].strip():
        if FENCE_OPEN.match(lines[i]) or DOCTEST.match(lines[i]):
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
        body = block_text(block.lines)
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
