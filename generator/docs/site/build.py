"""Step 2, the build (impure, an artefact): `build_site()` copies the sources into
`.cache/docs-build/`, replaces each upstream example with its keras3 translation and real output
(`generator.docs.examples`, cached by code and Keras release), runs the code of the hand-written
pages (`page_code`), inserts the outputs and runs `mkdocs build --strict` into `site/`, with a
progress bar; it reports each phase's wall time and the CPU time of all its processes. Any mkdocs
warning fails it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.docs.guides.outputs import RENDERED
from generator.docs.guides.pages import TranslatedPage, translated_pages
from generator.docs.site.common import (
    BUILD_DIR,
    CONFIG_NAME,
    DOCS_NAME,
    EXAMPLE_BLOCK,
    FENCE,
    OUTPUT_MARKER,
    DocsError,
    cpu_seconds,
    fenced,
)
from generator.docs.site.guides import runnable_blocks, without_run_markers
from generator.docs.site.page_code import insert_outputs, run_pages, scrub_output
from generator.settings import GENERATED, SITE_DIR
from generator.upstream.store import SnapshotStore

# ---------------------------------------------------------------------------------------------
# Step 2: build


@dataclass
class BuildResult:
    site: Path
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # upstream examples: "run" (translated, with output), "unrun" (translated, no output: it did
    # not run), "upstream" (upstream's code: not translated, or examples not available)
    examples: dict[str, int] = field(default_factory=dict)
    # translated keras.io guides and gallery examples: "pages", "gallery", cells "run", "skipped",
    # "failed", and "ran" (pages run in this build rather than read from generated/rendered/)
    cells: dict[str, int] = field(default_factory=dict)


def build_site(source: Path = GENERATED, build_dir: Path = BUILD_DIR, site_dir: Path = SITE_DIR,
               store: SnapshotStore | None = None, run_examples: bool = True, jobs: int = 2,
               cache_dir: Path = BUILD_DIR / "outputs", rendered_dir: Path = RENDERED,
               log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
               progress: bool = False) -> BuildResult:
    """Build the site from the docs sources: outputs inserted, `mkdocs build --strict`, no warnings.

    `build_dir` holds the working copy of the sources (`src/`); `cache_dir` the outputs of the
    hand-written pages' code (shared between builds; upstream examples use generator.docs.examples'
    own cache). The hand-written pages' code runs in a thread beside the upstream examples, so
    neither phase's tail leaves a core idle; `progress` shows a rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    cpu_before = cpu_seconds()
    timings: dict[str, float] = {}
    config = (source / CONFIG_NAME).read_text(encoding="utf-8")
    version_match = re.search(r"^  keras_version: (\S+)$", config, re.MULTILINE)
    if version_match is None or not (source / DOCS_NAME).is_dir():
        raise DocsError(f"{source}: no docs sources (run `python -m generator.docs.site --sources`)")
    version = version_match.group(1)
    work = build_dir / "src"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source / DOCS_NAME, work / DOCS_NAME)
    shutil.copy2(source / CONFIG_NAME, work / CONFIG_NAME)
    pages = {p.relative_to(work / DOCS_NAME).as_posix(): p for p in sorted((work / DOCS_NAME).rglob("*.md"))}
    texts = {name: path.read_text(encoding="utf-8") for name, path in pages.items()}
    timings["copy"] = time.perf_counter() - started

    bar = Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), disable=not progress, transient=False)
    if progress:
        log = bar.console.print
    with bar:
        mark = time.perf_counter()
        translated = translated_pages(texts)  # run and rendered by generator.docs.guides
        runnable = {name: runnable_blocks(text) for name, text in texts.items()
                    if OUTPUT_MARKER.search(text) and name not in translated}
        page_task = bar.add_task("guides' code", total=0)
        page_outputs: dict[str, list[str]] = {}
        page_error: list[BaseException] = []

        def run_guides() -> None:
            try:
                page_outputs.update(run_pages(
                    runnable, version, cache_dir, jobs=jobs, log=log,
                    on_start=lambda n: bar.update(page_task, total=n),
                    on_done=lambda: bar.advance(page_task)))
            except BaseException as error:  # noqa: BLE001 - re-raised in the building thread
                page_error.append(error)
            finally:
                timings["pages"] = time.perf_counter() - mark

        guides = threading.Thread(target=run_guides, name="docs-pages", daemon=True)
        guides.start()
        example_task = bar.add_task("upstream examples", total=0)
        results = None

        def examples_start(sessions: int) -> None:
            # the binding is built and every example translated (or read from the cache): runs begin
            timings.setdefault("translate", time.perf_counter() - mark)
            bar.update(example_task, total=sessions)

        if run_examples:
            results = _example_results(texts, version, store, build_dir, log, on_start=examples_start,
                                       on_done=lambda: bar.advance(example_task))
        bar.update(example_task, total=bar.tasks[example_task].total or 1,
                   completed=bar.tasks[example_task].total or 1)
        counts = {"run": 0, "unrun": 0, "upstream": 0}
        for name, text in texts.items():
            if "<!-- keras3:example " in text:
                texts[name] = insert_examples(text, results, counts)
        timings["examples"] = time.perf_counter() - mark  # translate included
        timings.setdefault("translate", timings["examples"])  # nothing ran: all from the cache
        guides.join()
        bar.update(page_task, total=bar.tasks[page_task].total or 1, completed=bar.tasks[page_task].total or 1)
        if page_error:
            raise page_error[0]
        for name, outputs in page_outputs.items():
            texts[name] = insert_outputs(texts[name], outputs)
        if translated:
            mark = time.perf_counter()
            tutobook_task = bar.add_task("keras.io pages", total=0)
            cells = _render_translated(texts, translated, version, work / DOCS_NAME, rendered_dir, jobs, log,
                                       run_examples,
                                       on_start=lambda n: bar.update(tutobook_task, total=n),
                                       on_done=lambda: bar.advance(tutobook_task))
            bar.update(tutobook_task, total=bar.tasks[tutobook_task].total or 1,
                       completed=bar.tasks[tutobook_task].total or 1)
            timings["keras.io"] = time.perf_counter() - mark
        else:
            cells = {}

        for name, text in texts.items():
            pages[name].write_text(without_run_markers(text), encoding="utf-8")
        mark = time.perf_counter()
        mkdocs_task = bar.add_task("mkdocs build", total=None)
        warnings = run_mkdocs(work / CONFIG_NAME, site_dir)
        bar.update(mkdocs_task, total=1, completed=1)
        timings["mkdocs"] = time.perf_counter() - mark
    timings["cpu"] = cpu_seconds() - cpu_before  # every process of the build, on all cores
    result = BuildResult(site_dir, time.perf_counter() - started, timings, warnings, counts, cells)
    if warnings:
        raise DocsError("mkdocs build --strict warned:\n" + "\n".join(warnings))
    return result


