"""Scaling: the program in units where a 1 kg product and a 10 Mt one look alike to a solver.

Solvers judge feasibility and optimality with absolute tolerances (HiGHS: 1e-7). In tonnes
and dollars, a demand of 1e-7 t is "met" by buying nothing, and a product whose costs are
1e-20 of another's is priced by noise. So reopt hands the back end a scaled program:

- each offer column counts in units of its product's demand (``x = D x'``), each value
  column in units of the money its row can reach; 0/1 columns are never scaled;
- each row is divided by its largest entry or bound in those units, so rows are O(1) (a
  bound counts up to `BOUND_REACH` times the largest entry, and only so far as leaves the
  smallest at least `SMALLEST_SCALED`, so that no entry becomes too small for a solver to
  keep: ``sum x = 1e12`` in units of one becomes ``1e-6 sum x = 1e6``, not ``1e-12 sum x =
  1``);
- the costs of each independent part of the program (a connected component of rows and
  columns: one product and period when policies are per product) are divided by their
  largest, so every part's costs are O(1) too. A MILP's costs are all divided by the least
  of them instead (one unit, so that a relative gap is one of the money), and its value
  columns and rows of three or more entries sized by their median:
  branch and bound prunes by absolute tolerances, so the offers a plan chooses between
  must not be made tiny by dear ones. Parts share no row, so this changes no
  optimum; each part's duals are unscaled with its own factor.

`Scaling.unscale` turns the scaled answer back: ``x = col * x'``, row duals
``y = row * y' / cost_of_row``, reduced costs ``d = d' / (col * cost_of_col)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from reopt.data.market import readonly
from reopt.model.blocks import row_entries
from reopt.model.parts import components
from reopt.model.program import LinearProgram, RowFamily
from reopt.vectors import row_reduce

__all__ = [
    "BOUND_REACH",
    "SMALLEST_SCALED",
    "Scaling",
    "cost_spread",
    "scaling_for",
    "scaling_with",
]

#: A row is divided by its largest bound up to this many times its largest entry ...
BOUND_REACH = 1e6
#: ... and no further than leaves its smallest entry this large.
SMALLEST_SCALED = 1e-8


#: What a sweep's next point shares with the last one when only row bounds moved.
_COLUMN_ARRAYS = ("value", "cost", "col_lower", "col_upper")


def _same_matrix(a: LinearProgram, b: LinearProgram) -> bool:
    """Whether ``a`` and ``b`` hold one sparsity pattern (the same arrays, not equal ones)."""
    return a.col_index is b.col_index and a.row_start is b.row_start


@dataclass(frozen=True)
class Scaling:
    """Factors between a program and its scaled form (see the module docstring).

    `apply` keeps the last program it scaled, so that the solve and reopt's check of one
    answer share one scaled program; `unscale` keeps a back end's read-only answer beside
    the arrays it made from it, so that `scale` hands the check the back end's own values
    instead of computing them again. Neither is pickled.
    """

    col: np.ndarray
    row: np.ndarray
    col_cost: np.ndarray
    row_cost: np.ndarray
    _last: list[tuple[LinearProgram, LinearProgram]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )
    _unscaled: list[tuple[np.ndarray | None, np.ndarray | None]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, object]:
        kept = ("_last", "_unscaled")
        return {name: value for name, value in self.__dict__.items() if name not in kept}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, _last=[], _unscaled=[])

    @classmethod
    def identity(cls, lp: LinearProgram) -> Scaling:
        """No scaling at all."""
        return cls(np.ones(lp.n_cols), np.ones(lp.n_rows), np.ones(lp.n_cols), np.ones(lp.n_rows))

    def apply(self, lp: LinearProgram) -> LinearProgram:
        """The scaled program (its objective is not the original's: recompute ``c @ x``).

        When ``lp`` differs from the last program scaled only in its row bounds (the same
        matrix, cost and column-bound arrays: a sweep's next point), only those are scaled.
        """
        if self._last and self._last[0][0] is lp:
            return self._last[0][1]
        if self._last and _same_matrix(self._last[0][0], lp):
            before, done = self._last[0]
            if all(getattr(before, k) is getattr(lp, k) for k in _COLUMN_ARRAYS):
                scaled = replace(
                    lp,
                    row_lower=readonly(lp.row_lower * self.row),
                    row_upper=readonly(lp.row_upper * self.row),
                    **{k: getattr(done, k) for k in _COLUMN_ARRAYS},
                )
                self._last[:] = [(lp, scaled)]
                return scaled
        cost = lp.cost * self.col
        cost *= self.col_cost  # (in place: fresh memory is dear)
        scaled = lp.scaled(self.col, self.row).with_costs(cost)
        self._last[:] = [(lp, scaled)]
        return scaled

    def scale(
        self,
        x: np.ndarray | None,
        row_dual: np.ndarray | None,
        col_dual: np.ndarray | None,
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Values and duals in the original units moved into the scaled program's.

        An array `unscale` last returned in the same place gets back the one it was made
        from, where that one could not have changed since (see `unscale`).
        """
        kept = list(self._unscaled) or [(None, None)] * 3

        def back(
            place: int, a: np.ndarray | None, compute: Callable[[np.ndarray], np.ndarray]
        ) -> np.ndarray | None:
            if a is None:
                return None
            made, given = kept[place]
            if a is made and given is not None and not a.flags.writeable:
                return given
            return compute(a)

        return (
            back(0, x, lambda a: a / self.col),
            back(1, row_dual, lambda a: a * self.row_cost / self.row),
            back(2, col_dual, lambda a: a * self.col * self.col_cost),
        )

    def unscale(
        self,
        x: np.ndarray | None,
        row_dual: np.ndarray | None,
        col_dual: np.ndarray | None,
    ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Values and duals of the scaled program in the original units (read-only).

        Each array given that is read-only, of floats and owns its memory (a back end's
        answer) is kept beside the one made from it, for `scale`; nothing given is changed.
        """
        out = (
            None if x is None else x * self.col,
            None if row_dual is None else row_dual * self.row / self.row_cost,
            None if col_dual is None else col_dual / (self.col * self.col_cost),
        )
        kept: list[tuple[np.ndarray | None, np.ndarray | None]] = []
        for given, made in zip((x, row_dual, col_dual), out, strict=True):
            if made is not None:
                made.setflags(write=False)
            fixed = (
                isinstance(given, np.ndarray)
                and not given.flags.writeable
                and given.flags.owndata
                and given.dtype == np.float64
            )
            kept.append((made, given) if fixed else (None, None))
        self._unscaled[:] = kept
        return out


def scaling_for(lp: LinearProgram, *, typical: bool | None = None) -> Scaling:
    """The scaling of ``lp`` (see the module docstring).

    An offer column's size is the demand of its demand row (1 for zero demand or no row);
    value columns are sized by the money their defining rows can reach; 0/1 columns and the
    columns of a program with no demand rows keep 1. With ``typical`` (default: for a MILP)
    costs are in units of the cheapest of all, and value columns and rows of three or more
    entries are sized by their median.

    Examples
    --------
    >>> import reopt
    >>> lp = reopt.compile(reopt.datasets.japan_2025(), [reopt.cap_share(0.6, country="CN")])
    >>> scaled = scaling_for(lp).apply(lp)
    >>> float(abs(scaled.row_upper[lp.family_rows(RowFamily.DEMAND)]).max())
    1.0
    """
    col = np.ones(lp.n_cols)
    demand = lp.row_family == RowFamily.DEMAND
    on_demand = row_entries(lp.row_start, demand)  # (a slice: views)
    # each demand entry's row's demand (in place below: fresh memory is dear)
    demand_t = np.repeat(lp.row_lower[demand], np.diff(lp.row_start)[demand])
    demand_t /= lp.value[on_demand]
    np.abs(demand_t, out=demand_t)
    demand_t[~(demand_t > 0)] = 1.0
    col[lp.col_index[on_demand]] = demand_t
    del demand_t
    # after the offers: 0/1 columns, and buy choices fixed as made
    # (`reopt.results.polish.choices_fixed`)
    n = lp.n_offers
    buy = (lp.integrality[n:] == 1) | (lp.col_offer[n:] >= 0)
    col[n:][buy] = 1.0
    value_cols = np.zeros(0, dtype=np.int64)
    if n:  # columns after the offers, not 0/1 choices: ColumnFamily.VALUE
        value_cols = n + np.flatnonzero(~buy)
    if len(value_cols):
        # a value column V = sum p x: its size is the largest term p * (product size) (a
        # MILP's: the median term, not a back-stop's)
        reach = np.zeros(lp.n_rows)
        rows = lp.entry_row
        offer_entry = lp.col_index < lp.n_offers
        term = np.abs(lp.value[offer_entry]) * col[lp.col_index[offer_entry]]
        typical = lp.is_mip if typical is None else typical
        if typical:
            labels, middle = _middles(rows[offer_entry], term)
            reach[labels] = middle
        else:
            np.maximum.at(reach, rows[offer_entry], term)
        defines = np.isin(lp.col_index, value_cols)
        size_of = np.zeros(lp.n_cols)
        np.maximum.at(size_of, lp.col_index[defines], reach[rows[defines]])
        col[value_cols] = np.where(size_of[value_cols] > 0, size_of[value_cols], 1.0)
    return scaling_with(lp, col, typical=typical)


def _typical_costs(
    top: np.ndarray, col_label: np.ndarray, spend: np.ndarray, priced: np.ndarray | None
) -> None:
    """Put the least nonzero cost of all parts in ``top`` for each part (``priced`` only).

    For a MILP: branch and bound prunes by absolute tolerances (HiGHS: 1e-7 on reduced
    costs, 1e-6 on the gap), so a part whose costs were divided by a back-stop offer's 1e6
    times the others' was solved to no better than its first choice of orders (12% above
    the optimum, "optimal"), and so was one divided by its median where half its offers
    were 2e5 times dearer than the rest (13% above). Its cheapest cost is one instead; the
    dear offers' are large, which the solvers' tolerances measure rightly.
    """
    chosen = spend > 0
    if priced is not None:
        chosen &= priced
    if not chosen.any():
        return
    # one unit for every part, so that the solver's relative gap is one of the money (two
    # products, each in units of its own cheapest spend, 17 times apart: HiGHS stopped
    # 1.9e-4 above the optimum against its gap of 1e-4)
    top[np.unique(col_label[chosen])] = spend[chosen].min()


def _middles(labels: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each label's median value (the lower of the middle two): (labels, medians)."""
    if not len(values):
        return labels, values
    order = np.lexsort((values, labels))
    labels, values = labels[order], values[order]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    counts = np.diff(np.r_[starts, len(labels)])
    return labels[starts], values[starts + (counts - 1) // 2]


def cost_spread(lp: LinearProgram) -> float:
    """The largest of each part's costs over its median (of its movable priced columns).

    Columns that cannot move (an offer of capacity 0) do not count; 1 for no costs.
    """
    spend = np.abs(lp.cost * scaling_for(lp).col)
    movable = (lp.col_upper > lp.col_lower) & (spend > 0)
    label = components(lp)[0][movable]
    labels, median = _middles(label, spend[movable])
    if not len(labels):
        return 1.0
    top = np.zeros(lp.n_cols)
    np.maximum.at(top, label, spend[movable])
    return float((top[labels] / median).max())


def _typical_entries(lp: LinearProgram, magnitude: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """A MILP's row sizes: each row's median nonzero entry where it has three or more.

    Its value rows (``V = sum p x``) hold a back-stop's price beside the others': divided by
    that, the others' entries were 4e-7, below the feasibility tolerance of HiGHS's branch
    and bound, which then passed over the cheapest choice of orders (7% dearer, "optimal").
    A row of one or two entries (a minimum order's) keeps its largest.
    """
    rows = lp.entry_row
    nonzero = magnitude > 0
    count = np.bincount(rows[nonzero], minlength=lp.n_rows)
    labels, middle = _middles(rows[nonzero], magnitude[nonzero])
    typical = entries.copy()
    wide = count[labels] >= 3
    typical[labels[wide]] = middle[wide]
    return typical


def scaling_with(
    lp: LinearProgram,
    col: np.ndarray,
    *,
    priced: np.ndarray | None = None,
    typical: bool | None = None,
) -> Scaling:
    """The scaling of ``lp`` for the column sizes ``col``: rows and costs follow from them.

    Each row is divided by its largest entry or bound in those units (a bound only as far
    as the module docstring says); each connected part's costs (`components`) by its
    largest cost in those units -- among the columns ``priced`` marks, where given and
    priced at all (so that far dearer columns, such as shortage, do not make the purchase
    prices small). With ``typical`` (default: for a MILP), by its cheapest cost, and rows
    by their median entry (see the module docstring).
    """
    typical = lp.is_mip if typical is None else typical
    col = np.asarray(col, dtype=float)
    per_entry = col[lp.col_index]
    per_entry *= lp.value
    magnitude = np.abs(per_entry, out=per_entry)
    entries = row_reduce(np.maximum, lp.row_start, magnitude)
    sized = _typical_entries(lp, magnitude, entries) if typical else entries
    bounds = np.zeros(lp.n_rows)
    for bound in (lp.row_lower, lp.row_upper):
        np.maximum(bounds, np.where(np.isfinite(bound), np.abs(bound), 0.0), out=bounds)
    beyond = (bounds > entries) & (entries > 0)
    if beyond.any():
        # a bound beyond the entries counts only so far that every entry keeps a size a
        # solver keeps (HiGHS drops entries under 1e-9): BOUND_REACH times the largest,
        # and 1 / SMALLEST_SCALED times the smallest
        magnitude[magnitude == 0] = np.inf
        smallest = row_reduce(np.minimum, lp.row_start, magnitude)
        reach = np.minimum(BOUND_REACH * entries, smallest / SMALLEST_SCALED)
        np.minimum(bounds, reach, out=bounds, where=beyond)
    del per_entry, magnitude
    largest = np.maximum(sized, bounds)
    row = 1.0 / np.where(largest > 0, largest, 1.0)
    col_label, row_label = components(lp)
    spend = lp.cost * col
    np.abs(spend, out=spend)
    top = np.zeros(lp.n_cols)
    np.maximum.at(top, col_label, spend)
    if priced is not None:
        top_priced = np.zeros(lp.n_cols)
        np.maximum.at(top_priced, col_label[priced], spend[priced])
        top = np.where(top_priced > 0, top_priced, top)
    if typical:
        _typical_costs(top, col_label, spend, priced)
    row_cost = np.ones(lp.n_rows)  # a row in no part (no entries) keeps 1
    in_part = row_label >= 0
    row_cost[in_part] = _factors(top, row_label[in_part])
    return Scaling(col=col, row=row, col_cost=_factors(top, col_label), row_cost=row_cost)


def _factors(top: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``1 / top`` at each of ``labels`` (1 where ``top`` is not positive), made in place.

    Only the labels' places of ``top`` are read: the rest of it, one place per column, is
    memory never touched.
    """
    factor = top[labels]
    factor[~(factor > 0)] = 1.0
    return np.divide(1.0, factor, out=factor)
