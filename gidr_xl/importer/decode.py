"""Bytes of a published text or web page → str, with the encoding taken from the file itself.

Order of evidence: a byte-order mark, then (HTML only) the declared ``<meta charset>`` /
``http-equiv`` charset, then strict UTF-8, then detection from the bytes. The detector is
charset-normalizer (well kept, pure Python wheels): Chinese government sites still publish
GB2312/GBK pages without any declaration, and guessing Latin-1 would garble every label.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from gidr_xl.errors import UnusableWorkbookError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
#: Declared Chinese charsets are read as their superset (GB2312/GBK pages often use GBK characters).
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}


def _try(raw: bytes, encoding: str) -> str | None:
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def declared_charset(raw: bytes) -> str | None:
    """The charset a web page declares in its first 4 KB (``<meta charset>`` or ``http-equiv``)."""
    match = _META.search(raw[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    return _SUPERSET.get(name, name)


def _candidates(raw: bytes, html: bool) -> Iterator[str]:
    """Encodings in order of evidence: byte-order mark, declared charset, UTF-8, detection, GB18030."""
    yield from (encoding for bom, encoding in _BOMS if raw.startswith(bom))
    if html and (declared := declared_charset(raw)):
        yield declared
    yield "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is not None and best.encoding:
        yield _SUPERSET.get(best.encoding.lower(), best.encoding)
    yield "gb18030"


def decode(raw: bytes, name: str, html: bool = False) -> tuple[str, str]:
    """(text, encoding used); a clear Chinese error naming the file when nothing fits."""
    for encoding in _candidates(raw, html):
        text = _try(raw, encoding)
        if text is not None:
            return text, encoding
    raise UnusableWorkbookError(f"无法识别文件 {name} 的文字编码（已尝试 UTF-8、GB18030 及自动识别）。")
