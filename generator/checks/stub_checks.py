"""The proofs of the Keras stubs (generated/keras-stubs), as functions the tests and
`python -m generator stubs-report` share: mypy's stubtest against the installed Keras, pyright's
--verifytypes, both checkers on a corpus of programs, and the peer suite (keras.io's own code).

Each checker reads the committed stubs through a temporary folder holding them as a plain `keras`
stub package (`stub_root`), first on the checker's path: what is checked is generated/keras-stubs,
whether or not (and whichever copy) the interpreter has installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.render.stubs import PACKAGE_DIR, STUBS
from generator.settings import REPO_ROOT, SPEC_DIR
from generator.tomlfiles import Kind, fields, read_toml

PYRIGHT = Path(sys.executable).with_name("pyright")
STUBTEST_ALLOWLIST = SPEC_DIR / "stubtest_allowlist.txt"
PEERS = REPO_ROOT.parent / "shared" / "upstream-tutobooks"
PEER_CLASSES = SPEC_DIR / "peer_suite.toml"


@contextmanager
def stub_root(stubs: Path = STUBS) -> Iterator[Path]:
    """A folder holding the stubs as package `keras` (py.typed complete), for MYPYPATH and
    pyright's extraPaths, and for --verifytypes, which wants the package it verifies typed."""
    with tempfile.TemporaryDirectory(prefix="keras-stubs-") as folder:
        shutil.copytree(stubs / PACKAGE_DIR, Path(folder) / "keras", ignore=shutil.ignore_patterns("__pycache__"))
        (Path(folder) / "keras" / "py.typed").write_text("", encoding="utf-8")
        yield Path(folder)


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "MYPYPATH": str(root), "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax")}


# --- stubtest ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StubtestResult:
    returncode: int
    errors: tuple[str, ...]  # one line per finding (--concise), allowlisted ones left out
    entries: int  # allowlist entries


def allowlist_entries(file: Path = STUBTEST_ALLOWLIST) -> list[tuple[str, str]]:
    """(entry, the reason above it): each regex line with the comment block that opens its group
    (a group: a blank line, comment lines, then its entries, with no blank line between)."""
    entries: list[tuple[str, str]] = []
    reason, block = "", []
    for line in file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            reason, block = "", []
        elif line.startswith("#"):
            block.append(line.lstrip("# ").strip())
        else:
            if block:
                reason, block = " ".join(block), []
            entries.append((line.strip(), reason))
    return entries


def run_stubtest(root: Path) -> StubtestResult:
    result = subprocess.run([sys.executable, "-m", "mypy.stubtest", "keras", "--concise", "--allowlist",
                             str(STUBTEST_ALLOWLIST), "--mypy-config-file", os.devnull],
                            env=_env(root), capture_output=True, text=True, cwd=root)
    errors = tuple(line for line in result.stdout.splitlines() if line.strip())
    return StubtestResult(result.returncode, errors, len(allowlist_entries()))


# --- pyright --verifytypes ----------------------------------------------------------------------------


def verify_types(root: Path) -> tuple[int, int]:
    """(exported symbols of `keras`, those whose type pyright knows), read from the stubs."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([str(PYRIGHT), "--verifytypes", "keras", "--ignoreexternal", "--outputjson",
                             "--pythonpath", sys.executable], cwd=root, env=env, capture_output=True, text=True)
    counts = json.loads(result.stdout)["typeCompleteness"]["exportedSymbolCounts"]
    return sum(counts.values()), counts["withKnownType"]


# --- checkers on a folder of programs -------------------------------------------------------------------


def pyright_errors(folder: Path, root: Path, files: list[str] | None = None,
                   config: Path | None = None) -> list[dict[str, object]]:
    """pyright's error diagnostics on `folder` (its own pyrightconfig.json, or `config`), with the
    stubs first on the path."""
    programs = [str(folder / f) for f in files] if files else [str(p) for p in sorted(folder.rglob("*.py"))]
    with tempfile.TemporaryDirectory(prefix="keras-stubs-pyright-") as scratch:
        base = json.loads((config or folder / "pyrightconfig.json").read_text(encoding="utf-8"))
        settings = Path(scratch) / "pyrightconfig.json"
        settings.write_text(json.dumps({**base, "extraPaths": [str(root)]}), encoding="utf-8")
        # The programs on the command line: pyright ignores absolute paths in a config's "include".
        result = subprocess.run([str(PYRIGHT), "--outputjson", "--project", str(settings), "--pythonpath",
                                 sys.executable, *programs], cwd=folder, capture_output=True, text=True)
    report = json.loads(result.stdout)
    if report["summary"]["filesAnalyzed"] < len(programs):
        raise RuntimeError(f"pyright analysed {report['summary']['filesAnalyzed']} of {len(programs)} programs "
                           f"in {folder}: {result.stderr.strip()[:500]}")
    return [d for d in report["generalDiagnostics"] if d["severity"] == "error"]


def mypy_errors(folder: Path, root: Path, files: list[str] | None = None, config: Path | None = None) -> list[str]:
    """mypy's error lines on `folder` (its mypy.ini, or `config`), with the stubs on MYPYPATH."""
    cache = Path(tempfile.gettempdir()) / "keras-stubs-mypy-cache"
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(config or folder / "mypy.ini"),
                             "--cache-dir", str(cache), *(files or ["."])],
                            cwd=folder, env=_env(root), capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if ": error:" in line]


