"""Fixtures: what stands in for a download (or for a notebook or an accelerator) while a translated page runs. Each is a small function
that patches the downloading call (`keras.datasets.mnist.load_data`, `keras.utils.get_file`, ...)
in the page's own process with data it makes (digits drawn with the fonts matplotlib ships,
seeded synthetic reviews, ...); its docstring is what the page states. Not scikit-learn's bundled
sets: installed, scikit-learn changes Keras's own API (keras.wrappers.SKLearn* gain its methods),
and the snapshot with it. A page names its fixtures in
`generator/spec/gallery.toml`; the source of every fixture it uses is part of its output's key,
so editing a fixture re-runs the pages that use it.

A download no fixture covers fails where it is called, naming its URL: `urllib.request.urlopen`
(what `keras.utils.get_file`, `np.loadtxt(url)` and `pd.read_csv(url)` use) refuses it, and the
page's process blocks the network besides.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.docs.guides import served_files


@dataclass(frozen=True)
class Fixture:
    name: str
    replaces: str  # the call it stands in for, as the page shows it
    install: Callable[[], None]
    downloads: bool = True  # it stands in for a download (else for a notebook, an accelerator, a program)

    @property
    def description(self) -> str:
        """The first paragraph of the function's docstring, on one line."""
        doc = inspect.getdoc(self.install) or ""
        return " ".join(doc.split("\n\n")[0].split())

    def source(self) -> str:
        """The fixture's code (and the module's shared helpers): part of the output's key."""
        return inspect.getsource(self.install)


FIXTURES: dict[str, Fixture] = {}


def fixture(replaces: str, downloads: bool = True) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(function: Callable[[], None]) -> Callable[[], None]:
        FIXTURES[function.__name__] = Fixture(function.__name__, replaces, function, downloads)
        return function

    return register


def helpers_source() -> str:
    """The helpers every fixture may use: part of every key, like a fixture's own code."""
    helpers = (_digits, _patch, _refuse_download, served_files._serve_urls, _synthetic_reviews)
    return "\n".join(inspect.getsource(f) for f in helpers) + repr(_FONTS)


# --- helpers ----------------------------------------------------------------------------------


_FONTS = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique", "DejaVuSansMono",
          "DejaVuSansMono-Bold", "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic",
          "DejaVuSerif-BoldItalic", "STIXGeneral", "STIXGeneralBol", "STIXGeneralItalic", "cmr10", "cmss10",
          "cmtt10", "cmb10")


def _digits(size: int, channels: int | None, label_shape: tuple[int, ...] = (), count: int = 1800,
            train: int = 1500, sizes: tuple[int, int] = (60000, 10000)) -> Any:
    """`count` images of the digits 0-9 drawn with the fonts matplotlib ships (17 faces), each
    rotated, scaled and shifted at random (seeded), as uint8 images of `size` x `size` (white on
    black, like MNIST), split `train` / the rest, each part repeated in a shuffled order to the
    real set's `sizes` the way `load_data()` returns train and test."""
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from scipy.ndimage import affine_transform

    over = 4  # drawn 4x larger, then averaged down: smooth edges
    glyphs = np.zeros((len(_FONTS), 10, size, size))
    for f, name in enumerate(_FONTS):
        font = FontProperties(fname=f"{matplotlib.get_data_path()}/fonts/ttf/{name}.ttf")
        for digit in range(10):
            figure = Figure(figsize=(1, 1), dpi=size * over)
            canvas = FigureCanvasAgg(figure)
            figure.text(0.5, 0.5, str(digit), fontproperties=font, fontsize=64, ha="center", va="center")
            canvas.draw()
            ink = 255.0 - np.asarray(canvas.buffer_rgba())[..., 0].astype("float64")
            glyphs[f, digit] = ink.reshape(size, over, size, over).mean(axis=(1, 3))
    rng = np.random.default_rng(1337)
    labels = np.arange(count) % 10
    rng.shuffle(labels)
    images = np.zeros((count, size, size))
    center = (size - 1) / 2
    for index, digit in enumerate(labels):
        angle, scale = np.deg2rad(rng.uniform(-15, 15)), rng.uniform(0.8, 1.1)
        matrix = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) / scale
        shift = rng.uniform(-2, 2, 2)
        offset = np.array([center, center]) - matrix @ (np.array([center, center]) + shift)
        images[index] = affine_transform(glyphs[rng.integers(len(_FONTS)), digit], matrix, offset, order=1)
    images = np.clip(images, 0, 255).round().astype("uint8")
    if channels is not None:
        images = np.repeat(images[..., None], channels, axis=-1)
    labels = labels.astype("uint8").reshape((-1, *label_shape))
    (x_train, y_train), (x_test, y_test) = (images[:train], labels[:train]), (images[train:], labels[train:])
    # the real sets' sizes (code such as `x_train.reshape(60000, 784)` relies on them): repeated
    order_train, order_test = rng.permutation(sizes[0]) % train, rng.permutation(sizes[1]) % (count - train)
    return (x_train[order_train], y_train[order_train]), (x_test[order_test], y_test[order_test])


