"""A tutobook as a keras3 page: the header as front matter (with the tether: upstream path,
repository, commit, sha256) and a heading, the prose kept as upstream wrote it, sentence for
sentence, and the code cells translated by the reference examples' translator
(`docs.examples.translate`), every call that has a wrapper rewritten to it; what has none stays and
runs with the real Keras. The imports the translated cells need are gathered in the first code
cell, as a reader sets up once. The page states how many calls that have a wrapper were rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from generator.binding.docstrings.sentences import prose_sentences, token_text
from generator.docs.examples.table import TranslationTable
from generator.docs.examples.translate import translate_chunks
from generator.docs.site.common import FENCE, fenced
from generator.docs.tutobooks.parse import Tutobook, parse_tutobook
from generator.docs.tutobooks.tether import Tether, front_matter
from generator.upstream.tutobook_spec import Tracked

_HEADER_SHOWN = ("Author", "Authors", "Date created", "Last modified", "Description", "Accelerator")
_IMPORT_WIDTH = 99
_SITE_LINK = re.compile(r"(\]\(\s*|href=[\"'])/(?!/)")
_BARE_DOMAIN = re.compile(r"(\]\(\s*)(?=(?:www\.)?[a-z0-9-]+\.(?:com|org|net|io|ai|dev)/)")
_HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.MULTILINE)
_ANCHOR_LINK = re.compile(r"\]\(#([\w-]+)\)")


@dataclass(frozen=True)
class TranslatedPage:
    text: str  # the page's Markdown
    calls: int  # calls of a path that has a wrapper
    rewritten: int  # of those, rewritten to the wrapper
    reasons: tuple[str, ...]  # why a call that has a wrapper stays as upstream wrote it
    cells: int  # code cells
    unparsed: int  # code cells that are not Python the translator can read (kept as written)


def translate_page(source: str, entry: Tracked, tether: Tether, table: TranslationTable) -> TranslatedPage:
    """The page of the tutobook `source` (the stored upstream text `tether` names)."""
    book = parse_tutobook(source, entry.path)
    codes = [cell.text for cell in book.cells if cell.kind == "code"]
    translations = translate_chunks(codes, table, hoist_imports=True)
    texts = [t.code if t.code is not None else code for t, code in zip(translations, codes)]
    imports = list(dict.fromkeys(line for t in translations for line in t.imports))
    if texts and imports:
        texts[0] = with_imports(texts[0], imports)
    calls = sum(t.calls for t in translations)
    rewritten = sum(t.rewritten for t in translations)
    reasons = tuple(dict.fromkeys(part for t in translations if t.reason and t.code is not None
                                  for part in t.reason.split("; ")))
    unparsed = sum(t.code is None for t in translations)
    body = _body(book, texts)
    head = _head(book, entry, tether, calls, rewritten, reasons, unparsed)
    return TranslatedPage(head + body, calls, rewritten, reasons, len(codes), unparsed)


def _head(book: Tutobook, entry: Tracked, tether: Tether, calls: int, rewritten: int,
          reasons: Sequence[str], unparsed: int) -> str:
    title = book.title(entry.path)
    lines = [front_matter(title, tether), "", f"# {title}", ""]
    shown = [(key, value) for key, value in book.header if key in _HEADER_SHOWN]
    lines += [f"**{key}:** {value}<br>" if number < len(shown) - 1 else f"**{key}:** {value}"
              for number, (key, value) in enumerate(shown)]
    source = f"https://github.com/{tether.repo}/blob/{tether.commit}/{tether.path}"
    figure = (f"{rewritten} of {calls} calls that have a keras3 wrapper are rewritten to it"
              if calls else "no call has a keras3 wrapper")
    note = (f"    Translated to keras3 from [`{tether.path}`]({source}) ({tether.repo}, commit "
            f"`{tether.commit[:12]}`): {figure}; what has no wrapper runs with the real Keras.")
    lines += ["", '!!! note "Translated from keras.io"', note]
    if reasons or unparsed:
        lines.append("")
        lines += [f"    - kept as upstream wrote it: {reason}" for reason in reasons]
        if unparsed:
            lines.append(f"    - {unparsed} code cell(s) are not Python the translator reads: kept as written")
    return "\n".join(lines) + "\n\n"


def _body(book: Tutobook, codes: Sequence[str]) -> str:
    parts: list[str] = []
    code = iter(codes)
    for cell in book.cells:
        if cell.kind == "prose":
            parts.append(snippets_not_run(keras_io_links(cell.text)))
        elif cell.kind == "code":
            parts.append(fenced(next(code), "python"))
        elif cell.kind == "shell":
            parts.append(fenced(cell.text, "shell"))
        # invisible cells are not shown (keras.io does not render them)
    return page_anchors("\n\n".join(part for part in parts if part.strip()) + "\n")


def snippets_not_run(prose: str) -> str:
    """A Python block inside upstream's prose illustrates a point (it often names what no cell
    binds, or a file upstream never wrote): shown as written, marked ```python no-run so the docs
    build does not run it as a cell."""
    def mark(fence: re.Match[str]) -> str:
        words = fence.group("info").split()
        if words[:1] not in (["python"], ["py"], ["python3"]) or "no-run" in words:
            return fence.group(0)
        info = " ".join(["python", "no-run", *words[1:]])
        return f"{fence.group('marker')}{info}\n{fence.group('code')}\n{fence.group('marker')}"

    return FENCE.sub(mark, prose)


def keras_io_links(prose: str) -> str:
    """Link addresses as keras.io means them (an address is no sentence of the prose): site-absolute
    ones (`[guide](/guides/functional_api/)`) name pages of keras.io, not of this site; one without
    its scheme (`](tinyurl.com/x)`) is a web address."""
    prose = _SITE_LINK.sub(lambda m: f"{m.group(1)}https://keras.io/", prose)
    return _BARE_DOMAIN.sub(lambda m: f"{m.group(1)}https://", prose)


def page_anchors(page: str) -> str:
    """In-page links written with GitHub's heading anchors (`#performance--benchmarking` for
    "Performance & Benchmarking") pointed at the anchors the site makes (`#performance-benchmarking`)."""
    anchors = {}
    for heading in _HEADING.finditer(FENCE.sub("", page)):  # a `# comment` in code is no heading
        text = heading.group(1)
        github = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        site = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())
        if github != site:
            anchors[github] = site
    if not anchors:
        return page
    return _ANCHOR_LINK.sub(lambda m: f"](#{anchors.get(m.group(1), m.group(1))})", page)


# --- the imports, gathered in the first cell ---------------------------------------------------


def with_imports(code: str, lines: Sequence[str]) -> str:
    """`code` with the import `lines` added after its last top-level import (so an
    `os.environ["KERAS_BACKEND"] = ...` before Keras's import stays before it); the keras3 names
    merged into one `from keras3 import ...`, wrapped when long."""
    names = sorted({name.strip() for line in lines if line.startswith("from keras3 import ")
                    for name in line.removeprefix("from keras3 import ").split(",")})
    others = [line for line in lines if not line.startswith("from keras3 import ")]
    statements = [*others]
    if names:
        single = f"from keras3 import {', '.join(names)}"
        statements.append(single if len(single) <= _IMPORT_WIDTH else
                          "from keras3 import (\n" + "".join(f"    {n},\n" for n in names) + ")")
    try:
        module = cst.parse_module(code + "\n")
    except cst.ParserSyntaxError:
        return "\n".join([*statements, code])
    present = {module.code_for_node(s).strip() for s in module.body if _is_import(s)}
    statements = [s for s in statements if s not in present]  # a later cell's `import numpy as np` again
    return module.visit(_AfterLastImport(statements)).code.rstrip("\n") if statements else code


class _AfterLastImport(cst.CSTTransformer):
    """Inserts statements after the module's last top-level import (at the top when it has none)."""

    def __init__(self, statements: Sequence[str]) -> None:
        self.statements = statements

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body = list(updated.body)
        at = max((n + 1 for n, s in enumerate(body) if _is_import(s)), default=0)
        new = [cst.parse_statement(text + "\n") for text in self.statements]
        if at == 0 and body and updated.header:  # a leading comment stays with the code it introduces
            body[0] = body[0].with_changes(leading_lines=[*updated.header, *body[0].leading_lines])
            return updated.with_changes(header=[], body=[*new, *body])
        return updated.with_changes(body=[*body[:at], *new, *body[at:]])


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)


# --- prose kept --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retention:
    kept: int
    total: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.kept / self.total if self.total else 1.0


def sentence_retention(source: str, page: str, name: str) -> Retention:
    """How many prose sentences of the tutobook `source` are on `page` (its prose, code blocks
    aside), counted as the reference pages' coverage counts them (`prose_sentences`)."""
    book = parse_tutobook(source, name)
    text = token_text(FENCE.sub("", page))
    sentences = prose_sentences(book.prose())
    missing = tuple(s for s in sentences if f" {s} " not in text)
    return Retention(len(sentences) - len(missing), len(sentences), missing)
