"""Keras releases are PEP 440 versions: finals, post releases and keras-nightly builds alike."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.settings import pinned_release
from generator.settings import version_key
from generator.regenerate import generated_release
from generator.upstream.releases import ReleaseError, distributions_for, install_release, pins_for

REPO = Path(__file__).resolve().parents[2]
NIGHTLY = "3.16.0.dev2026102704"  # upstream's 3.16.0 development build on the package index


def test_versions_sort_in_pep_440_order_not_as_text():
    spelled = ["3.16.0", "3.9.2", "3.16.0rc1", "3.15.1.post1", NIGHTLY, "3.10.0", "3.16.0.dev2026110101",
               "3.15.1"]
    assert sorted(spelled, key=version_key) == [
        "3.9.2", "3.10.0", "3.15.1", "3.15.1.post1", NIGHTLY, "3.16.0.dev2026110101", "3.16.0rc1", "3.16.0"]


@pytest.mark.parametrize("bad", ["3.x", "latest", "", "3.15.1 ", "../keras"])
def test_what_is_not_a_version_is_refused_with_the_value(bad):
    with pytest.raises(ValueError, match=r"not a (canonical )?Keras release number: " + re.escape(repr(bad))):
        version_key(bad)


def test_a_development_build_comes_from_keras_nightly_a_final_from_keras():
    assert distributions_for(NIGHTLY) == ("keras-nightly",)
    assert distributions_for("3.16.0rc1") == ("keras-nightly", "keras")
    assert distributions_for("3.15.1") == distributions_for("3.15.1.post1") == ("keras",)
    assert pins_for(NIGHTLY) == []


@pytest.mark.parametrize("bad", ["2.15.0", "3.15", "3.15.1+cpu"])
def test_install_refuses_what_is_no_keras_3_release(tmp_path, bad):
    with pytest.raises(ReleaseError, match="not a Keras 3 release"):
        install_release(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_pin_is_read_from_either_distribution(tmp_path):
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    pin = pinned_release()
    line = next(f'"{d}=={pin}"' for d in ("keras", "keras-nightly") if f'"{d}=={pin}"' in text)
    for other, version in (("keras-nightly", NIGHTLY), ("keras", "3.99.1")):
        swapped = tmp_path / f"{other}.toml"
        swapped.write_text(text.replace(line, f'"{other}=={version}"'), encoding="utf-8")
        assert pinned_release(swapped) == version
    missing = tmp_path / "none.toml"
    missing.write_text(text.replace(line, '"keras>=3"'), encoding="utf-8")
    with pytest.raises(LookupError, match="none.toml"):
        pinned_release(missing)


def test_a_package_generated_from_a_nightly_names_its_release():
    header = f"# from\n# upstream_snapshots/keras-{NIGHTLY}.json (sha256 0123),\n"
    assert generated_release(header) == NIGHTLY
    assert generated_release(header.replace(NIGHTLY, pinned_release())) == pinned_release()


def test_the_installed_version_is_read_from_the_module_not_a_distribution():
    """keras-nightly provides the `keras` module without a `keras` distribution: first on the path
    of a child, the module says which build it is, while `keras`'s metadata names the venv's."""
    target = install_release(NIGHTLY)
    code = ("import importlib.metadata, keras; from generator.upstream.introspect import _keras_version; "
            "print(_keras_version(keras), importlib.metadata.version('keras'))")
    path = os.pathsep.join(filter(None, [str(target), str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO, check=False,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    module_version, distribution_version = result.stdout.split()
    assert module_version == NIGHTLY
    assert distribution_version != NIGHTLY  # what `keras`'s metadata would have claimed
    assert (target / f"keras_nightly-{NIGHTLY}.dist-info").is_dir() and not list(target.glob("keras-*.dist-info"))