# (key in BuildResult.timings, what the phase is); the guides' code runs beside the examples
_PHASES = (("copy", "copy sources"), ("translate", "binding and translation"),
           ("examples", "upstream examples (translation included)"),
           ("pages", "guides' code (beside the examples)"),
           ("keras.io", "keras.io guides and gallery (run, or read from generated/rendered)"),
           ("mkdocs", "mkdocs build"))


def format_phases(result: BuildResult) -> str:
    """The build's phases in wall-clock seconds, then its CPU time (every process of the build) and
    the machine's load: on a shared machine the wall-clock figures mean little without them."""
    parts = [f"{label} {result.timings[key]:.1f} s" for key, label in _PHASES if key in result.timings]
    cpu = result.timings.get("cpu")
    if cpu is not None:
        parts.append(f"total {result.seconds:.1f} s wall, {cpu:.1f} s CPU")
    parts.append("load average " + " ".join(f"{load:.1f}" for load in os.getloadavg()))
    return "; ".join(parts)


# --- keras.io guides and gallery --------------------------------------------------------------

STALE_NOTE = ('\n!!! warning "Not run for this build"\n    This page\'s code has not run since it changed: its '
              "committed output (generated/rendered/) is stale, and the build was told not to run code. "
              "`make guides-render` runs it.\n")


