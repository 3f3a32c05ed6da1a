"""Fixtures of the package tests: one pyright run over the code snippets the test modules check."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.checks.reports import PYRIGHT


@pytest.fixture(scope="session")
def pyright_snippets(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    """pyright's diagnostics (standard mode, as in a user's editor), per file, for every snippet the
    session's test modules declare in `PYRIGHT_SNIPPETS` ({file name: code}): all written to one
    folder and checked by one pyright run, since each run analyses keras3 and Keras anew (about 8 s of
    CPU). A test that uses it is in the xdist group "pyright-snippets", so one worker runs it."""
    snippets: dict[str, str] = {}
    for module in {item.module for item in request.session.items if getattr(item, "module", None)}:
        for name, code in getattr(module, "PYRIGHT_SNIPPETS", {}).items():
            assert snippets.setdefault(name, code) == code, f"two different snippets named {name}"
    folder = tmp_path_factory.mktemp("pyright-snippets")
    for name, code in snippets.items():
        (folder / name).write_text(textwrap.dedent(code), encoding="utf-8")
    result = subprocess.run([str(PYRIGHT), "--outputjson", "--pythonpath", sys.executable, *sorted(snippets)],
                            cwd=folder, capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    assert report["summary"]["filesAnalyzed"] == len(snippets), report["summary"]
    found: dict[str, list[dict]] = {name: [] for name in snippets}
    for diagnostic in report["generalDiagnostics"]:
        found[Path(diagnostic["file"]).name].append(diagnostic)
    return found
