"""An upstream example in the binding's API: doctest chunks turned into plain code, translated
(`resolve` reads it, `rewrite` rewrites it), and the examples that would download told apart.

What has no wrapper (`keras.tree.flatten`, `model.fit`) stays and runs with the real Keras. A
translation is complete when every call that has a wrapper was rewritten; otherwise
`Translation.reason` says why.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence

import libcst as cst

from generator.docs.examples.resolve import (
    IMPLIED_IMPORTS,
    Bindings,
    Resolver,
    read_references,
    snippet_names,
)
from generator.docs.examples.rewrite import (
    CallRewriter,
    Findings,
    ImportRewriter,
    Keras3Names,
    TensorNumpyRewriter,
    import_line,
)
from generator.docs.examples.table import Context, Translation, TranslationTable

NEEDS_DOWNLOAD = "needs download"


# ---------------------------------------------------------------------------------------------
# Doctest chunks -> plain code


_PROMPT = re.compile(r"^>>>(?: |$)")
_CONTINUATION = re.compile(r"^\.\.\.(?: |$)")


def doctest_source(text: str) -> str:
    """The code of a doctest chunk: prompts stripped, upstream's printed output dropped.

    A line without a prompt is output, unless the statement before it is still open (an
    unclosed bracket): upstream sometimes forgets the `...` of a continuation line. A statement
    whose output is a traceback gets a `# raises <Error>` comment: the runner expects it to raise.
    """
    code: list[str] = []
    statement: list[str] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if statement and code and line.startswith("Traceback (most recent call last)"):
            error = next((m.group(1) for later in lines[number + 1:]
                          if (m := re.match(r"^([A-Za-z_][\w.]*(?:Error|Exception)):", later))), "an error")
            code[-1] = f"{code[-1]}  # raises {error.rsplit('.', 1)[-1]}"
            statement = []
            continue
        if _PROMPT.match(line):
            statement = [line[4:]]
            code.append(line[4:])
        elif _CONTINUATION.match(line) and statement:
            statement.append(line[4:])
            code.append(line[4:])
        elif statement and _open_brackets("\n".join(statement)):
            statement.append(line)
            code.append(line)
        else:
            statement = []
    while code and not code[-1].strip():
        code.pop()
    return "\n".join(code)


def _open_brackets(source: str) -> bool:
    """Does `source` end inside brackets (a statement continued on the next line)?"""
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return depth > 0


def is_doctest(code: str) -> bool:
    first = next((line for line in code.splitlines() if line.strip()), "")
    return first.lstrip().startswith(">>>")




def translate(code: str, table: TranslationTable, *, page: str | None = None,
              context: Context | None = None) -> Translation:
    """An upstream example (a doctest chunk or plain code) in the binding's API.

    `page` is the public path whose docstring holds the example (it decides what a bare name
    such as `relu` means); `context` is what earlier chunks of that docstring left bound.
    """
    return _translate(code, table, page, context or Context())[0]


def _translate(code: str, table: TranslationTable, page: str | None, context: Context,
               hoist_imports: bool = False) -> tuple[Translation, set[str], dict[str, str]]:
    source = doctest_source(code) if is_doctest(code) else code
    try:
        module = cst.parse_module(source.strip("\n") + "\n")
    except cst.ParserSyntaxError as error:
        return Translation(None, _syntax_reason(source, error)), set(), {}
    bindings = Bindings()
    module.visit(bindings)
    bound, free = snippet_names(module.code)
    loads, _ = read_references(module)
    tensorflow = (bindings.other_imports.get("tf") == "tensorflow"
                  or ("tf" in free and "tf" not in context.bound))
    resolver = Resolver(table, bindings.keras_imports, bound - set(bindings.keras_imports), free, context,
                         page, tensorflow)
    findings = Findings()
    names = Keras3Names(table, bound | set(context.bound), findings)
    rewritten = module.visit(CallRewriter(table, resolver, loads, names, findings))
    loads, _ = read_references(rewritten)
    rewritten = rewritten.visit(TensorNumpyRewriter(table, resolver, loads, names, findings))

    # Which Keras-bound names are still read, and which read names nothing binds any more.
    _, read = read_references(rewritten)
    own = set(bindings.keras_imports)
    unused = {name for name in own if name not in read}
    added: list[str] = []
    for name in sorted(read & set(IMPLIED_IMPORTS)):
        if name not in bound and name not in context.bound:  # `from time import time` earlier: not the module
            added.append(IMPLIED_IMPORTS[name])
    for name, path in sorted(resolver.implied.items()):
        if name in read and name not in own and name not in bound:
            added.append(import_line(name, path))
    if findings.qualified and not findings.modules and "keras3" not in bound:
        added.append("import keras3")
    added += [f"import keras3.{module}" for module in sorted(findings.modules)]
    if findings.wrappers:
        added.append(f"from keras3 import {', '.join(sorted(findings.wrappers))}")
    rewritten = rewritten.visit(ImportRewriter(unused, [] if hoist_imports else added))
    reason = "; ".join(findings.reasons) or None
    notes = [f"upstream names {old}, which Keras {table.keras_version} lacks: read as {new}"
             for old, new in sorted(resolver.repairs.items())]
    notes += findings.notes
    translation = Translation(rewritten.code.rstrip("\n"), reason, tuple(findings.mapped),
                              tuple(findings.unmapped), tuple(notes), findings.calls, findings.rewritten,
                              tuple(added) if hoist_imports else ())
    return translation, bound, dict(bindings.keras_imports)


def _syntax_reason(source: str, error: cst.ParserSyntaxError) -> str:
    """Why the example is not Python, in Python's words where it has some."""
    try:
        compile(source, "<example>", "exec", flags=ast.PyCF_ONLY_AST)
    except SyntaxError as problem:
        line = (problem.text or "").strip()
        return (f"upstream example is not valid Python (line {problem.lineno}: {line!r}): {problem.msg}"
                if line else f"upstream example is not valid Python (line {problem.lineno}): {problem.msg}")
    return f"upstream example is not valid Python (line {error.raw_line}): {error.message}"


