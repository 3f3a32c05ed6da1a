"""The examples gallery: an index page of cards grouped by category (emitted with the sources,
from the gallery's pages and `[gallery]` of the spec), each card's thumbnail put in at build time:
the example's first figure, or a summary image drawn from its run when it draws none. The
examples left out are listed with their reasons.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from generator.docs.guides.outputs import Rendered
from generator.docs.guides.pages import TranslatedPage
from generator.docs.guides.render import cell_counts, first_figure
from generator.docs.guides.spec import GuideSpec

GALLERY_DIR = "examples"
THUMBNAIL = re.compile(r"<!-- keras3:thumbnail (?P<page>\S+) -->")
CATEGORY_TITLES = {
    "vision": "Computer vision", "nlp": "Natural language processing", "generative": "Generative deep learning",
    "structured_data": "Structured data", "timeseries": "Timeseries", "audio": "Audio",
    "keras_recipes": "Quick Keras recipes", "rl": "Reinforcement learning", "graph": "Graph data",
}


def category_title(category: str) -> str:
    return CATEGORY_TITLES.get(category, category.replace("_", " ").capitalize())


def is_gallery_page(path: str) -> bool:
    return path.startswith(f"{GALLERY_DIR}/") and path != f"{GALLERY_DIR}/index.md"


def category_of(page: TranslatedPage) -> str:
    """The front matter's category, else the folder the page is in."""
    return str(page.meta.get("category") or page.path.split("/")[-2])


def description(page: TranslatedPage, text: str) -> str:
    if page.meta.get("description"):
        return " ".join(str(page.meta["description"]).split())
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    for paragraph in re.split(r"\n\s*\n", body):
        paragraph = paragraph.strip()
        if paragraph and not paragraph.startswith(("#", "<!--", "```", "!!!")):
            return " ".join(paragraph.split())
    return ""


def gallery_index(pages: Mapping[str, tuple[TranslatedPage, str]], spec: GuideSpec) -> str:
    """The gallery's index page (a source: no run needed), cards grouped by category."""
    by_category: dict[str, list[tuple[TranslatedPage, str]]] = {}
    for path, (page, text) in sorted(pages.items(), key=lambda item: item[1][0].title.lower()):
        if is_gallery_page(path):
            by_category.setdefault(category_of(page), []).append((page, text))
    total = sum(len(entries) for entries in by_category.values())
    lines = ["# Examples", "",
             (f"{total} code examples from keras.io, translated to keras3 and run on a CPU when the docs "
             "were built (on jax, or on the backend upstream wrote the example for, named on its page): every output and figure on their pages is that run's. Each page names the upstream "
             "file and commit it was translated from, the data that stood in for a download and how its "
             "training was shortened."), ""]
    for category in sorted(by_category, key=category_title):
        lines += [f"## {category_title(category)}", "", '<div class="grid cards" markdown>', ""]
        for page, text in by_category[category]:
            link = page.path.removeprefix(f"{GALLERY_DIR}/")
            lines += [f"-   <!-- keras3:thumbnail {page.path} -->", "",
                      f"    **[{page.title}]({link})**", ""]
            summary = description(page, text)
            if summary:
                lines += [f"    {summary}", ""]
        lines += ["</div>", ""]
    if spec.left_out:
        lines += ["## Left out", "",
                  f"{len(spec.left_out)} keras.io examples are not in the gallery, each for the reason given.", "",
                  "| upstream example | why it is left out |", "| --- | --- |"]
        lines += [f"| `{path}` | {' '.join(reason.split()).replace('|', '/')} |"
                  for path, reason in sorted(spec.left_out.items())]
        lines.append("")
    return "\n".join(lines)


def insert_thumbnails(text: str, rendered: Mapping[str, Rendered], pages: Mapping[str, TranslatedPage],
                      docs: Path) -> str:
    """Each card's thumbnail: the example's first figure, else a summary image of its run."""
    folder = docs / GALLERY_DIR / "thumbnails"

    def replace(match: re.Match[str]) -> str:
        path = match.group("page")
        page, run = pages[path], rendered.get(path)
        folder.mkdir(parents=True, exist_ok=True)
        name = page.path.removeprefix(f"{GALLERY_DIR}/").removesuffix(".md").replace("/", "-")
        figure = first_figure(run) if run is not None else None
        if figure is not None:
            shutil.copy2(figure[0], folder / f"{name}.png")
            alt = figure[1] or f"The first figure of {page.title}"
            return f'![{_attribute(alt)}](thumbnails/{name}.png){{ width="280" }}'
        (folder / f"{name}.svg").write_text(summary_svg(page, run), encoding="utf-8")
        return f'![{_attribute("Summary of " + page.title)}](thumbnails/{name}.svg){{ width="280" }}'

    return THUMBNAIL.sub(replace, text)


def _attribute(text: str) -> str:
    return " ".join(text.split()).replace("[", "(").replace("]", ")")


def summary_svg(page: TranslatedPage, run: Rendered | None) -> str:
    """A card for an example that draws no figure: its title, category and what its run printed last."""
    title_lines = _wrap(page.title, 30)[:3]
    facts = [category_title(category_of(page))]
    last = ""
    if run is not None:
        counts = cell_counts(run)
        facts.append(f"{counts['run']} of {len(run.cells)} cells run on Keras {run.keras}")
        outputs = [line for cell in run.cells for line in str(cell.get("output", "")).splitlines() if line.strip()]
        last = outputs[-1].strip() if outputs else ""
    rows = [f'<text x="16" y="{40 + 26 * i}" font-size="20" font-weight="bold">{html.escape(line)}</text>'
            for i, line in enumerate(title_lines)]
    y = 40 + 26 * len(title_lines) + 12
    for fact in facts:
        rows.append(f'<text x="16" y="{y}" font-size="14" fill="#555">{html.escape(fact)}</text>')
        y += 20
    for line in _wrap(last, 44)[:3]:
        rows.append(f'<text x="16" y="{y + 8}" font-size="13" font-family="monospace" fill="#333">'
                    f"{html.escape(line)}</text>")
        y += 18
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="225" viewBox="0 0 400 225" '
            f'role="img" aria-label="{html.escape("Summary of " + page.title, quote=True)}" '
            'font-family="sans-serif">\n<rect width="400" height="225" fill="#fdf1f0" stroke="#d32f2f"/>\n'
            + "\n".join(rows) + "\n</svg>\n")


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) if text else []


def gallery_nav(pages: Mapping[str, tuple[TranslatedPage, str]]) -> list[dict[str, object]]:
    """The gallery's pages for the nav: [{"title": category, "pages": [{"title", "path"}]}]."""
    by_category: dict[str, list[dict[str, str]]] = {}
    for path, (page, _) in sorted(pages.items(), key=lambda item: item[1][0].title.lower()):
        if is_gallery_page(path):
            by_category.setdefault(category_of(page), []).append({"title": page.title, "path": path})
    return [{"title": category_title(category), "pages": by_category[category]}
            for category in sorted(by_category, key=category_title)]


def not_in_gallery(pages: Mapping[str, tuple[TranslatedPage, str]], spec: GuideSpec) -> list[str]:
    """The translated examples the gallery does not choose (their pages are not in the site)."""
    chosen = {entry.upstream for entry in spec.gallery}
    return [path for path, (page, _) in pages.items() if is_gallery_page(path) and page.upstream not in chosen]
