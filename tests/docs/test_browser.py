"""The built docs site as a reader sees it: served over HTTP on 127.0.0.1 and loaded in Debian's
headless Chromium, a reference page shows its examples with their output, a guide shows its code
with its output, and Material's search (JavaScript, in a web worker) finds a symbol typed into the
search box.

Chromium is driven over the DevTools protocol through `--remote-debugging-pipe` (JSON messages on
file descriptors 3 and 4), so the test needs nothing beyond the standard library and the browser:
no WebDriver, no websocket client. `.ci/run` installs `chromium` from Debian.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.upstream.store import SnapshotStore
from tests.conftest import generated_from
from tests.docs.test_docs_site import built_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


class Chromium:
    """A headless Chromium with one page, driven over the DevTools protocol on a pipe."""

    def __init__(self, size: tuple[int, int] = (1400, 1000)) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="keras3-chromium-")
        to_child, self._send = os.pipe()
        self._receive, from_child = os.pipe()
        # Chromium reads the pipe on fd 3 and writes on fd 4: bash puts our ends there (moved
        # above 4 first, so that nothing clashes) and then becomes Chromium.
        high_in = fcntl.fcntl(to_child, fcntl.F_DUPFD_CLOEXEC, 10)
        high_out = fcntl.fcntl(from_child, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_child)
        os.close(from_child)
        redirect = f'exec 3<&{high_in} 4>&{high_out} {high_in}<&- {high_out}>&-; exec "$@"'
        self.process = subprocess.Popen(
            ["bash", "-c", redirect, "bash", CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={self.profile.name}",
             f"--window-size={size[0]},{size[1]}", "--remote-debugging-pipe", "about:blank"],
            pass_fds=(high_in, high_out), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(high_in)
        os.close(high_out)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")

    def call(self, method: str, timeout: float = 60.0, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"Chromium did not answer {method} in {timeout} s")
            ready, _, _ = select.select([self._receive], [], [], left)
            if ready:
                chunk = os.read(self._receive, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"still false after {timeout} s: {expression}")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        time.sleep(0.1)
        self.wait_for(f"location.href.startsWith({json.dumps(url.split('#')[0])}) && document.readyState === 'complete'")

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        try:
            self.session = None
            self.call("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._send)
        os.close(self._receive)
        self.profile.cleanup()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder, _ = built_site(tmp_path_factory)
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    chromium = Chromium()
    try:
        yield chromium
    finally:
        chromium.close()


# The blocks of a section: for each `div.highlight` between the heading and the next h2, its title
# (`Output` for inserted output) and its text.
SECTION_BLOCKS = """
(() => {
  const heading = document.getElementById(%s);
  const blocks = [];
  for (let node = heading.nextElementSibling; node && node.tagName !== 'H2'; node = node.nextElementSibling) {
    for (const block of (node.matches('div.highlight') ? [node] : node.querySelectorAll('div.highlight'))) {
      const title = block.querySelector('.filename');
      blocks.push([title ? title.textContent : '', block.querySelector('code').innerText]);
    }
  }
  return blocks;
})()
"""


def test_reference_page_shows_its_examples(server, browser, tmp_path):
    browser.open(f"{server}/reference/ops/op_add/")
    blocks = browser.evaluate(SECTION_BLOCKS % json.dumps("op_add"))
    code = [text for title, text in blocks if title != "Output"]
    # the signature block first: the overloads, a KerasTensor's form and a tensor's
    assert code[0].splitlines() == ["def op_add(x1: keras.KerasTensor, x2: TensorLike) -> keras.KerasTensor",
                                    "def op_add(x1: TensorLike, x2: TensorLike) -> Tensor"]
    examples = code[1:]
    assert examples and all(">>>" not in text for text in examples)
    assert any("add(x1, x2)" in text for text in examples)
    browser.screenshot(tmp_path / "op_add.png")
    assert (tmp_path / "op_add.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reference_examples_show_their_output(server, browser):
    browser.open(f"{server}/reference/ops/op_add/")
    blocks = browser.evaluate(SECTION_BLOCKS % json.dumps("op_add"))
    titles = [title for title, _ in blocks]
    assert "Output" in titles
    first = titles.index("Output")
    assert "op_add(" in blocks[first - 1][1]  # the translated example, right before its output
    assert "6" in blocks[first][1] and "10" in blocks[first][1]  # [1, 4] + [5, 6]


def test_guide_shows_code_and_output(server, browser):
    browser.open(f"{server}/getting-started/")
    blocks = browser.evaluate(SECTION_BLOCKS % json.dumps("a-first-model"))
    assert blocks[0][0] == "" and "keras_model(inputs, outputs)" in blocks[0][1]
    assert blocks[1][0] == "Output" and "Total params" in blocks[1][1]


@pytest.mark.parametrize("name, page", [("layer_dense", "reference/layers/layer_dense/"),
                                        ("op_add", "reference/ops/op_add/")])
def test_search_box_finds_a_symbol(server, browser, name, page):
    browser.open(f"{server}/guides/models/")
    browser.evaluate("document.querySelector('.md-search__input').focus()")
    browser.call("Input.insertText", text=name)
    browser.wait_for("document.querySelectorAll('.md-search-result__item').length > 0")
    links = browser.evaluate(
        "Array.from(document.querySelectorAll('.md-search-result__item a')).map(a => a.getAttribute('href'))")
    assert any(link.split("?")[0].split("#")[0].endswith(page) for link in links), links


def test_search_link_with_a_query_opens_results(server, browser):
    browser.open(f"{server}/?q=random_normal")
    browser.wait_for("document.querySelectorAll('.md-search-result__item').length > 0")
    links = browser.evaluate(
        "Array.from(document.querySelectorAll('.md-search-result__item a')).map(a => a.getAttribute('href'))")
    assert any(link.split("#")[0].split("?")[0].endswith("random_normal/") for link in links), links


def test_a_wrapper_page_links_to_another_and_to_its_types(server, browser):
    """One page per wrapper: a link names it; upstream prose that names another wrapped symbol
    links to that wrapper's page, and a parameter's type links to keras3.types."""
    browser.open(f"{server}/reference/layers/layer_spectral_normalization/")
    assert browser.evaluate("document.querySelector('h1').id") == "layer_spectral_normalization"
    href = browser.evaluate("Array.from(document.querySelectorAll('article a'))"
                            ".map(a => a.href).find(h => h.endsWith('/reference/layers/layer_dense/'))")
    assert href, "no link to layer_dense on the page"
    browser.open(href)
    assert browser.evaluate("document.querySelector('h1').id") == "layer_dense"
    types = browser.evaluate("Array.from(document.querySelectorAll('table a')).map(a => a.href)")
    assert any(t.endswith("/reference/types/#ActivationLike") for t in types), types


def test_changelog_shows_the_api_evolution_picture(server, browser):
    browser.open(f"{server}/changelog/")
    size = browser.wait_for(
        "(() => { const img = document.querySelector('img[src$=\"api-evolution.svg\"]');"
        " return img && img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null; })()")
    assert size[0] > 300 and size[1] > 150
    # drawn from the store: one bar of public paths per stored release, named by its tooltip
    bars = browser.evaluate(
        "(() => { const x = new XMLHttpRequest(); x.open('GET', 'api-evolution.svg', false); x.send();"
        " const svg = new DOMParser().parseFromString(x.responseText, 'image/svg+xml');"
        " return Array.from(svg.querySelectorAll('rect.symbols')).map(r => r.getAttribute('data-release')); })()")
    releases = SnapshotStore().releases()
    assert bars == releases[:releases.index(generated_from()) + 1]


def _translated(prefix: str) -> dict[str, Any]:
    from generator.docs.guides.outputs import read_rendered, source_pages

    pages = {path: (page, read_rendered(path)) for path, (page, _) in source_pages().items()
             if path.startswith(prefix)}
    if not pages:
        pytest.skip(f"generated/docs holds no translated page under {prefix} (none synced yet)")
    return pages


def test_a_translated_guide_shows_where_it_comes_from_its_outputs_and_figures(server, browser):
    pages = _translated("guides/")
    # the guide with the most figures (one without any still shows its outputs)
    pages = {path: (page, rendered) for path, (page, rendered) in pages.items() if rendered is not None}
    assert pages, "no translated guide has a rendered output (make guides-render)"
    path, (page, rendered) = max(pages.items(),
                                 key=lambda item: sum(len(c.get("figures", ())) for c in item[1][1].cells))
    browser.open(f"{server}/{path.removesuffix('.md')}/")
    info = browser.evaluate("document.querySelector('.admonition.info').innerText")
    assert f"Run on Keras {rendered.keras}" in info and "cells ran" in info
    # where it comes from: the page's own note (a translated tutobook names it) or the run's box
    notes = browser.evaluate("Array.from(document.querySelectorAll('.admonition')).map(a => a.innerText).join(' ')")
    assert "Translated to keras3 from" in notes and page.upstream in notes
    titles = browser.evaluate("Array.from(document.querySelectorAll('div.highlight .filename'))"
                              ".map(t => t.textContent)")
    assert "Output" in titles
    figures = sum(len(cell.get("figures", ())) for cell in rendered.cells)
    shown = browser.wait_for(
        "(() => { const imgs = Array.from(document.querySelectorAll('article img[src*=\"cell\"]'));"
        " return imgs.every(i => i.complete) ? imgs.map(i => [i.naturalWidth, i.alt]) : null; })()")
    assert len(shown) == figures and all(width > 0 and alt for width, alt in shown)


def test_the_gallery_index_shows_a_card_with_a_thumbnail_per_example(server, browser):
    pages = _translated("examples/")
    browser.open(f"{server}/examples/")
    cards = browser.wait_for(
        "(() => { const cards = Array.from(document.querySelectorAll('.grid.cards > ul > li'));"
        " return cards.every(c => { const i = c.querySelector('img'); return i && i.complete; })"
        " ? cards.map(c => [c.querySelector('img').naturalWidth, c.querySelector('img').alt,"
        " c.querySelector('a').href]) : null; })()")
    assert len(cards) == len(pages)
    assert all(width > 0 and alt for width, alt, _ in cards)
    browser.open(cards[0][2])
    assert browser.evaluate("document.querySelector('.admonition.info') !== null")


# One page of each kind: (page, name, what each overload returns, in order; parameters in the table).
PAGE_KINDS = [
    ("reference/ops/op_add/", "op_add", ["keras.KerasTensor", "Tensor"], ["x1", "x2"]),
    ("reference/layers/layer_dense/", "layer_dense",
     ["keras.layers.Dense", "keras.Sequential", "keras.KerasTensor", "keras.KerasTensor", "Tensor"],
     ["object", "units", "activation", "training", "**kwargs"]),
    ("reference/losses/loss_mean_squared_error/", "loss_mean_squared_error",
     ["keras.losses.MeanSquaredError", "keras.KerasTensor", "Tensor"], ["y_true", "y_pred", "reduction"]),
    ("reference/metrics/metric_auc/", "metric_auc", ["keras.metrics.AUC", "keras.KerasTensor", "Tensor"],
     ["y_true", "y_pred", "num_thresholds"]),
    ("reference/models/fit/", "fit", ["keras.callbacks.History"], ["object", "x", "epochs"]),
    ("reference/optimizers/optimizer_adam/", "optimizer_adam", ["keras.optimizers.Adam"], ["learning_rate"]),
    ("reference/models/freeze_weights/", "freeze_weights", ["_L"], ["object", "from_", "which"]),
]

# The page as a reader sees it: the signature block's lines, the visible text, the parameter
# tables and their first column, and the bold section titles.
PAGE_VIEW = """
(() => {
  const article = document.querySelector('article');
  const tables = Array.from(article.querySelectorAll('table.keras3-parameters'));
  return {
    signature: article.querySelector('div.highlight code').innerText,
    text: article.innerText,
    tables: tables.length,
    tables_any: article.querySelectorAll('table').length,
    names: tables.length ? Array.from(tables[0].querySelectorAll('tbody tr')).map(r => r.cells[0].innerText) : [],
    header: tables.length ? Array.from(tables[0].querySelectorAll('th')).map(h => h.innerText) : [],
    titles: Array.from(article.querySelectorAll('p > strong:only-child')).map(s => s.innerText),
  };
})()
"""


@pytest.mark.parametrize("page, name, returns, params", PAGE_KINDS, ids=[k[1] for k in PAGE_KINDS])
def test_a_reference_page_reads_as_it_is_typed(server, browser, page, name, returns, params):
    """Each kind of page shows its overloads (what each form returns), one parameter table with
    description, type and default, and no escaped character (a union's `|` is a `|`)."""
    browser.open(f"{server}/{page}")
    view = browser.evaluate(PAGE_VIEW)
    shown = [line.rsplit(" -> ", 1)[1] for line in view["signature"].splitlines() if " -> " in line]
    assert view["signature"].count(f"def {name}(") == len(returns) and shown == returns, view["signature"]
    assert ": Any = None" not in view["signature"] and "-> Any" not in view["signature"]  # not the implementation
    assert "\\|" not in view["text"] and "&#124;" not in view["text"]
    assert view["tables"] == 1 and view["header"] == ["Parameter", "Description", "Type", "Default"]
    assert len(view["names"]) == len(set(view["names"])) and set(params) <= set(view["names"])
    assert not {"Args", "Arguments"} & set(view["titles"]), view["titles"]  # parameters listed once
