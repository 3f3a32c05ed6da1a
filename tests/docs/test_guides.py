"""The keras.io guides and gallery: the spec (gallery choices, fixtures, settings), the committed
rendered outputs in step with their pages (fast: no code runs), and one small translated page run
for real on jax with a fixture, a figure, a failing and a skipped cell (~15 s CPU: one forkserver
that imports Keras, one page), then rendered into Markdown and the gallery's cards.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from generator.docs.guides.fixtures import FIXTURES
from generator.docs.guides.gallery import gallery_index, insert_thumbnails, summary_svg
from generator.docs.guides.outputs import (
    page_key,
    render_outputs,
    source_pages,
    stale_outputs,
)
from generator.docs.guides.pages import read_page, translated_pages
from generator.docs.guides.render import render_page
from generator.docs.guides.spec import GuideSpec, GuideSpecError, RunSettings, load_guide_spec
from generator.settings import REPO_ROOT, pinned_release


def test_the_gallery_chooses_forty_examples_and_says_why_it_leaves_each_other_out():
    spec = load_guide_spec()
    chosen = [entry.upstream for entry in spec.gallery]
    assert len(chosen) >= 40 and len(set(chosen)) == len(chosen)
    assert not set(chosen) & set(spec.left_out)
    assert all(len(reason.split()) >= 3 for reason in spec.left_out.values())
    used = {name for settings in spec.runs.values() for name in settings.fixtures}
    assert used <= set(FIXTURES)
    assert sorted(set(FIXTURES) - used) == [], "a fixture no page uses (its page left the gallery?)"


def test_a_malformed_spec_names_the_entry(tmp_path):
    bad = tmp_path / "gallery.toml"
    bad.write_text('[run."guides/x.py"]\nfixtures = ["no_such_fixture"]\n')
    with pytest.raises(GuideSpecError, match=r'\[run\."guides/x.py"\].*no_such_fixture'):
        load_guide_spec(bad)
    bad.write_text('[run."guides/x.py"]\nepochs = 0\n')
    with pytest.raises(GuideSpecError, match="epochs must be a positive integer"):
        load_guide_spec(bad)
    bad.write_text('[run."guides/x.py"]\nenvironment = { KERAS_NNX_ENABLED = true }\n')
    with pytest.raises(GuideSpecError, match="environment maps a variable's name to a string"):
        load_guide_spec(bad)
    bad.write_text('[reasons]\ngpu = "needs a GPU"\n[run."guides/x.py"]\nskip = { 3 = "@tpu" }\n')
    with pytest.raises(GuideSpecError, match=r'\[run\."guides/x.py"\]: skip 3 names the reason .@tpu.*it has: gpu'):
        load_guide_spec(bad)
    bad.write_text('[reasons]\ngpu = "needs a GPU"\ntpu = "needs a TPU"\n[run."guides/x.py"]\nskip = { 3 = "@gpu" }\n')
    with pytest.raises(GuideSpecError, match=r"\[reasons\] tpu is given by no skip"):
        load_guide_spec(bad)
    bad.write_text('[reasons]\ngpu = "needs a GPU"\n[run."guides/x.py"]\nskip = { 3 = "@gpu", "fit(" = "slow" }\n')
    assert load_guide_spec(bad).settings("guides/x.py").skip == {3: "needs a GPU", "fit(": "slow"}


def test_committed_outputs_are_in_step_with_their_pages():
    """What `make drift-check` checks, without running anything: a page, fixture or setting that
    changed since its output was committed needs `make guides-render`."""
    assert stale_outputs(source_pages(), load_guide_spec(), pinned_release()) == []


def test_a_fixture_states_what_it_replaces():
    for fixture in FIXTURES.values():
        assert fixture.replaces and len(fixture.description.split()) > 8, fixture.name


PAGE = """---
title: "A tiny example"
upstream: examples/tiny.py
commit: 0123456789abcdef0123456789abcdef01234567
category: vision
---

# A tiny example

Counting digits and drawing them.

```python
import keras
import matplotlib.pyplot as plt

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
print(x_train.shape, x_test.shape, x_train.dtype)
```

We plot the first digit.

```python
plt.imshow(x_train[0])
plt.title("The first digit")
plt.show()
```

The prose names the second figure.

```python
plt.figure()
plt.plot([1, 2, 3])
```

```python
keras.utils.get_file("data.zip", "https://example.com/data.zip")
```

```python
print("never")
```

```python
never_defined()
```

```python
epochs = 15
counted = []


class CountValidationSteps(keras.callbacks.Callback):
    def on_test_batch_end(self, batch, logs=None):
        counted.append(batch)


model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
history = model.fit(x_train, y_train, epochs=epochs, verbose=0, validation_split=0.5,
                    callbacks=[CountValidationSteps()])
print("epochs run:", len(history.history["loss"]), "epochs =", epochs, "validation steps:", len(counted))
```

