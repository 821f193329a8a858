"""Repository files outside docs/ that the site shows: the notebooks and benchmark results.

Every ``examples/*.ipynb`` (rendered by mkdocs-jupyter with its stored outputs) and the
benchmark results (``benchmarks/**/*.md`` and their plots) become site files at the same
path as in the repository. A docs page's link that leaves docs/ (``../examples/x.ipynb``, as
the Markdown reads on a code host) is rewritten to the page the site has for that file.
"""

from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mkdocs.plugins
from mkdocs.structure.files import File, Files, InclusionLevel

sys.path.insert(0, str(Path(__file__).parent))
from site_nav import replace_entry

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = ("examples/*.ipynb", "benchmarks/**/*.md", "benchmarks/**/*.png")
#: Linked from the pages but not listed in the navigation: the benchmark files other than
#: those mkdocs.yml names.
LINK = re.compile(r"(\]\()(\.\./[^)\s#]+)(#[^)\s]*)?(\))")


def repo_files() -> list[str]:
    """The repository paths the site includes, sorted."""
    found = {p.relative_to(ROOT).as_posix() for pattern in PATTERNS for p in ROOT.glob(pattern)}
    return sorted(found)


def notebook_title(path: str) -> str:
    """A notebook's title in the navigation: its file name without number and suffix."""
    stem = Path(path).stem
    words = re.sub(r"^\d+-", "", stem).replace("-", " ")
    return words[:1].upper() + words[1:]


def nav_paths(nav: Any) -> Iterator[str]:
    """Every page path the navigation lists."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for entry in nav:
            yield from nav_paths(entry)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from nav_paths(value)


def on_config(config: Any) -> Any:
    """List every notebook under the ``examples/`` entry of the navigation."""
    pages = [{notebook_title(p): p} for p in repo_files() if p.endswith(".ipynb")]
    replace_entry(config["nav"], "examples/", pages)
    return config


@mkdocs.plugins.event_priority(100)  # before mkdocs-jupyter looks for notebooks
def on_files(files: Files, config: Any) -> Files:
    """Add the repository files to the site, at their repository paths."""
    listed = set(nav_paths(config["nav"]))
    for path in repo_files():
        shown = InclusionLevel.UNDEFINED if path in listed else InclusionLevel.NOT_IN_NAV
        # a File read from the checkout's root (not File.generated: mkdocs-jupyter 0.26
        # copies a notebook's File by its src_dir)
        site = (config["site_dir"], config["use_directory_urls"])
        files.append(File(path, str(ROOT), *site, inclusion=shown))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Point links that leave docs/ at the site's copy of the file they name."""
    docs = Path(config["docs_dir"]).resolve()
    here = (docs / page.file.src_uri).parent

    def rewrite(match: re.Match[str]) -> str:
        target = (here / match.group(2)).resolve()
        try:
            path = target.relative_to(ROOT).as_posix()
        except ValueError:
            return match.group(0)
        if files.get_file_from_path(path) is None:
            return match.group(0)
        start = posixpath.dirname(page.file.src_uri) or "."
        new = posixpath.relpath(path, start)
        return f"{match.group(1)}{new}{match.group(3) or ''}{match.group(4)}"

    if page.file.abs_src_path is None or not page.file.src_uri.endswith(".md"):
        return markdown
    if not Path(page.file.abs_src_path).resolve().is_relative_to(docs):
        return markdown
    return LINK.sub(rewrite, markdown)