def _patch(module_path: str, name: str, replacement: Callable[..., Any]) -> None:
    """Set `name` on the public module and on the implementation module that defines it."""
    import importlib

    module = importlib.import_module(module_path)
    original = getattr(module, name, None)
    setattr(module, name, replacement)
    defining = getattr(original, "__module__", None)
    if defining and defining != module_path:
        try:
            setattr(importlib.import_module(defining), name, replacement)
        except ImportError:
            pass


def _refuse_download(url: Any, *args: Any, **kwargs: Any) -> Any:
    address = url if isinstance(url, str) else getattr(url, "full_url", url)
    raise RuntimeError(f"download blocked in the docs build: {address} has no fixture "
                       "(declare one in generator/spec/gallery.toml)")


def install(names: list[str]) -> None:
    """In the page's process: a URL no fixture serves is refused (naming it), then each named
    fixture patches its call or serves its URLs."""
    import urllib.request

    urllib.request.urlopen = _refuse_download  # type: ignore[assignment]
    for name in names:
        FIXTURES[name].install()


# --- data sets --------------------------------------------------------------------------------


@fixture("keras.datasets.mnist.load_data()")
def mnist_digits() -> None:
    """1,800 digits drawn with the 17 font faces matplotlib ships, each rotated, scaled and shifted
    at random (seeded), as 28x28 uint8 images, white on black, stand in for MNIST's handwritten
    ones: 1,500 train and 300 test images, each repeated to MNIST's 60,000 and 10,000."""
    _patch("keras.datasets.mnist", "load_data", lambda path="mnist.npz": _digits(28, None))


@fixture("keras.datasets.mnist.load_data()")
def mnist_digits_unrepeated() -> None:
    """1,800 digits drawn with the 17 font faces matplotlib ships, each rotated, scaled and shifted
    at random (seeded), as 28x28 uint8 images, white on black, stand in for MNIST's handwritten
    ones: 1,500 train and 300 test images, not repeated to MNIST's sizes (on tensorflow, Keras's
    pipeline for NumPy arrays costs time per step in proportion to the array)."""
    _patch("keras.datasets.mnist", "load_data", lambda path="mnist.npz": _digits(28, None, sizes=(1500, 300)))


@fixture("keras.datasets.fashion_mnist.load_data()")
def fashion_mnist_digits() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 28x28 uint8 images stand in for Fashion-MNIST (its class names then name the digits 0-9):
    1,500 train and 300 test images, each repeated to 60,000 and 10,000."""
    _patch("keras.datasets.fashion_mnist", "load_data", lambda: _digits(28, None))


@fixture("keras.datasets.fashion_mnist.load_data()")
def fashion_mnist_digits_unrepeated() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 28x28 uint8 images stand in for Fashion-MNIST's clothes (its class names then name the
    digits 0-9): 1,500 train and 300 test images, not repeated to Fashion-MNIST's sizes (on
    tensorflow, Keras's pipeline for NumPy arrays costs time per step in proportion to the array)."""
    _patch("keras.datasets.fashion_mnist", "load_data", lambda: _digits(28, None, sizes=(1500, 300)))


