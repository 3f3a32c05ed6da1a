"""Stage 5, docs: the documentation site: its sources emitted from the binding, upstream examples
translated into keras3 and run, and the mkdocs build."""
