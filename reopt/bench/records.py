"""`save_run`: one benchmark run as JSON, with the command and the machine that produced it."""

from __future__ import annotations

import json
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["save_run"]


def save_run(out: Path, benchmark: str, command: str, results: list[dict[str, Any]]) -> None:
    """Write ``results`` to ``out`` with the command, the machine and the versions; say so."""
    record = {
        "benchmark": benchmark,
        "command": command,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "versions": {
            "reopt": version("reopt"),
            "highspy": version("highspy"),
            "numpy": np.__version__,
        },
        "results": results,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out}")
