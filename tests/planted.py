"""A base for back ends written in a test: what every planted back end says the same way.

A subclass (a dataclass, frozen or not) gives its ``name`` and ``solve``; it runs here,
honours every option, and answers at a vertex with duals.
"""

from __future__ import annotations

from typing import ClassVar

from reopt.backends import Feature


class PlantedBackend:
    """Available, refusing no option, at a vertex; ``solve`` is the subclass's."""

    features: ClassVar[frozenset[Feature]] = frozenset({Feature.DUALS, Feature.VERTEX})
    install_hint: ClassVar[str] = ""

    def is_available(self) -> bool:
        return True

    def option_problems(self, lp, options):
        return []

    def at_vertex(self, options) -> bool:
        return True
