"""The documentation site builds strictly, its internal links resolve, and it reads in a browser.

The site is built once per session with ``mkdocs build --strict`` (any warning fails the
build). Every internal link and anchor of the built HTML must resolve. The generated parts
(the API reference from ``reopt.__all__``, the CLI reference from the parser, a page per
bundled dataset, every notebook) must be there. Then headless Chromium opens the start
page, the API page of ``reopt.solve`` and a notebook page from a server on 127.0.0.1,
failing on any console error and saving screenshots (to ``$REOPT_SCREENSHOTS`` as well when
that is set). The browser test is skipped only when Chromium is missing and
``REOPT_REQUIRE_BROWSER`` is unset; CI sets it.
"""

from __future__ import annotations

import functools
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import reopt

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict``."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"]
    command += ["--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or "WARNING" in done.stderr:
        pytest.fail(f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}")
    return out


# -- the link check ---------------------------------------------------------------------------


class _Page(html.parser.HTMLParser):
    """The ids (anchors) of one HTML page and the URLs it links to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key) and (key == "id" or tag == "a"):
                self.ids.add(str(values[key]))
        for key in ("href", "src"):
            if values.get(key) and tag in ("a", "link", "img", "script", "iframe", "source"):
                self.links.append(str(values[key]))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


@dataclass(frozen=True)
class BrokenLink:
    """A link of ``page`` whose target file or anchor is missing."""

    page: str
    link: str
    reason: str


def broken_links(root: Path) -> list[BrokenLink]:
    """Every internal link or anchor in the HTML under ``root`` that does not resolve."""
    pages = {p: _parse(p) for p in sorted(root.rglob("*.html"))}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue
            if parts.path.startswith("/"):  # the 404 page's links start at the site's root
                target = (root / unquote(parts.path).lstrip("/")).resolve()
            elif parts.path:
                target = (path.parent / unquote(parts.path)).resolve()
            else:
                target = path
            if target.is_dir():
                target = target / "index.html"
            where = str(path.relative_to(root))
            if not target.is_file() or not target.is_relative_to(root.resolve()):
                broken.append(BrokenLink(where, link, "no such file"))
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(BrokenLink(where, link, "no such anchor"))
    return broken


def test_the_link_check_finds_broken_links(tmp_path: Path) -> None:
    """A missing file and a missing anchor are both reported; good links are not."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text('<h1 id="top">A</h1><a href="#top">up</a>')
    (tmp_path / "index.html").write_text(
        '<a href="a/">ok</a><a href="a/#top">ok</a><a href="https://example.org/x">out</a>'
        '<a href="b.html">gone</a><a href="a/index.html#nowhere">lost</a><img src="i.png">'
    )
    found = {(b.link, b.reason) for b in broken_links(tmp_path)}
    assert found == {
        ("b.html", "no such file"),
        ("a/index.html#nowhere", "no such anchor"),
        ("i.png", "no such file"),
    }


def test_every_internal_link_resolves(site: Path) -> None:
    broken = broken_links(site)
    assert not broken, "\n".join(f"{b.page}: {b.link} ({b.reason})" for b in broken[:50])


# -- the generated pages ----------------------------------------------------------------------


def _ids(site: Path, pattern: str) -> set[str]:
    return {i for p in site.glob(pattern) for i in _parse(p).ids}


def test_the_api_reference_has_every_public_name(site: Path) -> None:
    """Every name of ``reopt.__all__`` has its entry (an anchor ``reopt.NAME``)."""
    ids = _ids(site, "api/*/index.html")
    missing = [n for n in reopt.__all__ if n != "__version__" and f"reopt.{n}" not in ids]
    assert not missing, missing
    assert "reopt.solve" in _parse(site / "api" / "results" / "index.html").ids
    assert "reopt._load_highs_globally" not in ids


def test_the_cli_reference_is_the_parsers_help(site: Path) -> None:
    """Each subcommand's options, as the parser has them, are on the CLI page."""
    from reopt.cli.app import COMMANDS, parser

    text = (site / "cli" / "index.html").read_text(encoding="utf-8")
    top = parser()
    names = next(a for a in top._actions if a.__class__.__name__ == "_SubParsersAction").choices
    assert len(names) == len(COMMANDS)
    for name, sub in names.items():
        assert f"reopt {name}" in text
        for action in sub._actions:
            for flag in action.option_strings:
                assert flag in text, (name, flag)


def test_every_dataset_and_notebook_has_a_page(site: Path) -> None:
    readmes = sorted((ROOT / "reopt" / "datasets").glob("*/README.md"))
    assert readmes
    for readme in readmes:
        page = site / "datasets" / readme.parent.name / "index.html"
        assert page.is_file(), page
    index = (site / "datasets" / "index.html").read_text(encoding="utf-8")
    for key in reopt.datasets.citations()["citation_key"]:
        assert f'id="{key}"' in index, key
    notebooks = sorted((ROOT / "examples").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        page = site / "examples" / notebook.stem / "index.html"
        assert page.is_file(), page


def test_the_notebooks_hold_no_tex_math() -> None:
    """The notebook pages load a stand-in for MathJax (docs/javascripts/no-mathjax.js), so
    that the site needs nothing from outside; TeX math in a notebook would not render."""
    tex = re.compile(r"\$\$|\\\(|\\\[|\$[^$\s][^$\n]*\$")
    for notebook in sorted((ROOT / "examples").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells):
            text = "".join(cell["source"])
            found = tex.search(text) if cell["cell_type"] == "markdown" else None
            assert found is None, f"{notebook.name} cell {number}: TeX math {found.group(0)!r}"


# -- in a browser -----------------------------------------------------------------------------


def _browser() -> tuple[str, str] | None:
    """Paths of Chromium and its driver, or None."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 at a free port; its base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chrome() -> Iterator[object]:
    """Headless Chromium through selenium and Debian's chromedriver."""
    found = _browser()
    if found is None:
        if os.environ.get("REOPT_REQUIRE_BROWSER"):
            pytest.fail("REOPT_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


PAGES = {
    "start": ("", "h1"),
    "solve": ("api/results/", "[id='reopt.solve']"),
    "notebook": ("examples/01-quickstart/", ".jp-OutputArea-output"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_pages_open_in_a_browser_without_console_errors(
    name: str, served: str, chrome: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    path, selector = PAGES[name]
    driver = chrome
    driver.get_log("browser")  # type: ignore[attr-defined]  # drop earlier pages' messages
    driver.get(served + path)  # type: ignore[attr-defined]
    driver.execute_script("return document.readyState")  # type: ignore[attr-defined]
    found = driver.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[attr-defined]
    assert found, f"{name}: nothing matches {selector!r} at {served + path}"
    if name == "solve":  # the entry's heading, just below the site's header bar
        script = "arguments[0].scrollIntoView(); window.scrollBy(0, -80);"
        driver.execute_script(script, found[0])  # type: ignore[attr-defined]
    shots = [tmp_path]
    if os.environ.get("REOPT_SCREENSHOTS"):
        shots.append(Path(os.environ["REOPT_SCREENSHOTS"]))
    for folder in shots:
        folder.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(folder / f"{name}.png"))  # type: ignore[attr-defined]
    errors = [
        entry
        for entry in driver.get_log("browser")  # type: ignore[attr-defined]
        if entry.get("level") == "SEVERE"
    ]
    assert not errors, f"{name}: console errors: {errors}"
    assert "reopt" in driver.title  # type: ignore[attr-defined]
