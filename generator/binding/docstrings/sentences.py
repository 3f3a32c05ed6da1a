"""Sentence coverage: the sentences of upstream prose, to check that every one is on the page, and
argument descriptions borrowed from other docstrings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from generator.binding.docstrings.lines import (
    DOCTEST,
    FENCE_OPEN,
    LABEL,
    LIST_ITEM,
    WORD,
    clean_lines,
    fence_mask,
)
from generator.binding.docstrings.model import SECTION_TITLES, DocArg, ParsedDoc

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
    lines = clean_lines(doc)
    mask = fence_mask(lines)
    paragraphs: list[list[str]] = [[]]
    in_doctest = False
    for line, fenced in zip(lines, mask):
        stripped = line.strip()
        if fenced or FENCE_OPEN.match(line):
            paragraphs.append([])
            continue
        if DOCTEST.match(line):
            in_doctest = True
            continue
        if in_doctest:  # continuation lines and printed output, up to the next blank line
            if stripped:
                continue
            in_doctest = False
        if not stripped:
            paragraphs.append([])
            continue
        label = LABEL.match(stripped)
        if label and label.group("title") in SECTION_TITLES:  # structure, not prose
            paragraphs.append([])
            if label.group("inline"):
                paragraphs[-1].append(label.group("inline"))
            continue
        if _ENTRY_HEAD.match(line) or LIST_ITEM.match(stripped):  # an argument or list item starts
            paragraphs.append([])
        paragraphs[-1].append(stripped)
    sentences: list[str] = []
    for paragraph in paragraphs:
        text = _LINK_TARGET.sub("]", _PLACEHOLDER.sub(" ", " ".join(paragraph)))
        for sentence in _SENTENCE_END.split(text):
            tokens = WORD.findall(sentence)
            if tokens and not (len(tokens) == 1 and tokens[0].isdigit()):  # `1.` of a list: no prose
                sentences.append(" ".join(tokens))
    return sentences


def token_text(markdown: str) -> str:
    """Markdown as its words joined by single spaces, padded: `f" {sentence} " in token_text(page)`
    asks whether a sentence is on the page, markup aside."""
    markdown = _LINK_TARGET.sub("]", markdown)  # a link's words are its text, not its address
    return " " + " ".join(WORD.findall(markdown)) + " "


def documented_names(parsed: ParsedDoc) -> set[str]:
    """The parameter names an Args or Call arguments section documents (`*args` as `args`)."""
    return set(entry_names(parsed.args)) | set(entry_names(parsed.call_args))


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
            entry = next((e for e in (*doc.args, *doc.call_args) if name in entry_names([e])), None)
            if entry is not None and entry.description.strip():
                out.append((name, entry.description, path))
                break
    return tuple(out)


def entry_names(entries: Iterable[DocArg]) -> list[str]:
    """The parameter names argument entries document, in order (`x1, x2` is two; `*args` is args)."""
    names: list[str] = []
    for entry in entries:
        for name in entry.name.split(","):
            name = name.strip().lstrip("*")
            if name and name not in names:
                names.append(name)
    return names
