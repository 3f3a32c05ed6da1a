"""Fixtures: what stands in for a download while a translated page runs. Each is a small function
that patches the downloading call (`keras.datasets.mnist.load_data`, `keras.utils.get_file`, ...)
in the page's own process with data it makes (digits drawn with the fonts matplotlib ships,
seeded synthetic reviews, ...); its docstring is what the page states. Not scikit-learn's bundled
sets: installed, scikit-learn changes Keras's own API (keras.wrappers.SKLearn* gain its methods),
and the snapshot with it. A page names its fixtures in
`generator/spec/gallery.toml`; the source of every fixture it uses is part of its output's key,
so editing a fixture re-runs the pages that use it.

A download no fixture covers fails where it is called: the page's process blocks the network,
and `keras.utils.get_file` raises naming its origin.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fixture:
    name: str
    replaces: str  # the call it stands in for, as the page shows it
    install: Callable[[], None]

    @property
    def description(self) -> str:
        """The first paragraph of the function's docstring, on one line."""
        doc = inspect.getdoc(self.install) or ""
        return " ".join(doc.split("\n\n")[0].split())

    def source(self) -> str:
        """The fixture's code (and the module's shared helpers): part of the output's key."""
        return inspect.getsource(self.install)


FIXTURES: dict[str, Fixture] = {}


def fixture(replaces: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(function: Callable[[], None]) -> Callable[[], None]:
        FIXTURES[function.__name__] = Fixture(function.__name__, replaces, function)
        return function

    return register


def helpers_source() -> str:
    """The helpers every fixture may use: part of every key, like a fixture's own code."""
    return "\n".join(inspect.getsource(f) for f in (_digits, _patch, _refuse_download)) + repr(_FONTS)


# --- helpers ----------------------------------------------------------------------------------


_FONTS = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique", "DejaVuSansMono",
          "DejaVuSansMono-Bold", "DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic",
          "DejaVuSerif-BoldItalic", "STIXGeneral", "STIXGeneralBol", "STIXGeneralItalic", "cmr10", "cmss10",
          "cmtt10", "cmb10")


def _digits(size: int, channels: int | None, label_shape: tuple[int, ...] = (), count: int = 1800,
            train: int = 1500) -> Any:
    """`count` images of the digits 0-9 drawn with the fonts matplotlib ships (17 faces), each
    rotated, scaled and shifted at random (seeded), as uint8 images of `size` x `size` (white on
    black, like MNIST), split `train` / the rest the way `load_data()` returns train and test."""
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
    return (images[:train], labels[:train]), (images[train:], labels[train:])


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


def _refuse_download(*args: Any, **kwargs: Any) -> Any:
    origin = kwargs.get("origin") or (args[1] if len(args) > 1 else args[0] if args else "?")
    raise RuntimeError(f"download blocked in the docs build: get_file({origin!r}) has no fixture "
                       "(declare one in generator/spec/gallery.toml)")


def install(names: list[str]) -> None:
    """In the page's process: `get_file` refuses, then each named fixture patches its call."""
    _patch("keras.utils", "get_file", _refuse_download)
    for name in names:
        FIXTURES[name].install()


# --- data sets --------------------------------------------------------------------------------


@fixture("keras.datasets.mnist.load_data()")
def mnist_digits() -> None:
    """1,800 digits drawn with the 17 font faces matplotlib ships, each rotated, scaled and shifted
    at random (seeded), as 28x28 uint8 images, white on black, stand in for MNIST's 70,000
    handwritten ones: 1,500 train and 300 test images, labels 0-9."""
    _patch("keras.datasets.mnist", "load_data", lambda path="mnist.npz": _digits(28, None))


@fixture("keras.datasets.fashion_mnist.load_data()")
def fashion_mnist_digits() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 28x28 uint8 images stand in for Fashion-MNIST (its class names then name the digits 0-9):
    1,500 train and 300 test images."""
    _patch("keras.datasets.fashion_mnist", "load_data", lambda: _digits(28, None))


@fixture("keras.datasets.cifar10.load_data()")
def cifar10_digits() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 32x32 RGB uint8 images stand in for CIFAR-10's photos (ten classes, labels of shape (n, 1)):
    1,500 train and 300 test images."""
    _patch("keras.datasets.cifar10", "load_data", lambda: _digits(32, 3, (1,)))


@fixture("keras.datasets.cifar100.load_data()")
def cifar100_digits() -> None:
    """1,800 digits drawn with the font faces matplotlib ships (rotated, scaled, shifted at random)
    as 32x32 RGB uint8 images stand in for CIFAR-100's photos (only ten of the hundred classes
    occur): 1,500 train and 300 test images."""
    _patch("keras.datasets.cifar100", "load_data", lambda label_mode="fine": _digits(32, 3, (1,)))


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

    def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
                  maxlen: int | None = None, **kwargs: Any) -> Any:
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
