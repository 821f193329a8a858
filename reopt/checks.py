"""Argument checks: declare what each argument must be, and get one `InputError` for all of them.

A public function lists its arguments' rules once, and every failing argument becomes a
`Problem` (table, where = the function, column = the argument, the value, the rule, a hint);
all of them are raised together, so the user fixes everything in one go::

    @validate_params(
        {"market": InstanceOf(Market, rule="expected a reopt.Market"),
         "china_cap": Optional(Share())},
        where="solve()",
        table="policies",
    )
    def solve(market, *, china_cap=None): ...

Rules (each takes the keyword ``optional=True`` to let ``None`` through, as does `Optional`):

- `InstanceOf` ``(types, rule=..., hint=..., show_type=False)``: an instance of the types.
- `Share`: a share by `reopt.share_rule`: a fraction in [0, 1] or a percentage such as
  ``"60%"``; 35 gets the hint ``"did you mean 0.35?"``.
- `Number` ``(low, high, low_open, high_open, integer, rule, hint)``: a finite Python int or
  float (numpy's float64 is a float) in a range; `NonNegative` (>= 0) and `Finite` are
  shorthands.
- `OneOf` ``(values)``: equal to one of ``values`` (a bool never equals a number).
- `ListOf` ``(rule, allow_empty=False, indexed=True)``: a list or tuple (any re-iterable that
  is not text or a mapping) whose items each pass ``rule``; a failing item is reported as
  ``argument[i]`` (or as ``argument`` with ``indexed=False``).
- `MappingOf` ``(keys=None, values=None)``: a mapping whose keys / values pass those rules.

`check` runs rules on values that are already at hand (e.g. in ``__post_init__``), and
`input_error` makes the error for a single problem.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from reopt.errors import InputError, Problem
from reopt.share_rule import Refusal, read_share

__all__ = [
    "Failure",
    "Finite",
    "InstanceOf",
    "ListOf",
    "MappingOf",
    "NonNegative",
    "Number",
    "OneOf",
    "Optional",
    "Rule",
    "Share",
    "check",
    "input_error",
    "validate_params",
]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Failure:
    """One broken rule: the value at fault, the rule, a hint, and where inside the argument.

    ``at`` is appended to the argument's name, e.g. ``"[2]"`` for the third item of a list.
    """

    value: object
    rule: str
    hint: str = ""
    at: str = ""


@dataclass(frozen=True)
class Rule:
    """What an argument must be. Subclasses define `broken` (or `failures` for containers)."""

    optional: bool = field(default=False, kw_only=True)

    def failures(self, value: object) -> list[Failure]:
        """Every way ``value`` breaks this rule (empty when it passes)."""
        if value is None and self.optional:
            return []
        found = self.broken(value)
        return [] if found is None else [Failure(value, *found)]

    def broken(self, value: object) -> tuple[str, str] | None:
        """``(rule, hint)`` when ``value`` breaks the rule, else None."""
        raise NotImplementedError


@dataclass(frozen=True)
class Optional(Rule):
    """``None``, or a value that passes ``rule``."""

    rule: Rule

    def failures(self, value: object) -> list[Failure]:
        """Nothing for None, else the failures of ``rule``."""
        return [] if value is None else self.rule.failures(value)


@dataclass(frozen=True)
class InstanceOf(Rule):
    """An instance of ``types``; ``show_type`` reports the value's type name, not the value."""

    types: type | tuple[type, ...]
    rule: str | None = None
    hint: str = ""
    show_type: bool = False

    def failures(self, value: object) -> list[Failure]:
        """One failure when ``value`` is not an instance of ``types``."""
        if (value is None and self.optional) or isinstance(value, self.types):
            return []
        types = self.types if isinstance(self.types, tuple) else (self.types,)
        rule = self.rule or f"expected {' or '.join(t.__name__ for t in types)}"
        shown = type(value).__name__ if self.show_type else value
        return [Failure(shown, rule, self.hint)]


@dataclass(frozen=True)
class Share(Rule):
    """A share by reopt's one rule (`reopt.share_rule`): ``0.6``, ``"60%"`` or ``"0.6"``.

    `reopt.share_rule.share_value` gives the fraction a passing value stands for.
    """

    def broken(self, value: object) -> tuple[str, str] | None:
        """The rule and hint of `reopt.share_rule.read_share`."""
        found = read_share(value)
        return (found.rule, found.hint) if isinstance(found, Refusal) else None


