"""`write_model`: the compiled model as an MPS or LP file, for any other solver or tool.

The file holds the same `LinearProgram` that `solve` hands to its back ends, with names a
reader can follow: ``buy_lynas_malaysia_NdPr_oxide`` for the tonnes bought on an offer,
``demand_NdPr_oxide`` and ``cap_share_country_CN_NdPr_oxide`` for rows (`model_names`).
Each name is built from the market's labels but made safe for both formats: ASCII letters,
digits and ``_`` only (accents dropped, anything else becomes ``_``), starting with a
letter, at most `MAX_NAME` characters, and unique (``_2``, ``_3``, ... on a repeat), so
that no user string (spaces, MPS's section words, LP's operators) can break the file.
`model_names` says what each name stands for, and `write_model` saves that table next to
the model.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from reopt.backends.highs_tools import write_named_model
from reopt.data.market import Market
from reopt.data.writing import write_csv
from reopt.errors import InputError, Problem, ReoptError
from reopt.model.blocks import RowFamily
from reopt.model.formulation import compile
from reopt.model.policy import Policy, policies_for
from reopt.model.program import ColumnFamily, LinearProgram

__all__ = ["FORMATS", "MAX_NAME", "model_names", "safe_name", "write_model"]

#: File formats by suffix.
FORMATS = {".mps": "MPS (free format)", ".lp": "CPLEX LP"}
#: The longest name written (the LP format allows 255 characters; shorter names read better).
MAX_NAME = 64
#: Room kept at the end of a name for the ``_2``, ``_3``, ... that makes it unique.
_ROOM = 6
_UNSAFE = re.compile(r"[^A-Za-z0-9_]+")


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
    Names: ``buy_SOURCE_PRODUCT`` (tonnes bought on an offer), ``order_SOURCE_PRODUCT`` (its
    0/1 order with a minimum order), ``value_PRODUCT`` (money spent, for value-basis shares);
    ``demand_PRODUCT``, ``POLICY_GROUP_PRODUCT`` (e.g. ``cap_share_country_CN_NdPr_oxide``),
    ``value_of_PRODUCT``, ``order_min_SOURCE_PRODUCT`` / ``order_max_SOURCE_PRODUCT``; each
    followed by ``_PERIOD`` when the market has periods, and made safe by `safe_name`.

    Examples
    --------
    >>> import reopt
    >>> market = reopt.datasets.japan_2025()
    >>> lp = reopt.compile(market, [reopt.cap_share(0.6, country="CN")])
    >>> names = model_names(market, lp)["name"].tolist()
    >>> names[5], names[lp.n_cols], names[lp.n_cols + 5]
    ('buy_lynas_malaysia_NdPr_oxide', 'demand_NdPr_oxide', 'cap_share_country_CN_NdPr_oxide')
    """
    enc = market.encoded
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
    col_period = np.full(lp.n_cols, "", dtype=object)
    row_period = np.full(lp.n_rows, "", dtype=object)
    if market.has_periods:
        periods = enc.labels["period"]
        col_period[has_offer] = market.offers["period"].to_numpy()[offer[has_offer]]
        row_code = rows["period"].to_numpy()
        row_period = np.where(row_code >= 0, periods[np.maximum(row_code, 0)], "").astype(object)

    words = _row_words(market, lp, row_product, row_period)
    col_words = _column_words(lp, col_source, col_product, col_period, words)
    table = pd.DataFrame(
        {
            "name": _unique(col_words + words),
            "kind": ["column"] * lp.n_cols + ["row"] * lp.n_rows,
            "family": np.concatenate([lp.columns["kind"].to_numpy(), family]),
            "product": np.concatenate([col_product, row_product]),
            "source": np.concatenate([col_source, np.full(lp.n_rows, "", dtype=object)]),
            "policy": np.concatenate([np.full(lp.n_cols, "", dtype=object), row_policy]),
        }
    )
    if market.has_periods:
        table.insert(4, "period", np.concatenate([col_period, row_period]))
    return table


