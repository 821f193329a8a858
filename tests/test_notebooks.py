"""The example notebooks run from top to bottom, and their stored outputs are what they print.

Each notebook is executed afresh and compared with the copy in ``examples/``, cell by cell:
the text of stream outputs and the ``text/plain`` of results must be the same; of a figure,
only that both have one. A cell whose output depends on the run (timings, benchmark figures)
carries the tag ``nondeterministic-output`` and is executed but not compared.

To re-execute notebooks and store their outputs::

    python tests/test_notebooks.py examples/04-policies.ipynb [...]
"""

from __future__ import annotations

import copy
import re
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.ipynb"))
#: The tag of a code cell whose outputs are run-dependent and not compared.
SKIP_TAG = "nondeterministic-output"
#: Memory addresses, as in ``<object at 0x7f...>``: the one thing normalised in every cell.
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_IMAGES = ("image/png", "image/svg+xml", "image/jpeg")


def execute(notebook: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Run a copy of ``notebook`` in ``folder`` with matplotlib inline; return the copy."""
    fresh = copy.deepcopy(notebook)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    client = NotebookClient(
        fresh, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    return fresh


def cell_texts(cell: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What a code cell shows, as comparable text: streams, plain results, images, errors.

    Consecutive chunks of one stream are joined (a kernel may split a print in two); a
    figure counts as ``("image", "")``, whatever its pixels and its text/plain say.
    """
    shown: list[tuple[str, str]] = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "stream":
            name = f"stream:{output.get('name', 'stdout')}"
            text = "".join(output.get("text", ""))
            if shown and shown[-1][0] == name:
                shown[-1] = (name, shown[-1][1] + text)
            else:
                shown.append((name, text))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if any(mime in data for mime in _IMAGES):
                shown.append(("image", ""))
            else:
                shown.append(("result", "".join(data.get("text/plain", ""))))
        elif kind == "error":
            shown.append(("error", f"{output.get('ename')}: {output.get('evalue')}"))
    return [(kind, _ADDRESS.sub("0x…", text)) for kind, text in shown]


def output_differences(stored: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> list[str]:
    """Every code cell whose stored outputs differ from a fresh run's, with the first change.

    Cells tagged `SKIP_TAG` are left out; a different number or order of code cells is one
    difference on its own.
    """
    old = [c for c in stored.cells if c.cell_type == "code"]
    new = [c for c in fresh.cells if c.cell_type == "code"]
    if [c.source for c in old] != [c.source for c in new]:
        return ["the code cells differ between the stored and the fresh notebook"]
    differences = []
    for number, (before, after) in enumerate(zip(old, new, strict=True), start=1):
        if SKIP_TAG in before.get("metadata", {}).get("tags", []):
            continue
        was, now = cell_texts(before), cell_texts(after)
        if was != now:
            differences.append(f"code cell {number}: {_first_change(was, now)}")
    return differences


def _first_change(was: list[tuple[str, str]], now: list[tuple[str, str]]) -> str:
    for (kind_a, text_a), (kind_b, text_b) in zip(was, now, strict=False):
        if kind_a != kind_b:
            return f"stored {kind_a}, fresh {kind_b}"
        if text_a != text_b:
            lines_a, lines_b = text_a.splitlines(), text_b.splitlines()
            for line_a, line_b in zip(lines_a, lines_b, strict=False):
                if line_a != line_b:
                    return f"{kind_a}: stored {line_a!r}, fresh {line_b!r}"
            return f"{kind_a}: stored {len(lines_a)} lines, fresh {len(lines_b)}"
    return f"stored {len(was)} outputs, fresh {len(now)}"


def test_there_are_notebooks():
    assert EXAMPLES, "no notebooks found in examples/"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_notebook_runs_and_matches_its_outputs(path: Path, tmp_path: Path):
    notebook = nbformat.read(path, as_version=4)
    assert all(
        cell.get("execution_count") for cell in notebook.cells if cell.cell_type == "code"
    ), f"{path.name} is stored unexecuted; run it before committing"
    assert any(cell.get("outputs") for cell in notebook.cells), f"{path.name} shows nothing"
    fresh = execute(notebook, tmp_path)
    differences = output_differences(notebook, fresh)
    assert not differences, (
        f"{path.name}: stored outputs no longer match a fresh run "
        f"(re-run: python tests/test_notebooks.py {path.relative_to(path.parent.parent)}):\n"
        + "\n".join(differences)
    )


# ------------------------------------------------------------------------------------------
# The comparison itself, on small notebooks made here.
def _notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def _code(source: str, *outputs: dict, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    return cell


def _stream(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def _result(text: str, **extra: str) -> dict:
    return {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"text/plain": text, **extra},
    }


def _figure(text: str, png: str) -> dict:
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": text, "image/png": png},
    }


def test_an_edited_stored_output_is_a_difference():
    """A doctored number in a stored notebook fails the comparison, naming cell and line."""
    fresh = _notebook(
        _code("print(1)", _stream("cost USD 529,609,535\n")),
        _code("x", _result("   a\n0  1.5")),
    )
    assert output_differences(fresh, copy.deepcopy(fresh)) == []
    doctored = copy.deepcopy(fresh)
    doctored.cells[0].outputs[0]["text"] = "cost USD 529,609,536\n"
    assert output_differences(doctored, fresh) == [
        "code cell 1: stream:stdout: stored 'cost USD 529,609,536', fresh 'cost USD 529,609,535'"
    ]
    doctored = copy.deepcopy(fresh)
    doctored.cells[1].outputs[0]["data"]["text/plain"] = "   a\n0  1.6"
    assert output_differences(doctored, fresh) == [
        "code cell 2: result: stored '0  1.6', fresh '0  1.5'"
    ]


def test_a_doctored_example_notebook_fails_the_check():
    """One digit changed in a stored example's output is caught, in that cell alone."""
    stored = nbformat.read(EXAMPLES[0].parent / "04-policies.ipynb", as_version=4)
    assert output_differences(stored, copy.deepcopy(stored)) == []
    doctored = copy.deepcopy(stored)
    first = next(c for c in doctored.cells if c.cell_type == "code")
    assert "510,075,800" in first.outputs[0].text
    first.outputs[0].text = first.outputs[0].text.replace("510,075,800", "510,075,801")
    assert output_differences(doctored, stored) == [
        "code cell 1: stream:stdout: stored 'cheapest plan, no rule: USD 510,075,801 a year', "
        "fresh 'cheapest plan, no rule: USD 510,075,800 a year'"
    ]


def test_every_example_stores_its_run_dependent_cells_tagged():
    """The timings of notebooks 05 and 06 sit in tagged cells; no other cell is skipped."""
    tagged = {
        path.stem: [
            number
            for number, cell in enumerate(
                (c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"),
                start=1,
            )
            if SKIP_TAG in cell.get("metadata", {}).get("tags", [])
        ]
        for path in EXAMPLES
    }
    assert tagged.get("05-your-own-data") == [4]
    assert tagged.get("06-solver-settings") == [3, 5, 7]
    assert all(not cells for name, cells in tagged.items() if name[:2] not in ("05", "06"))


def test_a_missing_or_extra_output_is_a_difference():
    fresh = _notebook(_code("x", _result("1"), _stream("two\n")))
    fewer = _notebook(_code("x", _result("1")))
    assert output_differences(fewer, fresh) == ["code cell 1: stored 1 outputs, fresh 2"]
    assert output_differences(fresh, fewer) == ["code cell 1: stored 2 outputs, fresh 1"]
    lines = _notebook(_code("x", _result("1\n2")))
    assert output_differences(lines, _notebook(_code("x", _result("1")))) == [
        "code cell 1: result: stored 2 lines, fresh 1"
    ]


def test_figures_compare_by_presence_only():
    stored = _notebook(_code("plot()", _figure("<Figure size 700x300>", "AAAA")))
    redrawn = _notebook(_code("plot()", _figure("<Figure size 700x300 >", "BBBB")))
    assert output_differences(stored, redrawn) == []
    text_only = _notebook(_code("plot()", _result("<Figure size 700x300>")))
    assert output_differences(stored, text_only) == ["code cell 1: stored image, fresh result"]


def test_only_tagged_cells_are_skipped():
    stored = _notebook(
        _code("t()", _stream("took 0.12 s\n"), tags=(SKIP_TAG,)),
        _code("u()", _stream("took 0.12 s\n")),
    )
    fresh = _notebook(
        _code("t()", _stream("took 0.31 s\n"), tags=(SKIP_TAG,)),
        _code("u()", _stream("took 0.31 s\n")),
    )
    assert output_differences(stored, fresh) == [
        "code cell 2: stream:stdout: stored 'took 0.12 s', fresh 'took 0.31 s'"
    ]


def test_split_streams_and_addresses_are_the_same_text():
    stored = _notebook(_code("f()", _stream("a\nb\n"), _result("<f at 0x7f3a2b1c4d50>")))
    fresh = _notebook(
        _code("f()", _stream("a\n"), _stream("b\n"), _result("<f at 0x55d0e2f1a9c0>"))
    )
    assert output_differences(stored, fresh) == []


def test_changed_code_is_a_difference():
    stored = _notebook(_code("x = 1", _stream("")))
    fresh = _notebook(_code("x = 2", _stream("")))
    assert output_differences(stored, fresh) == [
        "the code cells differ between the stored and the fresh notebook"
    ]


def _save_fresh(paths: list[str]) -> None:
    """Re-execute each notebook in a temporary folder and store it with its new outputs."""
    for name in paths:
        path = Path(name)
        notebook = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as folder:
            fresh = execute(notebook, Path(folder))
        nbformat.write(fresh, path)
        print(f"{path}: executed and saved")


if __name__ == "__main__":
    _save_fresh(sys.argv[1:])
