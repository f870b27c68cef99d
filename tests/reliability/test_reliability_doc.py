"""docs/reliability.md stays true: every test its tables name exists in the suite."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "reliability.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name.startswith("test_")
    }


def test_every_named_test_exists() -> None:
    references = REFERENCE.findall(DOC.read_text(encoding="utf-8"))
    assert len(references) >= 30
    missing = [
        f"{file}::{name}"
        for file, name in references
        if not (REPO / file).is_file() or name not in _test_functions(REPO / file)
    ]
    assert missing == []


def test_every_table_row_names_a_test() -> None:
    tried = DOC.read_text(encoding="utf-8").split("## Figures")[0]  # the tables of what is tried
    rows = [
        line
        for line in tried.splitlines()
        if line.startswith("| ") and not line.startswith(("| what", "| fault", "|---"))
    ]
    assert rows
    assert [row for row in rows if not REFERENCE.search(row)] == []


def test_every_reliability_test_module_is_in_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for module in sorted((REPO / "tests" / "reliability").glob("test_*.py")):
        if module.name == "test_reliability_doc.py":
            continue
        assert f"tests/reliability/{module.name}" in text, module.name
