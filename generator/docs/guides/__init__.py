"""Guides and gallery examples translated from keras.io tutobooks: run and rendered.

A translated page (Markdown with front matter naming its `upstream` file, `commit` and `sha256`,
code in ```python fences) is run top to bottom on jax (CPU) in a process of its own, each cell's
printed output and matplotlib figures kept (`cells`). Downloads never run: each page declares
fixtures (`fixtures`, small data a package ships or the fixture makes) and may shorten its
training (`spec`, data in `generator/spec/gallery.toml`); both are stated on the page. The
outputs are committed under `generated/rendered/` keyed by the content hash of (page, fixtures,
settings, Keras release), so a fresh clone's docs build and tests re-run nothing and the drift
check fails on a stale output (`outputs`). `render` puts outputs, figures and the provenance into
the page; `gallery` draws the examples' index of cards.

    make guides-render        run what is stale and write generated/rendered/
"""
