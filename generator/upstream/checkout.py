"""Reading tracked tutobooks from an upstream checkout on disk: a keras-io checkout, or a keras
checkout with `guides/` and `examples/` (a clone of the tutobooks bundle serves as one).

* **Which repository.** `--repo`, else read from the folder: keras-io has `scripts/tutobooks.py`
  (or `scripts/guides_master.py`, or a `MANIFEST.tsv` naming keras-io files), keras has
  `examples/demo_*.py`, `examples/keras_io/` or a `keras/` package; a folder with neither (a bare
  `guides/`) is the repository of the tracked paths it holds, when they agree.
* **Which commit.** In a git checkout, the last commit that changed the file
  (`git log -1 -- path`, at the entry's `ref` when it has one), or the upstream commit its message
  names (`upstream commit: keras-team/keras@<sha>`, as the bundle's filtered history does);
  elsewhere the `MANIFEST.tsv` of the folder or of its parent (path, commit, ...), else `unknown`.
* **What is absent.** A tracked file the checkout lacks is removed upstream, unless the entry's
  ref is not in this checkout or the folder is a partial copy (a folder whose MANIFEST.tsv is its
  parent's): then it is unavailable, and the stored copy stays.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.upstream.tutobook_spec import REPOSITORIES, Tracked

UNKNOWN_COMMIT = "unknown"
_UPSTREAM_TRAILER = re.compile(r"^upstream commit: (?P<repo>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{7,40})\s*$",
                               re.MULTILINE)


class CheckoutError(ValueError):
    """The folder is not an upstream checkout this command can read; the message says why."""


@dataclass(frozen=True)
class Read:
    """One tracked tutobook as the checkout has it."""

    entry: Tracked
    data: bytes | None  # None: the checkout lacks it (removed upstream, or unavailable)
    commit: str
    unavailable: str | None = None  # why the checkout cannot say (its ref is missing), or None


@dataclass(frozen=True)
class CheckoutRead:
    folder: Path
    repo: str
    reads: tuple[Read, ...]  # the tracked tutobooks of `repo` (restricted to `paths` when given)
    untracked: tuple[str, ...]  # tutobooks the checkout holds that the spec does not track


def read_checkout(folder: Path, tracked: Sequence[Tracked], repo: str | None = None,
                  paths: Sequence[str] | None = None) -> CheckoutRead:
    """The tracked tutobooks of `folder`'s repository, with their commits."""
    folder = folder.resolve()
    if not folder.is_dir():
        raise CheckoutError(f"{folder}: no such folder (give a keras-io or keras checkout)")
    if not (folder / "guides").is_dir() and not (folder / "examples").is_dir():
        raise CheckoutError(f"{folder} has neither guides/ nor examples/: not a keras-io or keras checkout")
    repo = repo or detect_repo(folder, tracked)
    if repo not in REPOSITORIES:
        raise CheckoutError(f"--repo {repo!r} is not one of {', '.join(REPOSITORIES)}")
    known = {e.path for e in tracked}
    if paths:
        unknown = [p for p in paths if p not in known]
        if unknown:
            raise CheckoutError(f"{unknown[0]} is not tracked in spec/guides.toml")
    entries = [e for e in tracked if e.repo == repo and (not paths or e.path in paths)]
    git = _git_root(folder)
    manifest, partial = ({}, False) if git else _manifest(folder)
    refs = {e.ref for e in entries if e.ref} if git else set()
    missing_refs = {ref for ref in refs if not _has_ref(git, ref)} if git else set()
    reads: list[Read] = []
    for entry in entries:
        if git is not None and entry.ref in missing_refs:
            reads.append(Read(entry, None, UNKNOWN_COMMIT, f"ref {entry.ref} is not in this checkout"))
        elif git is not None and entry.ref:
            data = _git_show(git, entry.ref, _in_repo(folder, git, entry.path))
            reads.append(Read(entry, data, _git_commit(git, entry.ref, _in_repo(folder, git, entry.path), repo)
                              if data is not None else UNKNOWN_COMMIT))
        else:
            file = folder / entry.path
            data = file.read_bytes() if file.is_file() else None
            commit = UNKNOWN_COMMIT
            if data is not None:
                commit = (_git_commit(git, "HEAD", _in_repo(folder, git, entry.path), repo) if git
                          else manifest.get(entry.path, UNKNOWN_COMMIT))
            reads.append(Read(entry, data, commit, "not in this partial copy (its MANIFEST.tsv is its parent's)"
                              if data is None and partial else None))
    untracked = sorted(set(_tutobooks(folder)) - known) if not paths else []
    return CheckoutRead(folder, repo, tuple(reads), tuple(untracked))


