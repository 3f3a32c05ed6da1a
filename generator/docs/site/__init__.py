"""The documentation site, in two steps with a hard line between them.

1. Sources (pure, committed). `emit_docs(store, version)` turns (snapshot, binding, history,
   templates) into `generated/mkdocs.yml` and the Markdown pages under `generated/docs/`: a home
   page, getting started, the guides (hand-written under `templates/docs/`), a page per family
   listing its wrappers and one page per wrapper (upstream prose naming a wrapped symbol links to
   its page, parameter types to the `keras3.types` page), the subclassing bases, one changelog
   page per stored Keras release and the API-evolution SVG on the changelog's index. The result
   is byte-identical on every run, so it holds no executed output: every block whose output the
   build adds carries a marker instead,

       <!-- keras3:example keras.ops.add 0 -->      (an upstream example, until the closing
       ```python ... ```                            `<!-- /keras3:example -->`: path and index
       <!-- /keras3:example -->                     as `generator.docs.examples.run_all` keys them)

       ```python ... ```                            (a code block of a hand-written page,
       <!-- keras3:output guides/models.md 2 -->    run at build time; its output goes here)

2. Build (impure, an artefact). `build_site()` copies the sources into `.cache/docs-build/`,
   replaces each upstream example with its keras3 translation and real output
   (`generator.docs.examples.run_all`, cached there by code and Keras release), runs the code of the
   hand-written pages (each page in a fresh interpreter on jax, cached by code and release, beside
   the examples), inserts the outputs and runs `mkdocs build --strict` into `site/`, with a rich
   progress bar; it reports each phase's wall time and the CPU time of all its processes. Any
   mkdocs warning fails it.

Modules: step 1, `sources` (with `wrapper_pages`, `links`, `changelog`, `guides`); step 2,
`build` (with `page_code`); `common` (names, markers, fences shared by both), `coverage` (every
upstream sentence on the page), `cli`.

    python -m generator.docs.site --sources   write generated/docs and generated/mkdocs.yml
    python -m generator.docs.site             build site/ from the committed sources
"""
