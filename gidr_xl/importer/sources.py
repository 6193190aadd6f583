"""Published report files → one stream of lines (text, HTML, .docx, text PDF).

Every format becomes the same thing: a list of ``Line`` objects in reading order. A table row
becomes one line whose cells are separate tokens, so the parser downstream never cares where a
report came from. Each line remembers where it was found, for the provenance of every cell.
"""

from __future__ import annotations

import logging
import re
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from gidr_xl.errors import UnusableWorkbookError
from gidr_xl.importer.decode import decode


@dataclass(frozen=True)
class Line:
    """One line of text, or one table row (``cells`` holds the row's cells in order)."""

    text: str
    where: str  # e.g. "第 12 行", "表格 2 第 5 行"
    cells: tuple[str, ...] = ()


#: Upper bounds on a report file read at all: real page.html files are < 0.4 MB and their text far
#: less; .docx / .pdf carry pictures and fonts, so they may be larger.
MAX_TEXT_BYTES = 5 * 1024 * 1024
MAX_PACKAGE_BYTES = 30 * 1024 * 1024
#: C0 controls but tab, newline and return; DEL and C1 controls (what a worksheet cannot hold).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CRAWLER_KEYS = ("标题", "发布时间", "文号", "发布机构", "栏目", "原文链接", "本地目录", "来源", "作者")
_SEPARATOR = re.compile(r"^\s*={3,}\s*正文\s*={3,}\s*$")
_HEADER_LINE = re.compile(rf"^\s*({'|'.join(_CRAWLER_KEYS)})\s*[:：]\s*(.*)$")
_BLANKS = str.maketrans({"\u3000": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u200b": ""})


@dataclass
class Document:
    """A report's lines in reading order plus what the file says about itself (metadata)."""

    lines: list[Line]
    meta: dict[str, str] = field(default_factory=dict)


def _text_lines(text: str, prefix: str = "第", first: int = 1) -> list[Line]:
    out = []
    for n, raw in enumerate(text.splitlines(), first):
        line = raw.translate(_BLANKS).strip()
        if line:
            out.append(Line(line, f"{prefix} {n} 行"))
    return out


def split_crawler_header(text: str) -> tuple[dict[str, str], str, int]:
    """Crawler header lines (标题: … 原文链接: … ==== 正文 ====) → metadata, the body, its first line.

    Only a header at the very top is taken, so a report that quotes such words is untouched.
    """
    lines = text.splitlines()
    meta: dict[str, str] = {}
    for n, line in enumerate(lines[:30]):
        if _SEPARATOR.match(line):
            for head in lines[:n]:
                match = _HEADER_LINE.match(head)
                if match and match.group(2).strip():
                    meta.setdefault(match.group(1), match.group(2).strip())
            return meta, "\n".join(lines[n + 1 :]), n + 2
    n = 0
    while n < len(lines) and _HEADER_LINE.match(lines[n]):
        match = _HEADER_LINE.match(lines[n])
        if match and match.group(2).strip():
            meta.setdefault(match.group(1), match.group(2).strip())
        n += 1
    if len(meta) < 2:  # one "标题:" line alone is the report's own text, not a crawler header
        return {}, text, 1
    return meta, "\n".join(lines[n:]), n + 1


def read_text(path: Path) -> Document:
    text, encoding = decode(path.read_bytes(), str(path))
    meta, body, first = split_crawler_header(text)
    meta["编码"] = encoding
    return Document(_text_lines(body, first=first), meta)


#: Site chrome that is never part of an article.
_CHROME = "//script|//style|//noscript|//nav|//header|//footer|//iframe|//form|//select"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "pre", "blockquote", "caption"}


def _leaf_tables(root) -> set:
    """Tables that hold no other table: the data tables (site layouts nest tables in tables)."""
    return {t for t in root.iter("table") if not t.xpath(".//table")}


def _cell_text(cell) -> str:
    return " ".join(cell.text_content().translate(_BLANKS).split())


def read_html(path: Path) -> Document:
    """Paragraphs and data tables of a web page, in order.

    Written by hand on lxml because the general main-content extractors drop or flatten tables
    (the data we need); the rule here is general: data tables are the leaf tables, everything
    else is paragraphs, and the page title goes to the metadata.
    """
    from lxml import html

    text, encoding = decode(path.read_bytes(), str(path), html=True)
    # lxml refuses a str that still carries an XML encoding declaration (XHTML pages)
    tree = html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    meta = {"编码": encoding}
    title = tree.find(".//title")
    if title is not None and title.text_content().strip():
        meta["标题"] = " ".join(title.text_content().split())
    for bad in tree.xpath(_CHROME):
        bad.drop_tree()
    leaves = _leaf_tables(tree)
    out: list[Line] = []
    table_no = 0

    def emit(text: str | None) -> None:
        text = " ".join((text or "").translate(_BLANKS).split())
        if text:
            out.append(Line(text, f"网页段落 {len(out) + 1}"))

    def walk(node) -> None:
        nonlocal table_no
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "table" and node in leaves:
            table_no += 1
            for r, tr in enumerate(node.iter("tr"), 1):
                cells = tuple(_cell_text(c) for c in tr if c.tag in ("td", "th"))
                if any(cells):
                    out.append(Line(" ".join(cells), f"网页表格 {table_no} 第 {r} 行", cells))
        elif tag in _BLOCKS:
            emit(node.text_content())
        elif tag:
            emit(node.text)
            for child in node:
                walk(child)
                emit(child.tail)

    body = tree.find(".//body")
    walk(body if body is not None else tree)
    return Document(out, meta)


def read_docx(path: Path) -> Document:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    out: list[Line] = []
    table_no = 0
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            text = "".join(t.text or "" for t in block.iter(qn("w:t"))).translate(_BLANKS).strip()
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
                    cells.append("".join(t.text or "" for t in tc.iter(qn("w:t"))).translate(_BLANKS).strip())
                if any(cells):
                    out.append(Line(" ".join(cells), f"Word 表格 {table_no} 第 {r} 行", tuple(cells)))
    meta = {}
    if document.core_properties.title:
        meta["标题"] = document.core_properties.title
    return Document(out, meta)


def _pdf_text_pypdf(path: Path) -> str:
    """pypdf (pure Python, installs anywhere) in layout mode: words keep their line and order."""
    from pypdf import PdfReader

    # pypdf reports the damage it repairs (broken xref tables, a missing EOF marker) as English
    # log lines and warnings on stderr; the import goes on with what it could read
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path))
            pages = []
            for page in reader.pages:
                try:
                    pages.append(page.extract_text(extraction_mode="layout"))
                except Exception:  # some fonts defeat layout mode; plain mode still keeps the words
                    pages.append(page.extract_text())
    finally:
        logger.setLevel(level)
    return "\n".join(pages)


