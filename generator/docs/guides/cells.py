"""In a page's own process: its cells run top to bottom in one namespace on jax (CPU), after the
page's fixtures are installed and its training shortened; per cell what it printed (and the repr
of a last expression), the matplotlib figures it made (saved as PNG, Agg backend, with alt text
from the figure's title), or why it did not run. A cell that raises is recorded and the next one
runs: later cells may not need what it would have made.
"""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import os
import signal
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

FIGURE_DPI = 60  # small images: they are committed


class CellTimeout(Exception):
    pass


def run_page_cells(cells: Sequence[str], folder: str, settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each cell's record: {"output", "figures": [{"file", "alt"}], "seconds"} when it ran,
    {"skipped": reason} when the spec skips it, {"error": "Type: message", "output"} when it raised."""
    os.chdir(folder)
    os.environ["MPLBACKEND"] = "Agg"
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    shown: list[dict[str, str]] = []  # figures a cell's plt.show() saved (a page may close them right after)
    plt.show = lambda *args, **kwargs: shown.extend(_save_figures(plt, number, len(shown)))
    from generator.docs.examples.runner import _block_network
    from generator.docs.guides import fixtures

    _block_network()
    _refuse_shell_downloads()
    fixtures.install(list(settings.get("fixtures", ())))
    _shorten_training(settings.get("epochs"), settings.get("steps"), settings.get("validation_steps"))
    skip = dict(settings.get("skip", {}))
    assign = dict(settings.get("assign", {}))
    limit = float(settings.get("time_limit", 300.0))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results: list[dict[str, Any]] = []
    for number, code in enumerate(cells):
        reason = skip.get(str(number)) or next((why for text, why in skip.items()
                                                 if not text.isdigit() and text in code), None)
        if reason is not None:
            results.append({"skipped": reason})
            continue
        buffer = io.StringIO()
        began = time.process_time()
        record: dict[str, Any]
        try:
            with contextlib.redirect_stdout(buffer), _time_limit(limit):
                _run_cell(code, number, namespace, assign)
            record = {"output": buffer.getvalue()}
        except CellTimeout:
            record = {"output": buffer.getvalue(), "error": f"stopped after {limit:.0f} s of CPU time (the page's limit)"}
        except BaseException as error:  # noqa: BLE001 - a cell may raise anything: shown with its reason
            last = traceback.extract_tb(error.__traceback__)[-1:]
            where = f" (line {last[0].lineno})" if last and last[0].filename == f"<cell {number}>" else ""
            message = str(error).strip().splitlines()
            record = {"output": buffer.getvalue(),
                      "error": f"{type(error).__name__}{where}: {message[0] if message else ''}"[:300]}
        record["figures"] = shown + _save_figures(plt, number, len(shown))
        shown.clear()
        record["seconds"] = round(time.process_time() - began, 2)
        results.append(record)
    sys.stdout.flush()
    return results


def _run_cell(code: str, number: int, namespace: dict[str, Any], assign: Mapping[str, Any]) -> None:
    tree = ast.parse(code)
    for statement in tree.body:  # `epochs = 15` runs as `epochs = 1` when the spec says so
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name) and statement.targets[0].id in assign):
            statement.value = ast.copy_location(ast.Constant(assign[statement.targets[0].id]), statement.value)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = tree.body[:-1] if last is not None else tree.body
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    # the cell's source where inspect.getsource finds it: tf.data's AutoGraph re-reads a function's
    # source to turn its `if tensor:` into graph code, as it does for upstream's own files
    linecache.cache[f"<cell {number}>"] = (len(code), None, code.splitlines(True), f"<cell {number}>")
    exec(compile(module, f"<cell {number}>", "exec"), namespace)  # noqa: S102 - the page's own code
    if last is not None:
        value = eval(compile(ast.Expression(last.value), f"<cell {number}>", "eval"), namespace)
        if value is not None and not _is_artist(value):
            print(repr(value))


def _is_artist(value: Any) -> bool:
    """A plot call's return value (`plt.imshow(...)`, a list of lines): the figure shows it."""
    module = type(value).__module__ or ""
    if isinstance(value, (list, tuple)) and value:
        module = type(value[0]).__module__ or ""
    return module.startswith("matplotlib")


def _save_figures(plt: Any, number: int, first: int = 0) -> list[dict[str, str]]:
    """The open figures saved as cell{number}-{first + i}.png (with their titles), then closed."""
    figures = []
    for index, figure_number in enumerate(plt.get_fignums(), start=first):
        figure = plt.figure(figure_number)
        name = f"cell{number:03d}-{index}.png"
        figure.savefig(name, dpi=FIGURE_DPI, metadata={"Software": None}, bbox_inches="tight")
        figures.append({"file": name, "alt": _figure_title(figure)})
    plt.close("all")
    return figures


def _figure_title(figure: Any) -> str:
    """The figure's suptitle, else its axes' titles (joined), else ""."""
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return suptitle.get_text().strip()
    titles = [axes.get_title().strip() for axes in figure.get_axes() if axes.get_title().strip()]
    unique = list(dict.fromkeys(titles))
    return ", ".join(unique[:6]) + (", ..." if len(unique) > 6 else "")


def _refuse_shell_downloads() -> None:
    """`os.system("curl ...")` and subprocesses that would download (curl, wget, a URL) raise:
    a child process is outside the page's network block."""
    import subprocess

    def guard(run: Any) -> Any:
        def refusing(command: Any, *args: Any, **kwargs: Any) -> Any:
            text = command if isinstance(command, str) else " ".join(map(str, command))
            if any(word in text for word in ("curl", "wget", "http://", "https://")):
                raise RuntimeError(f"download blocked in the docs build: `{text[:120]}` has no fixture")
            return run(command, *args, **kwargs)

        return refusing

    os.system = guard(os.system)  # type: ignore[assignment]
    for name in ("run", "call", "check_call", "check_output"):  # not Popen: a class others subclass
        setattr(subprocess, name, guard(getattr(subprocess, name)))


def _shorten_training(epochs: int | None, steps: int | None, validation_steps: int | None = None) -> None:
    """`Model.fit` runs at most `epochs` epochs of at most `steps` steps (the validation of its
    `validation_data` too); validation, however made, at most `validation_steps` steps."""
    if epochs is None and steps is None and validation_steps is None:
        return
    import keras

    original = keras.Model.fit

    def fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if epochs is not None:
            if len(args) > 3:  # fit(x, y, batch_size, epochs, ...)
                args = (*args[:3], min(int(args[3]), epochs), *args[4:])
            else:
                kwargs["epochs"] = min(int(kwargs.get("epochs", 1)), epochs)
            if "initial_epoch" in kwargs:
                kwargs["initial_epoch"] = min(int(kwargs["initial_epoch"]), kwargs.get("epochs", epochs) - 1)
        if steps is not None:
            kwargs["steps_per_epoch"] = min(int(kwargs.get("steps_per_epoch") or steps), steps)
            if kwargs.get("validation_data") is not None:
                kwargs["validation_steps"] = min(int(kwargs.get("validation_steps") or steps), steps)
        if validation_steps is not None and (kwargs.get("validation_data") is not None or kwargs.get("validation_split")):
            kwargs["validation_steps"] = min(int(kwargs.get("validation_steps") or validation_steps), validation_steps)
        return original(self, *args, **kwargs)

    fit.__doc__ = original.__doc__
    keras.Model.fit = fit  # type: ignore[method-assign]


@contextlib.contextmanager
def _time_limit(seconds: float) -> Any:
    def expire(signum: int, frame: Any) -> None:
        raise CellTimeout

    # CPU time of the process (all its threads), not wall time: on a shared machine the wall clock
    # says nothing about the cell
    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)

