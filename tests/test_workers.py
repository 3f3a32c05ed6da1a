"""How `make test` shares work between its two pytest-xdist workers (`--dist loadgroup`): the tests
of one module run on one worker, so a module- or session-scoped fixture is computed once, not once
per worker (tests/conftest.py gives each test with no `xdist_group` mark its module's group); the
tests of a named group run on one worker whichever modules they are in.

Checked on a throwaway suite run by the installed pytest and pytest-xdist with this repository's
conftest as a plugin: a pytest that no longer lets xdist's groups hold (pytest 9.2 with xdist 3.8,
pytest-dev/pytest-xdist#1386) fails here rather than silently doubling the suite's work.
Cost: one child pytest with two workers, about 3 s of CPU.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODULE = """
import pytest

@pytest.mark.parametrize("i", range(6))
def test_plain(i):
    pass

@pytest.mark.xdist_group("shared")
@pytest.mark.parametrize("i", range(3))
def test_grouped(i):
    pass
"""


def test_a_module_and_a_named_group_each_run_on_one_worker(tmp_path: Path) -> None:
    for name in ("test_one.py", "test_two.py", "test_three.py"):
        (tmp_path / name).write_text(textwrap.dedent(MODULE), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v",
                             "-p", "no:cacheprovider", "-p", "tests.conftest", "--rootdir", str(tmp_path),
                             "-c", os.devnull, str(tmp_path)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ran = re.findall(r"\[(gw\d)\] \[ *\d+%\] PASSED (test_\w+\.py)::(test_\w+)\[", result.stdout)
    assert len(ran) == 27, result.stdout[-3000:]
    workers: dict[str, set[str]] = {}
    for worker, module, test in ran:
        workers.setdefault("shared" if test == "test_grouped" else module, set()).add(worker)
    assert workers.keys() == {"test_one.py", "test_two.py", "test_three.py", "shared"}
    assert all(len(used) == 1 for used in workers.values()), workers
    # with four groups and two workers, both are used
    assert len(set.union(*workers.values())) == 2, workers
