"""The docs site: committed sources are what `emit_docs` produces (the drift check of the docs),
every family has its page and every wrapper its section, and the site builds with
`mkdocs build --strict` (outputs of examples and guides inserted, no warning).

The build runs once per test session and is shared with tests/docs/test_browser.py (under pytest-xdist
the first worker to need it builds it, under a file lock; the others wait and reuse it).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from generator.docs.site.build import build_site, insert_examples
from generator.docs.site.common import DocsError, EXAMPLE_BLOCK, EXAMPLE_OPEN
from generator.docs.site.coverage import format_sentence_coverage, sentence_coverage, site_sentence_coverage, undocumented_params, wrapper_sections
from generator.docs.site.guides import mark_outputs, runnable_blocks
from generator.docs.site.page_code import insert_outputs
from generator.docs.site.sources import docs_differences, emit_docs, write_docs
from generator.settings import pinned_release
from generator.settings import version_key
from generator.upstream.store import SnapshotStore
from tests.conftest import built, generated_from

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# The shared build


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "docs-site"


@contextmanager
def examples_cache_held(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Held while the docs build or tests/docs/test_examples.py's whole-surface run fills the upstream
    examples' cache (`.cache/examples`, keyed by code and release): on a fresh clone they would
    otherwise both run every example cold side by side; held in turn, the second reuses the first's
    runs. Yields the session's shared docs folder."""
    folder = shared_folder(tmp_path_factory)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield folder


def built_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """(site folder, build result as a dict): the committed sources built once per session."""
    with examples_cache_held(tmp_path_factory) as folder:
        result_file = folder / "result.json"
        if not result_file.exists():
            try:
                result = build_site(build_dir=folder / "build", site_dir=folder / "site",
                                              log=lambda message: print(message, file=sys.stderr))
                record = {**asdict(result), "site": str(result.site), "error": None}
            except DocsError as error:
                record = {"error": str(error)}
            result_file.write_text(json.dumps(record), encoding="utf-8")
    record = json.loads(result_file.read_text(encoding="utf-8"))
    if record["error"]:
        pytest.fail(f"the docs site did not build:\n{record['error']}")
    return folder / "site", record


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return built_site(tmp_path_factory)


# The release generated/ holds (the pin; the installed Keras after a regenerate against a nightly).
RELEASE = generated_from()


@pytest.fixture(scope="session")
def sources(store: SnapshotStore) -> dict[str, str]:
    return emit_docs(store, RELEASE)


@pytest.fixture(scope="session")
def binding(store: SnapshotStore):
    return built(store, RELEASE)[0]


@pytest.fixture(scope="session")
def generated_snapshot(store: SnapshotStore):
    return store.load(RELEASE)


# --------------------------------------------------------------------------------------------
# Sources


def test_committed_docs_sources_are_what_emit_docs_produces(sources):
    problems = docs_differences(sources)
    assert not problems, ("generated/docs or generated/mkdocs.yml is out of step with the templates "
                          "and the snapshot; run `python -m generator.docs.site --sources` (make "
                          "regenerate):\n" + "\n".join(problems))


def _digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode("utf-8")).hexdigest()


