"""Upstream's examples in keras3, for the wrappers' docstrings: `help(op_add)` and an editor's
hover show them, as `?layer_dense` does in R.

Each runnable chunk of a wrapper's upstream examples (its function form's, when the wrapper's own
docstring has none) is translated by the same translator the docs pages use (`translate`, cached
on disk like theirs) and written as a doctest: `>>>` before each statement, `...` before its
further lines, and the output upstream shows after it (when the translation keeps upstream's
statements one for one, so each output still belongs to its statement). Prose between chunks is
kept. A chunk that is not Python (upstream's slip) is left out. Deterministic: the same binding
gives the same text.
"""

from __future__ import annotations

import ast
import doctest
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from generator.binding.docstrings.model import Example
from generator.binding.model import Binding, Wrapper
from generator.docs.examples.spec import load_example_data
from generator.docs.examples.surface import CACHE_DIR, _translated
from generator.docs.examples.table import TranslationTable
from generator.docs.examples.translate import download_reason
from generator.upstream.model import Snapshot


def with_examples(binding: Binding, snapshot: Snapshot, cache_dir: Path = CACHE_DIR) -> Binding:
    """The binding with each wrapper's `examples` filled in (see the module docstring)."""
    table = TranslationTable.from_binding(binding, snapshot)
    specs = load_example_data().specs
    wrappers = []
    for w in binding.wrappers:
        page, examples = example_source(w)
        skipped = specs[page].skip if page in specs else None
        found = _doctests(examples, table, page, skipped, cache_dir) if page else ()
        wrappers.append(replace(w, examples=found) if found else w)
    return replace(binding, wrappers=tuple(wrappers))


def example_source(w: Wrapper) -> tuple[str | None, tuple[Example, ...]]:
    """(public path, examples) whose translation a wrapper's docstring shows: its own docstring's,
    else its function form's; (None, ()) for a hand-written or kept (deprecated) name."""
    if w.overridden or w.deprecation is not None:
        return None, ()
    if _runnable(w.doc.examples):
        return (f"{w.upstream}.{w.member}" if w.member else w.upstream), w.doc.examples
    if w.function and _runnable(w.function_doc.examples):
        return w.function, w.function_doc.examples
    return None, ()


def _runnable(examples: Sequence[Example]) -> bool:
    return any(e.kind != "text" for e in examples)


def _doctests(examples: Sequence[Example], table: TranslationTable, page: str, skipped: str | None,
              cache_dir: Path) -> tuple[Example, ...]:
    chunks = [e for e in examples if e.kind != "text"]
    translations = iter(_translated([e.text for e in chunks], table, page, cache_dir))
    out: list[Example] = []
    imported: set[str] = set()
    for example in examples:
        if example.kind == "text":
            out.append(example)
            continue
        code = next(translations).code
        if code is not None and code.strip():
            wants = upstream_outputs(example.text) if example.kind == "doctest" else []
            skip = skipped is not None or download_reason(code, table) is not None
            out.append(Example("doctest", as_doctest(_imported_once(code, imported), wants, skip=skip)))
    return tuple(out) if _runnable(out) else ()


def _imported_once(code: str, imported: set[str]) -> str:
    """`code` without the top-level one-line imports an earlier chunk of the docstring made
    (they share a namespace, as on a page); `from keras3 import a, b` keeps the names not yet
    imported. `imported` collects what this chunk imports."""
    body = _statements(code)
    if body is None:
        return code
    lines = code.splitlines()
    for statement in body:
        if not isinstance(statement, ast.Import | ast.ImportFrom) or statement.end_lineno != statement.lineno:
            continue
        line = lines[statement.lineno - 1]
        if isinstance(statement, ast.ImportFrom) and statement.module == "keras3" and not statement.level:
            names = [a.name for a in statement.names if a.asname is None]
            if len(names) == len(statement.names) and line.strip().startswith("from keras3 import"):
                new = [name for name in names if f"keras3.{name}" not in imported]
                imported.update(f"keras3.{name}" for name in names)
                lines[statement.lineno - 1] = (line[:len(line) - len(line.lstrip())] + "from keras3 import "
                                               + ", ".join(new)) if new else ""
                continue
        if line.strip() in imported:
            lines[statement.lineno - 1] = ""
        imported.add(line.strip())
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Code -> doctest


def upstream_outputs(text: str) -> list[str]:
    """The output upstream shows after each statement of a doctest chunk ("" when none), imports
    and comment-only prompts left out; [] when the chunk does not read as doctest examples."""
    try:
        parsed = doctest.DocTestParser().get_examples(text)
    except ValueError:
        return []
    wants: list[str] = []
    for example in parsed:
        statements = _statements(example.source)
        if statements is None:
            return []
        plain = [s for s in statements if not isinstance(s, ast.Import | ast.ImportFrom)]
        if plain:  # `a = 1; a`: the output is the last statement's
            wants += [""] * (len(plain) - 1) + [example.want.rstrip("\n")]
    return wants


def _statements(source: str) -> list[ast.stmt] | None:
    try:
        return ast.parse(source).body
    except SyntaxError:
        return None


def as_doctest(code: str, wants: Sequence[str] = (), skip: bool = False) -> str:
    """`code` as doctest lines: a `>>> ` statement with `... ` continuation lines, a comment line
    as `>>> # ...`, blank lines between statements dropped. `wants` (one per statement that is no
    import) go after their statement when there are exactly as many; otherwise none is shown.
    `skip` (the docs do not run it either: it downloads, or spec/docs.toml skips it) marks each
    statement `# doctest: +SKIP`."""
    lines = code.splitlines()
    body = _statements(code) or []
    starts = [min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))]) for s in body]
    plain = [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)]
    want_of = dict(zip(map(id, plain), wants)) if len(wants) == len(plain) else {}
    out: list[str] = []
    position = 0  # lines before it are written
    for statement, start in zip(body, starts):
        out += [f">>> {line.strip()}" for line in lines[position:start - 1] if line.strip()]
        end = statement.end_lineno or start
        block = lines[start - 1:end]
        if skip:  # on the last line: never inside a string the statement opens
            block = [*block[:-1], f"{block[-1]}  # doctest: +SKIP"]
        out.append(f">>> {block[0]}")
        out += [f"... {line}".rstrip() for line in block[1:]]
        want = want_of.get(id(statement), "")
        if want:
            if out[-1].rstrip().endswith(tuple(f"# raises {name}" for name in _error_names(want))):
                out[-1] = out[-1].rsplit("  # raises ", 1)[0]
            out += want.splitlines()
        position = end
    out += [f">>> {line.strip()}" for line in lines[position:] if line.strip()]
    return "\n".join(out)


def _error_names(want: str) -> list[str]:
    """The exception a traceback output names (`ValueError` of `ValueError: ...`)."""
    if not want.startswith("Traceback (most recent call last)"):
        return []
    last = want.strip().splitlines()[-1]
    return [last.split(":", 1)[0].rsplit(".", 1)[-1]]
