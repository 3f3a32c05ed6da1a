"""Running the code of the hand-written pages at build time: each page's blocks top to bottom in
one namespace on jax, in processes forked from one forkserver that has imported keras3 and Keras,
cached by code and Keras release beside the examples.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.docs.site.common import OUTPUT_MARKER, DocsError, fenced
from generator.settings import GENERATED, REPO_ROOT

# --- hand-written pages' code -----------------------------------------------------------------

RUNNER_VERSION = "1"
# One interpreter serves every page: it imports what each page would (keras3, Keras, jax and the
# TensorFlow that `set_random_seed` seeds) once, in a forkserver, and each page runs in a process
# forked from it, used for that page alone (max_tasks_per_child=1): what a reader gets running
# the page top to bottom in a new interpreter, without paying ~4 s of imports per page.
_RUNNER = r"""
import importlib, json, multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool


def run(pages, jobs):
    # The pages in a pool; those in flight when a page's process died (the system killed it: out
    # of memory?) are returned to be run again, one at a time, so one page's crash costs no other.
    broken = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, max_tasks_per_child=1) as pool:
        futures = {pool.submit(function, page["blocks"], page["folder"], *page["args"]): page for page in pages}
        for future in as_completed(futures):
            page = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                broken.append(page)
                continue
            with open(os.path.join(page["folder"], "results.json"), "w", encoding="utf-8") as stream:
                json.dump(result, stream)
            protocol.write(json.dumps(page["name"]) + "\n")
    return broken


def die_with_parent():
    # The runner leads its own process group (the forkserver and every page's process are in it):
    # when the build that started it dies (killed, Ctrl-C), the whole group goes, not left running
    # pages nobody reads.
    import signal, threading, time

    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    die_with_parent()
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # what the pages' libraries print at C level must not reach the protocol
    jobs, worker, preload, pages = json.loads(sys.stdin.read())
    module, _, name = worker.partition(":")
    function = getattr(importlib.import_module(module), name)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([module, *preload])
    for page in run(pages, jobs):  # a page that dies alone gets no results: named as missing
        if run([page], 1):
            print(f"{page['name']}: its process died (killed by the system: out of memory?)", file=sys.stderr)
    # Stop the forkserver and reap it (multiprocessing's own stop, private but stable since 3.8):
    # the CPU time of the pages' processes then counts in the build's, as a child's does.
    from multiprocessing import forkserver
    forkserver._forkserver._stop()
