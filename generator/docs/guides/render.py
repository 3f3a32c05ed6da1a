"""A translated page with its run put in (at build time): before its first section, the Keras
release and backend it ran on (and where it comes from, upstream file and commit, unless the
page says so already), the fixtures that stood in
for downloads and how its training was shortened; after each cell its output, its figures as
images with alt text, or why it did not run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.docs.guides.fixtures import FIXTURES
from generator.docs.guides.outputs import Rendered
from generator.docs.guides.pages import TranslatedPage, is_cell
from generator.docs.guides.spec import RunSettings
from generator.docs.site.common import FENCE, OUTPUT_MARKER, fenced

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_FIRST_SECTION = re.compile(r"^(?:## |```)", re.MULTILINE)


def cell_counts(rendered: Rendered) -> dict[str, int]:
    counts = {"run": 0, "skipped": 0, "failed": 0}
    for cell in rendered.cells:
        counts["skipped" if "skipped" in cell else "failed" if "error" in cell else "run"] += 1
    return counts


def provenance(page: TranslatedPage, rendered: Rendered, settings: RunSettings, named: bool) -> str:
    """The admonition that says how the page ran: the Keras release and backend, the cells run,
    the fixtures that stood in for downloads, how training was shortened; with the upstream file
    and commit unless the page already names them (`named`)."""
    commit = page.field("commit")
    source = f"`{page.upstream}`"
    if page.field("repository") and commit:
        source = f"[{source}](https://github.com/{page.field('repository')}/blob/{commit}/{page.upstream})"
    counts = cell_counts(rendered)
    lines = [f'!!! info "Run on Keras {rendered.keras} ({rendered.backend}, CPU)"']
    if not named:
        lines.append(f"    Translated to keras3 from {source} at upstream commit `{commit[:12]}`"
                     + (f" (sha256 `{page.field('sha256')[:12]}`)" if page.field("sha256") else "") + ".")
    lines.append(f"    Its code ran on Keras {rendered.keras} with the {rendered.backend} backend (CPU): {counts['run']} of "
                 f"{len(rendered.cells)} cells ran" + (f", {counts['skipped']} skipped" if counts["skipped"] else "")
                 + (f", {counts['failed']} failed" if counts["failed"] else "")
                 + "; every output and figure below is that run's.")
    for name in settings.fixtures:
        fixture = FIXTURES[name]
        if fixture.downloads:
            lines.append(f"\n    **Data.** `{fixture.replaces}` does not download here: {fixture.description}")
        else:
            lines.append(f"\n    **Stand-in.** `{fixture.replaces}`: {fixture.description}")
    if settings.devices != 1:
        lines.append(f"\n    **Devices.** The CPU is split into {settings.devices} devices (XLA's "
                     "`--xla_force_host_platform_device_count`), so the guide's device mesh has "
                     "devices to shard over; the layout is the guide's, the speed is not.")
    if settings.environment:
        names = ", ".join(f"`{name}={value}`" for name, value in sorted(settings.environment.items()))
        lines.append(f"\n    **Environment.** The page's process starts with {names}, which upstream sets in "
                     "`os.environ` before importing Keras (Keras reads it once, at import).")
    shortened = []
    if settings.epochs is not None:
        shortened.append(f"`Model.fit` runs at most {settings.epochs} epoch{'s' if settings.epochs > 1 else ''}")
    if settings.steps is not None:
        shortened.append(f"at most {settings.steps} step{'s' if settings.steps > 1 else ''} per epoch")
    if settings.validation_steps is not None:
        shortened.append(f"validation runs at most {settings.validation_steps} steps")
    shortened += [f"`{name} = {value!r}` replaces upstream's value" for name, value in sorted(settings.assign.items())]
    if shortened:
        lines.append("\n    **Shortened training.** To run on a CPU in the docs build, " + "; ".join(shortened)
                     + ": the numbers below are not upstream's results.")
    return "\n".join(lines) + "\n"


def render_page(text: str, page: TranslatedPage, rendered: Rendered, settings: RunSettings,
                docs: Path) -> str:
    """The page's text with its run inserted after each cell (an output marker there, if any, is
    replaced); its figures copied next to it under `docs`; the run's admonition before the page's
    first section (or first cell)."""
    figures = docs / page.path.removesuffix(".md")
    stem = figures.name
    out: list[str] = []
    position = 0
    index = 0
    for fence in FENCE.finditer(text):
        if not is_cell(fence.group("info")):
            continue
        out.append(text[position:fence.end()])
        position = fence.end()
        marker = OUTPUT_MARKER.match(text, position + 1)
        if marker is not None:
            position = marker.end()
        if index < len(rendered.cells):
            shown = render_cell(rendered.cells[index], page.prose[index] if index < len(page.prose) else "",
                                rendered.folder, figures, stem)
            if shown:
                out.append("\n\n" + shown)
        index += 1
    out.append(text[position:])
    text = "".join(out)
    block = provenance(page, rendered, settings, named="Translated to keras3 from" in text)
    body = _FRONT_MATTER.match(text)
    start = body.end() if body else 0
    anchor = _FIRST_SECTION.search(text, start)
    where = anchor.start() if anchor else len(text)
    return text[:where] + block + "\n" + text[where:]


def render_cell(cell: Mapping[str, Any], prose: str, source: Path, figures: Path, stem: str) -> str:
    if "skipped" in cell:
        return f'!!! note "Not run in the docs build"\n    {cell["skipped"]}'
    parts = []
    output = str(cell.get("output", "")).strip("\n")
    if output.strip():
        parts.append(fenced(output, 'text title="Output"'))
    for number, figure in enumerate(cell.get("figures", ()), start=1):
        figures.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / figure["file"], figures / figure["file"])
        alt = alt_text(figure.get("alt", ""), prose, number)
        parts.append(f"![{alt}]({stem}/{figure['file']})")
    if "error" in cell:
        parts.append(f'!!! warning "This cell did not run"\n    {_one_line(cell["error"])}')
    return "\n\n".join(parts)


def alt_text(title: str, prose: str, number: int) -> str:
    """A figure's alt text: its title, else the prose sentence before its cell."""
    text = title.strip() or prose.strip() or f"Figure {number}"
    return _one_line(text).replace("[", "(").replace("]", ")")[:200]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def first_figure(rendered: Rendered) -> tuple[Path, str] | None:
    for cell in rendered.cells:
        for figure in cell.get("figures", ()):
            return rendered.folder / figure["file"], figure.get("alt", "")
    return None
