"""The write phase of `regenerate` and `snapshot`: one run at a time, nothing hand-written lost.

* **A lock.** `writer_lock()`, taken by every command that writes the store or `generated/`
  (regenerate, snapshot, docs --sources), is `exclusive()`, which takes an `fcntl.flock` on the folders a run writes (the store and
  `generated/`), in a fixed order. flock on the folder itself, not on a lock file beside it:
  nothing is created in the tree, the kernel drops the lock when the process dies (SIGKILL
  included), and /proc/locks names the holder, so a second run says whom it waits for.
* **Recovery first.** `recover()` finishes or undoes what a killed run left (a package or docs
  folder between its two renames, staging folders, the store's temporary files) before anything
  is computed: the overrides and the package header are read from the recovered tree.
* **Hand-written files checked.** `check_package()`: the package path must be a folder holding
  every hand-written file; regeneration cannot recreate them, so it refuses to run without them.
* **A marker across the two swaps.** Package and docs are two folders, swapped one after the
  other. `pending()` leaves `generated/.regenerate-incomplete` while they may disagree: the next
  run says it repairs them, and the drift check fails meanwhile.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

from generator.settings import GENERATED

MARKER = ".regenerate-incomplete"


class WritePhaseError(ValueError):
    """The tree is not in a state a run may write to; the message says what to restore."""


@contextmanager
def exclusive(folders: Sequence[Path], say: Callable[[str], None]) -> Iterator[None]:
    """Hold an exclusive lock on each folder (created if missing); wait for another run's."""
    with ExitStack() as stack:
        for folder in sorted({f.resolve() for f in folders}):  # one order everywhere: no deadlock
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            stack.callback(os.close, handle)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say(f"waiting for {holder(folder)}, which holds the lock on {folder}")
                fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def writer_lock(store: Path, say: Callable[[str], None]) -> AbstractContextManager[None]:
    """The one lock every writer of the store or of `generated/` takes (regenerate, snapshot,
    docs --sources): both folders, in one order, so no two writers ever interleave."""
    return exclusive([store, GENERATED], say)


def holder(folder: Path) -> str:
    """Who holds the flock on `folder`, from /proc/locks (Linux); a vaguer phrase elsewhere."""
    try:
        stat = folder.stat()
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return "another run"
    for line in lines:  # "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"; waiters have "->"
        fields = line.split()
        if len(fields) > 5 and fields[1] == "FLOCK" and fields[5].endswith(f":{stat.st_ino}"):
            pid = fields[4]
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                command = ""
            command = command if len(command) <= 100 else command[:97] + "..."
            return f"process {pid}" + (f" ({command})" if command else "")
    return "another run"


def recover_folder(folder: Path) -> str | None:
    """Finish or undo a swap of `folder` that a killed run left; what was done, if anything."""
    retired = folder.parent / f".{folder.name}.old"
    done = None
    if retired.exists():
        if folder.is_dir():  # the new folder is in place: only the old one's removal was cut short
            shutil.rmtree(retired)
            done = f"removed {retired.name} left by an interrupted run"
        elif not folder.exists() and not folder.is_symlink():
            retired.rename(folder)
            done = f"restored {folder.name} from {retired.name} left by an interrupted run"
        else:
            raise WritePhaseError(f"{folder} is not a folder and {retired} holds the previous one: "
                                  f"move {folder} away, then rename {retired.name} to {folder.name}")
    for stale in folder.parent.glob(f".{folder.name}.new-*"):
        if not _owner_alive(stale.name.removeprefix(f".{folder.name}.new-")):
            shutil.rmtree(stale, ignore_errors=True)
    return done


def staging_folder(folder: Path) -> Path:
    """A new empty folder beside `folder` to build its replacement in, named after this process
    (`.<name>.new-<pid>-<random>`), so that recovery never removes the staging of a live run."""
    return Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-{os.getpid()}-", dir=folder.parent))


def _owner_alive(suffix: str) -> bool:
    """Whether the process a staging folder is named after (`<pid>-<random>`) is running."""
    pid, dash, _ = suffix.partition("-")
    if not (dash and pid.isdigit()):
        return False  # an older toolkit's name, without a pid: only a killed run leaves it under the lock
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def remove_temporaries(folder: Path, names: Sequence[str]) -> list[str]:
    """Delete `.<name>.*` files that `atomic_write` leaves when killed before its rename."""
    removed = []
    for name in names:
        for stale in folder.glob(f".{name}.*"):
            if stale.is_file():
                stale.unlink()
                removed.append(stale.name)
    return sorted(removed)


def recover(store: Path, package: Path, docs: Path, config_name: str) -> list[str]:
    """Everything a killed run can leave, repaired; call with the lock held, before computing."""
    done = [d for d in (recover_folder(package), recover_folder(docs)) if d]
    # The store writes `pool.json` and `keras-<release>.json`; the docs, `mkdocs.yml`.
    temporaries = remove_temporaries(store, ["pool.json", "keras-*.json"])
    temporaries += remove_temporaries(docs.parent, [config_name])
    if temporaries:
        done.append(f"removed temporary files left by an interrupted run: {', '.join(temporaries)}")
    if (package.parent / MARKER).exists():
        done.append("the last run was interrupted between writing the package and the docs; "
                    "this run rewrites both")
    return done


def check_package(package: Path, hand_written: Sequence[str]) -> None:
    """The package must be a folder that holds every hand-written file, else nothing is written."""
    if not package.is_dir():
        what = "missing" if not package.exists() else "not a folder"
        raise WritePhaseError(f"{package} is {what}; it holds the hand-written files "
                              f"{', '.join(hand_written)}, which regeneration cannot recreate: "
                              "restore it from git (git checkout -- generated/keras3)")
    missing = [name for name in hand_written if not (package / name).is_file()]
    if missing:
        raise WritePhaseError(f"{package / missing[0]} is missing; it is hand-written and regeneration "
                              f"cannot recreate it: restore it from git (missing: {', '.join(missing)})")


@contextmanager
def pending(generated: Path) -> Iterator[None]:
    """Mark `generated/` as being rewritten until the block completes (kept if it does not)."""
    marker = generated / MARKER
    marker.write_text("a regenerate run is writing the package and the docs; if no run is going on, "
                      "it was interrupted: run `make regenerate`\n", encoding="utf-8")
    yield
    marker.unlink()


def interrupted(generated: Path) -> bool:
    return (generated / MARKER).exists()


def replace_folder(folder: Path, files: Mapping[str, bytes]) -> None:
    """Replace `folder` whole by `files` (relative path -> bytes): staged beside it, then swapped in
    with two renames; `recover_folder` finishes or undoes a swap a killed run left."""
    recover_folder(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_folder(folder)
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o644)
        for sub in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            sub.chmod(0o755)
        if not folder.exists():
            staging.rename(folder)
        else:
            swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def swap_in(staging: Path, folder: Path) -> None:
    """Put `staging` in the place of `folder` with two renames; `recover_folder` finishes or
    undoes what a kill between them leaves."""
    retired = folder.parent / f".{folder.name}.old"
    folder.rename(retired)
    staging.rename(folder)
    shutil.rmtree(retired, ignore_errors=True)
