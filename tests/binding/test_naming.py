"""Wrapper names follow the R package {keras3} (shared/facts/keras3-r-conventions.md)."""

from __future__ import annotations

import dataclasses
import keyword
from pathlib import Path

import pytest

from generator.binding.spec import load_binding_spec
from generator.settings import pinned_release
from generator.binding.impact import dropped_names
from generator.binding.naming import NamingError, camel_to_snake, load_naming_spec, name_table, resolve_name, wrapper_name

PIN = pinned_release()  # the Keras release pyproject.toml pins


@pytest.fixture(scope="module")
def spec():
    return load_naming_spec()


@pytest.fixture(scope="module")
def snapshot(store):
    return store.load(PIN)


@pytest.fixture(scope="module")
def table(snapshot, spec):
    return name_table(snapshot, spec)


# The examples of the facts file, its fix-ups, and its named rules.
FACTS_EXAMPLES = {
    "keras.layers.Dense": "layer_dense",
    "keras.ops.add": "op_add",
    "keras.random.normal": "random_normal",
    "keras.ops.image.resize": "op_image_resize",
    "keras.optimizers.schedules.CosineDecay": "learning_rate_schedule_cosine_decay",
    "keras.losses.BinaryCrossentropy": "loss_binary_crossentropy",
    "keras.layers.Conv1D": "layer_conv_1d",
    "keras.regularizers.L1L2": "regularizer_l1_l2",
    "keras.constraints.MaxNorm": "constraint_maxnorm",
    "keras.constraints.NonNeg": "constraint_nonneg",
    "keras.constraints.UnitNorm": "constraint_unitnorm",
    "keras.callbacks.TensorBoard": "callback_tensorboard",
    "keras.layers.UpSampling2D": "layer_upsampling_2d",
    "keras.applications.resnet50.ResNet50": "application_resnet50",
    "keras.metrics.F1Score": "metric_f1_score",
    "keras.optimizers.RMSprop": "optimizer_rmsprop",
    "keras.layers.PReLU": "layer_activation_parametric_relu",
    "keras.layers.SimpleRNNCell": "rnn_cell_simple",
    # acronym protections
    "keras.layers.ReLU": "layer_activation_relu",
    "keras.metrics.BinaryIoU": "metric_binary_iou",
    "keras.metrics.FBetaScore": "metric_fbeta_score",
    "keras.callbacks.TerminateOnNaN": "callback_terminate_on_nan",
    "keras.applications.convnext.ConvNeXtXLarge": "application_convnext_xlarge",
    "keras.applications.inception_resnet_v2.InceptionResNetV2": "application_inception_resnet_v2",
    # activation layers and RNN cells are named by family
    "keras.layers.LeakyReLU": "layer_activation_leaky_relu",
    "keras.layers.Softmax": "layer_activation_softmax",
    "keras.layers.ELU": "layer_activation_elu",
    "keras.layers.Activation": "layer_activation",
    "keras.layers.GRUCell": "rnn_cell_gru",
    "keras.layers.LSTMCell": "rnn_cell_lstm",
}

# Every explicit rename the facts file lists, plus the model and saving names of the R package.
FACTS_RENAMES = {
    "keras.random.randint": "random_integer",
    "keras.layers.LayerNormalization": "layer_layer_normalization",
    "keras.utils.FeatureSpace": "layer_feature_space",
    "keras.ops.image.pad_images": "op_image_pad",
    "keras.utils.pad_sequences": "pad_sequences",
    "keras.utils.array_to_img": "image_from_array",
    "keras.utils.img_to_array": "image_to_array",
    "keras.utils.load_img": "image_load",
    "keras.utils.save_img": "image_array_save",
    "keras.layers.StackedRNNCells": "rnn_cells_stack",
    "keras.layers.SimpleRNNCell": "rnn_cell_simple",
    "keras.layers.Bidirectional": "layer_bidirectional",
    "keras.Model": "keras_model",
    "keras.Sequential": "keras_model_sequential",
    "keras.layers.Input": "keras_input",
    "keras.models.clone_model": "clone_model",
    "keras.saving.save_model": "save_model",
    "keras.saving.load_model": "load_model",
    "keras.saving.save_weights": "save_model_weights",
    "keras.saving.load_weights": "load_model_weights",
    "keras.utils.to_categorical": "to_categorical",
    "keras.utils.clear_session": "clear_session",
    "keras.utils.set_random_seed": "set_random_seed",
    "keras.utils.get_file": "get_file",
    "keras.utils.timeseries_dataset_from_array": "timeseries_dataset_from_array",
    "keras.saving.register_keras_serializable": "register_keras_serializable",
}