@fixture("keras.datasets.cifar10.load_data()")
def cifar10_digits() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 32x32 RGB uint8 images stand in for CIFAR-10's photos (ten classes, labels of shape (n, 1)):
    1,500 train and 300 test images, each repeated to CIFAR-10's 50,000 and 10,000."""
    _patch("keras.datasets.cifar10", "load_data", lambda: _digits(32, 3, (1,), sizes=(50000, 10000)))


@fixture("keras.datasets.cifar100.load_data()")
def cifar100_digits() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 32x32 RGB uint8 images stand in for CIFAR-100's photos (only ten of the hundred classes
    occur): 1,500 train and 300 test images, each repeated to 50,000 and 10,000."""
    _patch("keras.datasets.cifar100", "load_data",
           lambda label_mode="fine": _digits(32, 3, (1,), sizes=(50000, 10000)))


@fixture("keras.datasets.boston_housing.load_data()")
def boston_housing_synthetic() -> None:
    """506 seeded synthetic houses with 13 features on the scales of Boston housing's (a crime
    rate near 0-10, rooms near 6, a tax rate in the hundreds, ...) and a price in thousands made
    from a few of them plus noise, split by `test_split` as `load_data` does (404 and 102)."""

    def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> Any:
        import numpy as np

        rng = np.random.default_rng(seed)
        scales = np.array([3.6, 11.4, 11.1, 0.07, 0.55, 6.3, 68.6, 3.8, 9.5, 408.0, 18.5, 356.7, 12.7])
        x = np.abs(rng.normal(scales, scales * 0.3, (506, 13)))
        y = np.clip(22.5 + 9.0 * (x[:, 5] - 6.3) - 0.6 * (x[:, 12] - 12.7) - 0.3 * x[:, 0]
                    + rng.normal(0, 3.0, 506), 5.0, 50.0)
        cut = int(506 * (1 - test_split))
        return (x[:cut], y[:cut]), (x[cut:], y[cut:])

    _patch("keras.datasets.boston_housing", "load_data", load_data)


def _synthetic_reviews(num_words: int | None, count: int, seed: int) -> Any:
    """`count` integer-coded reviews of 20-200 words over a 2,000-word vocabulary; label 1 reviews
    draw more from words 100-199, label 0 ones from words 200-299 (a learnable signal)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    vocabulary = min(num_words or 2000, 2000)
    labels = rng.integers(0, 2, count)
    reviews = []
    for label in labels:
        length = int(rng.integers(20, 200))
        words = rng.integers(4, vocabulary, length)
        signal = rng.random(length) < 0.2
        words[signal] = rng.integers(100, 200, signal.sum()) if label else rng.integers(200, 300, signal.sum())
        reviews.append([1, *words.tolist()])
    data = np.empty(count, dtype=object)
    data[:] = reviews
    return data, labels.astype("int64")


@fixture("keras.datasets.imdb.load_data()")
def imdb_synthetic() -> None:
    """2,000 synthetic integer-coded reviews (a 2,000-word vocabulary; one label's reviews use
    words 100-199 more, the other's words 200-299) stand in for the 50,000 IMDB reviews: 1,000
    train and 1,000 test, label 0 or 1."""

    # Keras's own signature: keras3's dataset_imdb passes every parameter by position
    def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
                  maxlen: int | None = None, seed: int = 113, start_char: int = 1, oov_char: int = 2,
                  index_from: int = 3, **kwargs: Any) -> Any:
        (x_train, y_train), (x_test, y_test) = _synthetic_reviews(num_words, 1000, 1), _synthetic_reviews(
            num_words, 1000, 2)
        if maxlen is not None:  # as Keras does: longer reviews are dropped
            keep_train = [len(r) < maxlen for r in x_train]
            keep_test = [len(r) < maxlen for r in x_test]
            x_train, y_train, x_test, y_test = x_train[keep_train], y_train[keep_train], x_test[keep_test], y_test[keep_test]
        return (x_train, y_train), (x_test, y_test)

    def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
        return {f"word{index}": index - 3 for index in range(4, 2000)}

    _patch("keras.datasets.imdb", "load_data", load_data)
    _patch("keras.datasets.imdb", "get_word_index", get_word_index)


