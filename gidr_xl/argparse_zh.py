"""argparse in Chinese: usage prefix, section titles, the -h help and argparse's error messages.

argparse translates its texts with ``gettext.gettext`` of the process-wide default domain (there is
no "argparse" domain), chosen from LANG at run time. Installing a catalogue there would change every
gettext user in the process and still depend on the environment, and patching ``argparse._`` is
global too. Instead, what argparse shows is set where it offers a parameter (usage prefix, group
titles, the -h help), and its error messages, which all reach ``ArgumentParser.error``, are
translated there from a table of argparse's own msgids (Python 3.11-3.13).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

#: argparse's msgids → Chinese; ``%(name)s``/``%s`` become ``{name}``/``{a0}``.
MESSAGES: tuple[tuple[str, str], ...] = (
    ("argument %(argument_name)s: %(message)s", "参数 {argument_name}：{message}"),
    ("invalid %(type)s value: %(value)r", "{value} 不是有效的{type}"),
    ("invalid choice: %(value)r (choose from %(choices)s)", "无效的取值 {value}（可选：{choices}）"),
    ("the following arguments are required: %s", "缺少必需的参数：{a0}"),
    ("one of the arguments %s is required", "必须给出以下参数之一：{a0}"),
    ("unrecognized arguments: %s", "无法识别的参数：{a0}"),
    ("expected one argument", "需要一个值"),
    ("expected at most one argument", "最多只能有一个值"),
    ("expected at least one argument", "至少需要一个值"),
    ("expected %s argument", "需要 {a0} 个值"),
    ("expected %s arguments", "需要 {a0} 个值"),
    ("not allowed with argument %s", "不能与参数 {a0} 同时使用"),
    ("ignored explicit argument %r", "不接受值 {a0}"),
    ("ambiguous option: %(option)s could match %(matches)s", "选项 {option} 有歧义，可能是：{matches}"),
    ("unexpected option string: %s", "意外的选项：{a0}"),
    ("unknown parser %(parser_name)r (choices: %(choices)s)", "未知的命令 {parser_name}（可选：{choices}）"),
    ("can't open '%(filename)s': %(error)s", "无法打开文件“{filename}”：{error}"),
)
TYPE_NAMES = {"int": "整数", "float": "数值"}


def _pattern(msgid: str) -> re.Pattern[str]:
    """A regular expression matching what ``msgid % values`` prints, one group per value."""
    parts, n = [], 0
    for piece in re.split(r"(%\(\w+\)[sr]|%[sr])", msgid):
        if name := re.fullmatch(r"%\((\w+)\)[sr]", piece):
            parts.append(f"(?P<{name[1]}>.*?)")
        elif piece in ("%s", "%r"):
            parts.append(f"(?P<a{n}>.*?)")
            n += 1
        else:
            parts.append(re.escape(piece))
    return re.compile("".join(parts), re.DOTALL)


_PATTERNS = tuple((_pattern(en), zh) for en, zh in MESSAGES)


def translate(message: str) -> str:
    """argparse's English error ``message`` in Chinese (unknown messages are returned unchanged)."""
    for pattern, chinese in _PATTERNS:
        if match := pattern.fullmatch(message):
            values = match.groupdict()
            if "message" in values:
                values["message"] = translate(values["message"])
            if "type" in values:
                values["type"] = TYPE_NAMES.get(values["type"], values["type"])
            return chinese.format(**values)
    return message


#: A section heading line as argparse ends it ("选项:"), at the start of a line, Chinese text only.
_ASCII_HEADING = re.compile(r"(?m)^(\s*[\u4e00-\u9fff][^\n:：]*):$")


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the newlines of descriptions and examples; ``用法：`` instead of ``usage:``."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def format_help(self) -> str:
        text = super().format_help()
        return _ASCII_HEADING.sub(lambda m: m.group(1) + "：", text)


class StackedFormatter(Formatter):
    """Each argument's help on its own line below it: argparse aligns columns by ``len()``, which
    misaligns Chinese metavars (two columns wide each) when the help follows on the same line."""

    def __init__(self, prog: str, width: int | None = None) -> None:
        super().__init__(prog, max_help_position=6, width=width)


class ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese texts; a usage error prints the usage and ``<prog>：参数有误：…`` (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        kwargs["add_help"] = False  # added below with a Chinese help text
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog.split()[0]}：参数有误：{translate(message)}\n")  # 2: gidr's bad usage
