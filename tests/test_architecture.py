"""The package's shape, checked from the source: no import cycles, no private names across
modules, no module over 400 lines, highspy only in the back ends."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reopt

PACKAGE = Path(reopt.__file__).parent
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, name: str) -> list[tuple[str, list[str], int]]:
    """Every runtime import in the file (function-level ones too): (module, names, line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip.update(id(n) for n in ast.walk(node))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module]) if module else ".".join(base)
            found.append((module, [a.name for a in node.names], node.lineno))
    return found


def _edges() -> dict[str, set[str]]:
    """Module -> the reopt modules it imports (``from reopt.x import y``: ``reopt.x.y`` when
    ``y`` is itself a module)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, names, _ in _imports(path, name):
            if not module.startswith("reopt"):
                continue
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
            if len(targets) < len(names) or not names:
                targets.append(module)
            graph[name].update(t for t in targets if t in MODULES and t != name)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_every_module():
    assert "reopt.model.program" in MODULES and "reopt.backends.highs" in MODULES
    assert "reopt.model.program" in _edges()["reopt.model.formulation"]


def test_no_import_cycle():
    cycle = _cycle(_edges())
    assert cycle is None, " -> ".join(cycle or [])


def test_a_planted_cycle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _cycle(graph) == ["a", "b", "c", "a"]


def test_no_private_names_across_modules():
    offenders = []
    for name, path in MODULES.items():
        for module, names, line in _imports(path, name):
            if module.startswith("reopt") and module != name:
                offenders += [
                    f"{path.name}:{line} {module}.{n}"
                    for n in names
                    if n.startswith("_") and not n.startswith("__")
                ]
        # module._name: a private attribute of another reopt module reached through it
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reopt")
            for alias in node.names
            if f"{node.module}.{alias.name}" in MODULES
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in imported
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                offenders.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
    assert not offenders, offenders


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_highspy_only_in_the_back_ends():
    offenders = [
        name
        for name, path in MODULES.items()
        if not name.startswith("reopt.backends")
        and any(module.split(".")[0] == "highspy" for module, _, _ in _imports(path, name))
    ]
    assert not offenders, offenders


def test_no_solver_name_comparisons_outside_the_back_ends():
    """Callers ask the registry what a back end can do; they never compare its name."""
    offenders = []
    names = set(reopt.known_solvers())
    for name, path in MODULES.items():
        if name.startswith("reopt.backends"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    if isinstance(side, ast.Constant) and side.value in names:
                        offenders.append(f"{name}:{node.lineno} {side.value!r}")
    assert not offenders, offenders
