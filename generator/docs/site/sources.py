"""Step 1, the docs sources: `emit_docs`/`docs_for` turn (snapshot, binding, history, templates)
into `generated/mkdocs.yml` and the Markdown pages under `generated/docs/`, byte-identical on every
run; the markers where the build inserts outputs; writing the sources and comparing them with what
is committed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import jinja2

from generator.binding.docstrings.patches import load_doc_patches
from generator.binding.model import Binding
from generator.binding.spec import BindingSpec
from generator.docs.guides.gallery import GALLERY_DIR, gallery_index, gallery_nav, not_in_gallery
from generator.docs.guides.pages import translated_pages
from generator.docs.guides.spec import load_guide_spec
from generator.docs.site.changelog import (
    EVOLUTION_SVG,
    changelog_view,
    evolution_chart,
    releases_up_to,
)
from generator.docs.site.common import CONFIG_NAME, DOCS_NAME, DOCS_TEMPLATES
from generator.docs.site.guides import guide_order, hand_written_pages, page_title
from generator.docs.site.links import TYPES_FILE, LinkMap, read_types, type_names
from generator.docs.site.wrapper_pages import SHAPE_NOTES, base_view, read_hand_written, symbol_view
from generator.settings import GENERATED
from generator.upstream.model import Snapshot
from generator.upstream.store import SnapshotStore

FAMILY_TITLES = {
    "ops": "Operations", "random": "Random", "activations": "Activations", "layers": "Layers",
    "losses": "Losses", "metrics": "Metrics", "optimizers": "Optimizers", "callbacks": "Callbacks",
    "initializers": "Initializers", "constraints": "Constraints", "regularizers": "Regularizers",
    "config": "Configuration", "models": "Models and saving", "distribution": "Distribution",
    "applications": "Applications", "utils": "Utilities", "datasets": "Datasets",
}


# ---------------------------------------------------------------------------------------------
# Step 1: sources


def emit_docs(store: SnapshotStore, version: str) -> dict[str, str]:
    """{path relative to generated/: text} of the docs sources for a stored Keras release."""
    return docs_for(store.load(version), store)


def docs_for(snapshot: Snapshot, store: SnapshotStore,
             built: tuple[Binding, BindingSpec] | None = None,
             templates: Path = DOCS_TEMPLATES) -> dict[str, str]:
    """The docs sources for `snapshot`, which need not be stored yet (as in `make regenerate`)."""
    from generator.render.package import template_error

    try:
        return _docs_for(snapshot, store, built, templates)
    except jinja2.TemplateError as error:  # one line naming the template, not a traceback
        raise template_error(error, templates) from None


def _docs_for(snapshot: Snapshot, store: SnapshotStore, built: tuple[Binding, BindingSpec] | None,
              templates: Path) -> dict[str, str]:
    from generator.binding.build import build_for

    binding, spec = built if built is not None else build_for(snapshot, store)
    env = _environment(templates)
    files: dict[str, str] = {}
    version = snapshot.keras_version

    overrides = read_hand_written() if any(w.overridden for w in binding.wrappers) else {}
    links = LinkMap.of(binding, snapshot, type_names(TYPES_FILE))
    families = []
    for family in spec.families:
        wrappers = binding.by_family(family.module)
        if not wrappers:
            continue
        families.append({
            "module": family.module,
            "title": FAMILY_TITLES.get(family.module, family.module.capitalize()),
            "upstream": family.upstream,
            "shape": family.shape,
            "count": len(wrappers),
            "path": f"reference/{family.module}/index.md",
        })
        symbols = [symbol_view(w, snapshot, overrides, links) for w in wrappers]
        files[f"{DOCS_NAME}/reference/{family.module}/index.md"] = env.get_template("reference/family.md.j2").render(
            family=families[-1], symbols=symbols, version=version, shape_note=SHAPE_NOTES.get(family.shape, ""))
        for view in symbols:  # one page per wrapper: a link names the wrapper, not a 1 MB page
            files[f"{DOCS_NAME}/reference/{family.module}/{view['name']}.md"] = env.get_template(
                "reference/wrapper.md.j2").render(family=families[-1], s=view, version=version,
                                                  shape_note=SHAPE_NOTES.get(family.shape, ""))
    files[f"{DOCS_NAME}/reference/types.md"] = env.get_template("reference/types.md.j2").render(
        types=read_types(TYPES_FILE), version=version)
    files[f"{DOCS_NAME}/reference/index.md"] = env.get_template("reference/index.md.j2").render(
        families=families, version=version, binding=binding, total=len(binding.wrappers))
    files[f"{DOCS_NAME}/reference/bases.md"] = env.get_template("reference/bases.md.j2").render(
        bases=[base_view(name, path, snapshot, load_doc_patches()) for name, path in binding.bases.items()],
        version=version)

    releases = releases_up_to(store, snapshot)
    changelog = [changelog_view(store, snapshot, old, new) for old, new in zip([None, *releases], releases)]
    for entry in changelog:
        files[f"{DOCS_NAME}/changelog/{entry['release']}.md"] = entry["text"]
    files[f"{DOCS_NAME}/changelog/{EVOLUTION_SVG}"] = env.get_template(f"changelog/{EVOLUTION_SVG}.j2").render(
        chart=evolution_chart(changelog))
    files[f"{DOCS_NAME}/changelog/index.md"] = env.get_template("changelog/index.md.j2").render(
        releases=list(reversed(changelog)), version=version)

    pages = hand_written_pages(templates, env, {
        "version": version, "families": families, "total": len(binding.wrappers)})
    spec = load_guide_spec()
    translated = translated_pages(pages)
    for path in not_in_gallery(translated, spec):  # a translated example the gallery leaves out
        del pages[path], translated[path]
    files.update({f"{DOCS_NAME}/{path}": text for path, text in pages.items()})
    ordered = sorted(pages.items(), key=lambda item: guide_order(templates, item[0]))
    guides = [{"title": page_title(text, path), "path": path}
              for path, text in ordered if path.startswith("guides/") and path not in translated]
    from_keras_io = [{"title": translated[path][0].title, "path": path}
                     for path, _ in sorted(ordered, key=lambda item: item[0])
                     if path.startswith("guides/") and path in translated]
    gallery = gallery_nav(translated)
    if gallery:
        files[f"{DOCS_NAME}/{GALLERY_DIR}/index.md"] = gallery_index(translated, spec)
    files[CONFIG_NAME] = env.get_template("mkdocs.yml.j2").render(
        version=version, families=families, guides=guides, from_keras_io=from_keras_io, gallery=gallery,
        releases=[entry["release"] for entry in reversed(changelog)])
    return dict(sorted(files.items()))


def _environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["cell"] = table_cell
    env.filters["one_line"] = lambda text: " ".join(str(text).split())
    return env


def table_cell(text: str) -> str:
    """Text for one cell of a Markdown table: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


