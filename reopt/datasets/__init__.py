"""Bundled datasets: Japan's rare-earth markets and disruption scenarios, and synthetic markets.

Each bundled market is a folder of CSVs inside the package (``offers.csv``, ``demand.csv``,
``sources.csv``) with a ``README.md`` that says what every number rests on: each row carries
citation keys and a basis (published, derived, assumption). The markets are `japan_2025`,
`japan_2010` and the yearly `japan_outlook` (2026-2035). Each bundled scenario set is a folder
of ``scenarios.csv``, ``changes.csv`` and ``lost_supply.csv`` (the tables of
`reopt.data.scenarios`, plus the same citation and basis columns) made for one market:
`japan_2025_scenarios` and `japan_2010_scenarios`. Every citation key is in one bundled table,
`citations`. `export` copies a dataset or scenario set to a folder as a template for your own
data.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

import pandas as pd

from reopt.checks import input_error
from reopt.data.market import Market
from reopt.data.scenarios import ScenarioSet
from reopt.data.writing import write_csv
from reopt.datasets.synthetic import PRODUCTS, synthetic

__all__ = [
    "NAMES",
    "PRODUCTS",
    "SCENARIO_NAMES",
    "available",
    "citations",
    "export",
    "japan_2010",
    "japan_2010_scenarios",
    "japan_2025",
    "japan_2025_scenarios",
    "japan_outlook",
    "load",
    "load_scenarios",
    "readme",
    "scenario_sets",
    "scenario_tables",
    "synthetic",
]

_BUNDLED = {
    "japan_2025": "Japan's current demand and supply options (USGS 2025 prices; JSNM 2024 "
    "demand; Lynas, MP Materials, India, Vietnam, recycling)",
    "japan_2010": "Japan in 2010-2011: the embargo year, 2011 prices, and the 2010-2014 "
    "diversification plans",
    "japan_outlook": "Japan yearly 2026-2035: today's offers, Lynas and MP expansions, recycling "
    "growth and Kazakhstan's Zhana deposit (speculative) opening in stated years",
}

#: Names of the bundled datasets.
NAMES: tuple[str, ...] = tuple(_BUNDLED)

_SCENARIO_SETS = {
    "japan_2025_scenarios": (
        "japan_2025",
        "a Dy/Tb licence freeze, a China export halt, Myanmar feed lost, a Lynas outage",
    ),
    "japan_2010_scenarios": ("japan_2010", "the 2010 halt of China's shipments to Japan"),
}

#: Names of the bundled scenario sets.
SCENARIO_NAMES: tuple[str, ...] = tuple(_SCENARIO_SETS)

_SCENARIO_FILES = ("scenarios", "changes", "lost_supply")
_NUMBERS = ("probability", "capacity_factor", "price_factor", "delay_periods", "value_usd_per_kg")
#: Spot purchases cost ``price * (1 + premium) * price_factor`` in the bundled sets (see READMEs).
_SPOT_PREMIUM = 0.5


def available() -> pd.DataFrame:
    """The bundled datasets: name, description, offers, products.

    Examples
    --------
    >>> list(available()["name"])
    ['japan_2025', 'japan_2010', 'japan_outlook']
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


def japan_outlook() -> Market:
    """Japan's purchasing year by year, 2026 to 2035 (``period`` 2026..2035).

    Today's offers (`japan_2025`) in every year, plus options that open in a stated year:
    Lynas' NdPr expansion and new heavy rare earth plant, MP's Dy/Tb circuit, recycling growth
    to 10% of demand, and Kazakhstan's Zhana deposit (speculative: no capacity before 2033).
    Demand grows per product (magnet oxides about 5%/yr, Ce and La about 0.6%/yr).
    ``readme("japan_outlook")`` lists every assumption.

    Examples
    --------
    >>> japan_outlook().periods[0], japan_outlook().periods[-1]
    (2026, 2035)
    """
    return load("japan_outlook")


def scenario_sets() -> pd.DataFrame:
    """The bundled scenario sets: name, the market they are made for, description, scenarios.

    Examples
    --------
    >>> list(scenario_sets()["market"])
    ['japan_2025', 'japan_2010']
    """
    rows = []
    for name, (market, text) in _SCENARIO_SETS.items():
        rows.append((name, market, text, len(scenario_tables(name)["scenarios"])))
    return pd.DataFrame(rows, columns=["name", "market", "description", "scenarios"])


def scenario_tables(name: str) -> dict[str, pd.DataFrame]:
    """A bundled scenario set's tables as shipped, citation, basis and notes columns included.

    Keys ``scenarios``, ``changes``, ``lost_supply``; every cell is text as in the file.
    """
    folder = _scenario_folder(name)
    return {
        table: pd.read_csv(
            folder.joinpath(f"{table}.csv"), keep_default_na=False, dtype=str, encoding="utf-8"
        )
        for table in _SCENARIO_FILES
    }


