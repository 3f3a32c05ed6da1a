"""Before Keras is imported: is it Keras 3, and is the active backend's package installed?

Importing a Keras 2 would snapshot an API of 0 paths (and store it as a release); importing Keras
with a backend whose package is missing ends in a traceback deep inside Keras. Both are read
from what is on disk (the package's distribution metadata, the backend setting), so each gives
one `error:` line and nothing is imported, computed or stored.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from generator.settings import pinned_release

# The modules each Keras backend imports (the numpy backend imports jax too), and how to get them.
BACKEND_PACKAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "jax": (("jax", "pip install 'jax[cpu]'"),),
    "torch": (("torch", "pip install torch"),),
    "tensorflow": (("tensorflow", "pip install tensorflow-cpu"),),
    "numpy": (("numpy", "pip install numpy"), ("jax", "pip install 'jax[cpu]'")),
    "openvino": (("openvino", "pip install openvino"),),
}
_VERSION_LINE = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


class PreflightError(ValueError):
    """The installed Keras cannot be snapshotted; the message says what to install."""


def keras_location() -> Path:
    try:
        spec = importlib.util.find_spec("keras")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise PreflightError("Keras is not installed: pip install 'keras>=3'")
    return Path(next(iter(spec.submodule_search_locations)))


def installed_keras_version(location: Path) -> str | None:
    """The version of the Keras package at `location`, from its metadata, without importing it."""
    for distribution in metadata.distributions(path=[str(location.parent)]):
        if canonicalize_name(distribution.metadata["Name"] or "") in ("keras", "keras-nightly"):
            return distribution.version
    for file in (location / "src" / "version.py", location / "__init__.py"):  # a source checkout
        match = _VERSION_LINE.search(file.read_text(encoding="utf-8")) if file.is_file() else None
        if match:
            return match.group(1)
    return None


def unpinned_keras() -> str | None:
    """A warning when the installed Keras is not the release pyproject.toml pins (a bumped pin
    without a reinstall), read from metadata without importing Keras; None when they agree."""
    try:
        found, pin = installed_keras_version(keras_location()), pinned_release()
    except (PreflightError, LookupError, ValueError):
        return None  # no Keras or no pin: the run's own checks say so
    if found == pin:
        return None
    return (f"the installed Keras is {found}, but pyproject.toml pins {pin}: this run regenerates for "
            f"{found}; after bumping the pin, reinstall first (make venv)")


def active_backend() -> str:
    """The backend Keras will pick: KERAS_BACKEND, else keras.json, else Keras's default."""
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = Path(os.environ["KERAS_HOME"]) if os.environ.get("KERAS_HOME") else Path.home() / ".keras"
    try:
        backend = json.loads((home / "keras.json").read_text(encoding="utf-8")).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    return backend if isinstance(backend, str) else "tensorflow"


def check_keras_installation() -> str:
    """The installed Keras version, once it is known to be Keras 3 with its backend installed."""
    location = keras_location()
    found = installed_keras_version(location)
    try:
        major = Version(found).major if found else None
    except InvalidVersion:
        major = None
    if major != 3:
        raise PreflightError(f"the Keras at {location} is {found or 'of unknown version'}; keras3 binds "
                             "Keras 3 only: pip install 'keras>=3' (nothing imported, nothing stored)")
    backend = active_backend()
    if backend not in BACKEND_PACKAGES:
        raise PreflightError(f"KERAS_BACKEND is {backend!r}; Keras 3 backends: {', '.join(BACKEND_PACKAGES)}")
    for module, install in BACKEND_PACKAGES[backend]:
        try:
            present = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            present = False
        if not present:
            raise PreflightError(f"the Keras backend {backend!r} needs the {module!r} package, which is not "
                                 f"installed: {install}, or choose another with KERAS_BACKEND")
    return found or ""
