"""Published report files → one stream of lines (text, HTML, .docx, text PDF).

Every format becomes the same thing: a list of ``Line`` objects in reading order. A table row
becomes one line whose cells are separate tokens, so the parser downstream never cares where a
report came from. Each line remembers where it was found, for the provenance of every cell.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from gidr_xl.errors import UnusableWorkbookError


@dataclass(frozen=True)
class Line:
    """One line of text, or one table row (``cells`` holds the row's cells in order)."""

    text: str
    where: str  # e.g. "第 12 行", "表格 2 第 5 行"
    cells: tuple[str, ...] = ()


def _text_lines(text: str, prefix: str = "第") -> list[Line]:
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.replace("\u3000", " ").strip()
        if line:
            out.append(Line(line, f"{prefix} {n} 行"))
    return out


def read_text(path: Path) -> list[Line]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _text_lines(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnusableWorkbookError(f"无法识别文件 {path} 的文字编码（支持 UTF-8 和 GB18030）。")


def read_html(path: Path) -> list[Line]:
    from lxml import html

    tree = html.fromstring(path.read_bytes())
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    out: list[Line] = []
    table_no = 0
    for node in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "table", "li"):
        if node.tag == "table":
            table_no += 1
            for r, tr in enumerate(node.iter("tr"), 1):
                cells = tuple(" ".join(c.text_content().split()) for c in tr if c.tag in ("td", "th"))
                if any(cells):
                    out.append(Line(" ".join(cells), f"网页表格 {table_no} 第 {r} 行", cells))
        elif node.tag in ("p", "li") or node.tag.startswith("h"):
            if node.xpath("ancestor::table"):
                continue
            text = " ".join(node.text_content().split())
            if text:
                out.append(Line(text, f"网页段落 {len(out) + 1}"))
    return out


def read_docx(path: Path) -> list[Line]:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    out: list[Line] = []
    table_no = 0
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            text = "".join(t.text or "" for t in block.iter(qn("w:t"))).strip()
            if text:
                out.append(Line(text, f"段落 {len(out) + 1}"))
        elif block.tag == qn("w:tbl"):
            table_no += 1
            for r, tr in enumerate(block.iter(qn("w:tr")), 1):
                cells = []
                for tc in tr.iter(qn("w:tc")):
                    merge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
                    if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
                        continue  # continuation of a vertically merged cell
                    cells.append("".join(t.text or "" for t in tc.iter(qn("w:t"))).strip())
                if any(cells):
                    out.append(Line(" ".join(cells), f"Word 表格 {table_no} 第 {r} 行", tuple(cells)))
    return out


def read_pdf(path: Path) -> list[Line]:
    """Text PDFs through poppler's pdftotext (installed by scripts/setup.sh)."""
    try:
        proc = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UnusableWorkbookError(
            "未安装 pdftotext（poppler-utils），无法读取 PDF。请先运行 scripts/setup.sh。"
        ) from None
    if proc.returncode != 0:
        raise UnusableWorkbookError(f"无法读取 PDF 文件 {path}：{proc.stderr.strip()[:200]}")
    if not proc.stdout.strip():
        raise UnusableWorkbookError(f"PDF 文件 {path} 中没有可提取的文字（可能是扫描图片），无法导入。")
    out = []
    for line in _text_lines(proc.stdout.replace("\f", "\n"), "PDF 第"):
        cells = tuple(part for part in line.text.split("  ") if part.strip())
        out.append(Line(line.text, line.where, tuple(c.strip() for c in cells) if len(cells) > 1 else ()))
    return out


READERS = {
    ".txt": read_text,
    ".text": read_text,
    ".html": read_html,
    ".htm": read_html,
    ".docx": read_docx,
    ".pdf": read_pdf,
}


def read_lines(path: Path) -> list[Line]:
    """Lines of a published report; refuses unknown kinds with a clear message."""
    if not path.exists():
        raise UnusableWorkbookError(f"找不到文件：{path}")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnusableWorkbookError(
            f"不支持的文件类型 {path.suffix}（支持 .txt、.html、.docx、.pdf）：{path}"
        )
    try:
        return reader(path)
    except UnusableWorkbookError:
        raise
    except Exception as exc:
        raise UnusableWorkbookError(f"无法读取文件 {path}（{type(exc).__name__}）。") from None
