"""keras.io tutobooks (guides and examples) as keras3 pages: `parse` reads a tutobook, `page`
translates it (the prose as written, the code by the reference examples' translator, the figure
of calls rewritten), `tether` is the page's front matter naming the stored upstream it was
translated from, `merge` merges upstream's change into a hand-edited page (`git merge-file`).
The write flow is `generator/guides_sync.py`; the stored copies are `upstream/tutobooks.py`.
"""