# The R package's names of further families, to pin the fix-ups that produce them.
R_NAMES = {
    "keras.applications.efficientnet_v2.EfficientNetV2B0": "application_efficientnet_v2b0",
    "keras.applications.efficientnet.EfficientNetB7": "application_efficientnet_b7",
    "keras.applications.ResNet101V2": "application_resnet101_v2",
    "keras.applications.MobileNetV3Large": "application_mobilenet_v3_large",
    "keras.applications.nasnet.NASNetLarge": "application_nasnetlarge",
    "keras.applications.densenet.DenseNet121": "application_densenet121",
    "keras.applications.vgg16.VGG16": "application_vgg16",
    "keras.constraints.MinMaxNorm": "constraint_minmaxnorm",
    "keras.layers.UnitNormalization": "layer_unit_normalization",
    "keras.layers.ConvLSTM2D": "layer_conv_lstm_2d",
    "keras.layers.Conv3DTranspose": "layer_conv_3d_transpose",
    "keras.layers.TFSMLayer": "layer_tfsm",
    "keras.layers.RMSNormalization": "layer_rms_normalization",
    "keras.metrics.R2Score": "metric_r2_score",
    "keras.metrics.MeanMetricWrapper": "metric_mean_wrapper",
    "keras.metrics.SparseTopKCategoricalAccuracy": "metric_sparse_top_k_categorical_accuracy",
    "keras.callbacks.CSVLogger": "callback_csv_logger",
    "keras.callbacks.LambdaCallback": "callback_lambda",
    "keras.callbacks.ReduceLROnPlateau": "callback_reduce_lr_on_plateau",
    "keras.optimizers.AdamW": "optimizer_adam_w",
    "keras.optimizers.LossScaleOptimizer": "optimizer_loss_scale",
    "keras.regularizers.OrthogonalRegularizer": "regularizer_orthogonal",
    "keras.regularizers.L1": "regularizer_l1",
    "keras.random.SeedGenerator": "random_seed_generator",
    "keras.preprocessing.image.smart_resize": "image_smart_resize",
    "keras.datasets.mnist.load_data": "dataset_mnist",
    "keras.datasets.imdb.get_word_index": "dataset_imdb_word_index",
    # upstream snake_case names are kept: no digit is split off
    "keras.ops.log10": "op_log10",
    "keras.ops.arctan2": "op_arctan2",
    "keras.activations.relu6": "activation_relu6",
    "keras.ops.image.extract_patches_3d": "op_image_extract_patches_3d",
}


ALL_EXAMPLES = sorted((FACTS_EXAMPLES | FACTS_RENAMES | R_NAMES).items())


@pytest.mark.parametrize("path, expected", ALL_EXAMPLES)
def test_names_follow_the_r_package(spec, path, expected):
    assert wrapper_name(path, spec) == expected


def test_every_rename_of_the_spec_names_a_canonical_path_of_the_pinned_release(spec, snapshot):
    # A rename of a misspelt or an alias path would silently never apply.
    stale = [p for p in spec.renames if p not in snapshot.symbols or snapshot.symbols[p].is_alias]
    assert not stale


def test_camel_to_snake_keeps_acronym_runs_and_splits_digits():
    assert camel_to_snake("CSVLogger") == "csv_logger"
    assert camel_to_snake("GRUCell") == "gru_cell"
    assert camel_to_snake("Conv1DTranspose") == "conv_1_d_transpose"
    assert camel_to_snake("TopKCategoricalAccuracy") == "top_k_categorical_accuracy"


def test_a_repeated_prefix_is_matched_as_a_whole_sequence(spec):
    assert wrapper_name("keras.utils.bounding_boxes.encode_box_to_deltas", spec) == (
        "bounding_box_encode_box_to_deltas")
    assert wrapper_name("keras.distribution.set_distribution", spec) == "distribution_set"


def test_shared_leaf_names_of_submodules_are_qualified(spec):
    assert wrapper_name("keras.applications.vgg16.preprocess_input", spec) == (
        "application_vgg16_preprocess_input")
    assert wrapper_name("keras.applications.resnet_v2.decode_predictions", spec) == (
        "application_resnet_v2_decode_predictions")


def test_a_module_without_a_prefix_is_not_named(spec):
    assert not spec.covers("keras.tree.flatten")
    with pytest.raises(NamingError, match=r"keras\.tree\.flatten: no prefix for module"):
        wrapper_name("keras.tree.flatten", spec)


# --- the table of the stored snapshot of the pin ------------------------------------------------------


def test_the_table_names_every_covered_callable_with_a_usable_python_name(table, snapshot, spec):
    covered = [s.path for s in snapshot.canonical_symbols()
               if s.kind in ("function", "class") and spec.covers(s.path)]
    assert sorted(table) == sorted(covered)
    bad = [n for n in table.values() if not n.isidentifier() or keyword.iskeyword(n)]
    assert not bad
    assert table["keras.layers.Dense"] == "layer_dense"