# --- the peer suite ------------------------------------------------------------------------------------------


PeerError = tuple[str, str, str]  # (program, rule, message)

_PEER_CONFIG = {"typeCheckingMode": "basic", "pythonVersion": "3.11", "reportMissingImports": "none",
                "reportMissingModuleSource": "none", "reportAttributeAccessIssue": "error"}


def peer_programs(peers: Path, folder: Path) -> list[Path]:
    """The Python of keras.io's guides and examples, copied into `folder` (one file per name, the
    newest source first): keras-io's guides and examples; from the tutobooks bundle, Keras's own
    guides and demos (branch main) and the 98 keras.io examples of tag keras-io-examples-last."""
    sources = [p for sub in ("guides", "examples") for p in sorted((peers / "keras-io" / sub).rglob("*.py"))]
    bundle = peers / "keras-tutobooks.bundle"
    if bundle.exists():
        clone = folder / "clone"
        subprocess.run(["git", "clone", "--quiet", str(bundle), str(clone)], check=True, capture_output=True)
        sources += [p for sub in ("guides", "examples") for p in sorted((clone / sub).glob("*.py"))]
        old = folder / "examples-last"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(clone), "archive", "keras-io-examples-last", "examples/keras_io"],
                                 check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True, capture_output=True)
        sources += sorted(old.rglob("*.py"))
    copied: dict[str, Path] = {}
    for source in sources:
        if source.stem in copied:
            continue
        target = folder / "programs" / f"{source.stem}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied[source.stem] = target
    return list(copied.values())


@dataclass(frozen=True)
class PeerResult:
    programs: int
    errors: tuple[PeerError, ...]

    def by_rule(self) -> Counter[str]:
        return Counter(rule for _, rule, _ in self.errors)

    def keras_errors(self) -> tuple[PeerError, ...]:
        """Errors whose message names a Keras type (the stubs' part; the rest is the program's own)."""
        return tuple(e for e in self.errors if _KERAS_WORDS.search(e[2]))


_KERAS_WORDS = re.compile(r"KerasTensor|Tensor\b|TensorLike|keras|Layer|Model|Sequential|Dense|Variable|Int\b|Float\b")


def peer_suite(peers: Path, root: Path) -> PeerResult:
    """pyright (basic mode) with the stubs on every keras.io guide and example; a program that
    pyright cannot resolve an import of (a dataset package, tensorflow_datasets...) is still checked,
    its missing imports not counted."""
    with tempfile.TemporaryDirectory(prefix="keras-peers-") as scratch:
        programs = peer_programs(peers, Path(scratch))
        if not programs:
            return PeerResult(0, ())
        config = Path(scratch) / "peer.json"
        config.write_text(json.dumps(_PEER_CONFIG), encoding="utf-8")
        diagnostics = pyright_errors(Path(scratch) / "programs", root, config=config)
    errors = tuple((Path(str(d["file"])).name, str(d.get("rule", "")),
                    str(d["message"]).splitlines()[0]) for d in diagnostics)
    return PeerResult(len(programs), errors)


# --- the peer suite's errors, sorted (spec/peer_suite.toml) ----------------------------------------------------

