"""The ``[solver]`` section of a TOML file: a back end's name and its `SolverOptions`.

``reopt tune`` writes one (`solver_toml`); ``reopt solve --solver-file FILE`` reads one
(`read_solver_section`), from a file of its own or from any TOML file that has the section.
Its keys are the fields of `SolverOptions` (without ``log``, which is about one run, not a
setting) and ``name``, the back end::

    [solver]
    name = "highs"
    method = "simplex"
    presolve = false

    [solver.extra]
    simplex_strategy = 4

Every value is checked as `SolverOptions` checks it; an unknown key is a problem naming the
key, with the nearest known one as a hint. Whether the back end is known is for the caller
to say (the data stage does not know the back ends).
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from reopt.checks import input_error
from reopt.data.tomlfiles import read_toml
from reopt.errors import InputError, Problem
from reopt.options import DEFAULT_SOLVER, SolverOptions

__all__ = ["SECTION_KEYS", "SolverSection", "read_solver_section", "solver_section", "solver_toml"]

#: The keys of a ``[solver]`` section: the back end's name, then `SolverOptions` fields.
SECTION_KEYS = ("name", "time_limit_s", "threads", "presolve", "method", "mip_gap", "seed", "extra")
_DEFAULT_NAME = DEFAULT_SOLVER


@dataclass(frozen=True)
class SolverSection:
    """A back end's name and the settings to solve with.

    Attributes
    ----------
    solver : str
        The back end, as ``reopt.solve(solver=...)`` takes it.
    options : SolverOptions
        Its settings.
    """

    solver: str = _DEFAULT_NAME
    options: SolverOptions = field(default_factory=SolverOptions)


def solver_section(data: Mapping[str, object], *, where: str = "[solver]") -> SolverSection:
    """The `SolverSection` of a ``[solver]`` table already read from TOML.

    Parameters
    ----------
    data : mapping
        The table's keys and values.
    where : str
        How problems name the place, e.g. ``"solver.toml [solver]"``.

    Raises
    ------
    InputError
        Listing every unknown key and every value `SolverOptions` refuses.

    Examples
    --------
    >>> solver_section({"name": "highs", "method": "ipm", "presolve": False}).options.method
    <Method.IPM: 'ipm'>
    >>> solver_section({"treads": 2})
    Traceback (most recent call last):
    ...
    reopt.errors.InputError: 1 problem in the input:
      - [solver], treads=2: unknown key (did you mean 'threads'?)
    """
    problems = []
    for key, value in data.items():
        if key not in SECTION_KEYS:
            close = difflib.get_close_matches(str(key), SECTION_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {list(SECTION_KEYS)}"
            problems.append(Problem("options", where, str(key), value, "unknown key", hint))
    name = data.get("name", _DEFAULT_NAME)
    if not isinstance(name, str) or not name:
        problems.append(
            Problem("options", where, "name", name, "must be a solver's name", 'e.g. "highs"')
        )
    settings = {k: v for k, v in data.items() if k in SECTION_KEYS and k != "name"}
    options = SolverOptions()
    if not isinstance(settings.get("extra", {}), Mapping):
        problems.append(
            Problem("options", where, "extra", settings.pop("extra"), "must be a table")
        )
    try:
        options = SolverOptions(**settings)  # type: ignore[arg-type]
    except InputError as err:
        problems += [replace(p, where=where) for p in err.problems]
    if problems:
        raise InputError(problems)
    return SolverSection(str(name), options)


def read_solver_section(path: str | Path) -> SolverSection:
    """The ``[solver]`` section of the TOML file at ``path``.

    Raises
    ------
    InputError
        For bad TOML, a file without the section, or a bad key or value in it.
    ReoptError
        When the file cannot be read.
    """
    path = Path(path)
    data = read_toml(path)
    section = data.get("solver")
    if not isinstance(section, Mapping):
        raise input_error(
            "file",
            str(path),
            "solver",
            None if section is None else section,
            "no [solver] section" if section is None else "must be a [solver] table",
            "reopt tune --out FILE writes one",
        )
    return solver_section(section, where=f"{path} [solver]")


def solver_toml(solver: str, options: SolverOptions) -> str:
    """``solver`` and ``options`` as a ``[solver]`` section that `read_solver_section` reads.

    Only the fields that differ from the defaults are written. ``log`` is left out.

    Raises
    ------
    InputError
        For an ``extra`` value TOML cannot hold as reopt writes it (text, numbers, booleans).

    Examples
    --------
    >>> print(solver_toml("highs", SolverOptions(method="simplex", presolve=False)))
    [solver]
    name = "highs"
    presolve = false
    method = "simplex"
    <BLANKLINE>
    """
    default = SolverOptions()
    lines = ["[solver]", f"name = {_value(solver, 'name')}"]
    for key in SECTION_KEYS[1:-1]:
        value = getattr(options, key)
        if value != getattr(default, key):
            lines.append(f"{key} = {_value(value, key)}")
    if options.extra:
        lines += ["", "[solver.extra]"]
        lines += [f"{json.dumps(k)} = {_value(v, k)}" for k, v in options.extra.items()]
    return "\n".join(lines) + "\n"


def _value(value: object, key: str) -> str:
    """One TOML value: a string (JSON escapes are TOML's), a boolean or a finite number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # a StrEnum too: its text
        return json.dumps(str(value))
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return repr(value)
    raise input_error(
        "options", "[solver]", key, value, "cannot be written to TOML", "use text or a number"
    )
