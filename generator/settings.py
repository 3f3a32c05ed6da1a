"""The project's settings: where each part of the repository lives, and which Keras it binds.

Every stage reads its paths and the pinned release from here, and this module imports no stage:
the pin used to be read by the drift check, a consumer of every stage, so the docs and the package
builder, which need the pin too, imported the drift check and it imported them back.

* Paths: all relative to the repository this module belongs to (a copy of the repository, as the
  robustness tests make, reads and writes its own tree).
* Releases: Keras releases are PEP 440 versions, written canonically (`version_key`); the
  pinned release is the `keras==V` (or `keras-nightly==V`) pin of pyproject.toml's `backends`
  extra, the releases the package supports its `keras` requirement (`keras>=3.0.0`).
"""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from generator.tomlfiles import read_toml

REPO_ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = REPO_ROOT / "pyproject.toml"
SPEC_DIR = REPO_ROOT / "generator" / "spec"  # the binding spec, as data (*.toml)
STORE_ROOT = REPO_ROOT / "upstream_snapshots"  # one snapshot per Keras release
ALLOWLIST = STORE_ROOT / "allowlist.toml"  # drift the drift check accepts
TEMPLATES = REPO_ROOT / "templates"  # jinja2 templates of the package; `docs/` those of the site
GENERATED = REPO_ROOT / "generated"  # the emitted package and the docs sources
PACKAGE = GENERATED / "keras3"
OVERRIDES_FILE = PACKAGE / "overrides.py"  # hand-written wrappers (read, never written)
CACHE = REPO_ROOT / ".cache"  # releases installed in isolation, example runs, docs builds (not in git)
SITE_DIR = REPO_ROOT / "site"  # the built docs site (not in git)

# The distributions that provide the `keras` module: finals come as `keras`, development builds
# of the next release (before it ships) as `keras-nightly`. Which one did is read from the module.
KERAS_DISTRIBUTIONS = ("keras", "keras-nightly")


def version_key(version: str) -> Version:
    """Sort key for Keras release strings, in PEP 440 order.

    "3.10.0" sorts after "3.9.2" (numeric, not lexical) and a development or release-candidate
    build of `keras-nightly` ("3.16.0.dev2026102704", "3.16.0rc1") before its final "3.16.0".
    Only the canonical spelling is accepted, since the string also names the stored file
    (`keras-<version>.json`): two spellings of one version would be two files.
    """
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise ValueError(f"not a Keras release number: {version!r} (expected a PEP 440 version such as "
                         "3.15.1 or 3.16.0.dev2026102704)") from None
    if str(parsed) != version:
        raise ValueError(f"not a canonical Keras release number: {version!r} (write it {str(parsed)!r})")
    return parsed


def pinned_release(pyproject: Path = PYPROJECT) -> str:
    """The Keras release the repo is pinned to: the `keras==V` (or `keras-nightly==V`) requirement
    of pyproject.toml's `backends` extra, a PEP 440 version."""
    data = read_toml(pyproject, ValueError)
    extras = data.get("project", {}).get("optional-dependencies", {})
    for line in extras.get("backends", []):
        requirement = Requirement(line)
        pins = [s.version for s in requirement.specifier if s.operator == "=="]
        if canonicalize_name(requirement.name) in KERAS_DISTRIBUTIONS and len(pins) == 1:
            version_key(pins[0])  # a clear error for a pin that is not a canonical release number
            return pins[0]
    raise LookupError(f'{pyproject}: no "keras==V" (or "keras-nightly==V") pin in the backends extra')


def supported_releases(pyproject: Path = PYPROJECT) -> SpecifierSet:
    """The Keras releases the package supports: its `keras` requirement (`keras>=3.0`)."""
    dependencies = read_toml(pyproject, ValueError).get("project", {}).get("dependencies", [])
    for line in dependencies:
        requirement = Requirement(line)
        if requirement.name == "keras":
            return requirement.specifier
    return SpecifierSet()


def toolkit_version(pyproject: Path = PYPROJECT) -> str:
    """This toolkit's version (pyproject.toml's `project.version`), recorded in what it stores."""
    return str(read_toml(pyproject, ValueError).get("project", {}).get("version", "unknown"))
