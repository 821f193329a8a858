"""Model files: a registry of readers that turn an MPS or LP file into a `LinearProgram`.

The model stage knows no solver, so it parses no file format itself. A later stage
registers a reader for the suffixes it understands (`register_reader`), and `read_program`
(which `LinearProgram.read` calls) picks the reader by the file's suffix.
`reopt.backends.readers` registers HiGHS's reader for ``.mps`` and ``.lp`` files when
`reopt.backends` is imported (``import reopt`` does that).

A program is always a minimisation: a reader turns a maximisation into the minimisation of
the negated objective and records that with `as_maximisation`, so that `objective_sense`
can give a reported objective the file's sign.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reopt.errors import InputError, Problem

if TYPE_CHECKING:
    from reopt.model.program import LinearProgram

__all__ = [
    "Reader",
    "as_maximisation",
    "known_suffixes",
    "objective_sense",
    "read_program",
    "register_reader",
]

#: A reader: the path of an existing file in, the program out; a file it cannot parse is an
#: `InputError` naming the file.
Reader = Callable[[Path], "LinearProgram"]

_READERS: dict[str, Reader] = {}


def register_reader(suffixes: Iterable[str], reader: Reader) -> None:
    """Read files whose names end in one of ``suffixes`` (``".mps"``, ...) with ``reader``.

    Suffixes are matched without regard to case; a later reader for a suffix replaces an
    earlier one.
    """
    for suffix in suffixes:
        _READERS[suffix.lower()] = reader


def known_suffixes() -> tuple[str, ...]:
    """Every suffix a reader is registered for, in the order they were registered."""
    return tuple(_READERS)


def read_program(path: str | os.PathLike[str]) -> LinearProgram:
    """The program in the model file at ``path``, read by the reader of its suffix.

    Raises
    ------
    InputError
        When ``path`` is not a path, names no file, has a suffix no reader knows, or holds
        a model the reader cannot parse; every problem found is listed.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(
            [Problem("file", "read()", "path", path, "expected a file path (str or Path)")]
        )
    file = Path(path)
    problems: list[Problem] = []
    reader = _reader_for(file)
    if reader is None:
        known = ", ".join(_READERS) or "none registered (import reopt.backends)"
        problems.append(
            Problem(
                "file",
                str(file),
                "suffix",
                "".join(file.suffixes) or file.name,
                "no reader for this kind of model file",
                f"known suffixes: {known}",
            )
        )
    if not file.is_file():
        what = "is a folder, not a file" if file.is_dir() else "no such file"
        problems.append(Problem("file", str(file), None, None, what))
    if problems or reader is None:
        raise InputError(problems)
    return reader(file)


def _reader_for(file: Path) -> Reader | None:
    """The reader of the longest registered suffix that ``file``'s name ends in."""
    name = file.name.lower()
    matches = [suffix for suffix in _READERS if name.endswith(suffix)]
    return _READERS[max(matches, key=len)] if matches else None


def as_maximisation(lp: LinearProgram) -> LinearProgram:
    """A copy of ``lp`` recorded as the negated form of a maximisation.

    ``lp`` itself must already be the minimisation (its costs and constant negated).
    """
    return replace(lp, maximise=True)


def objective_sense(lp: LinearProgram) -> int:
    """``-1`` when ``lp`` is the negated form of a maximisation, else ``1``.

    Multiply the objective (and duals) of ``lp`` by it for the values in the file's sense.
    """
    return -1 if lp.maximise else 1
