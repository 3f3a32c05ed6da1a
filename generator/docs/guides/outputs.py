"""The rendered outputs of the translated pages, committed under `generated/rendered/` the way R's
{keras3} commits its pre-rendered vignettes: one folder per page (`outputs.json` and the PNG
figures), keyed by the content hash of (page, its fixtures' code, its settings, the Keras
release). A page whose key matches is not run again; a stale one is run (`render_outputs`) and
written in place, and `stale_outputs` (the drift check, a fast test) names each stale page.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.docs.guides.fixtures import FIXTURES, helpers_source
from generator.docs.guides.pages import TranslatedPage, translated_pages
from generator.docs.guides.spec import GuideSpec
from generator.render.writephase import exclusive
from generator.settings import GENERATED, REPO_ROOT

RENDERED = GENERATED / "rendered"
OUTPUTS_NAME = "outputs.json"
# Bump when the cell runner changes what a run records: every committed output is then stale.
RUNNER_VERSION = "1"


@dataclass(frozen=True)
class Rendered:
    """A page's committed run: per cell its record (see `cells.run_page_cells`), the folder of
    its figures, the Keras release and backend it ran on, the CPU seconds it took."""

    page: str
    key: str
    keras: str
    cells: tuple[dict[str, Any], ...]
    folder: Path
    cpu_seconds: float
    backend: str = "jax"


def page_key(page: TranslatedPage, text: str, spec: GuideSpec, release: str) -> str:
    settings = spec.settings(page.upstream)
    fixtures = [FIXTURES[name].source() for name in settings.fixtures]
    payload = [RUNNER_VERSION, release, text, settings.key_text(), fixtures,
               helpers_source() if fixtures else ""]
    return hashlib.sha256(json.dumps(payload).encode("utf-8")).hexdigest()[:24]


def folder_of(page: str, root: Path = RENDERED) -> Path:
    return root / page.removesuffix(".md")


def read_rendered(page: str, root: Path = RENDERED) -> Rendered | None:
    file = folder_of(page, root) / OUTPUTS_NAME
    if not file.exists():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    return Rendered(page, data["key"], data["keras"], tuple(data["cells"]), file.parent, data.get("cpu_seconds", 0.0),
                    data.get("backend", "jax"))


def source_pages(docs: Path = GENERATED / "docs") -> dict[str, tuple[TranslatedPage, str]]:
    """The translated pages of the docs sources on disk (generated/docs, as regeneration wrote it)."""
    texts = {}
    for file in sorted(docs.rglob("*.md")) if docs.exists() else []:
        text = file.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            texts[file.relative_to(docs).as_posix()] = text
    return translated_pages(texts)


def stale_outputs(pages: Mapping[str, tuple[TranslatedPage, str]], spec: GuideSpec, release: str,
                  root: Path = RENDERED) -> list[str]:
    """Each translated page whose committed output is missing or was rendered from other inputs,
    and each committed output no page has any more; no code runs."""
    problems = []
    for path, (page, text) in sorted(pages.items()):
        rendered = read_rendered(path, root)
        if rendered is None:
            problems.append(f"{path}: no rendered output in {_shown(folder_of(path, root))}")
        elif rendered.key != page_key(page, text, spec, release):
            problems.append(f"{path}: its rendered output is stale (the page, its fixtures, its settings "
                            f"or the Keras release changed since it ran on Keras {rendered.keras})")
    wanted = {folder_of(path, root) for path in pages}
    for file in sorted(root.rglob(OUTPUTS_NAME)) if root.exists() else []:
        if file.parent not in wanted:
            problems.append(f"{_shown(file.parent)}: rendered output of no page")
    return problems


def _shown(folder: Path) -> str:
    return folder.relative_to(REPO_ROOT).as_posix() if folder.is_relative_to(REPO_ROOT) else str(folder)


def render_outputs(pages: Mapping[str, tuple[TranslatedPage, str]], spec: GuideSpec, release: str,
                   root: Path = RENDERED, jobs: int = 2,
                   log: Callable[[str], None] = lambda message: None,
                   on_start: Callable[[int], None] | None = None,
                   on_done: Callable[[], None] | None = None) -> dict[str, Rendered]:
    """{page: its run}: committed outputs whose key matches are read, the others run (each page in
    a process of its own, forked from one that imported Keras) and replace the page's folder
    under `root` (written aside, then renamed into place)."""
    from generator.docs.site.common import DocsError
    from generator.docs.site.page_code import run_in_forkserver

    results: dict[str, Rendered] = {}
    todo: dict[str, tuple[TranslatedPage, str]] = {}
    for path, (page, text) in sorted(pages.items(), key=lambda item: (not item[0].startswith("guides/"), item[0])):
        key = page_key(page, text, spec, release)  # guides first: they run before the gallery
        rendered = read_rendered(path, root)
        if rendered is not None and rendered.key == key:
            results[path] = rendered
        else:
            todo[path] = (page, key)
    if on_start is not None:
        on_start(len(todo))
    if not todo:
        return results
    root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".rendered-", dir=root.parent))

    def done(path: str, cells: list[dict[str, Any]], seconds: float) -> None:
        page, key = todo[path]
        from generator.docs.examples.runner import scrub

        for cell in cells:
            if "output" in cell:
                cell["output"] = scrub(cell["output"])
        cpu = round(sum(cell.get("seconds", 0.0) for cell in cells), 1)
        ran = sum(1 for cell in cells if "error" not in cell and "skipped" not in cell)
        log(f"docs: ran {path} ({ran}/{len(cells)} cells, {cpu:.0f} s CPU, {seconds:.0f} s)")
        data = {"page": path, "upstream": page.upstream, "commit": page.field("commit"), "key": key,
                "keras": release, "backend": spec.settings(page.upstream).backend, "cpu_seconds": cpu, "cells": cells}
        target = scratch / path.removesuffix(".md")
        target.mkdir(parents=True, exist_ok=True)
        (target / OUTPUTS_NAME).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if on_done is not None:
            on_done()

    def keep(path: str, folder: Path) -> None:
        target = scratch / path.removesuffix(".md")
        for cell in json.loads((target / OUTPUTS_NAME).read_text(encoding="utf-8"))["cells"]:
            for figure in cell.get("figures", ()):
                shutil.copy2(folder / figure["file"], target / figure["file"])
        final = folder_of(path, root)
        final.parent.mkdir(parents=True, exist_ok=True)
        retired = final.with_name(f".{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(retired)
        target.rename(final)
        shutil.rmtree(retired, ignore_errors=True)
        rendered = read_rendered(path, root)
        assert rendered is not None
        results[path] = rendered

    def machine(page: TranslatedPage) -> tuple[str, int, tuple[tuple[str, str], ...]]:
        settings = spec.settings(page.upstream)
        return settings.backend, settings.devices, tuple(sorted(settings.environment.items()))

    failed: list[str] = []
    try:
        with exclusive([root], log):  # one writer of generated/rendered at a time
            # one forkserver per backend, device count and environment: Keras (and jax's devices)
            # start with it
            for backend, devices, environment in sorted({machine(page) for page, _ in todo.values()}):
                group = {path: page for path, (page, _) in todo.items()
                         if machine(page) == (backend, devices, environment)}
                try:
                    run_in_forkserver({path: page.cells for path, page in group.items()}, jobs, done,
                                      worker="generator.docs.guides.cells:run_page_cells",
                                      args={path: [spec.settings(page.upstream).as_json()]
                                            for path, page in group.items()},
                                      keep=keep, backend=backend, devices=devices,
                                      environment=dict(environment))
                except DocsError as error:  # a page that died: the other groups still run
                    log(f"docs: {error}")
                    failed.append(str(error))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if failed:
        raise DocsError("; ".join(failed))
    return results


def main(check: bool = False, jobs: int = 2, only: str | None = None) -> int:
    """`make guides-render`: run the translated pages whose committed output is stale and write it
    (`--check`: list them, run nothing; exit 1 when there are any; `only`: a glob of page paths,
    e.g. "examples/timeseries/*", the other pages are left as they are)."""
    import fnmatch
    import sys
    import time

    from generator.docs.guides.spec import load_guide_spec
    from generator.docs.site.common import cpu_seconds
    from generator.settings import pinned_release

    release, spec, pages = pinned_release(), load_guide_spec(), source_pages()
    if only is not None:
        pages = {path: page for path, page in pages.items() if fnmatch.fnmatch(path, only)}
        if not pages:
            print(f"guides-render: no translated page matches {only!r}", file=sys.stderr)
            return 2
    problems = stale_outputs(pages, spec, release)
    if check or not problems:
        for problem in problems:
            print(f"generated/rendered: {problem}", file=sys.stderr)
        print(f"guides-render: {len(pages)} pages run in the docs build (the guides and the gallery's "
              f"examples), {len(problems)} stale", file=sys.stderr)
        return 1 if problems and check else 0
    began, cpu = time.perf_counter(), cpu_seconds()
    render_outputs(pages, spec, release, jobs=jobs, log=lambda message: print(message, file=sys.stderr))
    for folder in sorted(RENDERED.rglob(OUTPUTS_NAME)):  # outputs of pages that are gone
        if only is None and folder.parent not in {folder_of(path) for path in pages}:
            shutil.rmtree(folder.parent)
    print(f"guides-render: {len(pages)} pages run in the docs build, {len(problems)} rendered in "
          f"{time.perf_counter() - began:.0f} s wall, {cpu_seconds() - cpu:.0f} s CPU", file=sys.stderr)
    return 0

