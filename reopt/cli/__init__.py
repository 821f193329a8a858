"""The ``reopt`` command."""

from reopt.cli.commands import main

__all__ = ["main"]