# --- pretrained weights and TFDS ----------------------------------------------------------------


@fixture('keras.applications.*(weights="imagenet")')
def no_pretrained_weights() -> None:
    """The application models build with random weights (`weights=None`): their ImageNet weights
    (tens to hundreds of MB) are not downloaded, so what they predict or transfer means nothing
    here; the shapes, layer counts and the code's flow are the real ones."""
    import functools
    import inspect
    import types

    import keras

    for name in dir(keras.applications):
        builder = getattr(keras.applications, name)
        if not (name[:1].isupper() and callable(builder)):
            continue

        def random_weights(*args: Any, __builder: Any = builder, **kwargs: Any) -> Any:
            call = inspect.signature(__builder).bind_partial(*args, **kwargs)  # keras3 passes weights by position
            if call.arguments.get("weights", "imagenet") == "imagenet":
                call.arguments["weights"] = None
            return __builder(*call.args, **call.kwargs)

        replacement = functools.wraps(builder)(random_weights)
        _patch("keras.applications", name, replacement)
        for module in vars(keras.applications).values():  # keras.applications.vgg19.VGG19, keras3's target
            if isinstance(module, types.ModuleType) and getattr(module, name, None) is builder:
                setattr(module, name, replacement)


@fixture("tfds.load(...)")
def tfds_random_images() -> None:
    """A stand-in `tensorflow_datasets` module (not installed) whose `load` returns, whatever the
    data set asked for, 240 seeded random-noise RGB images of 120-220 pixels a side labelled 0 or
    1, split as asked (`train[:40%]` and the like, by percentage; `tfds.Split.TEST` is all 240;
    `with_info=True` adds the image shape and split sizes): the pipeline and the model run as
    upstream wrote them, on data with nothing to learn."""
    import re
    import sys
    import types

    import numpy as np

    def load(name: str, split: Any = "train", as_supervised: bool = False, with_info: bool = False,
             **kwargs: Any) -> Any:
        import tensorflow as tf

        rng = np.random.default_rng(7)
        sizes = rng.integers(120, 220, (240, 2))
        images = [rng.integers(0, 256, (int(h), int(w), 3), dtype=np.uint8) for h, w in sizes]
        labels = rng.integers(0, 2, 240)

        def part(spec: str) -> Any:
            match = re.fullmatch(r"train\[(\d*)%?:(\d*)%?\]", spec.replace(" ", "")) or re.fullmatch("train()()", spec)
            start, stop = (int(match.group(1) or 0), int(match.group(2) or 100)) if match else (0, 100)
            chosen = range(len(images) * start // 100, len(images) * stop // 100)
            return tf.data.Dataset.from_generator(
                lambda: ((images[i], labels[i]) if as_supervised else {"image": images[i], "label": labels[i]}
                         for i in chosen),
                output_signature=(tf.TensorSpec((None, None, 3), tf.uint8), tf.TensorSpec((), tf.int64))
                if as_supervised else {"image": tf.TensorSpec((None, None, 3), tf.uint8),
                                       "label": tf.TensorSpec((), tf.int64)})

        datasets = [part(s) for s in split] if isinstance(split, (list, tuple)) else part(split)
        if not with_info:
            return datasets
        info = types.SimpleNamespace(
            features={"image": types.SimpleNamespace(shape=(None, None, 3)),
                      "label": types.SimpleNamespace(num_classes=2, names=["0", "1"])},
            splits={name: types.SimpleNamespace(num_examples=len(images)) for name in ("train", "test", "validation")})
        return datasets, info

    module = types.ModuleType("tensorflow_datasets")
    module.load = load  # type: ignore[attr-defined]
    module.Split = types.SimpleNamespace(TRAIN="train", TEST="test", VALIDATION="validation")  # type: ignore[attr-defined]
    module.disable_progress_bar = lambda: None  # type: ignore[attr-defined]
    sys.modules["tensorflow_datasets"] = module



@fixture("keras.utils.plot_model(...)")
def plot_model_as_summary() -> None:
    """`plot_model` prints the model's summary (nested and trainable columns as asked) instead of
    drawing the graph: drawing needs pydot and the Graphviz program, which the docs build does not
    install. The rest of the cell runs as upstream wrote it."""

    def plot_model(model: Any, to_file: str = "model.png", show_shapes: bool = False, show_dtype: bool = False,
                   show_layer_names: bool = False, rankdir: str = "TB", expand_nested: bool = False, dpi: int = 200,
                   show_layer_activations: bool = False, show_trainable: bool = False, splines: str = "ortho",
                   **kwargs: Any) -> None:
        print(f"plot_model({to_file!r}) is not drawn in the docs build (no Graphviz); the model's summary:")
        model.summary(expand_nested=expand_nested, show_trainable=show_trainable)

    _patch("keras.utils", "plot_model", plot_model)



@fixture('tfds.load("horses_or_humans", ...)')
def tfds_images_300() -> None:
    """After `tfds_random_images`: every image it gives is resized to 300x300, the one size of
    horses_or_humans' photos (a page that batches them without resizing needs one size)."""
    import sys

    import tensorflow as tf

    module = sys.modules["tensorflow_datasets"]
    load = module.load

    def resize(image: Any, *rest: Any) -> Any:
        image = tf.cast(tf.image.resize(image, (300, 300)), tf.uint8)
        return (image, *rest) if rest else image

    def sized(dataset: Any) -> Any:
        if isinstance(dataset.element_spec, dict):
            return dataset.map(lambda item: {**item, "image": resize(item["image"])})
        return dataset.map(resize)

    def load_300(*args: Any, with_info: bool = False, **kwargs: Any) -> Any:
        result = load(*args, with_info=with_info, **kwargs)
        datasets, info = result if with_info else (result, None)
        datasets = [sized(d) for d in datasets] if isinstance(datasets, list) else sized(datasets)
        if info is not None:
            info.features["image"].shape = (300, 300, 3)
        return (datasets, info) if with_info else datasets

    module.load = load_300  # type: ignore[attr-defined]


# --- a notebook's display and an accelerator ---------------------------------------------------


@fixture("from IPython.display import Image, display", downloads=False)
def notebook_display() -> None:
    """A stand-in `IPython.display` module (IPython is not a docs dependency): `display(...)` of
    an `Image(path)`, an image array or a PIL image draws it as a figure of the cell, which the
    page shows; any other object is printed, as `display` does outside a notebook."""
    import sys
    import types

    import matplotlib.pyplot as plt
    import numpy as np

    class Image:
        def __init__(self, filename: Any = None, data: Any = None, url: Any = None, **kwargs: Any) -> None:
            self.filename = filename if filename is not None else data

    def display(*objects: Any, **kwargs: Any) -> None:
        from PIL import Image as PILImage

        for shown in objects:
            picture = PILImage.open(shown.filename) if isinstance(shown, Image) else shown
            if isinstance(picture, (PILImage.Image, np.ndarray)):
                plt.figure()
                plt.imshow(np.asarray(picture), cmap="gray")
                plt.axis("off")
            else:
                print(shown)

    package, module = types.ModuleType("IPython"), types.ModuleType("IPython.display")
    module.Image, module.display = Image, display  # type: ignore[attr-defined]
    package.display = module  # type: ignore[attr-defined]
    # matplotlib (and tqdm) ask a loaded IPython for its version and its shell: this one has none
    package.get_ipython, package.version_info = (lambda: None), (0, 0)  # type: ignore[attr-defined]
    sys.modules.update({"IPython": package, "IPython.display": module})


@fixture("pl.pallas_call(...)", downloads=False)
def pallas_interpret_on_cpu() -> None:
    """Pallas kernels run in interpret mode (`pallas_call(..., interpret=True)`): jax compiles
    them only for a TPU or GPU, and on a CPU runs them only interpreted; the kernels' results are
    the same, their speed is not a TPU's."""
    import functools

    from jax.experimental import pallas

    _patch("jax.experimental.pallas", "pallas_call", functools.partial(pallas.pallas_call, interpret=True))


# --- files a page downloads: generator/docs/guides/served_files.py ----------------------------

for _name, (_replaces, _function) in served_files.SERVED.items():
    FIXTURES[_name] = Fixture(_name, _replaces, _function)
