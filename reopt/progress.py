"""`Progress`: a small progress bar for long runs, shown only when someone is watching.

Shown on standard error when it is a terminal, or in a Jupyter notebook; silent otherwise
(scripts, CI, pipes) and whenever ``enabled=False``.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType

__all__ = ["Progress", "interactive"]


def interactive() -> bool:
    """True in a terminal or a notebook."""
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


class Progress:
    """Counts finished steps and redraws one line: ``sweep  45/200 [#####.....] 3.1 s``.

    Examples
    --------
    >>> with Progress(3, label="demo", enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.done
    3
    """

    WIDTH = 30

    def __init__(self, total: int, *, label: str, enabled: bool | None = None) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.enabled = interactive() if enabled is None else bool(enabled)
        self.done = 0
        self._start = time.perf_counter()
        self._drawn = 0.0

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def update(self, steps: int = 1) -> None:
        """Record ``steps`` more finished steps."""
        self.done += steps
        self._draw()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._draw(force=True)
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()

    def _draw(self, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._drawn < 0.1:
            return
        self._drawn = now
        total = max(self.total, self.done, 1)
        filled = int(self.WIDTH * min(self.done / total, 1.0))
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"\r{self.label} {self.done:>{len(str(total))}}/{self.total} [{bar}] "
        sys.stderr.write(line + f"{now - self._start:.1f} s")
        sys.stderr.flush()