def test_only_a_class_and_a_function_of_one_module_share_a_wrapper(table, snapshot, spec):
    owners: dict[str, list[str]] = {}
    for path, name in table.items():
        owners.setdefault(name, []).append(path)
    shared = {n: ps for n, ps in owners.items() if len(ps) > 1}
    for name, paths in shared.items():
        assert sorted(snapshot.symbols[p].kind for p in paths) == ["class", "function"], name
        assert len({p.rsplit(".", 1)[0] for p in paths}) == 1, name
    assert sorted(shared["loss_huber"]) == ["keras.losses.Huber", "keras.losses.huber"]
    assert sorted(shared["layer_add"]) == ["keras.layers.Add", "keras.layers.add"]


def test_aliases_resolve_to_their_canonical_wrapper(table, snapshot):
    assert resolve_name(snapshot, "keras.ops.nn.relu", table) == "op_relu"
    assert resolve_name(snapshot, "keras.ops.relu", table) == "op_relu"
    assert resolve_name(snapshot, "keras.ops.numpy.add", table) == "op_add"
    assert resolve_name(snapshot, "keras.ops.linalg.cholesky", table) == "op_cholesky"
    assert resolve_name(snapshot, "keras.Input", table) == "keras_input"
    assert resolve_name(snapshot, "keras.layers.AvgPool2D", table) == "layer_average_pooling_2d"
    assert resolve_name(snapshot, "keras.constraints.max_norm", table) == "constraint_maxnorm"
    assert resolve_name(snapshot, "keras.tree.flatten", table) is None  # not covered


def test_a_collision_names_both_paths_and_asks_for_a_rename(snapshot, spec):
    renames = {k: v for k, v in spec.renames.items() if k != "keras.layers.LayerNormalization"}
    with pytest.raises(NamingError) as caught:
        name_table(snapshot, dataclasses.replace(spec, renames=renames))
    message = str(caught.value)
    assert "'layer_normalization'" in message
    assert "keras.layers.LayerNormalization" in message and "keras.layers.Normalization" in message
    assert "[renames]" in message


def test_an_activation_layer_missing_from_its_group_is_reported(snapshot, spec):
    groups = tuple(dataclasses.replace(g, members=g.members - {"ELU"}) for g in spec.groups)
    with pytest.raises(NamingError, match=r"keras\.layers\.ELU .* layer_activation_\* group"):
        name_table(snapshot, dataclasses.replace(spec, groups=groups))


def test_every_stored_release_is_named_without_collision_and_names_never_move(store, spec):
    # An object keeps its wrapper name across releases even when its canonical path changes
    # (keras.initializers.IdentityInitializer was canonical before keras.initializers.Identity).
    # Only upstream can move one (renaming the class itself: GroupQueryAttention became
    # GroupedQueryAttention in 3.16); then the binding must keep every earlier name as a deprecated
    # wrapper, which is what the newest stored release's binding keeps (`dropped_names`).
    names_of: dict[tuple[str, str], set[str]] = {}
    newest = None
    for release in store.releases():
        newest = store.load(release)
        for path, name in name_table(newest, spec).items():
            symbol = newest.symbols[path]
            names_of.setdefault((symbol.implementation, symbol.kind), set()).add(name)
    moved = {key: names for key, names in names_of.items() if len(names) > 1}
    given = set(name_table(newest, spec).values()) if moved else set()
    kept = dropped_names(store, newest, load_binding_spec(), spec) if moved else {}
    lost = {key: [n for n in names if n not in given and n not in kept] for key, names in moved.items()}
    assert not {key: names for key, names in lost.items() if names}


# --- loading -------------------------------------------------------------------------------------


def test_the_spec_rejects_an_unknown_table(tmp_path: Path):
    bad = tmp_path / "naming.toml"
    bad.write_text('[rename]\n"keras.random.randint" = "random_integer"\n', encoding="utf-8")
    with pytest.raises(NamingError, match="unknown key"):
        load_naming_spec(bad)


def test_the_spec_rejects_a_rename_that_is_a_python_keyword(tmp_path: Path):
    bad = tmp_path / "naming.toml"
    bad.write_text('[renames]\n"keras.layers.Lambda" = "lambda"\n', encoding="utf-8")
    with pytest.raises(NamingError, match="keras.layers.Lambda.*not a usable Python name"):
        load_naming_spec(bad)


def test_the_spec_rejects_a_bad_fixup_pattern(tmp_path: Path):
    bad = tmp_path / "naming.toml"
    bad.write_text("[[fixup]]\npattern = '(unclosed'\nreplace = ''\n", encoding="utf-8")
    with pytest.raises(NamingError, match="fixup 1"):
        load_naming_spec(bad)
