"""The rigs packages import cleanly in any order, have no import cycles, and the host side never
imports the emulator (it reaches it only across a process boundary and the shared wire formats
of :mod:`rigs.protocols`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

RIGS = Path(__file__).resolve().parents[2] / "rigs"


def module_name(path: Path) -> str:
    parts = path.relative_to(RIGS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(RIGS.rglob("*.py"))}
PACKAGES = sorted(module_name(path) for path in MODULES.values() if path.name == "__init__.py")


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imports(name: str, *, top_level_only: bool) -> set[str]:
    """The rigs modules ``name`` imports (at module level only, outside ``if TYPE_CHECKING``,
    when ``top_level_only``)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    nodes: list[ast.AST] = []
    if top_level_only:
        for statement in tree.body:
            if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
                continue
            nodes += list(ast.walk(statement))
        nodes = [n for n in nodes if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    else:
        nodes = list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, node)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m in MODULES}


def _top_level_imports(name: str) -> set[str]:
    """Module-level imports, with the ``__init__`` of each package on the way in (except the
    importer's own packages)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, node)
                found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
    with_parents = set()
    for module in found:
        parts = module.split(".")
        with_parents |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    # the importer's own packages are already being initialised when it runs
    own = {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}
    return {m for m in with_parents if m in MODULES and m != name and m not in own}


def test_the_host_side_never_imports_the_emulator() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name in MODULES
        if not (name == "rigs.emulator" or name.startswith("rigs.emulator."))
        for target in imports(name, top_level_only=False)
        if target == "rigs.emulator" or target.startswith("rigs.emulator.")
    )
    assert offenders == []


def test_no_import_cycles_among_rigs_modules() -> None:
    graph = {name: _top_level_imports(name) for name in MODULES}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert cycles == []


def test_every_package_imports_first_in_a_fresh_interpreter() -> None:
    """Each package imported first, then all the others forwards and backwards: one fresh
    interpreter per package, run side by side."""
    runs = {}
    for first in PACKAGES:
        others = [p for p in PACKAGES if p != first]
        code = "; ".join(f"import {name}" for name in [first, *others, *reversed(others)])
        runs[first] = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
    failures = {}
    for first, process in runs.items():
        _, stderr = process.communicate(timeout=120)
        if process.returncode != 0:
            failures[first] = stderr.decode(errors="replace").strip().splitlines()[-1:]
    assert len(PACKAGES) >= 7 and failures == {}


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The scan would see a host-side import of the emulator written any of three ways."""
    for source in (
        "from rigs.emulator import radio_protocol\n",
        "import rigs.emulator.process\n",
        "def f():\n    from rigs.emulator.process import EmulatorProcess\n",
    ):
        MODULES["rigs.zigbee._probe"] = probe = tmp_path / "probe.py"
        probe.write_text(source, encoding="utf-8")
        try:
            assert any(
                t.startswith("rigs.emulator")
                for t in imports("rigs.zigbee._probe", top_level_only=False)
            ), source
        finally:
            del MODULES["rigs.zigbee._probe"]