def translate_chunks(chunks: Sequence[str], table: TranslationTable, page: str | None = None,
                     hoist_imports: bool = False) -> list[Translation]:
    """The chunks of one docstring (or the code cells of a tutobook), in order; each sees what the
    earlier ones bound. With `hoist_imports`, the imports a chunk needs are not added to it but
    listed in its `imports` (a page puts them all in its first cell)."""
    results: list[Translation] = []
    bound: set[str] = set()
    imports: dict[str, str] = {}
    for code in chunks:
        result, names, keras_imports = _translate(code, table, page, Context(frozenset(bound), dict(imports)),
                                                  hoist_imports)
        results.append(result)
        bound |= names
        imports.update(keras_imports)
    return results


# ---------------------------------------------------------------------------------------------
# Examples that would download


def download_reason(code: str, table: TranslationTable | None = None) -> str | None:
    """Why running `code` would fetch something from the network, or None.

    With the table, wrappers are known by name (data sets, `get_file`, `decode_predictions`,
    application models whose `weights` default to ImageNet weights); without it, upstream names
    are recognised by shape. Whatever slips through meets the worker's network block instead.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node.func)
        leaf = callee.rsplit(".", 1)[-1]
        weights = next((k.value for k in node.keywords if k.arg == "weights"), None)
        if isinstance(weights, ast.Constant) and weights.value == "imagenet":
            return f"{NEEDS_DOWNLOAD}: {callee}(weights='imagenet') fetches pretrained weights"
        if table is not None and leaf in table.downloads:
            return f"{NEEDS_DOWNLOAD}: {table.downloads[leaf]}"
        if table is not None and leaf in table.imagenet and weights is None:
            return f"{NEEDS_DOWNLOAD}: {leaf}() fetches pretrained ImageNet weights by default"
        if ".datasets." in f".{callee}" and leaf in ("load_data", "get_word_index", "get_label_names"):
            return f"{NEEDS_DOWNLOAD}: {callee} fetches its data set"
        if leaf in ("get_file", "decode_predictions", "from_preset"):
            return f"{NEEDS_DOWNLOAD}: {callee} fetches a file"
    return None


def _callee(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))
