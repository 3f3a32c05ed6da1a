"""Fixtures of the tests that run the toolkit on copies of the repository."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.repo_copies import copy_repository


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A copy of the repository as committed (package in step with the pinned, installed Keras)."""
    return copy_repository(tmp_path_factory.mktemp("pristine") / "repo")


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(pristine, copy)
    return copy
