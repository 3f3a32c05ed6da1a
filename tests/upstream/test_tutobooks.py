"""The stored copies of keras.io tutobooks (`upstream_snapshots/keras-io/`), the spec of the tracked
ones (`spec/guides.toml`) and reading them from an upstream checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.render.writephase import replace_folder
from generator.upstream.checkout import CheckoutError, read_checkout
from generator.upstream.store import StoreError
from generator.upstream.tutobook_spec import GUIDES_SPEC, TutobookSpecError, load_tracked
from generator.upstream.tutobooks import (
    INDEX_FILE,
    StoredFile,
    TutobookStore,
    folder_files,
    sha256_of,
)

BOOK = b'"""\nTitle: A guide\nAuthor: someone\n"""\n\n"""\n## Setup\n\nSome prose.\n"""\n\nimport keras\n'


def spec(tmp_path: Path, text: str) -> Path:
    file = tmp_path / "guides.toml"
    file.write_text(text, encoding="utf-8")
    return file


def test_the_committed_spec_tracks_every_guide_and_the_examples():
    tracked = load_tracked()
    guides = [e for e in tracked if e.kind == "guide"]
    assert len({e.path.rsplit("/", 1)[1] for e in guides}) >= 25
    assert all(e.page for e in guides)
    assert sum(e.kind == "example" and e.page is not None for e in tracked) >= 40
    assert all(e.skip for e in tracked if e.page is None)


@pytest.mark.parametrize(("text", "message"), [
    ('[[guide]]\npath = "guides/a.py"\nrepo = "keras-team/keras"\nslugg = "a"\n', "guide 1: unknown key 'slugg'"),
    ('[[guide]]\npath = "guides/a.py"\n', "guide 1: field 'repo' is missing"),
    ('[[guide]]\npath = "guides/a.py"\nrepo = "someone/else"\n', "repo 'someone/else' is not one of"),
    ('[[guide]]\npath = "guides/a.py"\nrepo = "keras-team/keras"\n' * 2, "guides/a.py is listed twice"),
    (('[[example]]\npath = "examples/x/a.py"\nrepo = "keras-team/keras"\n'
      '[[example]]\npath = "examples/x/y/a.py"\nrepo = "keras-team/keras"\ncategory = "x"\n'), "would both have the page"),
    ('[[guide]]\npath = "../a.py"\nrepo = "keras-team/keras"\n', "must be a relative path to a .py file"),
])
def test_a_bad_spec_entry_is_named(tmp_path, text, message):
    with pytest.raises(TutobookSpecError, match=message) as error:
        load_tracked(spec(tmp_path, text))
    assert str(tmp_path / "guides.toml") in str(error.value)


def test_the_store_round_trips_and_refuses_a_changed_byte(tmp_path):
    root = tmp_path / "keras-io"
    record = StoredFile("keras-team/keras", "a" * 40, sha256_of(BOOK))
    replace_folder(root, folder_files({"guides/a.py": record}, {"guides/a.py": BOOK}))
    store = TutobookStore(root)
    assert store.index() == {"guides/a.py": record} and store.data("guides/a.py") == BOOK
    assert store.verify() == []
    assert (root / INDEX_FILE).read_text().count("\n") == 3  # one entry per line
    (root / "guides/a.py").write_bytes(BOOK.replace(b"prose", b"prosa"))
    with pytest.raises(StoreError, match="the store is damaged .*restore it from git"):
        TutobookStore(root).data("guides/a.py")
    (root / "guides/b.py").write_bytes(BOOK)
    problems = TutobookStore(root).verify()
    assert any("damaged" in p for p in problems) and any("b.py: not listed" in p for p in problems)
    index_text = (root / INDEX_FILE).read_text()
    (root / INDEX_FILE).write_text(index_text.replace("a" * 40, "b" * 40))  # the record's commit, not a file's bytes
    with pytest.raises(StoreError, match="index.json: its digest does not match its bytes: the store is damaged"):
        TutobookStore(root).index()
    (root / INDEX_FILE).unlink()
    with pytest.raises(StoreError, match="index.json is missing"):
        TutobookStore(root).index()


def test_a_checkout_with_a_manifest_and_a_partial_copy(tmp_path):
    tracked = load_tracked(spec(tmp_path, '[[guide]]\npath = "guides/a.py"\nrepo = "keras-team/keras-io"\n'
                                          '[[guide]]\npath = "guides/b.py"\nrepo = "keras-team/keras-io"\n'))
    full = tmp_path / "keras-io"
    (full / "guides").mkdir(parents=True)
    (full / "scripts").mkdir()
    (full / "scripts/tutobooks.py").write_text("")
    (full / "guides/a.py").write_bytes(BOOK)
    (full / "MANIFEST.tsv").write_text("path\tcommit\tsha256\nguides/a.py\t" + "1" * 40 + "\tx\n")
    read = read_checkout(full, tracked)
    assert read.repo == "keras-team/keras-io"
    a, b = read.reads
    assert (a.data, a.commit, a.unavailable) == (BOOK, "1" * 40, None)
    assert (b.data, b.unavailable) == (None, None)  # a full checkout without it: removed upstream

    partial = tmp_path / "history" / ("2" * 40)
    (partial / "guides").mkdir(parents=True)
    (partial / "guides/b.py").write_bytes(BOOK)
    (partial.parent / "MANIFEST.tsv").write_text("path\tcommit\n" + f"{'2' * 40}/guides/b.py\t{'2' * 40}\n")
    a, b = read_checkout(partial, tracked).reads
    assert a.data is None and a.unavailable and "partial" in a.unavailable  # not removed: not in this copy
    assert (b.data, b.commit) == (BOOK, "2" * 40)


def test_a_git_checkout_gives_the_upstream_commit_its_message_names(tmp_path):
    tracked = load_tracked(spec(tmp_path, '[[guide]]\npath = "guides/a.py"\nrepo = "keras-team/keras"\n'))
    clone = tmp_path / "keras"
    (clone / "guides").mkdir(parents=True)
    (clone / "guides/a.py").write_bytes(BOOK)
    upstream = "3" * 40

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "--quiet")
    git("add", ".")
    git("commit", "--quiet", "-m", f"Add a guide\n\nupstream commit: keras-team/keras@{upstream}")
    (read,) = read_checkout(clone, tracked, repo="keras-team/keras").reads
    assert read.commit == upstream
    git("commit", "--quiet", "--allow-empty", "-m", "unrelated")
    (read,) = read_checkout(clone, tracked, repo="keras-team/keras").reads
    assert read.commit == upstream  # the last commit that changed the file
    with pytest.raises(CheckoutError, match="cannot tell whether"):
        read_checkout(clone, load_tracked(GUIDES_SPEC)[:0])
    with pytest.raises(CheckoutError, match="neither guides/ nor examples/"):
        read_checkout(tmp_path, tracked)