"""
PRELOAD = ["keras3", "keras", "jax", "tensorflow"]


def run_page_blocks(blocks: Sequence[str], folder: str) -> list[dict[str, Any]]:
    """In a page's own process: run its blocks in order in one namespace, in `folder`; per block
    what it printed (and the repr of a last expression), up to the first that fails."""
    import ast
    import contextlib
    import traceback

    os.chdir(folder)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results: list[dict[str, Any]] = []
    for number, code in enumerate(blocks):
        buffer = io.StringIO()
        try:
            tree = ast.parse(code)
            last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            body = tree.body[:-1] if last is not None else tree.body
            with contextlib.redirect_stdout(buffer):
                exec(compile(ast.Module(body=body, type_ignores=[]), f"<block {number}>", "exec"), namespace)  # noqa: S102
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), f"<block {number}>", "eval"), namespace)
                    if value is not None:
                        print(repr(value))
        except BaseException:  # noqa: BLE001 - a page's code may raise anything: reported with its traceback
            results.append({"ok": False, "output": buffer.getvalue(), "error": traceback.format_exc()})
            break
        results.append({"ok": True, "output": buffer.getvalue()})
    sys.stdout.flush()
    return results


def _page_key(page: str, blocks: Sequence[str], version: str) -> str:
    digest = hashlib.sha256(json.dumps([RUNNER_VERSION, version, page, list(blocks)]).encode("utf-8"))
    return digest.hexdigest()[:20]


def run_pages(pages: Mapping[str, Sequence[str]], version: str, cache: Path, jobs: int = 2,
              log: Callable[[str], None] = lambda message: None,
              on_start: Callable[[int], None] | None = None,
              on_done: Callable[[], None] | None = None) -> dict[str, list[str]]:
    """{page: output of each block}: every page's blocks run in order in a process of its own on
    jax, forked from one that has only imported (what a reader gets running the page top to
    bottom), cached by page, code and release."""
    cache.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, list[str]] = {}
    todo: dict[str, tuple[Sequence[str], Path]] = {}
    for page, blocks in sorted(pages.items()):
        file = cache / f"{page.replace('/', '__')}-{_page_key(page, blocks, version)}.json"
        for stale in cache.glob(f"{page.replace('/', '__')}-*.json"):
            if stale != file:
                stale.unlink(missing_ok=True)  # an older version of the page
        if file.exists():
            outputs[page] = json.loads(file.read_text(encoding="utf-8"))
        else:
            todo[page] = (blocks, file)
    if on_start is not None:
        on_start(len(todo))
    if not todo:
        return outputs

    def done(page: str, results: list[dict[str, Any]], seconds: float) -> None:
        blocks, file = todo[page]
        for number, result in enumerate(results):
            if not result["ok"]:
                raise DocsError(f"{page}: code block {number} failed:\n{blocks[number]}\n\n{result['error']}")
        outputs[page] = [scrub_output(result["output"]) for result in results]
        partial = file.with_name(f".{file.name}.{os.getpid()}")
        partial.write_text(json.dumps(outputs[page]), encoding="utf-8")
        os.replace(partial, file)  # concurrent builds read whole files or none
        log(f"docs: ran {page} ({len(blocks)} blocks, {seconds:.1f} s)")
        if on_done is not None:
            on_done()

    run_in_forkserver({page: blocks for page, (blocks, _) in todo.items()}, jobs, done)
    return outputs


def run_in_forkserver(pages: Mapping[str, Sequence[str]], jobs: int,
                      done: Callable[[str, Any, float], None],
                      worker: str = "generator.docs.site.page_code:run_page_blocks",
                      args: Mapping[str, Sequence[Any]] | None = None,
                      keep: Callable[[str, Path], None] | None = None, backend: str = "jax",
                      devices: int = 1, environment: Mapping[str, str] | None = None) -> None:
    """Run each page's blocks with `worker(blocks, folder, *args[page])` in a process of its own
    on `backend` (CPU, split into `devices` devices, with `environment` set), forked from one
    interpreter that imported Keras once; `done(page, results, seconds)` as each ends (it may raise: the run stops),
    `keep(page, folder)` before its folder goes."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XLA_", "KERAS_"))}
    env.update({"KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
                "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu", "COLUMNS": "100", "MPLBACKEND": "Agg",
                "PYTHONPATH": os.pathsep.join([str(GENERATED), str(REPO_ROOT),
                                               *filter(None, [os.environ.get("PYTHONPATH")])])})
    if devices != 1:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    env.update(environment or {})
    with tempfile.TemporaryDirectory(prefix="keras3-docs-run-") as root:
        env["KERAS_HOME"] = str(Path(root) / "keras_home")  # Keras's defaults, no user keras.json
        folders = {page: Path(root) / f"page{number}" for number, page in enumerate(pages)}
        for folder in folders.values():
            folder.mkdir()
        request = [max(1, jobs), worker, PRELOAD,
                   [{"name": page, "blocks": list(blocks), "folder": str(folders[page]),
                     "args": list((args or {}).get(page, ()))} for page, blocks in pages.items()]]
        began = time.perf_counter()
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen([sys.executable, "-c", _RUNNER], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=errors, cwd=root, env=env, text=True,
                                       start_new_session=True)
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps(request))
            process.stdin.close()
            for line in process.stdout:
                page = json.loads(line)
                results = json.loads((folders[page] / "results.json").read_text(encoding="utf-8"))
                try:
                    done(page, results, time.perf_counter() - began)
                    if keep is not None:
                        keep(page, folders[page])
                except BaseException:
                    process.kill()
                    process.wait()
                    raise
            code = process.wait()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
        missing = [page for page in pages if not (folders[page] / "results.json").exists()]
    if code != 0 or missing:
        raise DocsError(f"{', '.join(missing) or 'the pages'}: the pages' code could not run (exit {code}):\n"
                        f"{stderr[-3000:]}")


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def scrub_output(text: str) -> str:
    """Printed output as shown: no colour codes, no memory addresses, no trailing blanks."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    text = "\n".join(line.split("\r")[-1] for line in text.split("\n"))  # progress bars redraw
    text = _ADDRESS.sub("0x…", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def insert_outputs(text: str, outputs: Sequence[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        output = outputs[int(match.group("index"))]
        return fenced(output, 'text title="Output"') if output.strip() else ""

    return OUTPUT_MARKER.sub(replace, text)
