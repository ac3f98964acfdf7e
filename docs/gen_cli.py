"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

    python docs/gen_cli.py          # rewrite docs/cli.md
    python docs/gen_cli.py --check  # exit 1 if docs/cli.md is out of date (tests/test_docs.py does this)
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from llmcost.cli import app

OUT = Path(__file__).with_name("cli.md")
WIDTH = 100

HEAD = """# Command reference

Generated from each command's `--help` by `python docs/gen_cli.py`; `tests/test_docs.py` fails
when this file and the help texts disagree. Exit codes everywhere: 0 ok, 1 budget exceeded
(`check`), 2 bad input or usage.
"""


def _commands(group, path: list[str]):  # type: ignore[no-untyped-def]
    """Every command path, depth first in the order `--help` lists them."""
    yield path
    for name in getattr(group, "commands", {}):
        yield from _commands(group.commands[name], path + [name])


def render() -> str:
    root = typer.main.get_command(app)
    runner = CliRunner()
    parts = [HEAD]
    for path in _commands(root, []):
        result = runner.invoke(app, [*path, "--help"], prog_name="llmcost", terminal_width=WIDTH,
                               env={"COLUMNS": str(WIDTH)})
        if result.exit_code != 0:
            raise SystemExit(f"llmcost {' '.join(path)} --help failed: {result.output}")
        title = " ".join(["llmcost", *path])
        parts.append(f"\n## `{title}`\n\n```text\n{result.stdout.rstrip()}\n```\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run python docs/gen_cli.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