```python
import jax
print("devices:", len(jax.devices()))
```
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("rendered")
    text = PAGE
    page = read_page("examples/vision/tiny.md", text)
    spec = GuideSpec(runs={"examples/tiny.py": RunSettings(
        fixtures=("mnist_digits",), epochs=2, steps=5, assign={"epochs": 3},
        skip={4: "it prints nothing useful", "never_defined(": "calls what nothing defines"}, devices=3,
        validation_steps=2)})
    starts: list[int] = []
    rendered = render_outputs({page.path: (page, text)}, spec, pinned_release(), root=root, jobs=1,
                              on_start=starts.append)
    return root, text, page, spec, rendered[page.path], starts


def test_a_page_runs_with_its_fixture_figures_and_shortened_training(tiny):
    _root, _text, _page, _spec, rendered, _ = tiny
    cells = rendered.cells
    assert cells[0]["output"] == "(60000, 28, 28) (10000, 28, 28) uint8"  # drawn digits, in MNIST's sizes
    assert [f["alt"] for f in cells[1]["figures"]] == ["The first digit"]
    assert (rendered.folder / cells[1]["figures"][0]["file"]).read_bytes()[:4] == b"\x89PNG"
    assert cells[2]["figures"][0]["alt"] == "" and cells[2]["output"] == ""  # the Line2D list is not printed
    assert "download blocked" in cells[3]["error"] and "example.com" in cells[3]["error"]
    assert cells[4] == {"skipped": "it prints nothing useful"}
    assert cells[5] == {"skipped": "calls what nothing defines"}
    # `epochs = 15` ran as 3, fit capped at 2; the validation split's 29 batches capped at 2 per epoch
    assert cells[6]["output"] == "epochs run: 2 epochs = 3 validation steps: 4"
    assert cells[7]["output"] == "devices: 3"  # the CPU split as the page's setting says
    assert rendered.keras == pinned_release()


def test_an_unchanged_page_does_not_run_again_and_a_changed_setting_makes_it_stale(tiny):
    root, text, page, spec, rendered, starts = tiny
    again: list[int] = []
    render_outputs({page.path: (page, text)}, spec, pinned_release(), root=root, on_start=again.append)
    assert starts == [1] and again == [0]
    assert stale_outputs({page.path: (page, text)}, spec, pinned_release(), root=root) == []
    changed = GuideSpec(runs={"examples/tiny.py": RunSettings(fixtures=("mnist_digits",), epochs=1)})
    assert "stale" in stale_outputs({page.path: (page, text)}, changed, pinned_release(), root=root)[0]
    assert page_key(page, text, spec, "3.0.0") != rendered.key


def test_the_rendered_page_shows_outputs_figures_and_where_it_comes_from(tiny, tmp_path):
    _root, text, page, spec, rendered, _ = tiny
    markdown = render_page(text, page, rendered, spec.settings(page.upstream), tmp_path)
    assert "`examples/tiny.py` at upstream commit `0123456789ab`" in markdown
    assert f'!!! info "Run on Keras {pinned_release()} (jax, CPU)"' in markdown
    assert "`keras.datasets.mnist.load_data()` does not download here: 1,800 digits drawn" in markdown
    assert "`Model.fit` runs at most 2 epochs; at most 5 steps per epoch" in markdown and "`epochs = 3` replaces upstream's value" in markdown
    assert "![The first digit](tiny/cell001-0.png)" in markdown
    assert "![The prose names the second figure.](tiny/cell002-0.png)" in markdown  # alt from the prose
    assert (tmp_path / "examples/vision/tiny/cell001-0.png").exists()
    assert '!!! note "Not run in the docs build"\n    it prints nothing useful' in markdown
    assert '!!! warning "This cell did not run"\n    RuntimeError' in markdown
    assert markdown.index('!!! info "Run on Keras') < markdown.index("```python")  # before the first cell
    # a cell's output right after it: the prints of the first cell
    assert re.search(r"print\(x_train.shape, x_test.shape, x_train.dtype\)\n```\n\n```text title=\"Output\"\n"
                     r"\(60000, 28, 28\)", markdown)
    assert "5 of 8 cells ran, 2 skipped, 1 failed" in markdown
    assert "validation runs at most 2 steps" in markdown
    assert "The CPU is split into 3 devices" in markdown
    # what stands in for a notebook is not called data; one step is one step
    other = dataclasses.replace(spec.settings(page.upstream), fixtures=("notebook_display",), steps=1)
    markdown = render_page(text, page, rendered, other, tmp_path)
    assert "**Stand-in.** `from IPython.display import Image, display`: A stand-in `IPython.display`" in markdown
    assert "**Data.**" not in markdown and "at most 1 step per epoch" in markdown


