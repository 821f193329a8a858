"""`write_model`: the compiled model as an MPS or LP file, for any other solver or tool.

The file holds the same `LinearProgram` that `solve` hands to its back ends. Names in the
file are reopt's own (``x000042`` for columns, ``c000007`` for rows), so that no user
string (with spaces, accents or MPS's reserved words) can break the file; `model_names`
says what each name stands for, and `write_model` saves that table next to the model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from reopt.backends.highs_tools import write_named_model
from reopt.data.market import Market
from reopt.data.writing import write_csv
from reopt.errors import InputError, Problem, ReoptError
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.model.program import LinearProgram

__all__ = ["FORMATS", "model_names", "write_model"]

#: File formats by suffix.
FORMATS = {".mps": "MPS (free format)", ".lp": "CPLEX LP"}


def write_model(
    market: Market,
    path: str | os.PathLike[str],
    *,
    china_cap: float | None = None,
    policies: Iterable[Policy] = (),
    names: bool = True,
) -> Path:
    """Write the model of ``market`` under the given policies as an MPS or LP file.

    Parameters
    ----------
    market : Market
    path : path
        Ends in ``.mps`` or ``.lp``, which chooses the format.
    china_cap, policies
        As for `reopt.solve`.
    names : bool, default=True
        Also write ``<path>.names.csv``: what each column and row name stands for
        (see `model_names`).

    Returns
    -------
    pathlib.Path
        The model file.

    Examples
    --------
    >>> import tempfile, pathlib, reopt
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> out = reopt.write_model(reopt.datasets.japan_2025(), folder / "japan.mps", china_cap=0.6)
    >>> out.name, (folder / "japan.mps.names.csv").exists()
    ('japan.mps', True)
    """
    checked = policies_for(market, china_cap=china_cap, policies=policies)
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(
            [
                Problem(
                    "file", "write_model()", "path", path, "expected a file path", "e.g. model.mps"
                )
            ]
        )
    target = Path(path)
    if target.suffix.lower() not in FORMATS:
        raise InputError(
            [
                Problem(
                    "file",
                    str(target),
                    "path",
                    target.suffix or target.name,
                    "the file name must end in " + " or ".join(FORMATS),
                    "e.g. model.mps",
                )
            ]
        )
    if not target.parent.is_dir():
        raise ReoptError(f"cannot write {target}: the folder {target.parent} does not exist")
    lp = compile(market, checked)
    table = model_names(market, lp)
    names_of = table["name"].tolist()
    write_named_model(lp, target, names_of[: lp.n_cols], names_of[lp.n_cols :])
    if names:
        write_csv(table, f"{target}.names.csv")
    return target


def model_names(market: Market, lp: LinearProgram) -> pd.DataFrame:
    """What each name in a written model stands for.

    One row per column, then one per row: ``name``, ``kind`` (``column`` or ``row``),
    ``family`` (offer, value, buy; demand, policy, value, min_order), ``product``, ``period``
    (when the market has periods), ``source`` (offer columns), ``policy`` (policy rows).
    """
    enc = market.encoded
    width = max(len(str(lp.n_cols)), len(str(lp.n_rows)))
    col_names = np.char.add("x", np.char.zfill(np.arange(lp.n_cols).astype(str), width))
    row_names = np.char.add("c", np.char.zfill(np.arange(lp.n_rows).astype(str), width))

    offer = lp.col_offer
    has_offer = offer >= 0
    col_product = np.full(lp.n_cols, "", dtype=object)
    col_source = np.full(lp.n_cols, "", dtype=object)
    col_product[has_offer] = market.offers["product"].to_numpy()[offer[has_offer]]
    col_source[has_offer] = market.offers["source"].to_numpy()[offer[has_offer]]

    rows = lp.rows
    demand_row = rows["demand_row"].to_numpy()
    row_product = np.where(
        demand_row >= 0, enc.demand_product[np.maximum(demand_row, 0)], "all products"
    ).astype(object)
    policy_at = rows["policy"].to_numpy() if "policy" in rows else np.full(lp.n_rows, -1)
    row_policy = np.array(
        [lp.policies[k].name if k >= 0 else "" for k in policy_at.tolist()], dtype=object
    )
    family = rows["family"].to_numpy().astype(object)

    table = pd.DataFrame(
        {
            "name": np.concatenate([col_names, row_names]),
            "kind": ["column"] * lp.n_cols + ["row"] * lp.n_rows,
            "family": np.concatenate([lp.columns["kind"].to_numpy(), family]),
            "product": np.concatenate([col_product, row_product]),
            "source": np.concatenate([col_source, np.full(lp.n_rows, "", dtype=object)]),
            "policy": np.concatenate([np.full(lp.n_cols, "", dtype=object), row_policy]),
        }
    )
    if market.has_periods:
        periods = enc.labels["period"]
        col_period = np.full(lp.n_cols, "", dtype=object)
        col_period[has_offer] = market.offers["period"].to_numpy()[offer[has_offer]]
        row_code = rows["period"].to_numpy()
        row_period = np.where(row_code >= 0, periods[np.maximum(row_code, 0)], "").astype(object)
        table.insert(4, "period", np.concatenate([col_period, row_period]))
    return table
