"""`python -m generator coverage` and `python -m generator typing-report`: the binding's figures.

Coverage reads only the store and the spec. The typing report also runs pyright (strict mode on
generated/keras3, and --verifytypes on an installed-style copy, since pyright does not follow an
editable install there).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from generator.binding.model import Binding, Wrapper
from generator.binding.typing_rules import IMPRECISE
from generator.settings import PACKAGE
from generator.settings import REPO_ROOT as REPO

PYRIGHT = Path(sys.executable).with_name("pyright")
TARGET = 0.95  # share of returns and of parameters typed more precisely than Any/object


@dataclass(frozen=True)
class TypingFigures:
    parameters: int
    precise: int
    pyright_errors: int
    exported: int
    known: int
    wrappers: int = 0
    precise_returns: int = 0
    upstream_pyright_errors: int = 0

    @property
    def returns_share(self) -> float:
        return self.precise_returns / self.wrappers if self.wrappers else 1.0

    @property
    def precise_share(self) -> float:
        return self.precise / self.parameters if self.parameters else 1.0

    @property
    def known_share(self) -> float:
        return self.known / self.exported if self.exported else 0.0


def typed_parameters(binding: Binding, family: str | None = None) -> tuple[int, int]:
    """(parameters, those typed more precisely than Any/object); the composition and
    y_true/y_pred arguments and *args/**kwargs are not upstream's typed parameters."""
    params = [p for w in binding.wrappers for p in w.params
              if (family is None or w.family == family)
              and p.forward != "none" and p.kind not in ("var_positional", "var_keyword")]
    return len(params), sum(p.annotation not in IMPRECISE for p in params)


def returns_precisely(w: Wrapper) -> bool:
    """A wrapper's return is precise when every form a checker can pick is: each overload of a
    layer or loss/metric wrapper, both the symbolic and the general form of an op."""
    forms = [returns for _, returns in w.overloads] if w.overloads else [w.returns]
    forms += [w.symbolic_returns] if w.symbolic_returns else []
    return all(form not in IMPRECISE for form in forms)


def typed_returns(binding: Binding, family: str | None = None) -> tuple[int, int]:
    """(wrappers, those whose return is typed more precisely than Any/object)."""
    wrappers = [w for w in binding.wrappers if family is None or w.family == family]
    return len(wrappers), sum(returns_precisely(w) for w in wrappers)


# `from keras... import X as X`: keras3 re-exports an upstream class unchanged. When pyright cannot
# infer that class (Keras 3.16 builds `keras.Variable` by a backend-dependent star import), the
# unknown type is Keras's, not keras3's: counted apart, never hidden.
_REEXPORT = re.compile(r"\s*from keras[\w.]* import \w+ as \w+\s*$")


def _is_upstream_reexport(file: str, line: int) -> bool:
    lines = Path(file).read_text(encoding="utf-8").splitlines()
    return 0 < line <= len(lines) and _REEXPORT.match(lines[line - 1]) is not None


def pyright_strict_errors() -> tuple[list[str], list[str]]:
    """pyright strict on the package: (errors keras3 owns, errors from an upstream class that keras3
    re-exports unchanged and pyright cannot infer), each as "file:line: message"."""
    diagnostics = _pyright_strict_diagnostics()
    return ([m for m, upstream in diagnostics if not upstream], [m for m, upstream in diagnostics if upstream])


def _pyright_strict_diagnostics() -> list[tuple[str, bool]]:
    # pyproject.toml's [tool.pyright] names .venv, whose Keras is the pin: checking the package
    # regenerated against another Keras (a keras-nightly first on PYTHONPATH) must read that one.
    # A config extending pyproject's puts the import root of the Keras this process would import
    # first (pyright reads extraPaths before the environment's site-packages). Found, not imported:
    # only introspect imports Keras.
    # keras3 itself resolves to the package checked (not whatever an editable install points at).
    spec = importlib.util.find_spec("keras")
    roots = [str(PACKAGE.parent), *([str(Path(spec.origin).parent.parent)] if spec is not None and spec.origin else [])]
    with tempfile.TemporaryDirectory(prefix="keras3-pyright-") as folder:
        config = Path(folder) / "pyrightconfig.json"
        config.write_text(json.dumps({"extends": str(REPO / "pyproject.toml"), "extraPaths": roots}),
                          encoding="utf-8")
        result = subprocess.run([str(PYRIGHT), "--outputjson", "--project", str(config)], cwd=REPO,
                                capture_output=True, text=True)
    report = json.loads(result.stdout)
    diagnostics = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    return [(f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message'].splitlines()[0]}",
             d.get("rule", "").startswith("reportUnknown")
             and _is_upstream_reexport(d["file"], d["range"]["start"]["line"] + 1))
            for d in diagnostics]


def verify_types() -> tuple[int, int]:
    """(exported symbols, those with known types) from `pyright --verifytypes keras3`."""
    with tempfile.TemporaryDirectory(prefix="keras3-verify-") as folder:
        shutil.copytree(PACKAGE, Path(folder) / "keras3", ignore=shutil.ignore_patterns("__pycache__"))
        # Added to, not replacing, PYTHONPATH: a Keras installed in isolation stays the one read.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [folder, os.environ.get("PYTHONPATH")]))}
        result = subprocess.run([str(PYRIGHT), "--verifytypes", "keras3", "--ignoreexternal", "--outputjson",
                                 "--pythonpath", sys.executable], cwd=folder, env=env, capture_output=True, text=True)
    counts = json.loads(result.stdout)["typeCompleteness"]["exportedSymbolCounts"]
    exported = counts["withKnownType"] + counts["withAmbiguousType"] + counts["withUnknownType"]
    return exported, counts["withKnownType"]


def typing_figures(binding: Binding) -> TypingFigures:
    parameters, precise = typed_parameters(binding)
    wrappers, precise_returns = typed_returns(binding)
    errors, upstream = pyright_strict_errors()
    exported, known = verify_types()
    return TypingFigures(parameters, precise, len(errors), exported, known, wrappers, precise_returns, len(upstream))


def print_typing_report(binding: Binding) -> int:
    figures = typing_figures(binding)
    console = Console(highlight=False, width=110)
    table = Table(title=f"keras3 typing, from the snapshot of Keras {binding.keras_version}", title_justify="left")
    for column in ("figure", "measured", "target"):
        table.add_column(column)
    table.add_row("pyright --strict errors on generated/keras3", str(figures.pyright_errors), "0")
    table.add_row("  besides: errors in Keras's own types keras3 re-exports", str(figures.upstream_pyright_errors), "(upstream's)")
    table.add_row("pyright --verifytypes: exported symbols with known type",
                  f"{figures.known}/{figures.exported} ({figures.known_share:.1%})", "100%")
    table.add_row("returns typed more precisely than Any/object",
                  f"{figures.precise_returns}/{figures.wrappers} ({figures.returns_share:.1%})", f"≥ {TARGET:.0%}")
    table.add_row("parameters typed more precisely than Any/object",
                  f"{figures.precise}/{figures.parameters} ({figures.precise_share:.1%})", f"≥ {TARGET:.0%}")
    console.print(table)
    console.print(family_table(binding))
    ok = (figures.pyright_errors == 0 and figures.known == figures.exported
          and figures.precise_share >= TARGET and figures.returns_share >= TARGET)
    return 0 if ok else 1


def family_table(binding: Binding) -> Table:
    """Returns share beside parameters share, per family (keras3 module)."""
    table = Table(title="precise types per family", title_justify="left")
    for column in ("family", "returns", "parameters"):
        table.add_column(column)
    for family in binding.families:
        wrappers, returns = typed_returns(binding, family)
        parameters, precise = typed_parameters(binding, family)
        if wrappers:
            table.add_row(family, _share(returns, wrappers), _share(precise, parameters))
    return table


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "-"


def print_coverage(binding: Binding) -> int:
    console = Console(highlight=False, width=110)
    wrapped = Counter(w.family for w in binding.wrappers)
    table = Table(title=f"keras3 coverage of Keras {binding.keras_version}", title_justify="left")
    for column in ("family (keras3 module)", "wrappers"):
        table.add_column(column)
    for family in binding.families:
        table.add_row(family, str(wrapped.get(family, 0)))
    table.add_row("[bold]wrapped[/]", str(len(binding.wrappers)))
    table.add_row("subclassing bases re-exported", str(len(binding.bases)))
    table.add_row("skipped, each with its reason", str(len(binding.skipped)))
    table.add_row("public callables neither wrapped nor skipped", str(len(binding.uncovered)))
    console.print(table)
    for path in binding.uncovered:
        console.print(f"[red]not covered:[/] {path}")
    return 0 if not binding.uncovered else 1
