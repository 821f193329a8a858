"""The bundled datasets' pages, from each dataset's README.md and the citations table.

``reopt/datasets/<name>/README.md`` becomes ``datasets/<name>.md`` unchanged; the index
lists the datasets with what each README's title says they are, and every citation of
``reopt/datasets/citations.csv``, each with an anchor named after its key.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))
from site_nav import replace_entry

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "reopt" / "datasets"


def readmes() -> dict[str, Path]:
    """Each bundled dataset's README by dataset name, sorted."""
    return {p.parent.name: p for p in sorted(DATASETS.glob("*/README.md"))}


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def heading(readme: Path) -> str:
    """What a README's title says after its dataset's name (``# name: what it is``)."""
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].partition(": ")[2] or line[2:]
    return ""


def index() -> str:
    """The datasets' start page: what each one is, and the citations table."""
    lines = [
        "# Bundled datasets",
        "",
        "reopt ships these markets and scenario sets; `reopt.datasets.<name>()` loads one and",
        "`reopt datasets --export <name> DIR` copies it as a template. Each page is the",
        "dataset's own README: its sources, units and every assumption. Every number in the",
        "data carries a citation key from the table below and a basis (published, derived,",
        "assumption).",
        "",
        "| dataset | what it is |",
        "|---|---|",
    ]
    for name in readmes():
        lines.append(f"| [`{name}`]({name}.md) | {cell(heading(readmes()[name]))} |")
    lines += [
        "",
        "## Citations",
        "",
        "| key | title | publisher | year | notes |",
        "|---|---|---|---|---|",
    ]
    with (DATASETS / "citations.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = row["citation_key"]
            title = cell(row["title"])
            if row.get("url"):
                title = f"[{title}]({row['url']})"
            lines.append(
                f'| <span id="{key}"></span>`{key}` | {title} | {cell(row["publisher"])} '
                f"| {cell(row['year'])} | {cell(row.get('notes') or '')} |"
            )
    return "\n".join(lines) + "\n"


def on_config(config: Any) -> Any:
    """List the datasets' pages under the ``datasets/index.md`` entry of the navigation."""
    pages = [{"Overview": "datasets/index.md"}]
    pages += [{name: f"datasets/{name}.md"} for name in readmes()]
    replace_entry(config["nav"], "datasets/index.md", pages)
    return config


def on_files(files: Files, config: Any) -> Files:
    """Add the index and one page per dataset README."""
    files.append(File.generated(config, "datasets/index.md", content=index()))
    for name, path in readmes().items():
        files.append(File.generated(config, f"datasets/{name}.md", abs_src_path=str(path)))
    return files
