"""Policies: the rules a plan must keep, such as a cap on China's share of each product.

A policy is a small frozen value. `cap_share` makes an upper bound on a share, `min_share` a
lower bound. Both pick offers with filters (``country``, ``refined_in``, ``kind``,
``source``, ``product``; each takes one value or a list) and bound the share those offers
have of purchases:

- ``scope="product"`` (default): of each product's purchases, in each period;
- ``scope="total"``: of all purchases in each period, across products;
- ``basis="tonnes"`` (default) or ``basis="value"`` (shares of money spent);
- ``over="period"`` (default): the bound holds in each period; ``over="horizon"``: on the
  purchases of all periods added up, so a period may go above a cap that another period
  makes up for (in a market without periods the two are the same);
- ``each="country" | "refined_in" | "kind" | "source"``: one bound per group instead of one
  for all matching offers together, e.g. ``cap_share(0.65, each="country")`` keeps every
  single country at or below 65% (the EU Critical Raw Materials Act benchmark).

``solve(market, china_cap=0.6)`` is shorthand for ``cap_share(0.6, country="CN")``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from reopt.data.filters import clean_values
from reopt.errors import InputError, ProblemList
from reopt.model.shares import Basis, Bound, Each, Over, Scope, SharePolicy, check_share

__all__ = [
    "FILTERS",
    "Basis",
    "Bound",
    "Each",
    "Over",
    "Scope",
    "SharePolicy",
    "cap_share",
    "check_share",
    "min_share",
]

FILTERS: tuple[str, ...] = ("country", "refined_in", "kind", "source", "product")


def cap_share(
    max_share: float,
    *,
    country: str | Iterable[str] | None = None,
    refined_in: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    source: str | Iterable[str] | None = None,
    product: str | Iterable[str] | None = None,
    each: str | None = None,
    scope: str = "product",
    basis: str = "tonnes",
    name: str | None = None,
    over: str = "period",
) -> SharePolicy:
    """Cap the share of purchases that the selected offers may have.

    Parameters
    ----------
    max_share : float
        A fraction in [0, 1]: 0.6 means at most 60%.
    country, refined_in, kind, source, product : str or list of str, optional
        Select offers; an offer counts when it matches every filter given.
    each : {"country", "refined_in", "kind", "source"}, optional
        Apply the cap to every group of this column separately.
    scope : {"product", "total"}, default="product"
        Share of each product's purchases, or of all purchases, in each period.
    basis : {"tonnes", "value"}, default="tonnes"
        Share of tonnes, or of money spent.
    name : str, optional
        Label for results; default: the call that made it, e.g. ``cap_share(0.6, country='CN')``.
    over : {"period", "horizon"}, default="period"
        The bound holds in each period, or on the purchases of all periods added up.

    Raises
    ------
    InputError
        For a share outside [0, 1], an unknown option, an invalid country code or kind, or a
        cap that selects nothing.

    Examples
    --------
    >>> cap_share(0.6, country="CN")
    cap_share(0.6, country='CN')
    >>> cap_share(0.65, each="country").each
    <Each.COUNTRY: 'country'>
    >>> cap_share(0.6, country="CN", over="horizon")
    cap_share(0.6, country='CN', over='horizon')
    """
    return _make(Bound.MAX, max_share, locals())


def min_share(
    min_share: float,
    *,
    country: str | Iterable[str] | None = None,
    refined_in: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    source: str | Iterable[str] | None = None,
    product: str | Iterable[str] | None = None,
    each: str | None = None,
    scope: str = "product",
    basis: str = "tonnes",
    name: str | None = None,
    over: str = "period",
) -> SharePolicy:
    """Require the selected offers to supply at least a share of purchases.

    Parameters are those of `cap_share`; ``min_share`` is the floor, a fraction in [0, 1].

    Examples
    --------
    >>> min_share(0.25, kind="recycler")
    min_share(0.25, kind='recycler')
    """
    return _make(Bound.MIN, min_share, locals())


def _make(bound: Bound, share: object, args: dict[str, object]) -> SharePolicy:
    verb = "cap_share" if bound is Bound.MAX else "min_share"
    problems = ProblemList()
    try:
        checked = check_share(share, where=verb, column="share")
    except InputError as err:
        problems.extend(err.problems)
        checked = 0.0
    filters: list[tuple[str, tuple[str, ...]]] = []
    for col in FILTERS:
        values = clean_values(col, args[col], where=verb, problems=problems)
        if values:
            filters.append((col, values))
    each = _as_enum(Each, args["each"], "each", verb, problems, optional=True)
    scope = _as_enum(Scope, args["scope"], "scope", verb, problems)
    basis = _as_enum(Basis, args["basis"], "basis", verb, problems)
    over = _as_enum(Over, args["over"], "over", verb, problems)
    name = args["name"]
    if name is not None and not isinstance(name, str):
        problems.add("policies", verb, "name", name, "expected text")
    if not [f for f in filters if f[0] != "product"] and each is None:
        problems.add(
            "policies",
            verb,
            None,
            None,
            "selects every offer, so the share is always 100%",
            "give a filter such as country='CN', or each='country'",
        )
    problems.raise_if_any()
    return SharePolicy(
        bound,
        checked,
        tuple(filters),
        each,  # type: ignore[arg-type]
        scope,  # type: ignore[arg-type]
        basis,  # type: ignore[arg-type]
        name or "",  # type: ignore[arg-type]
        over,  # type: ignore[arg-type]
    )


def _as_enum(
    enum: type[StrEnum],
    value: object,
    arg: str,
    verb: str,
    problems: ProblemList,
    *,
    optional: bool = False,
) -> StrEnum | None:
    if value is None and optional:
        return None
    try:
        return enum(str(value)) if isinstance(value, str) else enum(value)  # type: ignore[arg-type]
    except ValueError:
        options = ", ".join(repr(m.value) for m in enum)
        problems.add("policies", verb, arg, value, f"must be one of {options}")
        return None
