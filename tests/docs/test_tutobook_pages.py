"""keras.io tutobooks translated into keras3 pages: the prose kept sentence for sentence, the code
translated by the reference examples' translator (every call that has a wrapper rewritten, the
figure stated), the imports gathered in the first cell, upstream's change merged three ways."""

from __future__ import annotations

import ast
import re

import pytest

from generator.docs.examples.translate import translate
from generator.docs.site.common import DOCS_TEMPLATES, FENCE
from generator.docs.tutobooks.merge import three_way
from generator.docs.tutobooks.page import sentence_retention, translate_page, with_imports
from generator.docs.tutobooks.parse import parse_tutobook
from generator.docs.tutobooks.tether import Tether, read_tether
from generator.guides_sync import translation_table
from generator.upstream.tutobook_spec import load_tracked
from generator.upstream.tutobooks import TutobookStore

FIGURE = re.compile(r"(?P<rewritten>\d+) of (?P<calls>\d+) calls that have a keras3 wrapper are rewritten")


@pytest.fixture(scope="module")
def table():
    return translation_table()


@pytest.fixture(scope="module")
def committed():
    """(entry, stored upstream text, committed page text) of every tracked tutobook with a page."""
    store = TutobookStore()
    return [(e, store.text(e.path), (DOCS_TEMPLATES / e.page).read_text(encoding="utf-8"))
            for e in load_tracked() if e.page]


def page_of(entry, table, text: str | None = None):
    store = TutobookStore()
    record = store.index()[entry.path]
    return translate_page(text or store.text(entry.path), entry,
                          Tether(entry.path, record.repo, record.commit, record.sha256), table)


def entry(path: str):
    return next(e for e in load_tracked() if e.path == path)


def test_the_pages_keep_upstream_prose_sentence_for_sentence(committed):
    kept = total = 0
    for tracked, source, page in committed:
        retention = sentence_retention(source, page, tracked.path)
        kept, total = kept + retention.kept, total + retention.total
    print(f"upstream prose sentences on the translated pages: {kept}/{total} = {kept / total:.3%}")
    assert total > 5000 and kept / total >= 0.995


def test_the_sentence_count_sees_a_dropped_sentence(committed):
    tracked, source, page = next(c for c in committed if c[0].path == "guides/functional_api.py")
    sentence = "The batch size is always omitted since only the shape of each sample is specified."
    assert sentence in page
    retention = sentence_retention(source, page.replace(sentence, ""), tracked.path)
    assert retention.missing == ("The batch size is always omitted since only the shape of each sample is specified",)


def test_a_guide_is_translated_every_call_with_a_wrapper_rewritten(table):
    page = page_of(entry("guides/functional_api.py"), table)
    assert page.calls >= 100 and page.rewritten == page.calls and not page.reasons
    assert f"{page.rewritten} of {page.calls} calls that have a keras3 wrapper are rewritten" in page.text
    codes = [m.group("code") for m in FENCE.finditer(page.text) if m.group("info") == "python"]
    assert len(codes) >= page.cells  # the code cells, and the Python blocks upstream shows in its prose
    for code in codes:
        ast.parse(code)
    text = "\n".join(codes)
    assert "layer_dense(x, units=64, activation=\"relu\")" in text
    assert "keras.layers.Dense(" not in text
    first = codes[0]
    assert "from keras3 import (" in first and "    keras_input,\n" in first  # imports gathered in the setup
    assert all("from keras3 import" not in code for code in codes[1:])
    assert first.count("import numpy as np") == 1


def test_the_figure_on_each_page_is_what_the_translation_counts(committed, table):
    for tracked, _, page in committed:
        if tracked.kind != "guide":
            continue
        figure = FIGURE.search(page)
        fresh = page_of(tracked, table)
        assert figure is not None or fresh.calls == 0, tracked.path
        if figure:
            assert (int(figure["rewritten"]), int(figure["calls"])) == (fresh.rewritten, fresh.calls), tracked.path


def test_the_backend_is_chosen_before_keras_is_imported():
    code = 'import os\n\nos.environ["KERAS_BACKEND"] = "jax"\n\nimport keras\nimport numpy as np'
    merged = with_imports(code, ["import numpy as np", "from keras3 import layer_dense", "from keras3 import op_add"])
    assert merged.index('os.environ["KERAS_BACKEND"]') < merged.index("from keras3 import layer_dense, op_add")
    assert merged.count("import numpy as np") == 1 and merged.rstrip().endswith("from keras3 import layer_dense, op_add")


def test_tensorflow_keras_imports_are_keras(table):
    code = "from tensorflow import keras\nfrom tensorflow.keras import layers\nx = layers.Dense(4)\n"
    result = translate(code, table)
    assert "layer_dense(units=4)" in (result.code or "") and "tensorflow" not in (result.code or "")
    assert (result.calls, result.rewritten) == (1, 1)


