"""docs/history.md matches the code: its Python examples run as written and every command line
it shows is accepted by the command-line parser."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from harness.cli import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "history.md"
BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def blocks(language: str) -> list[str]:
    return [body for lang, body in BLOCK.findall(DOC.read_text("utf-8")) if lang == language]


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_examples_run(index: int) -> None:
    code = compile(blocks("python")[index], f"{DOC.name}[python {index}]", "exec")
    exec(code, {})  # noqa: S102 - the examples are this project's own documentation


def command_lines() -> list[str]:
    lines = []
    for body in blocks("sh"):
        for line in body.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("smets1-hil "):
                lines.append(line)
    return lines


@pytest.mark.parametrize("line", command_lines())
def test_command_lines_parse(line: str) -> None:
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert callable(args.func)


def test_every_history_command_is_documented() -> None:
    text = DOC.read_text("utf-8")
    for command in ("list", "show", "trend", "compare", "import", "report"):
        assert f"history {command}" in text
