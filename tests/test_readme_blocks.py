"""Every ```python block of README.md and docs/*.md runs, so a documented example cannot rot.

The blocks of one page run in order in one fresh namespace, in a temporary working folder
that holds ``my_market/`` (the bundled ``japan_2025`` dataset, the folder the docs' examples
read). A block whose first line starts with ``>>>`` is a doctest and must print what it
shows. Plots draw with matplotlib's Agg backend. Shell commands and sketches are fenced as
``bash`` or ``text``, never ``python``.
"""

from __future__ import annotations

import doctest
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import reopt

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(?P<info>[^\n`]*)\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One fenced block: its info string, its code and the line its code starts on."""

    info: str
    code: str
    line: int


def blocks(page: Path) -> list[Block]:
    """Every fenced block of ``page``, in order."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start("code")) + 1
        found.append(Block(match.group("info").strip(), match.group("code"), line))
    return found


def python_blocks(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.info == "python"]


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def run_block(block: Block, namespace: dict[str, object], where: str) -> None:
    """Run one block in ``namespace``: as a doctest when it starts with ``>>>``."""
    if block.code.lstrip().startswith(">>>"):
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, where, where, block.line - 1
        )
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        out: list[str] = []
        runner.run(test, out=out.append, clear_globs=False)
        namespace.update(test.globs)  # a DocTest runs in a copy; later blocks see its names
        assert runner.failures == 0, "".join(out)
        return
    exec(compile(block.code, where, "exec"), namespace)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with ``my_market/``; matplotlib (if any) draws off screen."""
    monkeypatch.chdir(tmp_path)
    reopt.datasets.export("japan_2025", tmp_path / "my_market")
    try:
        import matplotlib
    except ImportError:
        return tmp_path
    matplotlib.use("Agg")
    return tmp_path


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)], ids=_name)
def test_python_blocks_run(page: Path, workdir: Path) -> None:
    """The page's ```python blocks run in order, sharing one namespace."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    try:
        for block in python_blocks(page):
            where = f"{_name(page)}:{block.line}"
            try:
                run_block(block, namespace, where)
            except Exception as err:
                pytest.fail(f"{where}: the block failed: {type(err).__name__}: {err}")
    finally:
        if "matplotlib.pyplot" in __import__("sys").modules:
            import matplotlib.pyplot as plt

            plt.close("all")


def test_the_readme_and_docs_have_python_blocks() -> None:
    """The collection finds the examples (a changed fence style would hide them all)."""
    assert len(python_blocks(ROOT / "README.md")) >= 4
    assert sum(len(python_blocks(p)) for p in PAGES) >= 12


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_python_is_fenced_as_python(page: Path) -> None:
    """Code that reads as Python (``import reopt``, ``reopt.``) is fenced ```python, so it runs;
    shell sessions (``$ ``) and printed output are ``text`` / ``bash``."""
    for block in blocks(page):
        if block.info in ("python", "bash", "toml", "text", ""):
            continue
        pytest.fail(f"{_name(page)}:{block.line}: unknown fence {block.info!r}")
    for block in blocks(page):
        lines = block.code.splitlines()
        looks_python = any(
            line.startswith(("import reopt", "plan = reopt.", "reopt.")) for line in lines
        )
        if looks_python and block.info != "python":
            pytest.fail(f"{_name(page)}:{block.line}: Python code fenced as {block.info!r}")


def test_a_doctest_block_must_print_what_it_shows() -> None:
    """A ``>>>`` block is checked against its output, not merely run."""
    namespace: dict[str, object] = {}
    run_block(Block("python", ">>> x = 20\n>>> x + 1\n21\n", 1), namespace, "page.md:1")
    assert namespace["x"] == 20
    with pytest.raises(AssertionError, match="Expected"):
        run_block(Block("python", ">>> 1 + 1\n3\n", 1), {}, "page.md:1")