def test_sources_are_byte_identical_across_runs_and_hash_seeds(store, sources):
    assert emit_docs(store, RELEASE) == sources
    script = ("import hashlib, json; from generator.docs.site.sources import emit_docs; "
              "from generator.upstream.store import SnapshotStore; "
              f"files = emit_docs(SnapshotStore(), {RELEASE!r}); "
              "print(hashlib.sha256(json.dumps(files, sort_keys=True).encode('utf-8')).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == _digest(sources)


def test_sources_hold_markers_not_outputs(sources):
    pages = {name: text for name, text in sources.items() if name.endswith(".md")}
    assert not any('title="Output"' in text for text in pages.values())
    assert "<!-- keras3:example keras.ops.add 0 -->" in pages["docs/reference/ops/op_add.md"]
    assert "<!-- keras3:output getting-started.md 0 -->" in pages["docs/getting-started.md"]
    # Every example marker is closed, and every output marker follows a code block.
    for name, text in pages.items():
        assert len(EXAMPLE_OPEN.findall(text)) == len(EXAMPLE_BLOCK.findall(text)), name
        runnable_blocks(text)


def test_every_family_has_a_page_and_every_wrapper_a_page(sources, binding):
    config = sources["mkdocs.yml"]
    for family in binding.families:
        wrappers = binding.by_family(family)
        if not wrappers:
            continue
        index = sources.get(f"docs/reference/{family}/index.md")
        assert index is not None, f"no reference page for {family}"
        assert f"reference/{family}/index.md" in config, f"{family} is not in the nav"
        listed = re.findall(r"^\| \[`(\w+)`\]\((\w+)\.md\) \|", index, re.MULTILINE)
        assert [name for name, _ in listed] == [w.name for w in wrappers]
        for w in wrappers:
            page = sources[f"docs/reference/{family}/{w.name}.md"]
            assert page.startswith(f"# `{w.name}` {{ #{w.name} }}\n"), w.name
    bases = sources["docs/reference/bases.md"]
    for name in binding.bases:
        assert f"## `{name}` {{ #{name} }}" in bases


def test_a_page_has_signature_types_returns_docs_and_history(sources):
    page = sources["docs/reference/layers/layer_dense.md"]
    # the overloads, one per form of `object`: keyword-only with none, the constructor's parameters
    # by position or keyword after a model or tensor (layer_dense(x, 64))
    block = page.split("```python\n", 1)[1].split("\n```", 1)[0]
    assert block.splitlines()[:5] == [
        "def layer_dense(object: None = None, /, *, units: Int, ...) -> keras.layers.Dense",
        "def layer_dense(object: keras.Sequential, /, units: Int, ...) -> keras.Sequential",
        "def layer_dense(object: keras.KerasTensor, /, units: Int, ...) -> keras.KerasTensor",
        "def layer_dense(object: Sequence[keras.KerasTensor], /, units: Int, ...) -> keras.KerasTensor",
        "def layer_dense(object: TensorLike, /, units: Int, ...) -> Tensor"]
    assert "Any" not in block
    # one table: description, type (keras3.types linked; a union's `|` as it is), default
    row = ('<tr markdown="1">\n<td markdown="span">`activation`</td>\n<td markdown="block">\n\n'
           'Activation function to use.\nIf you don\'t specify anything, no activation is applied\n'
           '(ie. "linear" activation: `a(x) = x`).\n\n</td>\n'
           '<td markdown="span">[`ActivationLike`](../types.md#ActivationLike) `| None`</td>\n'
           '<td markdown="span">`None`</td>\n</tr>')
    assert row in page and "\\|" not in page
    assert '<td markdown="span">`training`</td>' in page  # a call parameter, routed to the call
    assert "**Returns** `keras.layers.Dense | keras.Sequential | keras.KerasTensor | Tensor`: the layer when" in page
    assert "**Args**" not in page and "- `units`:" not in page  # parameters listed once
    assert "**Input shape**" in page  # upstream's own section titles
    assert "*Added in Keras 3.0.0.* Changed in [3.0.3](../../changelog/3.0.3.md) (parameter-added)" in page
    assert "(https://keras.io/search.html?query=keras.layers.Dense)" in page
    assert "## `ActivationLike` { #ActivationLike }" in sources["docs/reference/types.md"]


def test_wrappers_link_to_the_wrappers_upstream_prose_names(sources):
    # EinsumDense's docstring names `keras.layers.Dense`... in backticks: a link to its page
    pages = {k: v for k, v in sources.items() if k.startswith("docs/reference/") and k.count("/") == 3}
    linked = [k for k, v in pages.items() if "](../layers/layer_dense.md)" in v]
    assert linked, "no page links to layer_dense"
    for name, text in pages.items():  # every link the site adds leads to a page it emits
        for target in re.findall(r"\]\(\.\./(\w+/\w+)\.md\)", text):
            assert f"docs/reference/{target}.md" in sources, (name, target)


def test_every_upstream_sentence_a_wrapper_covers_is_in_its_section(sources, binding, generated_snapshot):
    """Lossless by sentence: the prose of every docstring a wrapper (or base) covers, code and
    doctest output aside, is in that wrapper's section; the rest is listed in spec/docs.toml
    `[[lost_sentences]]` with a reason."""
    coverage = sentence_coverage(sources, binding, generated_snapshot)
    print("\n" + format_sentence_coverage(coverage, limit=None))
    assert coverage.total > 10_000
    assert coverage.share >= 0.995
    assert not coverage.missing, format_sentence_coverage(coverage)


def test_sentence_coverage_sees_a_dropped_function_form(sources, binding, generated_snapshot):
    """The measure can fail: without the function form's part, its sentences are missing."""
    sections = wrapper_sections(sources)
    dual = sections["loss_sparse_categorical_crossentropy"]
    cut = dual.split("**As the function", 1)[0]
    files = {"docs/one.md": cut}
    one = replace(binding, wrappers=tuple(w for w in binding.wrappers
                                          if w.name == "loss_sparse_categorical_crossentropy"), bases={})
    coverage = sentence_coverage(files, one, generated_snapshot, exceptions={})
    lost = {sentence for key, _, sentence in coverage.missing}
    assert "Computes the sparse categorical crossentropy loss" in lost
    assert "Sparse categorical crossentropy loss value" in lost  # its Returns


def row(name: str) -> str:
    """The start of a parameter's row in a page's table: its name, then its description."""
    return f'<td markdown="span">`{name}`</td>\n<td markdown="block">\n\n'


def test_a_dual_wrapper_shows_its_function_form(sources):
    section = wrapper_sections(sources)["loss_sparse_categorical_crossentropy"]
    main, function = section.split("**As the function [`keras.losses.sparse_categorical_crossentropy`]", 1)
    # the class's Args lack `ignore_class`: the function's description joins them, saying whence
    assert row("ignore_class") + "Optional integer. The ID of a class to be ignored" in main
    assert "*(As documented for `keras.losses.sparse_categorical_crossentropy`.)*" in main
    assert "Computes the sparse categorical crossentropy loss." in function  # its own summary
    assert "**Returns**\n\nSparse categorical crossentropy loss value." in function
    assert "<!-- keras3:example keras.losses.sparse_categorical_crossentropy 0 -->" in function


def test_merge_functions_are_documented_on_their_layer(sources, binding):
    merges = [w for w in binding.wrappers if w.shape == "layer" and w.function]
    assert {"keras.layers.multiply", "keras.layers.add", "keras.layers.concatenate"} <= {w.function for w in merges}
    sections = wrapper_sections(sources)
    for w in merges:
        assert f"**As the function [`{w.function}`]" in sections[w.name], w.name
    assert "Functional interface to the `keras.layers.Multiply` layer." in sections["layer_multiply"]


def test_arguments_documented_elsewhere_upstream_are_borrowed(sources, binding):
    sections = wrapper_sections(sources)
    # [arg_docs] in docs.toml: a parameter documented by another upstream docstring, marked so
    deserialize = sections["activation_deserialize"]
    assert row("config") in deserialize and "As documented for [`keras.saving.deserialize_keras_object`]" in deserialize
    # [docs_from] in binding.toml: a callable with no docstring, documented from what it calls
    save = sections["save_model_weights"]
    assert row("filepath") in save and row("model") + "The model whose weights are saved." in save
    rescaled = sections["feature_float_rescaled"]
    assert row("scale") in rescaled
    left = undocumented_params(binding)
    assert not {p for p in left if p[0] in ("save_model_weights", "activation_deserialize")}, left


def test_every_release_has_a_changelog_page_with_breaking_changes_first(store, sources):
    releases = store.releases()
    for release in releases:
        assert f"docs/changelog/{release}.md" in sources
    # The newest final minor (x.y.0) release up to the pin: one with changes of every grade.
    pin = version_key(pinned_release())
    minor = next(r for r in reversed(releases)
                 if version_key(r).micro == 0 and not version_key(r).is_prerelease and version_key(r) <= pin)
    page = sources[f"docs/changelog/{minor}.md"]
    assert page.startswith(f"# Keras {store.previous_release(minor)} → {minor}: API changes")
    grades = re.findall(r"^## (Breaking|Possibly breaking|Compatible|Docs only) \(\d+\)$", page, re.MULTILINE)
    assert grades == ["Breaking", "Possibly breaking", "Compatible", "Docs only"]
    assert sources["mkdocs.yml"].index(f'"{releases[-1]}"') < sources["mkdocs.yml"].index(f'"{releases[0]}"')  # newest first


def test_hand_written_pages_mark_their_runnable_blocks():
    text = "# T\n\n```python\nx = 1\n```\n\n```python no-run\nconnect()\n```\n\n```sh\nls\n```\n\n```python\nx\n```\n"
    marked = mark_outputs(text, "guides/t.md")
    assert runnable_blocks(marked) == ["x = 1", "x"]
    assert "```python\nconnect()\n```" in marked and "no-run" not in marked
    assert insert_outputs(marked, ["", "1"]).count('```text title="Output"\n1\n```') == 1


def test_examples_are_replaced_by_their_translation_and_output():
    Result = namedtuple("Result", "index original translated output ok reason")
    block = "```python\n>>> keras.ops.add(1, 2)\n3\n```"
    text = f"<!-- keras3:example keras.ops.add 0 -->\n{block}\n<!-- /keras3:example -->\n"
    counts: dict[str, int] = {}
    original = ">>> keras.ops.add(1, 2)\n3"
    ran = insert_examples(text, {"keras.ops.add": [
        Result(0, original, "op_add(1, 2)", "Array(3, dtype=int32)", True, None)]}, counts)
    assert ran == '```python\nop_add(1, 2)\n```\n\n```text title="Output"\nArray(3, dtype=int32)\n```\n'
    # Translated but failed to run: the translation, no output.
    failed = Result(0, original, "op_add(1, 2)", None, False, "NameError: name 'model' is not defined")
    assert insert_examples(text, {"keras.ops.add": [failed]}, counts) == "```python\nop_add(1, 2)\n```\n"
    # No translation (or no results): upstream's code, without upstream's illustrative output.
    assert insert_examples(text, None, counts) == "```python\nkeras.ops.add(1, 2)\n```\n"
    assert counts == {"run": 1, "unrun": 1, "upstream": 1}


def test_write_docs_replaces_the_whole_tree(tmp_path, sources):
    write_docs(sources, tmp_path)
    assert docs_differences(sources, tmp_path) == []
    (tmp_path / "docs" / "stale.md").write_text("old", encoding="utf-8")
    (tmp_path / "docs" / "index.md").write_text("edited", encoding="utf-8")
    assert docs_differences(sources, tmp_path) == [
        "docs/stale.md: not generated", "docs/index.md: differs from what regeneration emits"]
    write_docs(sources, tmp_path)
    assert docs_differences(sources, tmp_path) == []
    assert not list(tmp_path.glob(".docs.*"))


# --------------------------------------------------------------------------------------------
# The build


def test_site_builds_with_strict_and_no_warning(site):
    folder, result = site
    print(f"docs build: {result['seconds']:.1f} s {result['timings']}, examples {result['examples']}")
    assert result["warnings"] == []
    for page in ("index.html", "getting-started/index.html", "reference/ops/index.html",
                 "reference/ops/op_add/index.html", "reference/types/index.html",
                 "reference/bases/index.html", f"changelog/{pinned_release()}/index.html", "guides/distribution/index.html"):
        assert (folder / page).is_file(), page


def test_guides_show_their_outputs(site):
    folder, _ = site
    page = (folder / "getting-started" / "index.html").read_text(encoding="utf-8")
    assert page.count('<span class="filename">Output</span>') >= 4
    assert "<!-- keras3:" not in page
    assert "Total params" in page  # model.summary() really ran


def test_search_index_holds_every_wrapper_section(site, binding):
    folder, _ = site
    index = json.loads((folder / "search" / "search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"] for doc in index["docs"]}
    missing = [w.name for w in binding.wrappers if f"reference/{w.family}/{w.name}/" not in locations]
    assert not missing, f"not in the search index: {missing[:10]}"


def test_every_upstream_sentence_reaches_the_built_site(site, binding, generated_snapshot):
    """The same measure over the HTML mkdocs built: what rendering did to the Markdown counts."""
    folder, _ = site
    coverage = site_sentence_coverage(folder, binding, generated_snapshot)
    print("\nbuilt site: " + format_sentence_coverage(coverage, limit=None))
    assert coverage.total > 10_000
    assert coverage.share >= 0.995, format_sentence_coverage(coverage)


def test_changelog_picture_is_drawn_from_the_store(store, sources):
    """One column per stored release up to the one the docs are for: its public paths (a bar whose tooltip
    says how many) and its findings per grade against the release before."""
    svg = sources["docs/changelog/api-evolution.svg"]
    assert "](api-evolution.svg)" in sources["docs/changelog/index.md"]
    bars = re.findall(r'<rect class="symbols" data-release="([^"]+)"[^>]*><title>Keras \1: (\d+) public paths', svg)
    releases = store.releases()
    shown = releases[:releases.index(RELEASE) + 1]
    assert [release for release, _ in bars] == shown
    for release, count in bars[-3:]:
        assert int(count) == len(store.load(release).symbols)
    # the findings drawn for a release, per grade, are those its changelog page counts
    release = next(r for r in reversed(shown[1:]) if not sources[f"docs/changelog/{r}.md"].count("**0 findings**"))
    header = sources[f"docs/changelog/{release}.md"].split("\n\n")[1]
    stated = {title: count for count, title in re.findall(
        r"(\d+) (breaking|possibly breaking|compatible|docs only)", header) if count != "0"}
    drawn = {title: count for count, title in re.findall(
        rf'<rect class="findings [^"]+" data-release="{re.escape(release)}"[^>]*><title>Keras [^:]+: (\d+) ([a-z ]+)</title>',
        svg)}
    assert stated and drawn == stated