def test_tutobook_cells_as_keras_io_reads_them():
    book = parse_tutobook('# -*- coding: utf-8 -*-\n"""\nAuthor: a\nDescription: d\n"""\n\n"""# Heading\n\nText.\n"""\n'
                          'x = 1\n\n"""shell\npip install keras\n"""\n\n"""invisible\nhidden\n"""\n', "examples/x/my_book.py")
    assert book.title("examples/x/my_book.py") == "My book"  # no Title: the file's name
    assert [c.kind for c in book.cells] == ["prose", "code", "shell", "invisible"]
    assert book.cells[0].text == "# Heading\n\nText." and book.prose() == "# Heading\n\nText."


def test_three_way_merge_grades():
    base = "a\nb\nc\nd\ne\nf\ng\n"
    theirs = base.replace("f\n", "F\n")
    assert three_way(base, base, base, ("m", "b", "t")).grade == "unchanged"
    assert three_way(base, base, theirs, ("m", "b", "t")).text == theirs
    merged = three_way(base.replace("a\n", "A\n"), base, theirs, ("m", "b", "t"))
    assert (merged.grade, merged.text) == ("merged", "A\nb\nc\nd\ne\nF\ng\n")
    conflict = three_way(base.replace("f\n", "f!\n"), base, theirs, ("mine", "base", "theirs"))
    assert conflict.grade == "conflict" and conflict.conflicts == 1
    assert "<<<<<<< mine\nf!\n=======\nF\n>>>>>>> theirs\n" in conflict.text


def test_committed_pages_name_their_stored_upstream(committed):
    index = TutobookStore().index()
    for tracked, _, page in committed:
        tether = read_tether(page, tracked.page or "")
        assert (tether.path, tether.sha256, tether.commit) == (tracked.path, index[tracked.path].sha256,
                                                              index[tracked.path].commit)
        assert f"https://github.com/{tether.repo}/blob/{tether.commit}/{tether.path}" in page


def test_a_layer_built_from_star_arguments_and_applied_takes_its_input_first(table):
    code = "import keras\nfrom keras import layers\nsize = (8, 6)\nx = layers.Resizing(*size, interpolation='nearest')(keras.Input((16, 16, 3)))\n"
    result = translate(code, table)
    assert "layer_resizing(keras_input((16, 16, 3)), *size, interpolation='nearest')" in (result.code or "")
    assert (result.calls, result.rewritten, result.reason) == (2, 2, None)
    namespace: dict = {}
    exec(result.code or "", namespace)  # noqa: S102 -- runs: the wrapper takes height and width by position after the input
    assert tuple(namespace["x"].shape) == (None, 8, 6, 3)
    unapplied = translate("from keras import layers\nlayer = layers.Resizing(*(8, 6))\n", table)
    assert unapplied.reason and "*args" in unapplied.reason  # no input to put first: kept, with the reason


def test_a_user_layer_called_after_a_folded_wrapper_call_stays_as_written(table):
    # The folder once knew the wrapper calls it made by id(); a call it made and then folded away
    # was freed, and the next node Python allocated could take its id: `Custom(3)(x)` was then
    # "folded" into `Custom(x, 3)` on some runs and not others (3-4 of the 130 pages per run).
    lines = ["from keras import layers", "x = inputs"]
    for i in range(60):
        lines += [f"x = layers.Dense({i})(x)", f"x = Custom{i}({i})(x)"]
    code = "\n".join(lines) + "\n"
    for _ in range(3):
        out = translate(code, table).code or ""
        assert [f"Custom{i}({i})(x)" in out for i in range(60)] == [True] * 60
        assert [f"layer_dense(x, units={i})" in out for i in range(60)] == [True] * 60


def test_a_python_block_in_upstream_prose_is_shown_but_not_run(committed):
    shown = 0
    for tracked, source, page in committed:
        book = parse_tutobook(source, tracked.path)
        code_cells = sum(cell.kind == "code" for cell in book.cells)
        prose_blocks = sum(1 for cell in book.cells if cell.kind == "prose"
                           for fence in FENCE.finditer(cell.text) if fence.group("info").split()[:1] == ["python"])
        cells = sum(fence.group("info").split() == ["python"] for fence in FENCE.finditer(page))
        assert cells == code_cells, tracked.page  # the blocks a docs build runs: upstream's code cells only
        assert page.count("```python no-run") >= prose_blocks, tracked.page
        shown += prose_blocks
    assert shown > 0  # upstream's prose has such blocks (sequential_model's "model.add(...)" sketches)


def test_a_prose_block_reads_as_highlighted_python_on_the_site(committed):
    import markdown

    from generator.docs.site.guides import without_run_markers

    page = next(text for tracked, _source, text in committed if "```python no-run" in text)
    html = markdown.Markdown(extensions=["pymdownx.superfences", "pymdownx.highlight"]).convert(without_run_markers(page))
    assert "no-run" not in html  # every block a fenced, highlighted block (no stray "python no-run" paragraph)
    assert html.count('class="highlight"') == len(FENCE.findall(page))  # every fence, python or shell
