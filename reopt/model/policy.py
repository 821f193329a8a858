"""`Policy`: what a rule must provide to take part in the model, and `policies_for`.

A rule is any object with these five members; `compile` knows no rule by name. It adds
one family of rows (`define_rows`, the way each of the formulation's ``define_*`` functions
adds one), and the plan reports its shadow prices in the buyer's units through `prices`,
`price_unit` and `groups`. `reopt.cap_share` and `reopt.min_share` make the first kind,
`reopt.model.shares.SharePolicy`; a new kind of rule is a new class, in a new module (or in
a user's own code), and nothing else changes.

Sign convention for `Policy.prices`: the cost saved, in ``price_unit``, by loosening the
row by one unit of that unit's denominator (>= 0 for a binding rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from reopt.checks import InstanceOf, ListOf, Optional, Share, check
from reopt.data.market import Market
from reopt.errors import InputError
from reopt.model.policies import cap_share

if TYPE_CHECKING:
    from reopt.model.formulation import ModelBuild
    from reopt.model.program import LinearProgram, RowBlock

__all__ = ["Policy", "policies_for"]


@runtime_checkable
class Policy(Protocol):
    """A rule a plan must keep: its rows, its price in the buyer's units, and its label."""

    @property
    def name(self) -> str:
        """The label results use for this rule's rows (shadow prices, explanations)."""
        ...

    @property
    def price_unit(self) -> str:
        """The unit of `prices`, e.g. ``"USD/pp"`` or ``"USD/t"``."""
        ...

    def define_rows(self, build: ModelBuild, k: int) -> RowBlock:
        """The rule's rows over the market's columns (``k``: its position among rules).

        ``build.market`` and ``build.encoded`` give the market; ``build.value_columns``
        gives columns holding the money spent per product or period. `compile` marks the
        rows as `reopt.model.program.RowFamily.POLICY` of rule ``k``.
        """
        ...

    def prices(
        self, lp: LinearProgram, rows: np.ndarray, row_dual: np.ndarray, x: np.ndarray
    ) -> np.ndarray:
        """Shadow prices of ``rows`` (this rule's), in `price_unit`, from the LP's duals.

        ``row_dual`` is the objective's change per unit increase of a row's bound (USD);
        ``x`` the solution's columns.
        """
        ...

    def groups(self, market: Market, lp: LinearProgram, rows: np.ndarray) -> list[str]:
        """Words for what each of ``rows`` counts, e.g. ``country CN``."""
        ...


def policies_for(
    market: object, *, china_cap: object = None, policies: Iterable[Policy] = ()
) -> tuple[Policy, ...]:
    """Check ``market``, ``china_cap`` and ``policies``; the full tuple of policies.

    ``china_cap`` is shorthand for ``cap_share(china_cap, country="CN")``, placed first.
    """
    problems = check({"market": market}, _MARKET, where="solve()")
    items = [policies] if isinstance(policies, Policy) else policies
    if isinstance(items, Iterator):  # a generator is read once, here
        items = list(items)
    problems += check(
        {"china_cap": china_cap, "policies": items}, _POLICIES, where="solve()", table="policies"
    )
    if problems:
        raise InputError(problems)
    out = [cap_share(china_cap, country="CN")] if china_cap is not None else []  # type: ignore[arg-type]
    return (*out, *items)  # type: ignore[misc]


_MARKET = {
    "market": InstanceOf(
        Market,
        rule="expected a reopt.Market",
        hint="build one with reopt.Market(...) or reopt.read_market(path)",
        show_type=True,
    )
}
_POLICIES = {
    "china_cap": Optional(Share()),
    "policies": ListOf(
        InstanceOf(
            Policy, rule="not a policy", hint="make one with reopt.cap_share or reopt.min_share"
        ),
        allow_empty=True,
        indexed=False,
        what="expected a list of policies",
    ),
}