def detect_repo(folder: Path, tracked: Sequence[Tracked]) -> str:
    if any((folder / marker).exists() for marker in ("scripts/tutobooks.py", "scripts/guides_master.py",
                                                      "scripts/examples_master.py")):
        return "keras-team/keras-io"
    if (folder / "examples/keras_io").is_dir() or (folder / "keras/__init__.py").exists() \
            or any((folder / "examples").glob("demo_*.py")):
        return "keras-team/keras"
    present = {e.repo for e in tracked if (folder / e.path).is_file()}
    if len(present) == 1:
        return present.pop()
    raise CheckoutError(f"{folder}: cannot tell whether this is a keras or a keras-io checkout "
                        f"({'it holds tracked files of both' if present else 'it holds no tracked file'}); "
                        "say it with --repo keras-team/keras or --repo keras-team/keras-io")


def _tutobooks(folder: Path) -> Iterable[str]:
    for top in ("guides", "examples"):
        for file in sorted((folder / top).rglob("*.py")):
            relative = file.relative_to(folder).as_posix()
            if "/ipynb/" not in relative and "/md/" not in relative and _looks_like_tutobook(file):
                yield relative


def _looks_like_tutobook(file: Path) -> bool:
    """A header docstring with a `Title:` or `Description:` field near the top."""
    head = file.read_text(encoding="utf-8", errors="replace")[:600]
    return head.lstrip().startswith(('"""', "# -*-")) and ("\nTitle:" in head or "\nDescription:" in head)


def _manifest(folder: Path) -> tuple[dict[str, str], bool]:
    """(path -> commit, partial) from `MANIFEST.tsv` of the folder, or of its parent (paths under the
    folder's name, as `keras-io-history/<commit>/` has: a partial copy, whose absent files are not
    removed upstream)."""
    for manifest, prefix in ((folder / "MANIFEST.tsv", ""), (folder.parent / "MANIFEST.tsv", f"{folder.name}/")):
        if not manifest.is_file():
            continue
        out: dict[str, str] = {}
        lines = manifest.read_text(encoding="utf-8").splitlines()
        header = lines[0].split("\t") if lines else []
        if "path" not in header or "commit" not in header:
            raise CheckoutError(f"{manifest}: its first line must name the columns path and commit")
        at, commit_at = header.index("path"), header.index("commit")
        for number, line in enumerate(lines[1:], start=2):
            cells = line.split("\t")
            if len(cells) <= max(at, commit_at):
                raise CheckoutError(f"{manifest}: line {number} has {len(cells)} columns")
            if cells[at].startswith(prefix):
                out[cells[at].removeprefix(prefix)] = cells[commit_at]
        if out:
            return out, bool(prefix)
    return {}, False


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)


def _git_root(folder: Path) -> Path | None:
    done = _git(folder, "rev-parse", "--show-toplevel")
    return Path(done.stdout.decode().strip()) if done.returncode == 0 else None


def _in_repo(folder: Path, root: Path, path: str) -> str:
    return (folder / path).relative_to(root).as_posix()


def _has_ref(root: Path | None, ref: str) -> bool:
    return root is not None and _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode == 0


def _git_show(root: Path, ref: str, path: str) -> bytes | None:
    done = _git(root, "show", f"{ref}:{path}")
    return done.stdout if done.returncode == 0 else None


def _git_commit(root: Path, ref: str, path: str, repo: str) -> str:
    """The last commit that changed `path` at `ref`, or the upstream commit its message names."""
    done = _git(root, "log", "-1", "--format=%H%n%B", ref, "--", path)
    if done.returncode != 0 or not done.stdout.strip():
        return UNKNOWN_COMMIT
    sha, _, body = done.stdout.decode("utf-8", "replace").partition("\n")
    trailer = _UPSTREAM_TRAILER.search(body)
    if trailer and trailer.group("repo") == repo:
        return trailer.group("sha")
    return sha.strip()


def commits_of(reads: Iterable[Read]) -> Mapping[str, str]:
    return {r.entry.path: r.commit for r in reads}