@dataclass(frozen=True)
class Number(Rule):
    """A finite Python int or float (whole with ``integer``) between ``low`` and ``high``.

    The default rule text says it all, e.g. ``"must be a whole number >= 1"`` or
    ``"must be a number in [0, 1)"``; ``rule`` replaces it.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    rule: str | None = None
    hint: str = ""

    def broken(self, value: object) -> tuple[str, str] | None:
        """The rule when ``value`` is not such a number."""
        kinds = int if self.integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value):
            return self.rule or self.describe(), self.hint
        above = self.low is None or value > self.low or (value == self.low and not self.low_open)
        below = (
            self.high is None or value < self.high or (value == self.high and not self.high_open)
        )
        ok = above and below
        return None if ok else (self.rule or self.describe(), self.hint)

    def describe(self) -> str:
        """The default rule text."""
        text = "must be a whole number" if self.integer else "must be a number"
        if self.low is not None and self.high is not None:
            left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{text} in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{text} {'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"{text} {'<' if self.high_open else '<='} {self.high:g}"
        return text if self.integer else "must be a finite number"


@dataclass(frozen=True)
class NonNegative(Number):
    """A finite number >= 0."""

    low: float | None = 0.0


@dataclass(frozen=True)
class Finite(Number):
    """A finite number."""


@dataclass(frozen=True)
class OneOf(Rule):
    """One of ``values``; the rule lists them, e.g. ``"must be one of 'auto', 'ipm'"``."""

    values: tuple[object, ...]
    hint: str = ""

    def broken(self, value: object) -> tuple[str, str] | None:
        """The rule when ``value`` equals none of ``values``."""
        for allowed in self.values:
            if isinstance(allowed, bool) != isinstance(value, bool):
                continue
            try:
                if value == allowed:
                    return None
            except (TypeError, ValueError):  # e.g. an array compared with text
                continue
        return f"must be one of {', '.join(repr(v) for v in self.values)}", self.hint


def _is_list(value: object) -> bool:
    return isinstance(value, Iterable) and not isinstance(
        value, (str, bytes, bytearray, Mapping, Iterator)
    )


@dataclass(frozen=True)
class ListOf(Rule):
    """A non-empty list (or tuple) whose items each pass ``rule``."""

    rule: Rule
    allow_empty: bool = False
    indexed: bool = True
    what: str = "expected a list"

    def failures(self, value: object) -> list[Failure]:
        """A failure for a value that is not a list or is empty, else one per bad item."""
        if value is None and self.optional:
            return []
        if not _is_list(value):
            return [Failure(value, self.what)]
        items = list(value)  # type: ignore[call-overload]
        if not items and not self.allow_empty:
            return [Failure(value, "the list is empty")]
        out = []
        for i, item in enumerate(items):
            at = f"[{i}]" if self.indexed else ""
            out += [Failure(f.value, f.rule, f.hint, at + f.at) for f in self.rule.failures(item)]
        return out


@dataclass(frozen=True)
class MappingOf(Rule):
    """A mapping whose keys pass ``keys`` and values pass ``values`` (either may be None).

    A bad key is reported with the key as the value; a bad value as ``argument[key]``.
    """

    keys: Rule | None = None
    values: Rule | None = None
    what: str = "must be a mapping"

    def failures(self, value: object) -> list[Failure]:
        """A failure for a value that is not a mapping, else one per bad key or value."""
        if value is None and self.optional:
            return []
        if not isinstance(value, Mapping):
            return [Failure(value, self.what)]
        out = []
        for key, item in value.items():
            if self.keys is not None:
                out += self.keys.failures(key)
            if self.values is not None:
                for f in self.values.failures(item):
                    out.append(Failure(f.value, f.rule, f.hint, f"[{key!r}]{f.at}"))
        return out


def check(
    values: Mapping[str, object],
    rules: Mapping[str, Rule],
    *,
    where: str,
    table: str = "options",
) -> list[Problem]:
    """The problems of ``values`` (argument name -> value) against ``rules``, in rule order.

    Examples
    --------
    >>> [str(p) for p in check({"china_cap": 35}, {"china_cap": Share()}, where="solve()")]
    ['solve(), china_cap=35: a share is a fraction in [0, 1] (did you mean 0.35?)']
    """
    problems = []
    for name, rule in rules.items():
        for f in rule.failures(values.get(name)):
            problems.append(Problem(table, where, name + f.at, f.value, f.rule, f.hint))
    return problems


def input_error(
    table: str, where: str, column: str | None, value: object, rule: str, hint: str = ""
) -> InputError:
    """An `InputError` with this one problem, for ``raise ... from None`` at the call site.

    Examples
    --------
    >>> print(input_error("file", "x.csv", None, None, "no such file or folder"))
    1 problem in the input:
      - x.csv: no such file or folder
    """
    return InputError([Problem(table, where, column, value, rule, hint)])


def validate_params(
    rules: Mapping[str, Rule], *, where: str, table: str = "options"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a function so that its arguments are checked against ``rules`` on every call.

    Parameters
    ----------
    rules : mapping of str to Rule
        Argument name -> rule; every name must be a parameter of the function.
    where : str
        How problems name the call, e.g. ``"solve()"``.
    table : str, default="options"
        The ``table`` of the problems.

    Raises
    ------
    TypeError
        When decorating, for a rule on a parameter the function does not have.
    InputError
        When called, listing every argument that breaks its rule.

    Examples
    --------
    >>> @validate_params({"share": Share(), "label": InstanceOf(str)}, where="demo()")
    ... def demo(share, label="x"):
    ...     return share
    >>> demo(0.5)
    0.5
    >>> demo(50, label=3)
    Traceback (most recent call last):
    ...
    reopt.errors.InputError: 2 problems in the input:
      - demo(), share=50: a share is a fraction in [0, 1] (did you mean 0.5?)
      - demo(), label=3: expected str
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)
        unknown = sorted(set(rules) - set(signature.parameters))
        if unknown:
            raise TypeError(f"{func.__qualname__} has no parameter {', '.join(unknown)}")

        @functools.wraps(func)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError:
                return func(*args, **kwargs)  # Python's own message for a wrong call
            bound.apply_defaults()
            problems = check(bound.arguments, rules, where=where, table=table)
            if problems:
                raise InputError(problems)
            return func(*args, **kwargs)

        return checked

    return decorate
