"""Every docstring example in the installed package runs and gives what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

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
