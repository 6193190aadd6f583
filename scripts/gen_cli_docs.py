"""Regenerate README.md's 命令参考 from the ``gidr`` parser (tests/test_docs.py checks it is current).

Run from the checkout: ``python scripts/gen_cli_docs.py`` (``--check`` only reports, exit 1 if stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

from gidr_xl.cli import reference_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- 命令参考开始 -->", "<!-- 命令参考结束 -->"


def refreshed(readme: str) -> str:
    """``readme`` with the text between the markers replaced by the generated reference."""
    head, found, rest = readme.partition(START)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise SystemExit(f"README.md lacks the markers {START} … {END}")
    return f"{head}{START}\n{reference_markdown()}{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = refreshed(text)
    if "--check" in argv:
        print(
            "README.md is current."
            if new == text
            else "README.md is stale: run python scripts/gen_cli_docs.py"
        )
        return 0 if new == text else 1
    if new != text:
        README.write_text(new, encoding="utf-8")
        print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
