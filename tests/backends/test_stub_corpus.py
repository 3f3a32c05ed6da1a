"""The stubs' typed-usage corpus is real code: its training loop from scratch for the active backend
(tests/stubs/typed_usage/training_<backend>.py, type-checked in tests/stubs) runs on that backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keras
import pytest

from .conftest import NUMPY_CANNOT_TRAIN

CORPUS = Path(__file__).resolve().parents[1] / "stubs" / "typed_usage"


def test_the_training_loop_of_this_backend_runs(tmp_path):
    program = CORPUS / f"training_{keras.config.backend()}.py"
    if not program.exists():
        pytest.skip(NUMPY_CANNOT_TRAIN)
    result = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("\n") >= 2  # one line per step: the loop ran
