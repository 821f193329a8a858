"""Shared by the site's hooks: put generated pages in the navigation where mkdocs.yml says.

mkdocs.yml holds one placeholder entry per generated section (``- API reference:
api/index.md``); a hook replaces the entry's value with the pages it generates, so the
navigation lists them without copying their names into mkdocs.yml.
"""

from __future__ import annotations

from typing import Any


def replace_entry(nav: list[Any], placeholder: str, pages: list[dict[str, str]]) -> bool:
    """Replace the nav entry whose value is ``placeholder`` by the section ``pages``.

    Parameters
    ----------
    nav : list
        The ``nav`` of the MkDocs configuration (changed in place).
    placeholder : str
        The value of the entry to replace, as written in mkdocs.yml.
    pages : list of dict
        ``{title: path}`` entries, in order.

    Returns
    -------
    bool
        Whether the placeholder was found.
    """
    for entry in nav:
        if not isinstance(entry, dict):
            continue
        for title, value in entry.items():
            if value == placeholder:
                entry[title] = pages
                return True
            if isinstance(value, list) and replace_entry(value, placeholder, pages):
                return True
    return False