# --- writing and comparing --------------------------------------------------------------------


def write_docs(files: Mapping[str, str], root: Path = GENERATED) -> None:
    """Replace generated/docs (whole, swapped in with renames) and generated/mkdocs.yml (atomically)."""
    from generator.render.package import _recover, exchange_directories
    from generator.render.writephase import staging_folder, swap_in

    docs = root / DOCS_NAME
    _recover(docs)
    staging = staging_folder(docs)
    try:
        for name, text in files.items():
            if not name.startswith(f"{DOCS_NAME}/"):
                continue
            target = staging / name.removeprefix(f"{DOCS_NAME}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        if not docs.exists():
            staging.rename(docs)
        elif exchange_directories(staging, docs):
            shutil.rmtree(staging)
        else:
            swap_in(staging, docs)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if CONFIG_NAME in files:
        handle, temporary = tempfile.mkstemp(prefix=f".{CONFIG_NAME}.", dir=root)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(files[CONFIG_NAME])
        os.chmod(temporary, 0o644)
        os.replace(temporary, root / CONFIG_NAME)


def docs_differences(files: Mapping[str, str], root: Path = GENERATED) -> list[str]:
    """Docs sources on disk that differ from `files` (or are missing or extra), like render.differences."""
    on_disk = {p.relative_to(root).as_posix() for p in (root / DOCS_NAME).rglob("*") if p.is_file()}
    if (root / CONFIG_NAME).exists():
        on_disk.add(CONFIG_NAME)
    problems = [f"{name}: missing" for name in sorted(files.keys() - on_disk)]
    problems += [f"{name}: not generated" for name in sorted(on_disk - files.keys())]
    problems += [f"{name}: differs from what regeneration emits" for name in sorted(files.keys() & on_disk)
                 if (root / name).read_text(encoding="utf-8") != files[name]]
    return problems
