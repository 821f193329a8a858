"""A TOML file read as a mapping, with every way that can fail said as reopt says problems.

The scenario files of `reopt.data.io` (a market and its policies) and of
`reopt.data.scenario_files` (a scenario set) and the risk settings of ``reopt scenarios``
share one file; each reads the keys it owns from what `read_toml` returns.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from reopt.checks import input_error
from reopt.errors import ReoptError

__all__ = ["read_toml"]


def read_toml(path: Path) -> dict[str, Any]:
    """The file's contents; an `InputError` for bad TOML or text, `ReoptError` if unreadable.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "case.toml"
    >>> _ = file.write_text('china_cap = "60%"')
    >>> read_toml(file)
    {'china_cap': '60%'}
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as err:
        raise input_error("file", str(path), None, None, f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise input_error("file", str(path), None, None, "not UTF-8 text") from None
    except OSError as err:
        raise ReoptError(f"{path}: cannot be read ({err.strerror or err})") from None
