"""The CLI reference: ``reopt --help`` and every subcommand's help, rendered at build time.

The page is made from the parser ``reopt.cli.app.parser()`` builds, so it says what the
installed command accepts. Help is formatted at a fixed width, so the page does not depend
on the terminal the site is built in.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from mkdocs.structure.files import File, Files

WIDTH = 100


def subcommands(top: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each subcommand's parser by name, in the order ``reopt --help`` lists them."""
    for action in top._actions:  # argparse keeps its subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def page() -> str:
    """The Markdown of the CLI reference."""
    from reopt.cli.app import parser

    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)
    try:
        top = parser()
        commands = subcommands(top)
        lines = [
            "# Command line",
            "",
            "Generated from the `reopt` command's own parser when the site is built, so it",
            "lists exactly what the installed command accepts. Each subcommand is a Python",
            "call; [Getting started](getting-started.md) shows the first ones.",
            "",
            "## reopt",
            "",
            "```text",
            top.format_help().rstrip(),
            "```",
            "",
        ]
        for name, sub in commands.items():
            lines += [f"## reopt {name}", "", "```text", sub.format_help().rstrip(), "```", ""]
    finally:
        if before is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = before
    return "\n".join(lines)


def on_files(files: Files, config: Any) -> Files:
    """Add ``cli.md``."""
    files.append(File.generated(config, "cli.md", content=page()))
    return files
