"""The ``reopt`` command line: one module per subcommand, assembled by `reopt.cli.app`.

`reopt.cli.common` holds what the subcommands share; `demo`, `solve`, `sweep`, `whatif`,
`export`, `bench`, `validate` and `datasets` are the subcommands, each with
``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from reopt.cli.app import main

__all__ = ["main"]
