"""The keras3 toolkit: introspect upstream Keras, store and diff snapshots, emit the binding, docs.

One package per stage of the data flow, each importing only from the stages before it
(tests/test_layout.py holds the order):

    settings, tomlfiles   paths, release numbers, the pinned release; TOML read with clear errors
    upstream/             preflight -> introspect (the only importer of Keras) -> model -> store; releases
    changes/              diff, history, signature_history, report
    binding/              spec, naming, typing_rules, overrides, docstrings/ -> model (wrappers) -> build
    render/               the keras3 package (jinja2, ruff), written in place (writephase)
    docs/                 the docs sources and site, upstream examples run
    pipeline              the composition root: one binding -> the package and the docs sources
    regenerate, checks/   the write flow of `make regenerate`; drift, preview, reports, bench
    cli                   `python -m generator ...`: parses the command line and wires the above
"""
