"""`Progress`: the progress bar of long runs (tqdm), shown only when someone is watching.

Drawn by tqdm (`tqdm.auto`: the widget in a Jupyter notebook, a text line in a terminal) on
standard error when it is a terminal, or in a notebook; silent otherwise (scripts, CI,
pipes) and whenever ``enabled=False``.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

__all__ = ["Progress", "interactive"]

#: ``sweep  45/200 |#####     | 00:03<00:10``: the label, then steps done of the total
BAR_FORMAT = "{desc} {n_fmt}/{total_fmt} |{bar}| {elapsed}<{remaining}"


def interactive(stream: TextIO | None = None) -> bool:
    """True in a notebook, or when ``stream`` (standard error by default) is a terminal."""
    if _in_notebook():
        return True
    stream = sys.stderr if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)())


def _in_notebook() -> bool:
    """True when running in a Jupyter kernel (not merely with ipykernel imported)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class Progress:
    """Counts finished steps and shows them as a tqdm bar: ``sweep 45/200 |####  | 00:03<00:10``.

    Parameters
    ----------
    total : int
        Steps expected.
    label : str
        Shown before the count.
    enabled : bool, optional
        Force the bar on or off; by default shown only when `interactive`.
    file : text stream, optional
        Where to draw it (standard error by default).

    Examples
    --------
    >>> with Progress(3, label="demo", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.done
    3
    """

    def __init__(
        self,
        total: int,
        *,
        label: str,
        enabled: bool | None = None,
        file: TextIO | None = None,
    ) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.file = file
        self.enabled = interactive(file) if enabled is None else bool(enabled)
        self.done = 0
        self._bar: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from tqdm import auto  # the notebook widget in Jupyter, text elsewhere

            self._bar = auto.tqdm(
                total=self.total,
                desc=self.label,
                file=self.file if self.file is not None else sys.stderr,
                bar_format=BAR_FORMAT,
                leave=True,
                dynamic_ncols=True,
            )
        return self

    def update(self, steps: int = 1) -> None:
        """Record ``steps`` more finished steps."""
        self.done += steps
        if self._bar is not None:
            self._bar.update(steps)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
