"""README.md documents the command line as it is (every command and option; the generated 命令参考)."""

from __future__ import annotations

import argparse
import importlib.util
import re
from pathlib import Path

import pytest

from gidr_xl.cli import _options, _subcommands, build_parser, reference_markdown

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
REFRESH = "run `python scripts/gen_cli_docs.py` to refresh README.md's 命令参考"
COMMANDS = _subcommands(build_parser())


def _gen_cli_docs():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference() -> str:
    module = _gen_cli_docs()
    start, end = README.index(module.START), README.index(module.END)
    return README[start + len(module.START) : end].strip("\n")


def test_command_reference_is_current() -> None:
    assert _reference() == reference_markdown().strip("\n"), REFRESH
    assert _gen_cli_docs().refreshed(README) == README, REFRESH


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_and_option_is_in_the_readme(name: str) -> None:
    _, parser = COMMANDS[name]
    assert f"### `gidr {name}`" in README, REFRESH
    section = README.split(f"### `gidr {name}`", 1)[1].split("\n### ", 1)[0]
    for action in _options(parser):
        for text in action.option_strings or [action.metavar]:
            assert text in section, f"gidr {name}: {text} is not documented; {REFRESH}"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_argument_has_chinese_help_and_examples(name: str) -> None:
    _, parser = COMMANDS[name]
    assert parser.description and re.search(r"[\u4e00-\u9fff]", parser.description)
    assert parser.epilog and parser.epilog.startswith("示例：")
    examples = [line.strip() for line in parser.epilog.splitlines()[1:] if line.strip()]
    assert examples and all(e.startswith(f"gidr {name}") for e in examples)
    for action in parser._actions:
        if action.help is argparse.SUPPRESS:
            continue
        assert action.help and re.search(r"[\u4e00-\u9fff]", action.help), f"gidr {name} {action.dest}"
        if action.nargs != 0:  # a value: named in Chinese in the usage line
            assert action.metavar and re.search(r"[\u4e00-\u9fff]", str(action.metavar)), action.dest


def test_readme_command_lines_use_existing_options() -> None:
    """Hand-written ``gidr …`` lines in README.md and docs/ parse with the current parser."""
    parser = build_parser()
    module = _gen_cli_docs()
    hand_written = README.split(module.START)[0] + README.split(module.END)[1]
    texts = [hand_written, *(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))]
    command = re.compile(rf"^(?:\.venv/bin/)?gidr ((?:{'|'.join(COMMANDS)})\b[^#\n]*)", re.M)
    lines = [m.group(1) for text in texts for m in command.finditer(text)]
    assert len(lines) > 10
    for line in lines:
        argv = line.split()
        assert argv[0] != "new" or "--force" not in argv, (
            f"gidr {line}: use --overwrite (--force is deprecated)"
        )
        try:
            parser.parse_args(argv)
        except SystemExit as exc:  # pragma: no cover - the message names the stale line
            pytest.fail(f"README/docs line no longer parses: gidr {line} (exit {exc.code})")
