"""Links in the docs: upstream prose naming a wrapped symbol links to its wrapper's page, a
parameter type to the `keras3.types` page, anything else to keras.io's search.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.binding.model import Binding
from generator.docs.site.common import FENCE
from generator.settings import GENERATED
from generator.upstream.model import Snapshot

UPSTREAM_SEARCH = "https://keras.io/search.html?query={}"


# --- links: wrappers to wrappers, types to keras3.types ----------------------------------------

TYPES_FILE = GENERATED / "keras3" / "types.py"
_CODE_SPAN = re.compile(r"(?<![`\[])`(?P<path>keras(?:\.\w+)+)(?:\(\))?`(?![`\]])")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class LinkMap:
    """Where a name points in the site, as a path relative to a wrapper page
    (`reference/<family>/<wrapper>.md`)."""

    paths: Mapping[str, tuple[str, str]]  # public Keras path -> (wrapper or base name, link)
    types: frozenset[str]  # names keras3.types defines

    @classmethod
    def of(cls, binding: Binding, snapshot: Snapshot, types: Iterable[str]) -> LinkMap:
        paths: dict[str, tuple[str, str]] = {}
        for name, path in binding.bases.items():
            for public in (path, *(snapshot.symbols[path].aliases if path in snapshot.symbols else ())):
                paths.setdefault(public, (name, f"../bases.md#{name}"))
        for w in binding.wrappers:
            if w.member:
                continue
            for upstream in filter(None, (w.upstream, w.function)):
                symbol = snapshot.symbols.get(upstream)
                for public in (upstream, *(symbol.aliases if symbol else ())):
                    paths.setdefault(public, (w.name, f"../{w.family}/{w.name}.md"))
        return cls(dict(sorted(paths.items())), frozenset(types))

    def prose(self, markdown: str, own: str = "") -> str:
        """`keras.layers.Dense` in upstream prose (outside code blocks) links to its wrapper's page."""
        def link(match: re.Match[str]) -> str:
            target = self.paths.get(match.group("path"))
            if target is None or target[0] == own:
                return match.group(0)
            return f"[{match.group(0)}]({target[1]})"

        out: list[str] = []
        position = 0
        for fence in FENCE.finditer(markdown):
            out.append(_CODE_SPAN.sub(link, markdown[position:fence.start()]))
            out.append(fence.group(0))
            position = fence.end()
        out.append(_CODE_SPAN.sub(link, markdown[position:]))
        return "".join(out)

    def annotation(self, annotation: str) -> str:
        """A parameter's type for the table: names of keras3.types link to their entry, the rest
        stays code (`[`ActivationLike`](../types.md#ActivationLike)` | None``)."""
        out: list[str] = []
        rest = 0
        for match in _IDENTIFIER.finditer(annotation):
            name = match.group(0)
            if name not in self.types:
                continue
            between = annotation[rest:match.start()]
            if between.strip():
                out.append(f"`{between.strip()}`")
            out.append(f"[`{name}`](../types.md#{name})")
            rest = match.end()
        tail = annotation[rest:]
        if tail.strip():
            out.append(f"`{tail.strip()}`")
        return " ".join(out)


def type_names(file: Path) -> list[str]:
    return [entry["name"] for entry in read_types(file)]


def read_types(file: Path) -> list[dict[str, str]]:
    """The public names of keras3.types (`__all__`) with their definition and the `#:` comment or
    docstring that explains them, read from the source (never imported)."""
    import ast

    if not file.exists():
        return []
    source = file.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    public: list[str] = []
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            public = [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
            continue
        name = (node.target.id if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                else node.name if isinstance(node, ast.ClassDef) else None)
        if name is None:
            continue
        comment: list[str] = []
        number = node.lineno - 2
        while number >= 0 and lines[number].startswith("#:"):
            comment.insert(0, lines[number][2:].strip())
            number -= 1
        if isinstance(node, ast.ClassDef):
            definition = f"class {name}(" + ", ".join(ast.unparse(b) for b in node.bases) + ")"
            text = ast.get_docstring(node) or ""
        else:
            value = node.value  # type: ignore[union-attr]
            shown = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else (
                ast.unparse(value) if value is not None else "")
            definition = f"{name} = {shown}"
            text = " ".join(comment)
        found[name] = {"name": name, "definition": definition, "doc": " ".join(text.split())}
    return [found[name] for name in sorted(public, key=str.lower) if name in found]


def format_parts(name: str, parts: Sequence[str], returns: str, width: int = 88) -> str:
    one_line = f"def {name}({', '.join(parts)}) -> {returns}"
    if len(one_line) <= width:
        return one_line
    return f"def {name}(\n" + "".join(f"    {part},\n" for part in parts) + f") -> {returns}"