def safe_name(*parts: object) -> str:
    """``parts`` joined by ``_`` as a name both MPS and LP files accept (not yet unique).

    Accents are dropped, every run of other characters becomes ``_``, empty parts are
    skipped; a name that would not start with a letter starts with ``n_``; a name longer
    than `MAX_NAME` (less room for a ``_2`` that makes it unique) loses characters from its
    longest part first.

    Examples
    --------
    >>> safe_name("cap_share", "country CN", "Nd oxide (99.5%)")
    'cap_share_country_CN_Nd_oxide_99_5'
    >>> safe_name("buy", "Société Générale", "Dy oxide")
    'buy_Societe_Generale_Dy_oxide'
    >>> name = safe_name("buy", "x" * 100, "Dy oxide")
    >>> len(name), name[:6], name[-9:]
    (58, 'buy_xx', '_Dy_oxide')
    """
    cleaned = []
    for part in parts:
        text = unicodedata.normalize("NFKD", str(part)).encode("ascii", "ignore").decode()
        text = _UNSAFE.sub("_", text).strip("_")
        if text:
            cleaned.append(text)
    if not "".join(cleaned)[:1].isalpha():
        cleaned.insert(0, "n")
    limit = MAX_NAME - _ROOM
    excess = len("_".join(cleaned)) - limit
    while excess > 0:  # shorten the longest part, so that the product and period stay
        longest = max(range(len(cleaned)), key=lambda k: len(cleaned[k]))
        cut = min(excess, len(cleaned[longest]) - 8)
        if cut <= 0:
            break
        cleaned[longest] = cleaned[longest][:-cut].rstrip("_")
        excess = len("_".join(cleaned)) - limit
    return "_".join(cleaned)[:limit]


def _unique(names: Sequence[str]) -> list[str]:
    """``names`` with ``_2``, ``_3``, ... added to repeats (regardless of case)."""
    seen: set[str] = set()
    count: dict[str, int] = {}
    out = []
    for name in names:
        candidate = name
        while candidate.lower() in seen:
            count[name] = count.get(name, 1) + 1
            suffix = f"_{count[name]}"
            candidate = name[: MAX_NAME - len(suffix)] + suffix
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _row_words(
    market: Market, lp: LinearProgram, product: np.ndarray, period: np.ndarray
) -> list[str]:
    """A safe (not yet unique) name for every row."""
    family = lp.row_family
    names = [f"r{i}" for i in range(lp.n_rows)]
    what = ["all" if p == "all products" else p for p in product]
    for i in np.flatnonzero(family == RowFamily.DEMAND):
        names[i] = safe_name("demand", what[i], period[i])
    for i in np.flatnonzero(family == RowFamily.VALUE):
        names[i] = safe_name("value_of", what[i], period[i])
    for k, policy in enumerate(lp.policies):
        rows = lp.rows_of(k)
        verb = policy.name.split("(")[0]
        groups = policy.groups(market, lp, rows)
        for i, group in zip(rows.tolist(), groups, strict=True):
            shown = "" if group == "all offers" else group
            names[i] = safe_name(verb, shown, what[i], period[i])
    buys = np.flatnonzero(lp.col_family == ColumnFamily.BUY)
    sources = market.offers["source"].to_numpy()
    for i in np.flatnonzero(family == RowFamily.MIN_ORDER):
        cols = lp.col_index[lp.row_start[int(i)] : lp.row_start[int(i) + 1]]
        buy = cols[np.isin(cols, buys)]
        source = sources[lp.col_offer[buy[0]]] if len(buy) else ""
        bound = "order_min" if np.isfinite(lp.row_lower[i]) else "order_max"
        names[i] = safe_name(bound, source, what[i], period[i])
    return names


def _column_words(
    lp: LinearProgram,
    source: np.ndarray,
    product: np.ndarray,
    period: np.ndarray,
    row_names: Sequence[str],
) -> list[str]:
    """A safe (not yet unique) name for every column; value columns after their rows."""
    family = lp.col_family
    names = [f"x{j}" for j in range(lp.n_cols)]
    for j in np.flatnonzero(family == ColumnFamily.OFFER):
        names[j] = safe_name("buy", source[j], product[j], period[j])
    for j in np.flatnonzero(family == ColumnFamily.BUY):
        names[j] = safe_name("order", source[j], product[j], period[j])
    value_col = lp.label("value_col")
    for i in np.flatnonzero((lp.row_family == RowFamily.VALUE) & (value_col >= 0)).tolist():
        names[int(value_col[i])] = "value_" + row_names[i].removeprefix("value_of_")
    return names