def _pdf_text_poppler(path: Path) -> str:
    """Fallback when pypdf finds no text: poppler's pdftotext, if it is installed."""
    try:
        proc = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return ""
    return proc.stdout if proc.returncode == 0 else ""


_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]+\s*\d+\s*[-—–]+|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$"
)


def read_pdf(path: Path) -> Document:
    """Text PDFs: a row stays on one line, cells split where the layout left wide gaps."""
    try:
        text = _pdf_text_pypdf(path)
    except Exception as exc:
        raise UnusableWorkbookError(f"无法读取 PDF 文件 {path}（{type(exc).__name__}）。") from None
    if not text.strip():
        text = _pdf_text_poppler(path)
    if not text.strip():
        raise UnusableWorkbookError(f"PDF 文件 {path} 中没有可提取的文字（可能是扫描图片），无法导入。")
    out = []
    for line in _text_lines(text.replace("\f", "\n"), "PDF 第"):
        if _PAGE_NUMBER.match(line.text):
            continue  # page furniture ("— 2 —", "第 2 页"), not report text
        cells = tuple(part.strip() for part in re.split(r"\s{2,}", line.text) if part.strip())
        out.append(Line(line.text, line.where, cells if len(cells) > 1 else ()))
    return Document(out, {})


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
    return read_document(path).lines


def read_document(path: Path) -> Document:
    """A published report's lines and metadata; refuses unknown kinds with a clear message."""
    if not path.is_file():
        raise UnusableWorkbookError(f"找不到文件：{path}")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnusableWorkbookError(
            f"不支持的文件类型 {path.suffix}（支持 .txt、.html、.docx、.pdf）：{path}"
        )
    size = path.stat().st_size
    limit = MAX_PACKAGE_BYTES if path.suffix.lower() in (".docx", ".pdf") else MAX_TEXT_BYTES
    if size > limit:  # refused before any reading: real reports are far smaller
        raise UnusableWorkbookError(
            f"文件 {path} 有 {size / 1024 / 1024:.1f} MB，超过 {limit // (1024 * 1024)} MB 的上限"
            "（已发布的年报正文通常不到 1 MB），不是可导入的年报。"
        )
    try:
        document = reader(path)
    except UnusableWorkbookError:
        raise
    except Exception as exc:
        raise UnusableWorkbookError(f"无法读取文件 {path}（{type(exc).__name__}）。") from None
    return _without_control_characters(document)


def _without_control_characters(document: Document) -> Document:
    """Control characters (never meaningful in a published report, and illegal in a workbook)
    become blanks, in the text and in table cells."""

    def clean(text: str) -> str:
        return _CONTROL.sub(" ", text)

    lines = [Line(clean(li.text), li.where, tuple(clean(c) for c in li.cells)) for li in document.lines]
    return Document(lines, {k: clean(v) for k, v in document.meta.items()})
