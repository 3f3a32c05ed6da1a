"""Render a parsed docstring as Markdown: sections under their titles, argument entries as lists,
example chunks fenced (doctest runs as Python), prose escaped where Markdown would misread it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from functools import partial

from generator.binding.docstrings.lines import FENCE_OPEN, indent_of
from generator.binding.docstrings.model import (
    RENDER_TITLES,
    SECTION_TITLES,
    DocArg,
    Example,
    ParsedDoc,
    SectionKey,
)
from generator.binding.docstrings.parse import split_chunks


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
    if stripped.startswith("#") and indent_of(line) < 4:  # a `# comment` is no heading
        return line.replace("#", "\\#", 1)
    fence = FENCE_OPEN.match(line)
    if fence and fence.group("marker")[0] not in fence.group("info"):
        # A stray fence marker (```f(x)``` on one line is inline code, left alone) would open a
        # code block that swallows the rest of the page.
        return line.replace(stripped[0], "\\" + stripped[0], 1)
    if stripped.startswith(">") and indent_of(line) < 4:
        return line.replace(">", "\\>", 1)
    if re.fullmatch(r"-{3,}|={3,}", stripped) and indent_of(line) < 4:
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
