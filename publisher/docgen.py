"""Generated documentation: docs/cli.md from the real `--help`. `python -m publisher.docgen`."""

from __future__ import annotations

import argparse
from pathlib import Path

from .cli import parser

DOCS = Path(__file__).resolve().parent.parent / "docs"


def cli_reference() -> str:
    """Markdown of `planlod --help` and of every subcommand's `--help`."""
    p = parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    for each in (p, *sub.choices.values()):  # a fixed width: the same text on every terminal
        each.formatter_class = _fixed_width(each.formatter_class)
    out = ["# `planlod` command reference", "",
           "Generated from the real `--help` by `python -m publisher.docgen`; a test keeps it in sync.",
           "", "```text", p.format_help().rstrip(), "```", ""]
    for name, sp in sub.choices.items():
        out += [f"## `planlod {name}`", "", "```text", sp.format_help().rstrip(), "```", ""]
    return "\n".join(out)


def _fixed_width(cls: type) -> object:
    return lambda prog: cls(prog, width=100)


def main() -> None:
    (DOCS / "cli.md").write_text(cli_reference(), encoding="utf-8")


if __name__ == "__main__":
    main()
