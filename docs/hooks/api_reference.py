"""The API reference: one page per public area, listing every name of ``reopt.__all__``.

A name's area is the pipeline stage its object is defined in (``reopt.data`` -> Data, ...;
the top-level modules errors, status and options -> Errors, status and settings). Each page
is a list of mkdocstrings directives, so the reference is the docstrings, and a name added
to ``reopt.__all__`` appears without editing the site.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))
from site_nav import replace_entry

#: Areas in pipeline order, with their titles and what they hold; an unknown area is added
#: after them under its own name.
AREAS: dict[str, tuple[str, str]] = {
    "data": ("Data", "Markets, scenario sets and the files they are read from and written to."),
    "model": ("Model", "Policies, risk measures and the linear program a market compiles to."),
    "backends": ("Back ends", "Solvers, their features, and model files."),
    "results": ("Results", "Solving, and the plan a solve returns."),
    "analysis": ("Analysis", "Many solves: sweeps, limits, risk curves and Monte Carlo."),
    "bench": ("Benchmarks", "Timing back ends and settings on your own market."),
    "datasets": ("Datasets", "The bundled markets and scenario sets, and synthetic markets."),
    "plot": ("Plots", "Plots of frontiers, supply mixes, sweeps and Monte Carlo tables."),
    "core": ("Errors, status and settings", "What every stage shares."),
}


def area_of(name: str) -> str:
    """The area of ``reopt.<name>``: the reopt subpackage its object comes from, or "core"."""
    import reopt

    obj = getattr(reopt, name)
    if isinstance(obj, types.ModuleType):
        module = obj.__name__
    else:
        module = getattr(obj, "__module__", None) or "reopt"
    parts = module.split(".")
    if (
        len(parts) >= 2
        and parts[0] == "reopt"
        and (Path(reopt.__file__).parent / parts[1]).is_dir()
    ):
        return parts[1]
    if len(parts) >= 2 and parts[1] in AREAS:
        return parts[1]
    return "core"


def areas() -> dict[str, list[str]]:
    """Every name of ``reopt.__all__`` by area, areas in the order of `AREAS`."""
    import reopt

    found: dict[str, list[str]] = {}
    for name in sorted(reopt.__all__, key=str.lower):
        found.setdefault(area_of(name), []).append(name)
    order = [a for a in AREAS if a in found] + sorted(set(found) - set(AREAS))
    return {area: found[area] for area in order}


def title(area: str) -> str:
    """The page title of an area."""
    return AREAS.get(area, (area.capitalize(), ""))[0]


def page(area: str, names: list[str]) -> str:
    """The Markdown of one area's page: a heading, a line, one directive per name."""
    intro = AREAS.get(area, ("", ""))[1]
    lines = [f"# {title(area)}", "", intro, ""]
    for name in names:
        if name == "__version__":
            lines += [
                "## `reopt.__version__`",
                "",
                "reopt's version (a string), read from the installed package's metadata.",
                "",
            ]
            continue
        lines += [f"::: reopt.{name}", ""]
    return "\n".join(lines)


def index(found: dict[str, list[str]]) -> str:
    """The reference's start page: every public name, linked to its entry."""
    lines = [
        "# API reference",
        "",
        "Every public name of `reopt` (those of `reopt.__all__`), by the stage of the pipeline",
        "it belongs to. Everything else in the package is internal and may change.",
        "",
    ]
    for area, names in found.items():
        lines += [f"## {title(area)}", "", AREAS.get(area, ("", ""))[1], ""]
        for name in names:
            anchor = "reopt.__version__" if name == "__version__" else f"reopt.{name}"
            target = f"{area}.md#{anchor}" if name != "__version__" else f"{area}.md"
            lines.append(f"- [`reopt.{name}`]({target})")
        lines.append("")
    return "\n".join(lines)


def on_config(config: Any) -> Any:
    """List the areas' pages under the ``api/index.md`` entry of the navigation."""
    pages = [{"Overview": "api/index.md"}]
    pages += [{title(area): f"api/{area}.md"} for area in areas()]
    replace_entry(config["nav"], "api/index.md", pages)
    return config


def on_files(files: Files, config: Any) -> Files:
    """Add the overview and one page per area."""
    found = areas()
    files.append(File.generated(config, "api/index.md", content=index(found)))
    for area, names in found.items():
        files.append(File.generated(config, f"api/{area}.md", content=page(area, names)))
    return files