def _render_translated(texts: dict[str, str], translated: Mapping[str, tuple[TranslatedPage, str]], version: str,
                       docs: Path, rendered_dir: Path, jobs: int, log: Callable[[str], None], run: bool,
                       on_start: Callable[[int], None], on_done: Callable[[], None]) -> dict[str, int]:
    """Each translated page with its run (committed in generated/rendered/, or run now and written
    there when stale; without `run`, a stale page is shown without output and says so) and the
    gallery index with its thumbnails; the cells' counts."""
    from generator.docs.guides.gallery import GALLERY_DIR, insert_thumbnails, is_gallery_page
    from generator.docs.guides.outputs import page_key, read_rendered, render_outputs
    from generator.docs.guides.render import cell_counts, render_page
    from generator.docs.guides.spec import load_guide_spec

    spec = load_guide_spec()
    ran: list[int] = []

    def started(count: int) -> None:
        ran.append(count)
        on_start(count)

    if run:
        rendered = render_outputs(translated, spec, version, root=rendered_dir, jobs=jobs, log=log,
                                  on_start=started, on_done=on_done)
    else:
        fresh = {name: read_rendered(name, rendered_dir) for name in translated}
        rendered = {name: found for name, found in fresh.items()
                    if found is not None and found.key == page_key(*translated[name], spec, version)}
    counts = {"pages": len(translated), "gallery": sum(map(is_gallery_page, translated)),
              "run": 0, "skipped": 0, "failed": 0, "ran": ran[0] if ran else 0, "unrendered": 0}
    for name, (page, _) in translated.items():
        if name not in rendered:
            counts["unrendered"] += 1
            texts[name] = texts[name] + STALE_NOTE
            continue
        texts[name] = render_page(texts[name], page, rendered[name], spec.settings(page.upstream), docs)
        for kind, number in cell_counts(rendered[name]).items():
            counts[kind] += number
    index = f"{GALLERY_DIR}/index.md"
    if index in texts:
        texts[index] = insert_thumbnails(texts[index], rendered, {n: p for n, (p, _) in translated.items()}, docs)
    return counts


# --- upstream examples ------------------------------------------------------------------------


def _example_results(texts: Mapping[str, str], version: str, store: SnapshotStore | None,
                     build_dir: Path, log: Callable[[str], None],
                     on_start: Callable[[int], None] | None = None,
                     on_done: Callable[[], None] | None = None) -> Mapping[str, Sequence[Any]] | None:
    from generator.binding.build import build
    from generator.docs.examples.runner import ExampleRunner
    from generator.docs.examples.surface import CACHE_DIR, run_all

    store = store or SnapshotStore()
    binding, _ = build(store, version)
    with ExampleRunner() as runner:
        runner.on_start, runner.on_done = on_start, on_done
        # the page shows a failing example without output whoever is at fault: no upstream re-run
        return run_all(store.load(version), binding, CACHE_DIR, runner=runner,
                                check_upstream=False)


def _code_of(block: str) -> str:
    """The code of a fenced example: doctest prompts removed and printed output dropped."""
    match = FENCE.match(block.strip())
    code = match.group("code") if match else block
    lines = code.splitlines()
    if not any(line.lstrip().startswith(">>>") for line in lines):
        return code
    kept: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            kept.append(stripped[4:] if stripped.startswith(">>> ") else stripped[3:])
        elif stripped.startswith("...") and kept:
            kept.append(stripped[4:] if stripped.startswith("... ") else stripped[3:])
        elif not stripped and kept and kept[-1]:
            kept.append("")
    return "\n".join(kept).strip("\n")


def _same_code(a: str, b: str) -> bool:
    return " ".join(_code_of(a).split()) == " ".join(_code_of(b).split())


def insert_examples(text: str, results: Mapping[str, Sequence[Any]] | None, counts: dict[str, int]) -> str:
    """Each marked upstream example becomes its keras3 translation followed by the output it
    printed. One that did not run (it needs a `model` from the surrounding prose, a download, ...)
    shows its translation without output; one that did not translate (or with no results at all)
    shows upstream's code, without upstream's illustrative doctest output."""

    def replace(match: re.Match[str]) -> str:
        path, index, block = match.group("path"), int(match.group("index")), match.group("block")
        candidates = list(results.get(path, ())) if results else []
        found = next((r for r in candidates if r.index == index and _same_code(r.original, block)), None)
        if found is None:
            found = next((r for r in candidates if _same_code(r.original, block)), None)
        if found is not None and found.translated:
            rendered = fenced(found.translated.strip("\n"), "python")
            output = scrub_output(found.output or "") if found.ok else ""
            counts["run" if found.ok else "unrun"] = counts.get("run" if found.ok else "unrun", 0) + 1
            if output.strip():
                rendered += "\n\n" + fenced(output, 'text title="Output"')
            return rendered
        counts["upstream"] = counts.get("upstream", 0) + 1
        return fenced(_code_of(block), "python")

    return EXAMPLE_BLOCK.sub(replace, text)


# --- mkdocs -----------------------------------------------------------------------------------


def run_mkdocs(config: Path, site_dir: Path) -> list[str]:
    """`mkdocs build --strict`; the warnings it printed (a strict build that fails has some)."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--config-file", str(config),
         "--site-dir", str(site_dir)],
        check=False, capture_output=True, text=True, cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"})
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR")) or "Aborted" in line]
    if result.returncode != 0 and not warnings:
        warnings = [f"mkdocs exited {result.returncode}:", *log.splitlines()[-30:]]
    return warnings
