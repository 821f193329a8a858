"""Policies: the rules a plan must keep, such as a cap on China's share of each product.

A policy is a small frozen value. `cap_share` makes an upper bound on a share, `min_share` a
lower bound. Both pick offers with filters (``country``, ``refined_in``, ``kind``,
``source``, ``product``; each takes one value or a list) and bound the share those offers
have of purchases:

- ``scope="product"`` (default): of each product's purchases, in each period;
- ``scope="total"``: of all purchases in each period, across products;
- ``basis="tonnes"`` (default) or ``basis="value"`` (shares of money spent);
- ``each="country" | "refined_in" | "kind" | "source"``: one bound per group instead of one
  for all matching offers together, e.g. ``cap_share(0.65, each="country")`` keeps every
  single country at or below 65% (the EU Critical Raw Materials Act benchmark).

``solve(market, china_cap=0.6)`` is shorthand for ``cap_share(0.6, country="CN")``.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from reopt.data.countries import is_country_code, suggest_country
from reopt.data.market import KINDS
from reopt.errors import InputError, Problem, ProblemList

if TYPE_CHECKING:
    from reopt.data.market import Market

__all__ = ["Basis", "Bound", "Each", "Scope", "SharePolicy", "cap_share", "min_share"]


class Scope(StrEnum):
    """What a share is a share *of*."""

    PRODUCT = "product"
    TOTAL = "total"


class Basis(StrEnum):
    """Whether shares count tonnes or money."""

    TONNES = "tonnes"
    VALUE = "value"


class Each(StrEnum):
    """The grouping for one bound per group."""

    COUNTRY = "country"
    REFINED_IN = "refined_in"
    KIND = "kind"
    SOURCE = "source"


class Bound(StrEnum):
    """Upper bound (a cap) or lower bound (a floor)."""

    MAX = "max"
    MIN = "min"


FILTERS: tuple[str, ...] = ("country", "refined_in", "kind", "source", "product")


@dataclass(frozen=True, repr=False)
class SharePolicy:
    """A bound on the share that some offers have of purchases.

    Build one with `cap_share` or `min_share`, which check their arguments.

    Attributes
    ----------
    bound : Bound
        ``max`` for a cap, ``min`` for a floor.
    share : float
        The bound, a fraction in [0, 1].
    filters : tuple of (str, tuple of str)
        ``(column, allowed values)`` pairs; an offer matches when it matches all of them.
    each : Each or None
        One bound per group of this column, or None for one bound for all matching offers.
    scope : Scope
    basis : Basis
    name : str
        The label the plan uses for this policy's rows (shadow prices, explanations).
    """

    bound: Bound
    share: float
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    each: Each | None = None
    scope: Scope = Scope.PRODUCT
    basis: Basis = Basis.TONNES
    name: str = field(default="")

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.describe())

    def __repr__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """A readable description, e.g. ``cap_share(0.6, country='CN')``."""
        args = [f"{self.share:g}"]
        for col, values in self.filters:
            shown = repr(values[0]) if len(values) == 1 else repr(list(values))
            args.append(f"{col}={shown}")
        if self.each is not None:
            args.append(f"each={self.each.value!r}")
        if self.scope is not Scope.PRODUCT:
            args.append(f"scope={self.scope.value!r}")
        if self.basis is not Basis.TONNES:
            args.append(f"basis={self.basis.value!r}")
        verb = "cap_share" if self.bound is Bound.MAX else "min_share"
        return f"{verb}({', '.join(args)})"

    def group_label(self) -> str:
        """Words for the offers this policy counts, e.g. ``country CN`` or ``kind recycler``."""
        parts = []
        for col, values in self.filters:
            if col == "product":
                continue
            parts.append(f"{col.replace('_', ' ')} {'/'.join(values)}")
        return ", ".join(parts) if parts else "all offers"

    def with_share(self, share: float) -> SharePolicy:
        """The same policy with another bound (the name follows if it was the default)."""
        checked = check_share(share, where=self.name, column="share")
        renamed = self.name if self.name != self.describe() else ""
        return SharePolicy(
            self.bound, checked, self.filters, self.each, self.scope, self.basis, renamed
        )

    def matches(self, market: Market) -> np.ndarray:
        """Boolean mask over ``market``'s offers selected by the filters.

        Raises `InputError` when a filter names something that cannot match: an invalid
        country code, or a source, product or kind the market does not have.
        """
        enc = market.encoded
        problems = ProblemList()
        mask = np.ones(market.n_offers, dtype=bool)
        for col, values in self.filters:
            labels = list(enc.labels[col])
            wanted = []
            for value in values:
                if value in labels:
                    wanted.append(labels.index(value))
                elif col in ("country", "refined_in"):
                    continue  # a valid code nobody offers from: the bound holds trivially
                else:
                    close = difflib.get_close_matches(value, [str(v) for v in labels], n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"known: {labels[:8]}"
                    problems.add(
                        "policies", self.name, col, value, f"no offer has {col} {value!r}", hint
                    )
            mask &= np.isin(enc.codes[col], np.asarray(wanted, dtype=np.int64))
        problems.raise_if_any()
        return mask


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
        values = _as_values(args[col], col, verb, problems)
        if values:
            filters.append((col, values))
    each = _as_enum(Each, args["each"], "each", verb, problems, optional=True)
    scope = _as_enum(Scope, args["scope"], "scope", verb, problems)
    basis = _as_enum(Basis, args["basis"], "basis", verb, problems)
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
    )


def check_share(share: object, *, where: str, column: str) -> float:
    """``share`` as a float in [0, 1], or an `InputError` naming ``where`` and ``column``.

    Examples
    --------
    >>> check_share(35, where="solve()", column="china_cap")
    Traceback (most recent call last):
    ...
    reopt.errors.InputError: 1 problem in the input:
      - solve(), china_cap=35: a share is a fraction in [0, 1] (did you mean 0.35?)
    """
    if isinstance(share, bool) or not isinstance(share, numbers.Real):
        rule = "a share must be a number in [0, 1]"
        raise InputError([Problem("policies", where, column, share, rule)])
    value = float(share)
    if not np.isfinite(value) or not 0.0 <= value <= 1.0:
        hint = f"did you mean {value / 100:g}?" if 1.0 < value <= 100.0 else ""
        rule = "a share is a fraction in [0, 1]"
        raise InputError([Problem("policies", where, column, share, rule, hint)])
    return value


def _as_values(value: object, col: str, verb: str, problems: ProblemList) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable):
        problems.add("policies", verb, col, value, "expected text or a list of text")
        return ()
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            problems.add("policies", verb, col, item, "expected non-empty text")
            continue
        text = item.strip()
        if col in ("country", "refined_in"):
            text = text.upper()
            if not is_country_code(text):
                problems.add(
                    "policies",
                    verb,
                    col,
                    item,
                    "not an ISO 3166-1 alpha-2 country code",
                    suggest_country(item),
                )
                continue
        if col == "kind":
            text = text.lower()
            if text not in KINDS:
                problems.add(
                    "policies", verb, col, item, "unknown kind", f"one of {', '.join(KINDS)}"
                )
                continue
        out.append(text)
    if not out and not problems:
        problems.add("policies", verb, col, value, "the list is empty")
    return tuple(dict.fromkeys(out))


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
