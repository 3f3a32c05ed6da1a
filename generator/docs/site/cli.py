"""`python -m generator docs [--sources|--check]` and `python -m generator.docs.site`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence

from generator.docs import site
from generator.docs.site.build import build_site, format_phases
from generator.docs.site.common import CONFIG_NAME, DOCS_NAME, DocsError
from generator.docs.site.sources import docs_differences, emit_docs, write_docs
from generator.render.writephase import writer_lock
from generator.upstream.store import SnapshotStore

# ---------------------------------------------------------------------------------------------
# Command line (wire `python -m generator docs [--sources]` to `main`)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.docs.site", description=site.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", action="store_true", help="write generated/docs and generated/mkdocs.yml")
    parser.add_argument("--check", action="store_true", help="fail when the committed sources differ")
    parser.add_argument("--release", help="stored Keras release (default: the pinned one)")
    parser.add_argument("--no-examples", action="store_true", help="build without running upstream examples")
    args = parser.parse_args(argv)
    return run(args)


def write_sources(files: Mapping[str, str], store: SnapshotStore) -> None:
    """Write the docs sources under the writers' lock (that of regenerate and snapshot): their
    recovery then never meets another writer's swap half done."""
    with writer_lock(store.root, lambda text: print(text, file=sys.stderr)):
        write_docs(files)


def run(args: argparse.Namespace) -> int:
    """What `python -m generator docs [--sources] [--check]` runs (reads args.store when given)."""
    from generator.settings import pinned_release
    from generator.upstream.store import DEFAULT_ROOT

    store = SnapshotStore(getattr(args, "store", None) or DEFAULT_ROOT)
    release = getattr(args, "release", None)
    if getattr(args, "sources", False) or getattr(args, "check", False):
        began = time.perf_counter()
        files = emit_docs(store, release or pinned_release())
        elapsed = time.perf_counter() - began
        if getattr(args, "check", False):
            problems = docs_differences(files)
            for problem in problems:
                print(f"generated/{problem}", file=sys.stderr)
            return 1 if problems else 0
        write_sources(files, store)
        print(f"docs sources: {len(files)} files emitted in {elapsed:.1f} s -> generated/{DOCS_NAME}, "
              f"generated/{CONFIG_NAME}", file=sys.stderr)
        return 0
    try:
        result = build_site(store=store, run_examples=not getattr(args, "no_examples", False),
                            progress=True)
    except DocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"docs: phases: {format_phases(result)}", file=sys.stderr)
    print(f"docs: built {result.site} in {result.seconds:.1f} s; upstream examples: "
          f"{result.examples.get('run', 0)} in keras3 with output, {result.examples.get('unrun', 0)} in keras3 "
          f"without (not run), {result.examples.get('upstream', 0)} as upstream wrote them; "
          f"{len(result.warnings)} warnings", file=sys.stderr)
    if result.cells:
        cells = result.cells
        total = cells["run"] + cells["skipped"] + cells["failed"]
        print(f"docs: keras.io pages: {cells['pages'] - cells['gallery']} guides and {cells['gallery']} gallery "
              f"examples ({cells['ran']} run in this build, the rest from generated/rendered); cells: "
              f"{cells['run']} of {total} run, {cells['skipped']} skipped, {cells['failed']} failed"
              + (f"; {cells['unrendered']} pages not run (stale, --no-examples)" if cells.get("unrendered") else ""),
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
