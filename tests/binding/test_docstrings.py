"""The Keras-aware docstring model, on real docstrings of the stored snapshot of the pinned release."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.binding.docstrings.markdown import render_markdown
from generator.binding.docstrings.model import DocArg, DocPatch, DocPatchError, Example
from generator.binding.docstrings.parse import parse_docstring, split_chunks
from generator.binding.docstrings.patches import apply_patches, load_doc_patches
from generator.checks.doc_report import COVERAGE_TARGET, arg_mismatch, doc_report, documented_docstrings, word_coverage
from generator.settings import pinned_release
from generator.upstream.model import Snapshot
from generator.upstream.store import SnapshotStore

RELEASE = pinned_release()


@pytest.fixture(scope="module")
def snap(store: SnapshotStore) -> Snapshot:
    return store.load(RELEASE)


@pytest.fixture(scope="module")
def patches():
    return load_doc_patches()


@pytest.fixture(scope="module")
def report(snap, patches):
    return doc_report(snap, patches)


@pytest.fixture(scope="module")
def rendered(snap, patches) -> dict[str, str]:
    """Every docstring of the surface, patched, parsed and rendered."""
    return {
        path: render_markdown(parse_docstring(apply_patches(doc, patches.get(path))))
        for path, doc, _ in documented_docstrings(snap)
    }


def doc_of(snap: Snapshot, path: str) -> str:
    if path in snap.symbols:
        return snap.symbols[path].doc
    owner, member = path.rsplit(".", 1)
    found = snap.symbols[owner].member(member)
    assert found is not None, path
    return found.doc


def names(args: tuple[DocArg, ...]) -> list[str]:
    return [a.name for a in args]


# ---------------------------------------------------------------------------------------------
# Sections of real docstrings


def test_dense_arguments_shapes_and_inline_note(snap):
    parsed = parse_docstring(doc_of(snap, "keras.layers.Dense"))
    assert parsed.summary == "Just your regular densely-connected NN layer."
    assert parsed.sections == ("Note", "Args", "Input shape", "Output shape")
    assert names(parsed.args) == [
        "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
        "bias_constraint", "lora_rank", "lora_alpha",
    ]
    assert parsed.args[1].description.startswith("Activation function to use.\nIf you don't")
    assert parsed.input_shape.startswith("N-D tensor with shape: `(batch_size, ..., input_dim)`.")
    assert parsed.output_shape.endswith("the output would have shape `(batch_size, units)`.")
    # `Note: text` continued at column 0 is one paragraph, the description stays prose.
    assert parsed.notes.startswith("If the input to the layer has a rank greater than 2")
    assert parsed.notes.endswith("shape `(batch_size, d0, units)`.")
    assert parsed.description.startswith("`Dense` implements the operation:")
    md = render_markdown(parsed)
    assert "**Args**\n\n- `units`: Positive integer" in md  # upstream's own label
    assert "**Input shape**\n\nN-D tensor" in md


def test_column0_shape_bodies_and_column0_examples(snap):
    parsed = parse_docstring(doc_of(snap, "keras.layers.AveragePooling1D"))
    assert parsed.sections == ("Args", "Input shape", "Output shape", "Examples")
    assert parsed.input_shape.splitlines()[0] == '- If `data_format="channels_last"`:'
    assert "`(batch_size, features, downsampled_steps)`" in parsed.output_shape
    # Text between doctest runs keeps its place: text, doctest, text, doctest, ...
    assert [e.kind for e in parsed.examples] == ["text", "doctest"] * 3
    assert parsed.examples[0].text == '`strides=1` and `padding="valid"`:'
    assert parsed.examples[1].text.startswith(">>> x = np.array([1., 2., 3., 4., 5.])")
    assert "...    strides=1, padding=\"valid\")" in parsed.examples[1].text


def test_column0_fenced_example_and_formula_is_prose(snap):
    parsed = parse_docstring(doc_of(snap, "keras.layers.ReLU"))
    assert parsed.sections == ("Example", "Args")
    assert parsed.description.startswith("Formula:\n``` python\nf(x) = max(x,0)")  # as upstream
    assert parsed.examples == (
        Example("code", parsed.examples[0].text, "python"),
    )
    assert parsed.examples[0].text.startswith("relu_layer = keras.layers.ReLU(\n    max_value=10,")
    assert names(parsed.args) == ["max_value", "negative_slope", "threshold", "**kwargs"]


def test_op_with_unfenced_doctests(snap):
    parsed = parse_docstring(doc_of(snap, "keras.ops.add"))
    assert names(parsed.args) == ["x1", "x2"]
    assert parsed.returns == "The tensor containing the element-wise sum of `x1` and `x2`."
    assert [e.kind for e in parsed.examples] == ["doctest", "text", "doctest"]
    first, text, second = parsed.examples
    assert first.text.splitlines()[-1] == "array([6, 10], dtype=int32)"  # printed output kept
    assert text.text == "`keras.ops.add` also broadcasts shapes:"
    assert "...     [[5, 4]," in second.text
    md = render_markdown(parsed)
    assert "```python\n>>> x1 = keras.ops.convert_to_tensor([1, 4])" in md
    assert "array([[10 10]\n       [10 12]], shape=(2, 2), dtype=int32)\n```" in md


def test_loss_lookalike_labels_stay_example_prose(snap):
    parsed = parse_docstring(doc_of(snap, "keras.losses.CategoricalCrossentropy"))
    assert parsed.sections == ("Args", "Examples")
    assert parsed.other == ()
    texts = [e.text for e in parsed.examples if e.kind == "text"]
    assert texts == ["Standalone usage:", "Usage with the `compile()` API:"]
    # The doctest runs separated by blank lines form one chunk; the compile() call is fenced code.
    assert [e.kind for e in parsed.examples] == ["text", "doctest", "text", "code"]
    assert parsed.examples[1].text.count(">>> cce(y_true, y_pred)") == 3
    assert parsed.examples[3].language == "python"
    assert "Standalone usage" not in parsed.description


def test_layer_usage_in_a_keras_model_is_prose(snap):
    parsed = parse_docstring(doc_of(snap, "keras.layers.Add"))
    assert parsed.sections == ("Examples",)
    assert [e.kind for e in parsed.examples] == ["doctest", "text", "doctest"]
    assert parsed.examples[1].text == "Usage in a Keras model:"


def test_optimizer_with_filled_base_keyword_args(snap):
    doc = doc_of(snap, "keras.optimizers.Adam")
    assert "{{" not in doc  # Keras fills `{{base_optimizer_keyword_args}}` at import time
    parsed = parse_docstring(doc)
    assert names(parsed.args) == [
        "learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad", "name", "weight_decay",
        "clipnorm", "clipvalue", "global_clipnorm", "use_ema", "ema_momentum",
        "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps",
    ]
    assert "{{" not in render_markdown(parsed)


def test_placeholder_filled_at_column_0_does_not_break_sections(snap):
    # Keras fills `{{base_image_preprocessing_...}}` with text at column 0 into a docstring
    # indented by four; the labels must still be found and the code keep its indentation.
    parsed = parse_docstring(doc_of(snap, "keras.layers.RandomFlip"))
    assert parsed.sections == ("Input shape", "Output shape", "Args", "Example")
    assert names(parsed.args) == ["mode", "seed", "**kwargs"]
    code = parsed.examples[0]
    assert code.kind == "code" and '\n    "boxes": np.array([' in code.text


def test_docstring_parser_fallbacks_on_real_blocks(snap):
    # A continuation line upstream did not indent: docstring-parser raises, ours continues.
    pop = parse_docstring(doc_of(snap, "keras.Sequential.pop"))
    assert pop.args == (
        DocArg("rebuild", "`bool`. Whether to rebuild the model after removing\n"
                          "the layer. Defaults to `True`."),
    )
    # An entry set off by one column: docstring-parser silently glues it to the one before.
    conv = parse_docstring(doc_of(snap, "keras.layers.Conv2DTranspose"))
    assert "dilation_rate" in names(conv.args)
    jax_layer = parse_docstring(doc_of(snap, "keras.layers.JaxLayer"))
    assert names(jax_layer.args)[:4] == ["call_fn", "init_fn", "params", "state"]
    # `name :text`.
    torch = parse_docstring(doc_of(snap, "keras.layers.TorchModuleWrapper"))
    assert names(torch.args) == ["module", "output_shape", "name"]


def test_nested_list_in_argument_keeps_its_indentation(snap):
    parsed = parse_docstring(doc_of(snap, "keras.export.ExportArchive.add_endpoint"))
    kwargs = next(a for a in parsed.args if a.name == "**kwargs")
    assert "- Specific to the JAX backend:\n    - `is_static`" in kwargs.description


def test_unbalanced_fences(snap):
    # A stray closing marker before `References:` must not swallow the sections after it.
    gce = parse_docstring(doc_of(snap, "keras.losses.categorical_generalized_cross_entropy"))
    assert gce.sections == ("Args", "Returns", "References")
    assert gce.references.startswith("- [Zhang, Sabuncu, 2018]")
    assert "```" not in render_markdown(gce).split("**Args**")[1]
    # An example whose closing marker is missing runs to the end and is closed on rendering.
    crop = parse_docstring(doc_of(snap, "keras.utils.bounding_boxes.crop"))
    assert [e.kind for e in crop.examples] == ["code"]
    assert render_markdown(crop).rstrip().endswith("#        [50., 70., 80., 110.]])\n```")


def test_inline_fence_is_not_a_block(snap):
    doc = doc_of(snap, "keras.layers.MelSpectrogram.linear_to_mel_weight_matrix")
    parsed = parse_docstring(doc)
    assert "```mel(f) = 2595 * log10( 1 + f/700)```" in parsed.description
    assert parsed.sections == ("References", "Args", "Returns")


def test_reference_list_ends_before_prose(snap):
    parsed = parse_docstring(doc_of(snap, "keras.applications.MobileNetV3Small"))
    assert parsed.references.startswith("- [Searching for MobileNetV3](")
    assert "table describes the performance" not in parsed.references
    assert "The following table describes the performance" in parsed.description


# ---------------------------------------------------------------------------------------------
# Small focused cases


def test_lookalike_labels_are_prose_by_membership():
    doc = "Summary.\n\nIt is defined as:\n\n`f(x) = x`\n\nAs a standalone function:\n\n>>> f(1)\n1\n"
    parsed = parse_docstring(doc)
    assert parsed.sections == ()
    assert parsed.description.startswith("It is defined as:")
    md = render_markdown(parsed)
    assert "As a standalone function:\n\n```python\n>>> f(1)\n1\n```" in md


def test_inline_returns_with_indented_continuation():
    parsed = parse_docstring("Do it.\n\nReturns: A tuple of\n    two tensors.\n\nMore prose.")
    assert parsed.returns == "A tuple of\ntwo tensors."
    assert parsed.description == "More prose."


def test_split_chunks_orders_code_doctests_and_text():
    chunks = split_chunks("Intro:\n```shell\npip install keras\n```\n>>> 1 + 1\n2\n\nOutro.")
    assert chunks == (
        Example("text", "Intro:"),
        Example("code", "pip install keras", "shell"),
        Example("doctest", ">>> 1 + 1\n2"),
        Example("text", "Outro."),
    )


def test_word_coverage_counts_a_multiset_and_section_labels_are_kept():
    assert word_coverage("a a b", "a b") == (2, 3)
    doc = "Sum.\n\nArgs:\n    x: y.\n"
    rendered = render_markdown(parse_docstring(doc))
    assert word_coverage(doc, rendered) == (4, 4)  # the section keeps upstream's title, `Args`


# ---------------------------------------------------------------------------------------------
# Patches and the report


def test_feature_space_mismatch_is_reported_then_patched(snap, patches, report):
    symbol = snap.symbols["keras.utils.FeatureSpace"]
    mismatch = arg_mismatch(symbol.path, parse_docstring(symbol.doc), symbol.signature)
    assert mismatch is not None and mismatch.documented == ("feature_names",)
    assert "features" in mismatch.parameters and not mismatch.via_kwargs
    assert all(m.path != "keras.utils.FeatureSpace" for m in report.mismatches)
    assert "keras.utils.FeatureSpace" in report.patched
    patched = apply_patches(doc_of(snap, "keras.utils.FeatureSpace"), patches["keras.utils.FeatureSpace"])
    assert parse_docstring(patched).args[0].name == "features"
    # Only the Args entry: `feature_names=` of `FeatureSpace.cross` in the example stays.
    assert 'feature_names=("string_values", "int_values")' in patched


def test_patch_whose_text_upstream_lost_is_an_error():
    patch = DocPatch("keras.layers.Dense", (("no such text", "x"),), "test")
    with pytest.raises(DocPatchError, match="keras.layers.Dense"):
        apply_patches("Just your regular densely-connected NN layer.", patch)


def test_patch_file_needs_a_reason(tmp_path: Path):
    spec = tmp_path / "docs.toml"
    spec.write_text('[doc_patches."keras.layers.Dense"]\nreplace = [["a", "b"]]\n')
    with pytest.raises(DocPatchError, match="keras.layers.Dense.*no reason"):
        load_doc_patches(spec)


def test_patch_for_an_unknown_path_is_an_error(snap):
    stale = {"keras.layers.Gone": DocPatch("keras.layers.Gone", (("a", "b"),), "test")}
    with pytest.raises(DocPatchError, match="keras.layers.Gone"):
        doc_report(snap, stale)


def test_whole_surface_coverage_and_no_parse_errors(report):
    assert report.docstrings > 1400
    assert report.parse_errors == ()
    assert report.coverage >= COVERAGE_TARGET, report.worst


def test_no_doctest_line_outside_a_fence_over_the_whole_surface(rendered):
    offenders = []
    for path, md in rendered.items():
        fence: str | None = None
        for line in md.splitlines():
            stripped = line.strip()
            marker = re.match(r"(`{3,}|~{3,})", stripped)
            if fence is None and marker:
                fence = marker.group(1)
            elif fence is not None and stripped == fence:
                fence = None
            elif fence is None and stripped.startswith(">>>"):
                offenders.append((path, line))
        assert fence is None, f"{path}: unclosed fence"
    assert offenders == []


def test_rendered_markdown_structure_over_the_whole_surface(rendered):
    """CommonMark sees no block quote or heading we did not write, and every section title we
    wrote survives as text (no code block swallowed it)."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark")
    titles = re.compile(r"^\*\*(Arguments|Call arguments|Returns|Raises|Input shape|Output shape|"
                        r"Examples|References|Notes)\*\*$", re.MULTILINE)
    for path, page in rendered.items():
        tokens = md.parse(page)
        types = {t.type for t in tokens}
        assert "blockquote_open" not in types, path
        assert "heading_open" not in types, path
        strong = [child.content for t in tokens if t.type == "inline" for child in t.children or ()
                  if child.type == "text"]
        for title in titles.findall(page):
            assert title in strong, (path, title)
