"""Bundled datasets: Japan's rare-earth purchasing today and in 2010, and synthetic markets.

Each bundled dataset is a folder of CSVs inside the package (``offers.csv``, ``demand.csv``,
``sources.csv``) with a ``README.md`` that says what every number rests on: each row carries
citation keys and a basis (published, derived, assumption). `export` copies one to a folder
as a template for your own data.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import pandas as pd

from reopt.checks import input_error
from reopt.data.market import Market
from reopt.datasets.synthetic import PRODUCTS, synthetic

__all__ = [
    "NAMES",
    "PRODUCTS",
    "available",
    "export",
    "japan_2010",
    "japan_2025",
    "load",
    "readme",
    "synthetic",
]

_BUNDLED = {
    "japan_2025": "Japan's current demand and supply options (USGS 2025 prices; JSNM 2024 "
    "demand; Lynas, MP Materials, India, Vietnam, recycling)",
    "japan_2010": "Japan in 2010-2011: the embargo year, 2011 prices, and the 2010-2014 "
    "diversification plans",
}

#: Names of the bundled datasets.
NAMES: tuple[str, ...] = tuple(_BUNDLED)


def available() -> pd.DataFrame:
    """The bundled datasets: name, description, offers, products.

    Examples
    --------
    >>> list(available()["name"])
    ['japan_2025', 'japan_2010']
    """
    rows = []
    for name, text in _BUNDLED.items():
        market = load(name)
        rows.append((name, text, market.n_offers, len(market.products)))
    return pd.DataFrame(rows, columns=["name", "description", "offers", "products"])


def load(name: str) -> Market:
    """Load a bundled dataset by name (see `available`)."""
    from reopt.data.io import read_market

    with resources.as_file(_folder(name)) as folder:
        return read_market(folder)


def japan_2025() -> Market:
    """Japan's current rare-earth purchasing: the default dataset.

    Demand is Japan's (JSNM 2024 for NdPr and Ce; La from 2020; Dy and Tb are assumptions),
    China's prices are USGS FOB China 2025 averages, and the non-China offers (Lynas, MP
    Materials, India, Vietnam, recycling) carry stated assumptions; ``readme("japan_2025")``
    lists them all.

    Examples
    --------
    >>> japan_2025().products[:2]
    ('NdPr oxide', 'Dy oxide')
    """
    return load("japan_2025")


def japan_2010() -> Market:
    """Japan in 2010-2011: demand of the embargo year, 2011 prices, the diversification plans.

    Uncapped, the cheapest plan buys about 90% from China, as Japan did; at a 60% cap the
    planned non-China sources make a plan possible, at a cost. ``readme("japan_2010")``
    explains what is assumed.
    """
    return load("japan_2010")


def readme(name: str) -> str:
    """The README of a bundled dataset: sources, assumptions and caveats."""
    return _folder(name).joinpath("README.md").read_text(encoding="utf-8")


def export(name: str, folder: str | os.PathLike[str]) -> Path:
    """Copy a bundled dataset's CSVs and README into ``folder`` (a template for own data).

    Returns the folder. Existing files of the same names are overwritten.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with resources.as_file(_folder(name)) as src:
        for file in sorted(Path(src).iterdir()):
            if file.suffix in (".csv", ".md"):
                shutil.copyfile(file, out / file.name)
    return out


def _folder(name: str) -> resources.abc.Traversable:
    if name not in _BUNDLED:
        hint = f"available: {', '.join(_BUNDLED)}"
        raise input_error("options", "datasets", "name", name, "no such dataset", hint)
    return resources.files("reopt.datasets").joinpath(name)