def test_the_gallery_index_has_a_card_per_example_with_a_thumbnail(tiny, tmp_path):
    _root, text, page, spec, rendered, _ = tiny
    spec = GuideSpec(left_out={"examples/big.py": "a 3 GB download"})
    index = gallery_index({page.path: (page, text)}, spec)
    assert "## Computer vision" in index and "**[A tiny example](vision/tiny.md)**" in index
    assert "Counting digits and drawing them." in index
    assert "| `examples/big.py` | a 3 GB download |" in index
    shown = insert_thumbnails(index, {page.path: rendered}, {page.path: page}, tmp_path)
    assert re.search(r"!\[The first digit\]\(thumbnails/vision-tiny\.png\)", shown)
    none = insert_thumbnails(index, {}, {page.path: page}, tmp_path)
    assert "thumbnails/vision-tiny.svg" in none
    svg = summary_svg(page, None)
    assert 'aria-label="Summary of A tiny example"' in svg and "<text" in svg


def test_a_marked_page_gets_its_outputs_where_the_markers_are(tiny, tmp_path):
    from generator.docs.site.guides import mark_outputs

    _, text, page, spec, rendered, _ = tiny
    marked = mark_outputs(text, page.path)
    assert render_page(marked, page, rendered, spec.settings(page.upstream), tmp_path) == render_page(
        text, page, rendered, spec.settings(page.upstream), tmp_path)


def test_translated_pages_are_told_apart_by_their_front_matter():
    pages = translated_pages({"guides/models.md": "# Models\n", "examples/vision/tiny.md": PAGE})
    assert list(pages) == ["examples/vision/tiny.md"]
    assert pages["examples/vision/tiny.md"][0].prose[1] == "We plot the first digit."


def test_every_stored_example_is_chosen_for_the_gallery_or_left_out_with_a_reason():
    from generator.upstream.tutobooks import TutobookStore

    stored = {path for path in TutobookStore().index()  # committed, verified: never absent here
              if path.startswith("examples/") and "/demo_" not in path}
    assert stored
    spec = load_guide_spec()
    listed = {entry.upstream for entry in spec.gallery} | set(spec.left_out)
    assert sorted(stored - listed) == [], "stored examples neither chosen nor left out"
    assert sorted(listed - stored) == [], "gallery entries naming no stored example"


def test_a_page_whose_process_dies_costs_no_other_page():
    from generator.docs.site.common import DocsError
    from generator.docs.site.page_code import run_in_forkserver

    pages = {"a.md": ["print('a')"], "dies.md": ["import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"],
             "c.md": ["print('c')"]}
    got: dict = {}
    with pytest.raises(DocsError, match=r"dies\.md: the pages' code could not run") as error:
        run_in_forkserver(pages, 2, lambda page, results, seconds: got.__setitem__(page, results),
                          worker="generator.docs.site.page_code:run_page_blocks")
    assert "dies.md: its process died" in str(error.value)
    assert got == {"a.md": [{"ok": True, "output": "a\n"}], "c.md": [{"ok": True, "output": "c\n"}]}


