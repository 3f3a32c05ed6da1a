"""Replay expectations taken from Keras' own release notes.

Provenance
----------
Every entry below comes from a sentence in the GitHub release notes of
``keras-team/keras`` (the text published at
``https://github.com/keras-team/keras/releases/tag/vX.Y.Z``).  Where the stored
copy of the release page itself was not available, the same text was read from
a verbatim mirror of it: Dependabot pull requests ("Release notes -- Sourced
from keras's releases"), newreleases.io or the SourceForge mirror of the
GitHub releases.  The ``note`` field of each entry quotes the sentence and
names the page it was read from.

The entries were **not** derived from this project's diff tool.  Each one was
then checked by hand against the published wheels from PyPI (``keras/api`` or
the top-level ``keras/<module>/__init__.py`` export files for public paths, and
the ``keras/src`` definitions for signatures): a ``symbol-added`` entry is
exported by ``new`` and not by ``old``; a ``parameter-added`` entry is in the
signature in ``new`` and not in ``old``.  Statements in the notes that the
wheels did not confirm for the adjacent pair were left out (see the list at
the end of this docstring).

``old`` is always the stored release immediately before ``new`` (for example
3.14.1 -> 3.15.0, 3.12.4 -> 3.13.0, 3.9.2 -> 3.10.0), so an entry asserts that
the change is visible across that adjacent pair.

Public paths are the ones users import: ``keras.ops.X``, ``keras.layers.X``
and so on.  ``GroupedQueryAttention`` in the notes is exported as
``keras.layers.GroupQueryAttention``.  Parameters of a class constructor use
the class path; parameters of a method also set ``member``.

Release-note statements left out
--------------------------------
* 3.14.0 lists ``view`` among its new operators, but ``keras.ops.view`` is
  already exported by 3.12.0 (and so by 3.13.2).
* 3.10.0 says weight sharding for ``model.save()`` is "controlled via the
  ``max_shard_size`` argument".  In the 3.10.0 wheel the argument is on
  ``Model.save_weights`` / ``keras.saving.save_weights``, not on
  ``Model.save`` / ``keras.saving.save_model``, so the entry does not match
  what the notes say.
* 3.9.0 says "Add support for dtype argument to JaxLayer and FlaxLayer".  The
  3.9.0 constructors have no explicit ``dtype`` parameter; it travels through
  ``**kwargs``.
* 3.14.0 says "Added batch renormalization feature to the BatchRenormalization
  layer" (sic).  ``keras.layers.BatchNormalization`` gains ``renorm`` (and
  related arguments) in 3.14.0, but the notes name neither the layer nor the
  argument correctly, so this is left out.
* 3.14.0 (Orbax checkpoints, AWQ) and 3.15.0 (``export_torch``) describe
  features without naming a public symbol, so they give no entry.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Expected:
    old: str  # e.g. "3.9.2"
    new: str  # e.g. "3.10.0"
    kind: str  # "symbol-added", "symbol-removed", "parameter-added",
    #            "parameter-removed", "default-changed", "deprecated"
    path: str  # public path, e.g. "keras.ops.rot90" or "keras.layers.Dense"
    parameter: str | None = None
    member: str | None = None  # a method name, e.g. "fit" for keras.Model.fit
    note: str = ""  # the release-note sentence and where it was read


# --- Sources -----------------------------------------------------------------

_V3_15_0 = (
    "Keras v3.15.0 release notes, "
    "https://github.com/keras-team/keras/releases/tag/v3.15.0"
)
_V3_14_0 = (
    "Keras v3.14.0 release notes, quoted in "
    "https://github.com/google/scaaml/pull/508 (Dependabot: 'Updates keras "
    "from 3.13.2 to 3.14.0 -- Release notes, sourced from keras's releases')"
)
_V3_13_0 = (
    "Keras v3.13.0 release notes, "
    "https://newreleases.io/project/pypi/Keras/release/3.13.0 (same text in "
    "https://github.com/Quantum-Software-Development/"
    "Optimization-Simulation-MathModeling-LinearProgramming/pull/1017)"
)
_V3_12_0 = (
    "Keras 3.12.0 release notes, quoted in "
    "https://github.com/geekcomputers/Python/pull/2972 (Dependabot: 'Bumps "
    "keras from 3.11.3 to 3.12.0 -- Release notes, sourced from keras's "
    "releases')"
)
_V3_11_0 = (
    "Keras 3.11.0 release notes, "
    "https://newreleases.io/project/pypi/keras/release/3.11.0 (same text at "
    "https://sourceforge.net/projects/keras.mirror/files/v3.11.0)"
)
_V3_10_0 = (
    "Keras 3.10.0 release notes, quoted in "
    "https://github.com/Quantum-Software-Development/"
    "Optimization-Simulation-MathModeling-LinearProgramming/pull/738 "
    "(Dependabot: 'Bumps keras from 3.9.2 to 3.10.0')"
)
_V3_9_0 = (
    "Keras 3.9.0 release notes, quoted in "
    "https://github.com/Quantum-Software-Development/statistical-measures/"
    "pull/149 (Dependabot: 'Bumps keras from 3.8.0 to 3.9.0')"
)
_V3_7_0 = (
    "Keras 3.7.0 release notes, quoted in "
    "https://github.com/geekcomputers/Python/pull/2434 (Dependabot: 'Bumps "
    "keras from 3.6.0 to 3.7.0')"
)


def _n(sentence: str, source: str, wheel: str = "") -> str:
    text = f"{sentence!r} -- {source}"
    return f"{text}. Wheel check: {wheel}" if wheel else text


_S15_OPS = (
    "New Math Operations: Added unique, pinv, matrix_rank, fabs, fmax, fmin, "
    "erfc, dsplit, percentile, nanpercentile, sobel_edges, and ssim "
    "(structural similarity) to keras.ops."
)
_S15_LINALG = (
    "New Linear Algebra Operations: Added pinv (pseudo-inverse) and "
    "matrix_rank in keras.ops.linalg."
)
_S15_IMAGE = (
    "New Image Operations: Added sobel_edges for edge detection and ssim "
    "(structural similarity) in keras.ops.image."
)
_S15_SWA = (
    "Sliding Window Attention: Added sliding_window parameter to "
    "MultiHeadAttention and GroupedQueryAttention for efficient long-context "
    "attention."
)
_S14_NAN = (
    "NaN-aware NumPy Operations: Added support for nanmin, nanmax, nanmean, "
    "nanmedian, nanvar, nanstd, nanprod, nanargmin, nanargmax, and "
    "nanquantile in keras.ops.numpy."
)
_S14_MATH = (
    "New Math & Linear Algebra Operators: Added nextafter, ptp, view, sinc, "
    "fmod, i0, fliplr, flipud, rad2deg, geomspace, depth_to_space, "
    "space_to_de[pth] ..."
)
_S14_GATE = (
    "Gated Attention: Introduced optional Gated Attention support in "
    "MultiHeadAttention and GroupedQueryAttention layers."
)
_S12_DISTILL = (
    "Keras has a new model distillation API! ... distiller = Distiller("
    "teacher=teacher, student=student, "
    "distillation_losses=LogitsDistillation(temperature=3.0))"
)
_S10_LORA = (
    "Add lora_alpha to all LoRA-enabled layers. If set, this parameter scales "
    "the low-rank adaptation delta during the forward pass."
)
_S7_FLASH = (
    "Add flash_attention argument to keras.ops.dot_product_attention and to "
    "keras.layers.MultiHeadAttention."
)


EXPECTED: tuple[Expected, ...] = (
    # ------------------------------------------------------------------
    # 3.14.1 -> 3.15.0
    # ------------------------------------------------------------------
    Expected("3.14.1", "3.15.0", "symbol-added", "keras.ops.unique",
             note=_n(_S15_OPS, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added", "keras.ops.fmax",
             note=_n(_S15_OPS, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added", "keras.ops.erfc",
             note=_n(_S15_OPS, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added", "keras.ops.percentile",
             note=_n(_S15_OPS, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added", "keras.ops.linalg.pinv",
             note=_n(_S15_LINALG, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added",
             "keras.ops.linalg.matrix_rank",
             note=_n(_S15_LINALG, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added",
             "keras.ops.image.sobel_edges",
             note=_n(_S15_IMAGE, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added", "keras.ops.image.ssim",
             note=_n(_S15_IMAGE, _V3_15_0)),
    Expected("3.14.1", "3.15.0", "symbol-added",
             "keras.optimizers.MultiOptimizer",
             note=_n("Multi-Optimizer Training: New MultiOptimizer supports "
                     "assigning different optimizers to sub-networks.",
                     _V3_15_0)),
    Expected("3.14.1", "3.15.0", "parameter-added",
             "keras.layers.MultiHeadAttention", parameter="sliding_window",
             note=_n(_S15_SWA, _V3_15_0, "default None in 3.15.0")),
    Expected("3.14.1", "3.15.0", "parameter-added",
             "keras.layers.GroupQueryAttention", parameter="sliding_window",
             note=_n(_S15_SWA, _V3_15_0,
                     "exported as keras.layers.GroupQueryAttention; "
                     "default None in 3.15.0")),
    # ------------------------------------------------------------------
    # 3.13.2 -> 3.14.0
    # ------------------------------------------------------------------
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.nanmean",
             note=_n(_S14_NAN, _V3_14_0,
                     "the notes say keras.ops.numpy; the 3.14.0 wheel also "
                     "exports keras.ops.nanmean")),
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.nanmedian",
             note=_n(_S14_NAN, _V3_14_0)),
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.nanquantile",
             note=_n(_S14_NAN, _V3_14_0)),
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.nextafter",
             note=_n(_S14_MATH, _V3_14_0)),
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.ptp",
             note=_n(_S14_MATH, _V3_14_0)),
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.geomspace",
             note=_n(_S14_MATH, _V3_14_0)),
    Expected("3.13.2", "3.14.0", "symbol-added", "keras.ops.depth_to_space",
             note=_n(_S14_MATH, _V3_14_0)),
    Expected("3.13.2", "3.14.0", "symbol-added",
             "keras.optimizers.ScheduleFreeAdamW",
             note=_n("New Optimizer: Added ScheduleFreeAdamW optimizer.",
                     _V3_14_0)),
    Expected("3.13.2", "3.14.0", "parameter-added",
             "keras.layers.MultiHeadAttention", parameter="use_gate",
             note=_n(_S14_GATE, _V3_14_0,
                     "the notes do not name the argument; in the 3.14.0 "
                     "wheel it is use_gate=False")),
    Expected("3.13.2", "3.14.0", "parameter-added",
             "keras.layers.GroupQueryAttention", parameter="use_gate",
             note=_n(_S14_GATE, _V3_14_0,
                     "the notes do not name the argument; in the 3.14.0 "
                     "wheel it is use_gate=False")),
    # ------------------------------------------------------------------
    # 3.12.4 -> 3.13.0
    # ------------------------------------------------------------------
    Expected("3.12.4", "3.13.0", "symbol-added",
             "keras.quantizers.QuantizationConfig",
             note=_n("Introduced keras.quantizers.QuantizationConfig API that "
                     "allows for customizable weight and activation "
                     "quantizers", _V3_13_0)),
    Expected("3.12.4", "3.13.0", "parameter-added", "keras.Model",
             parameter="filters", member="quantize",
             note=_n("Introduced a new filters argument to the Model.quantize "
                     "method, allowing users to specify which layers should "
                     "be quantized", _V3_13_0, "default None in 3.13.0")),
    # ------------------------------------------------------------------
    # 3.11.3 -> 3.12.0
    # ------------------------------------------------------------------
    Expected("3.11.3", "3.12.0", "symbol-added",
             "keras.distillation.Distiller",
             note=_n(_S12_DISTILL, _V3_12_0)),
    Expected("3.11.3", "3.12.0", "symbol-added",
             "keras.distillation.LogitsDistillation",
             note=_n(_S12_DISTILL, _V3_12_0)),
    Expected("3.11.3", "3.12.0", "symbol-added",
             "keras.quantizers.GPTQConfig",
             note=_n("Keras supports GPTQ quantization! GPTQ is now built into "
                     "the Keras API. ... gptq_config = keras.quantizers.GPTQ"
                     "[Config](...)", _V3_12_0,
                     "the stored excerpt is cut inside the name; the 3.12.0 "
                     "wheel exports keras.quantizers.GPTQConfig")),
    # ------------------------------------------------------------------
    # 3.10.0 -> 3.11.0
    # ------------------------------------------------------------------
    Expected("3.10.0", "3.11.0", "symbol-added", "keras.ops.kaiser",
             note=_n("Add keras.ops.kaiser function.", _V3_11_0)),
    Expected("3.10.0", "3.11.0", "symbol-added", "keras.ops.hanning",
             note=_n("Add keras.ops.hanning function.", _V3_11_0)),
    Expected("3.10.0", "3.11.0", "symbol-added", "keras.ops.cbrt",
             note=_n("Add keras.ops.cbrt function.", _V3_11_0)),
    Expected("3.10.0", "3.11.0", "symbol-added", "keras.ops.deg2rad",
             note=_n("Add keras.ops.deg2rad function.", _V3_11_0)),
    Expected("3.10.0", "3.11.0", "symbol-added",
             "keras.ops.layer_normalization",
             note=_n("Add keras.ops.layer_normalization function to leverage "
                     "backend-specific performance optimizations.", _V3_11_0)),
    # ------------------------------------------------------------------
    # 3.9.2 -> 3.10.0
    # ------------------------------------------------------------------
    Expected("3.9.2", "3.10.0", "symbol-added", "keras.optimizers.Muon",
             note=_n("Add optimizer keras.optimizers.Muon", _V3_10_0)),
    Expected("3.9.2", "3.10.0", "symbol-added",
             "keras.layers.RandomElasticTransform",
             note=_n("Add image preprocessing layer "
                     "keras.layers.RandomElasticTransform", _V3_10_0)),
    Expected("3.9.2", "3.10.0", "symbol-added",
             "keras.losses.CategoricalGeneralizedCrossEntropy",
             note=_n("Add loss function "
                     "keras.losses.CategoricalGeneralizedCrossEntropy (with "
                     "functional version "
                     "keras.losses.categorical_generalized_cross_entropy)",
                     _V3_10_0)),
    Expected("3.9.2", "3.10.0", "symbol-added",
             "keras.activations.sparse_sigmoid",
             note=_n("Add activation function keras.activations.sparse_sigmoid",
                     _V3_10_0)),
    Expected("3.9.2", "3.10.0", "symbol-added",
             "keras.ops.image.elastic_transform",
             note=_n("Add op keras.ops.image.elastic_transform", _V3_10_0)),
    Expected("3.9.2", "3.10.0", "symbol-added", "keras.ops.angle",
             note=_n("Add op keras.ops.angle", _V3_10_0)),
    Expected("3.9.2", "3.10.0", "symbol-added", "keras.ops.view_as_complex",
             note=_n("Add ops keras.ops.view_as_complex, keras.ops.view_as_real",
                     _V3_10_0)),
    Expected("3.9.2", "3.10.0", "parameter-added",
             "keras.losses.SparseCategoricalCrossentropy", parameter="axis",
             note=_n("Add axis argument to SparseCategoricalCrossentropy",
                     _V3_10_0, "default -1 in 3.10.0")),
    Expected("3.9.2", "3.10.0", "parameter-added", "keras.layers.Dense",
             parameter="lora_alpha",
             note=_n(_S10_LORA, _V3_10_0, "default None in 3.10.0")),
    Expected("3.9.2", "3.10.0", "parameter-added", "keras.layers.Embedding",
             parameter="lora_alpha",
             note=_n(_S10_LORA, _V3_10_0, "default None in 3.10.0")),
    # ------------------------------------------------------------------
    # 3.8.0 -> 3.9.0
    # ------------------------------------------------------------------
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.RematScope",
             note=_n("Add new Keras rematerialization API: keras.RematScope "
                     "and keras.remat.", _V3_9_0)),
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.remat",
             note=_n("Add new Keras rematerialization API: keras.RematScope "
                     "and keras.remat.", _V3_9_0)),
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.ops.rot90",
             note=_n("New operations: keras.ops.rot90", _V3_9_0)),
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.ops.rearrange",
             note=_n("New operations: keras.ops.rearrange (Einops-style)",
                     _V3_9_0)),
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.ops.image.gaussian_blur",
             note=_n("New operations: keras.ops.image.gaussian_blur", _V3_9_0)),
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.layers.RMSNormalization",
             note=_n("New layers: keras.layers.RMSNormalization", _V3_9_0)),
    Expected("3.8.0", "3.9.0", "symbol-added", "keras.layers.RandomErasing",
             note=_n("New layers: keras.layers.RandomErasing", _V3_9_0)),
    Expected("3.8.0", "3.9.0", "parameter-added", "keras.layers.Resizing",
             parameter="antialias",
             note=_n("Add antialias argument to keras.layers.Resizing layer.",
                     _V3_9_0, "default False in 3.9.0")),
    # ------------------------------------------------------------------
    # 3.6.0 -> 3.7.0
    # ------------------------------------------------------------------
    Expected("3.6.0", "3.7.0", "parameter-added",
             "keras.ops.dot_product_attention", parameter="flash_attention",
             note=_n(_S7_FLASH, _V3_7_0, "default None in 3.7.0")),
    Expected("3.6.0", "3.7.0", "parameter-added",
             "keras.layers.MultiHeadAttention", parameter="flash_attention",
             note=_n(_S7_FLASH, _V3_7_0, "default None in 3.7.0")),
    Expected("3.6.0", "3.7.0", "symbol-added", "keras.layers.STFTSpectrogram",
             note=_n("Add keras.layers.STFTSpectrogram layer (to extract STFT "
                     "spectrograms from inputs as a preprocessing step) as "
                     "well as its initializer "
                     "keras.initializers.STFTInitializer.", _V3_7_0)),
    Expected("3.6.0", "3.7.0", "symbol-added",
             "keras.initializers.STFTInitializer",
             note=_n("Add keras.layers.STFTSpectrogram layer ... as well as its "
                     "initializer keras.initializers.STFTInitializer.",
                     _V3_7_0)),
    Expected("3.6.0", "3.7.0", "symbol-added", "keras.activations.glu",
             note=_n("Add celu, glu, log_sigmoid, hard_tanh, hard_shrink, "
                     "squareplus activations.", _V3_7_0)),
    Expected("3.6.0", "3.7.0", "symbol-added", "keras.losses.Circle",
             note=_n("Add keras.losses.Circle loss.", _V3_7_0)),
    Expected("3.6.0", "3.7.0", "symbol-added", "keras.ops.exp2",
             note=_n("Add keras.ops.exp2, keras.ops.inner operations.",
                     _V3_7_0)),
    Expected("3.6.0", "3.7.0", "symbol-added", "keras.ops.inner",
             note=_n("Add keras.ops.exp2, keras.ops.inner operations.",
                     _V3_7_0)),
    Expected("3.6.0", "3.7.0", "parameter-added",
             "keras.callbacks.BackupAndRestore", parameter="double_checkpoint",
             note=_n("Add double_checkpoint argument to BackupAndRestore to "
                     "save a fallback checkpoint in case the first checkpoint "
                     "gets corrupted.", _V3_7_0, "default False in 3.7.0")),
)
