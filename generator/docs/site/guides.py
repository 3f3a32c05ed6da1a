"""The hand-written pages (home, getting started, guides under templates/docs/): rendered as
sources, each code block followed by the marker where the build puts its output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from generator.docs.site.common import FENCE, OUTPUT_MARKER, DocsError
from generator.docs.tutobooks.tether import is_tethered

_GUIDE_PREFIX = re.compile(r"^\d+-")


# --- hand-written pages -----------------------------------------------------------------------


def hand_written_pages(templates: Path, env: jinja2.Environment, context: Mapping[str, Any]) -> dict[str, str]:
    """Pages under templates/docs/ other than the generated kinds: `*.md` verbatim, `*.md.j2`
    rendered with `context`; Python blocks get an output marker (`python no-run` ones do not)."""
    pages: dict[str, str] = {}
    for file in sorted(templates.rglob("*")):
        relative = file.relative_to(templates).as_posix()
        if not file.is_file() or relative.startswith(("reference/", "changelog/")) or relative == "mkdocs.yml.j2":
            continue
        if relative.endswith(".md.j2"):
            text, relative = env.get_template(relative).render(**context), relative.removesuffix(".j2")
        elif relative.endswith(".md"):
            text = file.read_text(encoding="utf-8")
        else:
            continue
        parts = relative.split("/")
        parts[-1] = _GUIDE_PREFIX.sub("", parts[-1])
        relative = "/".join(parts)
        # A page translated from a keras.io tutobook (tethered) is shown as it is: its cells are
        # run by the tutobook runner, not as a hand-written page's blocks.
        pages[relative] = text if is_tethered(text) else mark_outputs(text, relative)
    return pages


def guide_order(templates: Path, relative: str) -> str:
    for file in (templates / "guides").glob("*.md*"):
        if _GUIDE_PREFIX.sub("", file.name).removesuffix(".j2") == relative.removeprefix("guides/"):
            return file.name
    return relative


def mark_outputs(text: str, page: str) -> str:
    """Put an output marker after every runnable Python block of a hand-written page."""
    out: list[str] = []
    position = 0
    index = 0
    for fence in FENCE.finditer(text):
        info = fence.group("info").split()
        out.append(text[position:fence.start()])
        position = fence.end()
        if info[:1] != ["python"]:
            out.append(fence.group(0))
            continue
        if "no-run" in info[1:]:
            out.append(without_run_markers(fence.group(0)))
            continue
        out.append(f"{fence.group(0)}\n<!-- keras3:output {page} {index} -->")
        index += 1
    out.append(text[position:])
    return "".join(out)


def without_run_markers(text: str) -> str:
    """The page as the site shows it: a ```python no-run block (shown, never run: a snippet of
    upstream's prose) as a plain ```python block, which Markdown's fences highlight."""
    def plain(fence: re.Match[str]) -> str:
        info = fence.group("info").split()
        if info[:1] != ["python"] or "no-run" not in info[1:]:
            return fence.group(0)
        rest = [word for word in info[1:] if word != "no-run"]
        return f"{fence.group('marker')}{' '.join(['python', *rest])}\n{fence.group('code')}\n{fence.group('marker')}"

    return FENCE.sub(plain, text)


def runnable_blocks(text: str) -> list[str]:
    """The code of a (marked) page's runnable blocks, in order: each block just before a marker."""
    blocks: list[str] = []
    for marker in OUTPUT_MARKER.finditer(text):
        before = text[:marker.start()].rstrip("\n")
        fence = None
        for fence in FENCE.finditer(before):
            pass
        if fence is None or fence.end() != len(before) or int(marker.group("index")) != len(blocks):
            raise DocsError(f"{marker.group('page')}: output marker {marker.group('index')} follows no code block")
        blocks.append(fence.group("code"))
    return blocks


def page_title(text: str, path: str) -> str:
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    return match.group(1).replace("`", "").strip() if match else path  # nav titles are plain text