def test_a_killed_build_leaves_no_page_running(tmp_path):
    """The build is killed (SIGKILL, no clean-up) while a page runs: the page's process, the
    forkserver and the runner go with it, rather than computing on for nobody."""
    marker = tmp_path / "page.pid"
    page = f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)"
    build = ("from generator.docs.site.page_code import run_in_forkserver\n"
             f"run_in_forkserver({{'slow.md': [{page!r}]}}, 1, lambda *a: None,\n"
             "                  worker='generator.docs.site.page_code:run_page_blocks')\n")
    process = subprocess.Popen([sys.executable, "-c", build], cwd=tmp_path,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])})
    try:
        while not marker.exists() or not marker.read_text():
            assert process.poll() is None, "the build ended before its page started"
            time.sleep(0.2)
    finally:
        process.kill()
        process.wait()
    page_pid = int(marker.read_text())
    # the runner checks on its parent every half second; the bound is generous (a loaded machine
    # must not decide this), and without the mechanism the page would sleep its 600 s
    for _ in range(600):
        try:
            os.kill(page_pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(page_pid, signal.SIGKILL)
    pytest.fail(f"the page's process {page_pid} outlived the build by 60 s")


def test_every_stand_in_takes_the_calls_of_what_it_replaces(tmp_path):
    """keras3's wrappers pass Keras's parameters by position (dataset_imdb gives load_data all
    eight): a stand-in with fewer positional parameters fails only on the page that calls it."""
    script = (
        "import inspect, json, sys\n"
        "from generator.docs.guides import fixtures\n"
        "patched = []\n"  # recorded here, not in fixtures.py: its helpers' code is part of every output key
        "patch = fixtures._patch\n"
        "def recording(module, name, stand_in):\n"
        "    import importlib\n"
        "    patched.append((module, name, getattr(importlib.import_module(module), name, None), stand_in))\n"
        "    patch(module, name, stand_in)\n"
        "fixtures._patch = recording\n"
        "for name in fixtures.FIXTURES:\n"
        "    fixtures.FIXTURES[name].install()\n"
        "bad = []\n"
        "for module, name, original, stand_in in patched:\n"
        "    if not callable(original):\n"
        "        continue\n"
        "    try:\n"
        "        wanted = inspect.signature(original)\n"
        "    except (TypeError, ValueError):\n"
        "        continue\n"
        "    positional = [p.name for p in wanted.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]\n"
        "    given = inspect.signature(stand_in).parameters.values()\n"
        "    has_star = any(p.kind == p.VAR_POSITIONAL for p in given)\n"
        "    taken = [p.name for p in given if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]\n"
        "    if not has_star and taken[:len(positional)] != positional:\n"
        "        bad.append(f'{module}.{name}: Keras takes ({\", \".join(positional)}), the stand-in ({\", \".join(taken)})')\n"
        "print(json.dumps({'patched': len(patched), 'bad': bad}))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])})
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["patched"] >= 5 and report["bad"] == [], report["bad"]


def test_a_notebook_display_of_an_image_becomes_a_figure_of_the_cell(tmp_path):
    """pixelcnn and wgan_gp end with `display(Image("generated_image_0.png"))`: the stand-in draws
    the image as a figure (which the page shows) and prints what is not an image."""
    script = ("import numpy as np, PIL.Image, matplotlib.pyplot as plt\n"
              "from generator.docs.guides.fixtures import FIXTURES\n"
              "FIXTURES['notebook_display'].install()\n"
              "from IPython.display import Image, display\n"
              "PIL.Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save('shown.png')\n"
              "display(Image('shown.png'), 'a caption')\n"
              "display(np.zeros((4, 4)))\n"
              "shown = plt.figure(1).axes[0].images[0].get_array()\n"
              "print(len(plt.get_fignums()), shown.shape, int(shown[0, 0, 0]))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False,
                            env={**os.environ, "MPLBACKEND": "Agg",
                                 "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["a caption", "2 (8, 8, 3) 200"]


# The one page run on another backend than upstream's: its reason is in gallery.toml (LiteRT's
# torch exporter is a package the docs build lacks; TensorFlow's converter exports the same models).
_BACKEND_CHOSEN_HERE = {"guides/litert_export.py": "tensorflow"}


def test_every_page_runs_on_the_backend_its_upstream_source_is_written_for():
    """A tutobook that sets KERAS_BACKEND, or sits under keras.io's `tensorflow/` folder, relies on
    that backend (tf.data pipelines of Keras ops, tape.gradient): run elsewhere, its cells fail
    for a reason that is not the translation's. The others run on jax."""
    spec = load_guide_spec()
    store = REPO_ROOT / "upstream_snapshots" / "keras-io"
    wrong = []
    for path, (page, _) in sorted(source_pages().items()):
        source = (store / page.upstream).read_text(encoding="utf-8")
        declared = re.search(r"""KERAS_BACKEND["']\]\s*=\s*["'](\w+)""", source)
        upstream = declared.group(1) if declared else ("tensorflow" if "/keras_io/tensorflow/" in page.upstream else "jax")
        wanted = _BACKEND_CHOSEN_HERE.get(page.upstream, upstream)
        if spec.settings(page.upstream).backend != wanted:
            wrong.append(f"{path}: upstream runs it on {upstream}, gallery.toml on {spec.settings(page.upstream).backend}")
    assert not wrong, "\n".join(wrong)


def test_a_cells_functions_keep_their_source_for_autograph(tmp_path):
    """tf.data's AutoGraph reads a mapped function's source to turn `if tensor:` into graph code
    (cutmix's get_box): a cell's functions must have it, as functions in upstream's file do."""
    code = ("import tensorflow as tf\n"
            "def f(x):\n"
            "    y = x * 2\n"
            "    if y == 0:\n"
            "        y += 1\n"
            "    return y\n"
            "print(list(tf.data.Dataset.range(3).map(f).as_numpy_iterator()))\n")
    script = ("import sys\n"
              "from generator.docs.guides.cells import _run_cell\n"
              f"_run_cell({code!r}, 0, {{'__name__': '__main__'}}, {{}})\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=False,
                            env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3",
                                 "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[np.int64(1), np.int64(2), np.int64(4)]"
