"""A translated page read: its front matter (upstream file, commit, sha256, title, category), its
code cells in order, and the prose just before each cell (a figure's alt text falls back on it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.docs.site.common import FENCE, DocsError

_FRONT = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.DOTALL)
REQUIRED = ("upstream",)
# The tether fields as guides-sync writes them (`upstream_commit`), or short (`commit`).
_ALIASES = {"commit": "upstream_commit", "sha256": "upstream_sha256", "repository": "upstream_repo"}


@dataclass(frozen=True)
class TranslatedPage:
    path: str  # the page's path under docs/, e.g. "examples/vision/mnist_convnet.md"
    meta: dict[str, Any]
    cells: tuple[str, ...]
    prose: tuple[str, ...]  # per cell, the last sentence of the prose before it ("" if none)

    @property
    def upstream(self) -> str:
        return str(self.meta["upstream"])

    def field(self, name: str) -> str:
        """A tether field (`commit`, `sha256`, `repository`) under either of its names, or ""."""
        return str(self.meta.get(_ALIASES.get(name, name)) or self.meta.get(name) or "")

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.path)


def front_matter(text: str) -> dict[str, Any] | None:
    """The YAML front matter of a page, or None when it has none."""
    import yaml

    match = _FRONT.match(text)
    if match is None:
        return None
    data = yaml.safe_load(match.group("body"))
    return data if isinstance(data, dict) else None


def is_translated(text: str) -> bool:
    meta = front_matter(text)
    return meta is not None and "upstream" in meta


def is_cell(info: str) -> bool:
    """Is a fence with this info string a cell that runs (```python, not ```python no-run)?"""
    words = info.split()
    return words[:1] == ["python"] and "no-run" not in words[1:]


def read_page(path: str, text: str) -> TranslatedPage:
    """A translated page's cells: its ```python fences (not `python no-run` ones), in order."""
    meta = front_matter(text)
    if meta is None or any(key not in meta for key in REQUIRED):
        raise DocsError(f"{path}: a translated page needs front matter with {', '.join(REQUIRED)}")
    cells: list[str] = []
    prose: list[str] = []
    position = 0
    for fence in FENCE.finditer(text):
        between = text[position:fence.start()]
        position = fence.end()
        if not is_cell(fence.group("info")):
            continue
        cells.append(fence.group("code"))
        prose.append(last_sentence(between))
    return TranslatedPage(path, meta, tuple(cells), tuple(prose))


def last_sentence(markdown: str) -> str:
    """The last sentence of a stretch of prose, as plain text (for an image's alt text)."""
    body = _FRONT.sub("", markdown)
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.DOTALL)
    body = re.sub(r"^#+\s*", "", body, flags=re.MULTILINE)
    body = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", body)
    text = " ".join(body.replace("`", "").replace("*", "").split())
    sentences = [s for s in re.split(r"(?<=[.!?:])\s+", text) if s.strip()]
    return sentences[-1].rstrip(":") if sentences else ""


def translated_pages(pages: dict[str, str]) -> dict[str, tuple[TranslatedPage, str]]:
    """{path: (the page read, its text)} of the pages (path under docs/ -> text) translated from
    a tutobook: those whose front matter names an `upstream` file."""
    return {path: (read_page(path, text), text) for path, text in sorted(pages.items())
            if path.endswith(".md") and is_translated(text)}