def load_scenarios(name: str) -> ScenarioSet:
    """Load a bundled scenario set by name (see `scenario_sets`).

    Each row's citations, basis and notes become its ``description``. Spot purchases cost
    1.5 times an offer's price before a scenario's price factor (``spot_premium=0.5``).
    """
    tables = {t: _typed(frame) for t, frame in scenario_tables(name).items()}
    return ScenarioSet.from_tables(
        tables["scenarios"],
        tables["changes"],
        tables["lost_supply"],
        spot_premium=_SPOT_PREMIUM,
    )


def japan_2025_scenarios() -> ScenarioSet:
    """Disruption scenarios for `japan_2025`.

    A baseline, a Dy/Tb licence freeze, a China export halt, Myanmar feed lost and a Lynas
    outage. Probabilities are event counts over 2010-2025 and the value of lost supply is the
    2009-2011 Dy price multiple times each oxide's price: both derived openly, both
    assumptions; ``readme("japan_2025_scenarios")`` gives every row's reasoning.

    Examples
    --------
    >>> japan_2025_scenarios().names
    ('baseline', 'dy_tb_licence_freeze', 'china_export_halt', 'myanmar_feed_lost', 'lynas_outage')
    """
    return load_scenarios("japan_2025_scenarios")


def japan_2010_scenarios() -> ScenarioSet:
    """The 2010 halt of China's rare-earth shipments to Japan, and a baseline, for `japan_2010`.

    ``readme("japan_2010_scenarios")`` gives every row's reasoning.
    """
    return load_scenarios("japan_2010_scenarios")


def citations() -> pd.DataFrame:
    """Every citation key the bundled datasets and scenario sets use, with its source.

    Columns ``citation_key``, ``title``, ``publisher``, ``year``, ``url``, ``notes``.
    """
    path = resources.files("reopt.datasets").joinpath("citations.csv")
    return pd.read_csv(path, keep_default_na=False, dtype=str, encoding="utf-8")


def readme(name: str) -> str:
    """The README of a bundled dataset or scenario set: sources, assumptions and caveats."""
    return _folder(name).joinpath("README.md").read_text(encoding="utf-8")


def export(name: str, folder: str | os.PathLike[str]) -> Path:
    """Copy a bundled dataset or scenario set into ``folder`` (a template for own data).

    A dataset's CSVs and README are copied as they are. A scenario set is written as
    `reopt.data.scenarios` reads it (each row's citations, basis and notes in its
    ``description`` column), with its README. Returns the folder; existing files of the same
    names are overwritten.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    if name in _SCENARIO_SETS:
        for table, frame in scenario_tables(name).items():
            write_csv(_described(frame), out / f"{table}.csv")
        (out / "README.md").write_text(readme(name), encoding="utf-8")
        return out
    with resources.as_file(_folder(name)) as src:
        for file in sorted(Path(src).iterdir()):
            if file.suffix in (".csv", ".md"):
                shutil.copyfile(file, out / file.name)
    return out


def _described(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with its citation, basis and notes columns folded into ``description``."""
    cites = [c for c in frame.columns if c.endswith("citation")]
    extra = [*cites, *(c for c in frame.columns if c.endswith("basis")), "notes"]
    out = frame.drop(columns=[c for c in extra if c in frame.columns])
    text = []
    for _, row in frame.iterrows():
        parts = []
        for cite in cites:
            stem = cite[: -len("citation")]
            label = stem.rstrip("_") or "figure"
            parts.append(f"{label}: {row.get(stem + 'basis', '')} [{row[cite]}]")
        text.append("; ".join(parts) + (f". {row['notes']}" if "notes" in frame.columns else ""))
    out["description"] = text
    return out


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A shipped table as `ScenarioSet.from_tables` takes it: numbers, None for blank filters."""
    out = _described(frame)
    for col in out.columns:
        if col in _NUMBERS:
            out[col] = pd.to_numeric(out[col])
        elif col != "description":
            out[col] = out[col].where(out[col].str.strip() != "", None)
    return out


def _scenario_folder(name: str) -> resources.abc.Traversable:
    if name not in _SCENARIO_SETS:
        hint = f"available: {', '.join(_SCENARIO_SETS)}"
        raise input_error("options", "datasets", "name", name, "no such scenario set", hint)
    return resources.files("reopt.datasets").joinpath(name)


def _folder(name: str) -> resources.abc.Traversable:
    if name in _SCENARIO_SETS:
        return _scenario_folder(name)
    if name not in _BUNDLED:
        hint = f"available: {', '.join([*_BUNDLED, *_SCENARIO_SETS])}"
        raise input_error("options", "datasets", "name", name, "no such dataset", hint)
    return resources.files("reopt.datasets").joinpath(name)