class PeerClassError(ValueError):
    """peer_suite.toml is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class PeerClass:
    """An accepted group of peer-suite errors: those of `rule` (any when empty) in `programs` (any
    when empty) whose message `message` matches."""

    number: int
    kind: str
    reason: str
    message: re.Pattern[str]
    rule: str = ""
    programs: frozenset[str] = frozenset()

    def accepts(self, error: PeerError) -> bool:
        program, rule, message = error
        return ((not self.programs or program in self.programs) and (not self.rule or rule == self.rule)
                and self.message.search(message) is not None)

    def __str__(self) -> str:
        return f"accept {self.number} ({self.kind}: {self.reason[:60]})"


def load_peer_classes(path: Path = PEER_CLASSES) -> tuple[PeerClass, ...]:
    data = fields(read_toml(path, PeerClassError), path, "top level", {"kinds": "table[str]", "accept": "list[table]"},
                  PeerClassError, required=("kinds", "accept"))
    known: dict[str, Kind] = {"kind": "str", "reason": "str", "message": "str", "rule": "str", "programs": "list[str]"}
    classes = []
    for number, raw in enumerate(data["accept"], start=1):
        entry = fields(raw, path, f"accept {number}", known, PeerClassError, required=("kind", "reason", "message"))
        if entry["kind"] not in data["kinds"]:
            raise PeerClassError(f"{path}: accept {number}: kind {entry['kind']!r} is not one of [kinds] "
                                 f"({', '.join(data['kinds'])})")
        try:
            pattern = re.compile(entry["message"])
        except re.error as problem:
            raise PeerClassError(f"{path}: accept {number}: message {entry['message']!r}: {problem}") from None
        classes.append(PeerClass(number, entry["kind"], entry["reason"], pattern, entry.get("rule", ""),
                                 frozenset(entry.get("programs", ()))))
    return tuple(classes)


@dataclass(frozen=True)
class PeerVerdict:
    accepted: tuple[tuple[PeerError, PeerClass], ...]
    unaccepted: tuple[PeerError, ...]  # no entry accepts it: a stub regression, or new upstream code
    stale: tuple[PeerClass, ...]  # an entry accepting no error

    def by_kind(self) -> Counter[str]:
        return Counter(c.kind for _, c in self.accepted)


def sort_peer_errors(errors: tuple[PeerError, ...], classes: tuple[PeerClass, ...]) -> PeerVerdict:
    """Each error with the first entry accepting it; the errors none accepts; the entries unused."""
    accepted, unaccepted = [], []
    for error in errors:
        found = next((c for c in classes if c.accepts(error)), None)
        if found is None:
            unaccepted.append(error)
        else:
            accepted.append((error, found))
    used = {c.number for _, c in accepted}
    return PeerVerdict(tuple(accepted), tuple(unaccepted), tuple(c for c in classes if c.number not in used))


def peer_summary(result: PeerResult, verdict: PeerVerdict) -> list[str]:
    """The lines the report and the test print: totals, counts per kind, what is unsorted or stale."""
    lines = [(f"peer suite (pyright basic, keras.io guides and examples): {result.programs} programs, "
              f"{len(result.errors)} errors, {len(result.keras_errors())} naming a Keras type")]
    lines += [f"  {count:5d} {kind}" for kind, count in sorted(verdict.by_kind().items())]
    lines += [f"  {len(verdict.unaccepted):5d} not accepted by {PEER_CLASSES.relative_to(REPO_ROOT)}"]
    lines += [f"    {program}: {rule}: {message}" for program, rule, message in verdict.unaccepted]
    lines += [f"  stale: {c}" for c in verdict.stale]
    return lines


# --- the report ------------------------------------------------------------------------------------------------


def print_stubs_report(peers: Path | None) -> int:
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    with stub_root() as root:
        stubtest = run_stubtest(root)
        exported, known = verify_types(root)
        console.print(f"stubtest: {len(stubtest.errors)} finding(s) beyond the allowlist "
                      f"({stubtest.entries} entries, {STUBTEST_ALLOWLIST.relative_to(REPO_ROOT)})")
        for line in stubtest.errors:
            console.print(f"  {line}")
        console.print(f"pyright --verifytypes keras: {known}/{exported} exported symbols known")
        folder = peers or PEERS
        if not folder.exists():
            console.print(f"peer suite: skipped, {folder} is absent")
            return 0 if stubtest.returncode == 0 and known == exported else 1
        result = peer_suite(folder, root)
    verdict = sort_peer_errors(result.errors, load_peer_classes())
    for line in peer_summary(result, verdict):
        console.print(line)
    sorted_out = not verdict.unaccepted and not verdict.stale
    return 0 if stubtest.returncode == 0 and known == exported and sorted_out else 1
