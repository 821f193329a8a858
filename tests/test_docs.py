"""Every docstring example in the installed package runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import reopt

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(reopt.__path__, prefix="reopt.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", ["reopt", *MODULES])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring examples failed in {name}"


def test_architecture_page_names_every_module():
    """docs/architecture.md says where things live; a module it does not name is news."""
    page = (Path(__file__).parent.parent / "docs" / "architecture.md").read_text("utf-8")
    packages = {name.rpartition(".")[0] for name in MODULES}
    missing = []
    for name in MODULES:
        named = f"`{name}`" in page
        if name in packages:  # a package: its folder or its name
            named = named or f"reopt/{name.split('.')[-1]}" in page
        if not named:
            missing.append(name)
    assert not missing, missing
